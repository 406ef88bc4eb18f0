"""Answering where questions are asked: the question in a mention, whether an answer is sure
enough to post unasked, and a per-channel rate limit. Pure: times come in as arguments."""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field

# Answers the bot posts by itself (mentions, forum posts) per channel and window: enough for a
# busy help forum, too few to flood a channel if someone mentions the bot in a loop.
RATE_LIMIT = 5
RATE_WINDOW = 60.0  # seconds


def question_from_mention(content: str, bot_id: int) -> str:
    """The message's text without the mentions of the bot, whitespace collapsed."""
    return " ".join(re.sub(rf"<@!?{bot_id}>", " ", content).split())


def clears(answered: bool, confidence: float, min_confidence: float) -> bool:
    """Whether an answer is sure enough to post in a channel nobody asked the bot in."""
    return answered and confidence >= min_confidence


@dataclass(slots=True)
class RateLimit:
    """At most `limit` events per key in any `window` seconds (a sliding log)."""

    limit: int = RATE_LIMIT
    window: float = RATE_WINDOW
    _events: dict[int, deque[float]] = field(default_factory=dict)

    def allow(self, key: int, now: float) -> bool:
        """Count one event for `key` at `now` if the limit allows it."""
        events = self._events.setdefault(key, deque())
        while events and events[0] <= now - self.window:
            events.popleft()
        if len(events) >= self.limit:
            return False
        events.append(now)
        return True
