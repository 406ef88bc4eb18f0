"""The real ArticleBot against the fake Discord: start, wait until ready, stop cleanly.

In a test module (conftest.py registers this module's and tests.fake_discord.fixtures'
fixtures: `fake_discord`, `fail_on_error_logs`, `start_articlebot`, `articlebot` on the seeds):

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
import re
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any, ParamSpec, Self, TypeVar

import pytest
import yaml
from discord.ext import commands

from bot.client import make_bot
from bot.library import Library
from bot.settings import Settings
from tests.fake_discord import FakeDiscord, limits, point_discord_at
from tests.fake_discord.fixtures import ErrorLogCollector, running_bot
from tests.log_waiter import waiting_for_logs

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SAMPLE = ROOT / "tests" / "data" / "corpus_sample"
START_TIMEOUT = 30.0
TEST_TIMEOUT = 60.0

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
        on_ready and the insights purge run then; the commands are synced to the fake's guild
        by then."""
        if self._stack is not None:
            raise RuntimeError("already running")
        stack = AsyncExitStack()
        try:
            stack.enter_context(point_discord_at(self.server.base_url))
            library = await Library.open(self.settings)
            stack.push_async_callback(library.close)
            bot = make_bot(library, self.settings, **self.bot_options)
            with waiting_for_logs("bot.cogs.insights") as logs:
                await stack.enter_async_context(running_bot(bot, timeout=START_TIMEOUT))
                if bot.get_cog("Insights") is not None:
                    # The retention purge runs once at ready: a test starts after it, so a
                    # lock the test holds never makes it wait its busy timeout, nor holds up
                    # the test's own reload behind it on the database's one connection.
                    await logs.wait_for("insights purge ")
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


# Settings that change what the first load writes: a bot started with any of them loads its
# own database instead of a copy of the seeds' one.
_LOAD_SETTINGS = {"corpus_dirs", "semantic", "model_dir"}


@pytest.fixture(scope="session")
def seeds_loaded_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database of the seeds as the bot's first start leaves it, vectors included, made
    once a run: the first load and its encoding are the subject of the ingest, store and
    vector tests, and ~80 Discord tests paid them again at every start."""
    from tests.conftest import built_once

    def build(path: Path) -> None:
        async def load() -> None:
            library = await Library.open(Settings(db_path=path, corpus_dirs=(SEEDS,)))
            await library.close()

        asyncio.run(load())

    return built_once(tmp_path_factory, "seeds-bot", build)


@pytest.fixture
async def start_articlebot(
    fake_discord: FakeDiscord,
    tmp_path: Path,
    fail_on_error_logs: ErrorLogCollector,
    seeds_loaded_once: Path,
) -> AsyncIterator[HarnessFactory]:
    """`await start_articlebot(corpora=..., settings=...)` -> a running BotHarness; every
    harness started is stopped at teardown, inside the ERROR-log check. A bot on the seeds
    alone with a new database starts from a copy of the seeds' loaded database (the restart
    path: nothing changed on disk, nothing to encode)."""
    started: list[BotHarness] = []

    async def start(**kwargs: Any) -> BotHarness:
        kwargs.setdefault("db_path", tmp_path / f"articlebot-{len(started)}.sqlite3")
        on_seeds_alone = (
            tuple(kwargs.get("corpora", (SEEDS,))) == (SEEDS,)
            and not kwargs.get("sample")
            and not _LOAD_SETTINGS & set(kwargs.get("settings") or {})
        )
        if on_seeds_alone and not kwargs["db_path"].exists():
            shutil.copyfile(seeds_loaded_once, kwargs["db_path"])
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


# -- Discord's limits (the fake's own, from Discord's documentation), on what the bot sent ----

Json = dict[str, Any]


def assert_embed_within_limits(embed: Mapping[str, Any]) -> None:
    """One embed, alone in a message, that Discord would accept."""
    errors = limits.message_errors({"embeds": [embed]})
    assert not errors, f"Discord would refuse this embed: {errors}"


def assert_message_within_limits(body: Mapping[str, Any]) -> None:
    """A message body (create, edit, or a callback's `data`) that Discord would accept, and
    that pings nobody."""
    errors = limits.message_errors(body)
    if body.get("choices") is not None:
        errors.update(limits.choices_errors(body))
    assert not errors, f"Discord would refuse this body: {errors}"
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


async def ask_until_the_buttons_time_out(
    harness: BotHarness, server: FakeDiscord, question: str
) -> tuple[Json, int]:
    """/ask `question` with the answer's view timing out in 0.3 s; returns the answer message
    once the timeout's edit of it (a PATCH of the original response) has come, and the
    number of calls recorded before that edit."""
    harness.cog("Ask").view_timeout = 0.3  # type: ignore[attr-defined]
    interaction = await server.send_slash("ask", {"question": question})
    message = await interaction.final_message()
    since = len(server.calls)
    await server.wait_for_call(
        "PATCH", rf"/webhooks/\d+/{re.escape(interaction.token)}/messages/@original", since=since
    )
    return message, since


def write_article(folder: Path, name: str, *, body: str = "", **meta: Any) -> Path:
    """A frontmatter corpus file (the smartable shape: title, excerpt, publishedDateTime,
    webUrl, provider, topics, images, related) for tests that need a particular article."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=10_000)
    path.write_text(f"---\n{front}---\n\n{body}\n", encoding="utf-8")
    return path
