"""Score a searcher against the hand-written question set (``benchmarks/questions.jsonl``).

Run the project's CLI once in batch mode and print a Markdown table::

    python -m benchmarks.score_questions [--questions FILE] [--db PATH] [--limit 10]
        [--json OUT] [--misses] [--cmd "articlebot search"] [--timing] [--results FILE]

The CLI contract (``--cmd`` is the command up to and including the ``search`` subcommand)::

    <cmd> --batch FILE --json --limit N [--db PATH] [--timing]

FILE holds one query a line (UTF-8, ``\\n`` line ends). The CLI writes one JSON object a line
on stdout, in the same order::

    {"query": str, "answered": bool, "confidence": float,
     "hits": [{"id", "source", "title", "score"}], "elapsed_ms": float (optional)}

Another searcher (a baseline, say) is scored with the same code by building that list of result
dicts itself and calling :func:`score` (or :func:`results_from_callable` for a plain function).

Metrics, per kind and overall, over answerable questions: hit@1, hit@3, MRR@10. A hit is a hit
whose ``source`` is one of the question's ``expect`` files (compared as path suffixes, so
``seeds/002_x.txt`` or an absolute path matches ``002_x.txt``); ``answered: false`` is a miss.
Over ``no_answer`` questions: accuracy (fraction with ``answered: false``). Over all questions,
with "said nothing found" as the positive class: no-answer precision and recall. Median and p95
latency when results carry ``elapsed_ms``.

The set is split once, by a fixed rule, into a tuning half and a held-out half
(:func:`split_of`: the first byte of the SHA-256 of the question text, UTF-8, even -> tuning,
odd -> held-out). Tune on the first, decide by the second: the CLI prints every figure for
all questions and for each half (``--split`` scores one half alone).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_QUESTIONS = Path(__file__).resolve().parent / "questions.jsonl"
DEFAULT_CMD: tuple[str, ...] = (sys.executable, "-m", "bot", "search")

NO_ANSWER = "no_answer"
KINDS: tuple[str, ...] = (
    "paraphrase",
    "keyword",
    "typo",
    "partial_title",
    "topic",
    "related",
    "person",
    "who_where_when",
    NO_ANSWER,
)
TUNING = "tuning"
HELD_OUT = "held_out"
SPLITS: tuple[str, ...] = (TUNING, HELD_OUT)
MRR_K = 10

# Every character str.splitlines() breaks on, so a query can never span two lines of the batch
# file whichever way the CLI splits it, plus NUL and other C0 controls.
_LINE_BREAKS = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"
_CONTROL = "".join(chr(c) for c in range(32)) + "\x7f"


def clean_query(text: str) -> str:
    """One line of text: line breaks and control characters become spaces, runs collapse."""
    table = {ord(ch): " " for ch in _LINE_BREAKS + _CONTROL}
    return " ".join(text.translate(table).split())


@dataclass(frozen=True)
class Question:
    q: str
    kind: str
    expect: tuple[str, ...]

    @property
    def answerable(self) -> bool:
        return bool(self.expect)

    @classmethod
    def from_obj(cls, obj: Question | Mapping[str, Any], where: str = "") -> Question:
        if isinstance(obj, Question):
            return obj
        prefix = f"{where}: " if where else ""
        if not isinstance(obj, Mapping):
            raise ValueError(f"{prefix}expected a JSON object, got {type(obj).__name__}")
        missing = {"q", "kind", "expect"} - set(obj)
        if missing:
            raise ValueError(f"{prefix}missing key(s) {sorted(missing)}")
        q, kind, expect = obj["q"], obj["kind"], obj["expect"]
        if not isinstance(q, str) or not clean_query(q):
            raise ValueError(f"{prefix}'q' must be a non-empty string")
        if kind not in KINDS:
            raise ValueError(f"{prefix}unknown kind {kind!r} (one of {', '.join(KINDS)})")
        if not isinstance(expect, list | tuple) or not all(
            isinstance(s, str) and s for s in expect
        ):
            raise ValueError(f"{prefix}'expect' must be a list of non-empty strings")
        if (kind == NO_ANSWER) != (not expect):
            raise ValueError(f"{prefix}'expect' must be empty exactly when kind is {NO_ANSWER}")
        return cls(q=q, kind=kind, expect=tuple(expect))


def split_of(question: Question | str) -> str:
    """The half a question belongs to, fixed by its text alone so it never moves: the first
    byte of SHA-256 over ``q`` as written in the file (UTF-8) even -> tuning, odd -> held-out."""
    text = question.q if isinstance(question, Question) else question
    return TUNING if hashlib.sha256(text.encode("utf-8")).digest()[0] % 2 == 0 else HELD_OUT


def in_split(questions: Iterable[Question], split: str) -> list[Question]:
    """The questions of one half (``split`` in SPLITS), in file order; "all" keeps them all."""
    if split == "all":
        return list(questions)
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r} (one of all, {', '.join(SPLITS)})")
    return [q for q in questions if split_of(q) == split]


def load_questions(path: Path | str) -> list[Question]:
    questions: list[Question] = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{where}: invalid JSON: {exc}") from exc
            questions.append(Question.from_obj(obj, where))
    return questions


def _norm_source(source: str) -> str:
    text = source.replace("\\", "/").strip()
    while text.startswith("./"):
        text = text[2:]
    return text


def source_matches(source: object, expected: str) -> bool:
    """True when ``source`` names the expected file: equal, or ending in ``/`` + expected."""
    if not isinstance(source, str) or not source:
        return False
    got, want = _norm_source(source), _norm_source(expected)
    return got == want or got.endswith("/" + want)


@dataclass(frozen=True)
class Outcome:
    """How the searcher did on one question."""

    question: Question
    answered: bool
    rank: int | None  # 1-based rank of the first expected source within the top MRR_K; None
    top: tuple[str, ...]  # sources of the top 3 hits
    elapsed_ms: float | None

    def hit_at(self, k: int) -> bool:
        return self.rank is not None and self.rank <= k

    def is_miss(self, k: int = 3) -> bool:
        if self.question.answerable:
            return not self.hit_at(k)
        return self.answered

    def to_dict(self) -> dict[str, Any]:
        return {
            "q": self.question.q,
            "kind": self.question.kind,
            "expect": list(self.question.expect),
            "answered": self.answered,
            "rank": self.rank,
            "top3": list(self.top),
            "elapsed_ms": self.elapsed_ms,
        }


@dataclass(frozen=True)
class RankMetrics:
    n: int
    hit1: float | None
    hit3: float | None
    mrr10: float | None
    answered: float | None  # fraction of these answerable questions the searcher answered

    @classmethod
    def of(cls, outcomes: Sequence[Outcome]) -> RankMetrics:
        n = len(outcomes)
        if not n:
            return cls(0, None, None, None, None)
        return cls(
            n=n,
            hit1=sum(o.hit_at(1) for o in outcomes) / n,
            hit3=sum(o.hit_at(3) for o in outcomes) / n,
            mrr10=sum(1.0 / o.rank for o in outcomes if o.rank is not None) / n,
            answered=sum(o.answered for o in outcomes) / n,
        )


@dataclass(frozen=True)
class NoAnswerMetrics:
    n: int  # number of no_answer questions
    accuracy: float | None  # of no_answer questions, fraction with answered=false
    precision: float | None  # of all "nothing found" replies, fraction on no_answer questions
    recall: float | None  # same as accuracy: of no_answer questions, fraction "nothing found"
    said_nothing: int  # how many questions (of any kind) got answered=false

    @classmethod
    def of(cls, outcomes: Sequence[Outcome]) -> NoAnswerMetrics:
        truly = [o for o in outcomes if not o.question.answerable]
        said = [o for o in outcomes if not o.answered]
        true_pos = sum(1 for o in said if not o.question.answerable)
        rate = true_pos / len(truly) if truly else None
        return cls(
            n=len(truly),
            accuracy=rate,
            precision=true_pos / len(said) if said else None,
            recall=rate,
            said_nothing=len(said),
        )


@dataclass(frozen=True)
class Latency:
    n: int
    median_ms: float | None
    p95_ms: float | None

    @classmethod
    def of(cls, values: Iterable[float]) -> Latency:
        data = sorted(values)
        if not data:
            return cls(0, None, None)
        p95 = data[max(0, math.ceil(0.95 * len(data)) - 1)]  # nearest rank
        return cls(len(data), statistics.median(data), p95)


@dataclass
class Report:
    outcomes: list[Outcome]
    by_kind: dict[str, RankMetrics]
    overall: RankMetrics
    no_answer: NoAnswerMetrics
    latency: Latency
    meta: dict[str, Any] = field(default_factory=dict)

    def misses(self, k: int = 3) -> list[Outcome]:
        return [o for o in self.outcomes if o.is_miss(k)]

    def to_dict(self, miss_k: int = 3, detail: bool = True) -> dict[str, Any]:
        """The figures; with ``detail``, also the misses and every question's outcome."""

        def rank_dict(m: RankMetrics) -> dict[str, Any]:
            return {
                "n": m.n,
                "hit@1": m.hit1,
                "hit@3": m.hit3,
                "mrr@10": m.mrr10,
                "answered_rate": m.answered,
            }

        kinds: dict[str, Any] = {kind: rank_dict(m) for kind, m in self.by_kind.items()}
        kinds[NO_ANSWER] = {"n": self.no_answer.n, "no_answer_accuracy": self.no_answer.accuracy}
        figures: dict[str, Any] = {
            **self.meta,
            "n": len(self.outcomes),
            "kinds": kinds,
            "overall": {
                **rank_dict(self.overall),
                "no_answer_accuracy": self.no_answer.accuracy,
                "no_answer_precision": self.no_answer.precision,
                "no_answer_recall": self.no_answer.recall,
                "said_nothing_found": self.no_answer.said_nothing,
            },
            "latency_ms": {
                "n": self.latency.n,
                "median": self.latency.median_ms,
                "p95": self.latency.p95_ms,
            },
        }
        if detail:
            figures["miss_k"] = miss_k
            figures["misses"] = [o.to_dict() for o in self.misses(miss_k)]
            figures["per_question"] = [o.to_dict() for o in self.outcomes]
        return figures

    def to_markdown(self) -> str:
        def pct(value: float | None) -> str:
            return "–" if value is None else f"{value:.3f}"

        lines = [
            "| kind | n | hit@1 | hit@3 | MRR@10 | answered | no-answer acc |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for kind, m in self.by_kind.items():
            lines.append(
                f"| {kind} | {m.n} | {pct(m.hit1)} | {pct(m.hit3)} | {pct(m.mrr10)} "
                f"| {pct(m.answered)} | – |"
            )
        na = self.no_answer
        lines.append(f"| {NO_ANSWER} | {na.n} | – | – | – | – | {pct(na.accuracy)} |")
        o = self.overall
        lines.append(
            f"| **overall** | {len(self.outcomes)} | {pct(o.hit1)} | {pct(o.hit3)} "
            f"| {pct(o.mrr10)} | {pct(o.answered)} | {pct(na.accuracy)} |"
        )
        lines.append("")
        lines.append(
            f"No-answer (positive = said nothing found): precision {pct(na.precision)}, "
            f"recall {pct(na.recall)}; said nothing found on {na.said_nothing} of "
            f"{len(self.outcomes)} questions."
        )
        lat = self.latency
        if lat.n:
            lines.append(
                f"Latency over {lat.n} queries: median {lat.median_ms:.1f} ms, "
                f"p95 {lat.p95_ms:.1f} ms."
            )
        else:
            lines.append("Latency: results carry no elapsed_ms.")
        return "\n".join(lines)

    def misses_markdown(self, k: int = 3) -> str:
        misses = self.misses(k)
        lines = [
            f"### Misses ({len(misses)}; answerable: no expected source in the top {k} "
            "or answered=false; no_answer: answered=true)",
            "",
        ]
        for o in misses:
            expect = list(o.question.expect[:3])
            if len(o.question.expect) > 3:
                expect.append(f"(+{len(o.question.expect) - 3} more)")
            rank = f"rank {o.rank}" if o.rank is not None else "not in top 10"
            state = "answered" if o.answered else "nothing found"
            lines.append(
                f"- [{o.question.kind}] `{o.question.q}` — {state}"
                + (f", {rank}" if o.question.answerable else "")
            )
            lines.append(f"  - expected: {', '.join(expect) if expect else '(nothing)'}")
            lines.append(f"  - got: {', '.join(o.top) if o.top else '(no hits)'}")
        return "\n".join(lines)


def _outcome(question: Question, result: Mapping[str, Any], k: int) -> Outcome:
    answered = bool(result.get("answered"))
    raw_hits = result.get("hits") or []
    hits = [h for h in raw_hits if isinstance(h, Mapping)][:k]
    sources = [h.get("source") for h in hits]
    rank = None
    if answered and question.answerable:
        for position, source in enumerate(sources, 1):
            if any(source_matches(source, want) for want in question.expect):
                rank = position
                break
    elapsed = result.get("elapsed_ms")
    elapsed_ms = (
        float(elapsed)
        if isinstance(elapsed, int | float) and not isinstance(elapsed, bool)
        else None
    )
    return Outcome(
        question=question,
        answered=answered,
        rank=rank,
        top=tuple(str(s) for s in sources[:3]),
        elapsed_ms=elapsed_ms,
    )


def score(
    questions: Sequence[Question | Mapping[str, Any]],
    results: Sequence[Mapping[str, Any]],
    k: int = MRR_K,
) -> Report:
    """Score result dicts (same order as ``questions``) and return the report."""
    parsed = [Question.from_obj(q, f"question {i}") for i, q in enumerate(questions, 1)]
    if len(parsed) != len(results):
        raise ValueError(f"{len(parsed)} questions but {len(results)} results")
    outcomes = [_outcome(q, r, k) for q, r in zip(parsed, results, strict=True)]
    answerable = [o for o in outcomes if o.question.answerable]
    by_kind = {
        kind: RankMetrics.of([o for o in answerable if o.question.kind == kind])
        for kind in KINDS
        if kind != NO_ANSWER and any(o.question.kind == kind for o in answerable)
    }
    return Report(
        outcomes=outcomes,
        by_kind=by_kind,
        overall=RankMetrics.of(answerable),
        no_answer=NoAnswerMetrics.of(outcomes),
        latency=Latency.of(o.elapsed_ms for o in outcomes if o.elapsed_ms is not None),
    )


def score_splits(
    questions: Sequence[Question | Mapping[str, Any]],
    results: Sequence[Mapping[str, Any]],
    k: int = MRR_K,
) -> dict[str, Report]:
    """Score all questions and each half that has any: {"all": ..., "tuning": ..., ...}."""
    parsed = [Question.from_obj(q, f"question {i}") for i, q in enumerate(questions, 1)]
    if len(parsed) != len(results):
        raise ValueError(f"{len(parsed)} questions but {len(results)} results")
    reports = {"all": score(parsed, results, k)}
    for split in SPLITS:
        pairs = [(q, r) for q, r in zip(parsed, results, strict=True) if split_of(q) == split]
        if pairs:
            reports[split] = score([q for q, _ in pairs], [r for _, r in pairs], k)
    return reports


def splits_markdown(reports: Mapping[str, Report]) -> str:
    """One table per report, headed by its half."""
    titles = {"all": "All questions", TUNING: "Tuning half", HELD_OUT: "Held-out half"}
    parts = []
    for name, report in reports.items():
        parts.append(f"### {titles.get(name, name)} ({len(report.outcomes)} questions)")
        parts.append("")
        parts.append(report.to_markdown())
        parts.append("")
    return "\n".join(parts).rstrip("\n")


def results_from_callable(
    questions: Sequence[Question | Mapping[str, Any]],
    search: Callable[[str], Mapping[str, Any]],
) -> list[dict[str, Any]]:
    """Run a pure-Python searcher on every question; adds ``elapsed_ms`` when it is missing."""
    results: list[dict[str, Any]] = []
    for i, obj in enumerate(questions, 1):
        query = clean_query(Question.from_obj(obj, f"question {i}").q)
        start = time.perf_counter()
        result = dict(search(query))
        result.setdefault("elapsed_ms", (time.perf_counter() - start) * 1000.0)
        result.setdefault("query", query)
        results.append(result)
    return results


def write_batch(queries: Iterable[str], path: Path) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        for query in queries:
            handle.write(clean_query(query) + "\n")


def parse_results(text: str) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"output line {number} is not JSON: {line[:200]!r}") from exc
        if not isinstance(obj, dict):
            raise ValueError(f"output line {number} is not a JSON object")
        results.append(obj)
    return results


def run_cli(
    cmd: Sequence[str],
    queries: Sequence[str],
    *,
    db: str | None = None,
    limit: int = MRR_K,
    timing: bool = False,
    timeout: float | None = None,
    env: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Run ``cmd --batch FILE --json --limit N [--db PATH] [--timing]`` once; parse its output.

    `env` adds to (or overrides) this process's environment."""
    sent = [clean_query(q) for q in queries]
    with tempfile.TemporaryDirectory(prefix="score-questions-") as tmp:
        batch = Path(tmp) / "queries.txt"
        write_batch(sent, batch)
        argv = [*cmd, "--batch", str(batch), "--json", "--limit", str(limit)]
        if db:
            argv += ["--db", db]
        if timing:
            argv.append("--timing")
        full_env = {**os.environ, "PYTHONIOENCODING": "utf-8", "PYTHONUTF8": "1", **(env or {})}
        proc = subprocess.run(
            argv, cwd=ROOT, env=full_env, capture_output=True, timeout=timeout, check=False
        )
    stdout = proc.stdout.decode("utf-8", errors="replace")
    stderr = proc.stderr.decode("utf-8", errors="replace")
    if proc.returncode != 0:
        raise RuntimeError(f"{shlex.join(argv)} exited with {proc.returncode}:\n{stderr[-2000:]}")
    results = parse_results(stdout)
    if len(results) != len(sent):
        raise RuntimeError(
            f"sent {len(sent)} queries but got {len(results)} result lines\n{stderr[-2000:]}"
        )
    for i, (query, result) in enumerate(zip(sent, results, strict=True), 1):
        echoed = result.get("query")
        if isinstance(echoed, str) and clean_query(echoed) != query:
            print(f"warning: result {i} echoes {echoed!r}, sent {query!r}", file=sys.stderr)
    return results


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.score_questions",
        description="Score the search CLI on the hand-written question set.",
    )
    parser.add_argument(
        "--questions",
        type=Path,
        default=DEFAULT_QUESTIONS,
        help="question set, JSON Lines (default: %(default)s)",
    )
    parser.add_argument("--db", help="database path passed to the CLI as --db")
    parser.add_argument("--limit", type=int, default=MRR_K, help="hits asked for (default 10)")
    parser.add_argument(
        "--json",
        dest="json_out",
        type=Path,
        metavar="OUT",
        help="write the numbers (and misses, per-question outcomes) as JSON",
    )
    parser.add_argument(
        "--cmd",
        help="search command up to and including the subcommand "
        f"(default: {shlex.join(DEFAULT_CMD)!r})",
    )
    parser.add_argument(
        "--timing", action="store_true", help="pass --timing to the CLI so results carry elapsed_ms"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=1800.0,
        help="seconds before the CLI run is killed (default %(default)s)",
    )
    parser.add_argument(
        "--results",
        type=Path,
        metavar="FILE",
        help="score saved result lines (JSON Lines) instead of running the CLI",
    )
    parser.add_argument(
        "--split",
        choices=("all", *SPLITS),
        default="all",
        help="score only one half of the set (default: all, reported whole and per half)",
    )
    parser.add_argument("--misses", action="store_true", help="list the misses")
    parser.add_argument(
        "--miss-k",
        type=int,
        default=3,
        help="an answerable question is a miss without a hit in the top K (default 3)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    questions = in_split(load_questions(args.questions), args.split)
    if args.results:
        results = parse_results(args.results.read_text(encoding="utf-8"))
        command = None
    else:
        cmd = shlex.split(args.cmd) if args.cmd else list(DEFAULT_CMD)
        results = run_cli(
            cmd,
            [q.q for q in questions],
            db=args.db,
            limit=args.limit,
            timing=args.timing,
            timeout=args.timeout,
        )
        command = shlex.join(cmd)
    reports = score_splits(questions, results)
    if args.split != "all":
        reports = {args.split: reports[args.split]}
    report = reports["all"] if args.split == "all" else reports[args.split]
    report.meta.update(
        {
            "questions": str(args.questions),
            "split": args.split,
            "command": command,
            "db": args.db,
            "limit": args.limit,
        }
    )
    print(splits_markdown(reports))
    if args.misses:
        print()
        print(report.misses_markdown(args.miss_k))
    if args.json_out:
        numbers = report.to_dict(args.miss_k)
        numbers["splits"] = {
            name: r.to_dict(args.miss_k, detail=False)
            for name, r in reports.items()
            if name != "all"
        }
        args.json_out.parent.mkdir(parents=True, exist_ok=True)
        args.json_out.write_text(
            json.dumps(numbers, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
