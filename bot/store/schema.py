"""The database schema, one migration per version, tracked in `PRAGMA user_version`."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import aiosqlite

from bot.store.errors import StoreOpenError

# Column weights for bm25(), in FTS column order: title, summary, topics, body, provider, related.
FTS_WEIGHTS = (10.0, 4.0, 6.0, 1.0, 2.0, 2.0)
FTS_COLUMNS = ("title", "summary", "topics", "body", "provider", "related")

_V1 = """
CREATE TABLE articles (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    corpus TEXT NOT NULL,
    source TEXT NOT NULL,
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    topics TEXT NOT NULL,      -- one topic a line
    body TEXT NOT NULL,
    provider TEXT NOT NULL,    -- provider name and authors, for search
    related TEXT NOT NULL,     -- related links and collection items, for search
    published TEXT,
    quality INTEGER,
    data TEXT NOT NULL         -- JSON: every other Article field
);
CREATE INDEX articles_by_published ON articles (published DESC, quality DESC);

-- External-content index: the text lives once, in `articles`.
CREATE VIRTUAL TABLE articles_fts USING fts5 (
    title, summary, topics, body, provider, related,
    content = 'articles', content_rowid = 'rowid',
    tokenize = 'porter unicode61 remove_diacritics 2'
);

-- Raw (unstemmed) words and their document frequency: typo repair and term weights.
CREATE TABLE terms (term TEXT PRIMARY KEY, df INTEGER NOT NULL) WITHOUT ROWID;

-- What each corpus file looked like when last loaded, for incremental reloads.
CREATE TABLE files (
    corpus TEXT NOT NULL,
    source TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    hash TEXT NOT NULL,
    article_id TEXT,           -- NULL when the file is marked removed or never parsed
    status TEXT NOT NULL,      -- 'loaded', 'removed' or 'failed'
    reason TEXT,
    PRIMARY KEY (corpus, source)
) WITHOUT ROWID;

CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
"""

_V2 = """
CREATE TABLE digest_settings (
    guild_id INTEGER PRIMARY KEY,
    channel_id INTEGER,
    time TEXT NOT NULL,
    timezone TEXT NOT NULL,
    size INTEGER NOT NULL,
    topics TEXT NOT NULL,          -- JSON list
    enabled INTEGER NOT NULL,
    cycle INTEGER NOT NULL DEFAULT 0,
    disabled_reason TEXT,
    last_error TEXT,
    last_posted_at TEXT,
    schedule_since TEXT            -- ISO UTC: scheduled times before this are not owed
);

-- One row per guild and local day: claimed before sending, message_id stored after.
CREATE TABLE digest_posts (
    guild_id INTEGER NOT NULL,
    local_date TEXT NOT NULL,
    channel_id INTEGER NOT NULL,
    message_id INTEGER,
    article_ids TEXT NOT NULL,     -- JSON list
    cycle INTEGER NOT NULL,
    claimed_at TEXT NOT NULL,
    PRIMARY KEY (guild_id, local_date)
);

-- Articles featured in each of a guild's cycles.
CREATE TABLE digest_featured (
    guild_id INTEGER NOT NULL,
    cycle INTEGER NOT NULL,
    article_id TEXT NOT NULL,
    PRIMARY KEY (guild_id, cycle, article_id)
) WITHOUT ROWID;
"""

# A reload finds each file's previous article by its path; without this, by a full scan.
_V3 = """
CREATE UNIQUE INDEX articles_by_source ON articles (corpus, source);
"""

# Sentence vectors for the optional semantic rerank (empty unless it is on), by model; the
# digest is of the text encoded, so a changed article is encoded again.
_V4 = """
CREATE TABLE vectors (
    article_id TEXT NOT NULL,
    model TEXT NOT NULL,
    digest TEXT NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (model, article_id)
) WITHOUT ROWID;
"""

# Insights (issue 10): what members asked and how they voted. No user id is stored: a vote's
# voter is an HMAC of the member id under a key kept in `meta`, enough to count one vote per
# member and answer. `answers` is JSON [[article id, title], ...], best first, [] when nothing
# was found: the titles outlive a reload that removes the article.
_V5 = """
CREATE TABLE questions (
    id INTEGER PRIMARY KEY,
    guild_id INTEGER NOT NULL,
    asked_at TEXT NOT NULL,        -- ISO 8601 UTC
    via TEXT NOT NULL,             -- 'ask', 'mention' or 'forum'
    question TEXT NOT NULL,
    confidence REAL NOT NULL,
    answers TEXT NOT NULL
);
CREATE INDEX questions_by_guild ON questions (guild_id, asked_at);
CREATE INDEX questions_by_time ON questions (asked_at);

CREATE TABLE votes (
    question_id INTEGER NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,     -- which of the question's answers (0 = the first)
    voter TEXT NOT NULL,           -- HMAC-SHA256(key, member id), hex
    helpful INTEGER NOT NULL,
    voted_at TEXT NOT NULL,
    PRIMARY KEY (question_id, position, voter)
) WITHOUT ROWID;

-- Channels where new posts (forum) or messages are answered without /ask.
CREATE TABLE autoanswer_channels (
    channel_id INTEGER PRIMARY KEY,
    guild_id INTEGER NOT NULL,
    enabled INTEGER NOT NULL,
    min_confidence REAL NOT NULL,
    disabled_reason TEXT
);
"""

# Forum posts the bot answered by itself: claimed before answering, so each is answered once.
_V6 = """
CREATE TABLE autoanswer_threads (
    thread_id INTEGER PRIMARY KEY,
    channel_id INTEGER NOT NULL,
    claimed_at TEXT NOT NULL       -- ISO 8601 UTC
);
"""

# Vectors of articles (part 0) and of their body's passages (parts 1, 2, ...), int8 with a
# scale, by model; the digest is the content hash of the file they were encoded from, so an
# article whose file changed waits to be encoded again. Replaces the float32 `vectors`.
_V7 = """
DROP TABLE vectors;
CREATE TABLE embeddings (
    article_id TEXT NOT NULL,
    part INTEGER NOT NULL,
    model TEXT NOT NULL,
    digest TEXT NOT NULL,
    scale REAL NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (article_id, part)
) WITHOUT ROWID;
"""

MIGRATIONS: tuple[str, ...] = (_V1, _V2, _V3, _V4, _V5, _V6, _V7)


def prepare(path: Path) -> None:
    """Make the database file at `path` ready: refuse one that is not ours or is newer
    than this code, make a new one WAL, migrate an old one. An up-to-date database is
    only read, so this never waits for another process's write lock."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA busy_timeout = 5000")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > len(MIGRATIONS):
            raise StoreOpenError(
                f"{path} has schema version {version}, newer than this articlebot knows "
                f"({len(MIGRATIONS)}): upgrade articlebot, or give another database (--db "
                "or ARTICLEBOT_DB)"
            )
        if version == 0:
            if conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
                raise StoreOpenError(
                    f"{path} is an SQLite database of something else (tables, but no "
                    "articlebot schema): give another file (--db or ARTICLEBOT_DB)"
                )
            # Only takes on a new file (before its first table): a reload's freed pages
            # can then be given back, so the file does not keep replaced index segments.
            conn.execute("PRAGMA auto_vacuum = INCREMENTAL")
        if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            conn.execute("PRAGMA journal_mode = WAL")
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            conn.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")
    finally:
        conn.close()


async def migrate(conn: aiosqlite.Connection) -> int:
    """Bring an in-memory database's schema up to the newest version (files: `prepare`)."""
    async with conn.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    version = row[0] if row else 0
    for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
        # executescript commits first; the version bump is part of the same script.
        await conn.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")
    return len(MIGRATIONS)
