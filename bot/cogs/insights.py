"""What members asked and how they voted: keeping questions, counting votes, the daily
retention purge, /admin insights [days] and /admin insights-forget.

The purge runs on the bot's one timer service (cogs/timers.py): once when the cog loads, then
each run schedules the next a day later.

Every vote click lands in `vote` through the VoteButton dynamic item, whether the view that
showed it is live, timed out, or from before a restart. "Now" comes from `self.clock`, so
tests drive the retention with `purge(now)`.
"""

from __future__ import annotations

import asyncio
import io
import logging
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot import insights as core
from bot.client import send_ephemeral
from bot.cogs.admin import require_manage_guild
from bot.cogs.timers import Timer, Timers
from bot.delivery import ReplyLost, deliver
from bot.library import AskOutcome
from bot.models import AskedQuestion
from bot.render_insights import insights_pages
from bot.store.insights import InsightsStore
from bot.views import (
    DEFAULT_TIMEOUT,
    NO_MENTIONS,
    LiveAnswers,
    Page,
    PagedListView,
    VoteButton,
    VoteHandler,
    with_counts,
)

if TYPE_CHECKING:
    from bot.client import ArticleBot

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
PURGE_INTERVAL = timedelta(days=1)
PURGE_EVENT = "insights_purge"  # received as on_insights_purge_timer_complete
MAX_DAYS = 3650
CSV_MAX_BYTES = 8 * 1024 * 1024  # under the 10 MiB every server may upload
STORE_ERRORS = (sqlite3.Error, ValueError)
GONE = (
    "That question is no longer kept (past the retention period, or erased by an admin), "
    "so votes on it are not counted."
)


def utc_now() -> datetime:
    return datetime.now(UTC)


class Insights(VoteHandler, commands.Cog):
    def __init__(self, bot: ArticleBot, clock: Clock | None = None) -> None:
        self.bot = bot
        self.clock: Clock = clock or utc_now
        self.view_timeout: float = DEFAULT_TIMEOUT
        self.admin_commands = (_insights_command(self), _forget_command(self))
        self.live_answers = LiveAnswers()  # /ask cards whose paging still works

    @property
    def store(self) -> InsightsStore:
        return self.bot.library.store.insights

    @property
    def retention(self) -> timedelta:
        return timedelta(days=self.bot.settings.insights_retention_days)

    @property
    def timers(self) -> Timers | None:
        return self.bot.get_cog("Timers")  # type: ignore[return-value]

    async def cog_load(self) -> None:
        if self.timers is None:
            raise RuntimeError("load bot.cogs.timers before bot.cogs.insights (the purge)")
        self.bot.add_dynamic_items(VoteButton)
        admin = self.bot.get_cog("Admin")
        if admin is None:
            raise RuntimeError("load bot.cogs.admin before bot.cogs.insights (/admin insights)")
        for command in self.admin_commands:
            admin.app_command.add_command(command)
        self.timers.create_timer(self.clock(), PURGE_EVENT)  # once ready, then daily

    async def cog_unload(self) -> None:
        if self.timers is not None:  # else it was unloaded first, its timers with it
            for timer in self.timers.pending(PURGE_EVENT):
                timer.cancel()
        self.bot.remove_dynamic_items(VoteButton)
        admin = self.bot.get_cog("Admin")
        if admin is not None:
            for command in self.admin_commands:
                admin.app_command.remove_command(command.name)

    # -- keeping questions -----------------------------------------------------------------

    async def record(
        self, guild_id: int | None, via: str, question: str, outcome: AskOutcome
    ) -> int | None:
        """Keep a server's question and its answers; the id its vote buttons carry, or None
        (a direct message, or the database failed: the member still gets the answer)."""
        if guild_id is None:
            return None
        answers = [(a.id, a.title) for a in outcome.articles]
        try:
            return await self.store.record(
                guild_id, via, question, outcome.result.confidence, answers, self.clock()
            )
        except STORE_ERRORS:
            log.warning("could not keep a question (guild_id=%s)", guild_id, exc_info=True)
            return None

    # -- votes -----------------------------------------------------------------------------

    async def vote(
        self, interaction: discord.Interaction, question_id: int, position: int, helpful: bool
    ) -> None:
        try:
            await self._vote(interaction, question_id, position, helpful)
        except Exception:
            # A dynamic item's errors would only be logged by discord.py; tell the member.
            log.exception("vote failed (guild_id=%s)", interaction.guild_id)
            await send_ephemeral(
                interaction, "Something went wrong on my side; the error has been logged."
            )

    async def _vote(
        self, interaction: discord.Interaction, question_id: int, position: int, helpful: bool
    ) -> None:
        asked = await self.store.question(question_id)
        if (
            asked is None
            or asked.guild_id != interaction.guild_id
            or not 0 <= position < len(asked.answers)
        ):
            await send_ephemeral(interaction, GONE)
            return
        counts = await self.store.vote(
            question_id, position, interaction.user.id, helpful, self.clock()
        )
        if counts is None:  # purged between the two statements
            await send_ephemeral(interaction, GONE)
            return
        if interaction.message is None:
            await interaction.response.defer()
            return
        live = self.live_answers.get(interaction.message.id, question_id)
        if live is not None:
            await live.show_counts()  # the page it shows now, whichever was clicked
            view: discord.ui.View = live
        else:
            view = with_counts(interaction.message, question_id, position, counts)
        try:
            await deliver(
                interaction,
                lambda: interaction.response.edit_message(view=view, allowed_mentions=NO_MENTIONS),
                "a vote's counts",
            )
        except (discord.HTTPException, ReplyLost) as exc:
            # The vote is counted; the next vote or page turn shows it.
            log.warning("vote counted, message not updated (question %s): %s", question_id, exc)

    # -- retention -------------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_insights_purge_timer_complete(self, timer: Timer) -> None:
        now = self.clock()
        if self.timers is not None:  # the next one first: a failed purge is retried tomorrow
            self.timers.create_timer(now + PURGE_INTERVAL, PURGE_EVENT)
        try:
            removed = await self.purge(now)
        except STORE_ERRORS as exc:  # e.g. the database locked by a long reload
            log.warning("insights purge failed, retried tomorrow: %s", exc)
        except Exception:
            log.exception("insights purge failed")  # the next run is scheduled all the same
        else:
            log.info("insights purge done: %d questions removed", removed)

    async def purge(self, now: datetime) -> int:
        """Drop questions and votes older than the retention; returns how many questions."""
        removed = await self.store.purge(now - self.retention)
        await self.bot.library.store.autoanswer.purge_threads(now - self.retention)
        if removed:
            log.info("purged %d questions older than %s", removed, self.retention)
        return removed

    # -- the report ------------------------------------------------------------------------

    async def report(self, guild_id: int, days: int) -> tuple[core.Report, list[AskedQuestion]]:
        now = self.clock()
        questions = await self.store.questions(guild_id, since=now - timedelta(days=days))
        embedder = self.bot.library.embedder
        if embedder is None:
            return core.build_report(guild_id, questions, now, days), questions
        # Encoding the unanswered questions takes the model a moment: off the event loop.
        report = await asyncio.to_thread(
            core.build_report,
            guild_id,
            questions,
            now,
            days,
            core.meaning_similarity(embedder),
            "meaning",
        )
        return report, questions

    async def show_report(self, interaction: discord.Interaction, days: int | None) -> None:
        """/admin insights: the report's pages, privately, with the raw rows as a CSV."""
        guild_id = _guild(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        period = days or self.bot.settings.insights_retention_days
        report, questions = await self.report(guild_id, period)
        count, page = insights_pages(report)
        view = PagedListView(
            interaction.user.id, count, lambda i: Page(page(i)), timeout=self.view_timeout
        )
        data = core.to_csv(questions).encode("utf-8")
        note = None
        if len(data) > CSV_MAX_BYTES:
            data = data[: data.rfind(b"\n", 0, CSV_MAX_BYTES) + 1]
            note = "The CSV was cut to 8 MB: use `articlebot insights --json` for everything."
        name = f"insights-{guild_id}-{self.clock():%Y%m%d}.csv"
        view.message = await deliver(
            interaction,
            lambda: interaction.followup.send(
                content=note,
                embed=view.embed(),
                view=view,
                # A new File each try: discord.py closes a file once it was sent.
                file=discord.File(io.BytesIO(data), filename=name),
                ephemeral=True,
                allowed_mentions=NO_MENTIONS,
                wait=True,
            ),
            "the insights report",
        )

    async def forget(self, interaction: discord.Interaction) -> None:
        """/admin insights-forget: erase the server's questions and votes at once."""
        removed = await self.store.forget(_guild(interaction))
        log.info("insights forgotten (guild_id=%s): %d questions", interaction.guild_id, removed)
        await interaction.response.send_message(
            f"Erased {removed} question{'s' * (removed != 1)} and their votes for this server. "
            "Questions asked from now on are kept again.",
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )

    async def status_fields(self, guild_id: int) -> list[tuple[str, str]]:
        """Insights' part of /admin status."""
        kept = await self.store.count(guild_id)
        days = self.bot.settings.insights_retention_days
        return [("Questions kept", f"{kept} (each for {days} days)")]


def _insights_command(cog: Insights) -> app_commands.Command[Any, ..., None]:
    """/admin insights [days], bound to this cog; attached to the /admin group at load."""

    @app_commands.command(
        name="insights", description="Unanswered questions, answers voted not helpful, trends."
    )
    @app_commands.describe(days="How many days back (default: everything kept)")
    @app_commands.check(require_manage_guild)
    async def insights(
        interaction: discord.Interaction,
        days: app_commands.Range[int, 1, MAX_DAYS] | None = None,
    ) -> None:
        await cog.show_report(interaction, days)

    return insights


def _forget_command(cog: Insights) -> app_commands.Command[Any, ..., None]:
    """/admin insights-forget: its own command, as /admin insights cannot be a group too."""

    @app_commands.command(
        name="insights-forget", description="Erase this server's kept questions and votes."
    )
    @app_commands.check(require_manage_guild)
    async def insights_forget(interaction: discord.Interaction) -> None:
        await cog.forget(interaction)

    return insights_forget


def _guild(interaction: discord.Interaction) -> int:
    if interaction.guild_id is None:
        raise app_commands.NoPrivateMessage()
    return interaction.guild_id


async def setup(bot: ArticleBot) -> None:
    await bot.add_cog(Insights(bot))
