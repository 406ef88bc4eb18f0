"""The core's one entry point for the CLI and the bot: ask, search, browse, reload.

It owns the current SearchEngine snapshot and swaps it only after a reload committed, so
a failed reload leaves the old corpus serving.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from bot.answer import build_answer
from bot.embed import load_embedder
from bot.models import Answer, Article, ReloadReport, SearchResult
from bot.search import SearchEngine
from bot.semantic import Embedder
from bot.settings import Settings
from bot.store import CatalogEntry, NotFoundError, Store
from bot.store.changes import Progress
from bot.store.embeddings import StoredVector
from bot.vectors import FillReport, fill

# When vectors of new and changed articles are encoded: before answering (the CLI), in the
# background while the words already answer (the bot), or never (tests of the words alone).
FillMode = Literal["now", "background", "off"]

log = logging.getLogger(__name__)


def question_embedder(settings: Settings) -> Embedder | None:
    """The model that encodes questions (one thread: the bot's other work needs a core)."""
    return load_embedder(settings.model_dir) if settings.semantic else None


def bulk_embedder(settings: Settings) -> Embedder | None:
    """The model that encodes a corpus, on every core."""
    if not settings.semantic:
        return None
    return load_embedder(settings.model_dir, threads=os.cpu_count() or 1)


@dataclass(slots=True)
class AskOutcome:
    """A question's hits, best first. Each hit's card (passage, related links) is built
    when first wanted: the first at once, the others only if a member pages to them."""

    result: SearchResult
    engine: SearchEngine  # the corpus snapshot the hits came from
    articles: tuple[Article, ...] = ()  # empty when not answered
    passages: dict[str, int] = field(default_factory=dict)  # id -> passage meaning found
    _built: dict[int, Answer] = field(default_factory=dict)

    @property
    def answered(self) -> bool:
        return bool(self.articles)

    async def answer(self, index: int) -> Answer:
        """The card of hit `index` (IndexError past the last)."""
        if index not in self._built:
            article = self.articles[index]
            self._built[index] = await build_answer(
                self.engine,
                article,
                self.result.query,
                self.result.confidence,
                self.passages.get(article.id),
            )
        return self._built[index]


class Library:
    def __init__(
        self,
        store: Store,
        engine: SearchEngine,
        settings: Settings,
        embedder: Embedder | None = None,
        fill_mode: FillMode = "now",
    ) -> None:
        self.store = store
        self.engine = engine
        self.settings = settings
        self.embedder = embedder  # kept across reloads: loading the model takes seconds
        self._reloads: set[asyncio.Task[ReloadReport]] = set()
        self.fill_mode = fill_mode
        # Held while a new snapshot loads and swaps in, and while a batch of vectors is saved
        # and added to the serving one: a batch lands in the database before the new snapshot
        # reads it, or in the new snapshot itself, never in a snapshot about to be replaced.
        self._swap_lock = asyncio.Lock()
        self._filling: asyncio.Task[FillReport] | None = None

    @classmethod
    async def open(
        cls,
        settings: Settings,
        db_path: Path | None = None,
        progress: Progress | None = None,
        fill_mode: FillMode = "now",
        embedder: Embedder | None = None,
    ) -> Library:
        """Open the database; on first use fill it from the configured corpus. With meaning
        on, vectors missing are encoded as `fill_mode` says. `embedder` replaces the
        configured model (tests and benchmarks bring their own)."""
        # The model first: a damaged model file is said before any database work.
        embedder = embedder or question_embedder(settings)
        store = await Store.open(db_path or settings.db_path)
        try:
            if await store.last_reload() is None:
                report = await store.reload(settings.corpus_dirs, progress=progress)
                log.info("first load: %s articles, %s failed", report.total, len(report.failed))
            engine = await SearchEngine.load(store, settings.min_confidence, embedder)
        except BaseException:
            await store.close()
            raise
        library = cls(store, engine, settings, embedder, fill_mode)
        try:
            if fill_mode == "now":
                await library.fill_vectors()
            elif fill_mode == "background":
                library.start_filling()
        except sqlite3.OperationalError as exc:
            # Another process holds the write lock (its reload): answer with the vectors
            # already stored; the missing ones are encoded by a later open.
            log.warning("vectors not saved (%s): answering with those stored", exc)
        except BaseException:
            await library.close()
            raise
        return library

    async def fill_vectors(self, progress: Progress | None = None) -> FillReport:
        """Encode the vectors of every article waiting for them; each batch serves at once."""
        if self.embedder is None:
            return FillReport()
        return await fill(self.store, self.embedder, self._add_vectors, progress, self._swap_lock)

    def _add_vectors(self, stored: list[StoredVector]) -> None:
        self.engine.add_vectors(stored)  # the engine of now: a reload may have swapped it

    def start_filling(self) -> None:
        """Fill the vectors in a background task, unless one is running; its failure is
        logged, and the words keep answering."""
        if self.embedder is None or (self._filling is not None and not self._filling.done()):
            return
        self._filling = asyncio.create_task(self.fill_vectors(), name="articlebot-vectors")
        self._filling.add_done_callback(_log_fill)

    async def wait_for_vectors(self) -> FillReport | None:
        """The background fill's report once it ends (None when none is running)."""
        task = self._filling
        return await asyncio.shield(task) if task is not None else None

    async def pending_vectors(self) -> int | None:
        """How many articles still wait for vectors (None when meaning is off)."""
        if self.embedder is None:
            return None
        return await self.store.embeddings.pending_count(self.embedder.name)

    async def close(self) -> None:
        """Stop a reload still running (its transaction rolls back), then close the database:
        closing it under the reload would fail the reload's statements half way."""
        for task in self._reloads:
            task.cancel()
        if self._reloads:
            log.info("stopping the running reload before closing the database")
            await asyncio.wait(self._reloads)
        if self._filling is not None and not self._filling.done():
            self._filling.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._filling
        await self.store.close()

    async def __aenter__(self) -> Library:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def catalog(self):
        return self.engine.catalog

    async def search(self, query: str, limit: int = 10) -> SearchResult:
        return await self.engine.search(query, limit)

    async def ask(self, question: str, limit: int = 5) -> AskOutcome:
        """The answer to a question, plus the next-best answers for paging."""
        engine = self.engine  # one snapshot for the whole question, even across a reload
        found = await engine.find(question, limit)
        result = found.result
        if not result.answered:
            return AskOutcome(result, engine)
        ids = [h.article_id for h in result.hits]
        unread = [i for i in ids if i not in found.articles]
        read = found.articles | {a.id: a for a in await self.store.get_articles(unread)}
        articles = tuple(read[i] for i in ids if i in read)
        outcome = AskOutcome(result, engine, articles, found.passages)
        if outcome.answered:
            await outcome.answer(0)
        return outcome

    async def answer_for(self, article_id: str, question: str = "") -> Answer:
        """The full card of one article (raises NotFoundError)."""
        article = await self.store.get_article(article_id)
        return await build_answer(self.engine, article, question, 1.0)

    async def article(self, article_id: str) -> Article:
        return await self.store.get_article(article_id)

    async def more_like(self, article_id: str, limit: int = 5) -> list[CatalogEntry]:
        """Articles like this one (raises NotFoundError): by meaning when it has a vector."""
        article = await self.store.get_article(article_id)
        return self.engine.similar(article.id, limit)

    async def reload(
        self, corpora: Sequence[Path] | None = None, progress: Progress | None = None
    ) -> ReloadReport:
        """Re-ingest; the new snapshot serves only once it is fully built.

        Raises CancelledError when the library closes meanwhile: nothing changed then.
        """
        # Its own task, so close() can stop it; cancelling the caller cancels it too.
        task = asyncio.create_task(self._reload(corpora, progress), name="library-reload")
        self._reloads.add(task)
        task.add_done_callback(self._reloads.discard)
        return await task

    async def _reload(
        self, corpora: Sequence[Path] | None, progress: Progress | None
    ) -> ReloadReport:
        report = await self.store.reload(corpora or self.settings.corpus_dirs, progress)
        async with self._swap_lock:
            self.engine = await SearchEngine.load(
                self.store, self.settings.min_confidence, self.embedder
            )
        if self.fill_mode == "background":
            self.start_filling()
        elif self.fill_mode == "now":
            await self.fill_vectors()
        return report


def _log_fill(task: asyncio.Task[FillReport]) -> None:
    if task.cancelled():
        return
    if (error := task.exception()) is not None:
        log.error("encoding vectors failed; the words still answer: %s", error)
        return
    report = task.result()
    if report.articles:
        log.info("vectors: %s articles encoded in %.1f s", report.articles, report.seconds)


__all__ = ["AskOutcome", "Library", "NotFoundError"]
