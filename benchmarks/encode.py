"""How fast a corpus's vectors are encoded: fresh `articlebot ingest` runs, medians.

    python -m benchmarks.encode [--repeats N] [--base DIR] [--shared DIR] [--work DIR]

Each run is `python -m bot ingest --corpus seeds --corpus SHARED --db FRESH` with meaning on
(a fresh database, a fresh process: the model is loaded and every article encoded on every
core), read from its `Vectors: A articles (T texts) encoded in S s` line. --base names
another checkout with its own .venv (e.g. `git worktree add /tmp/base main`): it runs too,
the two taking turns (who goes first alternates), so both see the same machine. Printed:
each run, then articles/s and texts/s as medians, the ratio to the base, and the machine's
1-minute load average before and after (the cores are shared: a load above their count
slows every figure). The last line is the JSON of it all.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.procs import ROOT, run_text
from benchmarks.stats import median

SHARED = ROOT.parent / "shared" / "corpora" / "smartable-powerapps"
VECTORS_LINE = re.compile(r"Vectors: ([\d,]+) articles \(([\d,]+) texts\) encoded in ([\d.]+) ?s")


def fresh(path: Path) -> Path:
    """`path` with no database (nor its journal files) left from an earlier run."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def python_of(root: Path) -> str:
    return sys.executable if root == ROOT else str(root / ".venv" / "bin" / "python")


def semantic_env(semantic: bool) -> dict[str, str]:
    return {"ARTICLEBOT_SEMANTIC": "1" if semantic else "0"}


def ingest(root: Path, corpora: list[Path], db: Path, semantic: bool = True) -> dict[str, Any]:
    """One `bot ingest` of `corpora` into a fresh `db` by the checkout at `root`: its wall
    time and, with meaning on, what its Vectors line says."""
    args = ["bot", "ingest", *[a for c in corpora for a in ("--corpus", str(c))]]
    env = semantic_env(semantic)
    started = time.perf_counter()
    out = run_text([*args, "--db", str(fresh(db))], 3600, root, python_of(root), env=env)
    result: dict[str, Any] = {"wall_s": time.perf_counter() - started}
    found = VECTORS_LINE.search(out)
    if found:
        articles, texts, seconds = found.groups()
        result |= {
            "articles": int(articles.replace(",", "")),
            "texts": int(texts.replace(",", "")),
            "seconds": float(seconds),
        }
    return result


def rates(runs: list[dict[str, Any]]) -> dict[str, float]:
    """Median articles/s and texts/s of the runs (each over its own Vectors seconds)."""
    done = [r for r in runs if r.get("seconds")]
    return {
        "articles_per_s": median([r["articles"] / r["seconds"] for r in done]),
        "texts_per_s": median([r["texts"] / r["seconds"] for r in done]),
        "seconds": median([r["seconds"] for r in done]),
    }


def measure(corpora: list[Path], work: Path, repeats: int, base: Path | None) -> dict[str, Any]:
    checkouts = {"this": ROOT} | ({"base": base} if base else {})
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in checkouts}
    load_before = os.getloadavg()[0]
    for i in range(repeats):
        turns = list(checkouts.items())
        for name, root in turns if i % 2 == 0 else turns[::-1]:
            run = ingest(root, corpora, work / f"encode-{name}.sqlite3")
            run["load"] = os.getloadavg()[0]
            runs[name].append(run)
            print(
                f"{name}: {run.get('articles')} articles ({run.get('texts')} texts) in "
                f"{run.get('seconds', float('nan')):.2f} s (load {run['load']:.1f})",
                flush=True,
            )
    out: dict[str, Any] = {
        "cores": os.cpu_count(),
        "load_before": load_before,
        "load_after": os.getloadavg()[0],
        "runs": runs,
    }
    for name in checkouts:
        out[name] = rates(runs[name])
    if base:
        out["ratio"] = out["this"]["articles_per_s"] / out["base"]["articles_per_s"]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs of each checkout")
    parser.add_argument("--base", type=Path, help="another checkout (with .venv) to compare")
    parser.add_argument("--shared", type=Path, default=SHARED, help="the shared corpus")
    parser.add_argument("--work", type=Path, help="where the databases go (default: a temp dir)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="encode-") as scratch:
        work = args.work or Path(scratch)
        base = args.base.resolve() if args.base else None
        result = measure([ROOT / "seeds", args.shared.resolve()], work, args.repeats, base)
    for name in ("this", "base"):
        if name in result:
            r = result[name]
            print(
                f"{name}: median {r['articles_per_s']:.1f} articles/s, "
                f"{r['texts_per_s']:.1f} texts/s ({r['seconds']:.2f} s) on {result['cores']} cores"
            )
    if "ratio" in result:
        print(f"this / base: {result['ratio']:.2f}x articles/s")
    print(f"load average {result['load_before']:.1f} before, {result['load_after']:.1f} after")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
