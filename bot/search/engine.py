"""Query -> SearchResult: the words' and meaning's candidates, fused, and the answer gate.

A short composition: the words (FTS5 + repair + rerank) and meaning (vectors) each rank
candidates; `fuse` joins the two lists; the best candidates' passages are compared with the
question; `confidence` decides whether the best one answers or it is "nothing found".
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.catalog import Catalog
from bot.models import Article, Hit, SearchResult
from bot.search.confidence import confidence, known_share, margins
from bot.search.fuse import fuse
from bot.search.knobs import (
    CANDIDATES,
    LATEST_AMONG,
    MEANING_CANDIDATES,
    MEANING_LOW,
    MEANING_WEIGHT,
    MEANING_WEIGHT_SURE,
    NARROWED_CONFIDENCE,
    NARROWED_GAIN,
    PASSAGES_CHECKED,
    WORDS_SURE,
)
from bot.search.narrow import Names, Narrowing, parse_question, without
from bot.search.words import QueryTerm, Vocabulary, WordSearcher
from bot.semantic import Embedder
from bot.store import CatalogEntry, Store
from bot.store.embeddings import StoredVector

if TYPE_CHECKING:  # numpy, under meaning, is imported only when meaning is on
    from bot.search.meaning import MeaningSearcher

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Found:
    result: SearchResult
    articles: dict[str, Article] = field(default_factory=dict)  # by id; may lack some hits
    passages: dict[str, int] = field(default_factory=dict)  # id -> part whose meaning answers


@dataclass(slots=True)
class _Meaning:
    """What meaning said about one question."""

    cosines: dict[str, float] = field(default_factory=dict)  # by id
    ranked: list[tuple[str, float]] = field(default_factory=list)  # nearest, best first
    vector: Any = None


class SearchEngine:
    """Answers queries over one loaded corpus snapshot; rebuild it after a reload."""

    def __init__(
        self,
        store: Store,
        catalog: Catalog,
        vocabulary: Vocabulary,
        min_confidence: float,
        meaning: MeaningSearcher | None = None,
    ) -> None:
        self.store = store
        self.catalog = catalog
        self.vocabulary = vocabulary
        self.min_confidence = min_confidence
        self.words = WordSearcher(store, catalog, vocabulary)
        self.meaning = meaning
        self.names = Names(catalog.entries)

    @classmethod
    async def load(
        cls, store: Store, min_confidence: float = 0.5, embedder: Embedder | None = None
    ) -> SearchEngine:
        """The snapshot of the store's corpus; with an embedder, meaning too, from the
        vectors stored so far (more are added as they are encoded)."""
        catalog = Catalog(await store.catalog())
        vocabulary = Vocabulary(await store.term_frequencies(), len(catalog))
        if embedder is None:
            return cls(store, catalog, vocabulary, min_confidence)
        from bot.search.meaning import MeaningSearcher  # numpy: only with meaning on

        meaning = MeaningSearcher(embedder, len(catalog))
        engine = cls(store, catalog, vocabulary, min_confidence, meaning)
        # A page at a time (memory), and the cells built once, after the last page.
        async for page in store.embeddings.article_vector_pages(embedder.name):
            engine.add_vectors(page, index=False)
        meaning.index()
        return engine

    def add_vectors(self, stored: Sequence[StoredVector], index: bool = True) -> None:
        """Serve these article vectors (new or replacing older ones); `index=False` leaves
        the cells to be built after the last of many."""
        if self.meaning is None:
            return
        from bot.vectors import vectors_of

        ids, rows, scales = vectors_of(stored)
        # Keyed by the catalog's own id strings: no second copy of 100,000 ids.
        self.meaning.add(self.catalog.own_ids(ids), rows, scales, index=index)

    def query_terms(self, query: str) -> list[QueryTerm]:
        return self.vocabulary.query_terms(query)

    async def search(self, query: str, limit: int = 10) -> SearchResult:
        return (await self.find(query, limit)).result

    async def find(self, query: str, limit: int = 10) -> Found:
        """The search result, with the articles read to rank it (hits among them)."""
        narrowing, names = self._narrowing(query)
        narrowed = bool(names) or narrowing.dated
        topic = without(narrowing.topic, [p for p, _ in names]) if narrowed else narrowing.topic
        text = topic if narrowed or narrowing.latest or narrowing.who_asked else query
        # The question's vector is encoded in a worker thread while the words search: the
        # model and SQLite both run outside the GIL, so neither waits for the other.
        encoding = self._encoding(text or query)
        try:
            words = await self.words.search(query, CANDIDATES, text=text)
        except BaseException:
            if encoding is not None:
                encoding.cancel()
            raise
        sure = bool(words.ranked) and words.confidence[words.ranked[0][0]] >= WORDS_SURE
        # Sure words keep their order: meaning then only weighs in on their confidence, and
        # the scan of every article's vector (the costly part at 100,000) is skipped.
        nearest = not sure or MEANING_WEIGHT_SURE > 0
        meaning = await self._meaning(encoding, [i for i, _ in words.ranked], nearest)
        weight = MEANING_WEIGHT_SURE if sure else MEANING_WEIGHT
        fused = _fused(words.ranked, meaning, weight)
        if narrowed:
            fused = self._narrow(fused, narrowing, [n for _, n in names], limit)
        if not fused:
            return Found(self._nothing(query, words.terms))
        head = [i for i, _ in fused[: max(limit, PASSAGES_CHECKED)]]
        passages = await self._passages(meaning, head[:PASSAGES_CHECKED])
        if passages and not narrowed:  # a passage nearer than its article's vector
            fused = _fused(words.ranked, meaning, weight)
            head = [i for i, _ in fused[: max(limit, PASSAGES_CHECKED)]]
        unread = [i for i in head if i not in words.texts]  # ranked on titles alone so far
        for article in await self.store.get_articles(unread):
            words.texts[article.id] = article
            words.confidence[article.id] = self.words.confidence(query, words.terms, article)
        scores = dict(fused)
        known = known_share((t.weight, t.trust) for t in words.terms)
        lead = margins(meaning.cosines)
        sure_of = {
            i: confidence(words.confidence.get(i, 0.0), meaning.cosines.get(i), known, lead.get(i))
            for i in head
        }
        if narrowed:  # fitting who, where and when asked is itself evidence
            has_topic = any(t.trust > 0 for t in words.terms)
            sure_of = {
                i: max(c + NARROWED_GAIN, 0.0 if has_topic else NARROWED_CONFIDENCE)
                for i, c in sure_of.items()
            }
        if narrowing.latest:
            head = self._newest_first(head, sure_of)
        ranked = [(i, scores[i]) for i in head if self.catalog.get(i) is not None]
        if not ranked:
            return Found(self._nothing(query, words.terms))
        best_confidence = min(1.0, sure_of[ranked[0][0]])
        hits = tuple(
            Hit(i, entry.source, entry.title, round(score, 4))
            for i, score in ranked[:limit]
            if (entry := self.catalog.get(i)) is not None
        )
        if best_confidence < self.min_confidence:
            # Offered only where something points: a word, or meaning past MEANING_LOW. To
            # gibberish the nearest vectors are any titles, and the member is better served
            # by topics to browse.
            near = [
                h.title
                for h in hits
                if words.confidence.get(h.article_id, 0.0) > 0
                or meaning.cosines.get(h.article_id, -1.0) > MEANING_LOW
            ]
            nearest = tuple(near[:3]) or self._nothing(query, words.terms).nearest
            return Found(SearchResult(query, False, round(best_confidence, 4), (), nearest))
        result = SearchResult(query, True, round(best_confidence, 4), hits)
        return Found(result, words.texts, passages)

    def _narrowing(self, query: str) -> tuple[Narrowing, list[tuple[str, str]]]:
        """The question's who/where/when, and its phrases that name a known (phrase, name)."""
        narrowing = parse_question(query)
        names = [found for p in narrowing.phrases if (found := self.names.match(p)) is not None]
        return narrowing, names

    def _narrow(
        self, fused: list[tuple[str, float]], narrowing: Narrowing, names: list[str], limit: int
    ) -> list[tuple[str, float]]:
        """The candidates that fit who, where and when; when fewer than `limit` do, the
        newest articles that fit follow them."""

        def fits(article_id: str) -> bool:
            entry = self.catalog.get(article_id)
            return entry is not None and narrowing.published_in(entry.published)

        by_name: set[str] | None = None
        for name in names:  # several names: an article by any of them
            by_name = (by_name or set()) | set(self.names.articles(name))
        inside = [(i, s) for i, s in fused if fits(i) and (by_name is None or i in by_name)]
        if len(inside) >= limit:
            return inside
        taken = {i for i, _ in inside}
        low = min((s for _, s in inside), default=0.0)
        more: list[tuple[str, float]] = []
        for article_id in self._newest(names, by_name, narrowing):
            if article_id not in taken and fits(article_id):
                taken.add(article_id)  # a name's list may hold an article twice
                more.append((article_id, low - 0.001 * (len(more) + 1)))
                if len(inside) + len(more) >= limit:
                    break
        return inside + more

    def _newest(
        self, names: list[str], by_name: set[str] | None, narrowing: Narrowing
    ) -> Iterable[str]:
        """The ids that may fit who and when asked, newest first: the articles of the names,
        those published in the span of the date, or both; never a walk of the whole catalog
        (at 100,000 articles that walk was a question's slowest part)."""
        ids: Sequence[str] | None = None
        if len(names) == 1:
            ids = self.names.articles(names[0])  # in the catalog's order already
        elif by_name is not None:
            ids = sorted(by_name, key=self.catalog.position)
        span = narrowing.published_span()
        if span is not None:
            return self.catalog.published_within(*span, ids)
        return ids if ids is not None else (e.id for e in self.catalog.entries)

    def _newest_first(self, head: list[str], sure_of: dict[str, float]) -> list[str]:
        """ "The latest on X": of the candidates nearly as sure as the best, the newest first."""
        if not head:
            return head
        bar = LATEST_AMONG * max(sure_of.get(i, 0.0) for i in head)
        close = [i for i in head if sure_of.get(i, 0.0) >= bar]
        close.sort(
            key=lambda i: (e.published or "") if (e := self.catalog.get(i)) else "", reverse=True
        )
        return close + [i for i in head if i not in close]

    def _encoding(self, text: str) -> asyncio.Task[Any] | None:
        """The question's vector, being encoded; None when meaning is off or has no
        vectors yet."""
        if self.meaning is None or not len(self.meaning):
            return None
        return asyncio.ensure_future(self.meaning.encode(text))

    async def _meaning(
        self, encoding: asyncio.Task[Any] | None, word_candidates: list[str], nearest: bool = True
    ) -> _Meaning:
        """The question's nearest articles by meaning (unless not `nearest`), and the
        cosines of the words' own candidates; nothing when meaning is off, has no vectors
        yet, or fails."""
        if encoding is None or self.meaning is None:
            return _Meaning()
        try:
            vector = await encoding
        except Exception:  # the model failed on this text: the words' answer still stands
            log.warning("question encoding failed; answering from the words alone", exc_info=True)
            return _Meaning()
        if not nearest:
            return _Meaning(self.meaning.cosines_of(vector, word_candidates), [], vector)
        # Only the rows near the question are scanned (cells past 20,000 rows, see meaning.py).
        ranked = self.meaning.nearest(vector, MEANING_CANDIDATES)
        cosines = dict(ranked) | self.meaning.cosines_of(vector, word_candidates)
        return _Meaning(cosines, ranked, vector)

    async def _passages(self, meaning: _Meaning, article_ids: list[str]) -> dict[str, int]:
        """The best passage of each of these articles nearer the question than the article's
        own vector; raises that article's cosine to the passage's. Returns id -> part."""
        if meaning.vector is None or self.meaning is None:
            return {}
        import numpy as np

        from bot.search.meaning import int8_scores

        stored = await self.store.embeddings.passage_vectors(
            self.meaning.embedder.name, article_ids
        )
        if not stored:
            return {}
        rows = np.vstack([np.frombuffer(v.vector, dtype=np.int8) for v in stored])
        scales = np.array([v.scale for v in stored], dtype=np.float32)
        best: dict[str, int] = {}
        for v, cosine in zip(stored, int8_scores(meaning.vector, rows, scales), strict=True):
            if float(cosine) > meaning.cosines.get(v.article_id, -1.0):
                meaning.cosines[v.article_id] = float(cosine)
                best[v.article_id] = v.part
        return best

    def _nothing(self, query: str, terms: list[QueryTerm]) -> SearchResult:
        typed = " ".join(t.typed for t in terms)
        nearest = tuple(e.title for e in self.catalog.fuzzy_titles(typed, 3)) if typed else ()
        return SearchResult(query, False, 0.0, (), nearest)

    def similar(self, article_id: str, limit: int = 3) -> list[CatalogEntry]:
        """Corpus articles most like this one, itself excluded: nearest in meaning when its
        vector is in, else sharing its rarest title words and topics."""
        if self.meaning is not None and article_id in self.meaning:
            near = self.meaning.similar(article_id, limit)
            entries = [e for i, _ in near if (e := self.catalog.get(i)) is not None]
            if entries:
                return entries
        return self.catalog.similar(article_id, limit)


def _fused(
    words: list[tuple[str, float]], meaning: _Meaning, weight: float
) -> list[tuple[str, float]]:
    """The words' ranking fused with every candidate meaning knows (by cosine)."""
    dense = sorted(meaning.cosines.items(), key=lambda item: -item[1])
    return fuse(words, dense, weight)
