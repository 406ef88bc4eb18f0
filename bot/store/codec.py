"""Article <-> database row. The searchable text gets columns; everything else is JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from bot.models import Article, Link, Provider, RelatedLink
from bot.text import words

# Column order of the `articles` table, after rowid.
ROW_COLUMNS = (
    "id",
    "corpus",
    "source",
    "title",
    "summary",
    "topics",
    "body",
    "provider",
    "related",
    "published",
    "quality",
    "data",
)


def article_to_row(article: Article, corpus: str) -> tuple[Any, ...]:
    provider_text = " ".join(
        part
        for part in (article.provider.name if article.provider else None, *article.authors)
        if part
    )
    data = {
        "shape": article.shape,
        "excerpt": article.excerpt,
        "authors": list(article.authors),
        "provider": asdict(article.provider) if article.provider else None,
        "url": article.url,
        "image": article.image,
        "type": article.type,
        "topics": list(article.topics),
        "related": [asdict(r) for r in article.related],
        "links": [asdict(link) for link in article.links],
        "venue": article.venue,
        "year": article.year,
        "heat": article.heat,
        "contents": list(article.contents),
    }
    return (
        article.id,
        corpus,
        article.source,
        article.title,
        article.summary,
        "\n".join(article.topics),
        article.body,
        provider_text,
        related_text(article),
        article.published,
        article.quality,
        json.dumps(data, ensure_ascii=False, separators=(",", ":")),
    )


def article_from_row(row: Any) -> Article:
    """Build an Article from a row selected with `ROW_COLUMNS` (by name)."""
    data = json.loads(row["data"])
    provider = data.get("provider")
    return Article(
        id=row["id"],
        source=row["source"],
        shape=data["shape"],
        title=row["title"],
        body=row["body"],
        excerpt=data.get("excerpt"),
        summary=row["summary"],
        published=row["published"],
        authors=tuple(data.get("authors", ())),
        provider=Provider(**provider) if provider else None,
        url=data.get("url"),
        image=data.get("image"),
        type=data.get("type"),
        topics=tuple(data.get("topics", ())),
        related=tuple(RelatedLink(**r) for r in data.get("related", ())),
        links=tuple(Link(**link) for link in data.get("links", ())),
        venue=data.get("venue"),
        year=data.get("year"),
        quality=row["quality"],
        heat=data.get("heat"),
        contents=tuple(data.get("contents", ())),
    )


# The words members use for a kind of item ("which playlist has ...", "the module on ...").
_KIND_WORDS = {
    "collection": "collection series playlist learning path",
    "course": "course module",
    "download": "download sample",
    "profile": "profile person",
}


def row_terms(row: tuple[Any, ...]) -> frozenset[str]:
    """The distinct words of an article row's searchable columns, for the vocabulary's
    document frequencies (the same text as the FTS columns, so a delete subtracts exactly
    what the insert added)."""
    return searchable_terms(row[3:9])


def searchable_terms(columns: Sequence[str]) -> frozenset[str]:
    """row_terms of the searchable columns alone (title, summary, topics, body, provider,
    related), as read back from the articles table."""
    return frozenset(words(" ".join(columns)))


def related_text(article: Article) -> str:
    """What the article is and points to, for search: its kind, related links, the items
    it collects.

    A collection's items are paths ("courses/microsoft-learn-liquid-template-language");
    their words name the item well enough to find the collection by what it holds.
    """
    kind = article.type or ""
    lines = [_KIND_WORDS.get(kind, kind)]
    lines += [f"{r.title} {r.excerpt or ''}".strip() for r in article.related]
    lines += [item.rsplit("/", 1)[-1].replace("-", " ") for item in article.contents]
    return "\n".join(line for line in lines if line)
