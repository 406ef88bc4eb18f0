"""A paper page saved as text from a research site: title, abstract, then page chrome.

The page reads "Paper detail" / title / abstract / a glued metadata line
("preprint2020arXivOpen access") / counters ("0citations") / panels of UI copy.
Only the title and abstract are the document; the metadata line gives type, year, venue.
"""

from __future__ import annotations

import re

from bot.ingest.build import build_article
from bot.ingest.html_text import inline_text, to_text
from bot.ingest.paragraphs import join_hard_wraps
from bot.models import Article

SHAPE = "scraped"

# A page's own heading says what kind of page it is, never what the document is called.
GENERIC_HEADING = re.compile(
    r"^(?:(?:paper|article|publication|preprint|work|record|item|document)\s+)?"
    r"(?:details?|overview|page)$",
    re.IGNORECASE,
)
# "0citations", "12 saves", "0 review(s)", "1.2k views"
_COUNTER = re.compile(r"^\d[\d,.]*\s?[km]?\s?[a-z]+(?:\(s\))?$", re.IGNORECASE)
# "Nocode", "Nodataset": a "No X" badge with its space lost in the scrape.
_NO_BADGE = re.compile(r"^No\s?[a-z]+$")
_KINDS = (
    "journal article|conference paper|book chapter|preprint|article|paper|book|dataset"
    "|thesis|dissertation|review|report|proceedings|software"
)
_META = re.compile(
    rf"^(?P<kind>{_KINDS})?\s*(?P<year>(?:19|20)\d{{2}})\s*(?P<venue>.*?)\s*"
    r"(?P<access>open access|closed access|free to read)?$",
    re.IGNORECASE,
)
# Panel titles, buttons and empty states of such pages.
_UI_PHRASES = re.compile(
    r"^(?:log ?in|sign ?in|sign ?up|open|add|move through|next steps|reading frame|research map"
    r"|structured reviews?|work discussion|institutions|building this|contribute|discuss"
    r"|decide what|no (?:structured )?(?:reviews?|discussion|comments?)\b|share|save|cite|export"
    r"|download|view all|show more|load more|related (?:papers|work)|references|cited by)",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[.!?]$")


def is_ui_line(line: str) -> bool:
    """A counter, a badge, a metadata strip or a short UI label (not a sentence)."""
    line = line.strip()
    if _is_widget(line):
        return True
    return (
        0 < len(line) <= 80
        and _UI_PHRASES.match(line) is not None
        and not _SENTENCE_END.search(line)
    )


def looks_scraped(text: str) -> bool:
    """A generic page heading first, or a page full of counters and badges."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return False
    if GENERIC_HEADING.match(lines[0]):
        return True
    widgets = sum(1 for line in lines if _is_widget(line))
    return widgets >= 3 and sum(1 for line in lines if is_ui_line(line)) >= 5


def parse(text: str, source: str) -> Article:
    lines = [line.strip() for line in text.splitlines()]
    lines = [line for line in lines if line]
    # Phrases are not skipped here: a title may well start with "Open" or "Share".
    while lines and (GENERIC_HEADING.match(lines[0]) or _is_widget(lines[0])):
        lines.pop(0)
    title = inline_text(lines.pop(0)) if lines else ""
    if lines and lines[0].lower() in ("abstract", "summary"):
        lines.pop(0)

    abstract: list[str] = []
    while lines and not is_ui_line(lines[0]):
        abstract.append(to_text(lines.pop(0)))
    kind = venue = None
    year = None
    # Everything after the abstract is page chrome: read the metadata strip, keep no text.
    for line in lines:
        meta = _is_meta(line)
        if meta:
            kind = (meta["kind"] or "").lower() or None
            year = int(meta["year"])
            venue = inline_text(meta["venue"]) or None
            break
    return build_article(
        source,
        SHAPE,
        title=title,
        body="\n\n".join(join_hard_wraps([p for p in abstract if p])),
        type=kind or "paper",
        venue=venue,
        year=year,
    )


def _is_widget(line: str) -> bool:
    return bool(_COUNTER.match(line) or _NO_BADGE.match(line) or _is_meta(line))


def _is_meta(line: str) -> re.Match[str] | None:
    """The metadata strip: a year with a document kind or an access badge around it."""
    if len(line) > 120 or _SENTENCE_END.search(line):
        return None
    match = _META.match(line)
    if match and (match["kind"] or match["access"]):
        return match
    return None
