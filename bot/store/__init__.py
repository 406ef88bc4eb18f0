"""The SQLite store (aiosqlite): articles, their FTS5 index, and incremental reloads.

A file database gets two connections: reads go through one, reloads write through the other
inside a single transaction, so with WAL a reader keeps seeing the previous corpus until the
reload commits. `:memory:` uses one connection for both (tests only).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sqlite3
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import aiosqlite

from bot import ingest
from bot.models import Article, IngestFailure, ReloadReport
from bot.store import codec
from bot.store.autoanswer import AutoAnswerStore
from bot.store.changes import ChangeScan, FileState, KnownFile, Progress, display_path
from bot.store.digests import DigestStore
from bot.store.embeddings import EmbeddingStore
from bot.store.errors import (
    StoreError,
    StoreOpenError,
    StoreWriteError,
    open_problem,
    write_problem,
)
from bot.store.insights import InsightsStore
from bot.store.schema import FTS_COLUMNS, FTS_WEIGHTS, migrate, prepare

log = logging.getLogger(__name__)

_CATALOG_PAGE = 2048  # catalog rows read at a time
_SELECT_ARTICLE = f"SELECT {', '.join(codec.ROW_COLUMNS)} FROM articles"
_INSERT_ARTICLE = (
    f"INSERT INTO articles ({', '.join(codec.ROW_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(codec.ROW_COLUMNS))})"
)
_FTS_COLS = ", ".join(FTS_COLUMNS)
_FTS_INSERT = (
    f"INSERT INTO articles_fts (rowid, {_FTS_COLS}) SELECT rowid, {_FTS_COLS} FROM articles "
    "WHERE id = ?"
)
_FTS_DELETE = (
    f"INSERT INTO articles_fts (articles_fts, rowid, {_FTS_COLS}) "
    f"SELECT 'delete', rowid, {_FTS_COLS} FROM articles WHERE id = ?"
)
_BM25 = f"bm25(articles_fts, {', '.join(str(w) for w in FTS_WEIGHTS)})"
# Rank inside the index first: the join to `articles` then touches only the LIMIT rows.
_FTS_SEARCH = (
    "SELECT a.id, best.rank FROM ("
    f"SELECT rowid, {_BM25} AS rank FROM articles_fts "
    "WHERE articles_fts MATCH ? ORDER BY rank LIMIT ?"
    ") AS best JOIN articles a ON a.rowid = best.rowid ORDER BY best.rank"
)
_UPSERT_FILE = (
    "INSERT INTO files (corpus, source, size, mtime_ns, hash, article_id, status, reason) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (corpus, source) DO UPDATE SET "
    "size = excluded.size, mtime_ns = excluded.mtime_ns, hash = excluded.hash, "
    "article_id = excluded.article_id, status = excluded.status, reason = excluded.reason"
)
_SET_META = (
    "INSERT INTO meta (key, value) VALUES (?, ?) "
    "ON CONFLICT (key) DO UPDATE SET value = excluded.value"
)
_ADD_TERMS = (
    "INSERT INTO terms (term, df) VALUES (?, ?) "
    "ON CONFLICT (term) DO UPDATE SET df = df + excluded.df"
)


__all__ = [
    "CatalogEntry",
    "NotFoundError",
    "Store",
    "StoreError",
    "StoreOpenError",
    "StoreWriteError",
]


# What one file's row can raise when stored (a value SQLite refuses, a constraint); a
# full disk or a lock is sqlite3.OperationalError and fails the whole reload instead.
_ROW_ERRORS = (
    sqlite3.IntegrityError,
    sqlite3.InterfaceError,
    sqlite3.ProgrammingError,
    OverflowError,
    ValueError,
    TypeError,
)


@dataclass(frozen=True, slots=True)
class _Write:
    """A parsed file to store, and the article id it replaces."""

    key: tuple[str, str]  # (corpus, source)
    state: FileState
    previous: str | None


class NotFoundError(LookupError):
    """No article with that id."""


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    """What the in-memory indexes (autocomplete, browsing, digests) need of an article."""

    id: str
    source: str
    title: str
    topics: tuple[str, ...]
    published: str | None
    quality: int | None
    # Who made it: the provider's name, then the authors ("by ...", "from ..." questions).
    names: tuple[str, ...] = ()


class Store:
    def __init__(
        self, reader: aiosqlite.Connection, writer: aiosqlite.Connection, path: Path
    ) -> None:
        self.path = path
        self._reader = reader
        self._writer = writer
        self._reload_lock = asyncio.Lock()
        # Every write goes through `writer`; one writer at a time, so a digest claim can
        # never commit half of a reload's transaction.
        self._write_lock = asyncio.Lock()
        self.digests = DigestStore(writer, self._write_lock)
        self.insights = InsightsStore(writer, self._write_lock)
        self.autoanswer = AutoAnswerStore(writer, self._write_lock)
        self.embeddings = EmbeddingStore(reader, writer, self._write_lock)

    @classmethod
    async def open(cls, path: str | Path) -> Store:
        """Open (creating or migrating when needed) the database at `path`.

        An up-to-date database is opened without writing anything, so readers start even
        while another process holds a reload's write lock. StoreOpenError says why not.
        """
        if str(path) == ":memory:":
            conn = await _connect(":memory:")
            await migrate(conn)
            return cls(conn, conn, Path(":memory:"))
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreOpenError(open_problem(path, exc)) from exc
        opened: list[aiosqlite.Connection] = []
        try:
            # On a plain connection in a thread: a file that cannot be opened then leaves
            # no aiosqlite thread behind to keep the process alive.
            await asyncio.to_thread(prepare, path)
            opened.append(await _connect(path))
            opened.append(await _connect(path))
        except BaseException as exc:
            # An open connection's thread would keep the process alive for ever.
            for conn in opened:
                with contextlib.suppress(sqlite3.Error):
                    await conn.close()
            if isinstance(exc, sqlite3.Error | OSError):
                raise StoreOpenError(open_problem(path, exc)) from exc
            raise
        writer, reader = opened
        return cls(reader, writer, path)

    async def close(self) -> None:
        await self._reader.close()
        if self._writer is not self._reader:
            await self._writer.close()

    async def __aenter__(self) -> Store:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- reads ---------------------------------------------------------------------------

    async def count(self) -> int:
        return await self._scalar("SELECT count(*) FROM articles")

    # The reads a question makes use execute_fetchall: one trip to aiosqlite's thread,
    # where execute, fetch and close would take three.

    async def get_article(self, article_id: str) -> Article:
        rows = await self._reader.execute_fetchall(f"{_SELECT_ARTICLE} WHERE id = ?", (article_id,))
        if not rows:
            raise NotFoundError(article_id)
        return codec.article_from_row(next(iter(rows)))

    async def get_articles(self, article_ids: Sequence[str]) -> list[Article]:
        """The articles with these ids that exist, in the order given."""
        if not article_ids:
            return []
        marks = ", ".join("?" * len(article_ids))
        rows = await self._reader.execute_fetchall(
            f"{_SELECT_ARTICLE} WHERE id IN ({marks})", tuple(article_ids)
        )
        by_id = {row["id"]: codec.article_from_row(row) for row in rows}
        return [by_id[i] for i in article_ids if i in by_id]

    async def iter_articles(self) -> AsyncIterator[Article]:
        async with self._reader.execute(f"{_SELECT_ARTICLE} ORDER BY source") as cur:
            async for row in cur:
                yield codec.article_from_row(row)

    async def bm25_candidates(self, match: str, limit: int) -> list[tuple[str, float]]:
        """(id, bm25 rank) for an FTS5 MATCH expression built by the caller, best first.

        `match` must come from `search.fts_expression` (quoted terms), never raw user text.
        bm25 ranks are negative; lower is better.
        """
        rows = await self._reader.execute_fetchall(_FTS_SEARCH, (match, limit))
        return [(row[0], row[1]) for row in rows]

    async def catalog(self) -> list[CatalogEntry]:
        sql = (
            "SELECT id, source, title, topics, published, quality, "
            "json_extract(data, '$.provider.name'), json_extract(data, '$.authors') FROM articles"
        )
        # A page of rows at a time, and one object for each distinct topic, name, list of
        # them and date: at 100,000 articles the rows all at once and a copy of "Microsoft"
        # per article cost tens of MB more while serving.
        shared: dict[Any, Any] = {}

        def one(value: Any) -> Any:
            return shared.setdefault(value, value)

        entries: list[CatalogEntry] = []
        async with self._reader.execute(sql) as cur:
            while rows := await cur.fetchmany(_CATALOG_PAGE):
                entries.extend(
                    CatalogEntry(
                        id=row[0],
                        source=row[1],
                        title=row[2],
                        topics=one(tuple(one(t) for t in row[3].split("\n") if t)),
                        published=one(row[4]),
                        quality=row[5],
                        names=one(tuple(one(n) for n in _names(row[6], row[7]))),
                    )
                    for row in rows
                )
        return entries

    async def term_frequencies(self) -> dict[str, int]:
        async with self._reader.execute("SELECT term, df FROM terms") as cur:
            return {row[0]: row[1] for row in await cur.fetchall()}

    async def last_reload(self) -> tuple[float, ReloadReport] | None:
        """When the last reload finished (Unix time) and its report, if there was one."""
        async with self._reader.execute("SELECT value FROM meta WHERE key = 'last_reload'") as cur:
            row = await cur.fetchone()
        if row is None:
            return None
        saved = json.loads(row[0])
        report = ReloadReport(**{**saved["report"], "failed": []})
        report.failed = [IngestFailure(**f) for f in saved["report"]["failed"]]
        return saved["finished_at"], report

    # -- reload --------------------------------------------------------------------------

    async def reload(
        self, corpora: Sequence[Path], progress: Progress | None = None
    ) -> ReloadReport:
        """Make the database mirror `corpora`, changing only what changed on disk.

        Files are read and parsed in a worker thread (and parser processes when many
        changed), a batch at a time; the writes happen in one transaction, so readers see
        the old corpus or the new one, never half of each. A file that fails to parse keeps
        its previously loaded version.
        """
        async with self._reload_lock:
            started = time.perf_counter()
            known = await self._known_files()
            if await self._meta("parser_version") != str(ingest.PARSER_VERSION):
                # The parsers changed: what they extract from an unchanged file may differ.
                known = {key: replace(file, size=-1, hash="") for key, file in known.items()}
            scan = ChangeScan(corpora, known, progress)
            batches = scan.batches()
            try:
                # The first batch is scanned before the database is locked: a small reload
                # is then wholly read and parsed while digests and other writers go on.
                first = await asyncio.to_thread(next, batches, None)
                async with self._write_lock:
                    report = await self._apply(scan, batches, first)
                    report.duration_s = time.perf_counter() - started
                    await self._save_report(report)
            except sqlite3.OperationalError as exc:  # disk full, locked, read-only, I/O
                raise StoreWriteError(write_problem(self.path, exc)) from exc
            finally:
                scan.stop()  # a reload cut short (cancelled): its thread ends at the next file
                with contextlib.suppress(ValueError):  # still running in its thread: it ends
                    batches.close()  # stops the parser processes of a scan cut short
            return report

    async def _known_files(self) -> dict[tuple[str, str], KnownFile]:
        sql = "SELECT corpus, source, size, mtime_ns, hash, status FROM files"
        async with self._writer.execute(sql) as cur:
            return {
                (row[0], row[1]): KnownFile(row[2], row[3], row[4], row[5])
                for row in await cur.fetchall()
            }

    async def _apply(
        self,
        scan: ChangeScan,
        batches: Iterator[list[FileState]],
        batch: list[FileState] | None,
    ) -> ReloadReport:
        """Write `batch` and the rest of the scan in one transaction: each batch is written
        while the parser processes work on the next (the scan runs in a worker thread)."""
        report = ReloadReport()
        db = self._writer
        await db.execute("BEGIN IMMEDIATE")
        try:
            term_delta: Counter[str] = Counter()
            owners: dict[str, tuple[str, str]] = {}  # loaded article id -> (corpus, source)
            loaded: dict[tuple[str, str], str] = {}  # the reverse, of files not yet seen
            if batch is not None:
                owners = await self._sources_by_id()
                loaded = {key: article_id for article_id, key in owners.items()}
            while batch is not None:
                await self._apply_parsed(batch, owners, loaded, report, term_delta)
                batch = await asyncio.to_thread(next, batches, None)
            changes = scan.changes
            term_delta.update(changes.terms)
            report.unchanged = changes.unchanged + len(changes.touched)
            report.failed[:0] = [
                IngestFailure(path, "corpus directory not found")
                for path in changes.missing_corpora
            ]
            # Same content, new size or mtime (a checkout touches every file): one call.
            await db.executemany(
                "UPDATE files SET size = ?, mtime_ns = ? WHERE corpus = ? AND source = ?",
                [(s.size, s.mtime_ns, s.corpus, s.source) for s in changes.touched],
            )
            for corpus, source in changes.gone:
                article_id = await self._article_id_of(corpus, source)
                if article_id is not None:
                    term_delta.subtract(await self._terms_of(article_id))
                    await self._delete_article(article_id)
                    report.removed.append(source)
                await db.execute(
                    "DELETE FROM files WHERE corpus = ? AND source = ?", (corpus, source)
                )
            await self._update_terms(term_delta)
            report.skipped_removed = await self._removed_sources()
            report.total = await self._scalar("SELECT count(*) FROM articles", db)
            await self._set_meta("parser_version", str(ingest.PARSER_VERSION))
            await db.commit()
        except BaseException:
            # A rollback that fails too (the disk is gone) must not hide why.
            with contextlib.suppress(sqlite3.Error):
                await db.rollback()
            raise
        if report.added or report.updated or report.removed:
            # Each step of the pragma frees one page; sqlite3's execute steps a statement
            # without columns only once, executescript to the end. A no-op on older files.
            await db.executescript("PRAGMA incremental_vacuum;")
        return report

    async def _apply_parsed(
        self,
        parsed: list[FileState],
        owners: dict[str, tuple[str, str]],
        loaded: dict[tuple[str, str], str],
        report: ReloadReport,
        term_delta: Counter[str],
    ) -> None:
        """Write a batch of new and changed files' articles with a few executemany calls.

        `owners` (article id -> file) and `loaded` (file -> previous article id) are kept
        up to date here, across the batches of one reload.
        """
        writes: list[_Write] = []
        for state in parsed:
            key = (state.corpus, state.source)
            if state.status == "failed":
                # Keep whatever was loaded before, and its files row, so the next reload retries.
                report.failed.append(IngestFailure(display_path(*key), state.reason or ""))
                continue
            previous = loaded.pop(key, None)
            row = state.row
            if row is not None:
                owner = owners.get(row[0])
                if owner is not None and owner != key:
                    reason = f"same path as {display_path(*owner)}, which is already loaded"
                    report.failed.append(IngestFailure(display_path(*key), reason))
                    term_delta.subtract(codec.row_terms(row))  # counted by the scan
                    continue
                owners[row[0]] = key
            writes.append(_Write(key, state, previous))
        # Read before the rows go: what the replaced articles added to the vocabulary.
        previous_terms = {
            w.previous: await self._terms_of(w.previous) for w in writes if w.previous
        }
        refused = await self._write(writes)
        for write in writes:
            row = write.state.row
            reason = refused.get(write.key)
            if reason is not None:  # this file keeps what it had, as after a parse failure
                report.failed.append(IngestFailure(display_path(*write.key), reason))
                if row is not None:
                    term_delta.subtract(codec.row_terms(row))
                    if write.previous is None:
                        owners.pop(row[0], None)
                continue
            if write.previous is not None:
                term_delta.subtract(previous_terms[write.previous])
            if row is not None:
                (report.updated if write.previous else report.added).append(write.state.source)

    async def _write(self, writes: list[_Write]) -> dict[tuple[str, str], str]:
        """Store the batch; when one file's row cannot be stored, store the others one by
        one and return why each refused file was (disk full and the like still raise)."""
        db = self._writer
        await db.execute("SAVEPOINT batch")
        try:
            await self._write_rows(writes)
        except _ROW_ERRORS:
            await db.execute("ROLLBACK TO batch")
        else:
            await db.execute("RELEASE batch")
            return {}
        refused: dict[tuple[str, str], str] = {}
        for write in writes:
            await db.execute("SAVEPOINT one")
            try:
                await self._write_rows([write])
            except _ROW_ERRORS as exc:
                await db.execute("ROLLBACK TO one")
                detail = " ".join(str(exc).split())[:200]
                refused[write.key] = f"cannot store ({type(exc).__name__}: {detail})"
            await db.execute("RELEASE one")
        await db.execute("RELEASE batch")
        return refused

    async def _write_rows(self, writes: Sequence[_Write]) -> None:
        replaced = [(w.previous,) for w in writes if w.previous is not None]
        rows = [w.state.row for w in writes if w.state.row is not None]
        file_rows = [
            (
                *w.key,
                w.state.size,
                w.state.mtime_ns,
                w.state.hash,
                w.state.row[0] if w.state.row is not None else None,
                w.state.status,
                w.state.reason,
            )
            for w in writes
        ]
        db = self._writer
        await db.executemany(_FTS_DELETE, replaced)
        await db.executemany("DELETE FROM articles WHERE id = ?", replaced)
        await db.executemany(_INSERT_ARTICLE, rows)
        await db.executemany(_FTS_INSERT, [(row[0],) for row in rows])
        await db.executemany(_UPSERT_FILE, file_rows)

    async def _sources_by_id(self) -> dict[str, tuple[str, str]]:
        async with self._writer.execute("SELECT id, corpus, source FROM articles") as cur:
            return {row[0]: (row[1], row[2]) for row in await cur.fetchall()}

    async def _article_id_of(self, corpus: str, source: str) -> str | None:
        async with self._writer.execute(
            "SELECT id FROM articles WHERE corpus = ? AND source = ?", (corpus, source)
        ) as cur:
            row = await cur.fetchone()
        return row[0] if row else None

    async def _terms_of(self, article_id: str) -> frozenset[str]:
        async with self._writer.execute(
            "SELECT title, summary, topics, body, provider, related FROM articles WHERE id = ?",
            (article_id,),
        ) as cur:
            row = await cur.fetchone()
        return codec.searchable_terms(tuple(row)) if row else frozenset()

    async def _delete_article(self, article_id: str) -> None:
        await self._writer.execute(_FTS_DELETE, (article_id,))
        await self._writer.execute("DELETE FROM articles WHERE id = ?", (article_id,))

    async def _update_terms(self, delta: Counter[str]) -> None:
        changed = [(term, n) for term, n in delta.items() if n]
        if not changed:
            return
        await self._writer.executemany(_ADD_TERMS, changed)
        await self._writer.execute("DELETE FROM terms WHERE df <= 0")

    async def _removed_sources(self) -> list[str]:
        async with self._writer.execute(
            "SELECT source FROM files WHERE status = 'removed' ORDER BY source"
        ) as cur:
            return [row[0] for row in await cur.fetchall()]

    async def _save_report(self, report: ReloadReport) -> None:
        value = json.dumps({"finished_at": time.time(), "report": asdict(report)})
        await self._set_meta("last_reload", value)
        await self._writer.commit()

    async def _meta(self, key: str) -> str | None:
        async with self._writer.execute("SELECT value FROM meta WHERE key = ?", (key,)) as cur:
            row = await cur.fetchone()
        return row[0] if row else None

    async def _set_meta(self, key: str, value: str) -> None:
        await self._writer.execute(_SET_META, (key, value))

    async def _scalar(self, sql: str, conn: aiosqlite.Connection | None = None) -> Any:
        async with (conn or self._reader).execute(sql) as cur:
            row = await cur.fetchone()
        return row[0] if row else None


def _names(provider: str | None, authors: str | None) -> tuple[str, ...]:
    found = [provider] if provider else []
    if authors and authors != "[]":
        found += [a for a in json.loads(authors) if isinstance(a, str) and a]
    return tuple(dict.fromkeys(found))


async def _connect(path: str | Path) -> aiosqlite.Connection:
    # isolation_level=None: transactions are explicit (BEGIN IMMEDIATE ... COMMIT).
    conn = await aiosqlite.connect(path, isolation_level=None)
    conn.row_factory = sqlite3.Row
    await conn.execute("PRAGMA foreign_keys = ON")
    await conn.execute("PRAGMA busy_timeout = 5000")
    return conn
