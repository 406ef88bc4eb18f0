"""The three corpus shapes, rendered from generated content.

Each mirrors a seed: frontmatter markdown like seeds/000 and the shared corpus, plain text
with title, byline, credit, body and "Provided by" like seeds/002, and a scraped paper page
with its UI noise like seeds/003.
"""

from __future__ import annotations

import base64
import json
import random
import re
from dataclasses import dataclass

MONTHS = (
    "January February March April May June July August September October November December"
).split()


@dataclass(frozen=True, slots=True)
class Content:
    """What one synthetic article says, before it takes a shape."""

    title: str
    excerpt: str
    body_paragraphs: tuple[str, ...]
    headings: dict[int, str]  # paragraph index -> a sub-heading printed before it
    provider: str
    author: str
    topics: tuple[str, ...]
    type: str
    date: tuple[int, int, int, int, int]  # year, month, day, hour, minute
    related_titles: tuple[str, ...]
    quality: int
    heat: int


def slug(text: str, limit: int = 60) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:limit].strip("-") or "article"


def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def _domain(provider: str) -> str:
    return (slug(provider, 30).replace("-", "") or "example") + ".com"


def render_frontmatter(c: Content, rng: random.Random) -> str:
    year, month, day, hour, minute = c.date
    url = f"https://www.{_domain(c.provider)}/{year}/{month:02d}/{slug(c.title)}"
    lines = [
        "---",
        "category: news",
        f"title: {_q(c.title)}",
        f"excerpt: {_q(c.excerpt)}",
        f"publishedDateTime: {year}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:00Z",
        f'originalUrl: "{url}"',
        f'webUrl: "{url}"',
        f"type: {c.type}",
        f"quality: {c.quality}",
        f"heat: {c.heat}",
        f"published: {'true' if rng.random() < 0.5 else 'false'}",
        "",
        "provider:",
        f"  name: {_q(c.provider)}",
        f"  domain: {_domain(c.provider)}",
        "",
        "topics:",
        *(f"  - {_q(t)}" for t in c.topics),
        "",
    ]
    if rng.random() < 0.7:
        lines += [
            "images:",
            f'  - url: "https://media.{_domain(c.provider)}/photos/{rng.getrandbits(64):016x}.jpg"',
            "    width: 1280",
            "    height: 720",
            "    isCached: true",
            "",
        ]
    if c.related_titles:
        lines.append("related:")
        for title in c.related_titles:
            lines += [
                f"  - title: {_q(title)}",
                f'    webUrl: "https://news.example.org/{slug(title)}"',
                "    type: article",
            ]
        lines.append("")
    secured = base64.b64encode(rng.randbytes(rng.randint(200, 320))).decode()
    lines += [f'secured: "{secured}"', "---", ""]
    if c.body_paragraphs:
        lines.append("".join(f"<p>{p}</p>" for p in c.body_paragraphs))
    return "\n".join(lines) + "\n"


def render_plaintext(c: Content, rng: random.Random) -> str:
    year, month, day, _, _ = c.date
    parts = [
        "",
        "",
        c.title,
        "",
        f"{MONTHS[month - 1]} {day} {year}, by {c.author}",
        "",
        "",
        "",
        f"Credit: {c.author.split()[0]} {rng.choice(('Bryant', 'Lee', 'Okafor', 'Novak'))} "
        "from Pexels",
        "",
    ]
    for i, paragraph in enumerate(c.body_paragraphs):
        if i in c.headings:
            parts += [c.headings[i], ""]
        parts += [paragraph, ""]
    parts += [
        f"Provided by {c.provider}",
        "",
        f"Citation: {c.title} ({year}, {MONTHS[month - 1]} {day}) retrieved 22 August 2025 "
        f"from <https://sciencex.com/news/{year}-{month:02d}-{slug(c.title, 30)}.html>",
        "",
        "<p>This document is subject to copyright. Apart from any fair dealing for the purpose "
        "of private study or research, no part may be reproduced without the written "
        "permission. The content is provided for information purposes only.</p>",
    ]
    return "\n".join(parts) + "\n"


def render_scraped(c: Content, rng: random.Random) -> str:
    year = c.date[0]
    venue = rng.choice(("preprint", "journal", "conference"))
    cites, reviews, saves = rng.randint(0, 400), rng.randint(0, 9), rng.randint(0, 60)
    abstract = " ".join(c.body_paragraphs)
    return _SCRAPED.format(
        title=c.title,
        abstract=abstract,
        meta=f"{venue}{year}arXivOpen access",
        cites=cites,
        reviews=reviews,
        saves=saves,
        institutions=rng.randint(0, 5),
    )


_SCRAPED = """Paper detail

{title}

{abstract}

{meta}
{cites}citations
{reviews}reviews
{saves}saves
Nocode
Nodataset
{institutions}institutions

Next steps

Decide what to do with this paper

Use like or dislike for the fast social read. The more specific scholarly feedback stays \
available below when needed.

Log in to curate

Reading frame

Keep the important context close to the paper

Keep the important signals around this paper in one place: votes, save state, collection \
context, reviews and the metadata you need before deciding what to do next.

Institutions

Add specific reaction

Move through the context

Research map

Open full explorer

Move through nearby people, institutions, topics and adjacent work without leaving the \
paper page.

Building this graph slice

BZPEER is loading the nearby papers, people, topics and institutions for this page.

Structured reviews

{reviews} review(s)

ContributeLeave structured feedbackUse the review template when you have a concrete \
strength, concern or method question.Open review form

No structured reviews yet. High-signal critique starts here.

Work discussion

0 comment(s)

DiscussAdd a high-signal commentKeep quick notes, caveats and replication pointers \
separate from formal reviews.Open comment form

No discussion yet. The first strong comment sets the tone.
"""
