"""StemFinder must see exactly the stems that stemming every word would, on real text."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

from bot.text import StemFinder, content_words, stem, stems


def test_stem_finder_agrees_with_stemming_every_word(full_db: Path) -> None:
    conn = sqlite3.connect(full_db)
    texts = [f"{title} {body}" for title, body in conn.execute("SELECT title, body FROM articles")]
    conn.close()
    vocabulary = sorted({w for text in texts for w in content_words(text)})
    rng = random.Random(3)
    for text in texts:
        # Some wanted stems from this text (found), some from elsewhere (mostly not).
        own = content_words(text) or ["nothing"]
        wanted = {stem(w) for w in rng.sample(own, min(4, len(own)))}
        wanted |= {stem(w) for w in rng.sample(vocabulary, 4)}
        assert StemFinder(wanted).found(text) == stems(text) & wanted, text[:80]


def test_stem_finder_handles_curly_apostrophes_and_word_edges() -> None:
    finder = StemFinder({stem("we're"), stem("studies"), stem("run")})
    text = "We’re told the studies_run rerun, then RUNNING."
    assert finder.found(text) == {stem("we're"), stem("studies"), stem("run")}
    assert finder.found("rerun prerunning") == set()
    assert StemFinder(set()).found("anything") == set()
