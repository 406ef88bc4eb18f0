"""Search by meaning at scale: /ask latency, memory and the index's recall at 100,000 articles.

    python -m benchmarks.meaning_scale fill --db BIG --real REAL
    python -m benchmarks.meaning_scale serve --db BIG [--base DIR] [--rounds 3] [--json OUT]
    python -m benchmarks.meaning_scale recall --db BIG [--json OUT]

BIG is a words-only database of the seeds, the shared corpus and a generated corpus (e.g.
`benchmarks.tasks ingest --corpus seeds --corpus ../shared/corpora/smartable-powerapps
--corpus benchmarks/out/corpus-100000-s1 --db BIG`); REAL is a database of the seeds and the
shared corpus whose vectors the real model encoded (`articlebot ingest` with semantic on).

Encoding 100,000 generated articles with the real model takes too long here, so `fill` gives
them synthetic vectors instead, built from the real ones so they cluster as real text does:
half are a real article's vector plus noise, half a mix of two real articles' plus noise
(cosine to their nearest real vector about 0.6-0.95), int8 like the real ones, and each
article gets as many passage vectors as its body has passages. The real articles keep their
real vectors. Questions are always encoded by the real model, so their encoding is timed.

`serve` times /ask (Library.ask) in serving processes that take turns: words only, meaning on
(this code) and, with --base, meaning on with the code in DIR (an older checkout with its own
.venv) on the same database. `recall` compares the index's nearest rows with a full scan for
the real questions, and scores the question set at this size with and without cells.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.procs import Server
from benchmarks.queries import ask_cases
from benchmarks.score_questions import (
    DEFAULT_QUESTIONS,
    clean_query,
    load_questions,
    score_splits,
)
from benchmarks.stats import summary

SEED = 1
WIDTH = 384


def model_name() -> str:
    """The name the shipped model's vectors are stored under."""
    from bot.embed import OnnxEmbedder

    return OnnxEmbedder(threads=1).name


def model_of(db: Path) -> str | None:
    """The model of a database's vectors (None: it has none)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        row = conn.execute("SELECT model FROM embeddings LIMIT 1").fetchone()
    finally:
        conn.close()
    return row[0] if row else None


def _synthetic(real: Any, count: int, rng: np.random.Generator) -> Any:
    """`count` unit rows near the real ones: a real row or a mix of two, plus noise."""
    a = real[rng.integers(0, len(real), count)]
    b = real[rng.integers(0, len(real), count)]
    mix = rng.uniform(0, 1, (count, 1)).astype(np.float32) * (rng.random((count, 1)) < 0.5)
    noise = rng.standard_normal((count, real.shape[1])).astype(np.float32)
    noise /= np.linalg.norm(noise, axis=1, keepdims=True)
    rows = (1 - mix) * a + mix * b + rng.uniform(0.3, 1.0, (count, 1)).astype(np.float32) * noise
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def fill(db: Path, real_db: Path, batch: int = 5000) -> dict[str, Any]:
    """Vectors for every article of `db`: copied from `real_db` where it has them (same id),
    synthetic otherwise."""
    from bot.passages import passages
    from bot.search.meaning import quantise

    model = model_name()
    real = sqlite3.connect(f"file:{real_db}?mode=ro", uri=True)
    real_rows = real.execute(
        "SELECT article_id, part, scale, vector FROM embeddings WHERE model = ?", (model,)
    ).fetchall()
    real.close()
    if not real_rows:
        raise SystemExit(f"{real_db} has no vectors of {model}")
    copied = {(r[0], r[1]): (r[2], r[3]) for r in real_rows}
    base = np.vstack([np.frombuffer(r[3], np.int8).astype(np.float32) * r[2] for r in real_rows])
    base /= np.linalg.norm(base, axis=1, keepdims=True)
    rng = np.random.default_rng(SEED)
    conn = sqlite3.connect(db)
    conn.execute("DELETE FROM embeddings")
    articles = conn.execute(
        "SELECT a.id, f.hash, a.body FROM articles a "
        "JOIN files f ON f.corpus = a.corpus AND f.source = a.source ORDER BY a.id"
    )
    counts = {"articles": 0, "real": 0, "rows": 0}
    while chunk := articles.fetchmany(batch):
        out: list[tuple[str, int, str, str, float, bytes]] = []
        fresh: list[tuple[str, int, str]] = []
        for article_id, digest, body in chunk:
            if (article_id, 0) in copied:
                counts["real"] += 1
                for (i, part), (scale, vector) in copied.items():
                    if i == article_id:
                        out.append((i, part, model, digest, scale, vector))
                continue
            for part in range(1 + len(passages(body))):
                fresh.append((article_id, part, digest))
        rows, scales = quantise(_synthetic(base, len(fresh), rng))
        for (article_id, part, digest), row, scale in zip(fresh, rows, scales, strict=True):
            out.append((article_id, part, model, digest, float(scale), row.tobytes()))
        conn.executemany("INSERT INTO embeddings VALUES (?, ?, ?, ?, ?, ?)", out)
        counts["articles"] += len(chunk)
        counts["rows"] += len(out)
    conn.commit()
    conn.close()
    return counts


def _workload(db: Path, count: int) -> list[str]:
    """The real questions, then /ask questions drawn from the generated articles' titles."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    docs = conn.execute("SELECT title, summary FROM articles ORDER BY id").fetchall()
    conn.close()
    real = [clean_query(q.q) for q in load_questions(DEFAULT_QUESTIONS)]
    return real + [c.query for c in ask_cases(docs, count)]


def serve(db: Path, base: Path | None, rounds: int, generated: int) -> dict[str, Any]:
    """/ask latency and peak memory of each system, taking turns on the same questions."""
    asks = _workload(db, generated)
    systems: dict[str, Server] = {}
    try:
        systems["words only"] = Server("bot", db)
        systems["meaning on"] = Server("semantic", db)
        if base is not None:
            systems["meaning on, base"] = Server(
                "semantic", db, root=base, python=str(base / ".venv" / "bin" / "python")
            )
        latencies: dict[str, list[float]] = {name: [] for name in systems}
        for server in systems.values():  # warm, not recorded
            server.request("ask", asks[:10])
        for _ in range(rounds):
            for name, server in systems.items():
                latencies[name] += server.request("ask", asks)["lat_ms"]
        out: dict[str, Any] = {"questions": len(asks), "rounds": rounds}
        for name, server in systems.items():
            out[name] = {**server.footprint(), "ask": summary(latencies[name])}
        return out
    finally:
        for server in systems.values():
            server.close()


async def _recall(db: Path) -> dict[str, Any]:
    """The index's nearest rows beside a full scan's, and the question set scored with each."""
    from bot.__main__ import result_json
    from bot.library import Library
    from bot.search.meaning import MeaningSearcher
    from bot.settings import Settings

    library = await Library.open(Settings(db_path=db, corpus_dirs=(), semantic=True), db)
    try:
        cells = library.engine.meaning
        assert cells is not None
        if not cells.wait_cells(600) or not cells.has_cells:
            raise SystemExit("the index built no cells (fewer rows than its threshold?)")
        full = MeaningSearcher(cells.embedder, len(cells), cells_from=float("inf"))
        full.add(*cells.rows())
        questions = load_questions(DEFAULT_QUESTIONS)
        vectors = cells.embedder.encode([clean_query(q.q) for q in questions])
        k, found, top1, t_cells, t_full = 20, 0, 0, [], []
        for vector in vectors:
            exact = _timed(t_full, full.nearest, vector, k)
            near = _timed(t_cells, cells.nearest, vector, k)
            found += len({key for key, _ in near} & {key for key, _ in exact})
            top1 += near[0][0] == exact[0][0]
        similar = _similar_recall(library, cells, full)
        scored: dict[str, Any] = {}
        for name, searcher in (("cells", cells), ("full scan", full)):
            library.engine.meaning = searcher
            results = [
                result_json(await library.engine.search(clean_query(q.q), 10)) for q in questions
            ]
            reports = score_splits(questions, results)
            scored[name] = {split: r.to_dict(detail=False) for split, r in reports.items()}
        return {
            "rows": len(cells),
            "questions": len(vectors),
            "recall_at_20": found / (k * len(vectors)),
            "top1_same": top1 / len(vectors),
            "nearest_ms_cells": summary(t_cells),
            "nearest_ms_full": summary(t_full),
            "similar": similar,
            "scored": scored,
        }
    finally:
        await library.close()


def _timed(times: list[float], call: Any, *args: Any) -> Any:
    """`call(*args)`, its milliseconds appended to `times`."""
    started = time.perf_counter()
    result = call(*args)
    times.append((time.perf_counter() - started) * 1000)
    return result


def _similar_recall(library: Any, cells: Any, full: Any, k: int = 3) -> dict[str, Any]:
    """Each real article's `k` nearest articles (its related links, "More like this") by the
    cells beside a full scan's, and the time each takes."""
    generated = re.compile(r"^\d{3}/\d{6}-")  # benchmarks.generate's file names
    real = [e.id for e in library.engine.catalog.entries if not generated.match(e.source)]
    found, t_cells, t_full = 0, [], []
    for key in real:
        exact = _timed(t_full, full.similar, key, k)
        near = _timed(t_cells, cells.similar, key, k)
        found += len({i for i, _ in near} & {i for i, _ in exact})
    return {
        "articles": len(real),
        "recall_at_3": found / (k * len(real)) if real else None,
        "ms_cells": summary(t_cells),
        "ms_full": summary(t_full),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.meaning_scale", description=__doc__)
    parser.add_argument("job", choices=("fill", "serve", "recall"))
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--real", type=Path, help="fill: database with the real vectors")
    parser.add_argument("--base", type=Path, help="serve: an older checkout with its .venv")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--generated", type=int, default=200, help="serve: generated asks")
    parser.add_argument("--json", type=Path, help="also write the result here")
    args = parser.parse_args(argv)
    if args.job == "fill":
        if args.real is None:
            parser.error("fill needs --real")
        result = fill(args.db, args.real)
    elif args.job == "serve":
        result = serve(args.db, args.base, args.rounds, args.generated)
    else:
        result = asyncio.run(_recall(args.db))
    text = json.dumps(result, default=str)
    print(text)  # one line: procs.run_json reads it
    if args.json is not None:
        args.json.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
