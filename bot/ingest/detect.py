"""Which parser a text needs, decided by its content, never by its file name."""

from __future__ import annotations

from typing import Literal

from bot.ingest import frontmatter_doc, html_page, scraped

Shape = Literal["frontmatter", "html", "scraped", "plaintext"]


def detect_shape(text: str) -> Shape:
    """ "frontmatter" when a `---` line opens the text, "html" for a whole HTML document,
    "scraped" for a page saved as text, full of UI labels, else "plaintext"."""
    if frontmatter_doc.starts_with_frontmatter(text):
        return "frontmatter"
    if html_page.looks_like_page(text):
        return "html"
    if scraped.looks_scraped(text):
        return "scraped"
    return "plaintext"
