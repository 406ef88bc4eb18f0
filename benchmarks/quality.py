"""Answer quality on the hand-written question set, articlebot beside both baselines.

articlebot is run as people run it: `python -m bot ingest` over seeds + the shared corpus,
then one `python -m bot search --batch` (via score_questions.run_cli). The baselines parse
the same corpora with bot.ingest and answer in-process; all three are scored by
score_questions.score.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import Any

from benchmarks.baselines import FtsBaseline, FuzzBaseline, build_fts_db, parse_corpora
from benchmarks.procs import ROOT, run_text
from benchmarks.report import SYSTEMS
from benchmarks.score_questions import (
    DEFAULT_QUESTIONS,
    HELD_OUT,
    SPLITS,
    TUNING,
    Question,
    load_questions,
    results_from_callable,
    run_cli,
    score_splits,
)
from benchmarks.textmodel import SHARED_CORPUS

SEEDS = ROOT / "seeds"


def run(
    work: Path, quick: bool = False, questions_path: Path = DEFAULT_QUESTIONS
) -> dict[str, Any]:
    questions = load_questions(questions_path)
    if quick:  # a smoke run: a quarter of each kind still fills every table
        questions = _sample(questions, every=4)
    corpora = [SEEDS, SHARED_CORPUS]
    work.mkdir(parents=True, exist_ok=True)
    db = work / "bot.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    ingest_args = ["bot", "ingest", "--db", str(db)]
    for corpus in corpora:
        ingest_args += ["--corpus", str(corpus)]
    # The words alone, ingest included (no vectors encoded): `python -m benchmarks.targets`
    # scores words + meaning beside them.
    words_only = {"ARTICLEBOT_SEMANTIC": "0"}
    ingest_report = run_text(ingest_args, env=words_only).strip().splitlines()[0]

    results: dict[str, list[dict[str, Any]]] = {}
    results["bot"] = run_cli(
        [sys.executable, "-m", "bot", "search"],
        [q.q for q in questions],
        db=str(db),
        limit=10,
        timing=True,
        timeout=1800,
        env=words_only,
    )
    docs, _ = parse_corpora(corpora)
    build_fts_db(docs, work / "fts.sqlite3")
    fts = FtsBaseline(work / "fts.sqlite3")
    try:
        results["fts"] = results_from_callable(questions, lambda q: fts.search(q, 10))
    finally:
        fts.close()
    fuzz = FuzzBaseline([(d.source, d.title, d.excerpt) for d in docs])
    results["fuzz"] = results_from_callable(questions, lambda q: fuzz.search(q, 10))

    out: dict[str, Any] = {
        "questions": len(questions),
        "questions_file": str(questions_path.relative_to(ROOT))
        if questions_path.is_relative_to(ROOT)
        else str(questions_path),
        "corpora": [str(c) for c in corpora],
        "ingest": ingest_report,
        "systems": {},
    }
    for system, system_results in results.items():
        reports = score_splits(questions, system_results)
        report = reports["all"].to_dict()
        report.pop("per_question", None)
        report["misses"] = len(report.get("misses", []))
        report["splits"] = {
            split: reports[split].to_dict(detail=False) for split in SPLITS if split in reports
        }
        out["systems"][system] = report
    return out


def _sample(questions: list[Question], every: int) -> list[Question]:
    """Every `every`-th question of each kind, in file order."""
    seen: Counter[str] = Counter()
    kept = []
    for question in questions:
        if seen[question.kind] % every == 0:
            kept.append(question)
        seen[question.kind] += 1
    return kept


def _p(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def render_quality(quality: dict[str, Any]) -> list[str]:
    if not quality:
        return []
    systems = quality["systems"]
    kinds = list(systems["bot"]["kinds"])
    lines = [
        "## Quality",
        "",
        f"{quality['questions']} questions from `{quality['questions_file']}` over seeds + the "
        f"shared corpus ({quality['ingest'].rstrip('.')}). articlebot through "
        "`python -m bot search --batch --json --limit 10`; hit@k and MRR@10 over answerable "
        "questions (a question articlebot declines to answer counts as a miss); FTS5 "
        "answers whenever anything matches, rapidfuzz whenever a title or excerpt scores "
        "≥ 60.",
        "",
        "| kind | n | system | hit@1 | hit@3 | MRR@10 |",
        "|---|---|---|---|---|---|",
    ]
    for kind in [*(k for k in kinds if k != "no_answer"), "overall"]:
        for i, (system, label) in enumerate(SYSTEMS.items()):
            m = systems[system]["overall"] if kind == "overall" else systems[system]["kinds"][kind]
            name = "**overall**" if kind == "overall" else kind
            lines.append(
                f"| {name if i == 0 else ''} | {m['n'] if i == 0 else ''} | {label} "
                f"| {_p(m['hit@1'])} | {_p(m['hit@3'])} | {_p(m['mrr@10'])} |"
            )
    lines += [
        "",
        "No answer (positive class = said nothing found):",
        "",
        "| system | no-answer questions | precision | recall | said nothing found | "
        "median ms | p95 ms |",
        "|---|---|---|---|---|---|---|",
    ]
    for system, label in SYSTEMS.items():
        o = systems[system]["overall"]
        lat = systems[system]["latency_ms"]
        lines.append(
            f"| {label} | {systems[system]['kinds'].get('no_answer', {}).get('n', 0)} "
            f"| {_p(o['no_answer_precision'])} | {_p(o['no_answer_recall'])} "
            f"| {o['said_nothing_found']} of {systems[system]['n']} "
            f"| {_p(lat['median'])} | {_p(lat['p95'])} |"
        )
    lines += [
        "",
        "articlebot's latency here is `search --timing` (SearchEngine.search alone); the "
        "baselines' is their in-process search.",
        "",
    ]
    return lines + render_halves(systems["bot"])


def render_halves(bot: dict[str, Any]) -> list[str]:
    """articlebot on the tuning half and on the held-out half, per kind (decide by held-out)."""
    splits = bot.get("splits") or {}
    if not all(split in splits for split in SPLITS):
        return []
    tuning, held = splits[TUNING], splits[HELD_OUT]
    lines = [
        "### articlebot by half",
        "",
        "The set is split once by `score_questions.split_of` (SHA-256 of the question's text, "
        "first byte even: tuning; odd: held-out). Tune on the first; decide by the second.",
        "",
        "| kind | tuning n | hit@1 | hit@3 | MRR@10 | held-out n | hit@1 | hit@3 | MRR@10 |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    kinds = [k for k in tuning["kinds"] if k != "no_answer"]
    for kind in [*kinds, "overall"]:
        a = tuning["overall"] if kind == "overall" else tuning["kinds"].get(kind)
        b = held["overall"] if kind == "overall" else held["kinds"].get(kind)
        if a is None or b is None:
            continue
        name = "**overall**" if kind == "overall" else kind
        lines.append(
            f"| {name} | {a['n']} | {_p(a['hit@1'])} | {_p(a['hit@3'])} | {_p(a['mrr@10'])} "
            f"| {b['n']} | {_p(b['hit@1'])} | {_p(b['hit@3'])} | {_p(b['mrr@10'])} |"
        )
    for label, key in (
        ("no-answer accuracy", "no_answer_accuracy"),
        ("no-answer precision", "no_answer_precision"),
    ):
        lines.append(
            f"| {label} | {tuning['kinds'].get('no_answer', {}).get('n', 0)} "
            f"| {_p(tuning['overall'][key])} | | "
            f"| {held['kinds'].get('no_answer', {}).get('n', 0)} | {_p(held['overall'][key])} | | |"
        )
    lines.append("")
    return lines
