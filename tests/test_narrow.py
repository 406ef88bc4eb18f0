"""Questions about who, where and when: parsed alone (a pure function), matched against the
corpus's providers and authors, and answered over the seeds."""

from __future__ import annotations

import pytest

from bot.catalog import Catalog
from bot.search import SearchEngine
from bot.search.narrow import Names, parse_question, without
from bot.store import CatalogEntry
from tests.conftest import needs_shared_corpus

BACKPROP_QUANTA = "001_fb1d0d46ce0ecfe6.txt"  # Quanta Magazine, 2021
DOPAMINE_RICHARDS = "002_060ea2ca1cd9a942.txt"  # The Conversation, by Blake Richards, 2020-02


@pytest.mark.parametrize(
    ("question", "phrases", "topic"),
    [
        ("by Blake Richards", ("Blake Richards",), ""),
        ("articles from Quanta", ("Quanta",), ""),
        ("what did Wired publish about the brain", ("Wired",), "about the brain"),
        ("Marc Anderson's blog post", ("Marc Anderson",), "blog"),
        ("Visual Studio Magazine on low code", ("Visual Studio Magazine",), "on low code"),
        ("who wrote the Quanta article about backpropagation", ("Quanta",), None),
        ("how do dopamine neurons learn", (), "how do dopamine neurons learn"),
    ],
)
def test_names_are_found_after_their_cues(
    question: str, phrases: tuple[str, ...], topic: str | None
) -> None:
    narrowing = parse_question(question)

    assert narrowing.phrases == phrases
    if topic is not None:
        assert without(narrowing.topic, narrowing.phrases) == topic


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("who wrote the Quanta article about backpropagation", "the Quanta article about"),
        ("Who is the author of the dopamine piece", "the dopamine piece"),
        ("who owns an app after someone leaves", "who owns an app after someone leaves"),
    ],
)
def test_who_wrote_asks_for_the_byline_and_is_not_topic(question: str, topic: str) -> None:
    narrowing = parse_question(question)

    assert narrowing.who_asked == (topic != question)
    assert narrowing.topic.startswith(topic)


def test_dates_and_latest_are_taken_out_of_the_topic() -> None:
    in_year = parse_question("neuroscience articles in 2021")
    assert (in_year.year, in_year.month, in_year.topic) == (2021, None, "neuroscience articles")
    feb = parse_question("brain research from February 2020")
    assert (feb.year, feb.month, feb.topic) == (2020, 2, "brain research")
    assert feb.published_in("2020-02-24T17:51:00Z")
    assert not feb.published_in("2020-03-01") and not feb.published_in(None)
    since = parse_question("power apps news since 2020")
    assert since.since and since.published_in("2021-05-01") and not since.published_in("2019-12")
    latest = parse_question("the latest on Power Fx")
    assert latest.latest and latest.topic == "Power Fx" and not latest.dated


def _entry(number: int, *names: str) -> CatalogEntry:
    return CatalogEntry(f"id{number}", f"{number}.md", f"T{number}", (), None, None, names)


def test_names_match_known_providers_and_authors_closely_only() -> None:
    names = Names(
        [
            _entry(1, "Quanta Magazine"),
            _entry(2, "The Conversation", "Blake Richards"),
            _entry(3, "Mr. Dang"),
            _entry(4, "Smartable"),
        ]
    )

    assert names.match("Blake Richards") == ("Blake Richards", "blake richards")
    assert names.articles("blake richards") == ["id2"]
    assert names.match("Quanta") == ("Quanta", "quanta magazine")
    assert names.match("Mr Dang") == ("Mr Dang", "mr dang")
    assert names.match("blake richard") == ("blake richard", "blake richards")  # a typo
    # A phrase saying more than the name: only the name is taken out of the question.
    assert names.match("Blake Richards deep linking") == ("Blake Richards", "blake richards")
    assert names.match("art") is None  # inside "smartable", not a name
    assert names.match("Wired") is None


def test_part_of_a_name_names_a_source_only_alone_and_when_no_other_name_has_it() -> None:
    names = Names(
        [
            _entry(1, "Quanta Magazine"),
            _entry(2, "Power Apps Community"),
            _entry(3, "Power Apps User Group"),
            _entry(4, "Reza Dorrani"),
        ]
    )

    assert names.match("Quanta") == ("Quanta", "quanta magazine")
    # The product's name is in several names: it is the topic, not a source.
    assert names.match("power apps") is None
    assert names.match("power apps without using") is None
    assert names.match("apps") is None
    # Part of a name followed by more words ("from quanta without ...") is not taken either,
    # but a whole name inside a longer phrase still is.
    assert names.match("quanta without using") is None
    assert names.match("Reza Dorrani galleries") == ("Reza Dorrani", "reza dorrani")


@needs_shared_corpus
async def test_from_a_product_keeps_the_topic_words_in_a_mixed_corpus(
    full_engine: SearchEngine,
) -> None:
    # "from power apps without using" once narrowed the search to the Power Apps Community's
    # articles, and the video answering it vanished from the results.
    question = "can I print from power apps without using power automate"

    result = await full_engine.search(question, 5)

    assert result.answered
    assert result.hits[0].source.endswith(
        "_learning/videos/april-dunnam-print-in-power-apps-without-power-automate.md"
    )


async def test_by_an_author_finds_their_article(seed_engine: SearchEngine) -> None:
    result = await seed_engine.search("by Blake Richards")

    assert result.answered
    assert result.hits[0].source == DOPAMINE_RICHARDS


async def test_from_a_source_lists_only_its_articles(seed_engine: SearchEngine) -> None:
    result = await seed_engine.search("articles from Quanta")

    assert result.answered
    assert result.hits[0].source == BACKPROP_QUANTA
    assert all(h.source == BACKPROP_QUANTA for h in result.hits)


async def test_a_year_narrows_the_topic_words(seed_engine: SearchEngine) -> None:
    undated = await seed_engine.search("brains and deep learning")
    dated = await seed_engine.search("brains and deep learning in 2021")

    assert dated.answered
    assert dated.hits[0].source == BACKPROP_QUANTA
    assert {h.source for h in dated.hits} < {h.source for h in undated.hits}


def test_a_date_asked_spans_the_published_dates_that_fit() -> None:
    assert parse_question("brain research").published_span() is None
    for question in ("news in 2021", "news from february 2020", "news since 2020"):
        narrowing = parse_question(question)
        low, high = narrowing.published_span() or ("", "")
        for published in ("2019-12-31", "2020-01-31T08:00:00Z", "2020-02-24", "2021-05-01"):
            assert narrowing.published_in(published) == (low <= published <= high), published


def test_the_catalog_walks_only_the_dates_asked_for_newest_first() -> None:
    dates = ["2021-03-01", "2020-02-24", "2020-02-03", None, "2020-01-31", "2021-01-02"]
    entries = [
        CatalogEntry(f"id{n}", f"{n}.md", f"T{n}", (), published, None)
        for n, published in enumerate(dates)
    ]
    catalog = Catalog(entries)

    assert list(catalog.published_within("2020-02", "2020-02\U0010ffff")) == ["id1", "id2"]
    assert list(catalog.published_within("2021", "2021\U0010ffff")) == ["id0", "id5"]
    assert list(catalog.published_within("2020", "2020\U0010ffff", ["id1", "id4"])) == [
        "id1",
        "id4",
    ]
    assert list(catalog.published_within("2022", "2022\U0010ffff")) == []


@pytest.mark.parametrize(
    "question",
    [
        "articles from PowerApps911 in 2018",
        "articles from 2019",
        "articles from february 2020",
        "articles since 2021",
        "articles by April Dunnam",
    ],
)
async def test_who_and_when_alone_lists_the_newest_that_fit(
    full_engine: SearchEngine, question: str
) -> None:
    narrowing = parse_question(question)
    names = [n for p in narrowing.phrases if (n := full_engine.names.match(p)) is not None]
    by_name = {i for _, name in names for i in full_engine.names.articles(name)}
    newest_that_fit = [
        e.id
        for e in full_engine.catalog.entries
        if narrowing.published_in(e.published) and (not names or e.id in by_name)
    ]

    result = await full_engine.search(question, 5)

    assert len(newest_that_fit) >= 2  # the corpus has some: the question is a fair one
    assert [h.article_id for h in result.hits] == newest_that_fit[:5]
