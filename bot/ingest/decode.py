"""Bytes -> text, refusing what is not a UTF-8 text file of a sane size."""

from __future__ import annotations

import codecs
from pathlib import Path

from bot.ingest.errors import IngestError

MAX_FILE_BYTES = 5 * 1024 * 1024


def too_large_reason(size: int) -> str:
    return f"file too large: {size / 1e6:.1f} MB > {MAX_FILE_BYTES // 2**20} MB"


def read_bytes(path: Path, source: str) -> bytes:
    """Read a file, checking its size first so a huge file is never loaded."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise IngestError(source, too_large_reason(size))
        return path.read_bytes()
    except OSError as exc:
        raise IngestError(source, f"cannot read: {exc.strerror or exc}") from exc


def decode(data: bytes, source: str) -> str:
    """UTF-8 text without its BOM; IngestError for empty, binary or mis-encoded data."""
    if len(data) > MAX_FILE_BYTES:
        raise IngestError(source, too_large_reason(len(data)))
    if not data.strip():
        raise IngestError(source, "empty file")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise IngestError(source, "not UTF-8: UTF-16 text (byte-order mark)")
    if b"\x00" in data:
        raise IngestError(source, "binary file (NUL bytes)")
    skipped = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        text = data[skipped:].decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = exc.start + skipped
        reason = f"not UTF-8: invalid byte 0x{data[offset]:02x} at offset {offset}"
        raise IngestError(source, reason) from exc
    if not text.strip():
        raise IngestError(source, "empty file")
    return text
