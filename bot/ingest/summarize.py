"""An extractive summary: the body's 2-3 most representative sentences, in their order."""

from __future__ import annotations

import re
from collections import Counter

# A sentence ends at . ! or ? (maybe closed by a quote or bracket) before a capital or digit.
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)\]]?\s+(?=[\"'“‘(\[]?[A-Z0-9])")
_WORD = re.compile(r"[^\W\d_]{3,}")
_STOPWORDS = frozenset(
    """
    about above after again against also among and any are because been before being below
    between both but can could did does doing down during each few for from further had has
    have having her here hers herself him himself his how however into its itself just more
    most much must not now off once only other our ours ourselves out over own same she
    should since some such than that the their theirs them themselves then there these they
    this those through too under until very was were what when where which while who whom
    why will with would yet you your yours yourself yourselves may might also like one two
    many new get got make made use used using
    """.split()
)
# Sentences that talk about the page rather than the subject.
# Matched against lower-cased text: re.IGNORECASE makes this several times slower.
_BOILERPLATE = re.compile(
    r"\b(click|subscribe|sign up|log in|cookie|newsletter|all rights reserved|copyright"
    r"|unsubscribe|read more|follow us|share this)\b|https?://"
)
MIN_WORDS = 6
MAX_WORDS = 60
MAX_CHARS = 450


def sentences(text: str) -> list[str]:
    """Sentences of a body, paragraph by paragraph; lines inside a paragraph are joined."""
    found: list[str] = []
    for paragraph in text.split("\n\n"):
        flat = " ".join(paragraph.split())
        found.extend(part for part in _SENTENCE_END.split(flat) if part)
    return found


def summarize(body: str, max_sentences: int = 3) -> str:
    """The lead sentence plus the best-scoring others: 3 sentences, or 2 when 3 run long.

    A sentence scores by how often the body repeats its content words, per word, so it is
    about what the whole text is about. Kept in body order, so the summary reads naturally.
    """
    candidates = sentences(body)
    # Words never span whitespace, so the body's words are its sentences' words: count once.
    frequency = Counter(_WORD.findall(body.lower()))
    for word in _STOPWORDS & frequency.keys():
        del frequency[word]
    scored = [
        (_score(sentence, frequency), index)
        for index, sentence in enumerate(candidates)
        if _eligible(sentence)
    ]
    if not scored:
        return _shorten(candidates[0], MAX_CHARS) if candidates else ""
    # News and abstracts state their point first; the rest is picked on merit.
    lead, others = scored[0], sorted(scored[1:], key=lambda pair: (-pair[0], pair[1]))
    picked = [lead, *others[: max_sentences - 1]]
    while len(picked) > 2 and sum(len(candidates[i]) + 1 for _, i in picked) > MAX_CHARS:
        picked.remove(min(picked[1:]))
    return " ".join(candidates[index] for _, index in sorted(picked, key=lambda pair: pair[1]))


def _eligible(sentence: str) -> bool:
    """Whole sentences of a sensible length that talk about the subject, not the page."""
    count = len(sentence.split())
    return (
        MIN_WORDS <= count <= MAX_WORDS
        and sentence[-1] in ".!?\"'”’)"
        and not _BOILERPLATE.search(sentence.lower())
    )


def _score(sentence: str, frequency: Counter[str]) -> float:
    content = set(_WORD.findall(sentence.lower())) - _STOPWORDS
    return sum(frequency[word] for word in content) / len(sentence.split())


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return f"{cut}…"
