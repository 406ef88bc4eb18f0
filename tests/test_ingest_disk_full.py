"""A reload that runs out of room (disk full, or the file-size limit) ends in one line and a
non-zero exit, with the previous corpus intact. A real `articlebot ingest` under
RLIMIT_FSIZE: its writes past the limit fail with EFBIG, as on a full disk."""

from __future__ import annotations

import json
import resource
import signal
import subprocess
from pathlib import Path

import pytest

from tests.conftest import SEEDS, WORDS_ONLY, run_cli

ROOM_BYTES = 256 * 1024  # what the reload may add to the database before it is full


def cli(*args: str, limit: int | None = None) -> subprocess.CompletedProcess[str]:
    def limited() -> None:
        # Ignored, SIGXFSZ would kill the process; ignored, the write fails with EFBIG.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        assert limit is not None
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return run_cli(*args, env=WORDS_ONLY, preexec_fn=limited if limit is not None else None)


def titles(db: Path) -> list[str]:
    done = cli("export", "--db", str(db))
    assert done.returncode == 0, done.stderr
    return [json.loads(line)["title"] for line in done.stdout.splitlines()]


@pytest.mark.heavy
def test_a_full_disk_during_ingest_is_one_line_and_keeps_the_old_corpus(tmp_path: Path) -> None:
    db = tmp_path / "a.sqlite3"
    assert cli("ingest", "--db", str(db), "--corpus", str(SEEDS)).returncode == 0
    before = titles(db)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    text = " ".join(f"sentence {n} with words w{n % 101} and v{n % 37}." for n in range(300))
    for n in range(400):  # megabytes of text: far more than the room left
        (corpus / f"a{n:03}.md").write_text(f"---\ntitle: Article {n}\n---\n{text}\n")
    size = db.stat().st_size + ROOM_BYTES

    done = cli("ingest", "--db", str(db), "--corpus", str(corpus), limit=size)

    assert done.returncode == 1, (done.stdout, done.stderr)
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"articlebot: cannot write {db}: ")
    assert "(disk full or file size limit reached?): nothing was changed" in lines[0]
    assert titles(db) == before
