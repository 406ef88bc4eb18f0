"""The answer gate: the words' and meaning's evidence -> one confidence in [0, 1].

The words' confidence is the share of the question's weight an article holds (or a near
match of its title or a topic); meaning's is the cosine of the question's vector with the
article's, read on a ramp from MEANING_LOW (says nothing) to MEANING_HIGH (sure). Below the
configured minimum the answer is "nothing found".
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.search.knobs import (
    MEANING_ALONE,
    MEANING_CONFIDENCE_GAIN,
    MEANING_HIGH,
    MEANING_LOW,
    STANDOUT_GAIN,
    STANDOUT_LOW,
    STANDOUT_MARGIN,
    UNKNOWN_WORDS_POWER,
)


def meaning_confidence(cosine: float | None) -> float:
    """How sure meaning alone is, in [0, 1]: 0 at MEANING_LOW or below, 1 at MEANING_HIGH."""
    return 0.0 if cosine is None else _ramp(cosine, MEANING_LOW, MEANING_HIGH)


def known_share(terms: Iterable[tuple[float, float]]) -> float:
    """Of the question's (weight, trust) words, the share of the weight the corpus knows
    (a repaired typo counts as known): 1.0 for a question without words."""
    terms = list(terms)
    total = sum(weight for weight, _ in terms)
    if total <= 0:
        return 1.0
    return sum(weight for weight, trust in terms if trust > 0) / total


def _ramp(value: float, low: float, high: float) -> float:
    return min(1.0, max(0.0, (value - low) / (high - low)))


def margins(cosines: dict[str, float]) -> dict[str, float]:
    """Each article's cosine less the best cosine of any other: how far it stands out."""
    ranked = sorted(cosines.values(), reverse=True)
    if len(ranked) < 2:
        return {i: ranked[0] for i in cosines} if ranked else {}
    best, second = ranked[0], ranked[1]
    return {i: c - (second if c >= best else best) for i, c in cosines.items()}


def standout(cosine: float | None, margin: float | None, known: float = 1.0) -> float:
    """Up to STANDOUT_GAIN when the article is nearer than any other by STANDOUT_MARGIN, is
    near (a cosine from STANDOUT_LOW to MEANING_HIGH) and the corpus knows the words."""
    if cosine is None or margin is None:
        return 0.0
    return (
        STANDOUT_GAIN
        * _ramp(margin, 0.0, STANDOUT_MARGIN)
        * _ramp(cosine, STANDOUT_LOW, MEANING_HIGH)
        * known
    )


def confidence(
    words: float, cosine: float | None, known: float = 1.0, margin: float | None = None
) -> float:
    """Both signals: meaning adds up to MEANING_CONFIDENCE_GAIN to the words' confidence,
    so a question that shares few words with its article but means the same can pass; and
    meaning alone, sure enough, is worth up to MEANING_ALONE (an article sharing no word).
    An article that stands out from the rest by meaning (`margin`, see `standout`) gains
    more: the unanswerable on-topic question is near many articles alike.

    Meaning vouches only for what the corpus has words for: its part shrinks with `known`
    (the share of the question's weight in the corpus vocabulary) to the power
    UNKNOWN_WORDS_POWER. "connect my app to postgres" is near an article on external data,
    but no article says "postgres"; "roll back my broken app" misses one everyday word."""
    meaning = meaning_confidence(cosine) * known**UNKNOWN_WORDS_POWER
    both = words + MEANING_CONFIDENCE_GAIN * meaning + standout(cosine, margin, known)
    return min(1.0, max(both, MEANING_ALONE * meaning))
