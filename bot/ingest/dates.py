"""Dates as ISO 8601 strings, whatever shape the source gave them in."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

# Bylines and citations write dates out in words: "February 14 2020", "14 February 2020".
_WORD_FORMATS = ("%B %d %Y", "%B %d, %Y", "%b %d %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y")
_ISO_PREFIX = re.compile(r"\d{4}-\d{2}-\d{2}")


def iso_date(value: object) -> str | None:
    """YAML datetimes -> "2020-11-01T08:00:00Z", dates -> "2020-11-01"; junk -> None."""
    if isinstance(value, datetime):
        return _iso_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return _iso_from_text(value.strip())
    return None


def date_from_words(text: str) -> str | None:
    """ "February 14 2020" -> "2020-02-14"."""
    cleaned = " ".join(text.replace(",", ", ").split()).replace(" ,", ",")
    for fmt in _WORD_FORMATS:
        try:
            return datetime.strptime(cleaned, fmt).date().isoformat()
        except ValueError:
            continue
    return None


def _iso_datetime(value: datetime) -> str:
    value = value.replace(microsecond=0)
    if value.tzinfo is None:
        return value.isoformat()
    offset = value.utcoffset()
    if offset is not None and not offset:
        return value.astimezone(UTC).replace(tzinfo=None).isoformat() + "Z"
    return value.isoformat()


def _iso_from_text(text: str) -> str | None:
    if _ISO_PREFIX.match(text):
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed.date().isoformat() if len(text) == 10 else _iso_datetime(parsed)
    return date_from_words(text)
