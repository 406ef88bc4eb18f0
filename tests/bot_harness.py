"""The real ArticleBot against the fake Discord: start, wait until ready, stop cleanly.

In a test module (fixtures are imported explicitly; conftest.py is the lead's):

    from tests import bot_harness
    from tests.fake_discord import fixtures as fake_fixtures

    fake_discord = fake_fixtures.fake_discord
    fail_on_error_logs = fake_fixtures.fail_on_error_logs
    start_articlebot = bot_harness.start_articlebot
    articlebot = bot_harness.articlebot  # the seeds, default settings

    async def test_x(start_articlebot, fake_discord):
        harness = await start_articlebot(settings={"owner_ids": frozenset({1})}, sample=True)
        interaction = await fake_discord.send_slash("ask", {"question": "..."})
        await harness.restart()  # same database, new client

Or without fixtures: `async with BotHarness(server, tmp_path / "bot.sqlite3") as harness:`.

Nothing of the bot is mocked: `make_bot` from bot/client.py builds it, `Library.open` fills a
temporary database from the seeds (plus any corpus given), and discord.py talks HTTP and
websocket to the fake. Settings are overridable; the database survives `restart()`.

Also here: checks of recorded payloads against Discord's limits (`assert_recorded_within_
limits`, `assert_nothing_pings`), readers for components, and `write_article` for tests that
need a particular corpus file.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any, ParamSpec, Self, TypeVar
from urllib.parse import urlsplit

import pytest
import yaml
from discord.ext import commands

from bot import render
from bot.client import make_bot
from bot.library import Library
from bot.settings import Settings
from tests.fake_discord import FakeDiscord, point_discord_at
from tests.fake_discord.fixtures import ErrorLogCollector, running_bot

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SAMPLE = ROOT / "tests" / "data" / "corpus_sample"
START_TIMEOUT = 10.0
TEST_TIMEOUT = 20.0

P = ParamSpec("P")
R = TypeVar("R")


class BotHarness:
    """One ArticleBot on one database, startable and stoppable any number of times."""

    def __init__(
        self,
        server: FakeDiscord,
        db_path: Path,
        *,
        corpora: Sequence[Path] = (SEEDS,),
        sample: bool = False,
        settings: Mapping[str, Any] | None = None,
        bot_options: Mapping[str, Any] | None = None,
    ) -> None:
        """`settings` overrides fields of Settings (db_path and Discord URLs are filled in);
        `bot_options` go to the discord.py Bot's constructor."""
        dirs = [*corpora, *([SAMPLE] if sample else [])]
        self.server = server
        self.settings = Settings(
            db_path=db_path,
            corpus_dirs=tuple(dirs),
            api_base=server.api_base,
            gateway_url=server.gateway_url,
            dev_guild_id=server.guild.id,
        )
        if settings:
            self.settings = dataclasses.replace(self.settings, **settings)
        # A short guild_ready_timeout: on_ready otherwise waits 2 s after the last guild.
        self.bot_options: dict[str, Any] = {"guild_ready_timeout": 0.1, **(bot_options or {})}
        self.library: Library | None = None
        self.bot: commands.Bot | None = None
        self._stack: AsyncExitStack | None = None

    async def start(self) -> commands.Bot:
        """Open the library (loading the corpus on a new database), start the bot, wait for
        on_ready; the commands are synced to the fake's guild by then."""
        if self._stack is not None:
            raise RuntimeError("already running")
        stack = AsyncExitStack()
        try:
            stack.enter_context(point_discord_at(self.server.base_url))
            library = await Library.open(self.settings)
            stack.push_async_callback(library.close)
            bot = make_bot(library, self.settings, **self.bot_options)
            await stack.enter_async_context(running_bot(bot, timeout=START_TIMEOUT))
        except BaseException:
            await stack.aclose()
            raise
        self._stack, self.library, self.bot = stack, library, bot
        return bot

    async def stop(self) -> None:
        """Close the bot (gateway, HTTP session), then the database; safe to call twice."""
        stack, self._stack = self._stack, None
        if stack is not None:
            await stack.aclose()
        self.bot = None
        self.library = None

    async def restart(self) -> commands.Bot:
        """Stop and start again on the same database (nothing is reloaded from disk)."""
        await self.stop()
        return await self.start()

    def cog(self, name: str) -> commands.Cog:
        assert self.bot is not None, "the bot is not running"
        found = self.bot.get_cog(name)
        assert found is not None, f"no cog {name!r}; loaded: {sorted(self.bot.cogs)}"
        return found

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()


HarnessFactory = Callable[..., Awaitable[BotHarness]]


@pytest.fixture
async def start_articlebot(
    fake_discord: FakeDiscord, tmp_path: Path, fail_on_error_logs: ErrorLogCollector
) -> AsyncIterator[HarnessFactory]:
    """`await start_articlebot(corpora=..., settings=...)` -> a running BotHarness; every
    harness started is stopped at teardown, inside the ERROR-log check. Import this fixture
    together with `fake_discord` and `fail_on_error_logs` from tests.fake_discord.fixtures."""
    started: list[BotHarness] = []

    async def start(**kwargs: Any) -> BotHarness:
        kwargs.setdefault("db_path", tmp_path / f"articlebot-{len(started)}.sqlite3")
        harness = BotHarness(fake_discord, **kwargs)
        await harness.start()
        started.append(harness)
        return harness

    yield start
    for harness in reversed(started):
        await harness.stop()


@pytest.fixture
async def articlebot(start_articlebot: HarnessFactory) -> BotHarness:
    """The bot on the seeds, running against `fake_discord`."""
    return await start_articlebot()


def time_bound(
    seconds: float = TEST_TIMEOUT,
) -> Callable[[Callable[P, Awaitable[R]]], Callable[P, Awaitable[R]]]:
    """Fail an async test that runs longer than `seconds` instead of hanging the suite."""

    def wrap(test: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
        @functools.wraps(test)
        async def bounded(*args: P.args, **kwargs: P.kwargs) -> R:
            async with asyncio.timeout(seconds):
                return await test(*args, **kwargs)

        return bounded

    return wrap


# -- Discord's limits, checked on what the bot actually sent --------------------------------

Json = dict[str, Any]


def _is_http_url(url: Any) -> bool:
    if not isinstance(url, str) or any(c.isspace() for c in url):
        return False
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def assert_embed_within_limits(embed: Mapping[str, Any]) -> None:
    assert len(embed.get("title") or "") <= render.TITLE_MAX, embed.get("title")
    assert len(embed.get("description") or "") <= render.DESCRIPTION_MAX
    fields = embed.get("fields") or []
    assert len(fields) <= render.FIELDS_MAX
    for field in fields:
        assert 0 < len(field["name"]) <= render.FIELD_NAME_MAX, field
        assert 0 < len(field["value"]) <= render.FIELD_VALUE_MAX, field
    assert len((embed.get("footer") or {}).get("text") or "") <= render.FOOTER_MAX
    assert len((embed.get("author") or {}).get("name") or "") <= render.AUTHOR_MAX
    assert render.embed_length(dict(embed)) <= render.EMBED_TOTAL_MAX
    for url in (
        embed.get("url"),
        (embed.get("image") or {}).get("url"),
        (embed.get("thumbnail") or {}).get("url"),
    ):
        if url is not None:
            assert _is_http_url(url) and len(url) <= render.EMBED_URL_MAX, url


def _assert_component_within_limits(component: Mapping[str, Any]) -> None:
    kind = component.get("type")
    if "custom_id" in component:
        assert 0 < len(component["custom_id"]) <= render.CUSTOM_ID_MAX, component
    if kind == 2:  # button
        assert len(component.get("label") or "") <= render.BUTTON_LABEL_MAX, component
        if component.get("style") == 5:  # link
            url = component.get("url")
            assert _is_http_url(url) and len(url) <= render.BUTTON_URL_MAX, url
    elif kind in (3, 5, 6, 7, 8):  # select menus
        options = component.get("options") or []
        assert len(options) <= render.SELECT_OPTIONS_MAX
        if kind == 3:
            assert options, "a string select needs at least one option"
        for option in options:
            assert 0 < len(option["label"]) <= render.SELECT_LABEL_MAX, option
            assert 0 < len(option["value"]) <= render.CHOICE_MAX, option
            assert len(option.get("description") or "") <= render.SELECT_DESCRIPTION_MAX
        assert len(component.get("placeholder") or "") <= render.PLACEHOLDER_MAX


def assert_message_within_limits(body: Mapping[str, Any]) -> None:
    """A message body (create, edit, or a callback's `data`) that Discord would accept."""
    assert len(body.get("content") or "") <= render.CONTENT_MAX
    embeds = body.get("embeds") or []
    assert len(embeds) <= render.EMBEDS_PER_MESSAGE
    for embed in embeds:
        assert_embed_within_limits(embed)
    assert render.message_length(list(embeds)) <= render.EMBED_TOTAL_MAX
    rows = body.get("components") or []
    assert len(rows) <= 5
    for row in rows:
        children = row.get("components") or []
        assert 0 < len(children) <= 5, row
        for child in children:
            _assert_component_within_limits(child)
    choices = body.get("choices")
    if choices is not None:
        assert len(choices) <= 25
        for choice in choices:
            assert 0 < len(choice["name"]) <= render.CHOICE_MAX, choice
            assert len(str(choice["value"])) <= render.CHOICE_MAX, choice
    if "allowed_mentions" in body:
        # Nothing the bot posts may ping: no parse, no explicit users or roles.
        mentions = body["allowed_mentions"]
        assert mentions.get("parse") == [], mentions
        assert not mentions.get("users") and not mentions.get("roles"), mentions


def assert_within_discord_limits(bodies: Iterable[Any]) -> int:
    """Check every JSON body (callbacks unwrap to their `data`); returns how many were checked."""
    checked = 0
    for body in bodies:
        if not isinstance(body, Mapping):
            continue
        if "type" in body and isinstance(body.get("data"), Mapping):
            body = body["data"]  # an interaction callback
        assert_message_within_limits(body)
        checked += 1
    return checked


def message_bodies(calls: Sequence[Any]) -> list[Json]:
    """The JSON bodies of recorded calls that carry a message (or a callback)."""
    return [c.json for c in calls if c.method in ("POST", "PATCH") and isinstance(c.json, dict)]


def assert_recorded_within_limits(server: FakeDiscord, since: int = 0) -> int:
    """Every message-bearing call the bot made (from call index `since`) fits Discord's limits;
    returns how many bodies were checked."""
    return assert_within_discord_limits(message_bodies(server.calls[since:]))


def assert_nothing_pings(server: FakeDiscord, since: int = 0) -> int:
    """Every posted or edited message body says `allowed_mentions: {parse: []}` explicitly."""
    checked = 0
    for body in message_bodies(server.calls[since:]):
        if "type" in body:  # a callback: only its data is a message (absent for a plain defer)
            body = body.get("data") or {}
        if not any(key in body for key in ("content", "embeds", "components")):
            continue
        assert body.get("allowed_mentions", {}).get("parse") == [], body
        checked += 1
    return checked


# -- reading and clicking what the bot posted -----------------------------------------------


def components_of(message: Mapping[str, Any]) -> list[Json]:
    """Every component of a message (or callback data), action rows flattened."""
    return [child for row in message.get("components") or [] for child in row["components"]]


def button(message: Mapping[str, Any], label: str) -> Json:
    found = [c for c in components_of(message) if c["type"] == 2 and c.get("label") == label]
    labels = [c.get("label") for c in components_of(message)]
    assert found, f"no button {label!r}; components: {labels}"
    return found[0]


def select_menu(message: Mapping[str, Any]) -> Json:
    found = [c for c in components_of(message) if c["type"] == 3]
    assert found, f"no select menu in {message.get('components')}"
    return found[0]


def write_article(folder: Path, name: str, *, body: str = "", **meta: Any) -> Path:
    """A frontmatter corpus file (the smartable shape: title, excerpt, publishedDateTime,
    webUrl, provider, topics, images, related) for tests that need a particular article."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=10_000)
    path.write_text(f"---\n{front}---\n\n{body}\n", encoding="utf-8")
    return path
