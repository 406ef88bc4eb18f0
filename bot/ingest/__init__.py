"""Corpus files -> Articles: one parser per source shape, chosen by content. Pure: no SQL,
no Discord; every problem is an IngestError whose reason a person can act on."""

from __future__ import annotations

from bot.ingest.build import article_id
from bot.ingest.decode import MAX_FILE_BYTES
from bot.ingest.detect import detect_shape
from bot.ingest.errors import ArticleRemoved, IngestError
from bot.ingest.parse import (
    PARSER_VERSION,
    CorpusEntry,
    corpus_entries,
    corpus_sources,
    iter_corpus_files,
    parse_bytes,
    parse_file,
    parse_text,
)

__all__ = [
    "MAX_FILE_BYTES",
    "PARSER_VERSION",
    "ArticleRemoved",
    "CorpusEntry",
    "IngestError",
    "article_id",
    "corpus_entries",
    "corpus_sources",
    "detect_shape",
    "iter_corpus_files",
    "parse_bytes",
    "parse_file",
    "parse_text",
]
