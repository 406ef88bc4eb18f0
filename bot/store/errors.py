"""Typed store errors, each with one line that tells the operator what to do."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path


class StoreError(Exception):
    """The database cannot be used; str() is one line an operator can act on."""


class StoreOpenError(StoreError):
    """The database cannot be opened (missing rights, not a database, newer schema, ...)."""


class StoreWriteError(StoreError):
    """A write failed (disk full, file size limit, locked, read-only); nothing was changed."""


def open_problem(path: Path, exc: BaseException) -> str:
    """What went wrong opening `path`, and what to do about it."""
    text = str(exc)
    if "file is not a database" in text:
        return (
            f"{path} is not an SQLite database: move it away, or give another file "
            "(--db or ARTICLEBOT_DB)"
        )
    if "malformed" in text:
        return (
            f"{path} is damaged ({text}): move it away; the next start loads the corpus "
            "into a new one"
        )
    if "locked" in text or "busy" in text:
        return f"{path} is locked by another process (a reload?): try again when it has finished"
    access = access_problem(path)
    if access:
        return access
    return f"cannot open {path}: {_reason(exc)}"


def write_problem(path: Path, exc: BaseException) -> str:
    """What went wrong writing to `path`; the transaction was rolled back."""
    text = str(exc)
    unchanged = "nothing was changed"
    if "locked" in text or "busy" in text:
        return (
            f"{path} is locked by another process (a reload?): {unchanged}; try again when "
            "it has finished"
        )
    if "full" in text or "disk I/O error" in text:
        return (
            f"cannot write {path}: {text} (disk full or file size limit reached?): "
            f"{unchanged}; free some space and reload again"
        )
    access = access_problem(path)
    if access:
        return f"{access}; {unchanged}"
    return f"cannot write {path}: {_reason(exc)}: {unchanged}"


def access_problem(path: Path) -> str | None:
    """Why this process cannot create or write `path` (and its -wal and -shm files), or
    None when nothing stops it."""
    path = Path(os.path.abspath(path))
    folder = path.parent
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if _read_only_filesystem(existing):
        return (
            f"cannot write {path}: {existing} is on a read-only filesystem; give a database "
            "path on a writable one (--db or ARTICLEBOT_DB)"
        )
    uid = os.getuid() if hasattr(os, "getuid") else None
    who = f"uid {uid}" if uid is not None else "this user"
    if not os.access(existing, os.W_OK | os.X_OK):
        what = "the folder" if existing == folder else f"to create {folder},"
        return (
            f"cannot write {path}: {what} {existing} must be writable by {who}{_fix(existing, uid)}"
        )
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if file.exists() and not os.access(file, os.R_OK | os.W_OK):
            return (
                f"cannot write {path}: {file} must be readable and writable by {who}"
                f"{_fix(file, uid)}"
            )
    return None


def _fix(path: Path, uid: int | None) -> str:
    """The command that gives `uid` the rights it lacks on `path`."""
    if uid is None:
        return ""
    try:
        owner = path.stat().st_uid
    except OSError:
        return ""
    return f" (chmod u+w {path})" if owner == uid else f" (chown {uid} {path})"


def _read_only_filesystem(folder: Path) -> bool:
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):  # AttributeError: no statvfs (Windows)
        return False


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    if isinstance(exc, sqlite3.Error):
        return str(exc)
    return str(exc) or type(exc).__name__
