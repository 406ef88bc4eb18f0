"""Search with the real model over the seeds: meaning finds what the words cannot, and what
the words find (a title, a typo, nothing at all) keeps its answer. No stand-in here."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.library import question_embedder
from bot.search import SearchEngine
from bot.semantic import Embedder
from bot.settings import Settings
from bot.store import Store
from bot.vectors import fill

DOPAMINE_TITLE = "Designing artificial brains can help us learn more about real ones"
DOPAMINE_SEED = "002_060ea2ca1cd9a942.txt"
QUESTION_SEED = "003_dd0ec8e4cc14ac45.txt"


@pytest.fixture(scope="module")
def model() -> Embedder:
    embedder = question_embedder(Settings(semantic=True))
    assert embedder is not None
    return embedder


@pytest.fixture
async def engines(seeded: Store, model: Embedder) -> AsyncIterator[tuple[SearchEngine, ...]]:
    report = await fill(seeded, model)
    assert report.articles == 5  # every seed encoded once
    yield await SearchEngine.load(seeded), await SearchEngine.load(seeded, embedder=model)


async def test_a_question_sharing_no_word_with_its_article_finds_it(
    engines: tuple[SearchEngine, SearchEngine],
) -> None:
    words, both = engines
    # No word of it is in the article (the words offer other seeds); meaning puts it first at a
    # cosine of about 0.41. (A question further off, about 0.1, is as near as gibberish:
    # then no title is offered at all.)
    question = "AI imitating grey matter"

    assert DOPAMINE_TITLE not in (await words.search(question)).nearest
    assert (await both.search(question)).nearest[0] == DOPAMINE_TITLE


@pytest.mark.parametrize(
    ("question", "source"),
    [
        ("If deep learning is the answer, then what is the question?", QUESTION_SEED),
        ("dopamin nurons rewrd", DOPAMINE_SEED),
        ("Blake Richards", DOPAMINE_SEED),
    ],
)
async def test_a_title_a_typo_and_a_name_keep_their_answers(
    engines: tuple[SearchEngine, SearchEngine], question: str, source: str
) -> None:
    words, both = engines

    assert (await words.search(question)).hits[0].source == source
    assert (await both.search(question)).hits[0].source == source


@pytest.mark.parametrize("question", ["best pizza in naples", "how do I file my taxes"])
async def test_the_gate_still_says_nothing_found(
    engines: tuple[SearchEngine, SearchEngine], question: str
) -> None:
    _, both = engines

    result = await both.search(question)

    assert not result.answered and result.hits == ()


async def test_vectors_are_encoded_once_and_again_only_for_a_changed_article(
    store: Store, seeds_copy: Path, model: Embedder
) -> None:
    await store.reload([seeds_copy])
    first = await fill(store, model)
    again = await fill(store, model)
    seed = seeds_copy / QUESTION_SEED
    seed.write_text(seed.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    await store.reload([seeds_copy])
    waiting = await store.embeddings.pending_count(model.name)
    after_edit = await fill(store, model)

    assert (first.articles, again.articles, waiting, after_edit.articles) == (5, 0, 1, 1)
    assert await store.embeddings.pending_count(model.name) == 0
