"""The discord.py bot: built in `main()` with its dependencies passed in, cogs loaded in
`setup_hook`, one tree error handler for every command.

`run(settings)` is what `articlebot run` calls: it reads the token, points discord.py at a
Discord-compatible server when configured, and turns a missing or rejected token into one
clear line and exit code 2.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from typing import Any

import aiohttp
import discord
import yarl
from discord import app_commands
from discord.ext import commands

from bot.delivery import ReplyLost, deliver, is_rate_limit
from bot.discord_logs import reconnects_in_one_line
from bot.embed import ModelError
from bot.library import Library
from bot.settings import ConfigError, Settings, read_token

log = logging.getLogger(__name__)

EXTENSIONS = (
    "bot.cogs.timers",  # first: other cogs schedule their time-based work on it
    "bot.cogs.ask",
    "bot.cogs.browse",
    "bot.cogs.admin",
    "bot.cogs.digest",
    "bot.cogs.insights",
    "bot.cogs.answers",
)
EXIT_BAD_TOKEN = 2
EXIT_BAD_CONFIG = 2  # as the CLI exits on a config error
EXIT_GATEWAY_CLOSED = 1
AUTHENTICATION_FAILED = 4004  # the gateway's close code for a token it does not accept
# Discord unreachable at start (network down, DNS failing, an outage): try again after 1 s,
# then twice as long each time, up to 5 minutes between tries.
FIRST_RETRY_DELAY = 1.0
MAX_RETRY_DELAY = 300.0
PROBE_TIMEOUT = aiohttp.ClientTimeout(total=15)


class UserFacingError(app_commands.AppCommandError):
    """An error whose message is meant for the member who ran the command."""


STALE_COMMAND = (
    "That command is out of date: this bot no longer has it. Type / to see the commands it has now."
)


class ArticleTree(app_commands.CommandTree):
    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        if isinstance(error, app_commands.CommandNotFound):
            # Discord still lists a command an older version registered: not a bug here.
            log.warning(
                "unknown command /%s (guild_id=%s): the registered commands are stale; "
                "/admin sync publishes the current ones",
                " ".join([*error.parents, error.name]),
                interaction.guild_id,
            )
            await send_ephemeral(interaction, STALE_COMMAND)
            return
        cause = getattr(error, "original", error)
        if is_rate_limit(cause):
            # Discord kept rate-limiting past every try: a transient fault, never shown as
            # an error (and a reply lost to an expired interaction cannot be shown at all).
            log.warning(
                "command /%s: %s (guild_id=%s)",
                interaction.command.qualified_name if interaction.command else "?",
                cause if isinstance(cause, ReplyLost) else f"rate limited: {cause}",
                interaction.guild_id,
            )
            return
        message = user_message(error)
        if message is None:
            command = interaction.command.qualified_name if interaction.command else "?"
            log.error(
                "command /%s failed (guild_id=%s)", command, interaction.guild_id, exc_info=error
            )
            message = "Something went wrong on my side; the error has been logged."
        await send_ephemeral(interaction, message)


def user_message(error: app_commands.AppCommandError) -> str | None:
    """A short explanation for errors a member can understand, or None for bugs."""
    if isinstance(error, UserFacingError):
        return str(error)
    if isinstance(error, app_commands.MissingPermissions):
        return "You need the Manage Server permission for that."
    if isinstance(error, app_commands.CheckFailure):
        return str(error) or "You are not allowed to use this command."
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Slow down: try again in {error.retry_after:.0f} s."
    if isinstance(error, app_commands.NoPrivateMessage):
        return "This command only works in a server."
    return None


async def send_ephemeral(interaction: discord.Interaction, content: str) -> None:
    """Reply privately whether or not the interaction was already answered or deferred."""
    try:
        # Error text may quote the member's input: never let it ping anyone.
        quiet = discord.AllowedMentions.none()
        if interaction.response.is_done():
            await deliver(
                interaction,
                lambda: interaction.followup.send(content, ephemeral=True, allowed_mentions=quiet),
                "a private reply",
            )
        else:
            await deliver(
                interaction,
                lambda: interaction.response.send_message(
                    content, ephemeral=True, allowed_mentions=quiet
                ),
                "a private reply",
            )
    except (discord.HTTPException, ReplyLost):
        log.warning("could not tell the user about an error (guild_id=%s)", interaction.guild_id)


class ArticleBotMixin:
    """What the sharded and unsharded bots share; the state comes in through __init__."""

    library: Library
    settings: Settings

    def _init_articlebot(self, library: Library, settings: Settings) -> None:
        self.library = library
        self.settings = settings
        reconnects_in_one_line()

    async def setup_hook(self) -> None:
        bot: commands.Bot = self  # type: ignore[assignment]
        for extension in EXTENSIONS:
            await bot.load_extension(extension)
        if self.settings.dev_guild_id:
            guild = discord.Object(id=self.settings.dev_guild_id)
            bot.tree.copy_global_to(guild=guild)
            synced = await bot.tree.sync(guild=guild)
            log.info("synced %d commands to dev guild %s", len(synced), guild.id)

    async def on_message(self, message: discord.Message, /) -> None:
        """Slash commands only: a message (even one that mentions the bot) is never parsed
        as a prefix command. Cogs may still listen to messages."""

    async def is_reload_allowed(self, user: discord.abc.User) -> bool:
        """The corpus is shared by every guild: only the owners or listed users reload it."""
        bot: commands.Bot = self  # type: ignore[assignment]
        return user.id in self.settings.owner_ids or await bot.is_owner(user)


def _bot_options(settings: Settings) -> dict[str, Any]:
    intents = discord.Intents.none()
    intents.guilds = True  # channels, threads and permissions
    # Messages in servers: a mention of the bot carries its text without any privileged
    # intent; other messages arrive without text unless the operator turned on Message
    # Content (privileged, off by default).
    intents.guild_messages = True
    intents.dm_messages = True  # a direct message to the bot is a question too
    intents.message_content = settings.message_content
    return {
        "command_prefix": (),  # no prefix commands: no message is ever a command
        "intents": intents,
        "allowed_mentions": discord.AllowedMentions.none(),
        "tree_cls": ArticleTree,
        "help_command": None,
    }


class ArticleBot(ArticleBotMixin, commands.Bot):
    def __init__(self, library: Library, settings: Settings, **options: Any) -> None:
        super().__init__(**{**_bot_options(settings), **options})
        self._init_articlebot(library, settings)


class ShardedArticleBot(ArticleBotMixin, commands.AutoShardedBot):
    def __init__(self, library: Library, settings: Settings, **options: Any) -> None:
        options.setdefault("shard_count", settings.shard_count)
        super().__init__(**{**_bot_options(settings), **options})
        self._init_articlebot(library, settings)


def make_bot(library: Library, settings: Settings, **options: Any) -> commands.Bot:
    cls = ShardedArticleBot if settings.shard_count else ArticleBot
    return cls(library, settings, **options)


def point_at_server(settings: Settings) -> None:
    """Send REST and gateway traffic to a Discord-compatible server instead of discord.com."""
    if settings.api_base:
        discord.http.Route.BASE = settings.api_base.rstrip("/")
    if settings.gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.gateway_url)


def stop_on_signals() -> None:
    """SIGINT and SIGTERM (`docker stop`) cancel the running task: the bot logs out and
    the database closes on the way out.

    Through the loop, not signal.signal: the loop then wakes at once, whichever thread the
    signal landed on. asyncio.run's own SIGINT handler only runs once the main thread
    wakes, which an idle bot may not do until its next gateway heartbeat.
    """
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    assert task is not None
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # Windows; not main thread
            loop.add_signal_handler(signum, _stop, task, signum)


def _stop(task: asyncio.Task[Any], signum: int) -> None:
    log.info("stopping on %s", signal.Signals(signum).name)
    task.cancel()


async def wait_for_discord() -> None:
    """Return once Discord's API answers; until then try again with growing delays, one
    line a try. discord.py's login would raise on the first refused connection."""
    url = f"{discord.http.Route.BASE}/gateway"  # needs no token
    delay = FIRST_RETRY_DELAY
    attempt = 1
    async with aiohttp.ClientSession(timeout=PROBE_TIMEOUT) as session:
        while True:
            try:
                async with session.get(url) as response:
                    if response.status < 500:
                        return
                    reason = f"HTTP {response.status}"
            except (aiohttp.ClientError, TimeoutError) as exc:
                reason = str(exc) or type(exc).__name__
            log.warning(
                "Discord is unreachable (%s); attempt %d failed, trying again in %.0f s",
                reason,
                attempt,
                delay,
            )
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_RETRY_DELAY)
            attempt += 1


async def main(settings: Settings, token: str) -> None:
    stop_on_signals()
    point_at_server(settings)
    # Vectors of new articles are encoded in the background: the words answer meanwhile.
    library = await Library.open(settings, fill_mode="background")
    async with library, make_bot(library, settings) as bot:
        await wait_for_discord()
        await bot.start(token)


REJECTED_TOKEN = "articlebot: Discord rejected the token (check DISCORD_TOKEN)"


def run(settings: Settings) -> int:
    try:
        token = read_token()
    except ConfigError as exc:
        print(f"articlebot: {exc}", file=sys.stderr)
        return EXIT_BAD_TOKEN
    if not token:
        print(
            "articlebot: no Discord token: set DISCORD_TOKEN, or DISCORD_TOKEN_FILE to a file "
            "holding it",
            file=sys.stderr,
        )
        return EXIT_BAD_TOKEN
    try:
        asyncio.run(main(settings, token))
    except discord.LoginFailure:
        print(REJECTED_TOKEN, file=sys.stderr)
        return EXIT_BAD_TOKEN
    except discord.ConnectionClosed as exc:  # a close code discord.py does not reconnect on
        if exc.code == AUTHENTICATION_FAILED:
            print(REJECTED_TOKEN, file=sys.stderr)
            return EXIT_BAD_TOKEN
        print(
            f"articlebot: Discord closed the gateway connection (code {exc.code}: "
            f"{exc.reason or 'no reason given'})",
            file=sys.stderr,
        )
        return EXIT_GATEWAY_CLOSED
    except discord.PrivilegedIntentsRequired:
        print("articlebot: Discord refused the gateway intents the bot asked for", file=sys.stderr)
        return EXIT_BAD_CONFIG
    except ModelError as exc:
        print(f"articlebot: {exc}", file=sys.stderr)
        return EXIT_BAD_CONFIG
    except asyncio.CancelledError:  # stopped by SIGINT or SIGTERM, cleanly
        return 0
    except KeyboardInterrupt:
        return 130
    return 0
