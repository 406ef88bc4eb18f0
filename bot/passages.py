"""An article -> the texts its vectors are of: its own (title, summary, topics) and its
body's passages. Pure functions of the text, so a passage is found again by its number."""

from __future__ import annotations

from collections.abc import Sequence

from bot.text import sentences

# A passage is a few consecutive body sentences: short enough that the model reads it all
# (all-MiniLM-L6-v2 was trained on 128 word pieces), long enough to hold one answer. Only a
# body of at least MIN_PASSAGES of them gets passage vectors (a short body is its summary),
# and at most MAX_PASSAGES: encoding time and disk grow with each.
PASSAGE_SENTENCES = 4
PASSAGE_CHARS = 500
MIN_PASSAGES = 2
MAX_PASSAGES = 4


def article_text(title: str, summary: str, topics: Sequence[str]) -> str:
    """What an article's own vector is of."""
    text = f"{title}. {summary}".strip()
    return f"{text} Topics: {', '.join(topics)}." if topics else text


def passages(body: str) -> list[str]:
    """The body in passages of up to PASSAGE_SENTENCES sentences (PASSAGE_CHARS), at most
    MAX_PASSAGES; none when the body is shorter than MIN_PASSAGES of them."""
    out: list[str] = []
    current: list[str] = []
    # Only the opening is read: the passages never reach past it, and a body can be 5 MB.
    for sentence in sentences(body[: (MAX_PASSAGES + 1) * PASSAGE_CHARS]):
        if current and (
            len(current) == PASSAGE_SENTENCES
            or sum(len(s) + 1 for s in current) + len(sentence) > PASSAGE_CHARS
        ):
            out.append(" ".join(current))
            current = []
            if len(out) == MAX_PASSAGES:
                break
        current.append(sentence)
    if current and len(out) < MAX_PASSAGES:
        out.append(" ".join(current))
    return out if len(out) >= MIN_PASSAGES else []
