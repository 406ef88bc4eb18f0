"""Typed ingest errors: the reason is a short sentence a person can act on."""

from __future__ import annotations


class IngestError(Exception):
    """A corpus file that cannot become an Article, and why."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(source, reason)
        self.source = source
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.source}: {self.reason}"


class ArticleRemoved(IngestError):
    """The file is valid but marks itself as withdrawn (`removed: true`)."""
