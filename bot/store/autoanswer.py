"""Channels where the bot answers new posts by itself, and the threads it has answered."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import aiosqlite

from bot.models import AutoAnswerChannel

_CHANNEL_COLUMNS = "channel_id, guild_id, enabled, min_confidence, disabled_reason"


class AutoAnswerStore:
    """Shares the store's writer connection and its write lock."""

    def __init__(self, conn: aiosqlite.Connection, write_lock: asyncio.Lock) -> None:
        self._conn = conn
        self._lock = write_lock

    async def channel(self, channel_id: int) -> AutoAnswerChannel | None:
        async with self._conn.execute(
            f"SELECT {_CHANNEL_COLUMNS} FROM autoanswer_channels WHERE channel_id = ?",
            (channel_id,),
        ) as cur:
            row = await cur.fetchone()
        return _channel_from_row(row) if row else None

    async def channels(self, guild_id: int) -> list[AutoAnswerChannel]:
        async with self._conn.execute(
            f"SELECT {_CHANNEL_COLUMNS} FROM autoanswer_channels WHERE guild_id = ? "
            "ORDER BY channel_id",
            (guild_id,),
        ) as cur:
            return [_channel_from_row(row) for row in await cur.fetchall()]

    async def save_channel(self, channel: AutoAnswerChannel) -> None:
        async with self._lock:
            await self._conn.execute(
                f"INSERT INTO autoanswer_channels ({_CHANNEL_COLUMNS}) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (channel_id) DO UPDATE SET guild_id = excluded.guild_id, "
                "enabled = excluded.enabled, min_confidence = excluded.min_confidence, "
                "disabled_reason = excluded.disabled_reason",
                (
                    channel.channel_id,
                    channel.guild_id,
                    int(channel.enabled),
                    channel.min_confidence,
                    channel.disabled_reason,
                ),
            )
            await self._conn.commit()

    async def disable_channel(self, channel_id: int, reason: str) -> None:
        """Turn auto-answer off where the bot may not post, keeping why for /admin status."""
        async with self._lock:
            await self._conn.execute(
                "UPDATE autoanswer_channels SET enabled = 0, disabled_reason = ? "
                "WHERE channel_id = ?",
                (reason, channel_id),
            )
            await self._conn.commit()

    async def claim_thread(self, thread_id: int, channel_id: int, now: datetime) -> bool:
        """Reserve a thread before answering it; False if it was already answered (or
        being answered): a post is answered once, even across a restart."""
        async with self._lock:
            cur = await self._conn.execute(
                "INSERT INTO autoanswer_threads (thread_id, channel_id, claimed_at) "
                "VALUES (?, ?, ?) ON CONFLICT (thread_id) DO NOTHING",
                (thread_id, channel_id, now.astimezone(UTC).isoformat()),
            )
            await self._conn.commit()
        return cur.rowcount == 1

    async def purge_threads(self, before: datetime) -> int:
        """Forget threads claimed before `before` (no new post ever reuses a thread id)."""
        async with self._lock:
            cur = await self._conn.execute(
                "DELETE FROM autoanswer_threads WHERE claimed_at < ?",
                (before.astimezone(UTC).isoformat(),),
            )
            await self._conn.commit()
        return cur.rowcount


def _channel_from_row(row: Any) -> AutoAnswerChannel:
    return AutoAnswerChannel(
        channel_id=row[0],
        guild_id=row[1],
        enabled=bool(row[2]),
        min_confidence=row[3],
        disabled_reason=row[4],
    )
