"""A plain-text news article (phys.org / The Conversation style exports).

Title on the first line, an optional "February 14 2020, by Name" byline, markdown-ish
paragraphs, then a trailer of reference, provider, citation and copyright lines that
is mined for metadata and kept out of the body.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.ingest.build import build_article
from bot.ingest.dates import date_from_words
from bot.ingest.html_text import inline_text, to_text
from bot.ingest.paragraphs import join_hard_wraps, raw_paragraphs
from bot.ingest.urls import absolute_url
from bot.models import Article, Link, Provider

SHAPE = "plaintext"
MAX_TITLE_CHARS = 200

_DATE = r"[A-Z][a-z]{2,8}\.? \d{1,2},? \d{4}|\d{1,2} [A-Z][a-z]{2,8}\.? \d{4}"
# "February 14 2020, by Blake Richards", "February 14 2020" or "by Jane Doe, March 3 2021"
_BYLINE = re.compile(
    rf"^(?:(?P<date>{_DATE})(?:\s*,?\s*by\s+(?P<by>.+))?"
    rf"|by\s+(?P<by2>.+?)(?:\s*,\s*(?P<date2>{_DATE}))?)$",
    re.IGNORECASE,
)
_AUTHOR_SPLIT = re.compile(r"\s*(?:,|&|\band\b)\s*")
_DOI = re.compile(r"(?:doi\.org/|\bdoi:?\s*)(10\.\d{4,9}/[^\s\]\)>\"]+)", re.IGNORECASE)
_URL = re.compile(r"https?://[^\s<>\"]+")
_ITALIC_VENUE = re.compile(r"\*([^*\n]+)\*\s*\((\d{4})\)")
_PLAIN_VENUE = re.compile(r",\s*([^,()]+?)\s*\((\d{4})\)")


def _starts(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"^(?:{pattern})", re.IGNORECASE)


# Caption and trailer paragraphs, recognised by how they start, and what each one is.
_TRAILER = (
    (_starts(r"(?:photo |image )?credits?:"), "drop"),
    (_starts(r"more information:"), "reference"),
    (_starts(r"journal information:\s*"), "journal"),
    (_starts(r"provided by\s+"), "provider"),
    (_starts(r"citation:"), "citation"),
    (_starts(r"this (?:article|story) (?:is|was) (?:republished|part of|originally)"), "drop"),
    (_starts(r"this document is subject to copyright"), "drop"),
    (_starts(r"(?:explore further|read the original article)\b"), "drop"),
    (_starts(r"©|\(c\)\s|copyright\s+(?:©|\(c\)|\d{4})"), "drop"),
)


@dataclass(slots=True)
class _Trailer:
    """What the trailer lines say about the article."""

    provider: str | None = None
    url: str | None = None
    venue: str | None = None
    year: int | None = None
    links: list[Link] = field(default_factory=list)


def parse(text: str, source: str) -> Article:
    title_line, rest = _first_text_line(text)
    title = " ".join(to_text(title_line).split())
    blocks = raw_paragraphs(rest)
    if len(title) > MAX_TITLE_CHARS:  # a paragraph, not a title: keep it, quote its start
        blocks.insert(0, title_line)
        title = _shorten(title)

    published, authors = None, ()
    if blocks and (byline := _BYLINE.match(inline_text(blocks[0]))):
        published = date_from_words(byline["date"] or byline["date2"] or "")
        authors = _authors(byline["by"] or byline["by2"] or "")
        blocks = blocks[1:]

    trailer = _Trailer()
    body: list[str] = []
    for raw in blocks:
        clean = to_text(raw)
        if clean and not _read_trailer(raw, clean, trailer):
            body.extend(clean.split("\n\n"))
    doi_url = next((link.url for link in trailer.links if link.label == "DOI"), None)
    return build_article(
        source,
        SHAPE,
        title=title,
        body="\n\n".join(join_hard_wraps(body)),
        published=published,
        authors=authors,
        provider=Provider(trailer.provider) if trailer.provider else None,
        url=trailer.url or doi_url,
        links=tuple(trailer.links),
        venue=trailer.venue,
        year=trailer.year,
    )


def _first_text_line(text: str) -> tuple[str, str]:
    """The first line with a letter or digit in it, and the text after it."""
    lines = text.split("\n")
    for index, line in enumerate(lines):
        if to_text(line):
            return line, "\n".join(lines[index + 1 :])
    return "", ""


def _read_trailer(raw: str, clean: str, trailer: _Trailer) -> bool:
    """Record what a trailer line says; False when `clean` is ordinary body text."""
    for pattern, kind in _TRAILER:
        match = pattern.match(clean)
        if match is None:
            continue
        rest = clean[match.end() :].strip()
        if kind == "provider":
            trailer.provider = rest.rstrip(".") or None
        elif kind == "journal":
            trailer.venue = rest.rstrip(".") or trailer.venue
        elif kind == "citation":
            found = _URL.search(clean)
            trailer.url = absolute_url(found[0].rstrip(".,;)>")) if found else trailer.url
        elif kind == "reference":
            _read_reference(raw, rest, trailer)
        return True
    return False


def _read_reference(raw: str, clean: str, trailer: _Trailer) -> None:
    for doi in _DOI.findall(raw):
        url = absolute_url(f"https://doi.org/{doi.rstrip('.,;')}")
        if url and all(link.url != url for link in trailer.links):
            trailer.links.append(Link("DOI", url))
    # The journal is the italic name before "(2019)", else the last ", Name (2019)".
    italic = _ITALIC_VENUE.search(raw)
    plain = _PLAIN_VENUE.findall(clean)
    venue, year = (italic[1], italic[2]) if italic else plain[-1] if plain else ("", "")
    if venue:
        trailer.venue = trailer.venue or inline_text(venue)
        trailer.year = int(year)


def _authors(text: str) -> tuple[str, ...]:
    names = (name.strip(" .") for name in _AUTHOR_SPLIT.split(text))
    return tuple(dict.fromkeys(name for name in names if name))


def _shorten(text: str) -> str:
    cut = text[:MAX_TITLE_CHARS].rsplit(" ", 1)[0]
    return f"{cut}…"
