"""Per-guild digest settings and the once-a-day claim ledger."""

from __future__ import annotations

import asyncio
import json
from dataclasses import fields, replace
from datetime import UTC, datetime
from typing import Any

import aiosqlite

from bot.models import DigestPost, DigestSettings

_SETTINGS_COLUMNS = tuple(f.name for f in fields(DigestSettings))
_SELECT_SETTINGS = f"SELECT {', '.join(_SETTINGS_COLUMNS)} FROM digest_settings"
_INSERT_SETTINGS = (
    f"INSERT INTO digest_settings ({', '.join(_SETTINGS_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(_SETTINGS_COLUMNS))}) "
)
_UPSERT_SETTINGS = f"{_INSERT_SETTINGS}ON CONFLICT (guild_id) DO UPDATE SET " + ", ".join(
    f"{c} = excluded.{c}" for c in _SETTINGS_COLUMNS if c != "guild_id"
)
_POST_COLUMNS = "guild_id, local_date, channel_id, message_id, article_ids, cycle"
_SELECT_POSTS = f"SELECT {_POST_COLUMNS} FROM digest_posts"


class DigestStore:
    """Digest state; shares the store's writer connection (small, infrequent writes)."""

    def __init__(
        self,
        conn: aiosqlite.Connection,
        write_lock: asyncio.Lock,
        defaults: DigestSettings | None = None,
    ) -> None:
        self._conn = conn
        self._lock = write_lock
        self.defaults = defaults or DigestSettings(guild_id=0)

    # -- settings ------------------------------------------------------------------------

    async def settings(self, guild_id: int) -> DigestSettings:
        """The guild's settings, or the configured defaults (off) if it has none yet."""
        async with self._conn.execute(f"{_SELECT_SETTINGS} WHERE guild_id = ?", (guild_id,)) as cur:
            row = await cur.fetchone()
        return _settings_from_row(row) if row else replace(self.defaults, guild_id=guild_id)

    async def enabled(self) -> list[DigestSettings]:
        """Guilds whose digest is on and has a channel, by guild id."""
        async with self._conn.execute(
            f"{_SELECT_SETTINGS} WHERE enabled = 1 AND channel_id IS NOT NULL ORDER BY guild_id"
        ) as cur:
            return [_settings_from_row(row) for row in await cur.fetchall()]

    async def save(self, settings: DigestSettings) -> None:
        """Write every setting (replacing the guild's row)."""
        async with self._lock:
            await self._conn.execute(_UPSERT_SETTINGS, _settings_values(settings))
            await self._conn.commit()

    async def update(
        self, guild_id: int, *, schedule_since: datetime | None = None, **changes: Any
    ) -> DigestSettings:
        """Change only the named settings, so a concurrent post's bookkeeping is kept.

        `schedule_since` records when the schedule was (re)set: a scheduled time before it
        is not owed, so a new schedule starts with its next occurrence.
        """
        unknown = set(changes) - (set(_SETTINGS_COLUMNS) - {"guild_id"})
        if unknown:
            raise TypeError(f"not digest settings: {', '.join(sorted(unknown))}")
        values = {k: json.dumps(list(v)) if k == "topics" else v for k, v in changes.items()}
        if schedule_since is not None:
            values["schedule_since"] = _iso(schedule_since)
        async with self._lock:
            await self._conn.execute(
                f"{_INSERT_SETTINGS}ON CONFLICT (guild_id) DO NOTHING",
                _settings_values(replace(self.defaults, guild_id=guild_id)),
            )
            if values:
                await self._conn.execute(
                    f"UPDATE digest_settings SET {', '.join(f'{k} = ?' for k in values)} "
                    "WHERE guild_id = ?",
                    (*values.values(), guild_id),
                )
            await self._conn.commit()
        return await self.settings(guild_id)

    async def schedule_since(self, guild_id: int) -> datetime | None:
        async with self._conn.execute(
            "SELECT schedule_since FROM digest_settings WHERE guild_id = ?", (guild_id,)
        ) as cur:
            row = await cur.fetchone()
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    async def record_error(self, guild_id: int, error: str, disable: bool = False) -> None:
        """Keep the last failure for /admin status; a permanent one turns the digest off."""
        sql = (
            "UPDATE digest_settings SET last_error = ?, enabled = 0, disabled_reason = ? "
            "WHERE guild_id = ?"
            if disable
            else "UPDATE digest_settings SET last_error = ? WHERE guild_id = ?"
        )
        params = (error, error, guild_id) if disable else (error, guild_id)
        async with self._lock:
            await self._conn.execute(sql, params)
            await self._conn.commit()

    # -- posts ---------------------------------------------------------------------------

    async def claim(self, post: DigestPost, now: datetime) -> bool:
        """Reserve the guild's local day before sending; False if it was already claimed."""
        async with self._lock:
            cur = await self._conn.execute(
                f"INSERT INTO digest_posts ({_POST_COLUMNS}, claimed_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (guild_id, local_date) DO NOTHING",
                (
                    post.guild_id,
                    post.local_date,
                    post.channel_id,
                    None,
                    json.dumps(list(post.article_ids)),
                    post.cycle,
                    _iso(now),
                ),
            )
            await self._conn.commit()
        return cur.rowcount == 1

    async def confirm(self, post: DigestPost, message_id: int, now: datetime) -> None:
        """The digest was sent: store its message id and mark its articles featured."""
        async with self._lock:
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                await self._conn.execute(
                    "UPDATE digest_posts SET message_id = ? WHERE guild_id = ? AND local_date = ?",
                    (message_id, post.guild_id, post.local_date),
                )
                await self._conn.executemany(
                    "INSERT OR IGNORE INTO digest_featured (guild_id, cycle, article_id) "
                    "VALUES (?, ?, ?)",
                    [(post.guild_id, post.cycle, article_id) for article_id in post.article_ids],
                )
                # max(): an older claim settled late must not move the cycle backwards.
                await self._conn.execute(
                    "UPDATE digest_settings SET cycle = max(cycle, ?), last_posted_at = ?, "
                    "last_error = NULL WHERE guild_id = ?",
                    (post.cycle, _iso(now), post.guild_id),
                )
                await self._conn.commit()
            except BaseException:
                await self._conn.rollback()
                raise

    async def release(self, guild_id: int, local_date: str) -> None:
        """Drop an unconfirmed claim (the message was never sent), so the day can retry."""
        async with self._lock:
            await self._conn.execute(
                "DELETE FROM digest_posts WHERE guild_id = ? AND local_date = ? "
                "AND message_id IS NULL",
                (guild_id, local_date),
            )
            await self._conn.commit()

    async def unconfirmed(self) -> list[DigestPost]:
        """Claims without a message id: the bot stopped between claiming and confirming."""
        async with self._conn.execute(
            f"{_SELECT_POSTS} WHERE message_id IS NULL ORDER BY guild_id, local_date"
        ) as cur:
            return [_post_from_row(row) for row in await cur.fetchall()]

    async def post(self, guild_id: int, local_date: str) -> DigestPost | None:
        """The guild's claim (confirmed or not) for that local day."""
        async with self._conn.execute(
            f"{_SELECT_POSTS} WHERE guild_id = ? AND local_date = ?", (guild_id, local_date)
        ) as cur:
            row = await cur.fetchone()
        return _post_from_row(row) if row else None

    async def last_post(self, guild_id: int, confirmed: bool = False) -> DigestPost | None:
        """The guild's latest claim, or its latest sent digest with `confirmed`."""
        where = "guild_id = ? AND message_id IS NOT NULL" if confirmed else "guild_id = ?"
        async with self._conn.execute(
            f"{_SELECT_POSTS} WHERE {where} ORDER BY local_date DESC LIMIT 1", (guild_id,)
        ) as cur:
            row = await cur.fetchone()
        return _post_from_row(row) if row else None

    async def featured(self, guild_id: int, cycle: int) -> set[str]:
        async with self._conn.execute(
            "SELECT article_id FROM digest_featured WHERE guild_id = ? AND cycle = ?",
            (guild_id, cycle),
        ) as cur:
            return {row[0] for row in await cur.fetchall()}


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _settings_values(settings: DigestSettings) -> list[Any]:
    values = [getattr(settings, c) for c in _SETTINGS_COLUMNS]
    values[_SETTINGS_COLUMNS.index("topics")] = json.dumps(list(settings.topics))
    return values


def _settings_from_row(row: Any) -> DigestSettings:
    data = dict(zip(_SETTINGS_COLUMNS, row, strict=True))
    data["topics"] = tuple(json.loads(data["topics"]))
    data["enabled"] = bool(data["enabled"])
    return DigestSettings(**data)


def _post_from_row(row: Any) -> DigestPost:
    return DigestPost(
        guild_id=row[0],
        local_date=row[1],
        channel_id=row[2],
        message_id=row[3],
        article_ids=tuple(json.loads(row[4])),
        cycle=row[5],
    )
