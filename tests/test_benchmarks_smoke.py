"""A seconds-long smoke of the benchmarks: generated corpora, and `python -m benchmarks --quick`."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from benchmarks.generate import SHAPES, generate_corpus, shape_of
from benchmarks.textmodel import SHARED_CORPUS, TextModel, build_model
from bot import ingest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(
    not SHARED_CORPUS.is_dir(), reason=f"the generator learns from {SHARED_CORPUS}"
)


@pytest.fixture(scope="module")
def model() -> TextModel:
    return build_model()


def _files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_every_generated_file_parses_as_its_shape(tmp_path: Path, model: TextModel) -> None:
    corpus = generate_corpus(100, tmp_path / "corpus", seed=1, workers=1, model=model)

    shapes: Counter[str] = Counter()
    for path in ingest.iter_corpus_files(corpus):
        article = ingest.parse_file(path, corpus)  # raises IngestError on any failure
        index = int(path.name.split("-", 1)[0])
        assert article.shape == shape_of(index), path
        assert article.title and (article.body or article.summary), path
        shapes[article.shape] += 1

    assert sum(shapes.values()) == 100
    assert set(shapes) == set(SHAPES)


def test_same_seed_gives_the_same_bytes(tmp_path: Path, model: TextModel) -> None:
    one = generate_corpus(60, tmp_path / "one", seed=7, workers=1, model=model)
    two = generate_corpus(60, tmp_path / "two", seed=7, workers=2, model=model)
    other = generate_corpus(60, tmp_path / "other", seed=8, workers=1, model=model)

    assert _files(one) == _files(two)
    assert _files(one) != _files(other)


@pytest.mark.heavy
def test_quick_benchmark_writes_its_tables(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]

    results = (tmp_path / "RESULTS.md").read_text(encoding="utf-8")
    for heading in (
        "## Targets",
        "## Ingest and reload",
        "## Size on disk",
        "## Serving process",
        "## Latency (ms)",
        "## Answers at scale",
        "## Quality",
        "### articlebot by half",
    ):
        assert heading in results
    assert "| 200 | cold ingest (s) |" in results
    found = json.loads((tmp_path / "work" / "results.json").read_text())["sizes"]["200"]["serving"]
    # Questions drawn from the corpus's own titles: most find their article.
    assert found["bot"]["found"]["source_in_top3"] > 0.5
    assert "Produced by `python -m benchmarks --quick" in results
