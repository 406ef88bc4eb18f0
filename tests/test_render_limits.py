"""Every payload `render` builds fits Discord's limits, whatever the article throws at it."""

from __future__ import annotations

import pytest

from bot import render
from bot.models import Answer, Article, Hit, Provider, RelatedLink
from bot.store import CatalogEntry
from tests.bot_harness import assert_embed_within_limits
from tests.fake_discord import limits

WORD = "neuroplasticity"
LONG_TITLE = " ".join(["Dopamine", "neurons", "encode", "reward", "prediction"] * 12)[:300]


def _article(**changes: object) -> Article:
    fields: dict[str, object] = {
        "id": "huge.md",
        "source": "huge.md",
        "shape": "frontmatter",
        "title": LONG_TITLE,
        "body": (f"{WORD} " * 3000).strip(),
        "summary": "A summary sentence. " * 200,
        "published": "2021-03-04",
        "authors": tuple(f"Author Number {i}" for i in range(40)),
        "provider": Provider("P" * 3000),
        "url": "https://example.org/" + "a" * 100,
        "image": "https://example.org/image.png",
        "related": (
            *(
                RelatedLink(f"Related article {i} " + "word " * 60, f"https://example.org/r/{i}")
                for i in range(80)
            ),
            RelatedLink("javascript", "javascript:alert(1)"),
            RelatedLink("relative", "/relative/path"),
            RelatedLink("spaces", "https://example.org/a b"),
        ),
    }
    fields.update(changes)
    return Article(**fields)  # type: ignore[arg-type]


def _answer(article: Article | None = None) -> Answer:
    article = article or _article()
    return Answer(
        article=article,
        query="q",
        confidence=1.0,
        summary=article.summary,
        passage=f"**{WORD}** " * 400,
        related=article.related,
    )


def _entry(i: int, title: str = LONG_TITLE) -> CatalogEntry:
    return CatalogEntry(f"id-{i}", f"{i}.md", f"{title} {i}", ("Topic " * 30,), "2020-01-01", 1)


def _ends_on_a_word(cut: str, original: str) -> bool:
    """`cut` is a prefix of `original` ending with "…", and the cut fell between words."""
    kept = cut.removesuffix(render.ELLIPSIS)
    if not cut.endswith(render.ELLIPSIS) or not original.startswith(kept):
        return False
    rest = original[len(kept) :]
    return rest[:1] in (" ", ",", ";", ":", "-", "\\") or not rest


def test_huge_answer_card_fits_every_limit() -> None:
    card = render.answer_embed(_answer())

    assert_embed_within_limits(card)
    assert len(card["title"]) <= limits.EMBED_TITLE
    assert card["title"].endswith("…")
    assert _ends_on_a_word(card["title"], LONG_TITLE)
    assert card["url"].startswith("https://")
    assert all("javascript:" not in f["value"] for f in card["fields"])
    assert "/relative/path" not in str(card)


def test_paged_footer_keeps_the_position_when_the_byline_is_huge() -> None:
    card = render.paged_answer_embed(_answer(), 1, 5)

    assert_embed_within_limits(card)
    assert card["footer"]["text"].endswith("answer 2 of 5")
    assert len(card["footer"]["text"]) <= limits.EMBED_FOOTER_TEXT


def test_single_answer_has_no_position() -> None:
    card = render.paged_answer_embed(_answer(), 0, 1)

    assert "answer 1 of" not in card["footer"]["text"]


def test_unsafe_urls_are_dropped_from_the_card() -> None:
    card = render.answer_embed(_answer(_article(url="javascript:alert(1)", image="/img.png")))

    assert "url" not in card
    assert "image" not in card


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://example.org/x", True),
        ("http://example.org/x", True),
        ("https://example.org/" + "x" * 600, False),  # over the 512 of a link button
        ("/relative", False),
        ("javascript:alert(1)", False),
        ("ftp://example.org/x", False),
        ("https:///no-host", False),
        (None, False),
    ],
)
def test_button_url_accepts_only_short_absolute_http(url: str | None, ok: bool) -> None:
    assert (render.button_url(url) is not None) is ok


def test_choice_names_fit_and_end_on_a_word() -> None:
    name = render.choice_name(LONG_TITLE)

    assert len(name) <= limits.CHOICE_NAME
    assert _ends_on_a_word(name, LONG_TITLE)
    assert render.choice_name("   ") == "(untitled)"
    assert render.choice_name("Short title") == "Short title"


def test_option_labels_fit() -> None:
    assert len(render.option_label("x" * 500)) <= limits.SELECT_OPTION_LABEL
    assert len(render.option_label(LONG_TITLE)) <= limits.SELECT_OPTION_LABEL


def test_entry_list_page_of_long_titles_fits() -> None:
    entries = [_entry(i) for i in range(render.LIST_PER_PAGE)]

    page = render.entry_list_embed("T" * 400, entries, 0, 0, 3)

    assert_embed_within_limits(page)
    assert page["footer"]["text"] == "Page 1 of 3"
    assert render.entry_description(entries[0]) is not None
    assert len(render.entry_description(entries[0]) or "") <= limits.SELECT_OPTION_DESCRIPTION


def test_topics_page_fits() -> None:
    topics = [("Topic " * 60, 3)] * render.TOPICS_PER_PAGE

    assert_embed_within_limits(render.topics_embed(topics, 0, 1))


def test_search_results_and_similar_fit() -> None:
    hits = [Hit(f"id-{i}", f"{i}.md", LONG_TITLE, 0.5) for i in range(25)]

    assert_embed_within_limits(render.search_results_embed("q" * 5000, hits))
    assert_embed_within_limits(render.similar_embed(LONG_TITLE, [_entry(i) for i in range(25)]))
    assert_embed_within_limits(render.similar_embed("x", []))


@pytest.mark.parametrize("query", ["", "🧠" * 3000, "מה עושים נוירונים של דופמין", "@everyone"])
def test_nothing_found_fits_any_query(query: str) -> None:
    embed = render.nothing_found_embed(query, (LONG_TITLE,) * 3, ["Topic " * 50] * 5)

    assert_embed_within_limits(embed)
    assert embed["fields"][0]["name"] == "Nearest titles"


def test_help_fits_even_with_many_commands() -> None:
    embed = render.help_embed([(f"/command{i}", "does something useful " * 5) for i in range(200)])

    assert_embed_within_limits(embed)


def test_message_length_counts_every_embed() -> None:
    card = render.answer_embed(_answer())

    assert render.message_length([card, card]) == 2 * limits.embed_characters(card)


def test_pages_of() -> None:
    assert [render.pages_of(n, 10) for n in (0, 1, 10, 11, 95)] == [1, 1, 1, 2, 10]
