"""Asking and finding: /ask, /search, /article and the "Find related articles" message menu.

Thin on purpose: every answer comes from the Library, every payload from `render`.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import render
from bot.client import UserFacingError
from bot.delivery import deliver
from bot.library import Library
from bot.models import Answer, SearchResult
from bot.text import normalize
from bot.views import (
    DEFAULT_TIMEOUT,
    NO_MENTIONS,
    AnswerView,
    Page,
    PagedListView,
    embed,
    send_card,
)

if TYPE_CHECKING:
    from bot.client import ArticleBot
    from bot.cogs.insights import Insights

log = logging.getLogger(__name__)

SEARCH_RESULTS = 10
ASK_ANSWERS = 5
SIMILAR = 5
TOPICS_OFFERED = 5
QUESTION_MAX = 300  # Discord enforces it in the client; the core cuts longer text anyway
EXAMPLE = "What do dopamine neurons encode?"
# Mentions, channel links and custom emoji: markup, not words to look for ("<@1>" would
# search for "1", "@everyone" for "everyone").
DISCORD_MARKUP = re.compile(r"<(?:@[!&]?|#)\d+>|<a?:\w+:\d+>|@(?:everyone|here)\b")


def searchable(text: str) -> str:
    """The words of a question, without Discord's markup."""
    return " ".join(DISCORD_MARKUP.sub(" ", text).split())


class Ask(commands.Cog):
    def __init__(self, bot: ArticleBot) -> None:
        self.bot = bot
        # How long buttons stay live; tests shorten it to see the timeout.
        self.view_timeout: float = DEFAULT_TIMEOUT
        # Context menus cannot be cog methods' decorators; register it by hand.
        self.related_menu = app_commands.ContextMenu(
            name="Find related articles", callback=self.find_related
        )

    @property
    def library(self) -> Library:
        return self.bot.library

    @property
    def insights(self) -> Insights | None:
        """Where questions are kept and votes counted (None if that cog is not loaded)."""
        # Not isinstance: load_extension imports the cog's module afresh, a class of its own.
        return self.bot.get_cog("Insights")  # type: ignore[return-value]

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.related_menu)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.related_menu.name, type=self.related_menu.type)

    # -- /ask ------------------------------------------------------------------------------

    @app_commands.command(name="ask", description="Ask a question; get the best answer.")
    @app_commands.describe(question="What you want to know, in your own words")
    async def ask(
        self,
        interaction: discord.Interaction,
        question: app_commands.Range[str, 1, QUESTION_MAX],
    ) -> None:
        question = searchable(question)
        if not question:
            raise UserFacingError(f"Ask me something, e.g. “{EXAMPLE}”.")
        # Searching awaits SQLite: acknowledge within Discord's 3 seconds first.
        await deliver(interaction, lambda: interaction.response.defer(thinking=True), "a defer")
        outcome = await self.library.ask(question, limit=ASK_ANSWERS)
        insights = self.insights
        question_id = None
        if insights is not None:
            question_id = await insights.record(interaction.guild_id, "ask", question, outcome)
        if not outcome.answered:
            nothing = self._nothing_found(outcome.result)
            await deliver(
                interaction,
                lambda: interaction.edit_original_response(
                    embed=nothing, allowed_mentions=NO_MENTIONS
                ),
                "a nothing-found answer",
            )
            return
        view = AnswerView(
            interaction.user.id,
            outcome,
            await outcome.answer(0),
            self._send_similar,
            timeout=self.view_timeout,
            question_id=question_id,
            counts=insights.store.counts if insights is not None else None,
        )
        view.interaction = interaction
        shown = await deliver(
            interaction,
            lambda: interaction.edit_original_response(
                embed=view.embed(), view=view, allowed_mentions=NO_MENTIONS
            ),
            "an answer",
        )
        if insights is not None:
            insights.live_answers.add(shown.id, view)

    async def _send_similar(self, interaction: discord.Interaction, answer: Answer) -> None:
        """ "More like this": similar articles, privately, with a menu to open one."""
        await deliver(
            interaction,
            lambda: interaction.response.defer(ephemeral=True, thinking=True),
            "a defer",
        )
        entries = await self.library.more_like(answer.article.id, limit=SIMILAR)
        page = Page(
            render.similar_embed(answer.article.title, entries),
            [(e.title, e.id, render.entry_description(e)) for e in entries],
        )
        await self._send_list(interaction, page, ephemeral=True)

    def _nothing_found(self, result: SearchResult) -> discord.Embed:
        topics = [] if result.nearest else [t for t, _ in self.library.catalog.topics()]
        return embed(
            render.nothing_found_embed(result.query, result.nearest, topics[:TOPICS_OFFERED])
        )

    # -- /search and the message menu --------------------------------------------------------

    @app_commands.command(name="search", description="List the articles that match your words.")
    @app_commands.describe(query="Words to look for")
    async def search(
        self,
        interaction: discord.Interaction,
        query: app_commands.Range[str, 1, QUESTION_MAX],
    ) -> None:
        query = searchable(query)
        if not query:
            raise UserFacingError("Give me a few words to look for.")
        await deliver(interaction, lambda: interaction.response.defer(thinking=True), "a defer")
        await self._show_results(interaction, await self.library.search(query, SEARCH_RESULTS))

    async def find_related(
        self, interaction: discord.Interaction, message: discord.Message
    ) -> None:
        # Embeds count too: a bot's message often has its text only there.
        parts = [
            message.content,
            *(f"{e.title or ''} {e.description or ''}" for e in message.embeds),
        ]
        text = searchable(" ".join(parts))
        if not text:
            raise UserFacingError("That message has no text I can search on.")
        # Private: the member asked about someone else's message, the channel did not.
        await deliver(
            interaction,
            lambda: interaction.response.defer(ephemeral=True, thinking=True),
            "a defer",
        )
        result = await self.library.search(text, SEARCH_RESULTS)
        await self._show_results(interaction, result, ephemeral=True)

    async def _show_results(
        self, interaction: discord.Interaction, result: SearchResult, ephemeral: bool = False
    ) -> None:
        if not result.hits:
            nothing = self._nothing_found(result)
            await deliver(
                interaction,
                lambda: interaction.followup.send(
                    embed=nothing, ephemeral=ephemeral, allowed_mentions=NO_MENTIONS
                ),
                "a nothing-found answer",
            )
            return
        catalog = self.library.catalog
        options = []
        for hit in result.hits:
            entry = catalog.get(hit.article_id)
            options.append(
                (hit.title, hit.article_id, render.entry_description(entry) if entry else None)
            )
        page = Page(render.search_results_embed(result.query, result.hits), options)
        await self._send_list(interaction, page, ephemeral=ephemeral)

    async def _send_list(
        self, interaction: discord.Interaction, page: Page, *, ephemeral: bool
    ) -> None:
        """A one-page list of articles as a follow-up, with a menu that opens one privately."""
        view = PagedListView(
            interaction.user.id, 1, lambda _: page, self._open_private, timeout=self.view_timeout
        )
        view.message = await deliver(
            interaction,
            lambda: interaction.followup.send(
                embed=view.embed(),
                view=view,
                ephemeral=ephemeral,
                allowed_mentions=NO_MENTIONS,
                wait=True,
            ),
            "a list of articles",
        )

    async def _open_private(self, interaction: discord.Interaction, article_id: str) -> None:
        await send_card(interaction, self.library, article_id, ephemeral=True)

    # -- /article --------------------------------------------------------------------------

    @app_commands.command(name="article", description="Show one article's full card.")
    @app_commands.describe(title="Start typing a title and pick it from the list")
    async def article(self, interaction: discord.Interaction, title: str) -> None:
        catalog = self.library.catalog
        if catalog.get(title) is not None:  # picked from autocomplete: the value is the id
            await send_card(interaction, self.library, title, ephemeral=False)
            return
        # Typed without picking: a title search, answered from memory.
        matches = catalog.complete_title(title, render.SELECT_OPTIONS_MAX)
        if not matches:
            shown = render.truncate(" ".join(title.split()), 100) or "that"
            raise UserFacingError(f"No article title matches “{shown}”. Try /search {shown}.")
        exact = [m for m in matches if normalize(m.title) == normalize(title.strip())]
        if exact or len(matches) == 1:
            await send_card(interaction, self.library, (exact or matches)[0].id, ephemeral=False)
            return
        page = Page(
            render.entry_list_embed(f"Titles matching “{title.strip()}”", matches, 0, 0, 1),
            [(e.title, e.id, render.entry_description(e)) for e in matches],
        )
        view = PagedListView(
            interaction.user.id, 1, lambda _: page, self._open_private, timeout=self.view_timeout
        )
        view.interaction = interaction
        await deliver(
            interaction,
            lambda: interaction.response.send_message(
                embed=view.embed(), view=view, ephemeral=True, allowed_mentions=NO_MENTIONS
            ),
            "a list of titles",
        )

    @article.autocomplete("title")
    async def article_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        # From memory on every keystroke: no await, no SQL.
        return [
            app_commands.Choice(name=render.choice_name(e.title), value=e.id)
            for e in self.library.catalog.complete_title(current, 25)
            if len(e.id) <= render.CHOICE_MAX
        ]


async def setup(bot: ArticleBot) -> None:
    await bot.add_cog(Ask(bot))
