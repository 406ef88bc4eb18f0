"""Articles waiting for vectors -> their vectors in the store (and in the serving index).

The text of a reload commits first and is answered by its words at once; this fills in the
vectors after, a batch at a time: the articles waiting (new, changed, or encoded by another
model) are read, encoded in a worker thread (the model uses every core), and saved in one
transaction per batch, each handed to `on_saved` so the search uses them as they arrive;
the reading and saving overlap the encoding.
A reload in the middle loses nothing: an article changed since its batch was read is not
saved, and is still waiting for the next pass.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.passages import article_text, passages
from bot.semantic import Embedder
from bot.store import Store
from bot.store.embeddings import EncodeJob, StoredVector

ENCODE_BATCH = 64  # articles read, encoded and saved together
Saved = Callable[[list[StoredVector]], None]
Progress = Callable[[int, int], None]  # (done, total)


@dataclass(slots=True)
class FillReport:
    articles: int = 0  # articles encoded and saved
    texts: int = 0  # texts encoded (articles and passages)
    seconds: float = 0.0


def encode_jobs(embedder: Embedder, jobs: Sequence[EncodeJob]) -> list[StoredVector]:
    """Every vector of these articles (part 0 the article, then its passages), int8."""
    texts: list[str] = []
    owners: list[tuple[str, int]] = []
    for job in jobs:
        texts.append(article_text(job.title, job.summary, job.topics))
        owners.append((job.id, 0))
        for part, passage in enumerate(passages(job.body), start=1):
            texts.append(passage)
            owners.append((job.id, part))
    if not texts:
        return []
    from bot.search.meaning import quantise  # numpy: only a process that encodes needs it

    rows, scales = quantise(embedder.encode(texts))
    return [
        StoredVector(article_id, part, float(scale), row.tobytes())
        for (article_id, part), row, scale in zip(owners, rows, scales, strict=True)
    ]


async def fill(
    store: Store,
    embedder: Embedder,
    on_saved: Saved | None = None,
    progress: Progress | None = None,
    guard: asyncio.Lock | None = None,
    batch: int = ENCODE_BATCH,
) -> FillReport:
    """Encode and save every article waiting for vectors of this model; returns how many.

    The model never waits on the database: the next batch is read while one is encoded, and
    encoded while the one before is saved."""
    started = time.perf_counter()
    report = FillReport()
    embeddings = store.embeddings
    await embeddings.prune(embedder.name)
    total = await embeddings.pending_count(embedder.name)
    if progress is not None:
        progress(0, total)
    # Refused at this text (it changed or went while being encoded): never asked for again
    # this pass, so the loop ends; a new text of it is encoded like any other.
    refused: set[tuple[str, str]] = set()

    async def next_batch(encoding: Sequence[EncodeJob]) -> list[EncodeJob]:
        """Waiting articles not refused, and not in the batch being encoded (not saved yet)."""
        skip = refused | {(j.id, j.digest) for j in encoding}
        waiting = await embeddings.pending(embedder.name, batch + len(skip))
        return [j for j in waiting if (j.id, j.digest) not in skip][:batch]

    def encode(jobs: list[EncodeJob]) -> asyncio.Task[list[StoredVector]]:
        return asyncio.create_task(asyncio.to_thread(encode_jobs, embedder, jobs))

    jobs = await next_batch(())
    encoding = encode(jobs) if jobs else None
    try:
        while encoding is not None:
            following = await next_batch(jobs)
            vectors = await encoding
            encoding = encode(following) if following else None
            async with guard or contextlib.nullcontext():
                digests = {j.id: j.digest for j in jobs}
                saved = await embeddings.save(embedder.name, digests, vectors)
                kept = set(saved)
                if on_saved is not None:
                    on_saved([v for v in vectors if v.article_id in kept and v.part == 0])
            refused.update((j.id, j.digest) for j in jobs if j.id not in kept)
            report.articles += len(saved)
            report.texts += sum(1 for v in vectors if v.article_id in kept)
            if progress is not None:
                progress(min(report.articles, total), total)
            jobs = following
    finally:
        if encoding is not None and not encoding.done():  # stopped (cancelled) mid-batch
            encoding.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await encoding
    report.seconds = time.perf_counter() - started
    return report


def vectors_of(stored: Sequence[StoredVector]) -> tuple[list[str], Any, Any]:
    """(ids, int8 rows, scales) of stored vectors, for the serving index."""
    import numpy as np

    ids = [v.article_id for v in stored]
    if not stored:
        return ids, np.zeros((0, 0), np.int8), np.zeros(0, np.float32)
    rows = np.frombuffer(b"".join(v.vector for v in stored), dtype=np.int8)
    rows = rows.reshape(len(stored), -1)
    return ids, rows, np.array([v.scale for v in stored], dtype=np.float32)
