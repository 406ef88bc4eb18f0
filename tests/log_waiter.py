"""Awaiting a log line of the bot's: for outcomes that post nothing (a purge, a post the bot
chose not to answer), so a test waits on the event instead of sleeping."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from contextlib import contextmanager

WAIT = 10.0  # seconds: generous, a failing test says what it waited for


class LogWaiter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []
        self._changed = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())
        self._changed.set()

    async def wait_for(self, fragment: str) -> str:
        """The first line holding `fragment`, logged before or after the call."""
        try:
            async with asyncio.timeout(WAIT):
                while True:
                    found = next((line for line in self.lines if fragment in line), None)
                    if found is not None:
                        return found
                    self._changed.clear()
                    await self._changed.wait()
        except TimeoutError:
            raise AssertionError(f"no log line with {fragment!r}; got {self.lines}") from None


@contextmanager
def waiting_for_logs(name: str) -> Iterator[LogWaiter]:
    """Collect INFO and above of logger `name` while the block runs."""
    waiter = LogWaiter()
    logger = logging.getLogger(name)
    level = logger.level
    logger.addHandler(waiter)
    logger.setLevel(logging.INFO)
    try:
        yield waiter
    finally:
        logger.removeHandler(waiter)
        logger.setLevel(level)
