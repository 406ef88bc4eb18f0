"""/admin: reload the corpus, see the bot's status, sync commands.

Every /admin command needs Manage Server: Discord hides the group from others by default
(default_permissions), and `require_manage_guild` checks again when a command runs, since a
server's admins can override who sees it. Reloading and syncing affect every guild, so they
are further limited to the bot's owners. /admin digest lives in cogs/digest.py and is
attached to this group when that cog loads.
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import logging
import math
from typing import TYPE_CHECKING, Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import UserFacingError
from bot.library import Library
from bot.models import ReloadReport
from bot.render import FIELD_VALUE_MAX, fit_embed, truncate
from bot.text import escape_markdown

if TYPE_CHECKING:
    from bot.client import ArticleBot

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()
PROGRESS_INTERVAL = 1.0  # seconds between progress edits: Discord rate-limits edits
# How long a shutdown waits for a cancelled reload to roll back and say so: a rollback
# queued behind another writer waits at most SQLite's busy timeout (5 s).
STOP_RELOAD_TIMEOUT = 10.0
OK_COLOUR, WARN_COLOUR, ERROR_COLOUR = 0x2F9E44, 0xE8590C, 0xC92A2A


def require_manage_guild(interaction: discord.Interaction) -> bool:
    """The run-time half of the Manage Server rule (the other half is default_permissions)."""
    if interaction.guild is None:
        raise app_commands.NoPrivateMessage()
    permissions = interaction.permissions
    if not (permissions.manage_guild or permissions.administrator):
        raise app_commands.MissingPermissions(["manage_guild"])
    return True


def version() -> str:
    try:
        return importlib.metadata.version("articlebot")
    except importlib.metadata.PackageNotFoundError:
        return "dev"


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class Admin(
    commands.GroupCog,
    group_name="admin",
    group_description="Server administration (Manage Server).",
):
    def __init__(self, bot: ArticleBot) -> None:
        self.bot = bot
        self.progress_interval = PROGRESS_INTERVAL
        self._reloading = asyncio.Lock()
        self._reload_task: asyncio.Task[Any] | None = None

    async def cog_unload(self) -> None:
        # The bot is shutting down (discord.py unloads cogs first): stop a running reload
        # and tell its admin while the HTTP session and the database are still open.
        task = self._reload_task
        if task is not None and not task.done():
            log.info("stopping the running reload: the bot is shutting down")
            task.cancel()
            await asyncio.wait({task}, timeout=STOP_RELOAD_TIMEOUT)

    @property
    def library(self) -> Library:
        return self.bot.library

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        return require_manage_guild(interaction)

    async def _require_owner(self, interaction: discord.Interaction, what: str) -> None:
        if not await self.bot.is_reload_allowed(interaction.user):
            raise UserFacingError(
                f"Only the bot's owners can {what}: it affects every server the bot is in."
            )

    # -- /admin reload ---------------------------------------------------------------------

    @app_commands.command(name="reload", description="Re-read the corpus (bot owners only).")
    async def reload(self, interaction: discord.Interaction) -> None:
        await self._require_owner(interaction, "reload the corpus")
        if self._reloading.locked():
            raise UserFacingError("A reload is already running; its report will show there.")
        async with self._reloading:
            await interaction.response.defer(ephemeral=True, thinking=True)
            before = await self.library.store.count()
            progress = _Progress()
            done = asyncio.Event()
            ticker = asyncio.create_task(self._show_progress(interaction, progress, done))
            self._reload_task = asyncio.current_task()
            stopped = False
            try:
                report = await self.library.reload(progress=progress)
            except asyncio.CancelledError:  # shutting down: the reload's transaction rolled back
                stopped = True
                reply = reload_stopped_embed(before)
            except Exception as exc:  # reported to the admin; the old corpus keeps serving
                log.warning("reload failed (guild_id=%s)", interaction.guild_id, exc_info=True)
                reply = reload_failed_embed(exc, before)
            else:
                log.info(
                    "reload by %s: %d articles, %d failed",
                    interaction.user.id,
                    report.total,
                    len(report.failed),
                )
                reply = reload_report_embed(report)
            finally:
                self._reload_task = None
                done.set()
                await ticker
            await interaction.edit_original_response(
                content=None, embed=discord.Embed.from_dict(reply), allowed_mentions=NO_MENTIONS
            )
            if stopped:
                raise asyncio.CancelledError

    async def _show_progress(
        self, interaction: discord.Interaction, progress: _Progress, done: asyncio.Event
    ) -> None:
        shown: tuple[int, int] | None = None
        while not done.is_set():
            try:
                await asyncio.wait_for(done.wait(), self.progress_interval)
                return
            except TimeoutError:
                pass
            current = progress.latest
            if current is None or current == shown:
                continue
            shown = current
            try:
                await interaction.edit_original_response(
                    content=f"Reloading the corpus… {current[0]}/{current[1]} files checked"
                )
            except discord.HTTPException as exc:
                log.info("could not show reload progress: %s", exc)

    # -- /admin status ---------------------------------------------------------------------

    @app_commands.command(name="status", description="Corpus, last reload, digest, latency.")
    async def status(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        assert interaction.guild_id is not None  # guild_only
        fields = [
            (
                "Corpus",
                f"{await self.library.store.count()} articles · "
                f"{len(self.library.catalog.topics())} topics",
            ),
            ("Last reload", reload_summary(await self.library.store.last_reload())),
        ]
        waiting = await self.library.pending_vectors()
        if waiting is not None:
            vectors = f"{waiting} articles waiting" if waiting else "all articles encoded"
            fields.append(("Vectors", vectors))
        for name in ("Digest", "Insights", "Answers"):
            cog = self.bot.get_cog(name)
            if cog is not None:
                fields += await cog.status_fields(interaction.guild_id)  # type: ignore[attr-defined]
        latency = self.bot.latency
        fields += [
            ("Gateway latency", f"{latency * 1000:.0f} ms" if math.isfinite(latency) else "n/a"),
            ("Version", version()),
        ]
        embed = fit_embed(
            {
                "title": "articlebot status",
                "color": OK_COLOUR,
                "fields": [{"name": n, "value": v, "inline": False} for n, v in fields],
            }
        )
        await interaction.edit_original_response(
            embed=discord.Embed.from_dict(embed), allowed_mentions=NO_MENTIONS
        )

    # -- /admin sync -----------------------------------------------------------------------

    @app_commands.command(name="sync", description="Publish slash commands (bot owners only).")
    @app_commands.describe(scope="This server only (instant), or every server")
    async def sync(
        self, interaction: discord.Interaction, scope: Literal["guild", "global"] = "guild"
    ) -> None:
        await self._require_owner(interaction, "sync commands")
        await interaction.response.defer(ephemeral=True, thinking=True)
        tree = self.bot.tree
        if scope == "global":
            synced = await tree.sync()
            where = "globally"
        else:
            assert interaction.guild is not None  # guild_only
            tree.copy_global_to(guild=interaction.guild)
            synced = await tree.sync(guild=interaction.guild)
            where = "to this server"
        log.info("synced %d commands %s (by %s)", len(synced), where, interaction.user.id)
        await interaction.edit_original_response(content=f"Synced {len(synced)} commands {where}.")


class _Progress:
    """Reload progress, written from the ingest worker thread, read by the event loop."""

    def __init__(self) -> None:
        self.latest: tuple[int, int] | None = None

    def __call__(self, done: int, total: int) -> None:
        self.latest = (done, total)  # one assignment: atomic under the GIL


# -- embeds --------------------------------------------------------------------------------


def reload_report_embed(report: ReloadReport) -> dict[str, Any]:
    """The report of a finished reload; every list cut to fit its field."""
    failed = [f"{f.source}: {f.reason}" for f in report.failed]
    sections = [
        ("Added", report.added),
        ("Updated", report.updated),
        ("Removed", report.removed),
        ("Failed", failed),
    ]
    title = "Corpus reloaded" + (f" — {len(failed)} failed" if failed else "")
    description = (
        f"{report.total} articles serving · {len(report.added)} added · "
        f"{len(report.updated)} updated · {len(report.removed)} removed · "
        f"{len(failed)} failed · {report.unchanged} unchanged · "
        f"took {report.duration_s:.1f} s"
    )
    fields = [
        {"name": f"{name} ({len(items)})", "value": bullet_list(items), "inline": False}
        for name, items in sections
        if items
    ]
    return fit_embed(
        {
            "title": title,
            "description": description,
            "color": WARN_COLOUR if failed else OK_COLOUR,
            "fields": fields,
        }
    )


def reload_failed_embed(error: Exception, serving: int) -> dict[str, Any]:
    reason = truncate(f"{type(error).__name__}: {error}", 1000)
    return {
        "title": "Reload failed",
        "description": f"{reason}\n\nNothing changed: the previous corpus ({serving} articles) "
        "is still serving.",
        "color": ERROR_COLOUR,
    }


def reload_stopped_embed(serving: int) -> dict[str, Any]:
    return {
        "title": "Reload stopped",
        "description": "The bot is shutting down. Nothing changed: the previous corpus "
        f"({serving} articles) is still loaded. Run /admin reload again once it is back.",
        "color": WARN_COLOUR,
    }


def reload_summary(last: tuple[float, ReloadReport] | None) -> str:
    if last is None:
        return "never"
    finished, report = last
    text = (
        f"<t:{int(finished)}:R> · {len(report.added)} added · {len(report.updated)} updated · "
        f"{len(report.removed)} removed · {len(report.failed)} failed · "
        f"{report.duration_s:.1f} s"
    )
    if report.failed:
        text += "\n" + bullet_list(
            [f"{f.source}: {f.reason}" for f in report.failed], FIELD_VALUE_MAX - len(text) - 1
        )
    return text


def bullet_list(items: list[str], limit: int = FIELD_VALUE_MAX) -> str:
    """One item a line, as many as fit in `limit`, then "… and N more"."""
    lines: list[str] = []
    used = 0
    for index, item in enumerate(items):
        line = "• " + escape_markdown(truncate(item.replace("\n", " "), 200))
        rest = len(items) - index - 1
        tail = len(f"\n… and {rest} more") if rest else 0
        if used + len(line) + 1 + tail > limit:
            lines.append(f"… and {len(items) - index} more")
            break
        lines.append(line)
        used += len(line) + 1
    return "\n".join(lines)


async def setup(bot: ArticleBot) -> None:
    await bot.add_cog(Admin(bot))
