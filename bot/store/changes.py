"""What changed in the corpus directories since the last load: stat, hash, parse. No SQL."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot import ingest
from bot.models import Article

Progress = Callable[[int, int], None]


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
    article: Article | None = None
    reason: str | None = None


@dataclass(slots=True)
class Changes:
    parsed: list[FileState] = field(default_factory=list)  # new or different content
    touched: list[FileState] = field(default_factory=list)  # same content, new size/mtime
    unchanged: int = 0
    gone: list[tuple[str, str]] = field(default_factory=list)  # (corpus, source)
    missing_corpora: list[str] = field(default_factory=list)


def corpus_key(directory: Path) -> str:
    """How a corpus directory is recorded: its absolute path."""
    return str(directory.resolve())


def scan_changes(
    corpora: Sequence[Path],
    known: dict[tuple[str, str], KnownFile],
    progress: Progress | None = None,
) -> Changes:
    """Compare the files on disk with `known`; parse only what is new or changed.

    Unchanged files are recognised by size and mtime without being read, then by content
    hash, so touching a file costs a read but not a parse.
    """
    changes = Changes()
    files = list(_list_files(corpora, changes))
    seen: set[tuple[str, str]] = set()
    for done, (corpus, root, path) in enumerate(files, start=1):
        source = path.relative_to(root).as_posix()
        seen.add((corpus, source))
        state = _check(corpus, source, path, known.get((corpus, source)))
        if state is None:
            changes.unchanged += 1
        elif state.article is None and state.status == "touched":
            changes.touched.append(state)
        else:
            changes.parsed.append(state)
        if progress is not None:
            progress(done, len(files))
    # A missing directory (an unmounted volume, a typo) must not wipe what it had loaded.
    missing = {corpus_key(Path(path)) for path in changes.missing_corpora}
    changes.gone = sorted(key for key in known if key not in seen and key[0] not in missing)
    return changes


def _list_files(corpora: Sequence[Path], changes: Changes) -> Iterable[tuple[str, Path, Path]]:
    for root in corpora:
        if not root.is_dir():
            changes.missing_corpora.append(str(root))
            continue
        corpus = corpus_key(root)
        for path in ingest.iter_corpus_files(root):
            yield corpus, root, path


def _check(corpus: str, source: str, path: Path, before: KnownFile | None) -> FileState | None:
    """None when unchanged; a 'touched' state when only size/mtime moved; else parsed."""
    try:
        stat = path.stat()
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
        data = path.read_bytes()
    except OSError as exc:
        return _failed(corpus, source, stat.st_size, stat.st_mtime_ns, "", exc.strerror or "")
    digest = hashlib.blake2b(data, digest_size=16).hexdigest()
    if before and before.hash == digest:
        return FileState(corpus, source, stat.st_size, stat.st_mtime_ns, digest, "touched")
    try:
        article = ingest.parse_bytes(data, source)
    except ingest.ArticleRemoved as exc:
        return FileState(
            corpus, source, stat.st_size, stat.st_mtime_ns, digest, "removed", reason=exc.reason
        )
    except ingest.IngestError as exc:
        return _failed(corpus, source, stat.st_size, stat.st_mtime_ns, digest, exc.reason)
    return FileState(corpus, source, stat.st_size, stat.st_mtime_ns, digest, "loaded", article)


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
