"""Answers -> Discord embed dicts within Discord's limits, or plain text for a terminal.

One answer card shows an article everywhere: `article_card` (linked title, summary, byline,
image) is what /ask, a mention or forum reply (`answer_embed`, which adds the passage and
related links) and each entry of the daily digest (`card_field`, the card folded into one
field of a list) are made of, under the same limits.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from bot.models import Answer, Article, Hit, RelatedLink, SearchResult
from bot.text import escape_markdown

if TYPE_CHECKING:
    from bot.store import CatalogEntry

# Discord's documented limits.
TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FIELDS_MAX = 25
FOOTER_MAX = 2048
AUTHOR_MAX = 256
EMBED_TOTAL_MAX = 6000
EMBEDS_PER_MESSAGE = 10
EMBED_URL_MAX = 2048
BUTTON_URL_MAX = 512
CHOICE_MAX = 100
CUSTOM_ID_MAX = 100
CONTENT_MAX = 2000
BUTTON_LABEL_MAX = 80
SELECT_LABEL_MAX = 100
SELECT_DESCRIPTION_MAX = 100
SELECT_OPTIONS_MAX = 25
PLACEHOLDER_MAX = 150

SUMMARY_MAX = 700  # an answer card's summary: a few sentences, the passage says the rest
# A card folded into a list (the digest): a teaser to scan, and ten must share one embed.
LISTED_SUMMARY_MAX = SUMMARY_MAX // 2
LISTED_TITLE_MAX = 200  # a title inside a list entry: leaves room for its link and summary
RELATED_SHOWN = 5
ELLIPSIS = "…"


def truncate(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, ending on a whole word followed by "…"."""
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - len(ELLIPSIS)]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    # A cut inside a markdown escape or bold marker would leave a dangling backslash or "**".
    cut = cut.rstrip(" \\,;:-")
    if cut.count("**") % 2:
        cut = cut[: cut.rfind("**")].rstrip()
    return cut + ELLIPSIS


def safe_url(url: str | None, limit: int = EMBED_URL_MAX) -> str | None:
    """The URL if Discord will accept it: absolute http(s), a host, no spaces, short enough."""
    if not url or len(url) > limit or any(c.isspace() for c in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme in ("http", "https") and parts.netloc else None


AUTHOR_UNNAMED = "author not named"


def byline(article: Article, author_unnamed: bool = False) -> str:
    """ "Provider · 2020-02-14 · Author" with whatever parts the article has; the author's
    place says AUTHOR_UNNAMED when the question asked who wrote it and it names nobody."""
    parts = [
        article.provider.name if article.provider else None,
        (article.published or "")[:10] or (str(article.year) if article.year else None),
        ", ".join(article.authors[:3]) or (AUTHOR_UNNAMED if author_unnamed else None),
    ]
    return " · ".join(p for p in parts if p)


def related_lines(related: tuple[RelatedLink, ...], limit: int = RELATED_SHOWN) -> list[str]:
    lines = []
    for link in related:
        url = safe_url(link.url)
        if url is None:
            continue
        title = escape_markdown(truncate(link.title, 120))
        lines.append(f"• [{title}]({url})")
        if len(lines) >= limit:
            break
    return lines


def article_card(article: Article, summary: str, author_unnamed: bool = False) -> dict[str, Any]:
    """The answer card: the article's title linked to it, a summary, the byline, the image."""
    card: dict[str, Any] = {
        "title": truncate(article.title, TITLE_MAX),
        "description": truncate(escape_markdown(summary), SUMMARY_MAX),
        "fields": [],
    }
    if url := safe_url(article.url):
        card["url"] = url
    if footer := byline(article, author_unnamed):
        card["footer"] = {"text": truncate(footer, FOOTER_MAX)}
    if image := safe_url(article.image):
        card["image"] = {"url": image}
    return card


def answer_embed(answer: Answer) -> dict[str, Any]:
    """The card of the answering article, with the passage that answers and related links."""
    embed = article_card(answer.article, answer.summary, answer.author_unnamed)
    if answer.passage:
        embed["fields"].append(
            {
                "name": "From the article",
                "value": truncate(answer.passage, FIELD_VALUE_MAX),
                "inline": False,
            }
        )
    if lines := related_lines(answer.related):
        embed["fields"].append(
            {"name": "Related", "value": _join_within(lines, FIELD_VALUE_MAX), "inline": False}
        )
    return fit_embed(embed)


def card_field(number: int, card: dict[str, Any], share: int) -> dict[str, Any]:
    """`card` folded into one numbered field of a list, in at most `share` characters: the
    byline names the field; the linked title, then the summary, fill it. The summary gives
    way first, then the link (a very long URL leaves the title unlinked)."""
    meta = card.get("footer", {}).get("text", "")
    name = truncate(f"{number}. {meta}" if meta else f"{number}.", min(FIELD_NAME_MAX, share // 4))
    room = min(FIELD_VALUE_MAX, share - len(name))
    title = escape_markdown(truncate(card["title"], min(LISTED_TITLE_MAX, room // 3)))
    value = linked_title(title or "Untitled", card.get("url"), room * 2 // 3)
    limit = min(LISTED_SUMMARY_MAX, room - len(value) - 1)
    if card.get("description") and limit >= 20:
        value += "\n" + truncate(card["description"], limit)
    return {"name": name, "value": value, "inline": False}


def linked_title(title: str, url: str | None, limit: int) -> str:
    """**[title](url)**, or **title** when the URL is unusable or longer than `limit`."""
    url = safe_url(url, BUTTON_URL_MAX)
    if url is not None:
        # A parenthesis in the URL would end the markdown link early.
        link = f"**[{title}]({url.replace('(', '%28').replace(')', '%29')})**"
        if len(link) <= limit:
            return link
    return f"**{title}**"


def fit_embed(embed: dict[str, Any]) -> dict[str, Any]:
    """Enforce every per-embed limit, dropping trailing fields if the total is too long."""
    embed["fields"] = [
        {
            "name": truncate(f["name"], FIELD_NAME_MAX),
            "value": truncate(f["value"], FIELD_VALUE_MAX),
            "inline": f.get("inline", False),
        }
        for f in embed.get("fields", [])[:FIELDS_MAX]
        if f.get("name") and f.get("value")
    ]
    while embed_length(embed) > EMBED_TOTAL_MAX and embed["fields"]:
        embed["fields"].pop()
    if embed_length(embed) > EMBED_TOTAL_MAX:
        room = EMBED_TOTAL_MAX - (embed_length(embed) - len(embed.get("description", "")))
        embed["description"] = truncate(embed.get("description", ""), max(room, 1))
    return embed


def embed_length(embed: dict[str, Any]) -> int:
    """Characters Discord counts toward the 6,000 per embed."""
    total = len(embed.get("title", "")) + len(embed.get("description", ""))
    total += len(embed.get("footer", {}).get("text", ""))
    total += len(embed.get("author", {}).get("name", ""))
    total += sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", []))
    return total


def _join_within(lines: list[str], limit: int) -> str:
    kept: list[str] = []
    for line in lines:
        if len("\n".join([*kept, line])) > limit:
            break
        kept.append(line)
    return "\n".join(kept) or truncate(lines[0], limit)


# -- lists, cards and menus ---------------------------------------------------------------

LIST_PER_PAGE = 10
TOPICS_PER_PAGE = 20


def paged_answer_embed(answer: Answer, index: int, total: int) -> dict[str, Any]:
    """The answer card with "answer 2 of 5" after the byline, when there is more than one."""
    embed = answer_embed(answer)
    if total > 1:
        position = f"answer {index + 1} of {total}"
        footer = embed.get("footer", {}).get("text", "")
        # The position must survive: shorten the byline, never the counter.
        room = FOOTER_MAX - len(position) - 3
        text = f"{truncate(footer, room)} · {position}" if footer else position
        embed["footer"] = {"text": text}
    return fit_embed(embed)


def choice_name(title: str) -> str:
    """An autocomplete choice name: 1-100 characters, cut on a word."""
    return truncate(" ".join(title.split()), CHOICE_MAX) or "(untitled)"


def option_label(text: str) -> str:
    """A select option label: 1-100 characters, cut on a word."""
    return truncate(" ".join(text.split()), SELECT_LABEL_MAX) or "(untitled)"


def button_url(url: str | None) -> str | None:
    """The URL if a link button accepts it (absolute http(s), at most 512 characters)."""
    return safe_url(url, BUTTON_URL_MAX)


def entry_description(entry: CatalogEntry) -> str | None:
    """ "2020-11-01 · Machine Learning, AI" for a select option, or None if there is nothing."""
    parts = [(entry.published or "")[:10] or None, ", ".join(entry.topics[:3]) or None]
    text = " · ".join(p for p in parts if p)
    return truncate(text, SELECT_DESCRIPTION_MAX) if text else None


def entry_line(number: int, entry: CatalogEntry) -> str:
    title = escape_markdown(truncate(" ".join(entry.title.split()), 200))
    date = (entry.published or "")[:10]
    return f"{number}. **{title}**" + (f" · {date}" if date else "")


def entry_list_embed(
    heading: str, entries: list[CatalogEntry], start: int, page: int, pages: int
) -> dict[str, Any]:
    """One page of articles, numbered from `start` + 1, with "page 1 of 3" in the footer."""
    lines = [entry_line(start + i + 1, e) for i, e in enumerate(entries)]
    embed: dict[str, Any] = {
        "title": truncate(heading, TITLE_MAX),
        "description": _join_within(lines, DESCRIPTION_MAX) if lines else "Nothing here yet.",
    }
    if pages > 1:
        embed["footer"] = {"text": f"Page {page + 1} of {pages}"}
    return fit_embed(embed)


def topics_embed(topics: list[tuple[str, int]], page: int, pages: int) -> dict[str, Any]:
    lines = [
        f"**{escape_markdown(truncate(name, 200))}** · {count} article{'s' * (count != 1)}"
        for name, count in topics
    ]
    embed: dict[str, Any] = {
        "title": "Topics",
        "description": _join_within(lines, DESCRIPTION_MAX) if lines else "No topics yet.",
    }
    if pages > 1:
        embed["footer"] = {"text": f"Page {page + 1} of {pages}"}
    return fit_embed(embed)


def search_results_embed(query: str, hits: tuple[Hit, ...] | list[Hit]) -> dict[str, Any]:
    lines = [
        f"{i}. **{escape_markdown(truncate(' '.join(hit.title.split()), 200))}**"
        for i, hit in enumerate(hits, start=1)
    ]
    embed: dict[str, Any] = {
        "title": truncate(f"Results for “{' '.join(query.split())}”", TITLE_MAX),
        "description": _join_within(lines, DESCRIPTION_MAX),
        "footer": {"text": "Pick one below to open it."},
    }
    return fit_embed(embed)


def similar_embed(title: str, entries: list[CatalogEntry]) -> dict[str, Any]:
    lines = [entry_line(i, e) for i, e in enumerate(entries, start=1)]
    embed: dict[str, Any] = {
        "title": truncate(f"More like “{' '.join(title.split())}”", TITLE_MAX),
        "description": _join_within(lines, DESCRIPTION_MAX)
        if lines
        else "No similar articles in the library.",
    }
    return fit_embed(embed)


def nothing_found_embed(
    query: str, nearest: tuple[str, ...] | list[str], topics: list[str]
) -> dict[str, Any]:
    """ "Nothing answers that", with the nearest titles, else topics to browse."""
    shown = " ".join(query.split()) or "that"
    embed: dict[str, Any] = {
        "title": "Nothing found",
        "description": truncate(
            f"Nothing in the library answers “{escape_markdown(truncate(shown, 200))}”.",
            DESCRIPTION_MAX,
        ),
        "fields": [],
    }
    if nearest:
        lines = [f"• {escape_markdown(truncate(t, 200))}" for t in nearest]
        embed["fields"].append(
            {"name": "Nearest titles", "value": _join_within(lines, FIELD_VALUE_MAX)}
        )
    if topics:
        lines = [f"• {escape_markdown(truncate(t, 100))}" for t in topics]
        embed["fields"].append(
            {"name": "Topics to browse", "value": _join_within(lines, FIELD_VALUE_MAX)}
        )
    embed["footer"] = {"text": "Try other words, /article for a title, or /topic to browse."}
    return fit_embed(embed)


def help_embed(commands: list[tuple[str, str]]) -> dict[str, Any]:
    """What the bot can do: one line per command, (name, description) as the tree has them."""
    lines = [f"**{escape_markdown(name)}** · {escape_markdown(text)}" for name, text in commands]
    embed: dict[str, Any] = {
        "title": "What I can do",
        "description": _join_within(
            [
                "I answer questions from a library of articles. Everything I post links to "
                "its source.",
                "",
                *lines,
            ],
            DESCRIPTION_MAX,
        ),
    }
    return fit_embed(embed)


def message_length(embeds: list[dict[str, Any]]) -> int:
    """Characters Discord counts toward the 6,000 shared by every embed of one message."""
    return sum(embed_length(e) for e in embeds)


def pages_of(count: int, per_page: int) -> int:
    return max(1, -(-count // per_page))


# -- terminal ------------------------------------------------------------------------------

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ESCAPE = re.compile(r"\\(.)")


def plain(markdown: str, ansi: bool = False) -> str:
    """Discord markdown as terminal text: bold as ANSI (or left as **word**), escapes removed."""
    if ansi:
        markdown = _BOLD.sub("\x1b[1m\\1\x1b[0m", markdown)
    return _ESCAPE.sub(r"\1", markdown)


def answer_text(answer: Answer, ansi: bool = False) -> str:
    article = answer.article
    lines = [plain(f"**{escape_markdown(article.title)}**", ansi)]
    if meta := byline(article, answer.author_unnamed):
        lines.append(meta)
    if article.url:
        lines.append(article.url)
    lines += ["", plain(escape_markdown(answer.summary), ansi)]
    if answer.passage:
        lines += ["", "From the article:", "  " + plain(answer.passage, ansi)]
    if answer.related:
        lines += ["", "Related:"]
        lines += [f"  - {r.title}: {r.url}" for r in answer.related[:RELATED_SHOWN] if r.url]
    lines += ["", f"(confidence {answer.confidence:.2f})"]
    return "\n".join(lines)


def nothing_found_text(result: SearchResult) -> str:
    lines = [f"Nothing in the corpus answers “{truncate(result.query, 200)}”."]
    if result.nearest:
        lines += ["Nearest titles:", *(f"  - {t}" for t in result.nearest)]
    return "\n".join(lines)
