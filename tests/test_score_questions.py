"""The question set is well formed and points at real files; the scorer's arithmetic is right."""

from __future__ import annotations

import hashlib
import json
import re
import sys
from collections import Counter
from pathlib import Path

import pytest

from benchmarks.score_questions import (
    DEFAULT_QUESTIONS,
    HELD_OUT,
    KINDS,
    NO_ANSWER,
    SPLITS,
    TUNING,
    Question,
    clean_query,
    in_split,
    load_questions,
    main,
    results_from_callable,
    score,
    score_splits,
    source_matches,
    split_of,
)

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SHARED_CORPUS = ROOT.parent / "shared" / "corpora" / "smartable-powerapps"


def _result(answered: bool, *sources: str, elapsed_ms: float | None = None) -> dict:
    result: dict = {
        "query": "x",
        "answered": answered,
        "confidence": 0.5,
        "hits": [{"id": i, "source": s, "title": s, "score": 1.0} for i, s in enumerate(sources)],
    }
    if elapsed_ms is not None:
        result["elapsed_ms"] = elapsed_ms
    return result


# --- metric math ---------------------------------------------------------------------------


def test_metrics_on_a_hand_made_example() -> None:
    questions = [
        {"q": "a", "kind": "keyword", "expect": ["a.md"]},
        {"q": "b", "kind": "keyword", "expect": ["b.md", "b2.md"]},
        {"q": "c", "kind": "typo", "expect": ["c.md"]},
        {"q": "d", "kind": "typo", "expect": ["d.md"]},
        {"q": "n1", "kind": NO_ANSWER, "expect": []},
        {"q": "n2", "kind": NO_ANSWER, "expect": []},
    ]
    results = [
        _result(True, "x/a.md", "z.md", elapsed_ms=10),  # rank 1
        _result(True, "z.md", "y.md", "seeds/b2.md", elapsed_ms=20),  # rank 3
        _result(True, "z.md", "y.md", "w.md", "v.md", "c.md", elapsed_ms=30),  # rank 5
        _result(False, "d.md", elapsed_ms=40),  # right hit, but said nothing found: a miss
        _result(False, elapsed_ms=50),  # correctly said nothing found
        _result(True, "z.md", elapsed_ms=1000),  # answered a question nothing answers
    ]
    report = score(questions, results)

    assert report.by_kind["keyword"].n == 2
    assert report.by_kind["keyword"].hit1 == pytest.approx(1 / 2)
    assert report.by_kind["keyword"].hit3 == pytest.approx(1.0)
    assert report.by_kind["keyword"].mrr10 == pytest.approx((1 + 1 / 3) / 2)
    assert report.by_kind["typo"].hit1 == 0
    assert report.by_kind["typo"].hit3 == 0
    assert report.by_kind["typo"].mrr10 == pytest.approx((1 / 5 + 0) / 2)
    assert report.by_kind["typo"].answered == pytest.approx(1 / 2)

    assert report.overall.n == 4
    assert report.overall.hit1 == pytest.approx(1 / 4)
    assert report.overall.hit3 == pytest.approx(2 / 4)
    assert report.overall.mrr10 == pytest.approx((1 + 1 / 3 + 1 / 5 + 0) / 4)

    # "said nothing found" on q4 (answerable) and n1 (no_answer).
    assert report.no_answer.n == 2
    assert report.no_answer.accuracy == pytest.approx(1 / 2)
    assert report.no_answer.precision == pytest.approx(1 / 2)
    assert report.no_answer.recall == pytest.approx(1 / 2)
    assert report.no_answer.said_nothing == 2

    assert report.latency.n == 6
    assert report.latency.median_ms == pytest.approx(35.0)
    assert report.latency.p95_ms == pytest.approx(1000.0)

    assert [o.question.q for o in report.misses(3)] == ["c", "d", "n2"]
    assert [o.question.q for o in report.misses(1)] == ["b", "c", "d", "n2"]
    numbers = report.to_dict()
    assert numbers["overall"]["hit@1"] == pytest.approx(0.25)
    assert numbers["kinds"][NO_ANSWER]["no_answer_accuracy"] == pytest.approx(0.5)
    json.dumps(numbers)  # serialisable
    table = report.to_markdown()
    assert "| keyword | 2 | 0.500 | 1.000 | 0.667 |" in table
    assert "| **overall** | 6 | 0.250 | 0.500 |" in table


def test_each_half_is_scored_on_its_own_questions() -> None:
    # Pick texts whose halves differ, so the example does not depend on luck.
    texts = [f"question {i}" for i in range(40)]
    tuning = [t for t in texts if split_of(t) == TUNING][:2]
    held = [t for t in texts if split_of(t) == HELD_OUT][:2]
    questions = [
        {"q": tuning[0], "kind": "keyword", "expect": ["a.md"]},
        {"q": tuning[1], "kind": NO_ANSWER, "expect": []},
        {"q": held[0], "kind": "keyword", "expect": ["a.md"]},
        {"q": held[1], "kind": NO_ANSWER, "expect": []},
    ]
    results = [
        _result(True, "a.md"),  # tuning: right at rank 1
        _result(False),  # tuning: rightly nothing found
        _result(False),  # held-out: nothing found on an answerable question
        _result(True, "b.md"),  # held-out: answered the unanswerable
    ]
    reports = score_splits(questions, results)

    assert set(reports) == {"all", TUNING, HELD_OUT}
    assert reports["all"].overall.hit1 == pytest.approx(0.5)
    assert reports[TUNING].overall.hit1 == 1
    assert reports[TUNING].no_answer.accuracy == 1
    assert reports[TUNING].no_answer.precision == 1
    assert reports[HELD_OUT].overall.hit1 == 0
    assert reports[HELD_OUT].no_answer.accuracy == 0
    assert reports[HELD_OUT].no_answer.precision == 0


def test_hits_beyond_ten_do_not_count_and_undefined_rates_are_none() -> None:
    questions = [{"q": "a", "kind": "topic", "expect": ["a.md"]}]
    sources = [f"{i}.md" for i in range(10)] + ["a.md"]
    report = score(questions, [_result(True, *sources)])
    assert report.overall.mrr10 == 0
    assert report.no_answer.n == 0
    assert report.no_answer.accuracy is None
    assert report.no_answer.precision is None  # never said nothing found
    assert report.latency.n == 0
    assert "no elapsed_ms" in report.to_markdown()


def test_mismatched_lengths_are_an_error() -> None:
    with pytest.raises(ValueError, match="2 questions but 1 results"):
        score([{"q": "a", "kind": "topic", "expect": ["a"]}] * 2, [_result(True)])


def test_source_matching_is_by_path_suffix() -> None:
    assert source_matches("seeds/002_x.txt", "002_x.txt")
    assert source_matches("/abs/corpus/_news/2020-a.md", "_news/2020-a.md")
    assert source_matches("_news\\2020-a.md", "_news/2020-a.md")
    assert source_matches("./_news/2020-a.md", "_news/2020-a.md")
    assert not source_matches("seeds/1002_x.txt", "002_x.txt")
    assert not source_matches(None, "002_x.txt")


def test_clean_query_keeps_one_line() -> None:
    assert clean_query("  a\nb\r\nc\u2028d\x85e\tf\x00g  ") == "a b c d e f g"
    assert clean_query("café – naïve") == "café – naïve"


def test_question_validation() -> None:
    with pytest.raises(ValueError, match="unknown kind"):
        Question.from_obj({"q": "a", "kind": "nope", "expect": ["a"]})
    with pytest.raises(ValueError, match="empty exactly when"):
        Question.from_obj({"q": "a", "kind": NO_ANSWER, "expect": ["a"]})
    with pytest.raises(ValueError, match="empty exactly when"):
        Question.from_obj({"q": "a", "kind": "typo", "expect": []})
    with pytest.raises(ValueError, match="missing"):
        Question.from_obj({"q": "a", "kind": "typo"})


def test_results_from_callable_fills_timing() -> None:
    questions = [{"q": "a\nb", "kind": "topic", "expect": ["a.md"]}]
    seen: list[str] = []

    def search(query: str) -> dict:
        seen.append(query)
        return _result(True, "a.md")

    results = results_from_callable(questions, search)
    assert seen == ["a b"]
    assert results[0]["elapsed_ms"] >= 0
    assert score(questions, results).overall.hit1 == 1


FAKE_CLI = """
import json, sys
args = sys.argv[1:]
assert args[0] == "search", args
batch = args[args.index("--batch") + 1]
assert "--json" in args and args[args.index("--limit") + 1] == "10", args
with open(batch, encoding="utf-8") as handle:
    for line in handle.read().split("\\n")[:-1]:
        hits = [{"id": 1, "source": "seeds/a.md", "title": "A", "score": 1.0}]
        out = {"query": line, "answered": line != "nothing", "confidence": 0.9, "hits": hits}
        print(json.dumps(out, ensure_ascii=False))
"""


def test_main_runs_the_cli_once_in_batch_mode(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = tmp_path / "fake_cli.py"
    fake.write_text(FAKE_CLI, encoding="utf-8")
    questions = tmp_path / "questions.jsonl"
    rows = [
        {"q": "caf\u00e9 with a\nnewline", "kind": "keyword", "expect": ["a.md"]},
        {"q": "nothing", "kind": NO_ANSWER, "expect": []},
    ]
    questions.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "out" / "numbers.json"
    cmd = f"{sys.executable} {fake} search"
    assert (
        main(
            [
                "--questions",
                str(questions),
                "--cmd",
                cmd,
                "--json",
                str(out),
                "--db",
                str(tmp_path / "db.sqlite3"),
                "--misses",
            ]
        )
        == 0
    )
    numbers = json.loads(out.read_text(encoding="utf-8"))
    assert numbers["overall"]["hit@1"] == 1
    assert numbers["overall"]["no_answer_accuracy"] == 1
    assert numbers["per_question"][0]["top3"] == ["seeds/a.md"]
    assert numbers["misses"] == []
    halves = {split_of(row["q"]) for row in rows}
    assert set(numbers["splits"]) == halves
    assert sum(numbers["splits"][h]["n"] for h in halves) == 2
    printed = capsys.readouterr().out
    assert "### All questions (2 questions)" in printed
    for half in halves:
        title = "### Tuning half" if half == TUNING else "### Held-out half"
        assert title in printed


# --- the question set ----------------------------------------------------------------------

QUESTIONS = load_questions(DEFAULT_QUESTIONS)


def _frontmatter(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    match = re.match(r"---\r?\n(.*?)\r?\n---", text, re.S)
    return match.group(1) if match else ""


def test_every_line_is_a_valid_question() -> None:
    lines = [ln for ln in DEFAULT_QUESTIONS.read_text(encoding="utf-8").splitlines() if ln.strip()]
    assert len(lines) == len(QUESTIONS)
    for line in lines:
        assert set(json.loads(line)) == {"q", "kind", "expect"}
    for question in QUESTIONS:
        assert question.q == clean_query(question.q), question.q
        assert len(set(question.expect)) == len(question.expect), question.q
    assert len({q.q.casefold() for q in QUESTIONS}) == len(QUESTIONS), "duplicate questions"


def test_the_set_is_balanced() -> None:
    counts = Counter(q.kind for q in QUESTIONS)
    assert len(QUESTIONS) >= 300
    assert set(counts) == set(KINDS)
    assert all(n >= 15 for n in counts.values()), counts
    assert counts["paraphrase"] >= 130  # the first 155 held 19; issue 9 asks for 100 more
    assert counts[NO_ANSWER] >= 70  # the first 155 held 28; issue 9 asks for 40 more
    on_seeds = [q for q in QUESTIONS if any(not e.startswith("_") for e in q.expect)]
    assert len(on_seeds) >= 40


def test_the_split_is_the_documented_hash_rule_and_covers_every_kind() -> None:
    for question in QUESTIONS:
        first_byte = hashlib.sha256(question.q.encode("utf-8")).digest()[0]
        assert split_of(question) == (TUNING if first_byte % 2 == 0 else HELD_OUT)
        assert split_of(question.q) == split_of(question)
    halves = {split: in_split(QUESTIONS, split) for split in SPLITS}
    assert sum(len(h) for h in halves.values()) == len(QUESTIONS)
    assert in_split(QUESTIONS, "all") == QUESTIONS
    for split, half in halves.items():
        counts = Counter(q.kind for q in half)
        assert set(counts) == set(KINDS), (split, counts)
        assert all(n >= 5 for n in counts.values()), (split, counts)
        assert 0.4 <= len(half) / len(QUESTIONS) <= 0.6, (split, len(half))
    with pytest.raises(ValueError, match="unknown split"):
        in_split(QUESTIONS, "tuninq")


def test_seed_sources_exist() -> None:
    seeds = {p.name for p in SEEDS.iterdir()}
    for question in QUESTIONS:
        for source in question.expect:
            if not source.startswith("_"):
                assert source in seeds, (question.q, source)


@pytest.mark.skipif(not SHARED_CORPUS.is_dir(), reason=f"no shared corpus at {SHARED_CORPUS}")
def test_shared_sources_exist_and_are_not_removed() -> None:
    for question in QUESTIONS:
        for source in question.expect:
            if not source.startswith("_"):
                continue
            path = SHARED_CORPUS / source
            assert path.is_file(), (question.q, source)
            front = _frontmatter(path)
            assert not re.search(r"^removed:\s*true\s*$", front, re.M), (question.q, source)


def test_main_scores_one_half_alone(tmp_path: Path) -> None:
    fake = tmp_path / "fake_cli.py"
    fake.write_text(FAKE_CLI, encoding="utf-8")
    texts = [f"question {i}" for i in range(12)]
    questions = tmp_path / "questions.jsonl"
    questions.write_text(
        "".join(json.dumps({"q": t, "kind": "keyword", "expect": ["a.md"]}) + "\n" for t in texts),
        encoding="utf-8",
    )
    out = tmp_path / "numbers.json"
    argv = ["--questions", str(questions), "--cmd", f"{sys.executable} {fake} search"]
    assert main([*argv, "--split", "held_out", "--json", str(out)]) == 0
    numbers = json.loads(out.read_text(encoding="utf-8"))
    held = [t for t in texts if split_of(t) == HELD_OUT]
    assert 0 < len(held) < len(texts)
    assert [row["q"] for row in numbers["per_question"]] == held
    assert numbers["split"] == "held_out"
