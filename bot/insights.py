"""Kept questions -> what curators need to see: unanswered questions (near-duplicates merged),
answers voted "Not helpful", the most-asked articles, and the answer and helpful rates by week.

Pure: the questions and "now" come in, a report (or CSV / JSON text) goes out. Near-duplicate
questions are merged by a `Similar` function: by meaning when the semantic model is loaded
(`meaning_similarity`), otherwise by words (`word_similarity`, rapidfuzz on normalised text).
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from rapidfuzz import fuzz

from bot.models import AskedQuestion
from bot.text import content_words, stem

if TYPE_CHECKING:
    from bot.semantic import Embedder

# Same words in another order or with a typo score ~85-100; a different question on the same
# topic ~50-70.
WORD_MERGE_SCORE = 80.0
# Cosine of all-MiniLM-L6-v2 vectors: paraphrases sit above ~0.8.
MEANING_MERGE_SCORE = 0.8

# Pairwise similarity of a list of texts: (i, j) -> True when the two mean the same.
Similar = Callable[[Sequence[str]], Callable[[int, int], bool]]


@dataclass(frozen=True, slots=True)
class Unanswered:
    question: str  # the most recent wording
    count: int
    last_asked: datetime
    variants: tuple[str, ...] = ()  # other wordings merged into it


@dataclass(frozen=True, slots=True)
class Missed:
    """An answer members voted "Not helpful"."""

    question: str
    article_id: str
    title: str
    helpful: int
    not_helpful: int
    asked_at: datetime


@dataclass(frozen=True, slots=True)
class ArticleCount:
    article_id: str
    title: str
    count: int


@dataclass(frozen=True, slots=True)
class Week:
    start: date  # the Monday
    asked: int
    answered: int
    helpful: int
    not_helpful: int

    @property
    def answer_rate(self) -> float | None:
        return self.answered / self.asked if self.asked else None

    @property
    def helpful_rate(self) -> float | None:
        votes = self.helpful + self.not_helpful
        return self.helpful / votes if votes else None


@dataclass(frozen=True, slots=True)
class Report:
    guild_id: int
    since: datetime
    until: datetime
    asked: int
    answered: int
    unanswered: list[Unanswered] = field(default_factory=list)
    missed: list[Missed] = field(default_factory=list)
    most_asked: list[ArticleCount] = field(default_factory=list)
    weeks: list[Week] = field(default_factory=list)
    merged_by: str = "words"  # "meaning" when the semantic model merged the questions


def build_report(
    guild_id: int,
    questions: Sequence[AskedQuestion],
    now: datetime,
    days: int,
    similar: Similar | None = None,
    merged_by: str = "words",
) -> Report:
    """The report of the questions asked in the `days` before `now`."""
    since = now - timedelta(days=days)
    kept = [q for q in questions if since <= q.asked_at <= now]
    return Report(
        guild_id=guild_id,
        since=since,
        until=now,
        asked=len(kept),
        answered=sum(q.answered for q in kept),
        unanswered=merge_unanswered([q for q in kept if not q.answered], similar),
        missed=missed_answers(kept),
        most_asked=most_asked(kept),
        weeks=weekly(kept),
        merged_by=merged_by,
    )


def merge_unanswered(
    questions: Sequence[AskedQuestion], similar: Similar | None = None
) -> list[Unanswered]:
    """Unanswered questions, near-duplicates counted together, most asked first.

    Single-link grouping: two questions that mean the same are in one group, and so are two
    groups a later question means the same as (found with a union-find, so the grouping
    does not depend on the order they were asked in). Quadratic, which is fine for one
    server's unanswered questions.
    """
    texts = [" ".join(q.text.split()) for q in questions]
    same = (similar or word_similarity)(texts)
    parent = list(range(len(texts)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(texts)):
        for j in range(i):
            if root(i) != root(j) and same(i, j):
                parent[root(i)] = root(j)
    by_root: dict[int, list[int]] = {}
    for i in range(len(texts)):
        by_root.setdefault(root(i), []).append(i)
    groups = list(by_root.values())
    merged = []
    for group in groups:
        latest = max(group, key=lambda i: (questions[i].asked_at, i))
        wordings = dict.fromkeys(texts[i] for i in sorted(group, key=lambda i: -i))
        wordings.pop(texts[latest], None)
        merged.append(
            Unanswered(
                question=texts[latest],
                count=len(group),
                last_asked=questions[latest].asked_at,
                variants=tuple(wordings),
            )
        )
    merged.sort(key=lambda u: (-u.count, -u.last_asked.timestamp()))
    return merged


def word_similarity(texts: Sequence[str]) -> Callable[[int, int], bool]:
    """Same question by its words: stemmed content words, compared with rapidfuzz so word
    order, stopwords and small typos do not matter."""
    keys = [" ".join(sorted(stem(w) for w in content_words(t))) or t.casefold() for t in texts]

    def same(i: int, j: int) -> bool:
        return fuzz.token_set_ratio(keys[i], keys[j]) >= WORD_MERGE_SCORE

    return same


def meaning_similarity(embedder: Embedder) -> Similar:
    """Same question by meaning: cosine of sentence vectors (the semantic rerank's model)."""

    def build(texts: Sequence[str]) -> Callable[[int, int], bool]:
        if not texts:
            return lambda i, j: False
        vectors = embedder.encode(list(texts))  # L2-normalised rows
        words = word_similarity(texts)

        def same(i: int, j: int) -> bool:
            return words(i, j) or float(vectors[i] @ vectors[j]) >= MEANING_MERGE_SCORE

        return same

    return build


def missed_answers(questions: Sequence[AskedQuestion]) -> list[Missed]:
    """Answers with at least one "Not helpful" vote, most voted down first."""
    missed = [
        Missed(q.text, article_id, title, helpful, not_helpful, q.asked_at)
        for q in questions
        for (article_id, title), (helpful, not_helpful) in zip(q.answers, q.votes, strict=False)
        if not_helpful
    ]
    missed.sort(key=lambda m: (-(m.not_helpful - m.helpful), -m.not_helpful, m.asked_at))
    return missed


def most_asked(questions: Sequence[AskedQuestion]) -> list[ArticleCount]:
    """Articles by how many questions they answered first."""
    counts = Counter(q.answers[0][0] for q in questions if q.answered)
    titles = {q.answers[0][0]: q.answers[0][1] for q in questions if q.answered}
    return [
        ArticleCount(article_id, titles[article_id], count)
        for article_id, count in sorted(counts.items(), key=lambda kv: (-kv[1], titles[kv[0]]))
    ]


def weekly(questions: Sequence[AskedQuestion]) -> list[Week]:
    """Asked, answered and votes per week (Monday to Sunday, UTC), oldest first."""
    by_week: dict[date, list[AskedQuestion]] = {}
    for q in questions:
        day = q.asked_at.date()
        by_week.setdefault(day - timedelta(days=day.weekday()), []).append(q)
    return [
        Week(
            start=start,
            asked=len(group),
            answered=sum(q.answered for q in group),
            helpful=sum(h for q in group for h, _ in q.votes),
            not_helpful=sum(n for q in group for _, n in q.votes),
        )
        for start, group in sorted(by_week.items())
    ]


# -- raw rows --------------------------------------------------------------------------------

CSV_COLUMNS = (
    "asked_at",
    "via",
    "question",
    "answered",
    "confidence",
    "position",
    "article_id",
    "article_title",
    "helpful",
    "not_helpful",
)


def raw_rows(questions: Sequence[AskedQuestion]) -> list[dict[str, Any]]:
    """One row per answer shown (one per unanswered question), for spreadsheets."""
    rows: list[dict[str, Any]] = []
    for q in questions:
        base = {
            "asked_at": q.asked_at.isoformat(),
            "via": q.via,
            "question": q.text,
            "answered": q.answered,
            "confidence": round(q.confidence, 3),
        }
        if not q.answers:
            rows.append(
                {
                    **base,
                    "position": None,
                    "article_id": None,
                    "article_title": None,
                    "helpful": 0,
                    "not_helpful": 0,
                }
            )
        for position, ((article_id, title), (helpful, not_helpful)) in enumerate(
            zip(q.answers, q.votes, strict=False)
        ):
            rows.append(
                {
                    **base,
                    "position": position + 1,
                    "article_id": article_id,
                    "article_title": title,
                    "helpful": helpful,
                    "not_helpful": not_helpful,
                }
            )
    return rows


def to_csv(questions: Sequence[AskedQuestion]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in raw_rows(questions):
        # A cell starting with = + - @ would run as a formula in a spreadsheet.
        writer.writerow({k: _inert(v) for k, v in row.items()})
    return out.getvalue()


def _inert(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


def to_json(report: Report) -> str:
    def rate(value: float | None) -> float | None:
        return None if value is None else round(value, 3)

    data = {
        "guild_id": report.guild_id,
        "since": report.since.isoformat(),
        "until": report.until.isoformat(),
        "asked": report.asked,
        "answered": report.answered,
        "merged_by": report.merged_by,
        "unanswered": [
            {
                "question": u.question,
                "count": u.count,
                "last_asked": u.last_asked.isoformat(),
                "variants": list(u.variants),
            }
            for u in report.unanswered
        ],
        "not_helpful": [
            {
                "question": m.question,
                "article_id": m.article_id,
                "title": m.title,
                "helpful": m.helpful,
                "not_helpful": m.not_helpful,
            }
            for m in report.missed
        ],
        "most_asked": [
            {"article_id": a.article_id, "title": a.title, "count": a.count}
            for a in report.most_asked
        ],
        "weeks": [
            {
                "week": w.start.isoformat(),
                "asked": w.asked,
                "answered": w.answered,
                "answer_rate": rate(w.answer_rate),
                "helpful": w.helpful,
                "not_helpful": w.not_helpful,
                "helpful_rate": rate(w.helpful_rate),
            }
            for w in report.weeks
        ],
    }
    return json.dumps(data, ensure_ascii=False, indent=2)
