"""A fake Discord (REST API v10 + gateway) on 127.0.0.1, for driving the real discord.py client.

What it covers
  REST: /users/@me, /oauth2/applications/@me (owner configurable, so `bot.is_owner` works),
  application commands (global and guild: GET, bulk PUT echoing ids, POST, DELETE), interaction
  callbacks (`?with_response=1`: the `{"interaction", "resource"}` reply discord.py >= 2.5
  reads; it needs `interaction.response_message_id` to store a View for the message), @original
  and followup webhooks, channel messages (send, history newest-first with limit/before/after/
  around, fetch, edit, delete, typing, reactions), GET /channels/{id}, DMs, /gateway and
  /gateway/bot. Anything else is 404 {"message": "Unknown", "code": 0} and kept in
  `unknown_calls`. Every call is recorded (method, path, query, JSON or multipart payload_json).
  Discord's limits (limits.py, from Discord's documentation, never from the bot): a message,
  edit, followup or interaction callback that breaks one is answered 400 {"code": 50035,
  "message": "Invalid Form Body", "errors": {...}} as Discord does, and kept in `rejected`.
  Gateway: HELLO, heartbeat ACKs, IDENTIFY -> READY (+ resume_gateway_url back to this server)
  and one GUILD_CREATE per guild of the shard, RESUME with replay then RESUMED, op 8 member
  chunks, sequence numbers on every dispatch.
  Test controls: dispatch any event, send interactions (slash, autocomplete, component, context
  menus) and await their responses, inject failures, drop connections to force a RESUME, close
  every IDENTIFY with a close code (4004: authentication failed), refuse new gateway
  connections (503) for an outage, 429s with Discord's rate-limit headers and `retry_after`,
  listen on a fixed port (so a test can start Discord after the bot).

Modules: models (dataclasses describing the world), payloads (JSON builders), state (stored
messages and commands), rest (routes), limits (Discord's size limits and its 400 errors),
gateway (websocket sessions), interactions (one interaction's callback/@original/followups),
builders (INTERACTION_CREATE payloads), recording (calls, failure rules, waiting), pointing
(aim discord.py here), fixtures (pytest).

A command the bot never synced is still sent (without data.guild_id, like a global one);
discord.py then logs CommandNotFound at ERROR, which `fail_on_error_logs` turns into a failure.

Pitfalls it handles (see the modules for details)
  - discord.py parses a body as JSON only if Content-Type == "application/json" exactly.
  - Never 5xx unless asked: discord.py retries 500/502/504 with sleeps of 1, 3, 5... seconds.
  - A 429 needs a `Via` header or discord.py raises instead of waiting `retry_after`.
  - Text frames without zlib are fine, although discord.py asks for `compress=zlib-stream`.
  - READY must carry `resume_gateway_url`; discord.py RESUMEs there after a drop.
  - discord.py waits `guild_ready_timeout` (default 2 s) after the last GUILD_CREATE before
    on_ready: build test bots with `guild_ready_timeout=0.1`.
  - Its `before_identify_hook` sleeps 5 s before every IDENTIFY but the first, so a test that
    makes the client re-IDENTIFY (invalid session, a second shard) is slow by design.
  - `AutoShardedBot(shard_count=N)` connects straight to DEFAULT_GATEWAY; only
    `shard_count=None` asks GET /gateway/bot for the URL and shard count.
"""

# Waiting helpers take `timeout=` like asyncio.wait_for, so tests read naturally.
# ruff: noqa: ASYNC109

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from types import TracebackType
from typing import Any, Self

from aiohttp import web

from tests.fake_discord import builders, payloads
from tests.fake_discord.gateway import INVALID_SESSION, RECONNECT, Gateway
from tests.fake_discord.interactions import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    MESSAGE_COMPONENT,
    FakeInteraction,
)
from tests.fake_discord.models import (
    BOT_USER_ID,
    CHANNEL_ID,
    MESSAGE_CONTENT_INTENT,
    OWNER_USER_ID,
    PUBLIC_THREAD,
    TESTER_USER_ID,
    FakeChannel,
    FakeGuild,
    FakeMember,
    FakeUser,
)
from tests.fake_discord.payloads import Json
from tests.fake_discord.recording import FailureRule, RecordedCall, failure_rule
from tests.fake_discord.rest import API_PREFIX, RestApi
from tests.fake_discord.state import World

CHANNEL_ERRORS: Mapping[int, tuple[int, str]] = {
    403: (50001, "Missing Access"),
    404: (10003, "Unknown Channel"),
}
GATEWAY_PATH = "/gateway"
RESUME_GATEWAY_PATH = "/resume-gateway"


class FakeDiscord:
    def __init__(
        self,
        *,
        guilds: Iterable[FakeGuild] | None = None,
        bot_user_id: int = BOT_USER_ID,
        bot_name: str = "articlebot",
        application_id: int | None = None,
        application_owner_id: int = OWNER_USER_ID,
        tester: FakeUser | None = None,
        heartbeat_interval_ms: int = 41_250,
        port: int = 0,
    ) -> None:
        """`port` 0 picks a free one; a fixed port lets a test start the server after the
        bot, as Discord coming back after an outage."""
        chosen = list(guilds) if guilds is not None else [default_guild()]
        self.bot_user = FakeUser(id=bot_user_id, username=bot_name, bot=True)
        self.tester = tester or FakeUser(id=TESTER_USER_ID, username="tester")
        owner = self._known_user([self.tester], chosen, application_owner_id) or FakeUser(
            id=application_owner_id, username="owner"
        )
        self.world = World(
            bot=self.bot_user,
            application_id=application_id or bot_user_id,
            owner=owner,
            tester=self.tester,
            guilds=chosen,
        )
        self.rest = RestApi(self.world, gateway_url=lambda: self.gateway_url)
        self.gateway = Gateway(
            self.world,
            heartbeat_interval_ms=heartbeat_interval_ms,
            resume_url=lambda: self.resume_gateway_url,
        )
        self.interactions: list[FakeInteraction] = []
        self._runner: web.AppRunner | None = None
        self.port = port

    # -- lifecycle -----------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get(GATEWAY_PATH, self.gateway.handle)
        app.router.add_get(RESUME_GATEWAY_PATH, self.gateway.handle)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self.rest.handle)
        self._runner = web.AppRunner(app, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        self.world.base_url = self.base_url

    async def stop(self) -> None:
        if self._runner is None:
            return
        await self.gateway.drop_connections(code=1001)
        await self._runner.cleanup()
        self._runner = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base(self) -> str:
        return self.base_url + API_PREFIX

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}{GATEWAY_PATH}"

    @property
    def resume_gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}{RESUME_GATEWAY_PATH}"

    # -- the configured world ------------------------------------------------------------------

    @property
    def application_id(self) -> int:
        return self.world.application_id

    @property
    def guilds(self) -> list[FakeGuild]:
        return list(self.world.guilds.values())

    @property
    def guild(self) -> FakeGuild:
        """The first guild, for tests with only one."""
        return self.guilds[0]

    @property
    def channel(self) -> FakeChannel:
        """The first guild's first channel."""
        return self.guild.channels[0]

    # -- REST record ---------------------------------------------------------------------------

    @property
    def calls(self) -> list[RecordedCall]:
        return self.rest.calls

    @property
    def unknown_calls(self) -> list[RecordedCall]:
        return self.rest.unknown

    @property
    def errors(self) -> list[str]:
        """Bugs inside the fake itself (answered 400); a passing test leaves this empty."""
        return self.rest.errors

    @property
    def rejected(self) -> list[RecordedCall]:
        """Calls refused 400 for breaking Discord's limits; what real Discord would refuse."""
        return self.rest.rejected

    def calls_to(self, method: str, path: str) -> list[RecordedCall]:
        """Calls whose method matches ("*" for any) and whose path fullmatches the regex."""
        return [c for c in self.calls if c.matches(method, path)]

    async def wait_for_call(
        self, method: str, path: str, *, timeout: float = 15.0, since: int = 0
    ) -> RecordedCall:
        """The first matching call at index >= since (pass `len(server.calls)` for a new one)."""

        def found() -> RecordedCall | None:
            return next((c for c in self.calls[since:] if c.matches(method, path)), None)

        return await self.world.changes.wait_for(
            found, timeout=timeout, describe=lambda: f"no {method} {path}; got {self._summary()}"
        )

    def _summary(self) -> str:
        return ", ".join(f"{c.method} {c.path} -> {c.status}" for c in self.calls[-15:])

    # -- failure injection ---------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        path: str,
        *,
        status: int = 403,
        code: int | None = None,
        message: str | None = None,
        times: int = 1,
        retry_after: float = 0.01,
    ) -> FailureRule:
        """Answer the next `times` matching calls with an error (path is a fullmatch regex);
        a 429 carries `retry_after` in its body and headers, as Discord's do."""
        return self._add_failure(method, path, status, code, message, times, retry_after)

    def fail_always(
        self,
        method: str,
        path: str,
        *,
        status: int = 403,
        code: int | None = None,
        message: str | None = None,
    ) -> FailureRule:
        return self._add_failure(method, path, status, code, message, None)

    def set_channel_status(self, channel_id: int, status: int | None) -> None:
        """Every call under /channels/{id} answers 403 Missing Access / 404 Unknown Channel;
        None restores the channel."""
        path = rf"/channels/{channel_id}(/.*)?"
        self.rest.failures[:] = [f for f in self.rest.failures if f.path != path]
        if status is None:
            return
        code, message = CHANNEL_ERRORS.get(status, (None, None))
        self._add_failure("*", path, status, code, message, None)

    def clear_failures(self) -> None:
        self.rest.failures.clear()

    def _add_failure(
        self,
        method: str,
        path: str,
        status: int,
        code: int | None,
        message: str | None,
        times: int | None,
        retry_after: float = 0.01,
    ) -> FailureRule:
        rule = failure_rule(
            method,
            path,
            status=status,
            code=code,
            message=message,
            times=times,
            retry_after=retry_after,
        )
        self.rest.failures.append(rule)
        return rule

    # -- messages ------------------------------------------------------------------------------

    def messages_in(self, channel_id: int) -> list[Json]:
        """Messages visible in a channel's history, oldest first."""
        return self.world.channel_messages(channel_id)

    def message(self, message_id: int) -> Json:
        return self.world.message(message_id)

    def add_message(self, channel_id: int, body: Json, *, author: FakeUser | None = None) -> Json:
        """Store a message (by the bot unless `author` says otherwise) without any event, e.g.
        one the bot posted before a restart."""
        return self.world.create_message(channel_id, body, author=author)

    async def post_user_message(
        self,
        channel_id: int,
        content: str,
        *,
        author: FakeUser | None = None,
        webhook_id: int | None = None,
        message_id: int | None = None,
    ) -> Json:
        """A user (or a webhook) writes in a channel: stored, then dispatched as
        MESSAGE_CREATE. Users named as <@id> are in `mentions`. As on Discord, a bot that did
        not ask for the privileged Message Content intent gets the text (content, embeds,
        attachments) only of messages that mention it, of DMs, and of its own messages."""
        stored, sent = self._user_message(channel_id, content, author, webhook_id, message_id)
        await self.dispatch("MESSAGE_CREATE", sent)
        return stored

    def _user_message(
        self,
        channel_id: int,
        content: str,
        author: FakeUser | None,
        webhook_id: int | None = None,
        message_id: int | None = None,
    ) -> tuple[Json, Json]:
        """(the stored message, the MESSAGE_CREATE the bot gets)."""
        user = author or self.tester
        extra = {"webhook_id": str(webhook_id)} if webhook_id else None
        message = self.world.create_message(
            channel_id, {"content": content}, author=user, extra=extra, message_id=message_id
        )
        known = self.world.users()
        mentioned = [int(i) for i in re.findall(r"<@!?(\d+)>", content)]
        message["mentions"] = [payloads.user(known[i]) for i in mentioned if i in known]
        guild = self.world.guild_of_channel(channel_id)
        if guild is not None:
            member = self.world.member(guild, user.id) or FakeMember(user=user)
            message["guild_id"] = str(guild.id)
            message["member"] = payloads.member(member, joined_at=self.world.joined_at)
            del message["member"]["user"]
        sent = dict(message)
        if guild is not None and not self._content_visible(user, mentioned):
            sent.update(content="", embeds=[], attachments=[], components=[])
        return message, sent

    def _content_visible(self, author: FakeUser, mentioned: list[int]) -> bool:
        intents = self.identifies[-1].get("intents", 0) if self.identifies else 0
        return (
            bool(intents & MESSAGE_CONTENT_INTENT)
            or self.bot_user.id in mentioned
            or author.id == self.bot_user.id
        )

    async def create_forum_post(
        self, forum_id: int, title: str, content: str = "", *, author: FakeUser | None = None
    ) -> tuple[FakeChannel, Json]:
        """A member opens a post in a forum channel: the thread (THREAD_CREATE, newly
        created) and its starter message (MESSAGE_CREATE), as Discord sends them."""
        user = author or self.tester
        guild = self.world.guild_of_channel(forum_id)
        if guild is None:
            raise ValueError(f"no guild has channel {forum_id}")
        thread = FakeChannel(
            id=self.world.ids.next(),
            name=title,
            type=PUBLIC_THREAD,
            parent_id=forum_id,
            owner_id=user.id,
        )
        guild.channels.append(thread)
        # The first message exists (its id is the thread's) before Discord announces either.
        starter, sent = self._user_message(thread.id, content, user, message_id=thread.id)
        created = {**payloads.channel(thread, guild.id), "newly_created": True}
        await self.dispatch("THREAD_CREATE", created)
        await self.dispatch("MESSAGE_CREATE", sent)
        return thread, starter

    def commands(self, guild_id: int | None = None) -> list[Json]:
        """Application commands as synced by the bot (global when guild_id is None)."""
        return self.world.commands(guild_id)

    # -- gateway -------------------------------------------------------------------------------

    @property
    def identify_count(self) -> int:
        return self.gateway.identify_count

    @property
    def resume_count(self) -> int:
        return self.gateway.resume_count

    @property
    def identifies(self) -> list[Json]:
        """IDENTIFY payloads received (token, intents, shard...)."""
        return self.gateway.identifies

    @property
    def replayed_events(self) -> list[str]:
        """Names of the dispatches re-sent on RESUME because the client had missed them."""
        return [frame["t"] for frame in self.gateway.replayed]

    @property
    def gateway_paths(self) -> list[str]:
        """The websocket path of every connection, in order ("/gateway", "/resume-gateway")."""
        return self.gateway.paths

    async def dispatch(self, event: str, data: Json, *, shard_id: int | None = None) -> int:
        """Send a DISPATCH to every session (only the guild's shard when data has guild_id)."""
        return await self.gateway.dispatch(event, data, shard_id=shard_id)

    async def drop_connections(self, code: int = 4000) -> None:
        """Close every gateway socket (1000 = plain close); discord.py should RESUME."""
        await self.gateway.drop_connections(code)

    def refuse_gateway(self, refusing: bool = True) -> None:
        """While refusing, every new gateway connection is answered 503 (an outage of the
        gateway alone); sockets already open stay up until dropped."""
        self.gateway.refusing = refusing

    @property
    def refused_connections(self) -> int:
        return self.gateway.refused

    def close_on_identify(self, code: int | None) -> None:
        """Answer every IDENTIFY by closing the socket with `code` (4004: authentication
        failed, as Discord does for a revoked token); None restores READY."""
        self.gateway.identify_close_code = code

    async def request_reconnect(self) -> None:
        """Op 7 RECONNECT: the client closes and RESUMEs."""
        await self.gateway.send_op(RECONNECT)

    async def invalidate_sessions(self, *, resumable: bool = False) -> None:
        """Op 9; when not resumable discord.py re-IDENTIFIES (after its 5 s identify sleep)."""
        await self.gateway.send_op(INVALID_SESSION, resumable)

    async def wait_for_sessions(self, count: int = 1, *, timeout: float = 15.0) -> None:
        """Until `count` gateway sessions are connected (READY or RESUMED sent)."""

        def enough() -> bool | None:
            return True if len(self.gateway.live_sessions()) >= count else None

        await self.world.changes.wait_for(
            enough, timeout=timeout, describe=lambda: f"fewer than {count} live gateway sessions"
        )

    # -- interactions --------------------------------------------------------------------------

    async def send_slash(
        self,
        name: str,
        options: Mapping[str, Any] | None = None,
        *,
        resolved: Json | None = None,
        **where: Any,
    ) -> FakeInteraction:
        """A slash command; `name` may be "group sub" or "group subgroup sub". `where`:
        guild_id, channel_id, user, permissions, locale (see `invoker`)."""
        invoker = self.invoker(**where)
        data = builders.chat_input_data(
            self.world, name, options or {}, invoker=invoker, resolved=resolved
        )
        return await self.send_interaction(APPLICATION_COMMAND, data, invoker=invoker)

    async def send_autocomplete(
        self, name: str, options: Mapping[str, Any], focused: str, **where: Any
    ) -> FakeInteraction:
        """Type 4: the option named `focused` is the one being typed."""
        invoker = self.invoker(**where)
        data = builders.chat_input_data(self.world, name, options, invoker=invoker, focused=focused)
        return await self.send_interaction(AUTOCOMPLETE, data, invoker=invoker)

    async def send_component(
        self,
        message_id: int,
        custom_id: str,
        *,
        component_type: int = 2,
        values: list[str] | None = None,
        resolved: Json | None = None,
        **where: Any,
    ) -> FakeInteraction:
        """A click (button: component_type 2) or a select (3, 5-8, with `values`) on a stored
        message; the interaction happens in that message's channel."""
        message = self.world.message(message_id)
        where.setdefault("channel_id", int(message["channel_id"]))
        invoker = self.invoker(**where)
        data = builders.component_data(custom_id, component_type, values, resolved)
        return await self.send_interaction(
            MESSAGE_COMPONENT, data, invoker=invoker, message=message
        )

    async def send_message_command(
        self, name: str, message_id: int, **where: Any
    ) -> FakeInteraction:
        """A message context-menu command (data.type 3) on a stored message."""
        message = self.world.message(message_id)
        where.setdefault("channel_id", int(message["channel_id"]))
        invoker = self.invoker(**where)
        data = builders.message_command_data(self.world, name, message, invoker=invoker)
        return await self.send_interaction(APPLICATION_COMMAND, data, invoker=invoker)

    async def send_user_command(self, name: str, user_id: int, **where: Any) -> FakeInteraction:
        """A user context-menu command (data.type 2) on a known user."""
        invoker = self.invoker(**where)
        data = builders.user_command_data(self.world, name, user_id, invoker=invoker)
        return await self.send_interaction(APPLICATION_COMMAND, data, invoker=invoker)

    async def send_interaction(
        self,
        kind: int,
        data: Json,
        *,
        invoker: builders.Invoker | None = None,
        message: Json | None = None,
    ) -> FakeInteraction:
        """Dispatch INTERACTION_CREATE with any `data`; the builders above fill it for you."""
        if not self.gateway.sessions:
            raise RuntimeError("no gateway session yet: start the bot and wait for on_ready")
        payload = builders.envelope(
            self.world, kind=kind, data=data, invoker=invoker or self.invoker(), message=message
        )
        interaction = FakeInteraction(self.world, payload)
        self.world.interactions[interaction.token] = interaction
        self.interactions.append(interaction)
        await self.dispatch("INTERACTION_CREATE", payload)
        return interaction

    def invoker(
        self,
        *,
        guild_id: int | None = None,
        channel_id: int | None = None,
        user: FakeUser | None = None,
        permissions: int | None = None,
        locale: str = "en-US",
    ) -> builders.Invoker:
        """Who interacts and where: defaults to the tester in the first guild's first channel,
        with that member's configured permissions unless `permissions` is given."""
        return builders.make_invoker(
            self.world,
            guild_id=guild_id,
            channel_id=channel_id,
            user=user or self.tester,
            permissions=permissions,
            locale=locale,
        )

    @staticmethod
    def _known_user(
        users: Iterable[FakeUser], guilds: Iterable[FakeGuild], user_id: int
    ) -> FakeUser | None:
        candidates = [*users, *(m.user for g in guilds for m in g.members)]
        return next((u for u in candidates if u.id == user_id), None)


def default_guild() -> FakeGuild:
    return FakeGuild(channels=[FakeChannel(id=CHANNEL_ID, name="general")])
