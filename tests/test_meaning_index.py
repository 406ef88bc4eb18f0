"""Meaning's index past its full-scan size: the cells find what a scan of every row finds,
and rows added or changed after the cells were built are found too, each once; the stored
vectors load a page at a time."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bot.search import SearchEngine
from bot.search.meaning import MeaningSearcher, quantise
from bot.store import Store
from bot.vectors import fill


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


def test_an_articles_neighbours_by_the_cells_are_a_full_scans() -> None:
    # Related links and "More like this" scan fewer cells than a question: a row's own
    # neighbours are in the cells around it.
    rows = _clustered(3000, 40)
    cells, full = _pair(rows, cells_from=1000), _pair(rows, cells_from=float("inf"))
    keys = [f"r{i}" for i in range(0, 3000, 10)]

    found = sum(
        len({k for k, _ in cells.similar(key, 3)} & {k for k, _ in full.similar(key, 3)})
        for key in keys
    )

    assert found >= 0.95 * 3 * len(keys)
    assert all(key not in {k for k, _ in cells.similar(key, 3)} for key in keys)


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


class _Words:
    """A stand-in model: a bag of words hashed into 32 dimensions."""

    name = "words-test"

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        rows = np.zeros((len(texts), 32), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                rows[row, sum(map(ord, word)) % 32] += 1.0
        return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-9)


async def test_the_stored_vectors_load_a_page_at_a_time_and_all_serve(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for n in range(7):
        text = f"---\ntitle: Article {n} about topic{n}\n---\n\nBody of article {n}.\n"
        (corpus / f"a{n}.md").write_text(text, encoding="utf-8")
    embedder = _Words()
    store = await Store.open(tmp_path / "db.sqlite3")
    try:
        await store.reload([corpus])
        await fill(store, embedder)
        pages = [p async for p in store.embeddings.article_vector_pages(embedder.name, page=3)]
        engine = await SearchEngine.load(store, embedder=embedder)
    finally:
        await store.close()

    assert [len(p) for p in pages] == [3, 3, 1]
    assert engine.meaning is not None and len(engine.meaning) == 7
    [fourth] = [e.id for e in engine.catalog.entries if e.title == "Article 4 about topic4"]
    vector = embedder.encode(["Article 4 about topic4. Body of article 4."])[0]
    assert engine.meaning.nearest(vector, 1)[0][0] == fourth
