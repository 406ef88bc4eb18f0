"""The daily digest: a scheduler posting each guild's digest once per local day, and the
/admin digest commands that configure it.

Once per day across restarts and crashes: a pass claims the guild's local day in SQLite
before sending and stores the message id after. A claim left without a message id (a crash,
or a send whose outcome is unknown) is settled before anything else is sent: the bot looks
for its own digest (the footer marker) in the channel's recent messages, confirms the claim
if it is there and releases it otherwise, so the day is posted once.

"Now" comes from `self.clock`, so tests drive the days with `run_due(now)`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Literal, TypeVar

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot import digest as schedule
from bot.client import UserFacingError
from bot.cogs.admin import require_manage_guild
from bot.digest import DigestConfigError
from bot.models import DigestPost, DigestSettings
from bot.render_digest import digest_embed, is_digest_footer, settings_line, status_fields
from bot.store.digests import DigestStore

if TYPE_CHECKING:
    from bot.client import ArticleBot
    from bot.library import Library

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
T = TypeVar("T")
Status = Literal["posted", "already posted", "no articles", "turned off", "will retry"]

NO_MENTIONS = discord.AllowedMentions.none()
PASS_INTERVAL = 30.0  # seconds between scheduler passes
HISTORY_LIMIT = 50  # recent messages searched for an unconfirmed digest
RETRY_FIRST, RETRY_MAX = timedelta(minutes=1), timedelta(hours=1)
CONCURRENT_SENDS = 3
SEND_GAP = 0.25  # seconds each send slot rests after a send, so a burst is spread out
# What the bot needs in the digest channel, as (Permissions attribute, name shown).
NEEDED = (
    ("view_channel", "View Channel"),
    ("send_messages", "Send Messages"),
    ("embed_links", "Embed Links"),
    ("read_message_history", "Read Message History"),
)
# Errors after which a digest may or may not have been sent: settle, then retry later.
TRANSIENT = (discord.HTTPException, aiohttp.ClientError, OSError, TimeoutError)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Outcome:
    guild_id: int
    status: Status
    local_date: str
    message_id: int | None = None
    detail: str = ""


class Digest(commands.Cog):
    """The scheduler and the posting; `clock` is where every "now" comes from."""

    def __init__(self, bot: ArticleBot, clock: Clock | None = None) -> None:
        self.bot = bot
        self.clock: Clock = clock or utc_now
        self.send_gap = SEND_GAP
        # How a send slot rests: a test passes its own to see the rests without a clock.
        self.rest: Callable[[float], Awaitable[object]] = asyncio.sleep
        self.command_group = DigestCommands(self)
        self._pass_lock = asyncio.Lock()  # one pass (or post-now) at a time
        self._send_slots = asyncio.Semaphore(CONCURRENT_SENDS)
        self._retry: dict[int, tuple[datetime, timedelta]] = {}  # guild -> (not before, delay)
        self._empty_noted: dict[int, str] = {}  # guild -> day its empty digest was noted

    @property
    def library(self) -> Library:
        return self.bot.library

    @property
    def digests(self) -> DigestStore:
        return self.bot.library.store.digests

    async def cog_load(self) -> None:
        self.digests.defaults = _defaults(self.bot)
        admin = self.bot.get_cog("Admin")
        if admin is None:
            raise RuntimeError("load bot.cogs.admin before bot.cogs.digest (/admin digest)")
        admin.app_command.add_command(self.command_group)
        self.scheduler.start()

    async def cog_unload(self) -> None:
        self.scheduler.cancel()
        admin = self.bot.get_cog("Admin")
        if admin is not None:
            admin.app_command.remove_command(self.command_group.name)

    # -- scheduling ------------------------------------------------------------------------

    @tasks.loop(seconds=PASS_INTERVAL)
    async def scheduler(self) -> None:
        try:
            await self.run_due(self.clock())
        except Exception:
            log.exception("digest pass failed")  # the loop lives on; the next pass retries

    @scheduler.before_loop
    async def _until_ready(self) -> None:
        await self.bot.wait_until_ready()

    async def run_due(self, now: datetime) -> list[Outcome]:
        """One scheduler pass at `now`: settle old claims, then post every due digest."""
        async with self._pass_lock:
            await self._settle_claims(now)
            due: list[tuple[DigestSettings, date]] = []
            for settings in await self.digests.enabled():
                if self._waiting(settings.guild_id, now):
                    continue
                day = await self._due_day(settings, now)
                if day is not None:
                    due.append((settings, day))
            return list(await asyncio.gather(*(self._post_safely(s, d, now) for s, d in due)))

    async def _due_day(self, settings: DigestSettings, now: datetime) -> date | None:
        try:
            zone = schedule.parse_timezone(settings.timezone)
            at = schedule.parse_time_of_day(settings.time)
        except DigestConfigError as exc:  # only a hand-edited database gets here
            log.warning("digest settings unusable (guild_id=%s): %s", settings.guild_id, exc)
            return None
        last = await self.digests.last_post(settings.guild_id)
        last_day = date.fromisoformat(last.local_date) if last else None
        since = await self.digests.schedule_since(settings.guild_id)
        return schedule.is_due(now, at, zone, last_day, since)

    def _waiting(self, guild_id: int, now: datetime) -> bool:
        retry = self._retry.get(guild_id)
        return retry is not None and now < retry[0]

    def _back_off(self, guild_id: int, now: datetime) -> timedelta:
        previous = self._retry.get(guild_id)
        delay = min(previous[1] * 2, RETRY_MAX) if previous else RETRY_FIRST
        self._retry[guild_id] = (now + delay, delay)
        return delay

    # -- settling claims -------------------------------------------------------------------

    async def _settle_claims(self, now: datetime) -> None:
        for claim in await self.digests.unconfirmed():
            if not self._waiting(claim.guild_id, now):
                await self._settle(claim, now)

    async def _settle(self, claim: DigestPost, now: datetime) -> None:
        """Confirm a claim whose digest is in the channel; release it if it is not."""
        try:
            message_id = await self._find_digest(claim.channel_id, claim.local_date)
        except (discord.Forbidden, discord.NotFound) as exc:
            await self.digests.release(claim.guild_id, claim.local_date)
            await self._turn_off(claim.guild_id, claim.channel_id, exc)
            return
        except TRANSIENT as exc:
            delay = self._back_off(claim.guild_id, now)
            log.warning(
                "could not check digest channel %s (guild_id=%s), retry in %s: %s",
                claim.channel_id,
                claim.guild_id,
                delay,
                exc,
            )
            return
        if message_id is not None:
            await self.digests.confirm(claim, message_id, now)
            log.info(
                "digest %s found in the channel (guild_id=%s)", claim.local_date, claim.guild_id
            )
        else:
            await self.digests.release(claim.guild_id, claim.local_date)
            log.info("digest %s was never sent (guild_id=%s)", claim.local_date, claim.guild_id)

    async def _find_digest(self, channel_id: int, local_date: str) -> int | None:
        me = self.bot.user
        channel = self.bot.get_partial_messageable(channel_id)
        async for message in channel.history(limit=HISTORY_LIMIT):
            if (
                me is not None
                and message.author.id == me.id
                and any(is_digest_footer(e.footer.text, local_date) for e in message.embeds)
            ):
                return message.id
        return None

    # -- posting ---------------------------------------------------------------------------

    async def _post_safely(self, settings: DigestSettings, day: date, now: datetime) -> Outcome:
        try:
            return await self._post(settings, day, now)
        except Exception:
            # One guild's unexpected failure must not stop the others' digests.
            log.exception("digest failed (guild_id=%s, day=%s)", settings.guild_id, day)
            self._back_off(settings.guild_id, now)
            return Outcome(
                settings.guild_id, "will retry", day.isoformat(), detail="internal error"
            )

    async def _post(self, settings: DigestSettings, day: date, now: datetime) -> Outcome:
        guild_id, local, channel_id = settings.guild_id, day.isoformat(), settings.channel_id
        assert channel_id is not None  # enabled() and post-now only give guilds with a channel
        selection = await self._select(settings)
        if not selection.article_ids:
            detail = "no article has the digest's topics: " + ", ".join(settings.topics)
            if self._empty_noted.get(guild_id) != local:
                self._empty_noted[guild_id] = local
                await self.digests.record_error(guild_id, detail)
                log.info("digest empty (guild_id=%s): %s", guild_id, detail)
            return Outcome(guild_id, "no articles", local, detail=detail)
        articles = await self.library.store.get_articles(selection.article_ids)
        post = DigestPost(
            guild_id, local, channel_id, None, tuple(a.id for a in articles), selection.cycle
        )
        if not await self.digests.claim(post, now):
            return Outcome(guild_id, "already posted", local)
        embed = discord.Embed.from_dict(digest_embed(day, articles))
        try:
            async with self._send_slots:
                channel = self.bot.get_partial_messageable(channel_id, guild_id=guild_id)
                message = await channel.send(embed=embed, allowed_mentions=NO_MENTIONS)
                await self.rest(self.send_gap)
        except (discord.Forbidden, discord.NotFound) as exc:
            await self.digests.release(guild_id, local)
            reason = await self._turn_off(guild_id, channel_id, exc)
            return Outcome(guild_id, "turned off", local, detail=reason)
        except TRANSIENT as exc:
            # It may have been sent anyway: the claim stays, and is settled before a retry.
            delay = self._back_off(guild_id, now)
            detail = f"{describe_error(exc)}; retrying in {_minutes(delay)}"
            await self.digests.record_error(guild_id, detail)
            log.warning("digest not sent (guild_id=%s): %s", guild_id, detail)
            return Outcome(guild_id, "will retry", local, detail=detail)
        await self.digests.confirm(post, message.id, now)
        self._retry.pop(guild_id, None)
        log.info("digest %s posted (guild_id=%s, message_id=%s)", local, guild_id, message.id)
        return Outcome(guild_id, "posted", local, message.id)

    async def _select(self, settings: DigestSettings) -> schedule.Selection:
        featured = await self.digests.featured(settings.guild_id, settings.cycle)
        return schedule.select_articles(
            self.library.catalog.entries, featured, settings.cycle, settings.size, settings.topics
        )

    async def _turn_off(self, guild_id: int, channel_id: int, error: discord.HTTPException) -> str:
        reason = f"{describe_error(error)} in <#{channel_id}>"
        await self.digests.record_error(guild_id, reason, disable=True)
        self._retry.pop(guild_id, None)
        log.warning("digest turned off (guild_id=%s): %s", guild_id, reason)
        return reason

    async def post_now(self, guild_id: int) -> Outcome:
        """Today's digest, now, unless today's was already posted."""
        now = self.clock()
        async with self._pass_lock:
            settings = await self.digests.settings(guild_id)
            if settings.channel_id is None:
                raise UserFacingError("Choose a channel first: /admin digest channel.")
            day = schedule.local_date(now, schedule.parse_timezone(settings.timezone))
            claim = await self.digests.post(guild_id, day.isoformat())
            if claim is not None and claim.message_id is None:
                await self._settle(claim, now)
                claim = await self.digests.post(guild_id, day.isoformat())
            if claim is not None:
                status: Status = "already posted" if claim.message_id else "will retry"
                return Outcome(guild_id, status, claim.local_date, claim.message_id)
            self._retry.pop(guild_id, None)  # an admin asking is a retry
            return await self._post(settings, day, now)

    # -- what /admin shows -----------------------------------------------------------------

    async def preview(self, guild_id: int) -> tuple[str, dict[str, object]]:
        """What today's digest holds (or would), without marking anything featured."""
        settings = await self.digests.settings(guild_id)
        day = schedule.local_date(self.clock(), schedule.parse_timezone(settings.timezone))
        posted = await self.digests.post(guild_id, day.isoformat())
        if posted is not None and posted.message_id is not None:
            ids, note = posted.article_ids, f"Today's digest ({day}) was already posted:"
        else:
            ids = (await self._select(settings)).article_ids
            note = f"Preview of the digest for {day} (nothing is marked as featured):"
        articles = await self.library.store.get_articles(ids)
        return note, digest_embed(day, articles)

    async def status_fields(self, guild_id: int) -> list[tuple[str, str]]:
        """The digest's part of /admin status."""
        settings = await self.digests.settings(guild_id)
        last = await self.digests.last_post(guild_id, confirmed=True)
        next_at = None
        if settings.enabled and settings.channel_id:
            next_at = schedule.next_run(
                self.clock(),
                schedule.parse_time_of_day(settings.time),
                schedule.parse_timezone(settings.timezone),
                date.fromisoformat(last.local_date) if last else None,
                await self.digests.schedule_since(guild_id),
            )
        return status_fields(settings, last, next_at, [name for _, name in NEEDED])


class DigestCommands(app_commands.Group):
    """/admin digest: attached to the /admin group by `Digest.cog_load`."""

    def __init__(self, cog: Digest) -> None:
        super().__init__(name="digest", description="The daily digest of articles.")
        self.cog = cog

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        return require_manage_guild(interaction)

    @property
    def digests(self) -> DigestStore:
        return self.cog.digests

    async def _reply(self, interaction: discord.Interaction, text: str) -> None:
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)

    async def _changed(self, interaction: discord.Interaction, settings: DigestSettings) -> None:
        await self._reply(interaction, f"Daily digest: {settings_line(settings)}")

    @app_commands.command(name="channel", description="Where the digest is posted.")
    @app_commands.describe(channel="A text channel the bot can post in")
    async def channel(self, interaction: discord.Interaction, channel: discord.TextChannel) -> None:
        me = channel.guild.me
        if me is not None:
            allowed = channel.permissions_for(me)
            missing = [name for flag, name in NEEDED if not getattr(allowed, flag)]
            if missing:
                raise UserFacingError(
                    f"I can't post the digest in {channel.mention}: I'm missing "
                    f"{', '.join(missing)} there. Grant them, or choose another channel."
                )
        settings = await self.digests.update(_guild(interaction), channel_id=channel.id)
        await self._changed(interaction, settings)

    @app_commands.command(name="time", description="When the digest is posted (HH:MM, 24-hour).")
    @app_commands.describe(value="Local time of day, e.g. 09:00 or 18:30")
    async def time(self, interaction: discord.Interaction, value: str) -> None:
        at = _checked(schedule.parse_time_of_day, value)
        settings = await self.digests.update(
            _guild(interaction), time=f"{at:%H:%M}", schedule_since=self.cog.clock()
        )
        await self._changed(interaction, settings)

    @app_commands.command(name="timezone", description="The time zone of the digest's time.")
    @app_commands.describe(name="An IANA time zone, e.g. Europe/Paris")
    async def timezone(self, interaction: discord.Interaction, name: str) -> None:
        zone = _checked(schedule.parse_timezone, name)
        settings = await self.digests.update(
            _guild(interaction), timezone=zone.key, schedule_since=self.cog.clock()
        )
        await self._changed(interaction, settings)

    @timezone.autocomplete("name")
    async def _complete_timezone(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=z, value=z) for z in schedule.complete_timezone(current)]

    @app_commands.command(name="size", description="How many articles each digest holds.")
    @app_commands.describe(value="1 to 10")
    async def size(
        self,
        interaction: discord.Interaction,
        value: app_commands.Range[int, schedule.MIN_SIZE, schedule.MAX_SIZE],
    ) -> None:
        _checked(schedule.check_size, value)  # Discord enforces it too, but not every client
        settings = await self.digests.update(_guild(interaction), size=value)
        await self._changed(interaction, settings)

    @app_commands.command(name="topics", description="Only these topics (empty: every topic).")
    @app_commands.describe(topics="Comma-separated topics; leave empty to feature every topic")
    async def topics(self, interaction: discord.Interaction, topics: str = "") -> None:
        known = [name for name, _ in self.cog.library.catalog.topics()]
        chosen = _checked(schedule.match_topics, topics, known)
        settings = await self.digests.update(_guild(interaction), topics=chosen)
        await self._changed(interaction, settings)

    @topics.autocomplete("topics")
    async def _complete_topics(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        # Complete the last comma-separated part, keeping what was typed before it.
        done, _, typing = current.rpartition(",")
        prefix = f"{done.strip()}, " if done.strip() else ""
        names = self.cog.library.catalog.complete_topic(typing, limit=25)
        values = [prefix + name for name in names]
        return [app_commands.Choice(name=v[:100], value=v[:100]) for v in values]

    @app_commands.command(name="on", description="Post the digest every day.")
    async def on(self, interaction: discord.Interaction) -> None:
        guild_id = _guild(interaction)
        current = await self.digests.settings(guild_id)
        if current.channel_id is None:
            raise UserFacingError("Choose a channel first: /admin digest channel.")
        if current.enabled:
            await self._reply(interaction, f"The digest is already on: {settings_line(current)}")
            return
        settings = await self.digests.update(
            guild_id,
            enabled=True,
            disabled_reason=None,
            last_error=None,
            schedule_since=self.cog.clock(),
        )
        await self._changed(interaction, settings)

    @app_commands.command(name="off", description="Stop posting the digest.")
    async def off(self, interaction: discord.Interaction) -> None:
        settings = await self.digests.update(_guild(interaction), enabled=False)
        await self._changed(interaction, settings)

    @app_commands.command(
        name="preview", description="What today's digest holds (only you see it)."
    )
    async def preview(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        note, embed = await self.cog.preview(_guild(interaction))
        await interaction.edit_original_response(
            content=note, embed=discord.Embed.from_dict(embed), allowed_mentions=NO_MENTIONS
        )

    @app_commands.command(
        name="post-now", description="Post today's digest now, if not yet posted."
    )
    async def post_now(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        outcome = await self.cog.post_now(_guild(interaction))
        settings = await self.digests.settings(_guild(interaction))
        where = f"<#{settings.channel_id}>"
        text = {
            "posted": f"Posted today's digest ({outcome.local_date}) in {where}.",
            "already posted": f"Today's digest ({outcome.local_date}) was already posted in "
            f"{where}; the next one comes tomorrow.",
            "no articles": f"Nothing to post: {outcome.detail}.",
            "turned off": f"I can't post in {where} ({outcome.detail}), so I turned the digest "
            "off. Fix the channel's permissions, then /admin digest on.",
            "will retry": "Today's digest could not be sent yet "
            f"({outcome.detail or 'Discord did not answer'}); I'll retry shortly.",
        }[outcome.status]
        await interaction.edit_original_response(content=text, allowed_mentions=NO_MENTIONS)


def describe_error(error: BaseException) -> str:
    if isinstance(error, discord.HTTPException):
        head = f"{error.status} {error.response.reason or ''}".strip()
        return f"{head}: {error.text}" if error.text else head
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def _minutes(delay: timedelta) -> str:
    minutes = int(delay.total_seconds() // 60)
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h"


def _guild(interaction: discord.Interaction) -> int:
    if interaction.guild_id is None:
        raise app_commands.NoPrivateMessage()
    return interaction.guild_id


def _checked(parse: Callable[..., T], *args: object) -> T:
    try:
        return parse(*args)
    except DigestConfigError as exc:
        text = str(exc)
        end = "" if text.endswith(("?", ".", "!")) else "."
        raise UserFacingError(f"{text[:1].upper()}{text[1:]}{end}") from exc


def _defaults(bot: ArticleBot) -> DigestSettings:
    configured = bot.settings.digest
    try:
        schedule.parse_timezone(configured.timezone)
        schedule.parse_time_of_day(configured.time)
        schedule.check_size(configured.size)
    except DigestConfigError as exc:
        log.warning("config [digest] ignored: %s", exc)
        return DigestSettings(guild_id=0)
    return DigestSettings(
        guild_id=0, time=configured.time, timezone=configured.timezone, size=configured.size
    )


async def setup(bot: ArticleBot) -> None:
    await bot.add_cog(Digest(bot))
