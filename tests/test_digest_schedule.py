"""Digest selection cycles and scheduling: pure functions, every date and time passed in."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.digest import (
    DigestConfigError,
    check_size,
    complete_timezone,
    is_due,
    local_date,
    match_topics,
    next_run,
    parse_time_of_day,
    parse_timezone,
    scheduled_at,
    select_articles,
)
from bot.store import CatalogEntry

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")


def entry(
    id: str, published: str | None, quality: int | None = None, topics: tuple[str, ...] = ()
) -> CatalogEntry:
    return CatalogEntry(
        id=id,
        source=f"{id}.md",
        title=id.title(),
        topics=topics,
        published=published,
        quality=quality,
    )


ENTRIES = [
    entry("old", "2019-01-01", 5, ("Neuroscience",)),
    entry("new", "2024-05-01", 1, ("AI",)),
    entry("new-better", "2024-05-01", 9, ("ai", "Neuroscience")),
    entry("mid", "2021-06-15T08:00:00Z", 3, ("Power Apps",)),
    entry("undated", None, 10),
]


# -- selection -------------------------------------------------------------------------


def test_selection_is_newest_first_then_by_quality() -> None:
    picked = select_articles(ENTRIES, featured=set(), cycle=0, size=3)
    assert picked.article_ids == ("new-better", "new", "mid")
    assert picked.cycle == 0


def test_selection_skips_articles_featured_in_this_cycle() -> None:
    picked = select_articles(ENTRIES, featured={"new-better", "new"}, cycle=0, size=2)
    assert picked.article_ids == ("mid", "old")


def test_selection_starts_a_new_cycle_when_everything_was_featured() -> None:
    everything = {e.id for e in ENTRIES}
    picked = select_articles(ENTRIES, featured=everything, cycle=4, size=2)
    assert picked.article_ids == ("new-better", "new")
    assert picked.cycle == 5


def test_the_last_digest_of_a_cycle_holds_its_leftovers() -> None:
    featured = {"new-better", "new", "mid", "old"}
    picked = select_articles(ENTRIES, featured=featured, cycle=0, size=3)
    assert picked.article_ids == ("undated",)
    assert picked.cycle == 0


def test_every_article_is_featured_once_per_cycle_over_many_days() -> None:
    featured: dict[int, set[str]] = {}
    cycle, shown = 0, []
    for _day in range(9):
        picked = select_articles(ENTRIES, featured.get(cycle, set()), cycle, size=2)
        cycle = picked.cycle
        featured.setdefault(cycle, set()).update(picked.article_ids)
        shown.append(picked.article_ids)
    # 5 articles, 2 a day: three days a cycle, the third holding the one left over.
    assert [len(ids) for ids in shown] == [2, 2, 1] * 3
    for start in (0, 3, 6):
        in_cycle = [i for ids in shown[start : start + 3] for i in ids]
        assert sorted(in_cycle) == sorted(e.id for e in ENTRIES)
    assert cycle == 2


def test_topics_filter_case_insensitively() -> None:
    picked = select_articles(ENTRIES, set(), 0, size=10, topics=["neuroscience", "AI"])
    assert picked.article_ids == ("new-better", "new", "old")


def test_no_article_with_the_topics_gives_an_empty_selection() -> None:
    picked = select_articles(ENTRIES, {"old"}, 2, size=3, topics=["Cooking"])
    assert picked.article_ids == ()
    assert picked.cycle == 2


def test_a_digest_larger_than_the_corpus_holds_the_whole_corpus() -> None:
    picked = select_articles(ENTRIES, set(), 0, size=10)
    assert len(picked.article_ids) == len(ENTRIES)


# -- settings an admin types -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [("09:00", time(9)), ("9:30", time(9, 30)), (" 23:59 ", time(23, 59)), ("0:00", time(0))],
)
def test_times_of_day_parse(text: str, expected: time) -> None:
    assert parse_time_of_day(text) == expected


@pytest.mark.parametrize(
    "text", ["24:00", "9", "9:5", "09:60", "9h30", "+9:30", "-1:30", "٩:٣٠", "", "09:00:00"]
)
def test_bad_times_of_day_are_explained(text: str) -> None:
    with pytest.raises(DigestConfigError, match="24-hour"):
        parse_time_of_day(text)


def test_time_zones_are_iana_names_any_case() -> None:
    assert parse_timezone("Europe/Paris").key == "Europe/Paris"
    assert parse_timezone(" europe/paris ").key == "Europe/Paris"
    assert parse_timezone("UTC").key == "UTC"


@pytest.mark.parametrize("name", ["Mars/Olympus", "", "localtime", "../etc/passwd", "Europe"])
def test_unknown_time_zones_are_explained(name: str) -> None:
    with pytest.raises(DigestConfigError, match="IANA time zone"):
        parse_timezone(name)


def test_time_zone_completion_offers_at_most_25_prefix_matches_first() -> None:
    assert len(complete_timezone("")) == 25
    assert complete_timezone("europe/pa")[0] == "Europe/Paris"
    assert "Europe/Paris" in complete_timezone("paris")
    assert complete_timezone("america")[0].startswith("America/")
    assert complete_timezone("new york") == ["America/New_York"]
    assert complete_timezone("no such place") == []


def test_size_is_one_to_ten() -> None:
    assert check_size(1) == 1
    assert check_size(10) == 10
    for bad in (0, 11, -3):
        with pytest.raises(DigestConfigError, match="1 to 10"):
            check_size(bad)


def test_topics_take_the_catalog_spelling_and_empty_clears() -> None:
    known = ["Neuroscience", "Power Apps", "AI"]
    assert match_topics("power apps, neuroscience ,", known) == ("Power Apps", "Neuroscience")
    assert match_topics("AI, ai", known) == ("AI",)
    assert match_topics("  ", known) == ()


def test_unknown_topics_are_named_with_suggestions() -> None:
    with pytest.raises(DigestConfigError) as error:
        match_topics("Neuroscince, Cooking", ["Neuroscience", "Power Apps"])
    message = str(error.value)
    assert "“Neuroscince”" in message and "“Cooking”" in message
    assert "did you mean Neuroscience" in message


# -- scheduling ------------------------------------------------------------------------


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_scheduled_time_on_an_ordinary_day() -> None:
    assert scheduled_at(date(2026, 1, 15), time(9), PARIS) == utc(2026, 1, 15, 8)
    assert scheduled_at(date(2026, 7, 15), time(9), PARIS) == utc(2026, 7, 15, 7)
    assert scheduled_at(date(2026, 7, 15), time(9), NEW_YORK) == utc(2026, 7, 15, 13)


def test_a_time_skipped_by_spring_forward_runs_just_after_the_jump() -> None:
    # Paris, 2026-03-29: 02:00 CET becomes 03:00 CEST; 02:30 does not exist.
    when = scheduled_at(date(2026, 3, 29), time(2, 30), PARIS)
    assert when == utc(2026, 3, 29, 1, 30)
    assert when.astimezone(PARIS).strftime("%H:%M %Z") == "03:30 CEST"


def test_a_time_repeated_by_fall_back_runs_at_its_first_occurrence() -> None:
    # Paris, 2026-10-25: 03:00 CEST becomes 02:00 CET; 02:30 happens twice.
    when = scheduled_at(date(2026, 10, 25), time(2, 30), PARIS)
    assert when == utc(2026, 10, 25, 0, 30)
    assert when.astimezone(PARIS).strftime("%H:%M %Z") == "02:30 CEST"


def test_due_once_the_local_time_has_passed() -> None:
    at = time(9)
    assert is_due(utc(2026, 1, 15, 7, 59), at, PARIS, None) is None
    assert is_due(utc(2026, 1, 15, 8, 0), at, PARIS, None) == date(2026, 1, 15)
    assert is_due(utc(2026, 1, 15, 8, 0), at, PARIS, date(2026, 1, 15)) is None


def test_a_bot_down_at_the_scheduled_time_posts_when_it_returns_the_same_day() -> None:
    # Scheduled 09:00 Paris; the bot comes back at 22:59 local.
    assert is_due(utc(2026, 1, 15, 21, 59), time(9), PARIS, date(2026, 1, 14)) == date(2026, 1, 15)


def test_a_missed_day_is_not_posted_the_next_day_before_its_time() -> None:
    # Down all of the 15th; on the 16th at 08:00 local nothing is due until 09:00.
    assert is_due(utc(2026, 1, 16, 7), time(9), PARIS, date(2026, 1, 14)) is None


def test_on_the_spring_forward_day_due_at_0330_local_once() -> None:
    at, day = time(2, 30), date(2026, 3, 29)
    assert is_due(utc(2026, 3, 29, 1, 29), at, PARIS, date(2026, 3, 28)) is None
    assert is_due(utc(2026, 3, 29, 1, 30), at, PARIS, date(2026, 3, 28)) == day
    assert is_due(utc(2026, 3, 29, 23), at, PARIS, day) is None
    # The next day is back to 02:30 local, which is 00:30 UTC.
    assert is_due(utc(2026, 3, 30, 0, 30), at, PARIS, day) == date(2026, 3, 30)


def test_on_the_fall_back_day_due_once_at_the_first_0230() -> None:
    at, day = time(2, 30), date(2026, 10, 25)
    assert is_due(utc(2026, 10, 25, 0, 29), at, PARIS, date(2026, 10, 24)) is None
    assert is_due(utc(2026, 10, 25, 0, 30), at, PARIS, date(2026, 10, 24)) == day
    # The second 02:30 (CET) is the same local day: already posted.
    assert is_due(utc(2026, 10, 25, 1, 30), at, PARIS, day) is None


def test_the_local_day_is_the_guilds_not_utcs() -> None:
    auckland = ZoneInfo("Pacific/Auckland")
    now = utc(2026, 6, 30, 21)  # 09:00 on July 1st in Auckland
    assert local_date(now, auckland) == date(2026, 7, 1)
    assert is_due(now, time(9), auckland, date(2026, 6, 30)) == date(2026, 7, 1)


def test_a_schedule_set_after_todays_time_starts_tomorrow() -> None:
    since = utc(2026, 1, 15, 14)  # turned on at 15:00 Paris, time 09:00
    assert is_due(utc(2026, 1, 15, 14, 1), time(9), PARIS, None, since) is None
    assert is_due(utc(2026, 1, 16, 8), time(9), PARIS, None, since) == date(2026, 1, 16)
    # Set before today's time: today's digest is still owed.
    early = utc(2026, 1, 15, 6)
    assert is_due(utc(2026, 1, 15, 8), time(9), PARIS, None, early) == date(2026, 1, 15)


def test_next_run() -> None:
    now = utc(2026, 1, 15, 10)  # 11:00 Paris
    assert next_run(now, time(12), PARIS, None) == utc(2026, 1, 15, 11)
    assert next_run(now, time(9), PARIS, None) == now  # due right now (catch-up)
    assert next_run(now, time(9), PARIS, date(2026, 1, 15)) == utc(2026, 1, 16, 8)
    assert next_run(now, time(9), PARIS, None, since=now) == utc(2026, 1, 16, 8)
    day_before_spring = utc(2026, 3, 28, 12)
    assert next_run(day_before_spring, time(2, 30), PARIS, date(2026, 3, 28)) == utc(
        2026, 3, 29, 1, 30
    )
    assert next_run(now, time(9), PARIS, None) - now == timedelta(0)
