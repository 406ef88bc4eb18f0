"""The guard in conftest.py fails a test that writes into the repository folder."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT, environment_without_bot_settings

PROBE = "guard-probe.sqlite3"

A_CARELESS_TEST = f"""
from tests.conftest import ROOT

def test_leaves_a_database_in_the_repository():
    (ROOT / {PROBE!r}).write_bytes(b"")
"""


def test_a_test_that_writes_into_the_repository_fails(tmp_path: Path) -> None:
    # A repository of its own holding this conftest.py, so the careless test writes there and
    # never into this checkout, where tests running beside it (pytest-xdist) would see it.
    repository = tmp_path / "repository"
    (repository / "tests").mkdir(parents=True)
    (repository / "tests" / "__init__.py").write_text("", encoding="utf-8")
    shutil.copy2(ROOT / "tests" / "conftest.py", repository / "tests" / "conftest.py")
    for helper in (ROOT / "tests").iterdir():  # what conftest.py imports, as links
        if not helper.name.startswith(("test_", "conftest", "__")):
            (repository / "tests" / helper.name).symlink_to(helper)
    (repository / "tests" / "test_careless.py").write_text(A_CARELESS_TEST, encoding="utf-8")

    done = subprocess.run(
        [
            *(sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"),
            *("-o", "asyncio_default_fixture_loop_scope=function"),  # as pyproject.toml says
            "tests/test_careless.py",
        ],
        cwd=repository,
        env={**environment_without_bot_settings(), "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode == 1, done.stdout + done.stderr
    assert re.search(r"^1 passed, (\d+ warnings?, )?1 error in ", done.stdout, re.M), done.stdout
    assert f"wrote into the repository: {PROBE}" in done.stdout
    assert (repository / PROBE).is_file()  # the guard looked at the folder the test wrote in
