"""The daily digest end to end: the real ArticleBot against the fake Discord, days driven by
the Digest cog's injectable clock (`run_due(now)` is one scheduler pass).

Every test asserts what members see (the messages the fake stored from the bot's REST calls),
fails on any ERROR log from the bot or discord.py, and is bounded in time.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from discord.ext import commands

from bot.client import make_bot
from bot.cogs.digest import Digest, utc_now
from bot.library import Library
from bot.models import DigestPost
from bot.render_digest import digest_embed, digest_footer
from bot.store import Store
from tests.bot_harness import (
    SEEDS,
    START_TIMEOUT,
    BotHarness,
    assert_nothing_pings,
    assert_recorded_within_limits,
    time_bound,
    write_article,
)
from tests.fake_discord import (
    ADMIN_PERMISSIONS,
    BOT_PERMISSIONS,
    MEMBER_PERMISSIONS,
    FakeChannel,
    FakeDiscord,
    FakeGuild,
    FakeInteraction,
    point_discord_at,
)
from tests.fake_discord.fixtures import ErrorLogCollector, until_ready
from tests.fake_discord.models import EMBED_LINKS, SEND_MESSAGES

# The fake Discord's fixtures, used by this module's tests.

Json = dict[str, Any]
# Newest first, then by quality: the order the seeds are featured in.
SEED_ORDER = (
    "2811ce48fbb3409b",  # 2021-02-18, Quanta Magazine
    "c7019231af555bdd",  # 2020-11-01, Wired
    "e41b0a89e90252f2",  # 2020-02-24, Medical Xpress
    "e552efce4ea08fca",  # 2020-02-14, The Conversation
    "056373232bd3f9f8",  # undated
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


class FakeClock:
    """What the Digest cog calls for "now"; tests move it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


# -- harness addition ------------------------------------------------------------------------


class ClockedHarness(BotHarness):
    """BotHarness whose Digest cog reads the test's clock from its very first pass.

    Addition for the digest tests: the scheduler's first pass runs as soon as the bot is ready
    (that is how a bot back from downtime catches up), so the clock must be in place before
    the gateway connects. `bot.start()` is `login()` (which runs setup_hook and loads the cogs)
    then `connect()`; this runs the two itself and sets the clock in between.
    """

    def __init__(self, server: FakeDiscord, db_path: Path, clock: FakeClock, **kw: Any) -> None:
        super().__init__(server, db_path, **kw)
        self.clock = clock

    async def start(self) -> commands.Bot:
        if self._stack is not None:
            raise RuntimeError("already running")
        stack = AsyncExitStack()
        try:
            stack.enter_context(point_discord_at(self.server.base_url))
            library = await Library.open(self.settings)
            stack.push_async_callback(library.close)
            bot = make_bot(library, self.settings, **self.bot_options)
            stack.push_async_callback(bot.close)
            await bot.login("fake-token")
            # load_extension imports the cog's module afresh: no isinstance against Digest.
            digest: Any = bot.get_cog("Digest")
            digest.clock = self.clock
            connecting = asyncio.create_task(bot.connect(), name="ClockedHarness.connect")
            stack.push_async_callback(_close, bot, connecting)
            await until_ready(bot, connecting, START_TIMEOUT)
        except BaseException:
            await stack.aclose()
            raise
        self._stack, self.library, self.bot = stack, library, bot
        return bot

    @property
    def digest(self) -> Digest:
        return self.cog("Digest")  # type: ignore[return-value]

    async def run_due(self, now: datetime) -> None:
        """One scheduler pass at `now` (the clock moves there too, as time would)."""
        self.clock.now = now
        await self.digest.run_due(now)


async def _close(bot: commands.Bot, connecting: asyncio.Task[None]) -> None:
    await bot.close()
    async with asyncio.timeout(START_TIMEOUT):
        await asyncio.gather(connecting, return_exceptions=True)


StartBot = Callable[..., Awaitable[ClockedHarness]]


@pytest.fixture
async def start_bot(
    fake_discord: FakeDiscord, tmp_path: Path, fail_on_error_logs: ErrorLogCollector
) -> AsyncIterator[StartBot]:
    """`await start_bot(now)`: a running ClockedHarness on the seeds; stopped at teardown."""
    started: list[ClockedHarness] = []

    async def start(now: datetime, server: FakeDiscord | None = None, **kw: Any) -> ClockedHarness:
        harness = ClockedHarness(
            server or fake_discord, tmp_path / f"bot-{len(started)}.sqlite3", FakeClock(now), **kw
        )
        await harness.start()
        started.append(harness)
        return harness

    yield start
    for harness in reversed(started):
        await harness.stop()


# -- reading what members see ----------------------------------------------------------------


def digests_in(server: FakeDiscord, channel_id: int | None = None) -> list[Json]:
    """The digest messages in the channel's history, oldest first."""
    channel = server.channel.id if channel_id is None else channel_id
    return [
        m
        for m in server.messages_in(channel)
        if m["embeds"] and m["embeds"][0].get("title", "").startswith("Daily digest")
    ]


def article_links(message: Json) -> list[str]:
    return [field["value"].split("\n")[0] for field in message["embeds"][0]["fields"]]


def digest_posts_sent(server: FakeDiscord) -> int:
    """POSTs of a digest to a channel (including refused ones)."""
    return sum(
        1
        for call in server.calls_to("POST", r"/channels/\d+/messages")
        if (call.json or {}).get("embeds")
    )


async def admin(
    server: FakeDiscord, command: str, permissions: int = ADMIN_PERMISSIONS, **options: Any
) -> FakeInteraction:
    return await server.send_slash(f"admin {command}", options, permissions=permissions)


async def reply(interaction: FakeInteraction) -> Json:
    """What the invoker sees: the message (content, embeds, flags) of the response."""
    callback = await interaction.response()
    if callback["type"] == 4:
        return callback["data"]
    return await interaction.final_message()


async def configure(server: FakeDiscord, **settings: Any) -> None:
    """Set the digest up as an admin would; every reply must be a private confirmation."""
    for command, value in settings.items():
        name = {"channel": "channel", "timezone": "name", "topics": "topics"}.get(command, "value")
        options = {name: value}
        shown = await reply(await admin(server, f"digest {command}", **options))
        assert shown["flags"] & 64, shown  # ephemeral
        assert shown["content"].startswith("Daily digest: "), shown
    shown = await reply(await admin(server, "digest on"))
    assert shown["content"].startswith("Daily digest: on"), shown


# -- once per local day ----------------------------------------------------------------------


@time_bound()
async def test_digest_is_posted_once_per_local_day_across_a_restart(
    start_bot: StartBot, fake_discord: FakeDiscord
) -> None:
    bot = await start_bot(utc(2026, 11, 23, 6, 0))  # 07:00 in Paris
    await configure(
        fake_discord, channel=fake_discord.channel.id, time="09:00", timezone="Europe/Paris", size=2
    )
    await bot.run_due(utc(2026, 11, 23, 7, 59))  # 08:59 Paris
    assert digests_in(fake_discord) == []

    await bot.run_due(utc(2026, 11, 23, 8, 0, 30))
    [first] = digests_in(fake_discord)
    embed = first["embeds"][0]
    assert embed["title"] == "Daily digest — 2026-11-23"
    assert embed["footer"]["text"] == digest_footer("2026-11-23")
    assert [f["name"] for f in embed["fields"]] == [
        "1. Quanta Magazine · 2021-02-18",
        "2. Wired · 2020-11-01",
    ]
    assert article_links(first)[0].startswith("**[Artificial Neural Nets Finally Yield Clues")
    assert "(https://www.quantamagazine.org/" in article_links(first)[0]
    assert int(first["author"]["id"]) == fake_discord.bot_user.id

    await bot.run_due(utc(2026, 11, 23, 8, 5))
    await bot.restart()
    await bot.run_due(utc(2026, 11, 23, 20, 0))
    assert len(digests_in(fake_discord)) == 1  # not again the same day, restart or not

    await bot.run_due(utc(2026, 11, 24, 8, 0))  # the next day: the next two articles
    second = digests_in(fake_discord)[1]
    assert second["embeds"][0]["title"] == "Daily digest — 2026-11-24"
    assert [f["name"] for f in second["embeds"][0]["fields"]] == [
        "1. Medical Xpress · 2020-02-24",
        "2. The Conversation · 2020-02-14 · Blake Richards",
    ]
    assert digest_posts_sent(fake_discord) == 2
    assert assert_recorded_within_limits(fake_discord) > 0
    assert assert_nothing_pings(fake_discord) > 0


@time_bound()
async def test_every_article_is_featured_before_one_comes_back(
    start_bot: StartBot, fake_discord: FakeDiscord
) -> None:
    bot = await start_bot(utc(2026, 11, 23, 6, 0))
    await configure(fake_discord, channel=fake_discord.channel.id, time="09:00", size=2)
    for day in range(4):
        await bot.run_due(utc(2026, 11, 23, 9, 0) + timedelta(days=day))
    shown = [article_links(m) for m in digests_in(fake_discord)]
    assert [len(links) for links in shown] == [2, 2, 1, 2]  # the third holds the one left
    first_cycle = [link for links in shown[:3] for link in links]
    assert len(set(first_cycle)) == 5
    assert shown[3] == shown[0]  # a new cycle starts from the newest again
    # The undated seed has no URL: its title is shown, unlinked.
    assert shown[2][0] == "**If deep learning is the answer, then what is the question?**"


@time_bound()
async def test_a_bot_down_at_the_scheduled_time_posts_when_it_returns_that_day(
    start_bot: StartBot, fake_discord: FakeDiscord
) -> None:
    bot = await start_bot(utc(2026, 11, 23, 6, 0))
    await configure(
        fake_discord, channel=fake_discord.channel.id, time="09:00", timezone="Europe/Paris"
    )
    await bot.stop()
    bot.clock.now = utc(2026, 11, 23, 16, 45)  # back at 17:45 Paris, long after 09:00
    since = len(fake_discord.calls)
    await bot.start()  # the first pass runs as soon as the bot is ready: no run_due needed
    await fake_discord.wait_for_call(
        "POST", rf"/channels/{fake_discord.channel.id}/messages", since=since
    )
    [posted] = digests_in(fake_discord)
    assert posted["embeds"][0]["title"] == "Daily digest — 2026-11-23"
    assert len(posted["embeds"][0]["fields"]) == 3

    # Down for the whole of the next day: that day is not posted the day after.
    await bot.stop()
    bot.clock.now = utc(2026, 11, 25, 7, 0)  # 08:00 Paris on the 25th
    await bot.start()
    await bot.run_due(utc(2026, 11, 25, 7, 30))
    assert len(digests_in(fake_discord)) == 1
    await bot.run_due(utc(2026, 11, 25, 8, 0))
    assert [m["embeds"][0]["title"] for m in digests_in(fake_discord)] == [
        "Daily digest — 2026-11-23",
        "Daily digest — 2026-11-25",
    ]


@time_bound()
async def test_turning_the_digest_on_after_todays_time_starts_tomorrow(
    start_bot: StartBot, fake_discord: FakeDiscord
) -> None:
    bot = await start_bot(utc(2026, 11, 23, 15, 0))
    await configure(fake_discord, channel=fake_discord.channel.id, time="09:00")
    await bot.run_due(utc(2026, 11, 23, 15, 1))
    assert digests_in(fake_discord) == []
    await bot.run_due(utc(2026, 11, 24, 9, 0))
    assert [m["embeds"][0]["title"] for m in digests_in(fake_discord)] == [
        "Daily digest — 2026-11-24"
    ]


@time_bound()
async def test_spring_forward_day_posts_once_just_after_the_skipped_time(
    start_bot: StartBot, fake_discord: FakeDiscord
) -> None:
    # Europe/Paris, 2026-03-29: clocks jump from 02:00 to 03:00, so 02:30 never happens.
    bot = await start_bot(utc(2026, 3, 28, 12, 0))
    await configure(
        fake_discord, channel=fake_discord.channel.id, time="02:30", timezone="Europe/Paris"
    )
    await bot.run_due(utc(2026, 3, 28, 12, 1))  # today's 02:30 is past: not owed
    await bot.run_due(utc(2026, 3, 29, 0, 59))  # 01:59 CET, before the jump
    await bot.run_due(utc(2026, 3, 29, 1, 29))  # 03:29 CEST
    assert digests_in(fake_discord) == []
    await bot.run_due(utc(2026, 3, 29, 1, 30))  # 03:30 CEST: 02:30 "after the jump"
    await bot.run_due(utc(2026, 3, 29, 21, 59))  # 23:59 CEST, still the 29th
    assert [m["embeds"][0]["title"] for m in digests_in(fake_discord)] == [
        "Daily digest — 2026-03-29"
    ]
    await bot.run_due(utc(2026, 3, 30, 0, 29))  # 02:29 CEST on the 30th
    assert len(digests_in(fake_discord)) == 1
    await bot.run_due(utc(2026, 3, 30, 0, 30))  # 02:30 CEST
    assert [m["embeds"][0]["title"] for m in digests_in(fake_discord)] == [
        "Daily digest — 2026-03-29",
        "Daily digest — 2026-03-30",
    ]


@time_bound()
async def test_fall_back_day_posts_once_although_0230_happens_twice(
    start_bot: StartBot, fake_discord: FakeDiscord
) -> None:
    bot = await start_bot(utc(2026, 10, 24, 12, 0))
    await configure(
        fake_discord, channel=fake_discord.channel.id, time="02:30", timezone="Europe/Paris"
    )
    await bot.run_due(utc(2026, 10, 25, 0, 30))  # the first 02:30 (CEST)
    await bot.run_due(utc(2026, 10, 25, 1, 30))  # the second 02:30 (CET)
    assert [m["embeds"][0]["title"] for m in digests_in(fake_discord)] == [
        "Daily digest — 2026-10-25"
    ]


# -- failures --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "shown"),
    [(403, "403 Forbidden: Missing Access"), (404, "404 Not Found: Unknown Channel")],
)
@time_bound()
async def test_a_channel_the_bot_cannot_use_turns_the_digest_off_and_status_says_why(
    start_bot: StartBot, fake_discord: FakeDiscord, status: int, shown: str
) -> None:
    bot = await start_bot(utc(2026, 11, 23, 6, 0))
    channel = fake_discord.channel.id
    await configure(fake_discord, channel=channel, time="09:00")
    fake_discord.set_channel_status(channel, status)
    await bot.run_due(utc(2026, 11, 23, 9, 0))
    assert digest_posts_sent(fake_discord) == 1
    await bot.run_due(utc(2026, 11, 23, 9, 5))
    await bot.run_due(utc(2026, 11, 24, 9, 0))
    assert digest_posts_sent(fake_discord) == 1  # off: no more attempts

    fake_discord.set_channel_status(channel, None)
    status_embed = (await reply(await admin(fake_discord, "status")))["embeds"][0]
    fields = {f["name"]: f["value"] for f in status_embed["fields"]}
    assert fields["Daily digest"].startswith("off · <#")
    assert fields["Digest turned off"].startswith(f"{shown} in <#{channel}>")
    assert "then /admin digest on" in fields["Digest turned off"]
    assert fields["Last digest"] == "never posted"

    # Fixed and turned back on: it posts again (today's time is past, so tomorrow).
    await reply(await admin(fake_discord, "digest on"))
    await bot.run_due(utc(2026, 11, 25, 9, 0))
    assert [m["embeds"][0]["title"] for m in digests_in(fake_discord)] == [
        "Daily digest — 2026-11-25"
    ]
    status_embed = (await reply(await admin(fake_discord, "status")))["embeds"][0]
    names = [f["name"] for f in status_embed["fields"]]
    assert "Digest turned off" not in names


@time_bound()
async def test_other_errors_are_retried_with_backoff_and_posted_once(
    start_bot: StartBot, fake_discord: FakeDiscord
) -> None:
    bot = await start_bot(utc(2026, 11, 23, 6, 0))
    channel = fake_discord.channel.id
    await configure(fake_discord, channel=channel, time="09:00")
    fake_discord.fail_next("POST", rf"/channels/{channel}/messages", status=503, times=2)
    start = utc(2026, 11, 23, 9, 0)
    await bot.run_due(start)
    status_embed = (await reply(await admin(fake_discord, "status")))["embeds"][0]
    fields = {f["name"]: f["value"] for f in status_embed["fields"]}
    assert fields["Daily digest"].startswith("on · ")  # still on
    assert fields["Last digest problem"].startswith("503 Service Unavailable")
    assert "retrying in 1 min" in fields["Last digest problem"]

    await bot.run_due(start + timedelta(seconds=30))  # backing off: no attempt
    assert digest_posts_sent(fake_discord) == 1
    await bot.run_due(start + timedelta(seconds=61))  # second failure: wait 2 min now
    await bot.run_due(start + timedelta(seconds=61 + 90))
    assert digest_posts_sent(fake_discord) == 2
    assert digests_in(fake_discord) == []
    await bot.run_due(start + timedelta(seconds=61 + 121))
    assert len(digests_in(fake_discord)) == 1
    assert digest_posts_sent(fake_discord) == 3
    # Before each retry it looked for a digest that might have gone out anyway.
    history = fake_discord.calls_to("GET", rf"/channels/{channel}/messages")
    assert len(history) == 2
    status_embed = (await reply(await admin(fake_discord, "status")))["embeds"][0]
    names = [f["name"] for f in status_embed["fields"]]
    assert "Last digest problem" not in names


@time_bound()
async def test_many_guilds_due_at_once_all_get_their_digest_once(start_bot: StartBot) -> None:
    guilds = [
        FakeGuild(
            id=1_300_000_000_000_000_000 + i * 10,
            name=f"Guild {i}",
            channels=[FakeChannel(id=1_300_000_000_000_000_001 + i * 10)],
        )
        for i in range(6)
    ]
    async with FakeDiscord(guilds=guilds) as server:
        bot = await start_bot(utc(2026, 11, 23, 6, 0), server=server)
        assert bot.library is not None
        since = utc(2026, 11, 23, 6, 0)
        for guild in guilds:
            await bot.library.store.digests.update(
                guild.id, channel_id=guild.channels[0].id, enabled=True, schedule_since=since
            )
        # Each slot's rest after a send waits here until the test ends it: no clock needed.
        rests: list[tuple[float, asyncio.Future[None]]] = []
        resting = asyncio.Event()

        async def rest(seconds: float) -> None:
            ended = asyncio.get_running_loop().create_future()
            rests.append((seconds, ended))
            resting.set()
            await ended

        async def until_resting(count: int) -> None:
            async with asyncio.timeout(15.0):
                while len(rests) < count:
                    resting.clear()
                    await resting.wait()

        def posted() -> int:
            return sum(len(digests_in(server, guild.channels[0].id)) for guild in guilds)

        bot.digest.rest = rest
        passing = asyncio.create_task(bot.run_due(utc(2026, 11, 23, 9, 0)))
        # Three sends at a time: while the three slots rest, the other guilds wait.
        await until_resting(3)
        assert posted() == 3
        assert not passing.done()
        rests[0][1].set_result(None)  # one slot rests no more: one more guild is sent
        await until_resting(4)
        assert posted() == 4
        for _, ended in rests[1:]:
            ended.set_result(None)
        await until_resting(6)
        for _, ended in rests[4:]:
            ended.set_result(None)
        await passing
        await bot.run_due(utc(2026, 11, 23, 9, 1))
        for guild in guilds:
            assert len(digests_in(server, guild.channels[0].id)) == 1, guild.name
        # Every send was followed by its slot's rest, of the configured length.
        assert [seconds for seconds, _ in rests] == [bot.digest.send_gap] * 6
        await bot.stop()
    assert not server.errors and not server.rejected


@time_bound()
async def test_a_digest_whose_topics_lost_their_articles_posts_nothing_and_says_why(
    start_bot: StartBot, fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    corpus = Path(shutil.copytree(SEEDS, tmp_path / "corpus"))
    rare = write_article(corpus, "rare.md", body="Rare body.", title="Rare", topics=["Rare"])
    bot = await start_bot(
        utc(2026, 11, 23, 6, 0),
        corpora=[corpus],
        settings={"owner_ids": frozenset({fake_discord.tester.id})},
    )
    await configure(fake_discord, channel=fake_discord.channel.id, time="09:00", topics="rare")
    rare.unlink()
    reload = await admin(fake_discord, "reload")
    await fake_discord.world.changes.wait_for(
        lambda: (reload.original or {}).get("embeds") or None,
        timeout=10.0,
        describe=lambda: "no reload report",
    )
    await bot.run_due(utc(2026, 11, 23, 9, 0))
    await bot.run_due(utc(2026, 11, 23, 9, 1))
    assert digest_posts_sent(fake_discord) == 0
    fields = {
        f["name"]: f["value"]
        for f in (await reply(await admin(fake_discord, "status")))["embeds"][0]["fields"]
    }
    assert fields["Last digest problem"] == "no article has the digest's topics: Rare"
    shown = await reply(await admin(fake_discord, "digest post-now"))
    assert shown["content"] == "Nothing to post: no article has the digest's topics: Rare."


@time_bound()
async def test_a_digest_of_ten_long_articles_is_accepted_by_discord(
    start_bot: StartBot, fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    """Ten articles with long titles, summaries and outlets fill the 6,000 characters Discord
    allows across an embed: the fake refuses (400) anything over, as Discord does."""
    corpus = tmp_path / "long"
    for n in range(10):
        write_article(
            corpus,
            f"long-{n}.md",
            body="A body sentence. " * 50,
            title=f"Long title {n} " + "about ponds and rivers " * 20,
            excerpt="A long summary sentence that goes on about ponds. " * 30,
            publishedDateTime=f"2026-11-{10 + n:02}T08:00:00Z",
            webUrl=f"https://example.org/long/{n}/" + "x" * 300,
            provider={"name": "An Outlet With A Very Long Name " * 4},
            topics=["Ponds"],
        )
    bot = await start_bot(utc(2026, 11, 23, 6, 0), corpora=[corpus])
    await configure(fake_discord, channel=fake_discord.channel.id, time="09:00", size=10)

    await bot.run_due(utc(2026, 11, 23, 9, 0))

    [posted] = digests_in(fake_discord)
    fields = posted["embeds"][0]["fields"]
    assert len(fields) == 10
    assert all(f["value"].endswith("…") for f in fields)  # summaries cut, not dropped
    assert fake_discord.rejected == []
    assert_recorded_within_limits(fake_discord)


# -- claims left by a crash ------------------------------------------------------------------


async def _crash_between_send_and_confirm(
    bot: ClockedHarness, server: FakeDiscord, day: str, *, sent: bool
) -> DigestPost:
    """What a crash leaves: the day claimed in SQLite, the message posted (or not), the bot
    gone before it stored the message id. Written with the real store and renderer."""
    await bot.stop()
    claim = DigestPost(
        guild_id=server.guild.id,
        local_date=day,
        channel_id=server.channel.id,
        message_id=None,
        article_ids=SEED_ORDER[:3],
        cycle=0,
    )
    async with await Store.open(bot.settings.db_path) as store:
        assert await store.digests.claim(claim, utc(2026, 11, 23, 9, 0))
        articles = await store.get_articles(claim.article_ids)
    if sent:
        server.add_message(server.channel.id, {"embeds": [digest_embed(day, articles)]})
    server.add_message(server.channel.id, {"content": "chatter after the digest"})
    return claim


@time_bound()
async def test_a_claim_whose_digest_is_in_the_channel_is_confirmed_not_posted_again(
    start_bot: StartBot, fake_discord: FakeDiscord
) -> None:
    bot = await start_bot(utc(2026, 11, 23, 6, 0))
    await configure(fake_discord, channel=fake_discord.channel.id, time="09:00")
    await _crash_between_send_and_confirm(bot, fake_discord, "2026-11-23", sent=True)
    [crashed] = digests_in(fake_discord)

    bot.clock.now = utc(2026, 11, 23, 9, 10)
    await bot.start()  # its first pass settles the claim
    await bot.run_due(utc(2026, 11, 23, 9, 11))
    assert digests_in(fake_discord) == [crashed]
    assert digest_posts_sent(fake_discord) == 0
    fields = {
        f["name"]: f["value"]
        for f in (await reply(await admin(fake_discord, "status")))["embeds"][0]["fields"]
    }
    assert fields["Last digest"].startswith("2026-11-23 in <#")
    assert fields["Last digest"].endswith(f"/{crashed['id']})")

    # The articles of the crashed digest count as featured: tomorrow brings the next ones.
    await bot.run_due(utc(2026, 11, 24, 9, 0))
    tomorrow = digests_in(fake_discord)[-1]["embeds"][0]
    assert tomorrow["title"] == "Daily digest — 2026-11-24"
    assert [f["name"][:2] for f in tomorrow["fields"]] == ["1.", "2."]
    assert "The Conversation" in tomorrow["fields"][0]["name"]


@time_bound()
async def test_a_claim_whose_digest_never_went_out_is_released_and_posted_once(
    start_bot: StartBot, fake_discord: FakeDiscord
) -> None:
    bot = await start_bot(utc(2026, 11, 23, 6, 0))
    await configure(fake_discord, channel=fake_discord.channel.id, time="09:00")
    await _crash_between_send_and_confirm(bot, fake_discord, "2026-11-23", sent=False)
    assert digests_in(fake_discord) == []

    bot.clock.now = utc(2026, 11, 23, 9, 10)
    since = len(fake_discord.calls)
    await bot.start()
    await fake_discord.wait_for_call(
        "POST", rf"/channels/{fake_discord.channel.id}/messages", since=since
    )
    await bot.run_due(utc(2026, 11, 23, 9, 11))
    [posted] = digests_in(fake_discord)
    assert posted["embeds"][0]["title"] == "Daily digest — 2026-11-23"
    assert digest_posts_sent(fake_discord) == 1


@time_bound()
async def test_a_digest_by_someone_else_or_for_another_day_is_not_taken_for_ours(
    start_bot: StartBot, fake_discord: FakeDiscord
) -> None:
    bot = await start_bot(utc(2026, 11, 23, 6, 0))
    await configure(fake_discord, channel=fake_discord.channel.id, time="09:00")
    await _crash_between_send_and_confirm(bot, fake_discord, "2026-11-23", sent=False)
    imitation = {"embeds": [digest_embed("2026-11-23", [])]}
    fake_discord.add_message(fake_discord.channel.id, imitation, author=fake_discord.tester)
    fake_discord.add_message(fake_discord.channel.id, {"embeds": [digest_embed("2026-11-22", [])]})
    bot.clock.now = utc(2026, 11, 23, 9, 10)
    await bot.start()
    await bot.run_due(utc(2026, 11, 23, 9, 11))
    assert digest_posts_sent(fake_discord) == 1


# -- /admin digest ---------------------------------------------------------------------------


@time_bound()
async def test_digest_settings_are_validated_with_clear_private_messages(
    start_bot: StartBot, fake_discord: FakeDiscord
) -> None:
    await start_bot(utc(2026, 11, 23, 6, 0))
    cases = [
        ("digest time", {"value": "25:00"}, "“25:00” is not a time of day"),
        ("digest time", {"value": "9am"}, "use HH:MM on a 24-hour clock"),
        ("digest timezone", {"name": "Mars/Olympus"}, "“Mars/Olympus” is not an IANA time zone"),
        ("digest size", {"value": 11}, "A digest holds 1 to 10 articles (you asked for 11)."),
        ("digest size", {"value": 0}, "A digest holds 1 to 10 articles"),
        ("digest topics", {"topics": "machine learnin, cooking"}, "did you mean Machine Learning"),
        ("digest on", {}, "Choose a channel first: /admin digest channel."),
        ("digest post-now", {}, "Choose a channel first"),
    ]
    for command, options, expected in cases:
        shown = await reply(await admin(fake_discord, command, **options))
        assert shown["flags"] & 64, (command, shown)
        assert expected in shown["content"], (command, shown["content"])

    # Nothing was saved by the refused commands.
    shown = await reply(await admin(fake_discord, "digest topics", topics="ai, MACHINE learning"))
    assert shown["content"] == (
        "Daily digest: off · no channel yet · 09:00 (UTC) · 3 articles · AI, Machine Learning"
    )
    shown = await reply(await admin(fake_discord, "digest timezone", name="america/new_york"))
    assert "09:00 (America/New_York)" in shown["content"]
    shown = await reply(await admin(fake_discord, "digest time", value="7:05"))
    assert "07:05 (America/New_York)" in shown["content"]
    shown = await reply(await admin(fake_discord, "digest topics"))
    assert shown["content"].endswith("· every topic")


@time_bound()
async def test_time_zone_autocomplete_offers_at_most_25_matching_zones(
    start_bot: StartBot, fake_discord: FakeDiscord
) -> None:
    await start_bot(utc(2026, 11, 23, 6, 0))
    typed = await fake_discord.send_autocomplete(
        "admin digest timezone", {"name": "paris"}, "name", permissions=ADMIN_PERMISSIONS
    )
    assert [c["value"] for c in await typed.autocomplete_choices()] == ["Europe/Paris"]
    typed = await fake_discord.send_autocomplete(
        "admin digest timezone", {"name": "america/"}, "name", permissions=ADMIN_PERMISSIONS
    )
    choices = await typed.autocomplete_choices()
    assert len(choices) == 25
    assert all(c["value"].startswith("America/") for c in choices)


@time_bound()
async def test_a_channel_where_the_bot_cannot_post_is_refused(start_bot: StartBot) -> None:
    guild = FakeGuild(
        channels=[FakeChannel(id=1_400_000_000_000_000_001, name="announcements")],
        everyone_permissions=MEMBER_PERMISSIONS & ~SEND_MESSAGES & ~EMBED_LINKS,
        bot_permissions=BOT_PERMISSIONS & ~SEND_MESSAGES & ~EMBED_LINKS,
    )
    async with FakeDiscord(guilds=[guild]) as server:
        bot = await start_bot(utc(2026, 11, 23, 6, 0), server=server)
        shown = await reply(await admin(server, "digest channel", channel=server.channel.id))
        assert shown["flags"] & 64
        assert shown["content"] == (
            f"I can't post the digest in <#{server.channel.id}>: I'm missing Send Messages, "
            "Embed Links there. Grant them, or choose another channel."
        )
        shown = await reply(await admin(server, "digest on"))
        assert "Choose a channel first" in shown["content"]
        await bot.stop()
    assert not server.errors and not server.rejected


@time_bound()
async def test_preview_is_private_and_marks_nothing_featured(
    start_bot: StartBot, fake_discord: FakeDiscord
) -> None:
    await start_bot(utc(2026, 11, 23, 10, 0))
    await configure(fake_discord, channel=fake_discord.channel.id, time="09:00", size=2)
    first = await reply(await admin(fake_discord, "digest preview"))
    again = await reply(await admin(fake_discord, "digest preview"))
    assert first["flags"] & 64
    assert first["content"] == (
        "Preview of the digest for 2026-11-23 (nothing is marked as featured):"
    )
    assert first["embeds"] == again["embeds"]
    assert digests_in(fake_discord) == []

    shown = await reply(await admin(fake_discord, "digest post-now"))
    assert shown["content"] == (
        f"Posted today's digest (2026-11-23) in <#{fake_discord.channel.id}>."
    )
    [posted] = digests_in(fake_discord)
    assert posted["embeds"][0]["fields"] == first["embeds"][0]["fields"]

    shown = await reply(await admin(fake_discord, "digest post-now"))
    assert "was already posted" in shown["content"]
    assert len(digests_in(fake_discord)) == 1
    shown = await reply(await admin(fake_discord, "digest preview"))
    assert shown["content"] == "Today's digest (2026-11-23) was already posted:"


@time_bound()
async def test_post_now_works_before_the_scheduled_time_and_counts_for_the_day(
    start_bot: StartBot, fake_discord: FakeDiscord
) -> None:
    bot = await start_bot(utc(2026, 11, 23, 6, 0))
    await configure(fake_discord, channel=fake_discord.channel.id, time="18:00")
    await reply(await admin(fake_discord, "digest post-now"))
    await bot.run_due(utc(2026, 11, 23, 18, 0))
    assert len(digests_in(fake_discord)) == 1
    await bot.run_due(utc(2026, 11, 24, 18, 0))
    assert len(digests_in(fake_discord)) == 2


@time_bound()
async def test_digest_commands_need_manage_server(
    start_bot: StartBot, fake_discord: FakeDiscord
) -> None:
    bot = await start_bot(utc(2026, 11, 23, 6, 0))
    for command, options in [
        ("digest channel", {"channel": fake_discord.channel.id}),
        ("digest on", {}),
        ("digest post-now", {}),
    ]:
        shown = await reply(
            await admin(fake_discord, command, permissions=MEMBER_PERMISSIONS, **options)
        )
        assert shown["flags"] & 64
        assert shown["content"] == "You need the Manage Server permission for that."
    assert bot.library is not None
    settings = await bot.library.store.digests.settings(fake_discord.guild.id)
    assert settings.channel_id is None and not settings.enabled
    assert digests_in(fake_discord) == []


def test_the_clock_defaults_to_utc_now() -> None:
    now = utc_now()
    assert now.tzinfo is UTC
    assert abs((now - datetime.now(UTC)).total_seconds()) < 5
