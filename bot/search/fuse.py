"""Two ranked lists -> one: the words' and meaning's candidates, fused by normalised score.

After Pyserini's hybrid searcher: each list's scores are scaled to [0, 1] (min-max), an id
missing from a list takes that list's minimum, and the fused score is the first plus
`weight` times the second. Pure: plain lists in, a plain list out.
"""

from __future__ import annotations

from collections.abc import Sequence

Ranked = Sequence[tuple[str, float]]


def normalise(ranked: Ranked) -> dict[str, float]:
    """Scores scaled to [0, 1] within the list (all 1.0 when they are equal)."""
    if not ranked:
        return {}
    values = [score for _, score in ranked]
    low, high = min(values), max(values)
    span = high - low
    return {key: (score - low) / span if span else 1.0 for key, score in ranked}


def fuse(first: Ranked, second: Ranked, weight: float) -> list[tuple[str, float]]:
    """Every id of either list with first + weight * second (normalised), best first.

    A missing score is the list's minimum, 0 once normalised; equal fused scores keep the
    first list's order, then the second's.
    """
    a, b = normalise(first), normalise(second)
    order = {key: n for n, key in enumerate(dict.fromkeys([*a, *b]))}
    fused = {key: a.get(key, 0.0) + weight * b.get(key, 0.0) for key in order}
    return sorted(fused.items(), key=lambda item: (-item[1], order[item[0]]))
