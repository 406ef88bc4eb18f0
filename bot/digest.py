"""The daily digest: which articles go in today's, and when a guild's digest is due.

Pure functions: the date and time are always passed in, never read from a clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.store import CatalogEntry
from bot.text import normalize

MIN_SIZE, MAX_SIZE = 1, 10


class DigestConfigError(ValueError):
    """A digest setting an admin typed cannot be used; the message says why."""


@dataclass(frozen=True, slots=True)
class Selection:
    article_ids: tuple[str, ...]
    cycle: int  # the guild's featuring cycle these articles belong to


def select_articles(
    entries: Sequence[CatalogEntry],
    featured: set[str],
    cycle: int,
    size: int,
    topics: Iterable[str] = (),
) -> Selection:
    """Articles not yet featured in this cycle, newest first, then by quality.

    When every eligible article has been featured, a new cycle starts and they are all
    eligible again. `featured` is the set of ids featured in `cycle`.
    """
    wanted = {normalize(t) for t in topics}
    eligible = [
        e for e in entries if not wanted or wanted & {normalize(t) for t in e.topics}
    ]
    ranked = sorted(eligible, key=lambda e: (e.published or "", e.quality or 0), reverse=True)
    fresh = [e for e in ranked if e.id not in featured]
    if not fresh and ranked:
        cycle, fresh = cycle + 1, ranked
    return Selection(tuple(e.id for e in fresh[:size]), cycle)


def parse_time_of_day(text: str) -> time:
    """"09:00" or "9:30" -> time; anything else is a DigestConfigError."""
    try:
        hours, minutes = text.strip().split(":")
        return time(int(hours), int(minutes))
    except ValueError as exc:
        raise DigestConfigError(f"“{text}” is not a time of day like 09:00 (24-hour)") from exc


def parse_timezone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise DigestConfigError(
            f"“{name}” is not an IANA time zone (e.g. Europe/Paris, America/New_York, UTC)"
        ) from exc


def check_size(size: int) -> int:
    if not MIN_SIZE <= size <= MAX_SIZE:
        raise DigestConfigError(f"a digest holds {MIN_SIZE} to {MAX_SIZE} articles")
    return size


def local_date(now: datetime, zone: ZoneInfo) -> date:
    """The calendar day it is in `zone` at the aware instant `now`."""
    return now.astimezone(zone).date()


def scheduled_at(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of `at` on local `day`, correct across daylight-saving changes.

    A time skipped by a spring-forward gap is taken as the same wall time after the jump
    (02:30 on a day that jumps 02:00->03:00 becomes 03:30); a repeated autumn time is its
    first occurrence.
    """
    local = datetime.combine(day, at, tzinfo=zone)
    as_utc = local.astimezone(UTC)
    if as_utc.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        # In a gap: the wall time does not exist; move forward by the gap's length.
        gap = local.replace(fold=1).utcoffset() - local.replace(fold=0).utcoffset()  # type: ignore[operator]
        as_utc = (local + abs(gap)).astimezone(UTC) if gap else as_utc
    return as_utc


def is_due(now: datetime, at: time, zone: ZoneInfo, last_posted: date | None) -> date | None:
    """The local day whose digest should be posted now, or None.

    Due once the scheduled time of the local day has passed and that day has no digest yet,
    so a bot that was down at the scheduled time posts when it returns the same day.
    """
    today = local_date(now, zone)
    if last_posted is not None and last_posted >= today:
        return None
    return today if now >= scheduled_at(today, at, zone) else None


def next_check(now: datetime) -> datetime:
    """The start of the next minute: how often the scheduler looks for due guilds."""
    return (now + timedelta(minutes=1)).replace(second=0, microsecond=0)
