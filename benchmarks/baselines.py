"""The two baselines every articlebot number is measured beside.

1. Plain FTS5: title and body in a minimal FTS5 table (default tokenizer), queried with an
   OR of the query's quoted words, ranked by bm25(), no rerank. Answers when anything hits.
2. Naive fuzzy: rapidfuzz `process.extract` (WRatio, default processing) over every title
   and excerpt held in memory. Answers when anything scores at least FUZZ_CUTOFF.

Both read the corpus through the same parser (bot.ingest), so ingest timings differ only in
what is done with a parsed article. Neither has an incremental reload: reloading is a
rebuild.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz, process, utils

from bot import ingest
from bot.models import Article

FUZZ_CUTOFF = 60.0  # WRatio score a naive bot would call "a match"
_WORD = re.compile(r"[^\W_]+")
_SCHEMA = """
CREATE TABLE docs (id INTEGER PRIMARY KEY, source TEXT NOT NULL, title TEXT NOT NULL,
                   excerpt TEXT NOT NULL);
CREATE VIRTUAL TABLE docs_fts USING fts5 (title, body);
"""


@dataclass(frozen=True, slots=True)
class Doc:
    source: str
    title: str
    excerpt: str
    body: str


def doc_of(article: Article) -> Doc:
    excerpt = article.excerpt or article.summary
    return Doc(article.source, article.title, excerpt, article.body or excerpt)


def parse_corpora(corpora: Sequence[Path]) -> tuple[list[Doc], int]:
    """Every article of `corpora` parsed with bot.ingest; (docs, files that did not parse)."""
    docs: list[Doc] = []
    failed = 0
    for root in corpora:
        for path in ingest.iter_corpus_files(root):
            source = path.relative_to(root).as_posix()
            try:
                docs.append(doc_of(ingest.parse_bytes(path.read_bytes(), source)))
            except ingest.IngestError:  # ArticleRemoved included: not loaded either way
                failed += 1
    return docs, failed


def build_fts_db(docs: Iterable[Doc], path: Path) -> int:
    """A fresh baseline database at `path`, one transaction; returns the row count."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    conn = sqlite3.connect(path)
    try:
        conn.executescript(_SCHEMA)
        rows = [(i, d.source, d.title, d.excerpt, d.body) for i, d in enumerate(docs, start=1)]
        with conn:
            conn.executemany(
                "INSERT INTO docs (id, source, title, excerpt) VALUES (?, ?, ?, ?)",
                [r[:4] for r in rows],
            )
            conn.executemany(
                "INSERT INTO docs_fts (rowid, title, body) VALUES (?, ?, ?)",
                [(r[0], r[2], r[4]) for r in rows],
            )
        return len(rows)
    finally:
        conn.close()


def quoted_or(query: str) -> str:
    """An FTS5 OR of the query's words, each quoted (no stopwords removed: it is plain)."""
    terms = dict.fromkeys('"' + w.replace('"', '""') + '"' for w in _WORD.findall(query.lower()))
    return " OR ".join(terms)


class FtsBaseline:
    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)

    def search(self, query: str, limit: int = 10) -> dict[str, object]:
        expression = quoted_or(query)
        rows: list[tuple[str, str, float]] = []
        if expression:
            rows = self.conn.execute(
                "SELECT d.source, d.title, bm25(docs_fts) AS rank FROM docs_fts "
                "JOIN docs d ON d.id = docs_fts.rowid WHERE docs_fts MATCH ? "
                "ORDER BY rank LIMIT ?",
                (expression, limit),
            ).fetchall()
        hits = [
            {"id": source, "source": source, "title": title, "score": round(-rank, 4)}
            for source, title, rank in rows
        ]
        top = hits[0]["score"] if hits else 0.0
        return {"query": query, "answered": bool(hits), "confidence": top, "hits": hits}

    def complete(self, prefix: str, limit: int = 25) -> list[str]:
        """Titles whose words start with the prefix's words (FTS5 prefix query; no typos)."""
        words = _WORD.findall(prefix.lower())
        if not words:
            return []
        expression = " AND ".join(f'"{w}"*' for w in words)
        rows = self.conn.execute(
            "SELECT title FROM docs_fts WHERE docs_fts MATCH ? LIMIT ?",
            (f"title : ({expression})", limit),
        ).fetchall()
        return [r[0] for r in rows]

    def close(self) -> None:
        self.conn.close()


class FuzzBaseline:
    def __init__(self, docs: Sequence[tuple[str, str, str]]) -> None:
        """`docs`: (source, title, excerpt) for every article."""
        self.sources = [d[0] for d in docs]
        self.titles = [d[1] for d in docs]
        # Every title and every excerpt is a choice; choice i belongs to article i % n.
        self.choices = self.titles + [d[2] for d in docs]

    @classmethod
    def from_db(cls, path: Path) -> FuzzBaseline:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            docs = conn.execute("SELECT source, title, excerpt FROM docs ORDER BY id").fetchall()
        finally:
            conn.close()
        return cls(docs)

    def search(self, query: str, limit: int = 10) -> dict[str, object]:
        n = len(self.titles)
        matches = process.extract(
            query,
            self.choices,
            scorer=fuzz.WRatio,
            processor=utils.default_process,
            score_cutoff=FUZZ_CUTOFF,
            limit=limit * 2,
        )
        hits: list[dict[str, object]] = []
        seen: set[int] = set()
        for _, score, index in matches:
            article = index % n
            if article in seen:
                continue
            seen.add(article)
            source = self.sources[article]
            hits.append(
                {"id": source, "source": source, "title": self.titles[article], "score": score}
            )
            if len(hits) == limit:
                break
        top = hits[0]["score"] / 100 if hits else 0.0
        return {"query": query, "answered": bool(hits), "confidence": top, "hits": hits}

    def complete(self, prefix: str, limit: int = 25) -> list[str]:
        matches = process.extract(
            prefix, self.titles, scorer=fuzz.WRatio, processor=utils.default_process, limit=limit
        )
        return [m[0] for m in matches]


def iter_docs_db(path: Path) -> Iterator[tuple[str, str]]:
    """(source, title) of the baseline database, for query sampling."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        yield from conn.execute("SELECT source, title FROM docs ORDER BY id")
    finally:
        conn.close()
