"""The bot's one timer service: time-based work is scheduled here, not in a loop per cog.

A cog calls `create_timer(when, event, *args)`; one dispatch loop sleeps until the earliest
timer is due and then dispatches `<event>_timer_complete` with the Timer, which the cog that
owns the event receives as `on_<event>_timer_complete` (discord.py's own event dispatch). A
new timer earlier than the one being waited for wakes the loop. Timers live in memory: a
cog schedules its recurring work again when it loads (each handler schedules the next run).

"Now" comes from `self.clock`; a test that moves the clock calls `wake()` so the loop looks
at the timers again.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from discord.ext import commands

if TYPE_CHECKING:
    from bot.client import ArticleBot

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
# The longest the loop sleeps before looking at the clock again: a suspended machine or a
# clock set forward is noticed within the hour.
MAX_SLEEP = 3600.0


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(order=True, slots=True)
class Timer:
    when: datetime
    order: int  # ties fire in the order they were created
    event: str = field(compare=False)
    args: tuple[Any, ...] = field(compare=False, default=())
    cancelled: bool = field(compare=False, default=False)

    def cancel(self) -> None:
        self.cancelled = True


class Timers(commands.Cog):
    def __init__(self, bot: ArticleBot, clock: Clock | None = None) -> None:
        self.bot = bot
        self.clock: Clock = clock or utc_now
        self._heap: list[Timer] = []
        self._order = itertools.count()
        self._changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def cog_load(self) -> None:
        self._task = asyncio.create_task(self._dispatch_loop(), name="articlebot-timers")

    async def cog_unload(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        self._heap.clear()  # in memory only: each cog schedules its work again when it loads

    def create_timer(self, when: datetime, event: str, *args: Any) -> Timer:
        """Dispatch `<event>_timer_complete` (with the Timer) at `when`, or at once once the
        bot is ready if `when` is past."""
        timer = Timer(when, next(self._order), event, args)
        heapq.heappush(self._heap, timer)
        if self._heap[0] is timer:
            self._changed.set()  # earlier than what the loop waits for
        return timer

    def wake(self) -> None:
        """Look at the timers again now (the clock moved)."""
        self._changed.set()

    def pending(self, event: str) -> list[Timer]:
        return sorted(t for t in self._heap if t.event == event and not t.cancelled)

    async def _dispatch_loop(self) -> None:
        await self.bot.wait_until_ready()
        while True:
            self._changed.clear()
            while self._heap and self._heap[0].cancelled:
                heapq.heappop(self._heap)
            if not self._heap:
                await self._changed.wait()
                continue
            timer = self._heap[0]
            wait = (timer.when - self.clock()).total_seconds()
            if wait > 0:
                # Until it is due, or something changed: either way, look again.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), min(wait, MAX_SLEEP))
                continue
            heapq.heappop(self._heap)
            log.debug("timer due: %s at %s", timer.event, timer.when)
            # Each listener runs as its own task: a slow or failing one delays no other timer.
            self.bot.dispatch(f"{timer.event}_timer_complete", timer)


async def setup(bot: ArticleBot) -> None:
    await bot.add_cog(Timers(bot))
