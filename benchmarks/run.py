"""`python -m benchmarks`: speed, size and quality beside the baselines -> RESULTS.md.

    python -m benchmarks                          1,000 and 10,000 articles
    python -m benchmarks --sizes 1000,10000,100000
    python -m benchmarks --quick --out /tmp/b     CI smoke: 200 articles, few queries

Generated corpora and databases go under benchmarks/out/ (git-ignored) and are reused
while the generator's output is unchanged; --quick works in OUT/work instead.
"""

from __future__ import annotations

import argparse
import json
import logging
import shlex
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks import quality, report, speed
from benchmarks.stats import machine
from benchmarks.targets import END, START
from benchmarks.textmodel import build_model

HERE = Path(__file__).resolve().parent
log = logging.getLogger("benchmarks")


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a list of sizes: {text!r}") from exc
    if not sizes or min(sizes) < 20:
        raise argparse.ArgumentTypeError("sizes must be at least 20 articles")
    return sizes


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--sizes", type=_sizes, default=None, help="default 1000,10000")
    parser.add_argument("--quick", action="store_true", help="seconds-long smoke run")
    parser.add_argument("--out", type=Path, default=HERE, help="where RESULTS.md goes")
    parser.add_argument("--work", type=Path, default=None, help="corpora and databases")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-quality", action="store_true", help="skip the question set")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)

    sizes = args.sizes or ([200] if args.quick else [1000, 10_000])
    work = args.work or (args.out / "work" if args.quick else HERE / "out")
    args.out.mkdir(parents=True, exist_ok=True)
    command = "python -m benchmarks " + shlex.join(list(argv) if argv is not None else sys.argv[1:])
    started = time.perf_counter()
    results: dict[str, Any] = {
        "command": command.strip(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "quick": args.quick,
        "seed": args.seed,
        "sizes": {},
    }
    model = build_model()
    for n in sizes:
        results["sizes"][str(n)] = speed.bench_size(n, args.seed, work, args.quick, model)
        _save(args.out, work, results)  # a long run keeps what it measured so far
    if not args.no_quality:
        log.info("quality: the question set")
        results["quality"] = quality.run(work / "quality", quick=args.quick)
    results["elapsed_s"] = time.perf_counter() - started
    _save(args.out, work, results)
    log.info("wrote %s", args.out / "RESULTS.md")
    return 0


def _save(out: Path, work: Path, results: dict[str, Any]) -> None:
    work.mkdir(parents=True, exist_ok=True)
    (work / "results.json").write_text(json.dumps(results, indent=1, default=str) + "\n")
    # The targets of issue 9 (`python -m benchmarks.targets`) head the file: kept.
    kept = ""
    old = out / "RESULTS.md"
    if old.is_file() and START in (text := old.read_text(encoding="utf-8")):
        kept = START + text.split(START, 1)[1].split(END, 1)[0] + END + "\n\n"
    title, _, rest = report.render(results).partition("\n")
    old.write_text(f"{title}\n\n{kept}{rest.lstrip()}" if kept else report.render(results))


if __name__ == "__main__":
    sys.exit(main())
