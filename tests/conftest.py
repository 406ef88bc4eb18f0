"""Shared fixtures: a store on a temporary file, the seeds loaded, the full corpus loaded."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.search import SearchEngine
from bot.store import Store

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SAMPLE = ROOT / "tests" / "data" / "corpus_sample"
SHARED_CORPUS = ROOT.parent / "shared" / "corpora" / "smartable-powerapps"

needs_shared_corpus = pytest.mark.skipif(
    not SHARED_CORPUS.is_dir(), reason=f"shared corpus not found at {SHARED_CORPUS}"
)


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
    """Seeds plus the shared corpus (or the sample when it is absent), loaded once."""
    path = tmp_path_factory.mktemp("full") / "articles.sqlite3"
    corpora = [SEEDS, SHARED_CORPUS if SHARED_CORPUS.is_dir() else SAMPLE]

    async def load() -> None:
        async with await Store.open(path) as opened:
            await opened.reload(corpora)

    asyncio.run(load())
    return path


@pytest.fixture
async def full_engine(full_db: Path) -> AsyncIterator[SearchEngine]:
    async with await Store.open(full_db) as opened:
        yield await SearchEngine.load(opened)
