"""Markup to clean text, URL hygiene, dates and the extractive summary."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from bot.ingest.dates import date_from_words, iso_date
from bot.ingest.html_text import inline_text, to_text
from bot.ingest.markdown_text import strip_markdown
from bot.ingest.summarize import sentences, summarize
from bot.ingest.urls import absolute_url, site_base


def test_block_elements_become_paragraphs_and_br_a_line_break() -> None:
    html = (
        "<div><h2>Title</h2><p>One <b>bold</b> word.</p><ul><li>a</li><li>b</li></ul>x<br>y</div>"
    )
    assert to_text(html) == "Title\n\nOne bold word.\n\na\n\nb\n\nx\ny"


def test_script_style_head_and_comments_are_dropped() -> None:
    html = (
        "<html><head><title>Tab title</title><style>p { color: red; }</style></head>"
        "<body><!-- a comment --><script>var x = '<p>';</script><p>Visible</p>"
        "<noscript>Enable JS</noscript></body></html>"
    )
    assert to_text(html) == "Visible"


def test_hidden_elements_and_template_fields_are_not_text() -> None:
    html = '<p>Shown</p><div style="display: none">Preheader</div><p>{can-spam}</p>'
    assert to_text(html) == "Shown"


def test_entities_are_unescaped_even_when_escaped_twice() -> None:
    html = "<p>we&amp;#8217;re &amp;quot;here&amp;quot;&amp;nbsp;now &amp;amp; then</p>"
    assert to_text(html) == 'we’re "here" now & then'


def test_nbsp_and_whitespace_runs_are_folded() -> None:
    assert to_text("<p>a&nbsp;&nbsp; b\n\n\t c</p><p>&nbsp;</p><p> </p>") == "a b c"


def test_bold_lead_in_becomes_its_own_paragraph() -> None:
    html = "<p><strong>Story title</strong> The story text.</p><p>Mid <b>bold</b> text.</p>"
    assert to_text(html) == "Story title\n\nThe story text.\n\nMid bold text."


def test_bold_label_with_colon_stays_inline() -> None:
    assert to_text("<p><b>Note:</b> read this.</p>") == "Note: read this."


def test_images_contribute_no_text() -> None:
    html = '<p>Before <img src="/x.png" alt="x.png" title="x.png"> after</p><p><img src="y"></p>'
    assert to_text(html) == "Before after"


def test_markdown_paragraphs_and_soft_wraps() -> None:
    text = "First line\ncontinues here.\n\n\n# Heading\nNext *emphasis* and **strong** and `code`."
    assert to_text(text) == (
        "First line continues here.\n\nHeading\n\nNext emphasis and strong and code."
    )


def test_markdown_links_become_their_text() -> None:
    text = "See [the docs](https://example.org/a_(b)) and [this](#) or <https://example.org/x>."
    assert to_text(text) == "See the docs and this or https://example.org/x."


def test_markdown_with_inline_html_keeps_its_paragraphs() -> None:
    text = "Para *one*.\n\nPara two.\n\n<p>Para three &amp; more.</p>\n--"
    assert to_text(text) == "Para one.\n\nPara two.\n\nPara three & more."


def test_markdown_leaves_arithmetic_and_identifiers_alone() -> None:
    assert strip_markdown("2*3*4 and snake_case_name and a * b * c") == (
        "2*3*4 and snake_case_name and a * b * c"
    )


def test_markdown_images_dropped_and_lists_split() -> None:
    text = "Intro\n- one\n- two\n![alt](/img.png)"
    assert to_text(text) == "Intro\n\none\n\ntwo"


def test_inline_text_flattens_and_ignores_non_strings() -> None:
    assert inline_text("A <em>nice</em>\n title &amp;amp; more") == "A nice title & more"
    assert inline_text(2020) == "2020"
    assert inline_text(None) == ""
    assert inline_text(["a"]) == ""
    assert inline_text(True) == ""


@pytest.mark.parametrize(
    ("value", "base", "expected"),
    [
        ("https://example.org/a b.jpg", None, "https://example.org/a%20b.jpg"),
        ("http://example.org", None, "http://example.org"),
        (
            "/assets/images/x.jpg",
            "https://smartable.ai",
            "https://smartable.ai/assets/images/x.jpg",
        ),
        ("/assets/images/x.jpg", None, None),
        ("//cdn.example.org/p.png", None, "https://cdn.example.org/p.png"),
        ("img/p.png", "https://example.org", "https://example.org/img/p.png"),
        ("javascript:alert(1)", "https://example.org", None),
        ("mailto:someone@example.org", "https://example.org", None),
        ("ftp://example.org/file", None, None),
        ("https://", None, None),
        ("https://nodots/x", None, None),
        ("https://exa\nmple.org", None, None),
        ("", "https://example.org", None),
        (42, None, None),
        (None, None, None),
    ],
)
def test_absolute_url(value: object, base: str | None, expected: str | None) -> None:
    assert absolute_url(value, base) == expected


def test_site_base_takes_the_first_usable_origin() -> None:
    assert site_base(None, "https://www.wired.com/story/x/", "wired.com") == "https://www.wired.com"
    assert site_base("", "/relative", "microsoft.com") == "https://microsoft.com"
    assert site_base(None, 3) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime(2020, 11, 1, 8, 0, tzinfo=UTC), "2020-11-01T08:00:00Z"),
        (datetime(2020, 11, 1, 8, 0, 5, 123456, tzinfo=UTC), "2020-11-01T08:00:05Z"),
        (
            datetime(2020, 11, 1, 9, tzinfo=timezone(timedelta(hours=1))),
            "2020-11-01T09:00:00+01:00",
        ),
        (datetime(2020, 11, 1, 8, 0), "2020-11-01T08:00:00"),
        (date(2020, 2, 14), "2020-02-14"),
        ("2020-02-14", "2020-02-14"),
        ("2020-11-01T08:00:00Z", "2020-11-01T08:00:00Z"),
        ("February 14 2020", "2020-02-14"),
        ("February 14, 2020", "2020-02-14"),
        ("14 Feb 2020", "2020-02-14"),
        ("not a date", None),
        ("2020-99-99", None),
        (20200214, None),
        (None, None),
    ],
)
def test_iso_date(value: object, expected: str | None) -> None:
    assert iso_date(value) == expected


def test_date_from_words_rejects_other_text() -> None:
    assert date_from_words("by Blake Richards") is None


def test_sentences_split_on_sentence_ends_only() -> None:
    text = "It costs $3.50 today. e.g. this stays. Next one!\n\nNew paragraph? Yes."
    assert sentences(text) == [
        "It costs $3.50 today. e.g. this stays.",
        "Next one!",
        "New paragraph?",
        "Yes.",
    ]


def test_summary_keeps_the_lead_and_body_order() -> None:
    body = (
        "Neural networks learn from data in surprising ways today.\n\n"
        "Weather was nice on the day of the conference in the city.\n\n"
        "Neural networks with more data learn better representations of data.\n\n"
        "Click here to subscribe to our newsletter for more updates now.\n\n"
        "Short one.\n\n"
        "Training neural networks on data needs careful tuning of learning rates."
    )
    assert summarize(body) == (
        "Neural networks learn from data in surprising ways today. "
        "Neural networks with more data learn better representations of data. "
        "Training neural networks on data needs careful tuning of learning rates."
    )


def test_summary_of_long_sentences_is_two_sentences() -> None:
    long = " ".join(["word"] * 40)
    body = f"Alpha {long} alpha.\n\nBeta {long} alpha.\n\nGamma {long} alpha."
    assert len(sentences(summarize(body))) == 2


def test_summary_of_text_without_sentences() -> None:
    assert summarize("") == ""
    assert summarize("Just a heading") == "Just a heading"
