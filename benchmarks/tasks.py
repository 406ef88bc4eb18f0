"""One measured job per process, so each starts cold and has its own peak memory.

    python -m benchmarks.tasks ingest --corpus DIR --db PATH      articlebot Store.reload
    python -m benchmarks.tasks baseline --corpus DIR --db PATH    parse + plain FTS5 table
    python -m benchmarks.tasks parse --corpus DIR                 parse only (baseline 2)

Each prints one JSON object: seconds, articles, failures, peak RSS (VmHWM, MB).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from benchmarks.stats import proc_status_mb


async def _reload(corpora: list[Path], db: Path) -> dict[str, object]:
    from bot.store import Store

    async with await Store.open(db) as store:
        started = time.perf_counter()
        report = await store.reload(corpora)
        seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "articles": report.total,
        "added": len(report.added),
        "updated": len(report.updated),
        "unchanged": report.unchanged,
        "failed": [f"{f.source}: {f.reason}" for f in report.failed[:20]],
        "failures": len(report.failed),
    }


def _baseline(corpora: list[Path], db: Path | None) -> dict[str, object]:
    from benchmarks.baselines import build_fts_db, parse_corpora

    started = time.perf_counter()
    docs, failed = parse_corpora(corpora)
    parsed = time.perf_counter() - started
    if db is not None:
        build_fts_db(docs, db)
    return {
        "seconds": time.perf_counter() - started,
        "parse_seconds": parsed,
        "articles": len(docs),
        "failures": failed,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.tasks")
    parser.add_argument("job", choices=("ingest", "baseline", "parse"))
    parser.add_argument("--corpus", type=Path, action="append", required=True)
    parser.add_argument("--db", type=Path)
    args = parser.parse_args(argv)
    if args.job == "ingest":
        if args.db is None:
            parser.error("ingest needs --db")
        result = asyncio.run(_reload(args.corpus, args.db))
    else:
        result = _baseline(args.corpus, args.db if args.job == "baseline" else None)
    result["peak_rss_mb"] = proc_status_mb("VmHWM")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
