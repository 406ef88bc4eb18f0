"""Vectors fill in after the text: a reload in the middle loses nothing and encodes nothing
twice; the Library serves each batch as it is saved and says how many articles wait.

The model is a stand-in (a bag of words hashed into 32 dimensions) that can be held inside
an encode, so a reload happens exactly while a batch is being encoded.
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import numpy as np
import pytest

from bot.library import Library
from bot.settings import Settings
from bot.store import Store
from bot.text import words
from bot.vectors import fill


class HeldEmbedder:
    """Encodes a bag of words; the first call waits until the test lets it go."""

    name = "held-test"

    def __init__(self) -> None:
        self.encoded: Counter[str] = Counter()
        self.inside = threading.Event()
        self.go_on = threading.Event()

    def encode(self, texts: Sequence[str]) -> object:
        self.inside.set()
        assert self.go_on.wait(60), "the test never let the encoder go on"
        self.encoded.update(texts)
        return bag_of_words(texts)


def bag_of_words(texts: Sequence[str]) -> object:
    rows = np.zeros((len(texts), 32), dtype=np.float32)
    for row, text in enumerate(texts):
        for word in words(text):
            rows[row, hash(word) % 32] += 1.0
        rows[row] /= max(np.linalg.norm(rows[row]), 1e-9)
    return rows


def _write(corpus: Path, name: str, title: str) -> None:
    body = f"{title} explained. It has a short body."
    (corpus / name).write_text(f"---\ntitle: {title}\n---\n\n{body}\n", encoding="utf-8")


def _numbered_corpus(tmp_path: Path, count: int, title: str) -> Path:
    """A corpus of `count` articles a{n}.md titled "{title} {n}"."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for n in range(count):
        _write(corpus, f"a{n}.md", f"{title} {n}")
    return corpus


@asynccontextmanager
async def _loaded_numbered_corpus(
    tmp_path: Path, count: int, title: str
) -> AsyncIterator[tuple[Path, Store]]:
    """The numbered corpus and a store that has loaded it (no vectors yet), closed after."""
    corpus = _numbered_corpus(tmp_path, count, title)
    store = await Store.open(tmp_path / "db.sqlite3")
    try:
        await store.reload([corpus])
        yield corpus, store
    finally:
        await store.close()


async def test_a_reload_while_encoding_loses_nothing_and_encodes_nothing_twice(
    tmp_path: Path,
) -> None:
    async with _loaded_numbered_corpus(tmp_path, 6, "Article number") as (corpus, store):
        embedder = HeldEmbedder()
        filling = asyncio.create_task(fill(store, embedder, batch=4))
        assert await asyncio.to_thread(embedder.inside.wait, 60)

        # While the first batch is inside the model: one article changes, one goes, one comes.
        first_batch = {j.id for j in await store.embeddings.pending(embedder.name, 4)}
        _write(corpus, "a0.md", "Article number zero, rewritten")
        (corpus / "a5.md").unlink()
        _write(corpus, "new.md", "A brand new article")
        await store.reload([corpus])
        embedder.go_on.set()
        report = await filling

        articles = {a.id: a async for a in store.iter_articles()}
        stored = await store.embeddings.article_vectors(embedder.name)
        waiting = await store.embeddings.pending_count(embedder.name)

    assert waiting == 0
    assert sorted(v.article_id for v in stored) == sorted(articles)  # each once, none gone
    texts = [f"{a.title}. {a.summary}".strip() for a in articles.values()]
    assert all(embedder.encoded[t] == 1 for t in texts)  # the current text of each, once
    assert "Article number zero, rewritten." in " ".join(embedder.encoded)
    old_first = {"Article number 0. Article number 0 explained. It has a short body."}
    assert sum(embedder.encoded[t] for t in old_first) <= 1  # encoded, then refused
    assert report.articles == len(articles)
    assert len(first_batch) == 4


async def test_the_library_serves_vectors_as_they_arrive_and_counts_the_waiting(
    tmp_path: Path,
) -> None:
    corpus = _numbered_corpus(tmp_path, 3, "Gallery paging lesson")
    settings = Settings(db_path=tmp_path / "db.sqlite3", corpus_dirs=(corpus,))
    embedder = HeldEmbedder()
    library = await Library.open(settings, fill_mode="background", embedder=embedder)
    try:
        assert await asyncio.to_thread(embedder.inside.wait, 60)  # the first batch is encoding
        assert await library.pending_vectors() == 3
        assert library.engine.meaning is not None and len(library.engine.meaning) == 0
        result = await library.search("gallery paging lesson 1")  # the words answer meanwhile
        assert result.answered

        embedder.go_on.set()
        await library.wait_for_vectors()
        assert await library.pending_vectors() == 0
        assert len(library.engine.meaning) == 3  # arrived without a reload
    finally:
        await library.close()


class NthHeldEmbedder(HeldEmbedder):
    """Encodes a bag of words; only its `held`-th call (from 1) waits for the test."""

    def __init__(self, held: int) -> None:
        super().__init__()
        self.held = held
        self.calls = 0

    def encode(self, texts: Sequence[str]) -> object:
        self.calls += 1  # one batch at a time reaches the model: no lock needed
        if self.calls != self.held:
            self.encoded.update(texts)
            return bag_of_words(texts)
        return super().encode(texts)


async def test_a_fill_of_many_batches_encodes_and_saves_each_article_once(
    tmp_path: Path,
) -> None:
    async with _loaded_numbered_corpus(tmp_path, 7, "Canvas app lesson") as (_, store):
        embedder = NthHeldEmbedder(held=0)  # none held
        shown: list[tuple[int, int]] = []
        report = await fill(store, embedder, progress=lambda *p: shown.append(p), batch=2)
        stored = await store.embeddings.article_vectors(embedder.name)
        waiting = await store.embeddings.pending_count(embedder.name)

    assert report.articles == 7 and waiting == 0
    assert len(stored) == 7 == len({v.article_id for v in stored})
    assert sorted(embedder.encoded.values()) == [1] * 7  # four batches, nothing twice
    assert shown[0] == (0, 7) and shown[-1] == (7, 7) and len(shown) == 5


async def test_a_fill_stopped_while_encoding_keeps_the_saved_batches_and_the_next_does_the_rest(
    tmp_path: Path,
) -> None:
    async with _loaded_numbered_corpus(tmp_path, 7, "Canvas app lesson") as (_, store):
        embedder = NthHeldEmbedder(held=2)  # the second batch stays inside the model
        first_saved = asyncio.Event()

        def progress(done: int, total: int) -> None:
            if done == 2:
                first_saved.set()

        filling = asyncio.create_task(fill(store, embedder, progress=progress, batch=2))
        assert await asyncio.to_thread(embedder.inside.wait, 60)
        await asyncio.wait_for(first_saved.wait(), 60)
        filling.cancel()  # as a reload or the bot's close stops the background fill
        with pytest.raises(asyncio.CancelledError):
            await filling
        embedder.go_on.set()
        saved_when_stopped = len(await store.embeddings.article_vectors(embedder.name))

        again = NthHeldEmbedder(held=0)
        report = await fill(store, again, batch=2)
        waiting = await store.embeddings.pending_count(embedder.name)

    assert saved_when_stopped == 2  # the first batch; the one inside the model was not saved
    assert report.articles == 5 and waiting == 0
    assert not set(again.encoded) & set(list(embedder.encoded)[:2])  # saved ones not again
