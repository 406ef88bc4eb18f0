"""Latency workloads drawn from a generated corpus: /ask questions and autocomplete prefixes.

Deterministic for a given corpus and seed. Questions mix the shapes people type: a few title
words, a "how do I" question, the same with a typo, a phrase from the excerpt, and words the
corpus has never seen (no answer). Prefixes are 1-15 characters of a title, or of a later
word of it, some with a typo.
"""

from __future__ import annotations

import random
import re
import string
from collections.abc import Sequence
from typing import NamedTuple

_WORD = re.compile(r"[^\W_]+")
_STOP = frozenset("a an and the of to in for on with by is are how what your you from".split())


def _content(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 1]


def typo(word: str, rng: random.Random) -> str:
    """One edit (substitute, drop, swap or insert) away from `word`, never at position 0."""
    if len(word) < 3:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(4)
    letter = rng.choice(string.ascii_lowercase)
    if kind == 0:
        return word[:i] + letter + word[i + 1 :]
    if kind == 1:
        return word[:i] + word[i + 1 :]
    if kind == 2:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word[:i] + letter + word[i:]


class AskCase(NamedTuple):
    query: str
    source: int | None  # index of the doc it was drawn from; None for nonsense (no answer)


def ask_queries(docs: Sequence[tuple[str, str]], count: int, seed: int = 7) -> list[str]:
    """`count` questions from (title, excerpt) pairs."""
    return [case.query for case in ask_cases(docs, count, seed)]


def ask_cases(docs: Sequence[tuple[str, str]], count: int, seed: int = 7) -> list[AskCase]:
    """`count` questions from (title, excerpt) pairs, each with the doc it came from."""
    rng = random.Random(f"ask:{seed}")
    out: list[AskCase] = []
    while len(out) < count:
        index = rng.randrange(len(docs))
        title, excerpt = docs[index]
        words = _content(title) or _content(excerpt) or ["power", "apps"]
        roll = rng.random()
        if roll < 0.3:
            k = min(len(words), rng.randint(2, 5))
            start = rng.randrange(len(words) - k + 1)
            query = " ".join(words[start : start + k])
        elif roll < 0.5:
            picked = rng.sample(words, min(len(words), rng.randint(2, 4)))
            query = f"how do I {' '.join(picked)}?"
        elif roll < 0.7:
            picked = words[: rng.randint(2, 5)]
            long = [i for i, w in enumerate(picked) if len(w) >= 5]
            if long:
                i = rng.choice(long)
                picked[i] = typo(picked[i], rng)
            query = " ".join(picked)
        elif roll < 0.9:
            phrase = excerpt.split()
            k = min(len(phrase), rng.randint(6, 10))
            start = rng.randrange(max(1, len(phrase) - k + 1))
            query = " ".join(phrase[start : start + k]) or title
        else:
            out.append(AskCase(" ".join(_nonsense(rng) for _ in range(rng.randint(2, 3))), None))
            continue
        out.append(AskCase(query, index))
    return out


def prefixes(titles: Sequence[str], count: int, seed: int = 11) -> list[str]:
    """`count` autocomplete inputs of 1-15 characters, about a third with a typo."""
    rng = random.Random(f"complete:{seed}")
    out: list[str] = []
    while len(out) < count:
        title = rng.choice(titles).lower()
        if rng.random() < 0.2:
            words = title.split()
            title = " ".join(words[rng.randrange(len(words)) :]) if words else title
        length = rng.randint(1, 15)
        prefix = title[:length]
        if length >= 4 and rng.random() < 0.33:
            prefix = typo(prefix, rng)
        out.append(prefix or "a")
    return out


def _nonsense(rng: random.Random) -> str:
    return "".join(rng.choice("bcdfghjklmnpqrstvwxz") for _ in range(rng.randint(5, 8)))
