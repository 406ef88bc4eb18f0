"""Shared fixtures: a store on a temporary file, the seeds loaded, the full corpus loaded;
and two guards: the user's own folders are never touched, nothing is written into the
repository."""

from __future__ import annotations

import asyncio
import fcntl
import os
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.search import SearchEngine
from bot.store import Store

# The fake Discord and the bot harness: their fixtures (fake_discord, fail_on_error_logs,
# start_articlebot, articlebot) serve every test module by name.
pytest_plugins = ("tests.fake_discord.fixtures", "tests.bot_harness")

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SAMPLE = ROOT / "tests" / "data" / "corpus_sample"
SHARED_CORPUS = ROOT.parent / "shared" / "corpora" / "smartable-powerapps"

needs_shared_corpus = pytest.mark.skipif(
    not SHARED_CORPUS.is_dir(), reason=f"shared corpus not found at {SHARED_CORPUS}"
)


# Never looked into by the guard below: version control, virtual environments, caches, and
# the benchmarks' git-ignored output (generated corpora of up to 100k files; the benchmark
# tests write to tmp).
_NOT_WATCHED_NAMES = {".git", ".venv", "__pycache__", ".pytest_cache", ".ruff_cache"}
_NOT_WATCHED_PATHS = {ROOT / "benchmarks" / "out"}


def _repository_entries() -> set[str]:
    # Plain strings, not Path objects: this walk runs twice for each of ~650 tests.
    root = str(ROOT)
    skipped = {str(path) for path in _NOT_WATCHED_PATHS}
    found: set[str] = set()
    folders = [root]
    while folders:
        with os.scandir(folders.pop()) as entries:
            for entry in entries:
                if entry.name in _NOT_WATCHED_NAMES or entry.path in skipped:
                    continue
                is_folder = entry.is_dir(follow_symlinks=False)
                # Any virtual environment (a developer's second venv, tools' export venv):
                # walking one's site-packages before and after every test is minutes a run.
                if is_folder and os.path.exists(os.path.join(entry.path, "pyvenv.cfg")):
                    continue
                found.add(entry.path[len(root) + 1 :])
                if is_folder:
                    folders.append(entry.path)
    return found


@pytest.fixture(autouse=True)
def nothing_written_into_the_repository(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fails the test that leaves a new file or folder in the repository (a database in
    data/, a build/ folder): every test writes under tmp."""
    before = _repository_entries()
    yield
    new = sorted(_repository_entries() - before)
    if new:
        pytest.fail(f"{request.node.nodeid} wrote into the repository: {', '.join(new)}")


@pytest.fixture(scope="session", autouse=True)
def user_folders_in_tmp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The user's config, data, cache and state folders (platformdirs reads XDG_* on Linux)
    are temporary, for this process and the CLI processes it starts: a test that falls
    back to the defaults never reads the developer's config or writes to their data."""
    base = tmp_path_factory.mktemp("user")
    with pytest.MonkeyPatch.context() as patch:
        for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
            patch.setenv(var, str(base / var.lower()))
        yield base


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Heavy tests first, in their order: the first worker starts on them while the others
    take the rest, and no long test is left to run alone at the end."""
    items.sort(key=lambda item: item.get_closest_marker("heavy") is None)


CLI_TIMEOUT_S = 180  # generous: the machine may be shared and busy


def run_cli(
    *args: str, env: dict[str, str] | None = None, **popen: Any
) -> subprocess.CompletedProcess[str]:
    """`python -m bot ARGS` as an operator runs it: from the repository, with only the
    settings `env` gives, its output captured, never left hanging."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        env={**environment_without_bot_settings(), **(env or {})},
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT_S,
        **popen,
    )


# For CLI tests whose subject is files, parsing or the database, not meaning: encoding every
# article in each of their processes cost the suite about 35 s of CPU. Meaning's own CLI
# tests (test_cli, test_store_open_faults, test_semantic, and test_run_command's bots that
# connect) keep the default.
WORDS_ONLY = {"ARTICLEBOT_SEMANTIC": "0"}


def environment_without_bot_settings() -> dict[str, str]:
    """This process's environment less DISCORD_* and ARTICLEBOT_*, for a CLI subprocess
    that must see only what its test gives it."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "ARTICLEBOT_"))}


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    async with await Store.open(tmp_path / "articles.sqlite3") as opened:
        yield opened


@pytest.fixture
def seeds_copy(tmp_path: Path) -> Path:
    """A writable copy of the seeds, for tests that change files between reloads."""
    return Path(shutil.copytree(SEEDS, tmp_path / "seeds"))


@pytest.fixture
async def seeded(store: Store) -> Store:
    await store.reload([SEEDS])
    return store


@pytest.fixture
async def seed_engine(seeded: Store) -> SearchEngine:
    return await SearchEngine.load(seeded)


@pytest.fixture(scope="session")
def full_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Seeds plus the shared corpus (or the sample when it is absent), loaded once a run."""
    corpora = [SEEDS, SHARED_CORPUS if SHARED_CORPUS.is_dir() else SAMPLE]

    def build(path: Path) -> None:
        async def load() -> None:
            async with await Store.open(path) as opened:
                await opened.reload(corpora)

        asyncio.run(load())

    return built_once(tmp_path_factory, "full", build)


@pytest.fixture
async def full_engine(full_db: Path) -> AsyncIterator[SearchEngine]:
    async with await Store.open(full_db) as opened:
        yield await SearchEngine.load(opened)


def built_once(
    tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]
) -> Path:
    """The database `build(path)` makes, made once for the whole run: pytest-xdist's workers
    share the parent of their temporary folders, and the others wait on a lock for the first
    one's. Tests only read it (or copy it to change it)."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent
    folder = root / name
    folder.mkdir(exist_ok=True)
    path = folder / "articles.sqlite3"
    with open(root / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not (folder / "built").exists():
            build(path)
            (folder / "built").touch()
    return path


@pytest.fixture(scope="session")
def meaning_db(tmp_path_factory: pytest.TempPathFactory, full_db: Path) -> Path:
    """Seeds plus the shared corpus with every article's vectors encoded by the shipped
    model: encoding the corpus costs tens of seconds of CPU, paid once a run. The text is
    full_db's, copied (the same corpora, loaded by the same reload)."""
    from bot.library import Library
    from bot.settings import Settings

    def build(path: Path) -> None:
        corpora = (SEEDS, SHARED_CORPUS if SHARED_CORPUS.is_dir() else SAMPLE)
        shutil.copyfile(full_db, path)

        async def fill() -> None:
            settings = Settings(db_path=path, corpus_dirs=corpora, semantic=True)
            async with await Library.open(settings):  # loaded already: fills every vector
                pass

        asyncio.run(fill())

    return built_once(tmp_path_factory, "meaning", build)
