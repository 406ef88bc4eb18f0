"""Meaning's index past its full-scan size: the cells find what a scan of every row finds,
and rows added or changed after the cells were built are found too, each once."""

from __future__ import annotations

import numpy as np

from bot.search.meaning import MeaningSearcher, quantise


class _NoModel:
    name = "none"

    def encode(self, texts: object) -> object:
        raise AssertionError("not needed: the tests give vectors")


def _clustered(count: int, topics: int, seed: int = 0) -> np.ndarray:
    """Unit rows around `topics` directions, as texts on a few subjects are."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((topics, 64))
    rows = centres[rng.integers(0, topics, count)] + 0.6 * rng.standard_normal((count, 64))
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    return rows.astype(np.float32)


def _pair(rows: np.ndarray, cells_from: float, background: bool = False) -> MeaningSearcher:
    searcher = MeaningSearcher(_NoModel(), len(rows), cells_from=cells_from, background=background)
    searcher.add([f"r{i}" for i in range(len(rows))], *quantise(rows))
    return searcher


def test_the_cells_find_the_nearest_rows_a_full_scan_finds() -> None:
    rows = _clustered(3000, 40)
    cells, full = _pair(rows, cells_from=1000), _pair(rows, cells_from=float("inf"))
    assert cells.has_cells and not full.has_cells
    questions = _clustered(50, 40, seed=1)

    same_best = sum(cells.nearest(q, 1)[0][0] == full.nearest(q, 1)[0][0] for q in questions)
    found = sum(
        len({k for k, _ in cells.nearest(q, 10)} & {k for k, _ in full.nearest(q, 10)})
        for q in questions
    )

    assert same_best >= 48  # an approximate index: nearly always the same best row
    assert found >= 0.95 * 10 * len(questions)
    best_key, best_score = cells.nearest(questions[0], 1)[0]
    assert cells.cosines_of(questions[0], [best_key]) == {best_key: best_score}


def test_rows_added_or_changed_after_the_build_are_found_once() -> None:
    rows = _clustered(2000, 20)
    searcher = _pair(rows, cells_from=1000)
    odd = np.zeros((1, 64), dtype=np.float32)
    odd[0, 0] = 1.0  # far from every cluster's rows

    searcher.add(["new"], *quantise(odd))  # after the build: not in any cell yet
    assert searcher.nearest(odd[0], 1)[0][0] == "new"

    searcher.add(["r5"], *quantise(odd))  # an old row, now elsewhere
    best = searcher.nearest(odd[0], 3)
    assert {k for k, _ in best[:2]} == {"new", "r5"}
    assert len({k for k, _ in best}) == 3  # never the same row twice
    assert len(searcher) == 2001


def test_cells_built_in_the_background_serve_once_ready() -> None:
    rows = _clustered(3000, 30)
    searcher = _pair(rows, cells_from=1000, background=True)
    question = rows[17]

    assert searcher.nearest(question, 1)[0][0] == "r17"  # a full scan while it builds

    assert searcher.wait_cells(60)
    assert searcher.has_cells
    assert searcher.nearest(question, 1)[0][0] == "r17"
