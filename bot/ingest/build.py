"""What every parser does last: id, title check, summary."""

from __future__ import annotations

import hashlib
from typing import Any

from bot.ingest.errors import IngestError
from bot.ingest.summarize import summarize
from bot.models import Article


def article_id(source: str) -> str:
    """Stable id of a corpus file: 16 hex chars of the BLAKE2b hash of its relative path."""
    return hashlib.blake2b(source.encode("utf-8"), digest_size=8).hexdigest()


def build_article(
    source: str,
    shape: str,
    *,
    title: str,
    body: str = "",
    excerpt: str | None = None,
    **fields: Any,
) -> Article:
    """An Article with its id and summary; IngestError when there is no title."""
    if not any(ch.isalnum() for ch in title):
        raise IngestError(source, "no title")
    summary = excerpt or summarize(body)
    return Article(
        id=article_id(source),
        source=source,
        shape=shape,
        title=title.strip(),
        body=body,
        excerpt=excerpt or None,
        summary=summary,
        **fields,
    )
