"""Which parser a text needs, decided by its content, never by its file name."""

from __future__ import annotations

from typing import Literal

from bot.ingest import frontmatter_doc, scraped

Shape = Literal["frontmatter", "scraped", "plaintext"]


def detect_shape(text: str) -> Shape:
    """ "frontmatter" when a `---` line opens the text, "scraped" for a saved web page
    full of UI labels, else "plaintext"."""
    if frontmatter_doc.starts_with_frontmatter(text):
        return "frontmatter"
    if scraped.looks_scraped(text):
        return "scraped"
    return "plaintext"
