"""The answer a member reads: summary, the passage that answers, link, related links."""

from __future__ import annotations

from bot.answer import best_passage, build_answer, compose_answer
from bot.models import Article, RelatedLink
from bot.render import answer_embed, answer_text
from bot.search import SearchEngine
from tests.bot_harness import assert_embed_within_limits
from tests.conftest import needs_shared_corpus

DOPAMINE_QUESTION = "What do dopamine neurons encode?"
DESIGNING_BRAINS = "Designing artificial brains can help us learn more about real ones"
QUANTA_RELATED = (
    "https://www.quantamagazine.org/deep-neural-networks-help-to-explain-living-brains-20201028/"
)


async def _answer(engine: SearchEngine, question: str):
    result = await engine.search(question, limit=1)
    article = await engine.store.get_article(result.hits[0].article_id)
    return await build_answer(engine, article, question, result.confidence)


async def test_dopamine_answer_quotes_reward_prediction_error(seed_engine: SearchEngine) -> None:
    answer = await _answer(seed_engine, DOPAMINE_QUESTION)

    assert answer.article.title == DESIGNING_BRAINS
    assert "**dopamine**" in answer.passage
    assert "reward prediction error" in answer.passage
    assert answer.summary


async def test_related_links_include_the_articles_own_list(seed_engine: SearchEngine) -> None:
    answer = await _answer(seed_engine, "deep neural networks decipher how brains work wired")

    urls = [r.url for r in answer.related]
    assert QUANTA_RELATED in urls
    assert all(u and u.startswith("https://") for u in urls)
    assert answer.article.url not in urls


def _article(id: str, title: str, url: str | None, *related: RelatedLink) -> Article:
    return Article(
        id=id,
        source=f"{id}.md",
        shape="frontmatter",
        title=title,
        body="",
        url=url,
        related=related,
    )


def _related_field(answer_card: dict) -> list[str]:
    [field] = [f for f in answer_card["fields"] if f["name"] == "Related"]
    return field["value"].splitlines()


def test_related_links_are_listed_once_by_url_and_by_article() -> None:
    story = "https://example.org/story"
    article = _article(
        "a",
        "Canvas apps in a day",
        "https://example.org/canvas",
        RelatedLink("Forms explained", "https://example.org/forms"),
        RelatedLink("Forms explained (again)", "https://example.org/forms/"),
        RelatedLink("Canvas apps in a day", "https://reprint.example.net/canvas"),
        RelatedLink("Itself", "https://example.org/canvas"),
        RelatedLink("Galleries", story),
    )
    similar = [
        _article("b", "Galleries", "https://other.example.com/galleries"),  # a reprint
        _article("c", "Forms explained", "https://example.org/forms"),
        _article("d", "Flows", "https://example.org/flows"),
        _article("e", "Flows, reposted", "https://example.org/flows"),
    ]

    answer = compose_answer(article, "canvas", 1.0, similar)

    assert [(r.title, r.url) for r in answer.related] == [
        ("Forms explained", "https://example.org/forms"),
        ("Galleries", story),
        ("Flows", "https://example.org/flows"),
    ]
    assert _related_field(answer_embed(answer)) == [
        "• [Forms explained](https://example.org/forms)",
        f"• [Galleries]({story})",
        "• [Flows](https://example.org/flows)",
    ]


@needs_shared_corpus
async def test_no_shared_corpus_answer_lists_a_link_twice_or_itself(
    full_engine: SearchEngine,
) -> None:
    """The shared corpus has reprints and articles whose similar articles share a URL: a
    member must still see each related link once, and never the article they are reading."""
    articles = await full_engine.store.get_articles([e.id for e in full_engine.catalog.entries])
    assert len(articles) >= 791
    repeated = []
    for article in articles:
        answer = await build_answer(full_engine, article, article.title, 1.0)
        shown = [r for r in answer.related if r.url]
        urls = [r.url.rstrip("/") for r in shown if r.url]
        titles = [r.title.casefold().strip() for r in shown]
        if (
            len(set(urls)) < len(urls)
            or len(set(titles)) < len(titles)
            or (article.url or "").rstrip("/") in urls
            or article.title.casefold().strip() in titles
        ):
            repeated.append(article.source)
    assert repeated == []


async def test_passage_without_query_words_is_the_opening(seed_engine: SearchEngine) -> None:
    article = await seed_engine.store.get_article(
        (await seed_engine.search(DOPAMINE_QUESTION)).hits[0].article_id
    )

    assert best_passage(article, "the").startswith("Despite billions of dollars")


async def test_terminal_and_embed_renderings(seed_engine: SearchEngine) -> None:
    answer = await _answer(seed_engine, DOPAMINE_QUESTION)

    text = answer_text(answer)
    assert "Designing artificial brains can help us learn more about real ones" in text
    assert "reward prediction error" in text
    embed = answer_embed(answer)
    assert embed["title"].startswith("Designing artificial brains")
    assert embed["url"].startswith("https://")
    assert_embed_within_limits(embed)
    assert embed["footer"]["text"].startswith("The Conversation · 2020-02-14")


def test_the_passage_meaning_found_shows_only_when_the_words_point_nowhere() -> None:
    body = (
        "The opening talks about gardens. Roses need sun. Tulips come in spring. "
        "Bulbs rest in winter.\n\nLater, dopamine signals a reward that beats the guess. "
        "Neurons fire more. The brain learns from it. Predictions improve."
    )
    article = Article(id="x", source="x.md", shape="frontmatter", title="Notes", body=body)

    by_words = compose_answer(article, "dopamine reward", 1.0, [], passage_part=1)
    by_meaning = compose_answer(article, "chemical payoff surprise", 1.0, [], passage_part=2)

    assert "**dopamine**" in by_words.passage  # the words' passage holds the question's word
    assert by_meaning.passage.startswith("Later, dopamine signals")  # passage 2, from meaning
