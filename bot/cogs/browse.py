"""Browsing without a question: /topics, /topic, /latest (newest first, paged) and /help.

Everything here answers from the in-memory catalog; only opening a card reads SQLite.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import render
from bot.client import UserFacingError
from bot.delivery import deliver
from bot.library import Library
from bot.store import CatalogEntry
from bot.views import (
    DEFAULT_TIMEOUT,
    NO_MENTIONS,
    Opener,
    Page,
    PagedListView,
    embed,
    send_card,
)

if TYPE_CHECKING:
    from bot.client import ArticleBot


class Browse(commands.Cog):
    def __init__(self, bot: ArticleBot) -> None:
        self.bot = bot
        # How long paging buttons stay live; tests shorten it to see the timeout.
        self.view_timeout: float = DEFAULT_TIMEOUT

    @property
    def library(self) -> Library:
        return self.bot.library

    @app_commands.command(
        name="topics", description="Every topic, with how many articles each has."
    )
    async def topics(self, interaction: discord.Interaction) -> None:
        topics = self.library.catalog.topics()
        per_page = render.TOPICS_PER_PAGE
        pages = render.pages_of(len(topics), per_page)

        def page(index: int) -> Page:
            shown = topics[index * per_page : (index + 1) * per_page]
            return Page(
                render.topics_embed(shown, index, pages),
                [(name, name, f"{count} articles") for name, count in shown],
            )

        await self._send_pages(
            interaction, pages, page, self._open_topic, placeholder="Browse a topic…"
        )

    @app_commands.command(name="topic", description="The articles of one topic, newest first.")
    @app_commands.describe(name="Start typing a topic and pick it from the list")
    async def topic(self, interaction: discord.Interaction, name: str) -> None:
        await self._show_topic(interaction, name, ephemeral=False)

    @topic.autocomplete("name")
    async def topic_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [
            app_commands.Choice(name=render.choice_name(t), value=t)
            for t in self.library.catalog.complete_topic(current, 25)
            if len(t) <= render.CHOICE_MAX
        ]

    @app_commands.command(name="latest", description="The newest articles first.")
    async def latest(self, interaction: discord.Interaction) -> None:
        entries = self.library.catalog.entries
        await self._send_entries(interaction, "Latest articles", entries, ephemeral=False)

    @app_commands.command(name="help", description="What this bot can do.")
    async def help(self, interaction: discord.Interaction) -> None:
        shown = embed(render.help_embed(self._command_lines()))
        await deliver(
            interaction,
            lambda: interaction.response.send_message(
                embed=shown, ephemeral=True, allowed_mentions=NO_MENTIONS
            ),
            "the help",
        )

    def _command_lines(self) -> list[tuple[str, str]]:
        """Read from the tree, so the help never drifts from what is registered; a group
        (e.g. /admin) is one line naming its subcommands."""
        lines: list[tuple[str, str]] = []
        for command in self.bot.tree.get_commands(type=discord.AppCommandType.chat_input):
            text = command.description
            if isinstance(command, app_commands.Group):
                subs = [
                    c.qualified_name.removeprefix(f"{command.name} ")
                    for c in command.walk_commands()
                    if not isinstance(c, app_commands.Group)
                ]
                text = f"{text.rstrip('.')}: {', '.join(subs)}."
            lines.append((f"/{command.name}", text))
        for menu in self.bot.tree.get_commands(type=discord.AppCommandType.message):
            lines.append((f"Apps › {menu.name}", "Right-click a message to search on its text."))
        return lines

    # -- shared ----------------------------------------------------------------------------

    async def _show_topic(
        self, interaction: discord.Interaction, name: str, *, ephemeral: bool
    ) -> None:
        entries = self.library.catalog.by_topic(name.strip())
        if not entries:
            suggestions = self.library.catalog.complete_topic(name, 5)
            hint = f" Did you mean: {', '.join(suggestions)}?" if suggestions else ""
            shown = render.truncate(" ".join(name.split()), 100) or "that"
            raise UserFacingError(f"No topic called “{shown}”.{hint} /topics lists them all.")
        canonical = next(
            (t for t in entries[0].topics if t.casefold() == name.strip().casefold()), name
        )
        await self._send_entries(interaction, f"Topic: {canonical}", entries, ephemeral=ephemeral)

    async def _send_entries(
        self,
        interaction: discord.Interaction,
        heading: str,
        entries: list[CatalogEntry],
        *,
        ephemeral: bool,
    ) -> None:
        per_page = render.LIST_PER_PAGE
        pages = render.pages_of(len(entries), per_page)

        def page(index: int) -> Page:
            start = index * per_page
            shown = entries[start : start + per_page]
            return Page(
                render.entry_list_embed(heading, shown, start, index, pages),
                [(e.title, e.id, render.entry_description(e)) for e in shown],
            )

        await self._send_pages(interaction, pages, page, self._open_article, ephemeral=ephemeral)

    async def _send_pages(
        self,
        interaction: discord.Interaction,
        pages: int,
        page: Callable[[int], Page],
        opener: Opener,
        *,
        placeholder: str = "Open an article…",
        ephemeral: bool = False,
    ) -> None:
        view = PagedListView(
            interaction.user.id,
            pages,
            page,
            opener,
            placeholder=placeholder,
            timeout=self.view_timeout,
        )
        view.interaction = interaction
        await deliver(
            interaction,
            lambda: interaction.response.send_message(
                embed=view.embed(), view=view, ephemeral=ephemeral, allowed_mentions=NO_MENTIONS
            ),
            "a list of articles",
        )

    async def _open_article(self, interaction: discord.Interaction, article_id: str) -> None:
        await send_card(interaction, self.library, article_id, ephemeral=True)

    async def _open_topic(self, interaction: discord.Interaction, topic: str) -> None:
        # A topic picked from /topics opens privately, for whoever picked it.
        await self._show_topic(interaction, topic, ephemeral=True)


async def setup(bot: ArticleBot) -> None:
    await bot.add_cog(Browse(bot))
