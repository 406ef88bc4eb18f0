"""Replies that outlast a rate limit: try again after Discord's `retry_after` while the
interaction can still be answered, instead of losing the answer.

discord.py waits out a 429 itself, but only five times; then it raises. A member's answer
is worth waiting for: an interaction's first response may come within 3 seconds of it, and
its token takes edits and follow-ups for 15 minutes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar

import discord
from discord import app_commands

log = logging.getLogger(__name__)

T = TypeVar("T")

RESPONSE_WINDOW = timedelta(seconds=3)  # the first response (a reply or a defer)
TOKEN_LIFETIME = timedelta(minutes=15)  # edits and follow-ups through the token
DEFAULT_RETRY_AFTER = 1.0  # a 429 that says nothing of when to come back


class ReplyLost(app_commands.AppCommandError):
    """Rate limited until the interaction expired: nothing can reach the member any more."""


def retry_after(error: BaseException) -> float | None:
    """Seconds to wait when `error` is a rate limit, else None."""
    if isinstance(error, discord.RateLimited):
        return error.retry_after
    if not (isinstance(error, discord.HTTPException) and error.status == 429):
        return None
    headers = getattr(error.response, "headers", None) or {}
    for name in ("X-RateLimit-Reset-After", "Retry-After"):
        try:
            return max(float(headers[name]), 0.0)
        except (KeyError, TypeError, ValueError):
            continue
    return DEFAULT_RETRY_AFTER


def is_rate_limit(error: BaseException) -> bool:
    return isinstance(error, ReplyLost) or retry_after(error) is not None


async def deliver(
    interaction: discord.Interaction, send: Callable[[], Awaitable[T]], what: str
) -> T:
    """`await send()`, again after each rate limit while the interaction lasts; raises
    ReplyLost when the wait would outlast it."""
    attempt = 1
    while True:
        try:
            return await send()
        except (discord.HTTPException, discord.RateLimited) as exc:
            wait = retry_after(exc)
            if wait is None:
                raise
        window = TOKEN_LIFETIME if interaction.response.is_done() else RESPONSE_WINDOW
        if discord.utils.utcnow() + timedelta(seconds=wait) >= interaction.created_at + window:
            raise ReplyLost(f"rate limited until the interaction expired: {what} not sent")
        log.warning(
            "rate limited sending %s (guild_id=%s, try %d); trying again in %.2f s",
            what,
            interaction.guild_id,
            attempt,
            wait,
        )
        await asyncio.sleep(wait)
        attempt += 1
