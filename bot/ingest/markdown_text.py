"""Markdown syntax -> the words it decorates: links become their text, emphasis plain."""

from __future__ import annotations

import re

_RULE = re.compile(r"^[ \t]*([-*_])(?:[ \t]*\1){2,}[ \t]*$", re.MULTILINE)
_HEADING = re.compile(r"^[ \t]*#{1,6}[ \t]+(.*?)[ \t#]*$", re.MULTILINE)
_LIST_ITEM = re.compile(r"^[ \t]*(?:[-*+]|\d{1,3}[.)])[ \t]+(?=\S)", re.MULTILINE)
_QUOTE = re.compile(r"^[ \t]*>[ \t]?", re.MULTILINE)
_REFERENCE = re.compile(r"^[ \t]*\[[^\]\n]+\]:[ \t]*\S+.*$", re.MULTILINE)
_IMAGE = re.compile(r"!\[[^\]\n]*\]\([^)\n]*\)")
# [text](url "title") and [text][ref]; the URL may hold one level of parentheses.
_LINK = re.compile(
    r"\[([^\]\n]+)\](?:\((?:[^()\s]|\([^()\s]*\))*(?:[ \t]+\"[^\"\n]*\")?\)|\[[^\]\n]*\])"
)
_STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
# Single * or _ only around words, so "2*3*4" and snake_case names are left alone.
_EMPHASIS = re.compile(
    r"(?<![\w*])\*(?=[^\s*])([^*\n]+?)(?<=[^\s*])\*(?![\w*])"
    r"|(?<![\w_])_(?=[^\s_])([^_\n]+?)(?<=[^\s_])_(?![\w_])"
)
_CODE = re.compile(r"`([^`\n]+)`")


def strip_markdown(text: str, paragraph_break: str = "\n\n") -> str:
    """Plain text of `text`; headings, rules and list items start their own paragraph."""
    # Each pattern runs only where its mark occurs: most blocks have a "-" and nothing else,
    # and ten regex passes over every block were a tenth of all parsing.
    if "-" in text or "*" in text or "_" in text:
        text = _RULE.sub(paragraph_break, text)
    if "#" in text:
        text = _HEADING.sub(lambda m: f"{paragraph_break}{m[1]}{paragraph_break}", text)
    text = _LIST_ITEM.sub(paragraph_break, text)
    if ">" in text:
        text = _QUOTE.sub("", text)
    if "[" in text:
        text = _REFERENCE.sub("", text)
        text = _IMAGE.sub("", text)
        text = _LINK.sub(r"\1", text)
    if "*" in text or "_" in text:
        text = _STRONG.sub(r"\2", text)
        text = _EMPHASIS.sub(lambda m: m[1] or m[2], text)
    if "`" in text:
        text = _CODE.sub(r"\1", text)
    return text
