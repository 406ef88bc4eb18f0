"""The targets of issue 9 (search by meaning), each beside a baseline measured in the same run.

    python -m benchmarks.targets --base DIR --work DIR [--only STEP,...] [--out RESULTS.md]

DIR for --base is a checkout of the code before (`git worktree add /tmp/base d43a374`) with
its own .venv (`python -m venv .venv && .venv/bin/pip install -e .`). Steps, each saved in
WORK/targets.json as it ends (--only reruns some, the others are kept):

- quality: `benchmarks.score_questions` on the seeds + the shared corpus, each half, words
  only and words + meaning (the model's vectors, encoded by `articlebot ingest`).
- encode: the vectors of the same corpus encoded by `articlebot ingest` on every core,
  this code and the base.
- ingest: words-only cold ingest (Store.reload into a fresh database, one process per job)
  of generated corpora, the two checkouts taking turns.
- serve, recall: `benchmarks.meaning_scale` at 100,000 generated articles (+ the real
  ones) with synthetic vectors: /ask latency and peak memory of words only, meaning on and
  the base's meaning on; the index's recall against a full scan.
- install: `benchmarks.install_size`.

The Markdown goes at the top of RESULTS.md (between markers), the rest of it is kept.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks import encode, install_size, meaning_scale
from benchmarks.encode import fresh as _fresh
from benchmarks.encode import python_of as _python
from benchmarks.encode import semantic_env as _semantic_env
from benchmarks.generate import generate_corpus
from benchmarks.procs import ROOT, run_json, run_text
from benchmarks.stats import machine, median

log = logging.getLogger("benchmarks.targets")
HERE = Path(__file__).resolve().parent
SHARED = ROOT.parent / "shared" / "corpora" / "smartable-powerapps"
REAL = [ROOT / "seeds", SHARED]  # --shared replaces the second
STEPS = ("quality", "encode", "ingest", "serve", "recall", "install")
START, END = "<!-- targets:start -->", "<!-- targets:end -->"


def _ingest_real(root: Path, db: Path, semantic: bool) -> dict[str, Any]:
    return encode.ingest(root, REAL, db, semantic)


def step_quality(work: Path, base: Path) -> dict[str, Any]:
    db = work / "real.sqlite3"
    ingest = _ingest_real(ROOT, db, semantic=True)
    out: dict[str, Any] = {"db": str(db), "ingest": ingest}
    for system, semantic in (("words", False), ("meaning", True)):
        for split in ("tuning", "held_out"):
            target = work / f"quality-{system}-{split}.json"
            args = ["--db", str(db), "--split", split, "--timing", "--json", str(target)]
            run_text(["benchmarks.score_questions", *args], env=_semantic_env(semantic))
            figures = json.loads(target.read_text())
            figures.pop("per_question", None)
            figures.pop("misses", None)
            out[f"{system}/{split}"] = figures
    return out


def step_encode(work: Path, base: Path, repeats: int = 2) -> dict[str, Any]:
    """Vectors of the real corpus encoded by `articlebot ingest`, taking turns
    (`benchmarks.encode`)."""
    out = encode.measure(REAL, work, repeats, base)
    # The model's own rate on every core: what no encoding code could beat on this CPU.
    out["model"] = run_json(["benchmarks.model_cost", "--questions", "20", "--json"])
    return out


def step_ingest(work: Path, base: Path, sizes: list[int], repeats: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for n in sizes:
        corpus = work / f"corpus-{n}"
        if not corpus.is_dir():
            generate_corpus(n, corpus, 1)
        times: dict[str, list[float]] = {"this": [], "base": []}
        turns = (("this", ROOT), ("base", base))
        for i in range(repeats if n <= 10_000 else max(1, repeats // 2)):
            for name, root in turns if i % 2 == 0 else turns[::-1]:  # who goes first alternates
                db = _fresh(work / f"ingest-{name}.sqlite3")
                # The last run's database (445 MB at 100k) is written back before this one
                # starts: measured at 1.2x, the run after another paid for its writes.
                os.sync()
                args = ["benchmarks.tasks", "ingest", "--corpus", str(corpus), "--db", str(db)]
                result = run_json(args, root=root, python=_python(root))
                if result["failures"] or result["articles"] != n:
                    raise RuntimeError(f"{name} ingest of {n}: {result}")
                times[name].append(result["seconds"])
        out[str(n)] = {
            "this_s": median(times["this"]),
            "base_s": median(times["base"]),
            "runs": times,
        }
    return out


def step_serve(work: Path, base: Path, rounds: int) -> dict[str, Any]:
    big = _big(work)
    return meaning_scale.serve(big, base, rounds, generated=200)


def step_recall(work: Path, base: Path) -> dict[str, Any]:
    big = _big(work)
    return run_json(["benchmarks.meaning_scale", "recall", "--db", str(big)])


def _big(work: Path, n: int = 100_000) -> Path:
    """Words-only database of the real corpus + n generated articles, with vectors."""
    big = work / f"mixed-{n}.sqlite3"
    if big.is_file():
        if meaning_scale.model_of(big) != meaning_scale.model_name():
            meaning_scale.fill(big, _real(work))  # another model file: its vectors again
        return big
    corpus = work / f"corpus-{n}"
    if not corpus.is_dir():
        generate_corpus(n, corpus, 1)
    real = _real(work)
    building = work / f"mixed-{n}.building.sqlite3"
    corpora = [a for c in (*REAL, corpus) for a in ("--corpus", str(c))]
    run_json(["benchmarks.tasks", "ingest", *corpora, "--db", str(_fresh(building))])
    meaning_scale.fill(building, real)
    shutil.move(building, big)
    return big


def _real(work: Path) -> Path:
    """The real corpus with the model's vectors (the quality step's database)."""
    real = work / "real.sqlite3"
    if not real.is_file() or meaning_scale.model_of(real) != meaning_scale.model_name():
        _ingest_real(ROOT, real, semantic=True)
    return real


def _run(name: str, fn: Callable[[], dict[str, Any]], results: dict[str, Any]) -> None:
    log.info("step %s", name)
    started = time.perf_counter()
    load = os.getloadavg()[0]
    results[name] = fn() | {
        "elapsed_s": time.perf_counter() - started,
        "load_before": load,
        "load_after": os.getloadavg()[0],
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": _commit(ROOT),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.targets", description=__doc__)
    parser.add_argument("--base", type=Path, required=True)
    parser.add_argument("--work", type=Path, default=HERE / "out" / "targets")
    parser.add_argument("--only", default=",".join(STEPS))
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument("--shared", type=Path, default=SHARED, help="the shared corpus")
    args = parser.parse_args(argv)
    if not args.shared.is_dir():
        parser.error(f"{args.shared}: no such corpus (--shared)")
    REAL[1] = args.shared.resolve()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    args.work.mkdir(parents=True, exist_ok=True)
    saved = args.work / "targets.json"
    results: dict[str, Any] = json.loads(saved.read_text()) if saved.is_file() else {}
    base = args.base.resolve()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    jobs: dict[str, Callable[[], dict[str, Any]]] = {
        "quality": lambda: step_quality(args.work, base),
        "encode": lambda: step_encode(args.work, base),
        "ingest": lambda: step_ingest(args.work, base, sizes, args.repeats),
        "serve": lambda: step_serve(args.work, base, args.rounds),
        "recall": lambda: step_recall(args.work, base),
        "install": lambda: install_size.measure(),
    }
    for name in filter(None, args.only.split(",")):  # --only "": the Markdown again
        _run(name, jobs[name], results)
        results["machine"] = machine()
        results["commit"] = _commit(ROOT)
        results["base_commit"] = _commit(base)
        saved.write_text(json.dumps(results, indent=1, default=str) + "\n")
    from benchmarks.targets_report import render

    _write(args.out, render(results))
    log.info("wrote %s", args.out)
    return 0


def _commit(root: Path) -> str:
    done = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    )
    return done.stdout.strip()


def _write(out: Path, section: str) -> None:
    """Put the section at the top of `out` (replacing an earlier one), keeping the rest."""
    text = out.read_text(encoding="utf-8") if out.is_file() else "# Benchmark results\n"
    if START in text and END in text:
        head, rest = text.split(START, 1)
        text = head + START + "\n" + section + "\n" + END + rest.split(END, 1)[1]
    else:
        title, _, rest = text.partition("\n")
        text = f"{title}\n\n{START}\n{section}\n{END}\n{rest}"
    out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
