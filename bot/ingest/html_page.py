"""A bare HTML page (a saved web page or newsletter, no frontmatter): its `<title>` is the
title, its visible text the body, its meta description the excerpt, its canonical link
the URL."""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser

from bot.ingest.build import build_article
from bot.ingest.html_text import inline_text, to_text
from bot.ingest.plaintext import MAX_TITLE_CHARS
from bot.ingest.urls import absolute_url
from bot.models import Article

SHAPE = "html"
_PAGE_START = re.compile(r"\s*(?:<!--.*?-->\s*)*(?:<!doctype\s+html|<html[\s>])", re.I | re.S)


def looks_like_page(text: str) -> bool:
    """A whole HTML document: a doctype or an <html> tag opens it."""
    return _PAGE_START.match(text) is not None


def parse(text: str, source: str) -> Article:
    tree = LexborHTMLParser(text)
    body = to_text(text)
    title = _first_text(tree, "title", "h1") or _meta(tree, "og:title")
    if not title:  # no title anywhere: the page's first line stands in
        first = body.split("\n", 1)[0]
        title = first if len(first) <= MAX_TITLE_CHARS else first[:MAX_TITLE_CHARS] + "…"
    url = absolute_url(_attribute(tree, "link[rel=canonical]", "href")) or absolute_url(
        _meta(tree, "og:url")
    )
    excerpt = _meta(tree, "description") or _meta(tree, "og:description")
    return build_article(source, SHAPE, title=title, body=body, excerpt=excerpt or None, url=url)


def _first_text(tree: LexborHTMLParser, *selectors: str) -> str:
    for selector in selectors:
        for node in tree.css(selector):
            text = inline_text(node.text(deep=True))
            if text:
                return text
    return ""


def _meta(tree: LexborHTMLParser, name: str) -> str:
    for attribute in ("name", "property"):
        value = _attribute(tree, f'meta[{attribute}="{name}"]', "content")
        if value:
            return inline_text(value)
    return ""


def _attribute(tree: LexborHTMLParser, selector: str, attribute: str) -> str | None:
    node = tree.css_first(selector)
    return node.attributes.get(attribute) if node is not None else None
