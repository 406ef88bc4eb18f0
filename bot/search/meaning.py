"""Question vector -> the rows nearest in meaning: the dense side of the search.

Rows are int8 with a scale per row (a quarter of float32's memory: 100,000 rows in ~40 MB),
keyed by whatever the caller adds them under (an article id; an (id, part) pair for a
passage row), and scored against the question by integer dot products. Vectors arrive while
the bot serves (they are encoded after the text is committed): `add` puts them in, and a key
without one yet is simply not found by meaning.

Up to CELLS_FROM rows every row is scanned. Past that a full scan costs too much (100,000
rows: ~15 ms median, 26-74 ms p95 on this 2-core machine under load), so the rows are grouped
into cells around k-means centroids (an inverted file, IVF): a question is compared with
the centroids and only the rows of its PROBES nearest cells are scanned, with every row
added or changed since the cells were built. The cells are built in a background thread
(brute force answers meanwhile) and built again once the rows they miss pass REBUILD_SHARE.
"""

from __future__ import annotations

import asyncio
import logging
import math
import threading
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from bot.semantic import Embedder

log = logging.getLogger(__name__)

Vector = Any  # a float32 numpy row, L2-normalised
Key = Hashable

# Measured at 100,000 rows (benchmarks/RESULTS.md, "Meaning at scale"): a full int8 scan is
# ~15 ms median; 20,000 rows scan in ~3 ms, below which cells gain too little to build.
CELLS_FROM = 20_000
CELLS_PER_SQRT = 3.0  # cells = 3 * sqrt(rows): ~950 at 100,000, ~100 rows a cell
# Cells scanned per question: at 100,000 rows, recall@20 against brute force was 0.98 with
# 16 probes, 0.99 with 32, 0.996 with 64 (the real questions, synthetic rows); 32 scan ~3%.
PROBES = 32
# An article's own neighbours (related links, "More like this") sit in the cells around its
# own row: at 100,791 rows, 8 probes found the same 3 as a full scan for all 791 real
# articles, in 1.6 ms median against ~4 ms with PROBES and 19 ms for the full scan
# (`python -m benchmarks.meaning_scale recall`).
SIMILAR_PROBES = 8
TRAIN_PER_CELL = 16  # k-means learns from this many sampled rows a cell (the rest assigned)
TRAIN_ROUNDS = 6
REBUILD_SHARE = 0.25  # rows outside the cells (new or changed) past this share: build again
BLOCK = 1024  # rows made float32 at a time while building: ~5 MB with ~950 cells


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


@dataclass(frozen=True, slots=True)
class Cells:
    """Rows 0..covered-1 grouped by nearest centroid: cell c holds order[starts[c]:starts[c+1]]."""

    centroids: Any  # float32 (cells, width), unit rows
    order: Any  # int32 row numbers, sorted by cell
    starts: Any  # int64 (cells + 1)
    covered: int

    def rows_near(self, query: Vector, probes: int) -> Any:
        """The row numbers in the `probes` cells whose centroids are nearest `query`."""
        near = self.centroids @ np.asarray(query, dtype=np.float32)
        probes = min(probes, len(near))
        best = np.argpartition(-near, probes - 1)[:probes]
        return np.concatenate([self.order[self.starts[c] : self.starts[c + 1]] for c in best])


def build_cells(matrix: Any, rows: int, seed: int = 0) -> Cells:
    """Cells over the first `rows` rows of an int8 matrix: spherical k-means on a sample,
    then every row to its nearest centroid. Rows are made float a block at a time (the
    memory stays a few MB); their scales are left out, as a positive scale never changes
    which centroid is nearest."""
    count = max(1, min(rows, round(CELLS_PER_SQRT * math.sqrt(rows))))
    rng = np.random.default_rng(seed)
    sample = matrix[np.sort(rng.choice(rows, min(rows, count * TRAIN_PER_CELL), replace=False))]
    centroids = _unit(sample[rng.choice(len(sample), count, replace=False)].astype(np.float32))
    for _ in range(TRAIN_ROUNDS):
        sums = np.zeros_like(centroids)
        sizes = np.zeros(count, dtype=np.int64)
        for start in range(0, len(sample), BLOCK):
            block = _unit(sample[start : start + BLOCK].astype(np.float32))
            cell = np.argmax(block @ centroids.T, axis=1)
            np.add.at(sums, cell, block)
            sizes += np.bincount(cell, minlength=count)
        filled = sizes > 0  # an empty cell keeps its centroid
        centroids[filled] = _unit(sums[filled])
    cell = np.empty(rows, dtype=np.int32)
    for start in range(0, rows, BLOCK):
        block = matrix[start : min(rows, start + BLOCK)].astype(np.float32)
        cell[start : start + len(block)] = np.argmax(block @ centroids.T, axis=1)
    order = np.argsort(cell, kind="stable").astype(np.int32)
    starts = np.searchsorted(cell[order], np.arange(count + 1))
    return Cells(centroids, order, starts, rows)


def _unit(rows: Any) -> Any:
    return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)


class MeaningSearcher:
    """The dense side: nearest(vector, k) -> (key, cosine) best first, over the rows that
    have arrived so far."""

    def __init__(
        self,
        embedder: Embedder,
        capacity: int,
        cells_from: float = CELLS_FROM,
        background: bool = True,
    ) -> None:
        self.embedder = embedder
        self._keys: list[Key] = []
        self._rows_of: dict[Key, int] = {}
        self._capacity = max(capacity, 1)  # rows allocated at the first vector (its width)
        self._matrix = np.zeros((0, 0), dtype=np.int8)
        self._scales = np.zeros(0, dtype=np.float32)
        self._cells_from = cells_from
        self._background = background  # build cells in a thread (False: in `add`, for tests)
        # The cells, and the rows replaced since their snapshot: swapped in together.
        self._state: tuple[Cells | None, set[int]] = (None, set())
        self._building: set[int] | None = None  # ... and since a running build's snapshot
        self._lock = threading.Lock()  # between `add` and a build thread swapping cells in
        self._built = threading.Event()  # set when no build is running
        self._built.set()

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, key: object) -> bool:
        return key in self._rows_of

    def add(self, keys: Sequence[Key], rows: Any, scales: Any, index: bool = True) -> None:
        """Put in (or replace) the int8 vectors of these keys; `index=False` leaves the
        cells as they are (call `index` after the last of many)."""
        if len(keys) and not len(self._matrix):
            self._matrix = np.zeros((self._capacity, len(rows[0])), dtype=np.int8)
            self._scales = np.zeros(self._capacity, dtype=np.float32)
        with self._lock:
            for key, row, scale in zip(keys, rows, scales, strict=True):
                at = self._rows_of.get(key)
                if at is None:
                    at = len(self._keys)
                    if at == len(self._matrix):  # more rows than the snapshot had
                        self._grow()
                    self._keys.append(key)
                    self._rows_of[key] = at
                else:  # its cell may be another now: scanned with the new rows until rebuilt
                    self._state[1].add(at)
                    if self._building is not None:
                        self._building.add(at)
                self._matrix[at] = row
                self._scales[at] = scale
        if index:
            self.index()

    def _grow(self) -> None:
        self._matrix = np.concatenate([self._matrix, np.zeros_like(self._matrix)])
        self._scales = np.concatenate([self._scales, np.zeros_like(self._scales)])

    def _outside(self) -> int:
        """How many rows the cells do not cover (new since they were built, or changed)."""
        cells, changed = self._state
        return len(self._keys) - (cells.covered if cells is not None else 0) + len(changed)

    def index(self) -> None:
        """Build the cells (in the background) when there are enough rows and none yet, or
        when too many rows have come or changed since they were built."""
        n = len(self._keys)
        if n < self._cells_from or self._building is not None:
            return
        if self._state[0] is not None and self._outside() <= REBUILD_SHARE * n:
            return
        self._building = set()
        self._built.clear()
        if self._background:
            threading.Thread(
                target=self._build, args=(n,), name="meaning-cells", daemon=True
            ).start()
        else:
            self._build(n)

    def _build(self, rows: int) -> None:
        try:
            cells = build_cells(self._matrix, rows)
        except Exception:  # the scan stays exact without cells: slower, never wrong
            log.exception("building the meaning index's cells failed; scanning every row")
            with self._lock:
                self._building = None
                self._cells_from = math.inf  # not tried again on every add
            self._built.set()
            return
        with self._lock:
            self._state = (cells, self._building or set())
            self._building = None
        self._built.set()
        log.debug("meaning index: %d cells over %d rows", len(cells.centroids), rows)

    def wait_cells(self, timeout: float | None = None) -> bool:
        """Wait for a running build of the cells (for benchmarks and tests); True when
        none is running."""
        return self._built.wait(timeout)

    @property
    def has_cells(self) -> bool:
        """Whether questions scan cells (not every row)."""
        return self._state[0] is not None

    def rows(self) -> tuple[list[Key], Any, Any]:
        """(keys, int8 rows, scales) of every row held: what `add` takes."""
        n = len(self._keys)
        return list(self._keys), self._matrix[:n], self._scales[:n]

    async def encode(self, text: str) -> Vector:
        """The question's vector (in a worker thread: the event loop keeps serving)."""
        [vector] = await asyncio.to_thread(self.embedder.encode, [text])
        return vector

    def candidates(self, vector: Vector, probes: int = PROBES) -> Any | None:
        """The row numbers to scan for `vector`; None for every row."""
        (cells, changed_rows), n = self._state, len(self._keys)
        if cells is None:
            return None
        near = cells.rows_near(vector, probes)
        tail = np.arange(cells.covered, n, dtype=np.int32)
        if not changed_rows:  # the usual case: no row twice
            return np.concatenate([near, tail])
        changed = np.fromiter(changed_rows, dtype=np.int32, count=len(changed_rows))
        return np.unique(np.concatenate([near, tail, changed]))  # a changed row is in both

    def nearest(self, vector: Vector, k: int, probes: int = PROBES) -> list[tuple[Key, float]]:
        """The `k` rows nearest in meaning, best first, as (key, cosine)."""
        n = len(self._keys)
        if not n or k <= 0:
            return []
        rows = self.candidates(vector, probes)
        if rows is None:
            scores = int8_scores(vector, self._matrix[:n], self._scales[:n])
        else:
            scores = int8_scores(vector, self._matrix[rows], self._scales[rows])
        k = min(k, len(scores))
        best = np.argpartition(-scores, k - 1)[:k]
        best = best[np.argsort(-scores[best], kind="stable")]
        at = best if rows is None else rows[best]
        return [(self._keys[i], float(s)) for i, s in zip(at, scores[best], strict=True)]

    def search(self, vector: Vector, k: int, scores: Any = None) -> list[tuple[Key, float]]:
        """`nearest`, or the best `k` of full-scan `scores` when given."""
        if scores is None:
            return self.nearest(vector, k)
        if not len(scores):
            return []
        k = min(k, len(scores))
        best = np.argpartition(-scores, k - 1)[:k]
        best = best[np.argsort(-scores[best], kind="stable")]
        return [(self._keys[i], float(scores[i])) for i in best]

    def scores(self, vector: Vector) -> Any:
        """The cosine of every row with `vector`, in the order added: a full scan (costly
        at 100,000 rows; `nearest` and `cosines_of` scan only what they need)."""
        n = len(self._keys)
        return int8_scores(vector, self._matrix[:n], self._scales[:n])

    def cosines_of(self, vector: Vector, keys: Sequence[Key]) -> dict[Key, float]:
        """The cosines of these keys (those with a vector) alone: no scan of the rest."""
        known = [key for key in keys if key in self._rows_of]
        if not known:
            return {}
        rows = [self._rows_of[key] for key in known]
        scores = int8_scores(vector, self._matrix[rows], self._scales[rows])
        return {key: float(score) for key, score in zip(known, scores, strict=True)}

    def cosines(self, scores: Any, keys: Sequence[Key]) -> dict[Key, float]:
        """From full-scan `scores`, the cosines of these keys (those that have a vector)."""
        return {key: float(scores[self._rows_of[key]]) for key in keys if key in self._rows_of}

    def similar(self, key: Key, k: int) -> list[tuple[Key, float]]:
        """The `k` rows nearest in meaning to this one, itself excluded."""
        at = self._rows_of.get(key)
        if at is None:
            return []
        vector = self._matrix[at].astype(np.float32) * self._scales[at]
        near = self.nearest(vector, k + 1, SIMILAR_PROBES)
        return [(i, s) for i, s in near if i != key][:k]
