"""The ingest entry points: a file, its bytes or its text -> one Article."""

from __future__ import annotations

import errno
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from bot.ingest import frontmatter_doc, html_page, plaintext, scraped
from bot.ingest.decode import decode, read_bytes
from bot.ingest.detect import Shape, detect_shape
from bot.ingest.errors import IngestError
from bot.models import Article

# Bump when a parser extracts something new: the next reload then re-parses every file,
# even those whose content did not change.
PARSER_VERSION = 4

_PARSERS: dict[Shape, Callable[[str, str], Article]] = {
    "frontmatter": frontmatter_doc.parse,
    "html": html_page.parse,
    "scraped": scraped.parse,
    "plaintext": plaintext.parse,
}


def parse_file(path: Path, root: Path) -> Article:
    """Parse `path`; its `source` is the path relative to the corpus `root`."""
    source = path.relative_to(root).as_posix()
    return parse_bytes(read_bytes(path, source), source)


def parse_bytes(data: bytes, source: str) -> Article:
    """Validate and decode raw file content, then parse it."""
    return parse_text(decode(data, source), source)


def parse_text(text: str, source: str) -> Article:
    """Parse already-decoded text with the parser its content calls for."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise IngestError(source, "empty file")
    return _PARSERS[detect_shape(text)](text, source)


def iter_corpus_files(root: Path) -> Iterator[Path]:
    """Every loadable file under `root`, sorted, skipping hidden files and folders (.git)."""
    return (Path(path) for _, path in corpus_sources(root))


def corpus_sources(root: Path) -> list[tuple[str, str]]:
    """(source, path) of every loadable file under `root` (see corpus_entries)."""
    return [(e.source, e.path) for e in corpus_entries(root) if e.problem is None]


@dataclass(frozen=True, slots=True)
class CorpusEntry:
    source: str  # the path relative to the corpus, "/"-separated
    path: str  # what to read: the file, or the corpus file a symlink leads to
    problem: str | None = None  # why it is not loaded (reported as the file's failure)


def corpus_entries(root: Path) -> list[CorpusEntry]:
    """Every file under `root`, sorted by source. Hidden files and folders (.git) are
    skipped. A symlink is followed only to a file inside the corpus: one that leads out
    (to /etc/passwd), is broken or loops is an entry with a problem, as is a name that is
    not UTF-8. Symlinked folders are not walked (one inside the corpus adds nothing).
    Plain strings and scandir, as a reload of 100,000 unchanged files is mostly this walk."""
    found: list[CorpusEntry] = []
    real_root = os.path.realpath(root)
    folders = [("", os.fspath(root))]
    while folders:
        prefix, folder = folders.pop()
        try:
            entries = os.scandir(folder)
        except OSError:
            continue
        with entries:
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                source = prefix + entry.name
                if not _is_utf8(entry.name):
                    found.append(CorpusEntry(_printable(source), entry.path, _NOT_UTF8))
                elif entry.is_symlink():
                    linked = _follow(entry.path, real_root)
                    if linked is not None:
                        found.append(CorpusEntry(source, *linked))
                elif entry.is_dir(follow_symlinks=False):
                    folders.append((f"{source}/", entry.path))
                elif entry.is_file(follow_symlinks=False):
                    found.append(CorpusEntry(source, entry.path))
    found.sort(key=lambda e: e.source)
    return found


_NOT_UTF8 = "file name is not UTF-8: rename it"


def _is_utf8(name: str) -> bool:
    # os.scandir gives undecodable bytes as lone surrogates.
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _printable(name: str) -> str:
    return os.fsencode(name).decode("utf-8", "replace")


def _follow(link: str, real_root: str) -> tuple[str, str | None] | None:
    """(path to read, problem) of a symlink; None for a link to a folder of the corpus."""
    try:
        target = os.path.realpath(link, strict=True)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return link, "symlink loop: not followed"
        return link, f"broken symlink ({exc.strerror or exc}): not followed"
    if os.path.commonpath([target, real_root]) != real_root:
        return link, f"symlink to {target}, outside the corpus: not followed"
    if os.path.isdir(target):
        return None
    if not os.path.isfile(target):
        return link, "symlink to something that is not a regular file: not followed"
    return target, None
