"""The insights core (bot/insights.py), its store, and `articlebot insights`, without Discord."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot import insights
from bot.__main__ import main
from bot.embed import load_embedder
from bot.models import AskedQuestion
from bot.store import Store
from tests.conftest import run_cli

NOW = datetime(2026, 3, 18, 12, 0, tzinfo=UTC)  # a Wednesday
GUILD = 42
MEMBER = 1_100_000_000_000_000_077


def asked(
    text: str,
    days_ago: float = 0,
    answers: tuple[tuple[str, str], ...] = (),
    votes: tuple[tuple[int, int], ...] | None = None,
    id: int = 0,
) -> AskedQuestion:
    return AskedQuestion(
        id=id,
        guild_id=GUILD,
        asked_at=NOW - timedelta(days=days_ago),
        via="ask",
        text=text,
        confidence=0.9 if answers else 0.1,
        answers=answers,
        votes=votes if votes is not None else tuple((0, 0) for _ in answers),
    )


ARTICLE = (("a1", "Dopamine and reward"),)


def test_near_duplicate_unanswered_questions_are_merged_and_counted() -> None:
    questions = [
        asked("How do I bake sourdough bread?", 3),
        asked("Where can I park my bicycle?", 2),
        asked("how to bake sourdough bread", 1),
        asked("Baking sourdough breads, how?", 0),
    ]

    merged = insights.merge_unanswered(questions)

    assert [(u.question, u.count) for u in merged] == [
        ("Baking sourdough breads, how?", 3),  # the latest wording stands for the group
        ("Where can I park my bicycle?", 1),
    ]
    assert merged[0].variants == ("how to bake sourdough bread", "How do I bake sourdough bread?")


def test_questions_on_the_same_topic_but_asking_different_things_stay_apart() -> None:
    merged = insights.merge_unanswered(
        [asked("How do I bake sourdough bread?"), asked("How do I store sourdough starter?")]
    )
    assert [u.count for u in merged] == [1, 1]


def test_a_similarity_by_meaning_merges_what_words_do_not() -> None:
    # A stand-in for the model: the two car questions get the same vector.
    class Embedder:
        name = "stand-in"

        def encode(self, texts: list[str]):
            import numpy as np

            return np.array(
                [[1.0, 0.0] if "car" in t or "auto" in t else [0.0, 1.0] for t in texts]
            )

    questions = [asked("Fixing my car engine"), asked("repairing an auto motor"), asked("tea")]

    assert len(insights.merge_unanswered(questions)) == 3
    merged = insights.merge_unanswered(questions, insights.meaning_similarity(Embedder()))
    assert [u.count for u in merged] == [2, 1]


def test_a_question_that_links_two_groups_merges_them_whatever_the_order() -> None:
    # "a" and "b" are alike only through "a b": asked last, it still makes one group.
    def similar(texts: Sequence[str]) -> Callable[[int, int], bool]:
        return lambda i, j: bool(set(texts[i].split()) & set(texts[j].split()))

    questions = [asked("a", 2), asked("b", 1), asked("a b", 0)]

    [merged] = insights.merge_unanswered(questions, similar)
    assert (merged.question, merged.count, merged.variants) == ("a b", 3, ("b", "a"))


# Five wordings of one question the shipped model links (each within the merge score of
# another), which the words alone split in two; and two other questions.
TEXTING = (
    "How do I send text messages with Power Apps?",
    "text messaging from PowerApps",
    "send an SMS from a power app",
    "powerapps sms",
    "how do I text from my app",
)
OTHERS = ("how do I email from my app", "Where can I park my bicycle overnight?")


def test_the_shipped_model_merges_what_the_words_alone_keep_apart() -> None:
    embedder = load_embedder()  # bot/data/minilm, as the bot loads it
    assert embedder is not None
    questions = [asked(t, days_ago=i) for i, t in enumerate([*TEXTING, *OTHERS])]

    by_words = insights.merge_unanswered(questions)
    by_meaning = insights.merge_unanswered(questions, insights.meaning_similarity(embedder))

    assert sorted(u.count for u in by_words) == [1, 1, 2, 3]
    assert [(u.count, u.question) for u in by_meaning] == [
        (5, TEXTING[0]),  # the most recent wording (asked 0 days ago)
        (1, OTHERS[0]),
        (1, OTHERS[1]),
    ]
    assert set(by_meaning[0].variants) == set(TEXTING[1:])


def test_report_lists_missed_answers_most_asked_articles_and_weekly_rates() -> None:
    other = (("a2", "Serotonin"),)
    questions = [
        asked("q old", 40, ARTICLE, ((5, 0),)),  # outside the 30 days
        asked("what is dopamine", 9, ARTICLE, ((1, 3),)),
        asked("dopamine again", 8, ARTICLE, ((2, 0),)),
        asked("serotonin?", 1, other, ((0, 1),)),
        asked("nothing matches this", 1),
    ]

    report = insights.build_report(GUILD, questions, NOW, 30)

    assert (report.asked, report.answered) == (4, 3)
    assert [(m.question, m.title, m.not_helpful, m.helpful) for m in report.missed] == [
        ("what is dopamine", "Dopamine and reward", 3, 1),
        ("serotonin?", "Serotonin", 1, 0),
    ]
    assert [(a.title, a.count) for a in report.most_asked] == [
        ("Dopamine and reward", 2),
        ("Serotonin", 1),
    ]
    weeks = [(str(w.start), w.asked, w.answer_rate, w.helpful_rate) for w in report.weeks]
    assert weeks == [("2026-03-09", 2, 1.0, 0.5), ("2026-03-16", 2, 0.5, 0.0)]


def test_csv_has_a_row_per_answer_and_cannot_run_formulas() -> None:
    questions = [
        asked('=HYPERLINK("http://evil")', 1),
        asked("dopamine", 0, (*ARTICLE, ("a2", "Serotonin")), ((1, 0), (0, 2))),
    ]

    rows = list(csv.DictReader(io.StringIO(insights.to_csv(questions))))

    assert [(r["question"], r["position"], r["article_title"]) for r in rows] == [
        ('\'=HYPERLINK("http://evil")', "", ""),
        ("dopamine", "1", "Dopamine and reward"),
        ("dopamine", "2", "Serotonin"),
    ]
    assert (rows[2]["helpful"], rows[2]["not_helpful"]) == ("0", "2")


# -- the store -------------------------------------------------------------------------------


async def test_votes_are_keyed_by_a_hash_never_by_the_member_id(
    store: Store, tmp_path: Path
) -> None:
    question = await store.insights.record(GUILD, "ask", "dopamine?", 0.8, ARTICLE, NOW)

    assert await store.insights.vote(question, 0, MEMBER, True, NOW) == (1, 0)
    assert await store.insights.vote(question, 0, MEMBER, False, NOW) == (0, 1)
    assert await store.insights.vote(question, 0, MEMBER + 1, False, NOW) == (0, 2)
    assert await store.insights.vote(question + 1, 0, MEMBER, True, NOW) is None

    await store.close()
    with sqlite3.connect(tmp_path / "articles.sqlite3") as db:
        dump = "\n".join(db.iterdump())
    assert str(MEMBER) not in dump and str(MEMBER + 1) not in dump
    voters = [
        row[0]
        for row in sqlite3.connect(tmp_path / "articles.sqlite3").execute("SELECT voter FROM votes")
    ]
    assert len(voters) == 2 and all(len(v) == 64 for v in voters)


async def test_purge_and_forget_remove_questions_with_their_votes(store: Store) -> None:
    old = await store.insights.record(GUILD, "ask", "old", 0.8, ARTICLE, NOW - timedelta(days=91))
    await store.insights.vote(old, 0, MEMBER, True, NOW)
    await store.insights.record(GUILD, "ask", "new", 0.8, ARTICLE, NOW)
    await store.insights.record(GUILD + 1, "mention", "elsewhere", 0.1, (), NOW)

    assert await store.insights.purge(NOW - timedelta(days=90)) == 1
    assert [q.text for q in await store.insights.questions(GUILD)] == ["new"]
    assert await store.insights.forget(GUILD) == 1
    assert await store.insights.questions(GUILD) == []
    assert [q.text for q in await store.insights.questions(GUILD + 1)] == ["elsewhere"]


# -- the command line ------------------------------------------------------------------------


async def _fill(path: Path) -> None:
    async with await Store.open(path) as store:
        now = datetime.now(UTC)
        first = await store.insights.record(GUILD, "ask", "dopamine?", 0.8, ARTICLE, now)
        await store.insights.vote(first, 0, MEMBER, False, now)
        await store.insights.record(GUILD, "ask", "sourdough bread?", 0.1, (), now)
        await store.insights.record(GUILD, "forum", "bread sourdough", 0.1, (), now)


def test_cli_prints_a_server_s_insights_as_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import asyncio

    db = tmp_path / "bot.sqlite3"
    asyncio.run(_fill(db))

    assert main(["insights", "--db", str(db), "--guild", str(GUILD), "--json"]) == 0

    [report] = json.loads(capsys.readouterr().out)
    assert (report["guild_id"], report["asked"], report["answered"]) == (GUILD, 3, 1)
    assert [(u["question"], u["count"]) for u in report["unanswered"]] == [("bread sourdough", 2)]
    assert report["not_helpful"][0]["title"] == "Dopamine and reward"

    assert main(["insights", "--db", str(db)]) == 0
    text = capsys.readouterr().out
    assert f"Insights for guild {GUILD}" in text and "2× “bread sourdough”" in text


async def _fill_unanswered(path: Path, texts: Sequence[str]) -> None:
    async with await Store.open(path) as store:
        now = datetime.now(UTC)
        for i, text in enumerate(texts):
            await store.insights.record(GUILD, "ask", text, 0.1, (), now - timedelta(minutes=i))


def test_the_cli_process_merges_by_meaning_with_semantic_on(tmp_path: Path) -> None:
    import asyncio

    db = tmp_path / "bot.sqlite3"
    asyncio.run(_fill_unanswered(db, [*TEXTING, *OTHERS]))
    args = ("insights", "--db", str(db), "--guild", str(GUILD), "--json")

    groups = {}
    for semantic in ("1", "0"):
        done = run_cli(*args, env={"ARTICLEBOT_SEMANTIC": semantic})
        assert done.returncode == 0, done.stderr
        [report] = json.loads(done.stdout)
        groups[semantic] = (report["merged_by"], sorted(u["count"] for u in report["unanswered"]))

    assert groups["1"] == ("meaning", [1, 1, 5])
    assert groups["0"] == ("words", [1, 1, 2, 3])
