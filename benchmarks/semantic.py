"""What the optional semantic rerank gains and costs, beside the lexical default.

Run by `python -m benchmarks --semantic` (needs `pip install -e '.[semantic]'`), on the
question set's database: quality per question kind through the CLI (as quality.py runs
the default), the first load that encodes every article, and a serving process's
start-up, memory and latency on the same questions, each beside the lexical default.
Install size is what the extra adds to the default install, from the installed
distributions' file lists.
"""

from __future__ import annotations

import importlib.metadata as metadata
import importlib.util
import re
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.procs import Server
from benchmarks.score_questions import clean_query, load_questions, run_cli, score
from benchmarks.stats import summary

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*")


def available() -> bool:
    return importlib.util.find_spec("onnxruntime") is not None


def _requirements(name: str, extra: str | None = None) -> set[str]:
    """Names of the distributions `name` (with `extra`) needs, itself included."""
    seen: set[str] = set()
    todo = [(name, extra)]
    while todo:
        current, wanted = todo.pop()
        key = current.lower().replace("_", "-")
        if wanted is None and key in seen:
            continue
        try:
            dist = metadata.distribution(current)
        except metadata.PackageNotFoundError:
            continue  # an optional requirement that is not installed
        seen.add(key)
        for requirement in dist.requires or []:
            spec, _, marker = requirement.partition(";")
            # Another extra's requirement is not needed; a platform's counts if installed.
            if "extra ==" in marker and (wanted is None or wanted not in marker):
                continue
            match = _NAME.match(spec.strip())
            if match:
                todo.append((match.group(0), None))
    return seen


def _installed_bytes(name: str) -> int:
    dist = metadata.distribution(name)
    total = 0
    for file in dist.files or []:
        path = Path(str(dist.locate_file(file)))
        if path.is_file():
            total += path.stat().st_size
    return total


def install_size() -> dict[str, Any]:
    """Bytes the `semantic` extra's distributions add to the default install's."""
    default = _requirements("articlebot")
    with_extra = _requirements("articlebot", "semantic")
    added = sorted(with_extra - default)
    sizes = {name: _installed_bytes(name) for name in added}
    biggest = sorted(sizes.items(), key=lambda item: -item[1])[:6]
    return {
        "distributions": len(added),
        "added_mb": sum(sizes.values()) / 1e6,
        "default_mb": sum(_installed_bytes(name) for name in default) / 1e6,
        "biggest": [(name, size / 1e6) for name, size in biggest],
    }


def _serve(mode: str, db: Path, queries: list[str], rounds: int) -> dict[str, Any]:
    server = Server(mode, db)
    try:
        server.request("ask", queries[:10])  # warm, not recorded
        latencies: list[float] = []
        for _ in range(rounds):
            latencies += server.request("ask", queries)["lat_ms"]
        stats = server.request("stats")
        return {
            "ready_s": server.ready_s,
            "load_s": server.ready["load_s"],
            "peak_rss_mb": stats["hwm_mb"],
            "ask": summary(latencies),
        }
    finally:
        server.close()


def run(work: Path, lexical_db: Path, questions_path: Path, quick: bool) -> dict[str, Any]:
    """Score and time the rerank on a copy of the question set's database."""
    questions = load_questions(questions_path)
    db = work / "semantic.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(lexical_db, db)
    queries = [q.q for q in questions]
    started = time.perf_counter()
    # The first run encodes every article (and stores the vectors); the second reuses them.
    results = run_cli(
        [sys.executable, "-m", "bot", "search"],
        queries,
        db=str(db),
        timing=True,
        timeout=3600,
        env={"ARTICLEBOT_SEMANTIC": "1"},
    )
    first_run_s = time.perf_counter() - started
    report = score(questions, results).to_dict()
    report.pop("per_question", None)
    report["misses"] = len(report.get("misses", []))
    asks = [clean_query(q) for q in queries]
    rounds = 1 if quick else 3
    serving = {mode: _serve(mode, db, asks, rounds) for mode in ("bot", "semantic")}
    return {
        "system": report,
        "first_run_s": first_run_s,
        "serving": serving,
        "install": install_size(),
    }
