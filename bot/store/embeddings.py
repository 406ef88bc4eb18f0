"""Sentence vectors of articles and their passages, by model, in SQLite.

Part 0 is the article's vector (title, summary, topics); parts 1, 2, ... are its body's
passages. Each row keeps the content hash of the file it was encoded from: an article whose
file changed, or whose vectors are of another model, waits to be encoded again. Vectors are
int8 with a scale (vector ≈ scale * values).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

import aiosqlite

# Articles loaded from a file, with the hash of that file: what a vector must match.
_CURRENT = (
    "SELECT a.id, f.hash FROM articles a "
    "JOIN files f ON f.corpus = a.corpus AND f.source = a.source"
)
_PENDING = (
    f"SELECT c.id, c.hash FROM ({_CURRENT}) AS c WHERE NOT EXISTS ("
    "SELECT 1 FROM embeddings e WHERE e.article_id = c.id AND e.part = 0 "
    "AND e.model = ? AND e.digest = c.hash)"
)

_ARTICLE_VECTORS = (
    "SELECT e.article_id, e.scale, e.vector FROM embeddings e "
    f"JOIN ({_CURRENT}) AS c ON c.id = e.article_id AND c.hash = e.digest "
    "WHERE e.part = 0 AND e.model = ?"
)

_STALE = (
    "SELECT EXISTS (SELECT 1 FROM embeddings WHERE model != ? "
    "OR article_id NOT IN (SELECT id FROM articles))"
)


@dataclass(frozen=True, slots=True)
class EncodeJob:
    """An article waiting for vectors: what to encode, and the file hash it was read at."""

    id: str
    digest: str
    title: str
    summary: str
    topics: tuple[str, ...]
    body: str


@dataclass(frozen=True, slots=True)
class StoredVector:
    article_id: str
    part: int
    scale: float
    vector: bytes  # int8 values


class EmbeddingStore:
    """Shares the store's connections: reads on the reader, writes under the write lock."""

    def __init__(
        self, reader: aiosqlite.Connection, writer: aiosqlite.Connection, lock: asyncio.Lock
    ) -> None:
        self._reader = reader
        self._writer = writer
        self._lock = lock

    async def pending_count(self, model: str) -> int:
        """How many articles still wait for vectors of `model`."""
        rows = await self._reader.execute_fetchall(f"SELECT count(*) FROM ({_PENDING})", (model,))
        return next(iter(rows))[0]

    async def pending(self, model: str, limit: int) -> list[EncodeJob]:
        """Up to `limit` articles waiting for vectors of `model`, with their text."""
        rows = await self._reader.execute_fetchall(
            "SELECT p.id, p.hash, a.title, a.summary, a.topics, a.body "
            f"FROM ({_PENDING} LIMIT ?) AS p JOIN articles a ON a.id = p.id",
            (model, limit),
        )
        return [
            EncodeJob(r[0], r[1], r[2], r[3], tuple(t for t in r[4].split("\n") if t), r[5])
            for r in rows
        ]

    async def save(
        self, model: str, digests: dict[str, str], vectors: Sequence[StoredVector]
    ) -> list[str]:
        """Replace the vectors of these articles (id -> the hash they were encoded at), in
        one transaction; returns the ids saved.

        An article whose file changed or went away since it was read is skipped: its new
        text waits to be encoded (nothing stale is kept, nothing is encoded twice for it).
        """
        async with self._lock:
            db = self._writer
            await db.execute("BEGIN IMMEDIATE")
            try:
                current: list[str] = []
                for article_id, digest in digests.items():
                    async with db.execute(
                        "SELECT 1 FROM articles a JOIN files f "
                        "ON f.corpus = a.corpus AND f.source = a.source "
                        "WHERE a.id = ? AND f.hash = ?",
                        (article_id, digest),
                    ) as cur:
                        if await cur.fetchone() is not None:
                            current.append(article_id)
                keep = set(current)
                await db.executemany(
                    "DELETE FROM embeddings WHERE article_id = ?", [(i,) for i in current]
                )
                await db.executemany(
                    "INSERT INTO embeddings (article_id, part, model, digest, scale, vector) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    [
                        (v.article_id, v.part, model, digests[v.article_id], v.scale, v.vector)
                        for v in vectors
                        if v.article_id in keep
                    ],
                )
                await db.commit()
            except BaseException:
                await db.rollback()
                raise
        return current

    async def article_vectors(self, model: str) -> list[StoredVector]:
        """The current article vectors (part 0) of `model`."""
        rows = await self._reader.execute_fetchall(_ARTICLE_VECTORS, (model,))
        return [StoredVector(r[0], 0, r[1], r[2]) for r in rows]

    async def article_vector_pages(
        self, model: str, page: int = 1024
    ) -> AsyncIterator[list[StoredVector]]:
        """The current article vectors of `model`, a page at a time: all 100,000 at once
        would hold ~70 MB of row objects beside the index's own 40 MB copy."""
        async with self._reader.execute(_ARTICLE_VECTORS, (model,)) as cursor:
            while rows := await cursor.fetchmany(page):
                yield [StoredVector(r[0], 0, r[1], r[2]) for r in rows]

    async def passage_vectors(self, model: str, article_ids: Sequence[str]) -> list[StoredVector]:
        """The passage vectors (parts 1, 2, ...) of these articles, of `model`."""
        if not article_ids:
            return []
        marks = ", ".join("?" * len(article_ids))
        rows = await self._reader.execute_fetchall(
            "SELECT article_id, part, scale, vector FROM embeddings "
            f"WHERE model = ? AND part > 0 AND article_id IN ({marks})",
            (model, *article_ids),
        )
        return [StoredVector(r[0], r[1], r[2], r[3]) for r in rows]

    async def prune(self, model: str) -> None:
        """Drop the vectors of articles gone from the corpus, and of any other model."""
        # Looked for first: a reader (`articlebot ask`) with nothing to drop never writes, so
        # it never waits on another process's reload.
        stale = await self._reader.execute_fetchall(_STALE, (model,))
        if not next(iter(stale))[0]:
            return
        async with self._lock:
            await self._writer.execute(
                "DELETE FROM embeddings WHERE model != ? "
                "OR article_id NOT IN (SELECT id FROM articles)",
                (model,),
            )
            await self._writer.commit()
