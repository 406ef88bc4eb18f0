"""Sentence vectors: all-MiniLM-L6-v2 as an int8 ONNX model, run by onnxruntime.

The model ships in the package (bot/data/minilm/: model.onnx, its SHA-256 in
model.onnx.sha256, tokenizer.json, the licence NOTICE); the config key `model_dir` names
another directory holding the same three files. The model file is checked against its
recorded SHA-256 on load: a damaged or replaced file is a ModelError (the bot says so in one
line and exits). If onnxruntime itself cannot be imported or cannot run the file, `load`
logs one line and the bot answers with words alone.

tools/export_minilm.py makes the shipped files. The model's output is one vector per token;
the sentence vector is their mean over the real (unpadded) tokens, L2-normalised, as
sentence-transformers computes it.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

MODEL_DIR = Path(__file__).resolve().parent / "data" / "minilm"
MODEL_FILE = "model.onnx"
CHECKSUM_FILE = "model.onnx.sha256"
TOKENIZER_FILE = "tokenizer.json"
MAX_TOKENS = 256  # the model's max_seq_length: longer texts are cut, as in training
# Texts per run of the model (a batch is padded to its longest text). Measured on this
# machine's CPU, one text a run encodes the most texts per CPU-second (batches of 8 and 32
# were 20% and 35% slower), and a text's vector then never depends on its batch-mates (int8
# activations are scaled per run). Raise it for a CPU where batches pay.
BATCH = 1


class ModelError(RuntimeError):
    """The model's files are missing or not the recorded ones; the message says what to do."""


class RuntimeUnavailable(RuntimeError):
    """onnxruntime (or tokenizers, numpy) cannot be imported or cannot run the model."""


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verified_model(model_dir: Path) -> tuple[Path, Path, str]:
    """(model file, tokenizer file, SHA-256) once the model file matches its recorded sum."""
    model, tokenizer, checksum = (
        model_dir / MODEL_FILE,
        model_dir / TOKENIZER_FILE,
        model_dir / CHECKSUM_FILE,
    )
    for path in (model, tokenizer, checksum):
        if not path.is_file():
            raise ModelError(
                f"{path}: no such file; model_dir must hold {MODEL_FILE}, {CHECKSUM_FILE} and "
                f"{TOKENIZER_FILE} (reinstall articlebot, or fix or unset model_dir)"
            )
    recorded = checksum.read_text(encoding="utf-8").split()
    actual = file_sha256(model)
    if not recorded or recorded[0].lower() != actual:
        raise ModelError(
            f"{model}: SHA-256 {actual[:16]}... is not the {recorded[0][:16] if recorded else ''}"
            f"... recorded in {CHECKSUM_FILE}: the file is damaged or replaced (reinstall "
            f"articlebot, or export the model again with tools/export_minilm.py)"
        )
    return model, tokenizer, actual


class OnnxEmbedder:
    """Encodes texts into L2-normalised float32 rows (numpy), 384 wide for MiniLM.

    `threads` is how many texts are run at once, each on one thread of its own: 1 for
    questions (a short text; the bot's other work needs the other core), every core for a
    corpus. One run on one thread each beats one run split over the cores: a text of ~65 word
    pieces is too small a job to share, and the split's threads wait on each other at every
    layer (measured 2x slower on 2 cores). The vectors are the same either way. One embedder
    may be used from several threads at once.
    """

    def __init__(self, model_dir: Path | None = None, threads: int = 1) -> None:
        model, tokenizer_file, digest = verified_model(model_dir or MODEL_DIR)
        # The name is stored beside each vector: another model file encodes everything again.
        self.name = f"onnx-{digest[:16]}"
        self.path = model
        try:
            import numpy as np
            import onnxruntime
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise RuntimeUnavailable(f"cannot import {exc.name or exc}") from exc
        self._np = np
        tokenizer = Tokenizer.from_file(str(tokenizer_file))
        tokenizer.enable_truncation(MAX_TOKENS)
        tokenizer.enable_padding(pad_id=tokenizer.token_to_id("[PAD]") or 0)  # to the longest
        self._tokenizer = tokenizer
        options = onnxruntime.SessionOptions()
        self.threads = max(1, threads)
        options.intra_op_num_threads = 1  # see the class docstring: the runs share the cores
        options.inter_op_num_threads = 1
        options.log_severity_level = 3  # errors only: nothing on stderr while it works
        try:
            self._session = onnxruntime.InferenceSession(
                str(model), options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime raises its own types for a file it cannot run
            first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc)
            raise RuntimeUnavailable(f"onnxruntime cannot load {model}: {first_line}") from exc
        self._inputs = {i.name for i in self._session.get_inputs()}

    def encode(self, texts: Sequence[str], batch_size: int = BATCH) -> Any:
        """One row per text, in order. Texts of like length are batched together (less
        padding); `threads` runs go at once (onnxruntime lets go of the GIL while it runs)."""
        np = self._np
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        runs = [order[start : start + batch_size] for start in range(0, len(order), batch_size)]

        def encode_share(share: list[list[int]]) -> None:
            for rows in share:
                out[rows] = self._encode_batch([texts[i] for i in rows])

        workers = min(self.threads, len(runs))
        if workers <= 1:
            encode_share(runs)
        else:
            # Every workers-th run of the length-sorted list: each share as long as the others.
            with ThreadPoolExecutor(workers, thread_name_prefix="encode") as pool:
                list(pool.map(encode_share, [runs[k::workers] for k in range(workers)]))
        return out

    @functools.cached_property
    def dimensions(self) -> int:
        return int(self._encode_batch(["dimensions"]).shape[1])

    def _encode_batch(self, texts: list[str]) -> Any:
        np = self._np
        encodings = self._tokenizer.encode_batch(texts)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feed = {
            "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
            "attention_mask": mask,
            "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
        }
        [tokens] = self._session.run(None, {k: v for k, v in feed.items() if k in self._inputs})
        # Mean over the real tokens (the padding is masked out), then unit length.
        weights = mask[:, :, None].astype(np.float32)
        pooled = (tokens * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)


@functools.cache
def _cached(model_dir: Path | None, threads: int) -> OnnxEmbedder:
    return OnnxEmbedder(model_dir, threads)


def load_embedder(model_dir: Path | None = None, threads: int = 1) -> OnnxEmbedder | None:
    """The embedder, or None (logged in one line) when onnxruntime cannot run it.

    Raises ModelError for missing or damaged model files: an install or config to fix. Kept
    per process: a reload, or a second Library in the same process, reuses the loaded model.
    """
    try:
        return _cached(model_dir, threads)
    except RuntimeUnavailable as exc:
        log.warning("semantic search is off, answering with words alone: %s", exc)
        return None
