"""Query -> ranked candidates by their words: vocabulary, typo repair, FTS5 BM25, rerank.

The pipeline: content words of the query (stopwords out) -> typo repair of unknown words
against the corpus vocabulary -> an FTS5 OR of quoted terms (user text never reaches FTS5
syntax raw) -> rerank by weighted term coverage, BM25 and title similarity. Each candidate
leaves with a score (its rank among the words' candidates) and the words' confidence that it
answers (the share of the question's weight it holds).
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

import Stemmer
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.catalog import Catalog
from bot.models import Article
from bot.search.knobs import (
    CANDIDATE_MAX_ARTICLES,
    CANDIDATE_MAX_DF,
    CANDIDATE_MIN_DF,
    KIND_BONUS,
    KIND_PHRASES,
    MIN_HOLDING_ALL,
    MIN_REPAIR_LENGTH,
    RERANK_INLINE_CHARS,
    RERANKED,
)
from bot.store import Store
from bot.store.codec import related_text
from bot.text import StemFinder, content_words, normalize, stem, words

# FTS5's tokenizer stems with Porter's algorithm; the same stemmer here tells how many
# articles a word will match there ("controller" matches every "control").
_PORTER = Stemmer.Stemmer("porter")


@dataclass(frozen=True, slots=True)
class QueryTerm:
    text: str  # the word searched for (repaired if it was a typo)
    typed: str  # the word as the user typed it
    weight: float  # inverse document frequency
    trust: float  # 1.0 for a known word, the similarity for a repaired one, 0 for unknown


@dataclass(slots=True)
class WordHits:
    """The words' answer to one query: candidates best first, and what was read for them."""

    terms: list[QueryTerm]
    ranked: list[tuple[str, float]] = field(default_factory=list)  # (id, score), best first
    confidence: dict[str, float] = field(default_factory=dict)  # by id, in [0, 1]
    texts: dict[str, Article] = field(default_factory=dict)  # articles read, by id


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
        return self._idf(self.frequencies.get(term, 0))

    def _idf(self, df: int) -> float:
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

    def query_terms(self, query: str) -> list[QueryTerm]:
        """The query's content words, typos repaired, weighted by rarity."""
        terms: list[QueryTerm] = []
        for word in content_words(query)[:16]:
            if word in self.frequencies:
                terms.append(QueryTerm(word, word, self.idf(word), 1.0))
                continue
            # Another form of a corpus word ("entering" where articles say "enter"): FTS5
            # stems both alike, so the articles are found by it and it is a known word.
            if stem_df := self.matches(word):
                terms.append(QueryTerm(word, word, self._idf(stem_df), 1.0))
                continue
            repaired = self.repair(word)
            if repaired is None:
                terms.append(QueryTerm(word, word, self.idf(word), 0.0))
            else:
                text, similarity = repaired
                # Weighted as typed: a repaired rare word should not outweigh the question.
                weight = max(self.idf(text), self.idf(word) * 0.5)
                terms.append(QueryTerm(text, word, weight, similarity))
        return terms


class WordSearcher:
    """The sparse side: search(query, k) -> candidates ranked by their words."""

    def __init__(self, store: Store, catalog: Catalog, vocabulary: Vocabulary) -> None:
        self.store = store
        self.catalog = catalog
        self.vocabulary = vocabulary

    async def search(self, query: str, k: int, text: str | None = None) -> WordHits:
        """Up to `k` candidates for `query`; `text` (default the query) is what is matched,
        when the query's who/where/when words were taken out of it."""
        terms = self.vocabulary.query_terms(query if text is None else text)
        found = WordHits(terms)
        searchable = [t for t in terms if t.trust > 0]
        if not searchable:
            return found
        ranked = await self.candidates(searchable, k)
        if not ranked:
            return found
        found.texts = {
            a.id: a for a in await self.store.get_articles([i for i, _ in ranked[:RERANKED]])
        }
        if sum(len(a.body) for a in found.texts.values()) > RERANK_INLINE_CHARS:
            scored = await asyncio.to_thread(self._rerank, query, terms, ranked, found.texts)
        else:
            scored = self._rerank(query, terms, ranked, found.texts)
        for article_id, score, confidence in scored:
            found.ranked.append((article_id, score))
            found.confidence[article_id] = confidence
        return found

    async def candidates(self, terms: list[QueryTerm], limit: int) -> list[tuple[str, float]]:
        """(id, rank) of the articles worth reranking, best first; ranks are negative.

        The terms rare enough pick them with BM25: first the articles holding all of those
        terms (an AND scores only them), else any (an OR scores every article holding one).
        When every term is common ("power apps"), BM25 would score nearly every article, so
        titles holding the most of those words are taken from memory instead.
        """
        vocabulary = self.vocabulary
        most = max(
            min(CANDIDATE_MAX_DF * vocabulary.documents, CANDIDATE_MAX_ARTICLES),
            CANDIDATE_MIN_DF,
        )
        rare = [t for t in terms if vocabulary.matches(t.text) <= most]
        if not rare:
            return self.catalog.title_matches([t.text for t in terms], limit)
        if len(rare) > 1:
            holding_all = await self.store.bm25_candidates(fts_expression(rare, "AND"), limit)
            if len(holding_all) >= MIN_HOLDING_ALL:
                return holding_all
        return await self.store.bm25_candidates(fts_expression(rare), limit)

    def confidence(self, query: str, terms: list[QueryTerm], article: Article) -> float:
        """The words' confidence that `article` answers: for a candidate meaning found."""
        [(_, _, confidence)] = self._rerank(
            query, terms, [(article.id, 0.0)], {article.id: article}
        )
        return confidence

    def _rerank(
        self,
        query: str,
        terms: list[QueryTerm],
        ranked: list[tuple[str, float]],
        texts: dict[str, Article],
    ) -> list[tuple[str, float, float]]:
        """(id, score, confidence) of the candidates in the catalog, best score first."""
        best_rank = ranked[0][1] or -1.0
        typed = " ".join(t.typed for t in terms)
        kinds = wanted_kinds(query)
        finder = StemFinder(stem(t.text) for t in terms)
        scored: list[tuple[str, float, float]] = []
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
            scored.append((article_id, score, confidence))
        scored.sort(key=lambda item: item[1], reverse=True)
        return scored


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
