"""The model's side of search by meaning: what an embedder is.

On by default (config `semantic`, ARTICLEBOT_SEMANTIC). The embedder is bot/embed.py's
(all-MiniLM-L6-v2 as int8 ONNX, shipped in the package): nothing is fetched at run time.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol


class Embedder(Protocol):
    name: str  # stored with each vector: vectors of another model are encoded again

    def encode(self, texts: Sequence[str]) -> Any:
        """One L2-normalised float32 row per text (a numpy array)."""
        ...
