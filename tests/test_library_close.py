"""Closing the library while a reload runs stops the reload first: its transaction rolls
back and the database is never closed under it (issue 8.10, the core half)."""

from __future__ import annotations

import asyncio
import logging
import shutil
import sqlite3
from pathlib import Path

import pytest

from bot.library import Library
from bot.settings import Settings
from tests.bot_harness import write_article
from tests.conftest import SEEDS
from tests.log_waiting import LogSignal


async def test_closing_the_library_mid_reload_cancels_it_and_keeps_the_old_corpus(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    corpus = Path(shutil.copytree(SEEDS, tmp_path / "corpus"))
    db_path = tmp_path / "bot.sqlite3"
    library = await Library.open(Settings(db_path=db_path, corpus_dirs=(corpus,)))
    for i in range(3):
        write_article(corpus, f"new-{i}.md", body=f"Body {i}.", title=f"New article {i}")
    loop = asyncio.get_running_loop()
    scanned = asyncio.Event()

    def progress(done: int, total: int) -> None:  # called from the scan's worker thread
        if done == total:
            loop.call_soon_threadsafe(scanned.set)

    caplog.set_level(logging.INFO, logger="bot")
    signal = LogSignal("stopping the running reload")
    logging.getLogger("bot").addHandler(signal)
    blocker = sqlite3.connect(db_path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # the reload reads the corpus, then waits to write
    try:
        async with asyncio.timeout(30):
            reload = asyncio.create_task(library.reload(progress=progress))
            await scanned.wait()
            closing = asyncio.create_task(library.close())
            await signal.seen.wait()
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
        logging.getLogger("bot").removeHandler(signal)
    async with asyncio.timeout(30):
        await closing
        with pytest.raises(asyncio.CancelledError):
            await reload

    with sqlite3.connect(db_path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("SELECT count(*) FROM articles").fetchone() == (5,)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
