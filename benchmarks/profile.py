"""Where the time goes: function-level hot spots of /ask, search, autocomplete and ingest.

    python -m benchmarks.profile ask --size 10000        pyinstrument, in-process
    python -m benchmarks.profile complete --size 100000
    python -m benchmarks.profile ingest --size 10000     py-spy over a cold ingest (all threads)

Run `python -m benchmarks --sizes N` first: it leaves the corpus and databases under
benchmarks/out/. Needs the `bench` extra (pyinstrument, py-spy). Prints the share of
sampled time per function, inclusive and self, best first.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks import queries
from benchmarks.procs import ROOT

OUT = Path(__file__).resolve().parent / "out"
_FRAME = re.compile(r"(.*) \((.*?):\d+\)$")


def _short(path: str) -> str:
    return path.split("site-packages/")[-1].replace(str(ROOT) + "/", "")


def print_table(inclusive: Counter[str], own: Counter[str], total: float, top: int) -> None:
    print(f"{'incl %':>7} {'self %':>7}  function")
    for name, value in inclusive.most_common(top):
        print(f"{100 * value / total:7.1f} {100 * own[name] / total:7.1f}  {name}")


def _walk(frame: Any, inclusive: Counter[str], own: Counter[str], seen: frozenset[str]) -> None:
    name = f"{_short(frame.file_path_short or frame.file_path or '?')}:{frame.function}"
    if name not in seen:  # recursion counts once
        inclusive[name] += frame.time
    calls = [c for c in frame.children if not str(c.function).startswith("[")]
    own[name] += max(frame.time - sum(c.time for c in calls), 0.0)  # "[self]" frames too
    for child in calls:
        _walk(child, inclusive, own, seen | {name})


async def _serve_profile(op: str, work: Path, count: int, top: int) -> None:
    from pyinstrument import Profiler

    from bot.library import Library
    from bot.settings import Settings

    conn = sqlite3.connect(f"file:{work / 'fts.sqlite3'}?mode=ro", uri=True)
    docs = conn.execute("SELECT title, excerpt FROM docs ORDER BY id").fetchall()
    conn.close()
    asks = queries.ask_queries(docs, count)
    prefixes = queries.prefixes([d[0] for d in docs], count * 2)
    db = work / "bot.sqlite3"
    library = await Library.open(Settings(db_path=db, corpus_dirs=(), semantic=False), db)
    try:
        for q in asks[:10]:  # warm caches
            await library.ask(q)
        profiler = Profiler(interval=0.0005, async_mode="disabled")
        profiler.start()
        if op == "ask":
            for q in asks:
                await library.ask(q)
        elif op == "search":
            for q in asks:
                await library.engine.search(q, 10)
        else:
            for prefix in prefixes:
                library.catalog.complete_title(prefix)
        session = profiler.stop()
    finally:
        await library.close()
    root = session.root_frame()
    n = len(prefixes) if op == "complete" else len(asks)
    print(f"{op}: {n} calls, {1000 * session.duration / n:.2f} ms each on average (wall)")
    print("(time in epoll.poll = waiting for SQLite in aiosqlite's thread)")
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    if root is not None:
        _walk(root, inclusive, own, frozenset())
    print_table(inclusive, own, session.duration, top)


def _ingest_profile(corpus: Path, top: int) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as tmp:
        raw = Path(tmp) / "ingest.raw"
        job = [sys.executable, "-m", "benchmarks.tasks", "ingest"]
        job += ["--corpus", str(corpus), "--db", str(Path(tmp) / "db.sqlite3")]
        spy = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or "py-spy"
        subprocess.run(
            [spy, "record", "-r", "250", "--format", "raw", "-o", str(raw), "--", *job],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        inclusive: Counter[str] = Counter()
        own: Counter[str] = Counter()
        total = 0
        for line in raw.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            samples = int(count)
            total += samples
            names = []
            for frame in stack.split(";"):
                match = _FRAME.match(frame)
                names.append(f"{_short(match.group(2))}:{match.group(1)}" if match else frame)
            for name in set(names):
                inclusive[name] += samples
            own[names[-1]] += samples
    print(f"ingest of {corpus}: {total} samples over all threads (parse runs in a worker")
    print("thread, SQL in aiosqlite's; self time in _connection_worker_thread = SQLite itself)")
    print_table(inclusive, own, total, top)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile", description=__doc__)
    parser.add_argument("op", choices=("ask", "search", "complete", "ingest"))
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--queries", type=int, default=150)
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args(argv)
    corpus = OUT / f"corpus-{args.size}-s{args.seed}"
    work = OUT / f"db-{args.size}-s{args.seed}"
    if not corpus.is_dir() or not (work / "bot.sqlite3").is_file():
        parser.error(
            f"no benchmark data for {args.size}: run python -m benchmarks --sizes {args.size}"
        )
    if args.op == "ingest":
        _ingest_profile(corpus, args.top)
    else:
        asyncio.run(_serve_profile(args.op, work, args.queries, args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
