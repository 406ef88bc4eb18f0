"""Query -> ranked hits: FTS5 BM25 candidates, reranked with rapidfuzz, with a confidence.

The pipeline: content words of the query (stopwords out) -> typo repair of unknown words
against the corpus vocabulary -> an FTS5 OR of quoted terms (user text never reaches FTS5
syntax raw) -> rerank by weighted term coverage, BM25 and title similarity -> a confidence
in [0, 1]; below the threshold the answer is "nothing found" with the nearest titles.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

import Stemmer
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.catalog import Catalog
from bot.models import Article, Hit, SearchResult
from bot.semantic import Embedder, SemanticIndex
from bot.store import CatalogEntry, Store
from bot.store.codec import related_text
from bot.text import StemFinder, content_words, normalize, stem, words

log = logging.getLogger(__name__)

CANDIDATES = 40
RERANKED = 15  # candidates whose full text is checked for term coverage
# Term coverage scans whole bodies (~25 ns a character): past this many characters in all,
# e.g. a 5 MB article among the candidates, the rerank runs off the event loop.
RERANK_INLINE_CHARS = 200_000
MIN_REPAIR_LENGTH = 4
# Words matching more than this share of articles ("power", "apps") still count in the
# rerank, but do not pick candidates: BM25 costs ~2.5 us for every article a word matches.
CANDIDATE_MAX_DF = 0.15
CANDIDATE_MIN_DF = 50  # below this every word picks candidates: scoring them all is cheap
CANDIDATE_MAX_ARTICLES = 4000  # however big the corpus: 4,000 articles cost ~10 ms a word
# Enough articles hold every rare word of the question: the best answer is among them, and
# BM25 then scores only them instead of every article holding any one of the words.
MIN_HOLDING_ALL = 10
# FTS5's tokenizer stems with Porter's algorithm; the same stemmer here tells how many
# articles a word will match there ("controller" matches every "control").
_PORTER = Stemmer.Stemmer("porter")
# Phrases that say which kind of item the member wants ("which playlist has ...").
KIND_PHRASES: dict[str, tuple[str, ...]] = {
    "collection": ("learning path", "playlist", "series", "collection"),
    "video": ("video",),
    "course": ("course", "module"),
    "profile": ("profile", "who is"),
}
KIND_BONUS = 0.1
# The optional semantic rerank reorders the best lexical candidates of a question that the
# words alone answer with less confidence than SEMANTIC_UNSURE (a paraphrase; an exact title
# or a person's name is left alone). Each gets SEMANTIC_WEIGHT times its likeness in meaning
# relative to the others (0 least alike, 1 most); a candidate whose cosine similarity is at
# least SEMANTIC_CLOSE gains confidence likewise. Tuned on benchmarks/questions.jsonl.
SEMANTIC_RERANKED = 20
SEMANTIC_UNSURE = 0.6
SEMANTIC_WEIGHT = 0.3
SEMANTIC_CLOSE = 0.4
SEMANTIC_CONFIDENCE_GAIN = 0.3


@dataclass(frozen=True, slots=True)
class QueryTerm:
    text: str  # the word searched for (repaired if it was a typo)
    typed: str  # the word as the user typed it
    weight: float  # inverse document frequency
    trust: float  # 1.0 for a known word, the similarity for a repaired one, 0 for unknown


@dataclass(frozen=True, slots=True)
class Found:
    result: SearchResult
    articles: dict[str, Article] = field(default_factory=dict)  # by id; may lack some hits


class Vocabulary:
    """Corpus words with document frequencies; finds the intended word for a typo."""

    def __init__(self, frequencies: dict[str, int], documents: int) -> None:
        self.frequencies = frequencies
        self.documents = max(documents, 1)
        buckets: dict[tuple[str, int], list[str]] = {}
        by_stem: dict[str, int] = {}
        for term, df in frequencies.items():
            key = _PORTER.stemWord(term)
            by_stem[key] = by_stem.get(key, 0) + df
            if term.isalpha() and MIN_REPAIR_LENGTH - 1 <= len(term) <= 30:
                buckets.setdefault((term[0], len(term)), []).append(term)
        self._buckets = buckets
        # Summed over a stem's words: at most a little above the articles FTS5 matches.
        self._porter_frequencies = by_stem

    def matches(self, term: str) -> int:
        """About how many articles an FTS5 search for `term` matches (an upper bound)."""
        return self._porter_frequencies.get(_PORTER.stemWord(term), 0)

    def idf(self, term: str) -> float:
        df = self.frequencies.get(term, 0)
        return math.log((self.documents + 1) / (df + 0.5))

    def repair(self, word: str) -> tuple[str, float] | None:
        """The most likely intended corpus word and its similarity in [0, 1], if any is close."""
        if len(word) < MIN_REPAIR_LENGTH or not word.isalpha():
            return None
        # Edits allowed grow with the word; a swap of two letters ("hanio") is one edit.
        max_edits = 1 if len(word) <= 7 else 2
        pool: list[str] = []
        for length in range(len(word) - max_edits, len(word) + max_edits + 1):
            pool.extend(self._buckets.get((word[0], length), ()))
        matches = process.extract(word, pool, scorer=OSA.distance, score_cutoff=max_edits, limit=10)
        if not matches:
            return None
        best = min(matches, key=lambda m: (m[1], -self.frequencies.get(m[0], 0)))
        return best[0], 1 - best[1] / max(len(word), len(best[0]))


class SearchEngine:
    """Answers queries over one loaded corpus snapshot; rebuild it after a reload."""

    def __init__(
        self,
        store: Store,
        catalog: Catalog,
        vocabulary: Vocabulary,
        min_confidence: float,
        semantic: SemanticIndex | None = None,
    ) -> None:
        self.store = store
        self.catalog = catalog
        self.vocabulary = vocabulary
        self.min_confidence = min_confidence
        self.semantic = semantic

    @classmethod
    async def load(
        cls, store: Store, min_confidence: float = 0.5, embedder: Embedder | None = None
    ) -> SearchEngine:
        """The snapshot of the store's corpus; with an embedder, the semantic rerank on."""
        entries = await store.catalog()
        vocabulary = Vocabulary(await store.term_frequencies(), len(entries))
        semantic = await SemanticIndex.build(store, embedder) if embedder else None
        return cls(store, Catalog(entries), vocabulary, min_confidence, semantic)

    def query_terms(self, query: str) -> list[QueryTerm]:
        terms: list[QueryTerm] = []
        for word in content_words(query)[:16]:
            if word in self.vocabulary.frequencies:
                terms.append(QueryTerm(word, word, self.vocabulary.idf(word), 1.0))
                continue
            repaired = self.vocabulary.repair(word)
            if repaired is None:
                terms.append(QueryTerm(word, word, self.vocabulary.idf(word), 0.0))
            else:
                text, similarity = repaired
                # Weighted as typed: a repaired rare word should not outweigh the question.
                weight = max(self.vocabulary.idf(text), self.vocabulary.idf(word) * 0.5)
                terms.append(QueryTerm(text, word, weight, similarity))
        return terms

    async def candidates(self, terms: list[QueryTerm], limit: int) -> list[tuple[str, float]]:
        """(id, rank) of the articles worth reranking, best first; ranks are negative.

        The terms rare enough pick them with BM25: first the articles holding all of those
        terms (an AND scores only them), else any (an OR scores every article holding one).
        When every term is common ("power apps"), BM25 would score nearly every article, so
        titles holding the most of those words are taken from memory instead.
        """
        most = max(
            min(CANDIDATE_MAX_DF * self.vocabulary.documents, CANDIDATE_MAX_ARTICLES),
            CANDIDATE_MIN_DF,
        )
        rare = [t for t in terms if self.vocabulary.matches(t.text) <= most]
        if not rare:
            return self.catalog.title_matches([t.text for t in terms], limit)
        if len(rare) > 1:
            holding_all = await self.store.bm25_candidates(fts_expression(rare, "AND"), limit)
            if len(holding_all) >= MIN_HOLDING_ALL:
                return holding_all
        return await self.store.bm25_candidates(fts_expression(rare), limit)

    async def search(self, query: str, limit: int = 10) -> SearchResult:
        return (await self.find(query, limit)).result

    async def find(self, query: str, limit: int = 10) -> Found:
        """The search result, with the articles read to rerank it (hits among them)."""
        terms = self.query_terms(query)
        searchable = [t for t in terms if t.trust > 0]
        if not searchable:
            return Found(self._nothing(query, terms))
        ranked = await self.candidates(searchable, CANDIDATES)
        if not ranked:
            return Found(self._nothing(query, terms))
        texts = {a.id: a for a in await self.store.get_articles([i for i, _ in ranked[:RERANKED]])}
        if sum(len(a.body) for a in texts.values()) > RERANK_INLINE_CHARS:
            scored = await asyncio.to_thread(self._rerank, query, terms, ranked, texts)
        else:
            scored = self._rerank(query, terms, ranked, texts)
        if self.semantic is not None:
            scored = await _semantic_rerank(self.semantic, query, scored)
        best_confidence = scored[0][2]
        hits = tuple(
            Hit(entry.id, entry.source, entry.title, round(score, 4))
            for entry, score, _ in scored[:limit]
        )
        if best_confidence < self.min_confidence:
            nearest = tuple(h.title for h in hits[:3])
            return Found(SearchResult(query, False, round(best_confidence, 4), (), nearest))
        return Found(SearchResult(query, True, round(best_confidence, 4), hits), texts)

    def _rerank(
        self,
        query: str,
        terms: list[QueryTerm],
        ranked: list[tuple[str, float]],
        texts: dict[str, Article],
    ) -> list[tuple[CatalogEntry, float, float]]:
        best_rank = ranked[0][1] or -1.0
        typed = " ".join(t.typed for t in terms)
        kinds = wanted_kinds(query)
        finder = StemFinder(stem(t.text) for t in terms)
        scored: list[tuple[CatalogEntry, float, float]] = []
        for position, (article_id, rank) in enumerate(ranked):
            entry = self.catalog.get(article_id)
            if entry is None:  # the index is newer than this snapshot
                continue
            article = texts.get(article_id)
            coverage = term_coverage(terms, article, finder) if article else 0.0
            title_similarity = fuzz.token_set_ratio(typed, normalize(entry.title)) / 100
            topical = max(
                (fuzz.ratio(typed, normalize(t)) / 100 for t in entry.topics), default=0.0
            )
            bm25 = rank / best_rank if best_rank else 0.0
            confidence = max(
                coverage * (0.75 + 0.25 * max(title_similarity, bm25)),
                title_similarity if title_similarity >= 0.9 else 0.0,
                topical if topical >= 0.95 else 0.0,
            )
            score = 0.5 * coverage + 0.2 * bm25 + 0.3 * title_similarity - 0.001 * position
            if article is not None and article.type in kinds:
                score += KIND_BONUS
            scored.append((entry, score, confidence))
        scored.sort(key=lambda item: item[1], reverse=True)
        return scored

    def _nothing(self, query: str, terms: list[QueryTerm]) -> SearchResult:
        typed = " ".join(t.typed for t in terms)
        nearest = tuple(e.title for e in self.catalog.fuzzy_titles(typed, 3)) if typed else ()
        return SearchResult(query, False, 0.0, (), nearest)

    async def similar(self, article: Article, limit: int = 3) -> list[CatalogEntry]:
        """Corpus articles most like `article` (by its title and topics), itself excluded."""
        return self.catalog.similar(article.id, limit)


async def _semantic_rerank(
    semantic: SemanticIndex, query: str, scored: list[tuple[CatalogEntry, float, float]]
) -> list[tuple[CatalogEntry, float, float]]:
    """Reorder an unsure question's best candidates by their likeness in meaning."""
    if scored[0][2] >= SEMANTIC_UNSURE:
        return scored
    head = scored[:SEMANTIC_RERANKED]
    try:
        similarity = await semantic.similarities(query, [e.id for e, _, _ in head])
    except Exception:  # the model failed on this text: the words' answer still stands
        log.warning("semantic rerank failed; answering from the words alone", exc_info=True)
        return scored
    values = [similarity.get(entry.id, 0.0) for entry, _, _ in head]
    low, high = min(values), max(values)
    reranked = []
    for (entry, score, confidence), value in zip(head, values, strict=True):
        likeness = (value - low) / (high - low) if high > low else 0.0
        if value >= SEMANTIC_CLOSE:
            confidence = min(1.0, confidence + SEMANTIC_CONFIDENCE_GAIN * likeness)
        reranked.append((entry, score + SEMANTIC_WEIGHT * likeness, confidence))
    reranked.sort(key=lambda item: item[1], reverse=True)
    return reranked + scored[SEMANTIC_RERANKED:]


def wanted_kinds(query: str) -> set[str]:
    """The kinds of item (collection, video, ...) that the query names, if any.

    A collection named beside another kind is the one asked for: "which series has the
    timer video" wants the series that contains the video.
    """
    text = f" {' '.join(words(query))} "
    kinds = {
        kind
        for kind, phrases in KIND_PHRASES.items()
        if any(f" {phrase} " in text or f" {phrase}s " in text for phrase in phrases)
    }
    return {"collection"} if "collection" in kinds else kinds


def fts_expression(terms: Iterable[QueryTerm], operator: Literal["OR", "AND"] = "OR") -> str:
    """An FTS5 OR (or AND) of quoted terms: quoting makes every character literal to FTS5."""
    quoted = ('"' + t.text.replace('"', '""') + '"' for t in terms)
    return f" {operator} ".join(dict.fromkeys(quoted))


def term_coverage(terms: list[QueryTerm], article: Article, finder: StemFinder) -> float:
    """Share of the query's weight that the article contains; fields near the top count more.

    `finder` looks for the stems of these terms (built once per query).
    """
    total = sum(t.weight for t in terms)
    if total <= 0:
        return 0.0
    head = finder.found(f"{article.title} {article.summary} {' '.join(article.topics)}")
    tail: set[str] | None = None  # the body is long: searched only if the head lacks a word
    found = 0.0
    for term in terms:
        key = stem(term.text)
        if key in head:
            found += term.weight * term.trust
            continue
        if tail is None:
            tail = finder.found(
                f"{article.body} {related_text(article)} "
                f"{article.provider.name if article.provider else ''} {' '.join(article.authors)}"
            )
        if key in tail:
            found += term.weight * term.trust * 0.85
    return found / total
