"""Answers where questions are asked: a mention of the bot (or a direct message) is answered
in a reply, and a new post in a forum channel an admin configured (/admin autoanswer) is
answered in its thread.

Mentions and DMs carry their text without the privileged Message Content intent; a forum post is
answered from its title, plus its first message when the operator turned Message Content
on (and then configured text channels too). The reply is the /ask answer card with the
Helpful / Not helpful votes. Never to bots or webhooks, once per thread, only when the
answer clears the channel's confidence, at most RATE_LIMIT answers per channel a minute.
A 403 in a configured channel turns auto-answer off there; /admin status says why.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot import render
from bot.autoanswer import RateLimit, clears, question_from_mention
from bot.client import UserFacingError
from bot.cogs.admin import require_manage_guild
from bot.cogs.digest import describe_error
from bot.library import AskOutcome, Library
from bot.models import AutoAnswerChannel
from bot.store.autoanswer import AutoAnswerStore
from bot.views import NO_MENTIONS, answer_card_view, embed

if TYPE_CHECKING:
    from bot.client import ArticleBot
    from bot.cogs.insights import Insights

log = logging.getLogger(__name__)

EXAMPLE = "What do dopamine neurons encode?"
# What the bot needs where it answers by itself, as (Permissions attribute, name shown).
NEEDED_IN_FORUM = (
    ("view_channel", "View Channel"),
    ("send_messages_in_threads", "Send Messages in Threads"),
    ("embed_links", "Embed Links"),
)
NEEDED_IN_TEXT = (
    ("view_channel", "View Channel"),
    ("send_messages", "Send Messages"),
    ("embed_links", "Embed Links"),
    ("read_message_history", "Read Message History"),  # a reply quotes the message
)


class Answers(commands.Cog):
    def __init__(self, bot: ArticleBot, monotonic: Callable[[], float] | None = None) -> None:
        self.bot = bot
        self.monotonic = monotonic or time.monotonic
        self.rate_limit = RateLimit()
        self.command = _autoanswer_command(self)

    @property
    def library(self) -> Library:
        return self.bot.library

    @property
    def channels(self) -> AutoAnswerStore:
        return self.bot.library.store.autoanswer

    @property
    def insights(self) -> Insights | None:
        return self.bot.get_cog("Insights")  # type: ignore[return-value]

    async def cog_load(self) -> None:
        admin = self.bot.get_cog("Admin")
        if admin is None:
            raise RuntimeError("load bot.cogs.admin before bot.cogs.answers (/admin autoanswer)")
        admin.app_command.add_command(self.command)

    async def cog_unload(self) -> None:
        admin = self.bot.get_cog("Admin")
        if admin is not None:
            admin.app_command.remove_command(self.command.name)

    # -- mentions and configured text channels -------------------------------------------

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        me = self.bot.user
        if me is None or message.author.bot or message.webhook_id:
            return
        if await self._is_forum_post_answered_anyway(message):
            return
        # A direct message, like a mention, is a question to the bot.
        if message.guild is None or any(user.id == me.id for user in message.mentions):
            await self._answer_mention(message, question_from_mention(message.content, me.id))
        elif self.bot.settings.message_content and not isinstance(message.channel, discord.Thread):
            config = await self.channels.channel(message.channel.id)
            if config is not None and config.enabled:
                await self._answer_unasked(message.channel, message.content, config, message)

    async def _is_forum_post_answered_anyway(self, message: discord.Message) -> bool:
        """The first message of a post in an auto-answered forum (its id is the thread's):
        the post is answered once, from on_thread_create, even if it mentions the bot."""
        channel = message.channel
        if not isinstance(channel, discord.Thread) or message.id != channel.id:
            return False
        config = await self.channels.channel(channel.parent_id)
        return config is not None and config.enabled

    async def _answer_mention(self, message: discord.Message, question: str) -> None:
        if not question:
            await self._send(
                message.channel,
                None,
                message,
                content=f"Ask me after the mention, e.g. “{EXAMPLE}”, or use /ask.",
            )
            return
        if not self.rate_limit.allow(message.channel.id, self.monotonic()):
            log.info("mention not answered: rate limit (channel_id=%s)", message.channel.id)
            return
        outcome = await self.library.ask(question, limit=1)
        question_id = await self._record(message.guild, "mention", question, outcome)
        if outcome.answered:
            answer = await outcome.answer(0)
            await self._send(
                message.channel,
                None,
                message,
                embed=embed(render.answer_embed(answer)),
                view=answer_card_view(answer, question_id),
            )
        else:
            await self._send(
                message.channel,
                None,
                message,
                embed=embed(
                    render.nothing_found_embed(outcome.result.query, outcome.result.nearest, [])
                ),
            )

    # -- forum posts -----------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_thread_create(self, thread: discord.Thread) -> None:
        config = await self.channels.channel(thread.parent_id)
        if config is None or not config.enabled or not await self._by_a_member(thread):
            return
        insights = self.insights
        now = insights.clock() if insights is not None else None
        if now is None or not await self.channels.claim_thread(thread.id, thread.parent_id, now):
            log.info("thread %s already answered (channel_id=%s)", thread.id, thread.parent_id)
            return
        question = thread.name
        if self.bot.settings.message_content:
            question = f"{question} {await self._starter_text(thread)}".strip()
        await self._answer_unasked(thread, question, config, None)

    async def _by_a_member(self, thread: discord.Thread) -> bool:
        """A post by a person: not by this bot, another bot, or a webhook (not a member)."""
        me = self.bot.user
        if me is None or thread.owner_id == me.id:
            return False
        owner = thread.owner
        if owner is None:
            try:
                owner = await thread.guild.fetch_member(thread.owner_id)
            except discord.NotFound:
                return False
            except discord.HTTPException as exc:
                log.warning("could not check who posted thread %s: %s", thread.id, exc)
                return False
        return not owner.bot

    async def _starter_text(self, thread: discord.Thread) -> str:
        starter = thread.starter_message
        if starter is None:
            try:
                starter = await thread.fetch_message(thread.id)
            except discord.HTTPException:
                return ""
        return starter.content

    async def _answer_unasked(
        self,
        channel: discord.abc.Messageable,
        question: str,
        config: AutoAnswerChannel,
        reply_to: discord.Message | None,
    ) -> None:
        """Answer a post nobody addressed to the bot, if the answer is sure enough."""
        if not question.strip():
            return
        channel_id = config.channel_id
        if not self.rate_limit.allow(channel_id, self.monotonic()):
            log.info("post not answered: rate limit (channel_id=%s)", channel_id)
            return
        outcome = await self.library.ask(question, limit=1)
        confident = clears(outcome.answered, outcome.result.confidence, config.min_confidence)
        guild = self.bot.get_guild(config.guild_id)
        # Not confident enough means the member saw no answer: kept as unanswered.
        kept = outcome if confident else AskOutcome(outcome.result, outcome.engine)
        question_id = await self._record(guild, "forum", question, kept)
        if not confident:
            log.info(
                "post in channel %s not answered: confidence %.2f below %.2f",
                channel_id,
                outcome.result.confidence,
                config.min_confidence,
            )
            return
        answer = await outcome.answer(0)
        await self._send(
            channel,
            config,
            reply_to,
            embed=embed(render.answer_embed(answer)),
            view=answer_card_view(answer, question_id),
        )

    # -- sending ---------------------------------------------------------------------------

    async def _send(
        self,
        channel: discord.abc.Messageable,
        config: AutoAnswerChannel | None,
        reply_to: discord.Message | None,
        **kwargs: Any,
    ) -> None:
        try:
            if reply_to is not None:
                await reply_to.reply(**kwargs, mention_author=False, allowed_mentions=NO_MENTIONS)
            else:
                await channel.send(**kwargs, allowed_mentions=NO_MENTIONS)
        except discord.Forbidden as exc:
            if config is None:  # a mention where the bot may not answer: nothing to turn off
                log.warning("cannot answer a mention in channel %s: %s", _id(channel), exc)
                return
            reason = f"{describe_error(exc)} in <#{config.channel_id}>"
            await self.channels.disable_channel(config.channel_id, reason)
            log.warning("auto-answer turned off (guild_id=%s): %s", config.guild_id, reason)
        except discord.HTTPException as exc:
            # Gone (a deleted thread) or Discord failing: this answer is lost, nothing else.
            log.warning("could not answer in channel %s: %s", _id(channel), exc)

    async def _record(
        self, guild: discord.Guild | None, via: str, question: str, outcome: AskOutcome
    ) -> int | None:
        insights = self.insights
        if insights is None or guild is None:
            return None
        return await insights.record(guild.id, via, question, outcome)

    # -- /admin autoanswer and /admin status -------------------------------------------------

    async def configure(
        self,
        interaction: discord.Interaction,
        channel: discord.ForumChannel | discord.TextChannel,
        state: Literal["on", "off"],
        min_confidence: float | None,
    ) -> None:
        guild_id = interaction.guild_id
        if guild_id is None:
            raise app_commands.NoPrivateMessage()
        current = await self.channels.channel(channel.id)
        threshold = (
            min_confidence
            if min_confidence is not None
            else current.min_confidence
            if current is not None
            else self.bot.settings.min_confidence
        )
        if state == "on":
            self._check_can_answer(channel)
        await self.channels.save_channel(
            AutoAnswerChannel(channel.id, guild_id, state == "on", threshold, None)
        )
        if state == "on":
            where = "new posts" if isinstance(channel, discord.ForumChannel) else "new messages"
            text = (
                f"Auto-answer is on in {channel.mention}: I answer {where} when I am at least "
                f"{threshold:.2f} sure, at most {self.rate_limit.limit} a minute."
            )
        else:
            text = f"Auto-answer is off in {channel.mention}."
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)

    def _check_can_answer(self, channel: discord.ForumChannel | discord.TextChannel) -> None:
        if isinstance(channel, discord.TextChannel) and not self.bot.settings.message_content:
            raise UserFacingError(
                f"I can't read messages in {channel.mention}: that needs the privileged Message "
                "Content intent, which is off (message_content in the config). Use a forum "
                "channel, or members can mention me with their question."
            )
        needed = NEEDED_IN_FORUM if isinstance(channel, discord.ForumChannel) else NEEDED_IN_TEXT
        me = channel.guild.me
        if me is None:
            return
        allowed = channel.permissions_for(me)
        missing = [name for flag, name in needed if not getattr(allowed, flag)]
        if missing:
            raise UserFacingError(
                f"I can't answer in {channel.mention}: I'm missing {', '.join(missing)} there."
            )

    async def status_fields(self, guild_id: int) -> list[tuple[str, str]]:
        """Auto-answer's part of /admin status: each configured channel, and why it is off."""
        lines = []
        for config in await self.channels.channels(guild_id):
            where = f"<#{config.channel_id}>"
            if config.enabled:
                lines.append(f"{where}: on · confidence ≥ {config.min_confidence:.2f}")
            elif config.disabled_reason:
                lines.append(f"{where}: turned off by the bot: {config.disabled_reason}")
            else:
                lines.append(f"{where}: off")
        return [("Auto-answer", "\n".join(lines) or "no channel")]


def _autoanswer_command(cog: Answers) -> app_commands.Command[Any, ..., None]:
    """/admin autoanswer, bound to this cog; attached to the /admin group at load."""

    @app_commands.command(
        name="autoanswer", description="Answer new posts in a forum channel by themselves."
    )
    @app_commands.describe(
        channel="A forum channel (a text channel needs the Message Content intent)",
        state="on or off",
        min_confidence="Answer only when at least this sure, 0 to 1 (default: the bot's)",
    )
    @app_commands.check(require_manage_guild)
    async def autoanswer(
        interaction: discord.Interaction,
        channel: discord.ForumChannel | discord.TextChannel,
        state: Literal["on", "off"],
        min_confidence: app_commands.Range[float, 0.0, 1.0] | None = None,
    ) -> None:
        await cog.configure(interaction, channel, state, min_confidence)

    return autoanswer


def _id(channel: discord.abc.Messageable) -> object:
    return getattr(channel, "id", None)


async def setup(bot: ArticleBot) -> None:
    await bot.add_cog(Answers(bot))
