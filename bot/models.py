"""Plain data passed between the pipeline's steps: parse -> store -> search -> answer -> render."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Provider:
    name: str
    domain: str | None = None


@dataclass(frozen=True, slots=True)
class Link:
    """A labelled absolute http(s) link, e.g. a DOI or a download."""

    label: str
    url: str


@dataclass(frozen=True, slots=True)
class RelatedLink:
    """An entry of an article's own `related` list (not necessarily in the corpus)."""

    title: str
    url: str | None = None
    excerpt: str | None = None
    provider: str | None = None
    published: str | None = None  # ISO 8601 date or datetime, as the source gives it


@dataclass(frozen=True, slots=True)
class Article:
    """One corpus document, every field a reader would want, noise removed.

    `source` is the path relative to the corpus directory the file came from (POSIX
    separators); `id` is derived from it, so it is stable across reloads.
    """

    id: str
    source: str
    shape: str  # "frontmatter", "html", "plaintext" or "scraped"
    title: str
    body: str = ""  # clean text, paragraphs separated by blank lines
    excerpt: str | None = None  # the source's own excerpt / bio, if any
    summary: str = ""  # excerpt, else 2-3 extractive sentences of the body
    published: str | None = None  # ISO 8601 ("2020-02-14" or "2020-11-01T08:00:00Z")
    authors: tuple[str, ...] = ()
    provider: Provider | None = None
    url: str | None = None  # absolute http(s) only
    image: str | None = None  # absolute http(s) only
    type: str | None = None  # article, video, course, profile, ...
    topics: tuple[str, ...] = ()
    related: tuple[RelatedLink, ...] = ()
    links: tuple[Link, ...] = ()  # extra links: DOI, downloads
    # What a collection lists: other items of the corpus, as their paths ("courses/x-y").
    contents: tuple[str, ...] = ()
    venue: str | None = None
    year: int | None = None
    quality: int | None = None
    heat: int | None = None


@dataclass(frozen=True, slots=True)
class IngestFailure:
    source: str  # path relative to its corpus directory
    reason: str


@dataclass(slots=True)
class ReloadReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)  # gone from disk since the last load
    skipped_removed: list[str] = field(default_factory=list)  # marked `removed: true`
    failed: list[IngestFailure] = field(default_factory=list)
    duration_s: float = 0.0
    total: int = 0  # articles serving after the reload

    @property
    def ok(self) -> bool:
        return not self.failed


@dataclass(frozen=True, slots=True)
class Hit:
    article_id: str
    source: str
    title: str
    score: float  # in [0, 1], higher is better


@dataclass(frozen=True, slots=True)
class SearchResult:
    query: str
    answered: bool
    confidence: float  # in [0, 1]
    hits: tuple[Hit, ...] = ()
    nearest: tuple[str, ...] = ()  # titles offered when nothing answered


@dataclass(frozen=True, slots=True)
class Answer:
    article: Article
    query: str
    confidence: float
    summary: str
    passage: str  # 1-3 sentences of the body, query words in **bold**
    related: tuple[RelatedLink, ...] = ()  # the article's own list, then similar corpus articles
    author_unnamed: bool = False  # "who wrote ...?" asked of an article that names nobody


@dataclass(frozen=True, slots=True)
class DigestSettings:
    """One guild's daily digest configuration and its last outcome."""

    guild_id: int
    channel_id: int | None = None
    time: str = "09:00"  # local time of day, 24-hour
    timezone: str = "UTC"  # IANA name
    size: int = 3
    topics: tuple[str, ...] = ()
    enabled: bool = False
    cycle: int = 0
    disabled_reason: str | None = None  # why the bot turned it off (403 / 404)
    last_error: str | None = None
    last_posted_at: str | None = None  # ISO 8601 UTC


@dataclass(frozen=True, slots=True)
class DigestPost:
    guild_id: int
    local_date: str  # ISO date in the guild's time zone
    channel_id: int
    message_id: int | None  # None while claimed but not confirmed as sent
    article_ids: tuple[str, ...]
    cycle: int


@dataclass(frozen=True, slots=True)
class AskedQuestion:
    """A question a member asked in a server, what it was answered with, and the votes."""

    id: int
    guild_id: int
    asked_at: datetime  # UTC
    via: str  # "ask", "mention" or "forum"
    text: str
    confidence: float
    answers: tuple[tuple[str, str], ...] = ()  # (article id, title), best first
    # (helpful, not helpful) per answer position, as long as `answers`.
    votes: tuple[tuple[int, int], ...] = ()

    @property
    def answered(self) -> bool:
        return bool(self.answers)


@dataclass(frozen=True, slots=True)
class AutoAnswerChannel:
    """A channel where the bot answers new posts without /ask."""

    channel_id: int
    guild_id: int
    enabled: bool = True
    min_confidence: float = 0.5
    disabled_reason: str | None = None  # why the bot turned it off (403)
