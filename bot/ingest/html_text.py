"""HTML or markdown-ish markup -> clean text: visible words only, paragraphs kept.

Paragraphs come out separated by a blank line; a `<br>` stays a line break inside one.
"""

from __future__ import annotations

import html
import re

from selectolax.lexbor import LexborHTMLParser, LexborNode

from bot.ingest.markdown_text import strip_markdown

# Private-use characters survive the parser and whitespace folding, unlike "\n".
PARA = "\ue000"
LINE = "\ue001"

_NOT_TEXT = (
    "script, style, head, title, noscript, template, iframe, object, embed, svg, canvas,"
    " video, audio, map, [hidden], [style*='display:none'], [style*='display: none']"
)
_BLOCKS = (
    "address, article, aside, blockquote, caption, dd, div, dl, dt, fieldset, figcaption,"
    " figure, footer, form, h1, h2, h3, h4, h5, h6, header, hr, li, main, nav, ol, p, pre,"
    " section, table, tbody, td, tfoot, th, thead, tr, ul"
)
_LEAD_IN = "p > strong:first-child, p > b:first-child"
_STARTS_WITH_TAG = re.compile(r"\s*<[a-zA-Z!?]")
_TAG_OR_ENTITY = re.compile(r"<[a-zA-Z!/][^>]*>|&(?:#\d+|#[xX][0-9a-fA-F]+|[a-zA-Z]+\d*);")
_ENTITY = re.compile(r"&(?:#\d+|#[xX][0-9a-fA-F]+|[a-zA-Z]+\d*);")
_AUTOLINK = re.compile(r"<((?:https?|mailto):[^\s<>]+)>")
_BLANK_LINES = re.compile(r"\n[ \t\r\f\v]*\n\s*")
# Unexpanded mail-merge fields ("{can-spam}", "{{ name }}") are template, not text.
_PLACEHOLDER = re.compile(r"\{\{[^{}]*\}\}|\{%[^{}]*%\}|\{[\w-]+\}")
_ALNUM = re.compile(r"[^\W_]")
# Soft hyphens and zero-width characters, and the bidirectional embeddings, overrides and
# isolates (U+202A-202E, U+2066-2069), which make Discord show a title reversed.
_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff\u202a-\u202e\u2066-\u2069]")


def to_text(markup: str) -> str:
    """Clean text of an HTML document or of markdown with optional inline HTML."""
    if not markup or markup.isspace():
        return ""
    markup = _AUTOLINK.sub(r"\1", markup)  # "<https://x>" is markdown, not a tag
    if _STARTS_WITH_TAG.match(markup):
        text = _html_text(markup)
    else:
        # Markdown: a blank line is a paragraph break; say so before HTML folds it away.
        marked = _BLANK_LINES.sub(f"\n{PARA}\n", markup)
        text = _html_text(marked) if _TAG_OR_ENTITY.search(marked) else marked
        text = strip_markdown(text, PARA)
    return _paragraphs(_unescape(text))


def inline_text(markup: object) -> str:
    """A one-line field (title, excerpt) as clean text; non-strings become ""."""
    if isinstance(markup, bool) or not isinstance(markup, str | int | float):
        return ""
    text = str(markup)
    if _TAG_OR_ENTITY.search(text) or "[" in text or "*" in text or "_" in text:
        text = to_text(text).replace("\n\n", " ")
    return " ".join(_INVISIBLE.sub("", text).split())


def _html_text(markup: str) -> str:
    tree = LexborHTMLParser(markup)
    for node in tree.css(_NOT_TEXT):
        node.decompose()
    for node in tree.css(_BLOCKS):
        node.insert_before(PARA)
        node.insert_child(PARA)
    for node in tree.css("br"):
        node.insert_before(LINE)
    for node in tree.css(_LEAD_IN):
        _break_after_heading(node)
    root = tree.body or tree.root
    if root is None:
        return ""
    text = root.text(deep=True, separator="", strip=False)
    return _PLACEHOLDER.sub("", text)


def _break_after_heading(node: LexborNode) -> None:
    """A bold title opening a paragraph ("<p><b>Title</b> text") is a paragraph of its own."""
    before = node.prev
    if before is not None and not (before.is_text_node and not (before.text() or "").strip()):
        return  # bold words inside a sentence
    words = node.text(deep=True).strip()
    if words and words[-1] not in ".!?:;,":
        node.insert_after(PARA)


def _unescape(text: str) -> str:
    """Undo entities the parser left, i.e. double-escaped ones ("&amp;nbsp;")."""
    for _ in range(3):
        if not _ENTITY.search(text):
            break
        text = html.unescape(text)
    return text


def _paragraphs(text: str) -> str:
    """Fold whitespace; keep lines that have a letter or digit, paragraphs a blank line apart."""
    if _INVISIBLE.search(text):
        text = _INVISIBLE.sub("", text)
    text = " ".join(text.split())  # str.split knows the same whitespace as \s, faster
    paragraphs = []
    for chunk in text.split(PARA):
        if chunk and not chunk.isspace():
            lines = (line.strip() for line in chunk.split(LINE))
            # Lines without a letter or digit are rules and separators ("-----", "|").
            paragraph = "\n".join(line for line in lines if _ALNUM.search(line))
            if paragraph:
                paragraphs.append(paragraph)
    return "\n\n".join(paragraphs)
