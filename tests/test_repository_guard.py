"""The guard in conftest.py fails a test that writes into the repository folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT, environment_without_bot_settings

PROBE = f"guard-probe-{os.getpid()}.sqlite3"

A_CARELESS_TEST = f"""
from tests.conftest import ROOT, nothing_written_into_the_repository  # noqa: F401  the guard

def test_leaves_a_database_in_the_repository():
    (ROOT / {PROBE!r}).write_bytes(b"")
"""


def test_a_test_that_writes_into_the_repository_fails(tmp_path: Path) -> None:
    (tmp_path / "test_careless.py").write_text(A_CARELESS_TEST, encoding="utf-8")
    try:
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_careless.py"],
            cwd=tmp_path,
            env={**environment_without_bot_settings(), "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        (ROOT / PROBE).unlink(missing_ok=True)

    assert done.returncode == 1, done.stdout + done.stderr
    assert "1 passed, 1 error" in done.stdout
    assert f"wrote into the repository: {PROBE}" in done.stdout
