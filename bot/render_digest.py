"""A day's digest -> one Discord embed dict within Discord's limits, and how to recognise it.

Each article is its answer card (bot/render.py), folded into one field of the list, so the
digest, /ask and the replies show an article the same way, under the same limits.

The footer carries a stable marker with the local date: after a crash between sending and
recording the message id, the bot finds its own digest in the channel's history by it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from bot.models import Article, DigestPost, DigestSettings
from bot.render import (
    EMBED_TOTAL_MAX,
    FIELDS_MAX,
    LISTED_SUMMARY_MAX,
    TITLE_MAX,
    article_card,
    byline,
    card_field,
    fit_embed,
    truncate,
)

DIGEST_MARKER = "articlebot daily digest"
DIGEST_COLOUR = 0x2B6CB0


def digest_title(day: date | str) -> str:
    return f"Daily digest — {_iso(day)}"


def digest_footer(day: date | str) -> str:
    """The footer text, which is also the marker `is_digest_footer` looks for."""
    return f"{DIGEST_MARKER} · {_iso(day)}"


def is_digest_footer(text: str | None, day: date | str) -> bool:
    return text is not None and text.strip() == digest_footer(day)


def digest_embed(day: date | str, articles: Sequence[Article]) -> dict[str, Any]:
    """The digest of `day`: one field per article, its answer card folded (byline, linked
    title, short summary). Each article gets an equal share of the 6,000 characters an embed
    may hold."""
    articles = list(articles)[:FIELDS_MAX]
    title = truncate(digest_title(day), TITLE_MAX)
    footer = digest_footer(day)
    share = (EMBED_TOTAL_MAX - len(title) - len(footer) - 50) // max(len(articles), 1)
    fields = [
        card_field(i, article_card(a, a.summary), share) for i, a in enumerate(articles, start=1)
    ]
    embed: dict[str, Any] = {
        "title": title,
        "color": DIGEST_COLOUR,
        "fields": fields,
        "footer": {"text": footer},
    }
    if not articles:
        embed["description"] = "No articles match this digest's topics."
    return fit_embed(embed)


def digest_text(day: date | str, articles: Iterable[Article]) -> str:
    """The digest as plain text, for a terminal."""
    lines = [digest_title(day), ""]
    for i, article in enumerate(articles, start=1):
        lines.append(f"{i}. {article.title}")
        if meta := byline(article):
            lines.append(f"   {meta}")
        if article.url:
            lines.append(f"   {article.url}")
        if article.summary:
            lines.append(f"   {truncate(article.summary, LISTED_SUMMARY_MAX)}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def settings_line(settings: DigestSettings) -> str:
    """ "on · #channel · 09:00 (Europe/Paris) · 3 articles · every topic" """
    channel = f"<#{settings.channel_id}>" if settings.channel_id else "no channel yet"
    topics = ", ".join(settings.topics) or "every topic"
    return (
        f"{'on' if settings.enabled else 'off'} · {channel} · {settings.time} "
        f"({settings.timezone}) · {settings.size} articles · {topics}"
    )


def status_fields(
    settings: DigestSettings,
    last: DigestPost | None,
    next_at: datetime | None,
    needed: Sequence[str],
) -> list[tuple[str, str]]:
    """(name, value) pairs for /admin status: settings, next and last post, any problem."""
    fields = [("Daily digest", settings_line(settings))]
    if next_at is not None:
        fields.append(("Next digest", f"<t:{int(next_at.timestamp())}:F>"))
    if last is None or last.message_id is None:
        fields.append(("Last digest", "never posted"))
    else:
        url = f"https://discord.com/channels/{last.guild_id}/{last.channel_id}/{last.message_id}"
        fields.append(("Last digest", f"{last.local_date} in <#{last.channel_id}> · [open]({url})"))
    if settings.disabled_reason:
        fix = (
            f"Give me {', '.join(needed)} there (or choose another channel), then /admin digest on."
        )
        fields.append(("Digest turned off", f"{settings.disabled_reason}. {fix}"))
    elif settings.last_error:
        fields.append(("Last digest problem", settings.last_error))
    return fields


def _iso(day: date | str) -> str:
    return day if isinstance(day, str) else day.isoformat()
