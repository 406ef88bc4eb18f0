"""Article <-> database row. The searchable text gets columns; everything else is JSON."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from bot.models import Article, Link, Provider, RelatedLink

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
        "\n".join(r.title for r in article.related),
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
    )
