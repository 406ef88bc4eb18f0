"""Search as a member would use it: questions, typos, half titles, and questions with no answer."""

from __future__ import annotations

import pytest

from bot.catalog import Catalog
from bot.search import QueryTerm, SearchEngine, Vocabulary, fts_expression
from bot.store import CatalogEntry
from tests.conftest import needs_shared_corpus

DOPAMINE_SEED = "002_060ea2ca1cd9a942.txt"
QUESTION_SEED = "003_dd0ec8e4cc14ac45.txt"


async def test_question_finds_the_article_that_answers_it(seed_engine: SearchEngine) -> None:
    result = await seed_engine.search("What do dopamine neurons encode?")

    assert result.answered
    assert result.hits[0].source == DOPAMINE_SEED
    assert 0 < result.confidence <= 1


async def test_typos_are_repaired(seed_engine: SearchEngine) -> None:
    result = await seed_engine.search("dopamin nurons rewrd")

    assert result.answered
    assert result.hits[0].source == DOPAMINE_SEED


async def test_half_remembered_title(seed_engine: SearchEngine) -> None:
    result = await seed_engine.search("if deep learning is the answer")

    assert result.answered
    assert result.hits[0].source == QUESTION_SEED


@pytest.mark.parametrize(
    "question",
    [
        "best pizza in naples",
        "how do I file my taxes",
        "kubernetes ingress controller",
        "zxqv blorp",
        "the",
        "?",
    ],
)
async def test_unanswerable_question_says_nothing_found(
    seed_engine: SearchEngine, question: str
) -> None:
    result = await seed_engine.search(question)

    assert not result.answered
    assert result.hits == ()


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        "x" * 5000,
        '"',
        "*",
        "-",
        "מה עושים נוירונים של דופמין",
        "عصبونات الدوبامين",
        "\x00\x1f",
        "'; DROP TABLE articles; --",
        "(((",
        "🧠",
    ],
)
async def test_queries_without_a_known_word_find_nothing(
    seed_engine: SearchEngine, query: str
) -> None:
    result = await seed_engine.search(query)

    assert (result.answered, result.hits, result.nearest) == (False, (), ())


@pytest.mark.parametrize(
    ("query", "plain"),
    [
        ('""neural"', "neural"),
        ("NEAR(brain dopamine)", "near brain dopamine"),
        ("title:brain", "title brain"),
        ("brain*", "brain"),
        ("-brain", "brain"),
        ("^brain", "brain"),
        ("{brain}", "brain"),
        ("brain:", "brain"),
        ("brain AND OR NOT", "brain and or not"),
        ("🧠 neurons 🤖", "neurons"),
        ("brain\nneurons", "brain neurons"),
    ],
)
async def test_fts5_syntax_in_a_query_is_only_punctuation(
    seed_engine: SearchEngine, query: str, plain: str
) -> None:
    """A member sees the same answer, titles and suggestions as for the plain words."""
    result, expected = await seed_engine.search(query), await seed_engine.search(plain)

    assert expected.hits or expected.nearest
    assert (result.answered, result.hits, result.nearest) == (
        expected.answered,
        expected.hits,
        expected.nearest,
    )


async def test_a_word_repeated_800_times_offers_the_articles_about_it(
    seed_engine: SearchEngine,
) -> None:
    result = await seed_engine.search("neural " * 800)

    shown = [h.title for h in result.hits] or list(result.nearest)
    assert shown and "neural" in shown[0].casefold()


async def test_fts_expression_quotes_user_words() -> None:
    terms = [QueryTerm('a"b', 'a"b', 1.0, 1.0), QueryTerm("near", "", 1, 1)]

    assert fts_expression(terms) == '"a""b" OR "near"'
    assert fts_expression(terms, "AND") == '"a""b" AND "near"'


@needs_shared_corpus
async def test_question_whose_words_many_articles_hold_finds_the_best(
    full_engine: SearchEngine,
) -> None:
    # Enough articles hold both "gallery" and "filter" for candidates to come from them only.
    holding_all = await full_engine.store.bm25_candidates('"gallery" AND "filter"', 100)
    assert len(holding_all) >= 10

    result = await full_engine.search("filter a gallery")

    assert result.answered
    assert "filter" in result.hits[0].title.casefold()
    assert "galler" in result.hits[0].title.casefold()


async def test_nothing_found_offers_nearest_titles(seed_engine: SearchEngine) -> None:
    result = await seed_engine.search("artifical brians desgin")

    # Too misspelt to answer with confidence: the member is offered the title they meant.
    assert not result.answered and result.hits == ()
    assert "Designing artificial brains can help us learn more about real ones" in result.nearest


async def test_title_autocomplete_prefix_words_and_typos(seed_engine: SearchEngine) -> None:
    catalog = seed_engine.catalog

    assert catalog.complete_title("Deep Neu")[0].title.startswith("Deep Neural Networks")
    for typed in ("brains real", "desgining"):
        assert any("Designing artificial brains" in e.title for e in catalog.complete_title(typed))
    assert len(catalog.complete_title("")) == 5


async def test_the_catalog_in_memory_says_what_the_articles_say(
    full_engine: SearchEngine,
) -> None:
    # What browsing, autocomplete and "by ..." questions show comes from the catalog, which
    # keeps one copy of each topic, name and date and its positions in compact arrays.
    articles = [a async for a in full_engine.store.iter_articles()]
    catalog = full_engine.catalog
    by_topic: dict[str, set[str]] = {}
    for article in articles:
        for topic in article.topics:
            by_topic.setdefault(topic, set()).add(article.id)
        entry = catalog.get(article.id)
        assert entry is not None
        names = ((article.provider.name,) if article.provider else ()) + article.authors
        assert (entry.title, entry.topics, entry.published, entry.names) == (
            article.title,
            article.topics,
            article.published,
            tuple(dict.fromkeys(n for n in names if n)),
        )
        assert article.id in {e.id for e in catalog.complete_title(article.title, 25)} or (
            sum(a.title == article.title for a in articles) > 1  # the same title twice
        )

    assert dict(catalog.topics()) == {t: len(ids) for t, ids in by_topic.items()}
    for topic, ids in by_topic.items():
        listed = catalog.by_topic(topic)
        assert {e.id for e in listed} == ids
        dates = [e.published or "" for e in listed]
        assert dates == sorted(dates, reverse=True)  # newest first


@needs_shared_corpus
async def test_full_corpus_question_and_limits(full_engine: SearchEngine) -> None:
    result = await full_engine.search("What do dopamine neurons encode?")
    assert result.answered and result.hits[0].source == DOPAMINE_SEED

    timer = await full_engine.search("power apps timer control animations")
    assert timer.answered
    assert "Timer" in timer.hits[0].title

    assert len(full_engine.catalog.complete_title("power")) == 25
    assert len(full_engine.catalog.complete_title("")) == 25


@needs_shared_corpus
async def test_collection_is_found_by_an_item_it_holds(full_engine: SearchEngine) -> None:
    result = await full_engine.search("which april dunnam playlist has the deep linking video")

    assert result.answered
    assert result.hits[0].source == (
        "_learning/collections/april-dunnam-intermediate-power-apps-topics-by-april-dunnam.md"
    )


@needs_shared_corpus
async def test_item_wins_over_its_collection_when_no_collection_is_asked_for(
    full_engine: SearchEngine,
) -> None:
    result = await full_engine.search("april dunnam deep linking video")

    assert result.hits[0].source == "_learning/videos/april-dunnam-powerapps-deep-linking.md"


@needs_shared_corpus
async def test_swapped_letters_are_one_typo(full_engine: SearchEngine) -> None:
    result = await full_engine.search("tower of hanio")

    assert result.answered
    assert result.hits[0].source == "_samples/power-apps-community-tower-of-hanoi.md"


@needs_shared_corpus
async def test_a_query_of_only_common_words_still_ranks_titles(full_engine: SearchEngine) -> None:
    # "power" and "apps" are in most of the shared corpus: candidates come from titles.
    result = await full_engine.search("power apps")

    assert result.hits
    assert all("power apps" in h.title.casefold() for h in result.hits[:3])


@needs_shared_corpus
async def test_more_like_this_shares_rare_title_words(full_engine: SearchEngine) -> None:
    [newsletter] = [
        e for e in full_engine.catalog.entries if e.title == "Power Apps Smartable (2021-06-02)"
    ]

    similar = full_engine.catalog.similar(newsletter.id, 3)

    assert len(similar) == 3
    assert all(e.title.startswith("Power Apps Smartable (") for e in similar)
    assert newsletter not in similar


def _entry(number: int, title: str) -> CatalogEntry:
    return CatalogEntry(f"id{number}", f"{number}.md", title, (), f"2020-01-{number:02d}", 0)


def test_common_words_rank_the_newest_titles_holding_them_all() -> None:
    entries = [_entry(n, "Power Apps tips") for n in range(1, 21)]
    entries += [_entry(n, "Power Automate flows") for n in range(21, 29)]
    entries += [_entry(n, "Power Automate tips") for n in (29, 30)]
    catalog = Catalog(entries)

    both = catalog.title_matches(["power", "apps"], 5)
    assert [i for i, _ in both] == ["id20", "id19", "id18", "id17", "id16"]
    assert {rank for _, rank in both} == {-2.0}

    # Only two titles hold all three words: they come first, then the newest holding two.
    few = catalog.title_matches(["power", "automate", "tips"], 4)
    assert few == [("id30", -3.0), ("id29", -3.0), ("id28", -2.0), ("id27", -2.0)]
    assert catalog.title_matches(["nowhere"], 5) == []


def test_a_word_is_counted_with_every_word_fts5_stems_alike() -> None:
    vocabulary = Vocabulary({"control": 10, "controller": 5, "controls": 3, "rotation": 2}, 100)

    # FTS5's porter tokenizer matches "control" for all three words.
    assert vocabulary.matches("controller") == 18
    assert vocabulary.matches("rotation") == 2
    assert vocabulary.matches("absent") == 0


@needs_shared_corpus
async def test_match_counts_bound_what_fts5_matches(full_engine: SearchEngine) -> None:
    store = full_engine.store
    for word in ("control", "controller", "gallery", "galleries", "collection", "flow"):
        expression = fts_expression([QueryTerm(word, word, 1.0, 1.0)])
        matched = len(await store.bm25_candidates(expression, 10**6))
        assert matched > 0
        assert matched <= full_engine.vocabulary.matches(word) <= 3 * matched, word


@needs_shared_corpus
@pytest.mark.parametrize(
    ("query", "title"),
    [
        ("collections tutorial", "PowerApps Collections Tutorial"),
        ("your own youtube videos", "PowerVideo - Your own YouTube videos deck"),
        ("formula reference", "Power Apps Formula Reference"),
    ],
)
async def test_a_remembered_piece_of_a_title_beats_articles_that_only_hold_its_words(
    full_engine: SearchEngine, query: str, title: str
) -> None:
    # Other articles hold these words too (a playlist of tutorials, a video deck of scanners);
    # the member remembered this title, so it comes first.
    result = await full_engine.search(query)

    assert result.answered
    assert result.hits[0].title == title


def test_another_form_of_a_corpus_word_is_a_known_word() -> None:
    vocabulary = Vocabulary({"enter": 4, "entered": 2, "record": 9}, 100)

    [entering, twice] = vocabulary.query_terms("entering twice")

    # FTS5 finds "entering" through "enter": searched, and counted as known by the gate.
    assert (entering.text, entering.trust) == ("entering", 1.0)
    assert entering.weight < vocabulary.idf("entering")  # six articles hold its stem, not none
    assert twice.trust == 0.0
