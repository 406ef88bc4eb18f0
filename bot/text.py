"""Word-level helpers shared by search and answer: tokens, stopwords, light stems, sentences."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")
# A sentence ends at . ! or ? followed by space and an upper-case letter, digit or quote.
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]?\s+(?=[\"'(\[]?[A-Z0-9])")

MAX_QUERY_CHARS = 500

STOPWORDS: frozenset[str] = frozenset(
    """
    a about above after again against all am an and any are aren't as at be because been
    before being below between both but by can can't cannot could couldn't did didn't do does
    doesn't doing don't down during each few for from further had hadn't has hasn't have
    haven't having he her here hers herself him himself his how i if in into is isn't it it's
    its itself let's me more most mustn't my myself no nor not of off on once only or other
    ought our ours ourselves out over own same shan't she should shouldn't so some such than
    that that's the their theirs them themselves then there there's these they this those
    through to too under until up very was wasn't we were weren't what what's when where which
    while who who's whom why will with won't would wouldn't you your yours yourself
    yourselves
    also anyone anything article articles tell know find show want need get got use using
    way ways something someone thing things please thanks hi hello hey
    """.split()
)


def normalize(text: str) -> str:
    """NFKC-fold and lower-case, so full-width letters and ligatures match plain ones."""
    return unicodedata.normalize("NFKC", text).casefold()


def words(text: str) -> list[str]:
    """Lower-cased words of `text`, apostrophes kept inside words ("don't")."""
    return [w.replace("’", "'") for w in _WORD.findall(normalize(text))]


def content_words(text: str) -> list[str]:
    """Words that carry meaning: no stopwords, no single letters, no duplicates, in order."""
    seen: dict[str, None] = {}
    for word in words(text[:MAX_QUERY_CHARS]):
        word = word.removesuffix("'s")
        if len(word) > 1 and word not in STOPWORDS and not word.isdigit():
            seen.setdefault(word, None)
    return list(seen)


@functools.lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """A light suffix stripper: enough to match "encodes"/"encoding" with "encode".

    Deliberately crude (no dictionary): it is only used to compare words, never shown.
    """
    for suffix in (
        "ational",
        "ations",
        "ation",
        "ings",
        "ing",
        "ies",
        "ied",
        "ers",
        "ed",
        "es",
        "er",
        "ly",
        "s",
        "e",
    ):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            if suffix == "ies" or suffix == "ied":
                word += "y"
            break
    return word


def stems(text: str) -> set[str]:
    """The distinct stems of the words of `text`."""
    return {stem(w) for w in set(words(text))}


# A long text is folded and searched a piece at a time: each of those C calls holds the
# GIL, and on a whole 5 MB body they would stall the event loop for ~40 ms from a thread.
FIND_PIECE_CHARS = 100_000
WORD_MAX_CHARS = 100  # a piece overlaps the next by this much, so no word is cut in two


class StemFinder:
    """Which of a few wanted stems occur in a text, without stemming every word of it.

    Only words that start like a wanted stem are stemmed: the same answer as
    `stems(text) & wanted` (but for a word after two apostrophes, "rock'n'roll"), at a
    fraction of the cost on a long body.
    """

    def __init__(self, wanted: Iterable[str]) -> None:
        self.wanted = frozenset(wanted)
        # stem() only cuts a suffix, then may turn "i" into "y" ("studies" -> "study").
        by_start: dict[str, set[str]] = {}
        for w in self.wanted:
            by_start.setdefault(w[:-1] if w.endswith("y") else w, set()).add(w)
        by_start.pop("", None)
        self._by_start = by_start
        self.starts = sorted(by_start)

    def found(self, text: str) -> set[str]:
        seen: set[str] = set()
        for begin in range(0, len(text) if self.starts else 0, FIND_PIECE_CHARS):
            # Two characters before the piece tell whether a word starts at its first one.
            lead = _fold(text[max(0, begin - 2) : begin])
            piece = _fold(text[max(0, begin - 2) : begin + FIND_PIECE_CHARS + WORD_MAX_CHARS])
            self._scan(piece, len(lead), seen)
            if seen >= self.wanted:
                break
        return seen & self.wanted

    def _scan(self, text: str, first: int, seen: set[str]) -> None:
        """Add the stems of words starting at or after `first` that start like a wanted one."""
        for start in self.starts:
            pending = self._by_start[start]
            at = text.find(start, first)
            while at != -1 and not pending <= seen:
                # Only where a word starts: not inside a longer word, nor after "we'".
                if not at or not (text[at - 1].isalnum() or _inside_word(text, at)):
                    rest = _WORD_REST.match(text, at + len(start))
                    seen.add(stem(text[at : rest.end() if rest else at + len(start)]))
                at = text.find(start, at + 1)


def _fold(text: str) -> str:
    return normalize(text).replace("’", "'")


# The rest of a word (as _WORD reads it) from a given position.
_WORD_REST = re.compile(r"[^\W_]*(?:'[^\W_]+)?")


def _inside_word(text: str, at: int) -> bool:
    """After an apostrophe that follows a letter ("we're"): _WORD made it one word."""
    return text[at - 1] == "'" and at >= 2 and text[at - 2].isalnum()


def sentences(text: str) -> list[str]:
    """Split clean text into sentences; paragraph breaks always end a sentence."""
    out: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text):
        paragraph = " ".join(paragraph.split())
        if paragraph:
            out.extend(s.strip() for s in _SENTENCE_END.split(paragraph) if s.strip())
    return out


_MARKDOWN = re.compile(r"([\\*_~`|>#\[\]])")


def escape_markdown(text: str) -> str:
    """Make corpus text literal in Discord markdown (it formats *, _, ~, `, |, > and links)."""
    return _MARKDOWN.sub(r"\\\1", text)
