"""Answer quality per kind of question holds: the tuning half of the question set, asked of the
bot as installed (default settings) over seeds + the shared corpus, stays above a floor for every
kind, and "nothing found" stays both given to the unanswerable and kept from the answerable.

A change that wins one kind by losing another fails here. Tune on this half only; the held-out
half (`python -m benchmarks.score_questions --split held_out`) is for deciding, never for floors.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from benchmarks.score_questions import (
    DEFAULT_QUESTIONS,
    KINDS,
    NO_ANSWER,
    TUNING,
    Report,
    in_split,
    load_questions,
    score,
)
from bot.library import Library
from bot.settings import Settings
from tests.conftest import SEEDS, SHARED_CORPUS, needs_shared_corpus

# The seeds are about deep learning and the brain, beside ~800 Power Apps items.
SEED_FILES = {p.name for p in SEEDS.iterdir()}

pytestmark = needs_shared_corpus

# THE FLOORS: today's tuning-half figure for each, less 0.03, rounded down to a multiple of 0.05.
# Measured 2026-12-02 03:47 UTC (words only, default settings, 368 questions) with:
#   python -m bot ingest --corpus seeds --corpus ../shared/corpora/smartable-powerapps \
#       --db /tmp/q.sqlite3
#   python -m benchmarks.score_questions --db /tmp/q.sqlite3 --split tuning
# Raise a floor when a change lifts its figure for good (say so in the commit); lowering one
# needs a reason better than "my change failed it".
HIT_AT_1_FLOORS: dict[str, float] = {
    "paraphrase": 0.25,  # 0.299 on 67 questions
    "keyword": 0.95,  # 1.000 on 10
    "typo": 0.95,  # 1.000 on 7
    "partial_title": 0.95,  # 1.000 on 8
    "topic": 0.80,  # 0.867 on 15
    "related": 0.60,  # 0.667 on 9
    "person": 0.95,  # 1.000 on 8
    "who_where_when": 0.85,  # 0.889 on 9 (0.556 before "by/from/in 2021" narrowed the search)
}
HIT_AT_3_OVERALL_FLOOR = 0.60  # 0.632 on 133 answerable questions
NO_ANSWER_ACCURACY_FLOOR = 0.85  # 0.911 of 45 unanswerable questions get "nothing found"
NO_ANSWER_PRECISION_FLOOR = 0.45  # 0.482 of the 85 "nothing found" are on unanswerable ones


# With meaning on (`semantic = true`, the shipped all-MiniLM-L6-v2): the same floors rule.
# Measured 2026-12-02 07:05 UTC on the tuning half with ARTICLEBOT_SEMANTIC=1 (commands
# above), after the gate's meaning ramp (0.3-0.5, up to 0.5) and its unknown-words scaling;
# the held-out half then read 0.660 hit@1, 0.408 paraphrases, no-answer 0.838 / 0.500.
# Raised 2026-12-02 10:18 UTC when the gate began to read how far the best article stands out
# by meaning (knobs.STANDOUT_*): held-out 0.673 -> 0.699 hit@1, paraphrases 0.423 -> 0.479,
# no-answer 0.811 -> 0.757, its precision 0.508 -> 0.560.
MEANING_HIT_AT_1_FLOORS: dict[str, float] = {
    "paraphrase": 0.45,  # 0.493 on 67 questions (0.433 before the gate read how far the
    # best article stands out by meaning; 0.343 before the gate's first retune)
    "keyword": 0.95,  # 1.000 on 10
    "typo": 0.95,  # 1.000 on 7
    "partial_title": 0.95,  # 1.000 on 8
    "topic": 0.90,  # 0.933 on 15
    "related": 0.60,  # 0.667 on 9
    "person": 0.95,  # 1.000 on 8
    "who_where_when": 0.85,  # 0.889 on 9
}
MEANING_HIT_AT_3_OVERALL_FLOOR = 0.75  # 0.797 on 133 (0.759 before the standout)
MEANING_NO_ANSWER_ACCURACY_FLOOR = 0.90  # 0.933 of 45 (0.956 before the standout)
MEANING_NO_ANSWER_PRECISION_FLOOR = 0.65  # 0.712 of 59 "nothing found" (0.662 before)


async def _ask_all(db: Path, semantic: bool = False) -> Report:
    settings = Settings(db_path=db, corpus_dirs=(SEEDS, SHARED_CORPUS), semantic=semantic)
    questions = in_split(load_questions(DEFAULT_QUESTIONS), TUNING)
    results: list[dict[str, Any]] = []
    async with await Library.open(settings) as library:
        for question in questions:
            found = await library.search(question.q, 10)
            hits = [{"source": h.source, "title": h.title} for h in found.hits]
            results.append({"answered": found.answered, "hits": hits})
    return score(questions, results)


@pytest.fixture(scope="module")
def tuning(full_db: Path) -> Report:
    """The tuning half asked once, through the same Library the CLI and the bot use."""
    return asyncio.run(_ask_all(full_db))


@pytest.fixture(scope="module")
def tuning_meaning(meaning_db: Path) -> Report:
    """The tuning half asked with meaning on (meaning_db, from conftest.py: every vector
    encoded by the shipped model)."""
    return asyncio.run(_ask_all(meaning_db, semantic=True))


def _misses(report: Report, kind: str) -> str:
    lines = [
        f"  {o.question.q!r}: "
        + (f"rank {o.rank}" if o.rank else "nothing found" if not o.answered else "not in top 10")
        + f", got {', '.join(o.top[:2]) or '(no hits)'}"
        for o in report.outcomes
        if o.question.kind == kind and (o.answered if kind == NO_ANSWER else not o.hit_at(1))
    ]
    return "\n".join(lines)


def test_every_kind_of_answerable_question_has_a_floor() -> None:
    assert set(HIT_AT_1_FLOORS) == set(KINDS) - {NO_ANSWER}


def _assert_kind_holds(report: Report, kind: str, floor: float) -> None:
    got = report.by_kind[kind]
    assert got.hit1 is not None and got.hit1 >= floor, (
        f"{kind}: hit@1 {got.hit1:.3f} on {got.n} tuning questions, floor {floor}; "
        f"not first:\n{_misses(report, kind)}"
    )


@pytest.mark.parametrize("kind", list(HIT_AT_1_FLOORS))
def test_each_kind_holds_its_floor(tuning: Report, kind: str) -> None:
    _assert_kind_holds(tuning, kind, HIT_AT_1_FLOORS[kind])


def test_the_right_article_is_in_the_top_three_overall(tuning: Report) -> None:
    got = tuning.overall.hit3
    assert got is not None and got >= HIT_AT_3_OVERALL_FLOOR, (
        f"hit@3 {got:.3f} over {tuning.overall.n} answerable questions, "
        f"floor {HIT_AT_3_OVERALL_FLOOR}"
    )


def test_unanswerable_questions_get_nothing_found(tuning: Report) -> None:
    got = tuning.no_answer.accuracy
    assert got is not None and got >= NO_ANSWER_ACCURACY_FLOOR, (
        f"no-answer accuracy {got:.3f} on {tuning.no_answer.n} questions, floor "
        f"{NO_ANSWER_ACCURACY_FLOOR}; answered anyway:\n{_misses(tuning, NO_ANSWER)}"
    )


def test_nothing_found_is_kept_for_unanswerable_questions(tuning: Report) -> None:
    got = tuning.no_answer.precision
    assert got is not None and got >= NO_ANSWER_PRECISION_FLOOR, (
        f"no-answer precision {got:.3f}: {tuning.no_answer.said_nothing} questions got "
        f"nothing found, floor {NO_ANSWER_PRECISION_FLOOR}"
    )


@pytest.mark.heavy  # asks the tuning half with meaning (meaning_db: the corpus encoded once a run)
@pytest.mark.parametrize("kind", list(MEANING_HIT_AT_1_FLOORS))
def test_with_meaning_each_kind_holds_its_floor(tuning_meaning: Report, kind: str) -> None:
    _assert_kind_holds(tuning_meaning, kind, MEANING_HIT_AT_1_FLOORS[kind])


@pytest.mark.heavy
def test_with_meaning_the_gate_holds_both_ways(tuning_meaning: Report) -> None:
    hit3 = tuning_meaning.overall.hit3
    accuracy = tuning_meaning.no_answer.accuracy
    precision = tuning_meaning.no_answer.precision
    assert hit3 is not None and hit3 >= MEANING_HIT_AT_3_OVERALL_FLOOR, hit3
    assert accuracy is not None and accuracy >= MEANING_NO_ANSWER_ACCURACY_FLOOR, (
        f"no-answer accuracy {accuracy:.3f}; answered anyway:\n{_misses(tuning_meaning, NO_ANSWER)}"
    )
    assert precision is not None and precision >= MEANING_NO_ANSWER_PRECISION_FLOOR, (
        f"no-answer precision {precision:.3f}: {tuning_meaning.no_answer.said_nothing} "
        "questions got nothing found"
    )


async def _dopamine_card(db: Path) -> tuple[list[str], list[str], set[str]]:
    """(related link titles under the dopamine answer, "More like this" sources, the seeds'
    titles)."""
    settings = Settings(db_path=db, corpus_dirs=(SEEDS, SHARED_CORPUS), semantic=True)
    async with await Library.open(settings) as library:
        outcome = await library.ask("What do dopamine neurons encode?")
        answer = await outcome.answer(0)
        more = await library.more_like(answer.article.id, limit=3)
        seeds = {
            e.title for e in library.engine.catalog.entries if Path(e.source).name in SEED_FILES
        }
    return [link.title for link in answer.related], [e.source for e in more], seeds


@pytest.mark.heavy
def test_related_links_stay_on_the_articles_subject_in_a_mixed_corpus(meaning_db: Path) -> None:
    # Issue 9.5: by words alone they were a Microsoft summit and a stroke-survivor app.
    related, more, seed_titles = asyncio.run(_dopamine_card(meaning_db))

    assert len(related) >= 2 and len(more) == 3
    assert all(Path(source).name in SEED_FILES for source in more), more
    assert all(title in seed_titles for title in related), related


async def _answered_by(db: Path, question: str) -> str | None:
    """The source file of the article answering `question` with meaning on, or None."""
    settings = Settings(db_path=db, corpus_dirs=(SEEDS, SHARED_CORPUS), semantic=True)
    async with await Library.open(settings) as library:
        outcome = await library.ask(question)
        return Path(outcome.articles[0].source).name if outcome.answered else None


@pytest.mark.heavy
def test_who_wrote_the_quanta_article_is_answered_in_a_mixed_corpus(meaning_db: Path) -> None:
    # Issue 9's own example: it got "nothing found", the right article only a nearest title.
    question = "who wrote the Quanta article about backpropagation"

    assert asyncio.run(_answered_by(meaning_db, question)) == "001_fb1d0d46ce0ecfe6.txt"


@pytest.mark.heavy
def test_a_paraphrase_whose_article_stands_out_by_meaning_is_answered(meaning_db: Path) -> None:
    # Issue 9's example: its article was first by meaning, and the gate said "nothing found".
    question = "I broke my app with my last edits, can I roll back to an older one?"

    assert (
        asyncio.run(_answered_by(meaning_db, question))
        == "dhruvin-shah-restore-previous-version-of-the-canvas-app-in-power-apps.md"
    )


@pytest.mark.heavy
def test_a_question_in_other_forms_of_the_articles_words_is_answered(meaning_db: Path) -> None:
    # "compare" and "machines" are in the corpus only as "comparing" and "machine": read as
    # unknown words, they kept meaning from vouching for the article.
    question = "what makes it hard to compare behaviour between machines and animals"

    assert asyncio.run(_answered_by(meaning_db, question)) == "003_dd0ec8e4cc14ac45.txt"
