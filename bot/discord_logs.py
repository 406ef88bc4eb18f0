"""discord.py's log of a failed gateway reconnect, as one WARNING line instead of an ERROR
with a traceback: a network or Discord outage is not a bug, and discord.py tries again by
itself (with growing delays)."""

from __future__ import annotations

import logging

# discord.client and discord.shard log these with the exception attached.
RECONNECT_MESSAGES = ("Attempting a reconnect", "Failed to connect for shard_id")
LOGGERS = ("discord.client", "discord.shard")


class ReconnectInOneLine(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and str(record.msg).startswith(RECONNECT_MESSAGES):
            error = record.exc_info[1]
            reason = f"{type(error).__name__}: {error}" if error else "unknown"
            record.msg, record.args = "%s (gateway unreachable: %s)", (record.getMessage(), reason)
            record.exc_info = record.exc_text = None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


_FILTER = ReconnectInOneLine()


def reconnects_in_one_line() -> None:
    """Install the filter (once, however many bots are built)."""
    for name in LOGGERS:
        logging.getLogger(name).addFilter(_FILTER)
