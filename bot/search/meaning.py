"""Question vector -> articles ranked by meaning: the dense side of the search.

Every article's vector (of its title, summary and topics) is held in memory as int8 with a
scale per row (a quarter of float32's memory: 100,000 articles in ~40 MB), and scored
against the question by integer dot products. Vectors arrive while the bot serves (they are
encoded after the text is committed): `add` puts them in, and an article without one yet is
simply not found by meaning. Passage vectors stay in the database; the engine reads those of
its few best candidates.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

import numpy as np

from bot.semantic import Embedder

log = logging.getLogger(__name__)

Vector = Any  # a float32 numpy row, L2-normalised


def quantise(rows: Any) -> tuple[Any, Any]:
    """float32 rows -> (int8 rows, float32 scale per row): row ≈ scale * int8 row."""
    rows = np.asarray(rows, dtype=np.float32)
    peak = np.abs(rows).max(axis=1) if len(rows) else np.zeros(0, np.float32)
    scales = np.where(peak > 0, peak / 127.0, 1.0).astype(np.float32)
    return np.rint(rows / scales[:, None]).astype(np.int8), scales


def int8_scores(query: Vector, rows: Any, scales: Any) -> Any:
    """Cosines (about) of a float32 query with int8 rows; the query is quantised too, so
    the product runs on integers: no float copy of the matrix."""
    [q], [q_scale] = quantise(np.asarray(query, dtype=np.float32)[None, :])
    dots = np.einsum("ij,j->i", rows, q, dtype=np.int32)
    return dots.astype(np.float32) * (scales * q_scale)


class MeaningSearcher:
    """The dense side: search(vector, k) -> (id, cosine) best first, over the article vectors
    that have arrived so far."""

    def __init__(self, embedder: Embedder, capacity: int) -> None:
        self.embedder = embedder
        self._ids: list[str] = []
        self._rows_of: dict[str, int] = {}
        self._capacity = max(capacity, 1)  # rows allocated at the first vector (its width)
        self._matrix = np.zeros((0, 0), dtype=np.int8)
        self._scales = np.zeros(0, dtype=np.float32)

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._rows_of

    def add(self, ids: Sequence[str], rows: Any, scales: Any) -> None:
        """Put in (or replace) the int8 vectors of these articles."""
        if len(ids) and not len(self._matrix):
            self._matrix = np.zeros((self._capacity, len(rows[0])), dtype=np.int8)
            self._scales = np.zeros(self._capacity, dtype=np.float32)
        for article_id, row, scale in zip(ids, rows, scales, strict=True):
            at = self._rows_of.get(article_id)
            if at is None:
                at = len(self._ids)
                if at == len(self._matrix):  # more articles than the snapshot had
                    self._grow()
                self._ids.append(article_id)
                self._rows_of[article_id] = at
            self._matrix[at] = row
            self._scales[at] = scale

    def _grow(self) -> None:
        self._matrix = np.concatenate([self._matrix, np.zeros_like(self._matrix)])
        self._scales = np.concatenate([self._scales, np.zeros_like(self._scales)])

    async def encode(self, text: str) -> Vector:
        """The question's vector (in a worker thread: the event loop keeps serving)."""
        [vector] = await asyncio.to_thread(self.embedder.encode, [text])
        return vector

    def scores(self, vector: Vector) -> Any:
        """The cosine of every article held with `vector`, in the order they were added."""
        n = len(self._ids)
        return int8_scores(vector, self._matrix[:n], self._scales[:n])

    def search(self, vector: Vector, k: int, scores: Any = None) -> list[tuple[str, float]]:
        """The `k` articles nearest in meaning, best first."""
        scores = self.scores(vector) if scores is None else scores
        if not len(scores):
            return []
        k = min(k, len(scores))
        best = np.argpartition(-scores, k - 1)[:k]
        best = best[np.argsort(-scores[best], kind="stable")]
        return [(self._ids[i], float(scores[i])) for i in best]

    def cosines_of(self, vector: Vector, ids: Sequence[str]) -> dict[str, float]:
        """The cosines of these articles (those with a vector) alone: no scan of the rest."""
        known = [i for i in ids if i in self._rows_of]
        if not known:
            return {}
        rows = [self._rows_of[i] for i in known]
        scores = int8_scores(vector, self._matrix[rows], self._scales[rows])
        return {i: float(score) for i, score in zip(known, scores, strict=True)}

    def cosines(self, scores: Any, ids: Sequence[str]) -> dict[str, float]:
        """From `scores`, the cosines of these articles (those that have a vector)."""
        return {i: float(scores[self._rows_of[i]]) for i in ids if i in self._rows_of}

    def similar(self, article_id: str, k: int) -> list[tuple[str, float]]:
        """The `k` articles nearest in meaning to this one, itself excluded."""
        at = self._rows_of.get(article_id)
        if at is None:
            return []
        vector = self._matrix[at].astype(np.float32) * self._scales[at]
        return [(i, s) for i, s in self.search(vector, k + 1) if i != article_id][:k]
