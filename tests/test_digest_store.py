"""DigestStore: per-guild settings, the once-a-day claim ledger, featured articles."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import aiosqlite
import pytest

from bot.models import DigestPost, DigestSettings
from bot.store import Store
from bot.store.digests import DigestStore
from bot.store.schema import MIGRATIONS, migrate

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
GUILD = 111


@pytest.fixture
async def digests(store: Store) -> DigestStore:
    return store.digests


def post(day: str = "2026-11-23", ids: tuple[str, ...] = ("a", "b"), cycle: int = 0) -> DigestPost:
    return DigestPost(GUILD, day, channel_id=222, message_id=None, article_ids=ids, cycle=cycle)


async def test_a_guild_without_settings_gets_the_defaults_turned_off(digests: DigestStore) -> None:
    digests.defaults = DigestSettings(guild_id=0, time="07:30", timezone="Europe/Paris", size=5)
    settings = await digests.settings(GUILD)
    assert settings == DigestSettings(
        guild_id=GUILD, time="07:30", timezone="Europe/Paris", size=5, enabled=False
    )
    assert await digests.enabled() == []


async def test_update_changes_only_the_named_settings(digests: DigestStore) -> None:
    digests.defaults = DigestSettings(guild_id=0, time="07:30")
    await digests.update(GUILD, channel_id=222)
    await digests.update(GUILD, topics=("AI", "Neuroscience"), size=4)
    settings = await digests.update(GUILD, enabled=True, schedule_since=NOW)
    assert settings.channel_id == 222
    assert settings.time == "07:30"
    assert settings.topics == ("AI", "Neuroscience")
    assert settings.size == 4
    assert settings.enabled
    assert await digests.schedule_since(GUILD) == NOW
    assert [s.guild_id for s in await digests.enabled()] == [GUILD]


async def test_update_rejects_names_that_are_not_settings(digests: DigestStore) -> None:
    with pytest.raises(TypeError, match="colour"):
        await digests.update(GUILD, colour="blue")
    with pytest.raises(TypeError, match="guild_id"):
        await digests.update(GUILD, guild_id=5)


async def test_a_digest_without_channel_is_never_enabled_for_the_scheduler(
    digests: DigestStore,
) -> None:
    await digests.update(GUILD, enabled=True)
    assert await digests.enabled() == []


async def test_save_writes_every_setting(digests: DigestStore) -> None:
    settings = DigestSettings(GUILD, channel_id=5, time="18:00", topics=("x",), enabled=True)
    await digests.save(settings)
    assert await digests.settings(GUILD) == settings


async def test_a_day_is_claimed_once(digests: DigestStore) -> None:
    await digests.update(GUILD, channel_id=222, enabled=True)
    assert await digests.claim(post(), NOW)
    assert not await digests.claim(post(ids=("c",)), NOW)
    claimed = await digests.post(GUILD, "2026-11-23")
    assert claimed == post()
    assert await digests.unconfirmed() == [post()]
    assert await digests.last_post(GUILD, confirmed=True) is None


async def test_confirm_stores_the_message_and_marks_the_articles_featured(
    digests: DigestStore,
) -> None:
    await digests.update(GUILD, channel_id=222, enabled=True)
    await digests.record_error(GUILD, "503 Service Unavailable")
    assert await digests.claim(post(cycle=1), NOW)
    await digests.confirm(post(cycle=1), 999, NOW)
    last = await digests.last_post(GUILD, confirmed=True)
    assert last is not None and last.message_id == 999
    assert await digests.unconfirmed() == []
    assert await digests.featured(GUILD, 1) == {"a", "b"}
    assert await digests.featured(GUILD, 0) == set()
    settings = await digests.settings(GUILD)
    assert settings.cycle == 1
    assert settings.last_error is None
    assert settings.last_posted_at == NOW.isoformat()


async def test_a_late_settled_claim_never_moves_the_cycle_backwards(digests: DigestStore) -> None:
    await digests.update(GUILD, channel_id=222, cycle=3)
    old = post("2026-11-20", cycle=2)
    assert await digests.claim(old, NOW)
    await digests.confirm(old, 5, NOW)
    assert (await digests.settings(GUILD)).cycle == 3


async def test_release_drops_only_an_unconfirmed_claim(digests: DigestStore) -> None:
    await digests.update(GUILD, channel_id=222)
    assert await digests.claim(post("2026-11-22"), NOW)
    await digests.confirm(post("2026-11-22"), 1, NOW)
    assert await digests.claim(post(), NOW)
    await digests.release(GUILD, "2026-11-23")
    await digests.release(GUILD, "2026-11-22")
    assert await digests.post(GUILD, "2026-11-23") is None
    kept = await digests.post(GUILD, "2026-11-22")
    assert kept is not None and kept.message_id == 1
    # Released: the day can be claimed again.
    assert await digests.claim(post(), NOW)


async def test_last_post_is_the_latest_day(digests: DigestStore) -> None:
    for day, message in (("2026-11-21", 1), ("2026-11-22", 2)):
        assert await digests.claim(post(day), NOW)
        await digests.confirm(post(day), message, NOW)
    assert await digests.claim(post("2026-11-23"), NOW)
    latest = await digests.last_post(GUILD)
    assert latest is not None and latest.local_date == "2026-11-23"
    confirmed = await digests.last_post(GUILD, confirmed=True)
    assert confirmed is not None and confirmed.message_id == 2


async def test_a_permanent_error_turns_the_digest_off_with_its_reason(
    digests: DigestStore,
) -> None:
    await digests.update(GUILD, channel_id=222, enabled=True)
    await digests.record_error(GUILD, "timeout")
    assert (await digests.settings(GUILD)).enabled
    await digests.record_error(GUILD, "403 Forbidden: Missing Access", disable=True)
    settings = await digests.settings(GUILD)
    assert not settings.enabled
    assert settings.disabled_reason == "403 Forbidden: Missing Access"
    assert await digests.enabled() == []


async def test_state_survives_reopening_the_database(tmp_path: Path) -> None:
    path = tmp_path / "digest.sqlite3"
    async with await Store.open(path) as first:
        await first.digests.update(GUILD, channel_id=222, enabled=True, schedule_since=NOW)
        assert await first.digests.claim(post(), NOW)
    async with await Store.open(path) as second:
        assert await second.digests.unconfirmed() == [post()]
        assert (await second.digests.settings(GUILD)).enabled
        assert await second.digests.schedule_since(GUILD) == NOW


async def test_migrations_reach_the_newest_version_once(tmp_path: Path) -> None:
    async with aiosqlite.connect(tmp_path / "m.sqlite3", isolation_level=None) as conn:
        assert await migrate(conn) == len(MIGRATIONS)
        assert await migrate(conn) == len(MIGRATIONS)  # nothing left to run
        async with conn.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        assert row is not None and row[0] == len(MIGRATIONS)
        async with conn.execute("SELECT schedule_since FROM digest_settings") as cur:
            assert await cur.fetchall() == []
