"""Paragraph helpers shared by the plain-text parsers."""

from __future__ import annotations

import re

_BLANK_LINE = re.compile(r"\n[ \t\r\f\v]*\n")
# What a finished paragraph may end with; anything else was cut by a hard wrap.
_CLOSING = ".!?:;\"'”’)]…"


def raw_paragraphs(text: str) -> list[str]:
    """Blank-line separated blocks, stripped, empty ones dropped."""
    return [block.strip() for block in _BLANK_LINE.split(text) if block.strip()]


def join_hard_wraps(paragraphs: list[str]) -> list[str]:
    """Re-join a sentence a hard wrap split across paragraphs ("computation in" / "the brain").

    A paragraph that does not end like a sentence, followed by one that starts in lower
    case, is the same sentence; a heading is followed by a capital, so it stays apart.
    """
    joined: list[str] = []
    for paragraph in paragraphs:
        if joined and joined[-1][-1] not in _CLOSING and paragraph[0].islower():
            joined[-1] = f"{joined[-1]} {paragraph}"
        else:
            joined.append(paragraph)
    return joined
