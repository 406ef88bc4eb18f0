"""Answers -> Discord embed dicts within Discord's limits, or plain text for a terminal."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from bot.models import Answer, Article, RelatedLink, SearchResult
from bot.text import escape_markdown

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

SUMMARY_MAX = 700
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


def byline(article: Article) -> str:
    """ "Provider · 2020-02-14 · Author" with whatever parts the article has."""
    parts = [
        article.provider.name if article.provider else None,
        (article.published or "")[:10] or (str(article.year) if article.year else None),
        ", ".join(article.authors[:3]) or None,
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


def answer_embed(answer: Answer) -> dict[str, Any]:
    article = answer.article
    embed: dict[str, Any] = {
        "title": truncate(article.title, TITLE_MAX),
        "description": truncate(escape_markdown(answer.summary), SUMMARY_MAX),
        "fields": [],
    }
    if url := safe_url(article.url):
        embed["url"] = url
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
    if footer := byline(article):
        embed["footer"] = {"text": truncate(footer, FOOTER_MAX)}
    if image := safe_url(article.image):
        embed["image"] = {"url": image}
    return fit_embed(embed)


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
    if meta := byline(article):
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
