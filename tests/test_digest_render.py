"""The digest embed: title, one field per article, the footer marker, Discord's limits."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

from bot.models import Answer, Article, Provider
from bot.render import answer_embed
from bot.render_digest import (
    digest_embed,
    digest_footer,
    digest_text,
    digest_title,
    is_digest_footer,
)
from tests.bot_harness import assert_embed_within_limits

DAY = date(2026, 11, 23)


def article(n: int, **changes: object) -> Article:
    fields: dict[str, object] = {
        "id": f"id{n}",
        "source": f"a{n}.md",
        "shape": "frontmatter",
        "title": f"Article number {n}",
        "summary": f"What article {n} says, in two sentences. It is short.",
        "published": "2024-05-01T08:00:00Z",
        "provider": Provider("Wired"),
        "url": f"https://example.org/{n}",
    }
    fields.update(changes)
    return Article(**fields)  # type: ignore[arg-type]


def test_the_digest_has_a_dated_title_and_one_field_per_article() -> None:
    embed = digest_embed(DAY, [article(1), article(2, provider=None, published=None)])
    assert embed["title"] == "Daily digest — 2026-11-23"
    assert [f["name"] for f in embed["fields"]] == ["1. Wired · 2024-05-01", "2."]
    first = embed["fields"][0]["value"]
    assert first == (
        "**[Article number 1](https://example.org/1)**\n"
        "What article 1 says, in two sentences. It is short."
    )
    assert not any(f["inline"] for f in embed["fields"])


def test_each_entry_shows_the_article_as_its_answer_card_does() -> None:
    # The same card as /ask and the replies: its byline, linked title and summary.
    shown = article(1, title="Dopamine *and* reward", summary="Neurons [signal] errors.")
    card = answer_embed(
        Answer(article=shown, query="dopamine", confidence=1.0, summary=shown.summary, passage="")
    )

    [entry] = digest_embed(DAY, [shown])["fields"]

    assert entry["name"] == f"1. {card['footer']['text']}" == "1. Wired · 2024-05-01"
    assert entry["value"] == (
        rf"**[Dopamine \*and\* reward]({card['url']})**" + "\n" + card["description"]
    )
    assert card["description"] == r"Neurons \[signal\] errors."


def test_the_footer_is_a_stable_marker_of_the_local_day() -> None:
    embed = digest_embed(DAY, [article(1)])
    assert embed["footer"]["text"] == digest_footer(DAY) == "articlebot daily digest · 2026-11-23"
    assert is_digest_footer(embed["footer"]["text"], "2026-11-23")
    assert is_digest_footer(embed["footer"]["text"], DAY)
    assert not is_digest_footer(embed["footer"]["text"], "2026-11-24")
    assert not is_digest_footer(None, DAY)
    assert not is_digest_footer("Daily digest — 2026-11-23", DAY)
    assert digest_title("2026-11-23") == digest_title(DAY)


def test_titles_and_summaries_are_literal_text_not_markdown() -> None:
    embed = digest_embed(
        DAY, [article(1, title="[Click](https://evil.example) *now*", summary="a_b *c*")]
    )
    value = embed["fields"][0]["value"]
    assert value.startswith(r"**[\[Click\](https://evil.example) \*now\*](https://example.org/1)**")
    assert value.endswith(r"a\_b \*c\*")


def test_unsafe_or_missing_links_leave_the_title_unlinked() -> None:
    embed = digest_embed(
        DAY,
        [
            article(1, url=None),
            article(2, url="javascript:alert(1)"),
            article(3, url="https://example.org/a (b)"),
            article(4, url="https://en.wikipedia.org/wiki/Python_(language)"),
        ],
    )
    values = [f["value"].split("\n")[0] for f in embed["fields"]]
    assert values[:3] == ["**Article number 1**", "**Article number 2**", "**Article number 3**"]
    assert (
        values[3] == "**[Article number 4](https://en.wikipedia.org/wiki/Python_%28language%29)**"
    )


def test_ten_long_articles_fit_in_one_embed() -> None:
    long = [
        article(
            n,
            title="A very long title " * 30,
            summary="A long summary sentence that goes on. " * 200,
            url="https://example.org/" + "x" * 400,
            authors=("Someone With A Long Name",) * 3,
        )
        for n in range(10)
    ]
    embed = digest_embed(DAY, long)
    assert len(embed["fields"]) == 10
    assert_embed_within_limits(embed)
    for field in embed["fields"]:
        assert field["value"].endswith("…")  # the summary was cut, not dropped
    assert embed["footer"]["text"] == digest_footer(DAY)


def test_an_empty_digest_says_why() -> None:
    embed = digest_embed(DAY, [])
    assert embed["fields"] == []
    assert embed["description"] == "No articles match this digest's topics."


def test_the_terminal_text() -> None:
    text = digest_text(DAY, [article(1), article(2, url=None)])
    assert text.splitlines()[:5] == [
        "Daily digest — 2026-11-23",
        "",
        "1. Article number 1",
        "   Wired · 2024-05-01",
        "   https://example.org/1",
    ]


def test_the_digest_core_imports_without_discord() -> None:
    code = (
        "import sys; sys.modules['discord'] = None\n"
        "import bot.digest, bot.render_digest, bot.store.digests"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
