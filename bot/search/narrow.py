"""Who, where and when in a question -> a narrowing of the search, and the topic words left.

"by Blake Richards", "from Quanta", "what did Wired write about the brain", "Marc Anderson's
blog post", "in 2021", "from february 2020", "the latest on Power Fx". `parse_question` is a
pure function of the text: the phrases that may name a person or a source, the dates, and
whether the newest is wanted. `Names` then says which of those phrases are names the corpus
knows (providers and authors, matched with rapidfuzz), and which articles they wrote.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.store import CatalogEntry
from bot.text import normalize

MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_DATE = re.compile(
    rf"\b(?:(?:in|from|during|since|of)\s+)?(?:({_MONTH})\.?\s+)?((?:19|20)\d\d)\b", re.IGNORECASE
)
_LATEST = re.compile(
    r"\b(?:the\s+)?(?:latest|newest|most\s+recent|recent)\b(?:\s+(?:on|about|from))?",
    re.IGNORECASE,
)
# "who wrote X" asks for X's byline, which the answer card shows: the cue is not topic.
_WHO_ASKED = re.compile(
    r"\bwho\s+(?:wrote|writes|has\s+written|authored|published|posted|"
    r"(?:is|was)\s+(?:the\s+)?(?:author|writer)\s+of)\b",
    re.IGNORECASE,
)
_NAME_WORD = r"[A-Za-z][\w.'\-]*"
# A name runs over up to four words, up to a word that starts the topic or another cue.
_STOP = (
    r"(?:about|on|in|from|by|of|for|with|and|say|said|says|write|wrote|writes|written|"
    r"publish|published|post|posted|cover|covered|videos?|articles?|posts?|pieces?|"
    r"stor(?:y|ies)|blogs?|news|samples?|newsletters?)"
)
_NAME = rf"((?:(?!{_STOP}\b){_NAME_WORD})(?:\s+(?!{_STOP}\b){_NAME_WORD}){{0,3}})"
_CUED = [
    re.compile(rf"\b(?:by|from|at)\s+{_NAME}", re.IGNORECASE),
    re.compile(
        rf"\bwhat\s+(?:did|does|has|have)\s+{_NAME}\s+"
        r"(?:say|said|write|wrote|publish|published|post|posted|cover|covered)",
        re.IGNORECASE,
    ),
    re.compile(rf"\b{_NAME}'s\b", re.IGNORECASE),
    re.compile(
        rf"\bthe\s+{_NAME}\s+(?:articles?|pieces?|stor(?:y|ies)|posts?|videos?|paper)\b",
        re.IGNORECASE,
    ),
    # "Visual Studio Magazine on low code", "the Quanta article about ...": a name first.
    re.compile(
        rf"^(?:the\s+)?{_NAME}\s+(?:on|about|articles?|pieces?|stor(?:y|ies)|posts?|videos?)\b",
        re.IGNORECASE,
    ),
]
# Sorts after any text that starts the same: the top of a range of prefixed strings.
_ABOVE_ALL = "\U0010ffff"
NAME_MATCH = 88  # rapidfuzz ratio of a phrase with a known name ("blake richard")
NAME_POOL = 2000  # names compared per word of a phrase: a word in many names says little


@dataclass(frozen=True, slots=True)
class Narrowing:
    """What a question says about who, where and when, and its words about what."""

    phrases: tuple[str, ...] = ()  # may name a person or a source, as typed
    year: int | None = None
    month: int | None = None
    since: bool = False  # "since 2020": that year or after
    latest: bool = False  # the newest is wanted
    who_asked: bool = False  # "who wrote ...": the byline is wanted
    topic: str = ""  # the question without the phrases above

    @property
    def dated(self) -> bool:
        return self.year is not None

    def published_in(self, published: str | None) -> bool:
        """Whether an article published then (ISO 8601) fits the date asked for."""
        if self.year is None:
            return True
        if not published or len(published) < 4 or not published[:4].isdigit():
            return False
        year = int(published[:4])
        if self.since:
            return year >= self.year
        if year != self.year:
            return False
        return self.month is None or published[5:7] == f"{self.month:02d}"

    def published_span(self) -> tuple[str, str] | None:
        """The range of ISO 8601 `published` strings (lowest, highest) that can fit the date
        asked for, as compared as strings; None when no date is asked. The catalog walks only
        this range (it is sorted by `published`) instead of every article."""
        if self.year is None:
            return None
        low = f"{self.year:04d}"
        if self.since:
            return low, _ABOVE_ALL
        if self.month is not None:
            low = f"{low}-{self.month:02d}"
        return low, low + _ABOVE_ALL


def parse_question(text: str) -> Narrowing:
    """The phrases that may name who or where, the date, and "latest", taken out of the
    question; the rest is its topic. Pure: nothing here knows the corpus."""
    year = month = None
    since = False
    date = _DATE.search(text)
    if date is not None:
        year = int(date.group(2))
        month = MONTHS[date.group(1).lower()] if date.group(1) else None
        since = date.group(0).lower().startswith("since")
        text = _cut(text, date.span())
    latest = False
    if (match := _LATEST.search(text)) is not None:
        latest = True
        text = _cut(text, match.span())
    who_asked = False
    if (match := _WHO_ASKED.search(text)) is not None:
        who_asked = True
        text = _cut(text, match.span())
    phrases: list[str] = []
    for pattern in _CUED:
        for match in pattern.finditer(text):
            phrase = match.group(1).strip(" .,'")
            if phrase and phrase.lower() not in [p.lower() for p in phrases]:
                phrases.append(phrase)
    topic = " ".join(text.split())
    return Narrowing(tuple(phrases), year, month, since, latest, who_asked, topic)


# Words that only say "something published" once a who/where/when narrows the question.
_PUBLISHED = re.compile(r"\b(?:articles?|pieces?|stor(?:y|ies)|news|posts?)\b", re.IGNORECASE)


def without(text: str, phrases: Sequence[str]) -> str:
    """`text` with these phrases (names found in it) and the words that cued them taken out,
    and the words that only say "something published" ("articles from Quanta")."""
    text = _PUBLISHED.sub(" ", text)
    for phrase in phrases:
        text = re.sub(
            rf"(?:\b(?:by|from|at|what\s+(?:did|does|has|have))\s+)?{re.escape(phrase)}(?:'s)?"
            r"(?:\s+(?:say|said|write|wrote|publish|published|post|posted|cover|covered)\b)?",
            " ",
            text,
            flags=re.IGNORECASE,
        )
    return " ".join(text.split())


def _cut(text: str, span: tuple[int, int]) -> str:
    return f"{text[: span[0]]} {text[span[1] :]}"


class Names:
    """The corpus's providers and authors, each with the articles it made."""

    def __init__(self, entries: Sequence[CatalogEntry]) -> None:
        articles: dict[str, list[str]] = defaultdict(list)
        for entry in entries:
            for name in entry.names:
                key = _key(name)
                if key:
                    articles[key].append(entry.id)
        self._articles = dict(articles)
        by_word: dict[str, list[str]] = defaultdict(list)
        for key in self._articles:
            for word in set(key.split()):
                by_word[word].append(key)
        self._by_word = dict(by_word)

    def __len__(self) -> int:
        return len(self._articles)

    def match(self, phrase: str) -> tuple[str, str] | None:
        """(the part of `phrase` that names someone, the known name), if any part does.

        The longest run of the phrase's words that is a known name, nearly one (a typo:
        rapidfuzz ratio >= NAME_MATCH), or, for the whole phrase alone, a short name's words
        in part ("Quanta" for "Quanta Magazine") when no other name has them: "from power
        apps without using ..." names no source, though "Power Apps Community" is one.
        Only names sharing a word with the run are compared.
        """
        typed = phrase.split()
        keys = [_key(word) for word in typed]
        for length in range(len(typed), 0, -1):
            for start in range(len(typed) - length + 1):
                run = " ".join(k for k in keys[start : start + length] if k)
                name = self._name_of(run, in_part=length == len(typed))
                if name is not None:
                    return " ".join(typed[start : start + length]), name
        return None

    def _name_of(self, run: str, in_part: bool = True) -> str | None:
        """The known name `run` is, nearly is, or (`in_part`) is the only one to contain."""
        if not run:
            return None
        if run in self._articles:
            return run
        words = set(run.split())
        pool = {key for word in words for key in self._by_word.get(word, ())[:NAME_POOL]}
        if not pool:
            return None
        best = process.extractOne(run, pool, scorer=fuzz.ratio, score_cutoff=NAME_MATCH)
        if best is not None:
            return best[0]
        if not in_part or len(run) < 4:
            return None
        # Words several names share ("power apps": a community, a user group) are the
        # corpus's topic, not one source.
        part = [k for k in pool if words < set(k.split())]
        return part[0] if len(part) == 1 and len(part[0].split()) <= 3 else None

    def articles(self, name: str) -> list[str]:
        """The ids of the name's articles, in the order of the entries given (the catalog's,
        newest first)."""
        return self._articles.get(name, [])


def _key(text: str) -> str:
    """A name as compared: folded, punctuation out ("Mr. Dang" is "mr dang")."""
    return " ".join(re.findall(r"[^\W_]+", normalize(text)))
