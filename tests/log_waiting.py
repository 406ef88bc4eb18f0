"""Waiting for a log record: the one sign some of the bot's steps leave (no sleeps)."""

from __future__ import annotations

import asyncio
import logging


class LogSignal(logging.Handler):
    """Sets `seen` once a record whose message contains `text` is logged (on the loop's
    thread, or from another thread through `loop`)."""

    def __init__(self, text: str) -> None:
        super().__init__(logging.DEBUG)
        self.text = text
        self.seen = asyncio.Event()
        self._loop = asyncio.get_running_loop()

    def emit(self, record: logging.LogRecord) -> None:
        if self.text in record.getMessage():
            self._loop.call_soon_threadsafe(self.seen.set)
