"""What members asked, per server, and how they voted on the answers.

No user id is stored. A vote's voter is HMAC-SHA256 of the member id under a key made once
(random, kept in `meta`): the same member always hashes the same, so one vote per member and
answer is a primary key, but the table alone does not say who voted.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import aiosqlite

from bot.models import AskedQuestion

_KEY_NAME = "vote_key"
_QUESTION_COLUMNS = "id, guild_id, asked_at, via, question, confidence, answers"
_VOTE_COUNTS = (
    "SELECT question_id, position, sum(helpful), sum(1 - helpful) FROM votes "
    "WHERE question_id IN (SELECT id FROM questions WHERE {where}) "
    "GROUP BY question_id, position"
)


class InsightsStore:
    """Questions and votes; shares the store's writer connection and its write lock."""

    def __init__(self, conn: aiosqlite.Connection, write_lock: asyncio.Lock) -> None:
        self._conn = conn
        self._lock = write_lock
        self._key: bytes | None = None

    # -- questions -----------------------------------------------------------------------

    async def record(
        self,
        guild_id: int,
        via: str,
        question: str,
        confidence: float,
        answers: Sequence[tuple[str, str]],
        now: datetime,
    ) -> int:
        """Keep a question and what answered it ([] for nothing found); returns its id."""
        async with self._lock:
            cur = await self._conn.execute(
                "INSERT INTO questions (guild_id, asked_at, via, question, confidence, answers) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    guild_id,
                    _iso(now),
                    via,
                    question,
                    confidence,
                    json.dumps([list(a) for a in answers]),
                ),
            )
            await self._conn.commit()
        assert cur.lastrowid is not None
        return cur.lastrowid

    async def question(self, question_id: int) -> AskedQuestion | None:
        """One question with its votes, or None once it was purged or forgotten."""
        found = await self._questions("id = ?", (question_id,))
        return found[0] if found else None

    async def questions(self, guild_id: int, since: datetime | None = None) -> list[AskedQuestion]:
        """A server's questions (asked at or after `since`), oldest first, with their votes."""
        if since is None:
            return await self._questions("guild_id = ?", (guild_id,))
        return await self._questions("guild_id = ? AND asked_at >= ?", (guild_id, _iso(since)))

    async def count(self, guild_id: int) -> int:
        """How many of a server's questions are kept."""
        async with self._conn.execute(
            "SELECT count(*) FROM questions WHERE guild_id = ?", (guild_id,)
        ) as cur:
            row = await cur.fetchone()
        return row[0] if row else 0

    async def guilds(self) -> list[int]:
        """Servers with questions kept."""
        async with self._conn.execute(
            "SELECT DISTINCT guild_id FROM questions ORDER BY guild_id"
        ) as cur:
            return [row[0] for row in await cur.fetchall()]

    async def _questions(self, where: str, params: tuple[Any, ...]) -> list[AskedQuestion]:
        async with self._conn.execute(
            f"SELECT {_QUESTION_COLUMNS} FROM questions WHERE {where} ORDER BY asked_at, id",
            params,
        ) as cur:
            rows = await cur.fetchall()
        async with self._conn.execute(_VOTE_COUNTS.format(where=where), params) as cur:
            counts = {(r[0], r[1]): (r[2], r[3]) for r in await cur.fetchall()}
        found = []
        for row in rows:
            answers = tuple((a[0], a[1]) for a in json.loads(row[6]))
            votes = tuple(counts.get((row[0], i), (0, 0)) for i in range(len(answers)))
            found.append(
                AskedQuestion(
                    id=row[0],
                    guild_id=row[1],
                    asked_at=datetime.fromisoformat(row[2]),
                    via=row[3],
                    text=row[4],
                    confidence=row[5],
                    answers=answers,
                    votes=votes,
                )
            )
        return found

    # -- votes ---------------------------------------------------------------------------

    async def vote(
        self, question_id: int, position: int, member_id: int, helpful: bool, now: datetime
    ) -> tuple[int, int] | None:
        """Set the member's vote on one answer (a second vote replaces the first); returns
        the answer's (helpful, not helpful) counts, or None if the question is gone."""
        voter = await self._voter(member_id)
        async with self._lock:
            cur = await self._conn.execute(
                "INSERT INTO votes (question_id, position, voter, helpful, voted_at) "
                "SELECT id, ?, ?, ?, ? FROM questions WHERE id = ? "
                "ON CONFLICT (question_id, position, voter) DO UPDATE SET "
                "helpful = excluded.helpful, voted_at = excluded.voted_at",
                (position, voter, int(helpful), _iso(now), question_id),
            )
            await self._conn.commit()
        if cur.rowcount == 0:
            return None
        return await self.counts(question_id, position)

    async def counts(self, question_id: int, position: int) -> tuple[int, int]:
        """(helpful, not helpful) votes on one answer."""
        async with self._conn.execute(
            "SELECT coalesce(sum(helpful), 0), coalesce(sum(1 - helpful), 0) FROM votes "
            "WHERE question_id = ? AND position = ?",
            (question_id, position),
        ) as cur:
            row = await cur.fetchone()
        return (row[0], row[1]) if row else (0, 0)

    async def _voter(self, member_id: int) -> str:
        key = await self._vote_key()
        return hmac.new(key, str(member_id).encode(), hashlib.sha256).hexdigest()

    async def _vote_key(self) -> bytes:
        """The HMAC key, made on first use; INSERT OR IGNORE so two processes agree on one."""
        if self._key is None:
            async with self._lock:
                await self._conn.execute(
                    "INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)",
                    (_KEY_NAME, secrets.token_hex(32)),
                )
                await self._conn.commit()
            async with self._conn.execute(
                "SELECT value FROM meta WHERE key = ?", (_KEY_NAME,)
            ) as cur:
                row = await cur.fetchone()
            assert row is not None
            self._key = bytes.fromhex(row[0])
        return self._key

    # -- retention -----------------------------------------------------------------------

    async def purge(self, before: datetime) -> int:
        """Delete questions (and their votes) asked before `before`; returns how many."""
        async with self._lock:
            cur = await self._conn.execute(
                "DELETE FROM questions WHERE asked_at < ?", (_iso(before),)
            )
            await self._conn.commit()
        return cur.rowcount

    async def forget(self, guild_id: int) -> int:
        """Erase a server's questions and votes; returns how many questions."""
        async with self._lock:
            cur = await self._conn.execute("DELETE FROM questions WHERE guild_id = ?", (guild_id,))
            await self._conn.commit()
        return cur.rowcount


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()
