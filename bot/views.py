"""Message components: answer paging, paged lists with a select menu, and the article card.

Views only display what the cog gave them and call back into it; they never query the
library themselves, except `send_card`, the one way every command opens an article.
"""

from __future__ import annotations

import logging
import re
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import discord

from bot import render
from bot.client import UserFacingError, send_ephemeral
from bot.delivery import deliver, is_rate_limit
from bot.library import AskOutcome, Library, NotFoundError
from bot.models import Answer

log = logging.getLogger(__name__)

# Under the 15 minutes an interaction token lives, so the timeout edit still works.
DEFAULT_TIMEOUT = 600.0
NO_MENTIONS = discord.AllowedMentions.none()

Opener = Callable[[discord.Interaction, str], Awaitable[None]]
MoreLike = Callable[[discord.Interaction, Answer], Awaitable[None]]
# (question id, answer position) -> (helpful, not helpful) votes so far.
Counts = Callable[[int, int], Awaitable[tuple[int, int]]]

# A vote button's custom id says which question, which of its answers and which way: the
# vote then works from any process that has the database, after a timeout or a restart.
VOTE_TEMPLATE = r"vote:(?P<question>[0-9]+):(?P<position>[0-9]+):(?P<helpful>[01])"
_VOTE = re.compile(VOTE_TEMPLATE)
VOTE_ROW = 1


def embed(data: dict[str, Any]) -> discord.Embed:
    return discord.Embed.from_dict(data)


class OwnedView(discord.ui.View):
    """A view whose paging only its invoker may use, disabled (and re-rendered) on timeout.

    Items listed in `shared` (e.g. a select that opens a card privately) stay usable by anyone.
    """

    def __init__(self, owner_id: int, timeout: float | None = DEFAULT_TIMEOUT) -> None:
        super().__init__(timeout=timeout)
        self.owner_id = owner_id
        self.shared: set[str] = set()
        # Where the view is shown: the interaction whose original response carries it, or a
        # followup message. Set by whoever sends it; needed to disable it on timeout.
        self.interaction: discord.Interaction | None = None
        self.message: discord.Message | None = None

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        custom_id = (interaction.data or {}).get("custom_id")
        if interaction.user.id == self.owner_id or custom_id in self.shared:
            return True
        await interaction.response.send_message(
            "These buttons belong to whoever ran the command; run it yourself to browse.",
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )
        return False

    async def on_timeout(self) -> None:
        await self.before_timeout()
        for item in self.children:
            if (
                isinstance(item, discord.ui.Button | discord.ui.Select)
                and not getattr(item, "url", None)
                and not is_vote(item)
            ):
                item.disabled = True
        try:
            if self.message is not None:
                await self.message.edit(view=self, allowed_mentions=NO_MENTIONS)
            elif self.interaction is not None:
                await self.interaction.edit_original_response(
                    view=self, allowed_mentions=NO_MENTIONS
                )
        except discord.HTTPException as exc:
            # Deleted message or expired token: nothing left to disable.
            log.info("could not disable an expired view: %s", exc)

    async def before_timeout(self) -> None:
        """Bring the view up to date before its last render (votes may have changed)."""

    async def on_error(
        self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any], /
    ) -> None:
        if isinstance(error, UserFacingError):
            await send_ephemeral(interaction, str(error))
            return
        if is_rate_limit(error):  # transient: logged, never shown as an error
            log.warning(
                "component %s: %s (guild_id=%s)", type(item).__name__, error, interaction.guild_id
            )
            return
        log.error(
            "component %s failed (guild_id=%s)",
            type(item).__name__,
            interaction.guild_id,
            exc_info=error,
        )
        await send_ephemeral(
            interaction, "Something went wrong on my side; the error has been logged."
        )


class AnswerView(OwnedView):
    """Previous / next answer, "More like this", a link to the article shown, and the
    Helpful / Not helpful votes on it when the question was kept (`question_id`)."""

    def __init__(
        self,
        owner_id: int,
        outcome: AskOutcome,
        first: Answer,
        more_like: MoreLike,
        timeout: float | None = DEFAULT_TIMEOUT,
        *,
        question_id: int | None = None,
        counts: Counts | None = None,
    ) -> None:
        super().__init__(owner_id, timeout)
        self._outcome = outcome
        self.count = len(outcome.articles)
        self.current = first
        self.index = 0
        self._more_like = more_like
        self.question_id = question_id
        self._counts = counts
        self._votes: list[discord.ui.Button] = []
        self.previous = discord.ui.Button(label="Previous", emoji="◀️", row=0)
        self.next = discord.ui.Button(label="Next match", emoji="▶️", row=0)
        self.more = discord.ui.Button(
            label="More like this", style=discord.ButtonStyle.primary, row=0
        )
        self.previous.callback = self._on_previous
        self.next.callback = self._on_next
        self.more.callback = self._on_more
        # Similar articles come back privately to whoever asks, so anyone may ask.
        self.shared.add(self.more.custom_id)
        self._link: discord.ui.Button | None = None
        if self.count > 1:
            self.add_item(self.previous)
            self.add_item(self.next)
        self.add_item(self.more)
        self._refresh()

    def embed(self) -> discord.Embed:
        return embed(render.paged_answer_embed(self.current, self.index, self.count))

    def _refresh(self, counts: tuple[int, int] = (0, 0)) -> None:
        self.previous.disabled = self.index == 0
        self.next.disabled = self.index >= self.count - 1
        if self._link is not None:
            self.remove_item(self._link)
            self._link = None
        if url := render.button_url(self.current.article.url):
            self._link = discord.ui.Button(label="Read the article", url=url, row=0)
            self.add_item(self._link)
        for old in self._votes:
            self.remove_item(old)
        self._votes = []
        if self.question_id is not None:
            self._votes = vote_buttons(self.question_id, self.index, counts)
            for vote in self._votes:
                # Anyone may vote; the VoteButton dynamic item does the work, from any view.
                vote.callback = _handled_elsewhere
                self.shared.add(vote.custom_id)
                self.add_item(vote)

    async def show_counts(self) -> None:
        """Bring the vote labels of the answer shown up to date."""
        self._refresh(await self._current_counts())

    async def _current_counts(self) -> tuple[int, int]:
        if self.question_id is None or self._counts is None:
            return (0, 0)
        return await self._counts(self.question_id, self.index)

    async def before_timeout(self) -> None:
        try:
            self._refresh(await self._current_counts())
        except Exception:  # the timeout edit still disables the paging
            log.warning("could not read vote counts (question %s)", self.question_id)

    async def _turn(self, interaction: discord.Interaction, step: int) -> None:
        # A card is built the first time someone pages to it: milliseconds, well inside
        # the 3 seconds Discord allows before the response.
        index = max(0, min(self.count - 1, self.index + step))
        self.current = await self._outcome.answer(index)
        self.index = index
        self._refresh(await self._current_counts())
        await deliver(
            interaction,
            lambda: interaction.response.edit_message(
                embed=self.embed(), view=self, allowed_mentions=NO_MENTIONS
            ),
            "a page",
        )

    async def _on_previous(self, interaction: discord.Interaction) -> None:
        await self._turn(interaction, -1)

    async def _on_next(self, interaction: discord.Interaction) -> None:
        await self._turn(interaction, +1)

    async def _on_more(self, interaction: discord.Interaction) -> None:
        await self._more_like(interaction, self.current)


@dataclass(frozen=True, slots=True)
class Page:
    embed: dict[str, Any]
    # (label, value, description) of what the select menu can open from this page.
    options: list[tuple[str, str, str | None]] = field(default_factory=list)


class PagedListView(OwnedView):
    """A list split in pages: previous / next for the invoker, a select that opens an item.

    `page(i)` renders page i on demand, so a long list costs nothing until it is turned to.
    """

    def __init__(
        self,
        owner_id: int,
        page_count: int,
        page: Callable[[int], Page],
        opener: Opener | None = None,
        placeholder: str = "Open an article…",
        timeout: float | None = DEFAULT_TIMEOUT,
    ) -> None:
        super().__init__(owner_id, timeout)
        self.page_count = max(1, page_count)
        self.index = 0
        self._page = page
        self._opener = opener
        self.previous = discord.ui.Button(label="Previous", emoji="◀️", row=1)
        self.next = discord.ui.Button(label="Next", emoji="▶️", row=1)
        self.previous.callback = self._on_previous
        self.next.callback = self._on_next
        self.select = discord.ui.Select(
            placeholder=render.truncate(placeholder, render.PLACEHOLDER_MAX), row=0
        )
        self.select.callback = self._on_select
        # Anyone may open an item (it opens privately for them); only paging is the invoker's.
        self.shared.add(self.select.custom_id)
        if opener is not None:
            self.add_item(self.select)
        if self.page_count > 1:
            self.add_item(self.previous)
            self.add_item(self.next)
        self.current = self._render()

    def _render(self) -> Page:
        page = self._page(self.index)
        self.previous.disabled = self.index == 0
        self.next.disabled = self.index >= self.page_count - 1
        options = [
            discord.SelectOption(
                label=render.option_label(label),
                value=value,
                description=render.truncate(description, render.SELECT_DESCRIPTION_MAX)
                if description
                else None,
            )
            for label, value, description in page.options
            if 0 < len(value) <= render.CHOICE_MAX
        ][: render.SELECT_OPTIONS_MAX]
        self.select.options = options
        if self._opener is not None:
            # A select needs at least one option: drop it from a page with nothing to open.
            if options and self.select not in self.children:
                self.add_item(self.select)
            elif not options and self.select in self.children:
                self.remove_item(self.select)
        return page

    def embed(self) -> discord.Embed:
        return embed(self.current.embed)

    async def _turn(self, interaction: discord.Interaction, step: int) -> None:
        self.index = max(0, min(self.page_count - 1, self.index + step))
        self.current = self._render()
        await deliver(
            interaction,
            lambda: interaction.response.edit_message(
                embed=self.embed(), view=self, allowed_mentions=NO_MENTIONS
            ),
            "a page",
        )

    async def _on_previous(self, interaction: discord.Interaction) -> None:
        await self._turn(interaction, -1)

    async def _on_next(self, interaction: discord.Interaction) -> None:
        await self._turn(interaction, +1)

    async def _on_select(self, interaction: discord.Interaction) -> None:
        if self._opener is not None and self.select.values:
            await self._opener(interaction, self.select.values[0])


# -- votes ----------------------------------------------------------------------------------


class LiveAnswers:
    """One bot's live answer views by message id, so a vote and a page turn at the same
    moment re-render through the same view (never one answer with another's buttons).
    Weak: a view that timed out and was dropped leaves by itself."""

    def __init__(self) -> None:
        self._views: weakref.WeakValueDictionary[int, AnswerView] = weakref.WeakValueDictionary()

    def add(self, message_id: int, view: AnswerView) -> None:
        self._views[message_id] = view

    def get(self, message_id: int, question_id: int) -> AnswerView | None:
        """The live view showing `question_id`'s answers on that message, if there is one."""
        view = self._views.get(message_id)
        if view is None or view.is_finished() or view.question_id != question_id:
            return None
        return view


def vote_id(question_id: int, position: int, helpful: bool) -> str:
    return f"vote:{question_id}:{position}:{int(helpful)}"


def vote_label(helpful: bool, count: int) -> str:
    return f"{'Helpful' if helpful else 'Not helpful'} ({count})"


def vote_buttons(
    question_id: int, position: int, counts: tuple[int, int]
) -> list[discord.ui.Button]:
    """ "Helpful (n)" and "Not helpful (n)" for one answer, on their own row."""
    return [
        discord.ui.Button(
            label=vote_label(helpful, count),
            emoji="👍" if helpful else "👎",
            style=discord.ButtonStyle.secondary,
            custom_id=vote_id(question_id, position, helpful),
            row=VOTE_ROW,
        )
        for helpful, count in ((True, counts[0]), (False, counts[1]))
    ]


def is_vote(item: discord.ui.Item[Any]) -> bool:
    custom_id = getattr(item, "custom_id", None)
    return isinstance(custom_id, str) and _VOTE.fullmatch(custom_id) is not None


async def _handled_elsewhere(interaction: discord.Interaction) -> None:
    """A vote button inside a live view: VoteButton answers the click, not the view."""


def answer_card_view(
    answer: Answer, question_id: int | None, counts: tuple[int, int] = (0, 0)
) -> discord.ui.View:
    """The components of an answer posted as a plain message (a mention, a forum post): a
    link to the article and the votes. Stopped before sending, so discord.py keeps no state
    for it: every click is a VoteButton's."""
    view = discord.ui.View(timeout=None)
    if url := render.button_url(answer.article.url):
        view.add_item(discord.ui.Button(label="Read the article", url=url, row=0))
    if question_id is not None:
        for vote in vote_buttons(question_id, 0, counts):
            view.add_item(vote)
    view.stop()
    return view


def with_counts(
    message: discord.Message, question_id: int, position: int, counts: tuple[int, int]
) -> discord.ui.View:
    """The message's own components with one answer's vote labels brought up to date.

    Built from the message, not from a view in memory: it works the same after the
    buttons' timeout and after a restart. Stopped, so discord.py stores nothing for it.
    """
    view = discord.ui.View.from_message(message, timeout=None)
    for item in view.children:
        if isinstance(item, discord.ui.Button) and is_vote(item):
            match = _VOTE.fullmatch(item.custom_id or "")
            assert match is not None
            if (int(match["question"]), int(match["position"])) == (question_id, position):
                helpful = match["helpful"] == "1"
                item.label = vote_label(helpful, counts[0] if helpful else counts[1])
    view.stop()
    return view


class VoteHandler:
    """What a VoteButton calls: the Insights cog."""

    async def vote(
        self, interaction: discord.Interaction, question_id: int, position: int, helpful: bool
    ) -> None:
        raise NotImplementedError


class VoteButton(discord.ui.DynamicItem[discord.ui.Button], template=VOTE_TEMPLATE):
    """Every vote click, whatever view (or none) shows the button; registered at start."""

    def __init__(self, question_id: int, position: int, helpful: bool) -> None:
        super().__init__(
            discord.ui.Button(
                label=vote_label(helpful, 0), custom_id=vote_id(question_id, position, helpful)
            )
        )
        self.question_id = question_id
        self.position = position
        self.helpful = helpful

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Button,
        match: re.Match[str],
        /,
    ) -> VoteButton:
        return cls(int(match["question"]), int(match["position"]), match["helpful"] == "1")

    async def callback(self, interaction: discord.Interaction) -> None:
        handler = interaction.client.get_cog("Insights")  # type: ignore[attr-defined]
        if not isinstance(handler, VoteHandler):
            await send_ephemeral(interaction, "Votes are not being counted right now.")
            return
        await handler.vote(interaction, self.question_id, self.position, self.helpful)


def link_view(url: str | None) -> discord.ui.View | None:
    """A single "Read the article" link button, or None when the URL is not usable."""
    if not (safe := render.button_url(url)):
        return None
    view = discord.ui.View(timeout=None)
    view.add_item(discord.ui.Button(label="Read the article", url=safe))
    return view


async def send_card(
    interaction: discord.Interaction, library: Library, article_id: str, *, ephemeral: bool
) -> None:
    """Answer `interaction` with an article's full card (deferring first: it reads SQLite)."""
    if not interaction.response.is_done():
        await deliver(
            interaction,
            lambda: interaction.response.defer(ephemeral=ephemeral, thinking=True),
            "a defer",
        )
    try:
        answer = await library.answer_for(article_id)
    except NotFoundError:
        raise UserFacingError(
            "That article is no longer in the library (it was removed by a reload). "
            "Try /search for it."
        ) from None
    kwargs: dict[str, Any] = {"embed": embed(render.answer_embed(answer))}
    if view := link_view(answer.article.url):
        kwargs["view"] = view
    await deliver(
        interaction,
        lambda: interaction.followup.send(
            **kwargs, ephemeral=ephemeral, allowed_mentions=NO_MENTIONS
        ),
        "an article card",
    )
