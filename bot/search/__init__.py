"""Query -> ranked hits with a confidence: words and meaning, fused, then the answer gate.

Parts, each testable alone: `words` (vocabulary, typo repair, FTS5 candidates, rerank),
`meaning` (vectors -> ranked ids), `fuse` (two ranked lists -> one), `confidence` (the gate),
`knobs` (every tuned number), and `engine`, their composition.
"""

from __future__ import annotations

from bot.search.engine import Found, SearchEngine
from bot.search.fuse import fuse
from bot.search.words import (
    QueryTerm,
    Vocabulary,
    WordSearcher,
    fts_expression,
    term_coverage,
    wanted_kinds,
)

__all__ = [
    "Found",
    "QueryTerm",
    "SearchEngine",
    "Vocabulary",
    "WordSearcher",
    "fts_expression",
    "fuse",
    "term_coverage",
    "wanted_kinds",
]
