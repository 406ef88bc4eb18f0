"""Pytest fixtures and helpers around the fake Discord; conftest.py can re-export them.

- `fake_discord`: a started FakeDiscord (one guild, one text channel) with discord.py pointed
  at it; fails the test at teardown if the fake itself hit a bug, or if it refused a body for
  breaking Discord's limits (so every test that sends through it is a limit test).
- `fail_on_error_logs`: fails the test if anything logged at ERROR or above on the `discord` or
  `bot` loggers, which is the only trace discord.py leaves of exceptions in commands, views,
  event handlers and tasks. `collector.allow(regex)` accepts an error a test provokes on purpose.
- `running_bot(bot)`: starts a discord.py client against the fake and waits for on_ready.
"""

# Waiting helpers take `timeout=` like asyncio.wait_for, so tests read naturally.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import TypeVar

import discord
import pytest
import pytest_asyncio

from tests.fake_discord.pointing import point_discord_at
from tests.fake_discord.server import FakeDiscord

ClientT = TypeVar("ClientT", bound=discord.Client)
WATCHED_LOGGERS = ("discord", "bot")


class ErrorLogCollector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []
        self._allowed: list[re.Pattern[str]] = []
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        for loop, arrived in self._waiters:  # emit may run on discord.py's heartbeat thread
            loop.call_soon_threadsafe(arrived.set)

    async def wait_for_error(self, timeout: float = 15.0) -> logging.LogRecord:
        """The first ERROR record, waiting for it if none was logged yet."""
        waiter = (asyncio.get_running_loop(), asyncio.Event())
        self._waiters.append(waiter)
        try:
            async with asyncio.timeout(timeout):
                while not self.records:
                    await waiter[1].wait()
        finally:
            self._waiters.remove(waiter)
        return self.records[0]

    def allow(self, pattern: str) -> None:
        """Errors whose message matches `pattern` (re.search) do not fail the test."""
        self._allowed.append(re.compile(pattern))

    def unexpected(self) -> list[logging.LogRecord]:
        return [r for r in self.records if not any(p.search(r.getMessage()) for p in self._allowed)]

    def report(self) -> str:
        formatter = logging.Formatter("%(name)s %(levelname)s: %(message)s")
        return "\n\n".join(formatter.format(r) for r in self.unexpected())


@contextmanager
def failing_on_error_logs(
    loggers: Iterable[str] = WATCHED_LOGGERS,
) -> Iterator[ErrorLogCollector]:
    """Fails (on a clean exit of the block) if an unexpected ERROR record was logged."""
    collector = ErrorLogCollector()
    targets = [logging.getLogger(name) for name in loggers]
    for logger in targets:
        logger.addHandler(collector)
    try:
        yield collector
    finally:
        for logger in targets:
            logger.removeHandler(collector)
    if collector.unexpected():
        pytest.fail(f"errors were logged:\n{collector.report()}", pytrace=False)


@pytest.fixture
def fail_on_error_logs() -> Iterator[ErrorLogCollector]:
    with failing_on_error_logs() as collector:
        yield collector


@pytest_asyncio.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as server:
        with point_discord_at(server.base_url):
            yield server
    assert not server.errors, f"the fake Discord hit a bug: {server.errors}"
    refused = [(c.method, c.path, c.response) for c in server.rejected]
    assert not refused, f"Discord would refuse what the bot sent: {refused}"


@asynccontextmanager
async def running_bot(
    bot: ClientT, *, token: str = "fake-token", timeout: float = 15.0
) -> AsyncIterator[ClientT]:
    """Run the client until the block ends; the block starts once on_ready has fired.
    Build the bot with `guild_ready_timeout=0.1`, or on_ready comes 2 s late."""
    # What bot.start() does, in two steps: login creates the ready event wait_until_ready needs.
    async with asyncio.timeout(timeout):
        await bot.login(token)
    task = asyncio.create_task(bot.connect(), name=f"running_bot({type(bot).__name__})")
    try:
        await until_ready(bot, task, timeout)
        yield bot
    finally:
        await bot.close()
        async with asyncio.timeout(timeout):
            await asyncio.wait({task})
    if not task.cancelled() and task.exception() is not None:
        raise task.exception()  # the client died while the block ran


async def until_ready(
    bot: discord.Client, connecting: asyncio.Task[None], timeout: float = 15.0
) -> None:
    """Until on_ready fires, or `connecting` (the logged-in client's connect()) ends first."""
    ready = asyncio.create_task(bot.wait_until_ready(), name="until_ready")
    try:
        async with asyncio.timeout(timeout):
            await asyncio.wait({ready, connecting}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        ready.cancel()
    if not bot.is_ready():
        connecting.result()
        raise RuntimeError("bot.connect() returned before the bot was ready")
