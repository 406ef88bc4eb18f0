"""What changed in the corpus directories since the last load: stat, hash, parse. No SQL.

Parsing is the slow part of a cold load (pure Python, about 1 ms a file), so when many files
need it they are parsed in batches by a pool of processes, one per core; a few changed files
are parsed here, where starting processes would cost more than it saves.
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
import os
import select
import signal
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from bot import ingest
from bot.store import codec

Progress = Callable[[int, int], None]

PARSE_BATCH = 128  # files sent to a worker at once

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class KnownFile:
    size: int
    mtime_ns: int
    hash: str
    status: str


@dataclass(frozen=True, slots=True)
class FileState:
    corpus: str
    source: str
    size: int
    mtime_ns: int
    hash: str
    status: str  # 'loaded', 'removed' or 'failed'
    # The article as its `articles` row (codec.ROW_COLUMNS), made in the parser process:
    # a tuple of strings crosses back far faster than frozen dataclasses unpickle.
    row: tuple[Any, ...] | None = None
    reason: str | None = None
    terms: frozenset[str] = frozenset()  # the article's distinct searchable words


@dataclass(slots=True)
class Changes:
    """What a scan found besides the parsed files, which it hands out in batches."""

    touched: list[FileState] = field(default_factory=list)  # same content, new size/mtime
    unchanged: int = 0
    gone: list[tuple[str, str]] = field(default_factory=list)  # (corpus, source)
    # How many parsed articles hold each word: summed as states arrive, so the states
    # need not keep a set of words each (at 100,000 articles, gigabytes).
    terms: Counter[str] = field(default_factory=Counter)
    missing_corpora: list[str] = field(default_factory=list)


def corpus_key(directory: Path) -> str:
    """How a corpus directory is recorded: its absolute path."""
    return str(directory.resolve())


class ChangeScan:
    """The comparison of `corpora` with `known`, a batch of parsed files at a time.

    Unchanged files are recognised by size and mtime without being read, then by content
    hash, so touching a file costs a read but not a parse. The batches hold the new and
    changed files; everything else (counts, touched, gone, words) is in `changes` once the
    batches are exhausted. A caller that writes each batch as it comes holds a few hundred
    parsed articles at a time, not the whole corpus.
    """

    def __init__(
        self,
        corpora: Sequence[Path],
        known: dict[tuple[str, str], KnownFile],
        progress: Progress | None = None,
    ) -> None:
        self.changes = Changes()
        self._corpora = corpora
        self._known = known
        self._progress = progress
        self._stopped = threading.Event()

    def stop(self) -> None:
        """End the scan early, from any thread: the batches end at the next file and the
        parser processes are shut down (a reload cancelled by a signal)."""
        self._stopped.set()

    def batches(self, size: int = 4 * PARSE_BATCH) -> Iterator[list[FileState]]:
        changes = self.changes
        files = list(_list_files(self._corpora, changes))
        seen: set[tuple[str, str]] = set()

        def examined() -> Iterator[FileState | _Unparsed | None]:
            for corpus, entry in files:
                if entry.problem is not None:
                    # Not marked seen: what such a file loaded before (a link that now
                    # leads out of the corpus) is removed.
                    yield _failed(corpus, entry.source, 0, 0, "", entry.problem)
                    continue
                seen.add((corpus, entry.source))
                known = self._known.get((corpus, entry.source))
                try:
                    state = _check(corpus, entry.source, entry.path, known)
                except Exception as exc:  # one file's problem, never the whole reload's
                    state = _failed(corpus, entry.source, 0, 0, "", _unexpected("read", exc))
                yield state

        batch: list[FileState] = []
        parsed = _parse_all(examined())
        try:
            for done, state in enumerate(parsed, start=1):
                if self._stopped.is_set():
                    return
                self._take(state, batch)
                if self._progress is not None:
                    self._progress(done, len(files))
                if len(batch) >= size:
                    yield batch
                    batch = []
        finally:
            parsed.close()  # shuts the parser processes down, also when stopped early
        if batch:
            yield batch
        # A missing directory (an unmounted volume, a typo) must not wipe what it had loaded.
        missing = {corpus_key(Path(path)) for path in changes.missing_corpora}
        changes.gone = sorted(
            key for key in self._known if key not in seen and key[0] not in missing
        )

    def _take(self, state: FileState | None, batch: list[FileState]) -> None:
        """Count an unchanged or touched file; put a parsed one in `batch`."""
        changes = self.changes
        if state is None:
            changes.unchanged += 1
        elif state.row is None and state.status == "touched":
            changes.touched.append(state)
        else:
            changes.terms.update(state.terms)
            batch.append(replace(state, terms=frozenset()) if state.terms else state)


def _list_files(
    corpora: Sequence[Path], changes: Changes
) -> Iterable[tuple[str, ingest.CorpusEntry]]:
    """(corpus, entry) of every file of the corpora."""
    for root in corpora:
        if not root.is_dir():
            changes.missing_corpora.append(str(root))
            continue
        corpus = corpus_key(root)
        for entry in ingest.corpus_entries(root):
            yield corpus, entry


@dataclass(frozen=True, slots=True)
class _Unparsed:
    """A new or changed file, read and hashed, waiting for its parser."""

    corpus: str
    source: str
    size: int
    mtime_ns: int
    hash: str
    data: bytes


def _parse_all(states: Iterable[FileState | _Unparsed | None]) -> Iterator[FileState | None]:
    """Every state, each _Unparsed replaced by its parse; in no particular order."""
    workers = os.cpu_count() or 1
    pool: Executor | None = None
    in_flight: deque[tuple[Future[list[FileState]], list[_Unparsed]]] = deque()
    held: list[list[_Unparsed]] = []  # full batches seen before deciding on a pool
    batch: list[_Unparsed] = []
    try:
        for state in states:
            if not isinstance(state, _Unparsed):
                yield state
                continue
            batch.append(state)
            if len(batch) < PARSE_BATCH:
                continue
            held.append(batch)
            batch = []
            if workers < 2:  # one core: no pool to wait for, parse as we go
                yield from _parse_batch(held.pop())
                continue
            if pool is None and len(held) < 2:
                continue
            if pool is None:
                pool = ProcessPoolExecutor(
                    workers,
                    mp_context=_worker_context(),
                    initializer=_follow_parent,
                    initargs=(os.getpid(),),
                )
            in_flight.extend((_submit(pool, full), full) for full in held)
            held = []
            while len(in_flight) > 2 * workers:  # bound the bytes waiting in memory
                yield from _result(*in_flight.popleft())
        for waiting in (*held, batch):
            if pool is not None:
                in_flight.append((_submit(pool, waiting), waiting))
            else:
                yield from _parse_batch(waiting)
        while in_flight:
            yield from _result(*in_flight.popleft())
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)


def _submit(pool: Executor, batch: list[_Unparsed]) -> Future[list[FileState]]:
    try:
        return pool.submit(_parse_batch, batch)
    except BrokenProcessPool:  # an earlier batch broke the pool: parse the rest here
        parsed: Future[list[FileState]] = Future()
        parsed.set_result(_parse_batch(batch))
        return parsed


def _result(future: Future[list[FileState]], batch: list[_Unparsed]) -> list[FileState]:
    try:
        return future.result()
    except BrokenProcessPool:
        # A worker could not start (e.g. a __main__ script without its guard): parse here.
        log.warning("parser processes failed; parsing %d files in this process", len(batch))
        return _parse_batch(batch)


def _worker_context() -> multiprocessing.context.BaseContext:
    # Scans run in a thread beside the event loop: forking a threaded process is unsafe.
    return multiprocessing.get_context("forkserver")


def _follow_parent(parent: int) -> None:
    """First thing in each parser process: leave Ctrl-C to the parent (it stops the pool),
    and exit as soon as the parent is gone. A killed ingest (SIGKILL, OOM) would otherwise
    leave its parsers, blocked on a queue, and the resource tracker running for ever."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with, args=(parent,), name="follow-parent", daemon=True).start()


def _exit_with(parent: int) -> None:
    try:
        handle = os.pidfd_open(parent)  # Linux: readable once the process has ended
    except ProcessLookupError:
        os._exit(1)
    except (AttributeError, OSError):  # no pidfd here: look every second instead
        while _alive(parent):
            time.sleep(1.0)
    else:
        select.select([handle], [], [])
    os._exit(1)  # no cleanup to do: the parent owned the work


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process now has the number: ours is gone
        return False
    return True


def _parse_batch(batch: list[_Unparsed]) -> list[FileState]:
    return [_parse(item) for item in batch]


def _parse(item: _Unparsed) -> FileState:
    corpus, source, size, mtime_ns, digest = (
        item.corpus,
        item.source,
        item.size,
        item.mtime_ns,
        item.hash,
    )
    try:
        article = ingest.parse_bytes(item.data, source)
    except ingest.ArticleRemoved as exc:
        return FileState(corpus, source, size, mtime_ns, digest, "removed", reason=exc.reason)
    except ingest.IngestError as exc:
        return _failed(corpus, source, size, mtime_ns, digest, exc.reason)
    except Exception as exc:  # a parser's bug costs this file, never the whole reload
        return _failed(corpus, source, size, mtime_ns, digest, _unexpected("parse", exc))
    try:
        # Computed here, in the worker, as they cost as much as a third of a parse.
        row = codec.article_to_row(article, corpus)
        terms = codec.row_terms(row)
    except Exception as exc:
        return _failed(corpus, source, size, mtime_ns, digest, _unexpected("parse", exc))
    return FileState(corpus, source, size, mtime_ns, digest, "loaded", row, terms=terms)


def _unexpected(step: str, exc: BaseException) -> str:
    """A failure reason for an error no parser foresaw: what failed, and how."""
    log.debug("cannot %s", step, exc_info=exc)
    detail = " ".join(str(exc).split())[:200]
    return f"cannot {step} ({type(exc).__name__}{': ' + detail if detail else ''})"


def _check(
    corpus: str, source: str, path: str, before: KnownFile | None
) -> FileState | _Unparsed | None:
    """None when unchanged; a 'touched' state when only size/mtime moved; a failure; else
    the bytes to parse."""
    try:
        stat = os.stat(path)
    except OSError as exc:
        return _failed(corpus, source, 0, 0, "", f"cannot read: {exc.strerror}")
    if before and before.size == stat.st_size and before.mtime_ns == stat.st_mtime_ns:
        return None
    if stat.st_size > ingest.MAX_FILE_BYTES:
        reason = (
            f"file too large: {stat.st_size / 1e6:.1f} MB > {ingest.MAX_FILE_BYTES // 2**20} MB"
        )
        return _failed(corpus, source, stat.st_size, stat.st_mtime_ns, "", reason)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        return _failed(corpus, source, stat.st_size, stat.st_mtime_ns, "", exc.strerror or "")
    digest = hashlib.blake2b(data, digest_size=16).hexdigest()
    if before and before.hash == digest:
        return FileState(corpus, source, stat.st_size, stat.st_mtime_ns, digest, "touched")
    return _Unparsed(corpus, source, stat.st_size, stat.st_mtime_ns, digest, data)


def _failed(
    corpus: str, source: str, size: int, mtime_ns: int, digest: str, reason: str
) -> FileState:
    return FileState(corpus, source, size, mtime_ns, digest, "failed", reason=reason)


def display_path(corpus: str, source: str) -> str:
    """A path for reports: relative to the working directory when that is shorter."""
    full = os.path.join(corpus, source)
    try:
        return os.path.relpath(full)
    except ValueError:  # another drive on Windows
        return full
