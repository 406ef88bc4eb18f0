"""The answer a member reads: summary, the passage that answers, link, related links."""

from __future__ import annotations

from bot.answer import best_passage, build_answer
from bot.render import answer_embed, answer_text
from bot.search import SearchEngine
from tests.bot_harness import assert_embed_within_limits

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
