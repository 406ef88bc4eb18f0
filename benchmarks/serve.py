"""A serving process, driven over stdin/stdout with one JSON object a line.

    python -m benchmarks.serve --mode bot|semantic|fts|fuzz --db PATH

It loads (bot: Library.open, i.e. Store.open + SearchEngine.load; semantic: the same with
the semantic rerank on; fts: opens the baseline
table; fuzz: reads every title and excerpt into memory), prints {"ready": ...}, then answers
requests until stdin closes:

    {"op": "ask" | "search" | "complete", "items": [...]}  -> {"lat_ms": [...]}
    {"op": "results", "items": [...]}                       -> {"results": [...]}
    {"op": "stats"}                                         -> {"hwm_mb": ..., "rss_mb": ...}

`ask` is what /ask does (bot: Library.ask, search plus answer cards; baselines: their
search); `complete` is title autocomplete (bot: Catalog.complete_title).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from benchmarks.stats import proc_status_mb

Handler = Callable[[str], Awaitable[Any]]


async def _open(mode: str, db: Path) -> dict[str, Handler]:
    if mode in ("bot", "semantic"):
        from bot.__main__ import result_json
        from bot.library import Library
        from bot.settings import Settings

        settings = Settings(db_path=db, corpus_dirs=(), semantic=mode == "semantic")
        library = await Library.open(settings, db)
        meaning = library.engine.meaning
        if meaning is not None and hasattr(meaning, "wait_cells"):  # ready once indexed
            await asyncio.to_thread(meaning.wait_cells, 600)

        async def ask(q: str) -> Any:
            return await library.ask(q)

        async def search(q: str) -> Any:
            return await library.engine.search(q, 10)

        async def complete(q: str) -> Any:
            return library.catalog.complete_title(q)

        async def results(q: str) -> Any:
            return result_json(await library.engine.search(q, 10))

        async def close(_: str) -> Any:
            await library.close()

        return {
            "ask": ask,
            "search": search,
            "complete": complete,
            "results": results,
            "close": close,
        }

    from benchmarks.baselines import FtsBaseline, FuzzBaseline

    baseline: FtsBaseline | FuzzBaseline = (
        FtsBaseline(db) if mode == "fts" else FuzzBaseline.from_db(db)
    )

    async def b_search(q: str) -> Any:
        return baseline.search(q, 10)

    async def b_complete(q: str) -> Any:
        return baseline.complete(q)

    async def b_close(_: str) -> Any:
        if isinstance(baseline, FtsBaseline):
            baseline.close()

    return {
        "ask": b_search,
        "search": b_search,
        "complete": b_complete,
        "results": b_search,
        "close": b_close,
    }


async def _serve(mode: str, db: Path) -> None:
    started = time.perf_counter()
    handlers = await _open(mode, db)
    _send(
        {
            "ready": True,
            "load_s": time.perf_counter() - started,
            "rss_mb": proc_status_mb("VmRSS"),
            "hwm_mb": proc_status_mb("VmHWM"),
        }
    )
    for line in sys.stdin:
        request = json.loads(line)
        op = request["op"]
        if op == "stats":
            _send({"hwm_mb": proc_status_mb("VmHWM"), "rss_mb": proc_status_mb("VmRSS")})
            continue
        handler = handlers[op]
        if op == "results":
            _send({"results": [await handler(q) for q in request["items"]]})
            continue
        latencies: list[float] = []
        for item in request["items"]:
            t0 = time.perf_counter()
            await handler(item)
            latencies.append((time.perf_counter() - t0) * 1000)
        _send({"lat_ms": latencies})
    await handlers["close"]("")


def _send(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.serve")
    parser.add_argument("--mode", choices=("bot", "semantic", "fts", "fuzz"), required=True)
    parser.add_argument("--db", type=Path, required=True)
    args = parser.parse_args(argv)
    asyncio.run(_serve(args.mode, args.db))
    return 0


if __name__ == "__main__":
    sys.exit(main())
