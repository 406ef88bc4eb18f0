"""The bot's one timer service (bot/cogs/timers.py), in the real ArticleBot: timers fire in
time order through discord.py's event dispatch, an earlier timer wakes the loop, a cancelled
one never fires, and a moved clock is seen on `wake()`."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.cogs.timers import Timer, Timers
from tests.bot_harness import BotHarness, HarnessFactory, time_bound
from tests.log_waiter import waiting_for_logs

WAIT = 10.0  # seconds: generous; a timer due now fires at once


class Probe:
    """Listens to `on_probe_timer_complete`; `reached(name)` waits for that timer."""

    def __init__(self, harness: BotHarness) -> None:
        self.fired: list[str] = []
        self._changed = asyncio.Event()
        assert harness.bot is not None
        harness.bot.add_listener(self.on_probe_timer_complete)

    async def on_probe_timer_complete(self, timer: Timer) -> None:
        self.fired.append(timer.args[0])
        self._changed.set()

    async def reached(self, name: str) -> None:
        async with asyncio.timeout(WAIT):
            while name not in self.fired:
                self._changed.clear()
                await self._changed.wait()


@time_bound()
async def test_timers_fire_in_time_order_and_a_cancelled_one_never(
    articlebot: BotHarness,
) -> None:
    timers: Timers = articlebot.cog("Timers")  # type: ignore[assignment]
    probe = Probe(articlebot)
    now = timers.clock()

    # Waiting for the one in an hour, the loop is woken by each earlier timer.
    timers.create_timer(now + timedelta(hours=1), "probe", "in an hour")
    timers.create_timer(now, "probe", "cancelled").cancel()
    timers.create_timer(now - timedelta(minutes=1), "probe", "overdue")
    timers.create_timer(now, "probe", "now")
    await probe.reached("now")

    assert probe.fired == ["overdue", "now"]
    assert [t.args for t in timers.pending("probe")] == [("in an hour",)]

    timers.clock = lambda: now + timedelta(hours=1)
    timers.wake()
    await probe.reached("in an hour")
    assert probe.fired == ["overdue", "now", "in an hour"]
    assert timers.pending("probe") == []


@time_bound()
async def test_a_restart_leaves_one_purge_scheduled_on_the_new_bot(
    start_articlebot: HarnessFactory,
) -> None:
    with waiting_for_logs("bot.cogs.insights") as logs:
        harness = await start_articlebot()
        await logs.wait_for("insights purge done")  # the purge run at start
    timers: Timers = harness.cog("Timers")  # type: ignore[assignment]
    assert len(timers.pending("insights_purge")) == 1  # the next, a day later

    with waiting_for_logs("bot.cogs.insights") as logs:
        await harness.restart()
        await logs.wait_for("insights purge done")

    restarted: Timers = harness.cog("Timers")  # type: ignore[assignment]
    assert restarted is not timers
    assert timers.pending("insights_purge") == []  # the stopped bot's loop and timers are gone
    assert len(restarted.pending("insights_purge")) == 1
