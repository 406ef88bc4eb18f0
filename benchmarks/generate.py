"""Deterministic synthetic corpora in the three seed shapes, for benchmarks.

    python -m benchmarks.generate --n 1000 --out benchmarks/out/corpus-1000 --seed 1

Article i is drawn from its own random stream (seeded by `seed` and i), so the same seed
gives the same bytes whatever the worker count, and the first 1,000 articles of a 10,000
corpus are the 1,000 corpus. Shapes follow a fixed cycle: 12 in 20 frontmatter markdown,
5 plain text, 3 scraped pages. Files go in folders of 1,000 (`000/`, `001/`, ...).
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import os
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks.shapes import (
    Content,
    render_frontmatter,
    render_plaintext,
    render_scraped,
    slug,
)
from benchmarks.textmodel import TextModel, build_model

SHAPES = ("frontmatter", "plaintext", "scraped")
_FIRST_NAMES = "Blake Ana Wei Priya Tomas Amara Lena Jonas Mei Omar Sara Yuki Ravi Elena".split()
_MODEL: TextModel | None = None  # set in the parent before workers fork


@dataclass(frozen=True, slots=True)
class GeneratedFile:
    path: str  # relative to the corpus directory, POSIX separators
    shape: str
    data: bytes


def shape_of(index: int) -> str:
    slot = index % 20
    return "frontmatter" if slot < 12 else "plaintext" if slot < 17 else "scraped"


def _lognormal_words(rng: random.Random, median: float, sigma: float, low: int, high: int) -> int:
    return max(low, min(high, int(rng.lognormvariate(math.log(median), sigma))))


def _paragraphs(model: TextModel, rng: random.Random, n_words: int) -> list[str]:
    out: list[str] = []
    count = 0
    while count < n_words:
        paragraph = model.paragraph(rng, rng.randint(1, 5))
        out.append(paragraph)
        count += paragraph.count(" ") + 1
    return out


def make_content(model: TextModel, rng: random.Random, shape: str) -> Content:
    title = model.title(rng)
    if shape == "plaintext":
        paragraphs = _paragraphs(model, rng, _lognormal_words(rng, 600, 0.5, 150, 2500))
    elif shape == "scraped":
        paragraphs = [model.words(rng, _lognormal_words(rng, 180, 0.35, 60, 400))]
    elif rng.random() < 0.25:  # frontmatter with an HTML body, like the community samples
        paragraphs = _paragraphs(model, rng, _lognormal_words(rng, 120, 0.6, 30, 600))
    else:
        paragraphs = []
    headings = {
        i: " ".join(model.title(rng).split()[:5])
        for i in range(3, len(paragraphs), 4)
        if shape == "plaintext" and rng.random() < 0.5
    }
    topics = tuple(dict.fromkeys(rng.choice(model.topics) for _ in range(rng.randint(1, 3))))
    related = tuple(model.title(rng) for _ in range(rng.choice((0, 0, 1, 2))))
    quality = rng.randint(-1, 150)
    return Content(
        title=title,
        excerpt=model.excerpt(rng),
        body_paragraphs=tuple(paragraphs),
        headings=headings,
        provider=rng.choice(model.providers),
        author=f"{rng.choice(_FIRST_NAMES)} {model.rare_noun(rng)}",
        topics=topics,
        type=rng.choice(model.types),
        date=(
            rng.randint(2018, 2025),
            rng.randint(1, 12),
            rng.randint(1, 28),
            rng.randint(0, 23),
            rng.randint(0, 59),
        ),
        related_titles=related,
        quality=quality,
        heat=quality + rng.randint(0, 40),
    )


def generate_one(model: TextModel, seed: int, index: int) -> GeneratedFile:
    rng = random.Random(f"articlebot-bench:{seed}:{index}")
    shape = shape_of(index)
    content = make_content(model, rng, shape)
    if shape == "frontmatter":
        text, ext = render_frontmatter(content, rng), "md"
    elif shape == "plaintext":
        text, ext = render_plaintext(content, rng), "txt"
    else:
        text, ext = render_scraped(content, rng), "txt"
    path = f"{index // 1000:03d}/{index:06d}-{slug(content.title, 48)}.{ext}"
    return GeneratedFile(path, shape, text.encode("utf-8"))


def _write_range(args: tuple[int, int, int, str]) -> int:
    start, stop, seed, out = args
    assert _MODEL is not None
    root = Path(out)
    for index in range(start, stop):
        generated = generate_one(_MODEL, seed, index)
        target = root / generated.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(generated.data)
    return stop - start


def generate_corpus(
    n: int, out: Path, seed: int = 1, workers: int | None = None, model: TextModel | None = None
) -> Path:
    """Write `n` articles under `out` (created); returns `out`."""
    global _MODEL
    _MODEL = model or _MODEL or build_model()
    out.mkdir(parents=True, exist_ok=True)
    chunks = [(s, min(s + 1000, n), seed, str(out)) for s in range(0, n, 1000)]
    workers = workers if workers is not None else min(os.cpu_count() or 1, 4)
    if workers <= 1 or len(chunks) <= 1:
        for chunk in chunks:
            _write_range(chunk)
    else:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for _ in pool.imap_unordered(_write_range, chunks):
                pass
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.generate", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--n", type=int, required=True, help="number of articles")
    parser.add_argument("--out", type=Path, required=True, help="output directory")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=None, help="processes (default: cores)")
    args = parser.parse_args(argv)
    if args.n < 1:
        parser.error("--n must be at least 1")
    generate_corpus(args.n, args.out, args.seed, args.workers)
    print(f"{args.n} articles written to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
