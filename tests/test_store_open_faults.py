"""A database that cannot be used ends the command at once with one line that says what to
do: never a hang (an aiosqlite thread left open), never a traceback. Real processes, real
files."""

from __future__ import annotations

import contextlib
import ctypes
import os
import shlex
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.store.schema import MIGRATIONS
from tests.conftest import ROOT, SEEDS, environment_without_bot_settings, run_cli

# Far longer than any of these commands takes; a hang (the fault) hits it.
TIMEOUT_S = 120
PR_CAPBSET_DROP = 24
CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER = 1, 2, 3


def as_unprivileged() -> dict[str, Any]:
    """Run so that file permissions apply: root drops the capabilities that bypass them."""
    if os.getuid() != 0:
        return {}

    def drop_capabilities() -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        for capability in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER):
            if libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
                raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")

    return {"preexec_fn": drop_capabilities}


def assert_one_line(done: subprocess.CompletedProcess, *expected: str) -> str:
    assert done.returncode == 1, (done.returncode, done.stderr)
    line = done.stderr.strip()
    assert "\n" not in line and "Traceback" not in line, done.stderr
    assert line.startswith("articlebot: ")
    for part in expected:
        assert part in line
    return line


def test_a_file_that_is_not_a_database_is_one_line(tmp_path: Path) -> None:
    db = tmp_path / "notes.sqlite3"
    db.write_text("shopping list: eggs, milk\n")

    done = run_cli("ask", "What do dopamine neurons encode?", "--db", str(db))

    assert_one_line(done, f"{db} is not an SQLite database", "move it away")
    assert db.read_text() == "shopping list: eggs, milk\n"


def test_a_truncated_database_is_one_line(tmp_path: Path) -> None:
    whole = tmp_path / "whole.sqlite3"
    assert run_cli("ingest", "--db", str(whole), "--corpus", str(SEEDS)).returncode == 0
    cut = tmp_path / "cut.sqlite3"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 3])

    done = run_cli("search", "dopamine", "--db", str(cut))

    assert_one_line(done, f"{cut} is damaged", "move it away")


def test_a_database_newer_than_the_code_is_refused_untouched(tmp_path: Path) -> None:
    db = tmp_path / "future.sqlite3"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE articles_v9 (id TEXT)")
        conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 5}")
    conn.close()
    before = db.read_bytes()

    for command in (["ask", "anything"], ["ingest", "--corpus", str(SEEDS)]):
        done = run_cli(*command, "--db", str(db))
        assert_one_line(
            done, f"schema version {len(MIGRATIONS) + 5}, newer than", "upgrade articlebot"
        )
    assert db.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["future.sqlite3"]  # no -wal made


def test_someone_elses_sqlite_database_is_refused_untouched(tmp_path: Path) -> None:
    db = tmp_path / "photos.sqlite3"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE photos (path TEXT)")
    conn.close()
    before = db.read_bytes()

    done = run_cli("ingest", "--db", str(db), "--corpus", str(SEEDS))

    assert_one_line(done, "database of something else")
    assert db.read_bytes() == before


def test_an_unwritable_folder_says_who_must_own_it(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    folder.chmod(0o555)
    tmp_path.chmod(0o755)

    done = run_cli("ask", "dopamine", "--db", str(folder / "a.sqlite3"), **as_unprivileged())

    uid = os.getuid()
    assert_one_line(
        done, f"the folder {folder} must be writable by uid {uid}", f"(chmod u+w {folder})"
    )


def test_a_folder_that_cannot_be_created_says_which_parent(tmp_path: Path) -> None:
    tmp_path.chmod(0o555)
    try:
        done = run_cli("ingest", "--db", str(tmp_path / "new" / "a.sqlite3"), **as_unprivileged())
    finally:
        tmp_path.chmod(0o755)

    assert_one_line(done, f"to create {tmp_path / 'new'}, {tmp_path} must be writable")


def can_mount_privately() -> bool:
    """Whether this process may mount in a mount namespace of its own (root, unshare)."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return False
    probe = subprocess.run([unshare, "-m", "true"], capture_output=True, timeout=TIMEOUT_S)
    return probe.returncode == 0


@pytest.mark.skipif(not can_mount_privately(), reason="needs unshare -m (root) to mount")
def test_a_read_only_filesystem_is_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    assert (
        run_cli("ingest", "--db", str(folder / "a.sqlite3"), "--corpus", str(SEEDS)).returncode == 0
    )
    command = [sys.executable, "-m", "bot", "ask", "dopamine", "--db", str(folder / "a.sqlite3")]
    # The folder, database and all, remounted read-only in a namespace of the command's own.
    script = f'mount --bind -o ro "$1" "$1" && exec {shlex.join(command)}'

    done = subprocess.run(
        ["unshare", "-m", "sh", "-c", script, "sh", str(folder)],
        cwd=ROOT,
        env=environment_without_bot_settings(),
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
    )

    assert_one_line(done, f"{folder} is on a read-only filesystem", "give a database path")


def test_a_reload_holding_a_new_database_is_one_line_not_a_hang(tmp_path: Path) -> None:
    db = tmp_path / "a.sqlite3"
    # Another process holds the write lock of a database it is creating.
    with write_lock_held(db, "rollback"):
        done = run_cli("ask", "dopamine", "--db", str(db))

    assert_one_line(done, f"{db} is locked by another process", "try again")


def test_run_with_an_unusable_database_exits_with_one_line(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    db.write_bytes(b"\x00" * 4096)

    done = run_cli("run", env={"DISCORD_TOKEN": "not-a-real-token", "ARTICLEBOT_DB": str(db)})

    assert_one_line(done, f"{db} is not an SQLite database")


# Holds a write transaction on argv[1] until stdin closes. "rollback": the database is in
# rollback-journal mode (being created); "wal": an existing articlebot database.
HOLD_WRITE_LOCK = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
if sys.argv[2] == "rollback":
    conn.execute("CREATE TABLE being_made (x)")
else:
    conn.execute("DELETE FROM articles")
print("holding", flush=True)
sys.stdin.read()
conn.execute("ROLLBACK")
"""


@contextlib.contextmanager
def write_lock_held(db: Path, mode: str) -> Iterator[None]:
    """Another process holds `db`'s write lock (HOLD_WRITE_LOCK, `mode`) inside the block."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_WRITE_LOCK, str(db), mode],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "holding\n"
        yield
    finally:
        holder.communicate("", timeout=TIMEOUT_S)


@pytest.mark.parametrize("command", ["ask", "search", "export"])
def test_readers_answer_from_the_old_corpus_while_a_reload_holds_the_write_lock(
    tmp_path: Path, command: str
) -> None:
    db = tmp_path / "a.sqlite3"
    assert run_cli("ingest", "--db", str(db), "--corpus", str(SEEDS)).returncode == 0
    # Another process's reload: inside its transaction every article is gone.
    with write_lock_held(db, "wal"):
        args = {"ask": ["What do dopamine neurons encode?"], "search": ["dopamine"]}
        done = run_cli(command, *args.get(command, []), "--db", str(db))

    assert done.returncode == 0, done.stderr
    assert "Designing artificial brains can help us learn more about real ones" in done.stdout
