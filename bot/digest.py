"""The daily digest: which articles go in today's, and when a guild's digest is due.

Pure functions: the date and time are always passed in, never read from a clock.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from rapidfuzz import fuzz, process

from bot.store import CatalogEntry
from bot.text import normalize

MIN_SIZE, MAX_SIZE = 1, 10
_TIME = re.compile(r"(\d{1,2}):(\d{2})", re.ASCII)
# Files in the tz database that are not places anyone would choose.
_NOT_ZONES = frozenset({"localtime", "Factory", "posixrules"})


class DigestConfigError(ValueError):
    """A digest setting an admin typed cannot be used; the message says why."""


@dataclass(frozen=True, slots=True)
class Selection:
    article_ids: tuple[str, ...]
    cycle: int  # the guild's featuring cycle these articles belong to


def rank(entries: Iterable[CatalogEntry], topics: Iterable[str] = ()) -> list[CatalogEntry]:
    """The articles a digest may feature (any of `topics`, or all), newest first, then quality."""
    wanted = {normalize(t) for t in topics}
    eligible = [e for e in entries if not wanted or wanted & {normalize(t) for t in e.topics}]
    return sorted(eligible, key=lambda e: (e.published or "", e.quality or 0), reverse=True)


def select_articles(
    entries: Sequence[CatalogEntry],
    featured: set[str],
    cycle: int,
    size: int,
    topics: Iterable[str] = (),
) -> Selection:
    """Articles not yet featured in this cycle, newest first, then by quality.

    `featured` is the set of ids featured in `cycle`. The last digest of a cycle may hold
    fewer than `size` (its leftovers): filling it from the next cycle would show the top
    articles more often than the rest. Once every article was featured, a new cycle starts.
    Empty only when no article matches `topics`.
    """
    ranked = rank(entries, topics)
    fresh = [e for e in ranked if e.id not in featured]
    if not fresh and ranked:
        cycle, fresh = cycle + 1, ranked
    return Selection(tuple(e.id for e in fresh[:size]), cycle)


def parse_time_of_day(text: str) -> time:
    """ "09:00" or "9:30" -> time; anything else is a DigestConfigError."""
    match = _TIME.fullmatch(text.strip())
    try:
        if match is None:
            raise ValueError(text)
        return time(int(match[1]), int(match[2]))
    except ValueError as exc:
        raise DigestConfigError(
            f"“{text}” is not a time of day: use HH:MM on a 24-hour clock, e.g. 09:00 or 18:30"
        ) from exc


@cache
def timezone_names() -> tuple[str, ...]:
    """Every IANA time zone name this machine knows, sorted."""
    return tuple(sorted(available_timezones() - _NOT_ZONES))


@cache
def _zones_by_folded_name() -> dict[str, str]:
    return {name.casefold(): name for name in timezone_names()}


def parse_timezone(name: str) -> ZoneInfo:
    """An IANA zone by name, case-insensitively ("europe/paris" works)."""
    key = _zones_by_folded_name().get(name.strip().casefold())
    if key is not None:
        try:
            return ZoneInfo(key)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            pass
    raise DigestConfigError(
        f"“{name}” is not an IANA time zone (e.g. Europe/Paris, America/New_York, UTC)"
    )


def complete_timezone(text: str, limit: int = 25) -> list[str]:
    """Zone names for autocomplete: prefix matches, then any part of the name."""
    key = text.strip().casefold().replace(" ", "_")
    names = timezone_names()
    if not key:
        return list(names[:limit])
    starts = [n for n in names if n.casefold().startswith(key)]
    parts = [n for n in names if n not in starts and key in n.casefold()]
    return (starts + parts)[:limit]


def check_size(size: int) -> int:
    if not MIN_SIZE <= size <= MAX_SIZE:
        raise DigestConfigError(
            f"a digest holds {MIN_SIZE} to {MAX_SIZE} articles (you asked for {size})"
        )
    return size


def match_topics(typed: str, known: Iterable[str]) -> tuple[str, ...]:
    """Comma-separated topics -> the catalog's own spelling of each; empty text clears.

    Unknown topics are a DigestConfigError naming the closest known ones.
    """
    by_key = {normalize(t): t for t in known}
    chosen: dict[str, None] = {}
    unknown: list[str] = []
    for part in typed.split(","):
        part = part.strip()
        if not part:
            continue
        found = by_key.get(normalize(part))
        if found is None:
            unknown.append(part)
        else:
            chosen.setdefault(found, None)
    if unknown:
        hints: dict[str, None] = {}
        for part in unknown:
            for name, _, _ in process.extract(
                part, list(by_key.values()), scorer=fuzz.WRatio, score_cutoff=70, limit=3
            ):
                hints.setdefault(name, None)
        message = f"no articles have the topic {', '.join(f'“{u}”' for u in unknown)}"
        if hints:
            message += f"; did you mean {', '.join(hints)}?"
        raise DigestConfigError(message)
    return tuple(chosen)


def local_date(now: datetime, zone: ZoneInfo) -> date:
    """The calendar day it is in `zone` at the aware instant `now`."""
    return now.astimezone(zone).date()


def scheduled_at(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of `at` on local `day`, correct across daylight-saving changes.

    A time skipped by a spring-forward gap is taken as the same wall time after the jump
    (02:30 on a day that jumps 02:00->03:00 becomes 03:30); a repeated autumn time is its
    first occurrence. Both follow from fold=0 (PEP 495): the offset in force before the
    transition is used.
    """
    return datetime.combine(day, at, tzinfo=zone).replace(fold=0).astimezone(UTC)


def is_due(
    now: datetime,
    at: time,
    zone: ZoneInfo,
    last_posted: date | None,
    since: datetime | None = None,
) -> date | None:
    """The local day whose digest should be posted now, or None.

    Due once the scheduled time of the local day has passed and that day has no digest yet,
    so a bot that was down at the scheduled time posts when it returns the same day.
    `since` is when the schedule was last set: a scheduled time before it is not owed
    (turning the digest on at 15:00 with a 09:00 time starts tomorrow, not now).
    """
    today = local_date(now, zone)
    if last_posted is not None and last_posted >= today:
        return None
    when = scheduled_at(today, at, zone)
    if since is not None and when < since:
        return None
    return today if now >= when else None


def next_run(
    now: datetime,
    at: time,
    zone: ZoneInfo,
    last_posted: date | None,
    since: datetime | None = None,
) -> datetime:
    """The UTC instant the next digest is due (`now` itself if one is due already)."""
    if is_due(now, at, zone, last_posted, since) is not None:
        return now
    day = local_date(now, zone)
    for _ in range(3):
        when = scheduled_at(day, at, zone)
        posted = last_posted is not None and last_posted >= day
        if when >= now and not posted and (since is None or when >= since):
            return when
        day += timedelta(days=1)
    return scheduled_at(day, at, zone)


def next_check(now: datetime) -> datetime:
    """The start of the next minute: how often the scheduler looks for due guilds."""
    return (now + timedelta(minutes=1)).replace(second=0, microsecond=0)
