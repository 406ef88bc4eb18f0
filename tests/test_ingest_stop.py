"""Stopping an `articlebot ingest` midway: SIGTERM and SIGINT end it with one line and the
database as it was; SIGKILL leaves no parser process or resource tracker behind. Real
processes on a corpus big enough to still be ingesting; every wait polls /proc."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT, SEEDS, WORDS_ONLY, environment_without_bot_settings, run_cli

TIMEOUT_S = 180  # generous: the machine may be shared and busy

pytestmark = pytest.mark.heavy  # thousands of files, ingested by a process pool


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + TIMEOUT_S
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)  # polling interval, not synchronisation


def running(pid: int) -> bool:
    """True while `pid` exists and is not a zombie (an orphan's zombie may never be reaped)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def descendants(pid: int) -> set[int]:
    """Every live process below `pid`, from the parent ids in /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] != "Z":
            children.setdefault(int(fields[1]), []).append(int(entry))
    found: set[int] = set()
    stack = [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            found.add(child)
            stack.append(child)
    return found


@pytest.fixture(scope="module")
def big_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Thousands of small articles: parsed by the process pool for seconds, while a batch in
    a parser (what a stop waits for) takes a fraction of one."""
    corpus = tmp_path_factory.mktemp("big")
    paragraph = " ".join(f"word{n} about topic{n % 97} and idea{n % 13}." for n in range(120))
    for n in range(6000):
        folder = corpus / f"part{n // 500:02}"
        folder.mkdir(exist_ok=True)
        (folder / f"article-{n:05}.md").write_text(
            f"---\ntitle: Article number {n}\ntopics: [t{n % 50}]\n---\n{paragraph}\n"
        )
    return corpus


@pytest.fixture
def seeded_db(tmp_path: Path) -> Path:
    db = tmp_path / "a.sqlite3"
    done = run_cli("ingest", "--db", str(db), "--corpus", str(SEEDS), env=WORDS_ONLY)
    assert done.returncode == 0, done.stderr
    return db


@pytest.fixture
def ingesting(
    seeded_db: Path, big_corpus: Path
) -> Iterator[tuple[subprocess.Popen, set[int], list[str]]]:
    """An ingest of the big corpus whose parser processes are at work, its descendants, and
    the titles the database held before it (read first, so the signal follows at once)."""
    before = titles(seeded_db)
    assert before
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bot",
            "ingest",
            "--db",
            str(seeded_db),
            "--corpus",
            str(big_corpus),
        ],
        cwd=ROOT,
        env={**environment_without_bot_settings(), **WORDS_ONLY},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # The resource tracker, the fork server and at least one parser.
        wait_for(lambda: len(descendants(process.pid)) >= 3, "the parser processes")
        yield process, descendants(process.pid), before
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=TIMEOUT_S)


def titles(db: Path) -> list[str]:
    done = run_cli("export", "--db", str(db), env=WORDS_ONLY)
    assert done.returncode == 0, done.stderr
    return [json.loads(line)["title"] for line in done.stdout.splitlines()]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_an_ingest_with_one_line_and_the_old_corpus(
    ingesting: tuple[subprocess.Popen, set[int], list[str]],
    seeded_db: Path,
    signum: signal.Signals,
) -> None:
    process, helpers, before = ingesting

    process.send_signal(signum)
    out, err = process.communicate(timeout=TIMEOUT_S)

    assert process.returncode == 128 + signum, (out, err)
    assert err.strip().splitlines() == [
        f"articlebot: stopped by {signum.name} (an unfinished reload is rolled back: the "
        "database keeps its previous corpus)"
    ]
    assert out == ""
    wait_for(lambda: not any(running(pid) for pid in helpers), "the parser processes to end")
    assert titles(seeded_db) == before
    # Nothing was left locked: the next reload runs.
    again = run_cli("ingest", "--db", str(seeded_db), "--corpus", str(SEEDS), env=WORDS_ONLY)
    assert again.returncode == 0 and f"{len(before)} unchanged" in again.stdout, again.stderr


def test_a_killed_ingest_leaves_no_process_behind(
    ingesting: tuple[subprocess.Popen, set[int], list[str]], seeded_db: Path
) -> None:
    process, helpers, before = ingesting

    process.kill()
    process.wait(timeout=TIMEOUT_S)

    wait_for(lambda: not any(running(pid) for pid in helpers), "the orphaned helpers to end")
    assert titles(seeded_db) == before
