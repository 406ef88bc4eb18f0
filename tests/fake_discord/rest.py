"""The REST API under /api/v10: a route table of small handlers over `World`, every call
recorded, failure rules applied first, unknown routes answered 404 {"message": "Unknown"}.

Responses carry `Content-Type: application/json` exactly: discord.py's `json_or_text` compares
the header with `==`, so aiohttp's `json_response` (which appends `; charset=utf-8`) would make
every body arrive as a string. Rate-limit headers come only with an injected 429 (as Discord
sends them); discord.py works without them otherwise.
A bug inside a handler answers 400 (never 5xx, which discord.py retries with sleeps) and is
kept in `errors`.
"""

from __future__ import annotations

import json
import logging
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import BodyPartReader, web

from tests.fake_discord import limits, payloads
from tests.fake_discord.interactions import AUTOCOMPLETE_RESULT, FakeInteraction
from tests.fake_discord.models import (
    FakeApiError,
    invalid_form_body,
    unknown_interaction,
    unknown_webhook,
)
from tests.fake_discord.payloads import Json
from tests.fake_discord.recording import FailureRule, RecordedCall, RecordedFile
from tests.fake_discord.state import World

log = logging.getLogger(__name__)

API_PREFIX = "/api/v10"
TRUE_VALUES = frozenset({"1", "true", "True"})


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: Any = None
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Req:
    call: RecordedCall
    params: dict[str, str]

    def id(self, name: str) -> int:
        return int(self.params[name])

    @property
    def json(self) -> Any:
        return self.call.json if self.call.json is not None else {}

    def flag(self, name: str) -> bool:
        return self.call.query.get(name, "") in TRUE_VALUES


Handler = Callable[[Req], Reply]


def no_content() -> Reply:
    return Reply(204)


class RestApi:
    def __init__(self, world: World, *, gateway_url: Callable[[], str]) -> None:
        self._world = world
        self._gateway_url = gateway_url
        self.calls: list[RecordedCall] = []
        self.unknown: list[RecordedCall] = []
        self.failures: list[FailureRule] = []
        self.errors: list[str] = []
        # Calls refused for breaking Discord's limits (400 Invalid Form Body).
        self.rejected: list[RecordedCall] = []
        self._routes = [(m, _compile(p), h) for m, p, h in self._route_table()]

    async def handle(self, request: web.Request) -> web.Response:
        try:
            call = await _read_call(request)
        except Exception as exc:  # a fake bug must not become a 500 that discord.py retries
            log.exception("fake discord could not read %s %s", request.method, request.path)
            self.errors.append(f"{request.method} {request.path}: {exc!r}")
            return _to_response(Reply(400, {"message": f"fake discord bug: {exc!r}", "code": 0}))
        self.calls.append(call)
        reply = self._reply_to(call)
        call.status, call.response = reply.status, reply.body
        self._world.changes.notify()
        return _to_response(reply)

    def _reply_to(self, call: RecordedCall) -> Reply:
        rule = next((r for r in self.failures if r.applies_to(call)), None)
        if rule is not None:
            rule.consume(call)
            return _failure_reply(rule)
        for method, pattern, handler in self._routes:
            match = pattern.fullmatch(call.path)
            if method == call.method and match:
                return self._run(handler, Req(call, match.groupdict()))
        self.unknown.append(call)
        return Reply(404, {"message": "Unknown", "code": 0})

    def _run(self, handler: Handler, req: Req) -> Reply:
        try:
            return handler(req)
        except FakeApiError as exc:
            return Reply(exc.status, exc.body())
        except Exception as exc:
            log.exception("fake discord failed on %s %s", req.call.method, req.call.path)
            self.errors.append(f"{req.call.method} {req.call.path}: {exc!r}")
            return Reply(400, {"message": f"fake discord bug: {exc!r}", "code": 0})

    def _within_limits(self, req: Req, errors: Json, *, under: str | None = None) -> None:
        """Refuse the call as Discord would when its body breaks a limit."""
        if not errors:
            return
        self.rejected.append(req.call)
        raise invalid_form_body({under: errors} if under else errors)

    def _route_table(self) -> list[tuple[str, str, Handler]]:
        app = "/applications/{app}"
        hook = "/webhooks/{app}/{token}"
        msg = "/channels/{channel}/messages"
        return [
            ("GET", "/users/@me", self._me),
            ("GET", "/users/{user}", self._get_user),
            ("POST", "/users/@me/channels", self._open_dm),
            ("GET", "/oauth2/applications/@me", self._application_info),
            ("GET", "/gateway", self._gateway),
            ("GET", "/gateway/bot", self._gateway_bot),
            ("GET", "/guilds/{guild}", self._get_guild),
            ("GET", "/guilds/{guild}/members/{user}", self._get_member),
            ("GET", f"{app}/commands", self._get_commands),
            ("PUT", f"{app}/commands", self._put_commands),
            ("POST", f"{app}/commands", self._post_command),
            ("DELETE", f"{app}/commands/{{command}}", self._delete_command),
            ("GET", f"{app}/guilds/{{guild}}/commands", self._get_commands),
            ("PUT", f"{app}/guilds/{{guild}}/commands", self._put_commands),
            ("POST", f"{app}/guilds/{{guild}}/commands", self._post_command),
            ("DELETE", f"{app}/guilds/{{guild}}/commands/{{command}}", self._delete_command),
            ("POST", "/interactions/{interaction}/{token}/callback", self._callback),
            ("GET", f"{hook}/messages/@original", self._get_webhook_message),
            ("PATCH", f"{hook}/messages/@original", self._edit_webhook_message),
            ("DELETE", f"{hook}/messages/@original", self._delete_webhook_message),
            ("GET", f"{hook}/messages/{{message}}", self._get_webhook_message),
            ("PATCH", f"{hook}/messages/{{message}}", self._edit_webhook_message),
            ("DELETE", f"{hook}/messages/{{message}}", self._delete_webhook_message),
            ("POST", hook, self._followup),
            ("GET", "/channels/{channel}", self._get_channel),
            ("POST", "/channels/{channel}/typing", self._typing),
            ("GET", msg, self._history),
            ("POST", msg, self._create_message),
            ("GET", f"{msg}/{{message}}", self._get_message),
            ("PATCH", f"{msg}/{{message}}", self._edit_message),
            ("DELETE", f"{msg}/{{message}}", self._delete_message),
            ("PUT", f"{msg}/{{message}}/reactions/{{emoji}}/@me", self._react),
            ("DELETE", f"{msg}/{{message}}/reactions/{{emoji}}/@me", self._react),
        ]

    # -- users, application, gateway -----------------------------------------------------------

    def _me(self, req: Req) -> Reply:
        return Reply(body=payloads.current_user(self._world.bot))

    def _get_user(self, req: Req) -> Reply:
        user = self._world.users().get(req.id("user"))
        if user is None:
            raise FakeApiError(404, 10013, "Unknown User")
        return Reply(body=payloads.user(user))

    def _open_dm(self, req: Req) -> Reply:
        return Reply(body=self._world.open_dm(int(req.json["recipient_id"])))

    def _get_guild(self, req: Req) -> Reply:
        return Reply(body=self._world.guild_create(self._world.guild(req.id("guild"))))

    def _get_member(self, req: Req) -> Reply:
        member = self._world.member(self._world.guild(req.id("guild")), req.id("user"))
        if member is None:
            raise FakeApiError(404, 10007, "Unknown Member")
        return Reply(body=payloads.member(member, joined_at=self._world.joined_at))

    def _application_info(self, req: Req) -> Reply:
        return Reply(
            body=payloads.application_info(
                application_id=self._world.application_id,
                bot=self._world.bot,
                owner=self._world.owner,
                guild_count=len(self._world.guilds),
            )
        )

    def _gateway(self, req: Req) -> Reply:
        return Reply(body={"url": self._gateway_url()})

    def _gateway_bot(self, req: Req) -> Reply:
        limit = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
        return Reply(body={"url": self._gateway_url(), "shards": 1, "session_start_limit": limit})

    # -- application commands ------------------------------------------------------------------

    def _scope(self, req: Req) -> int | None:
        if req.id("app") != self._world.application_id:
            raise FakeApiError(404, 10002, "Unknown Application")
        return self._world.guild(req.id("guild")).id if "guild" in req.params else None

    def _get_commands(self, req: Req) -> Reply:
        return Reply(body=self._world.commands(self._scope(req)))

    def _put_commands(self, req: Req) -> Reply:
        return Reply(body=self._world.put_commands(self._scope(req), req.json or []))

    def _post_command(self, req: Req) -> Reply:
        return Reply(201, self._world.upsert_command(self._scope(req), req.json))

    def _delete_command(self, req: Req) -> Reply:
        self._world.delete_command(self._scope(req), req.id("command"))
        return no_content()

    # -- interactions and their webhooks -------------------------------------------------------

    def _callback(self, req: Req) -> Reply:
        interaction = self._world.interactions.get(req.params["token"])
        if interaction is None or interaction.id != req.id("interaction"):
            raise unknown_interaction()
        data = req.json.get("data") or {}
        if req.json.get("type") == AUTOCOMPLETE_RESULT:
            self._within_limits(req, limits.choices_errors(data), under="data")
        else:
            self._within_limits(req, limits.message_errors(data), under="data")
        reply = interaction.acknowledge(req.json, req.call.files)
        return Reply(body=reply) if req.flag("with_response") else no_content()

    def _token(self, req: Req) -> FakeInteraction:
        interaction = self._world.interactions.get(req.params["token"])
        if interaction is None or req.id("app") != self._world.application_id:
            raise unknown_webhook()
        return interaction

    def _followup(self, req: Req) -> Reply:
        self._within_limits(req, limits.message_errors(req.json))
        message = self._token(req).send_followup(req.json, req.call.files)
        return Reply(body=message) if req.flag("wait") else no_content()

    def _get_webhook_message(self, req: Req) -> Reply:
        return Reply(body=self._token(req).get(_message_id(req)))

    def _edit_webhook_message(self, req: Req) -> Reply:
        self._within_limits(req, limits.message_errors(req.json))
        return Reply(body=self._token(req).edit(_message_id(req), req.json, req.call.files))

    def _delete_webhook_message(self, req: Req) -> Reply:
        self._token(req).delete(_message_id(req))
        return no_content()

    # -- channels and messages -----------------------------------------------------------------

    def _get_channel(self, req: Req) -> Reply:
        return Reply(body=self._world.channel_payload(req.id("channel")))

    def _typing(self, req: Req) -> Reply:
        self._world.channel_payload(req.id("channel"))
        return no_content()

    def _history(self, req: Req) -> Reply:
        query = req.call.query

        def snowflake(name: str) -> int | None:
            return int(query[name]) if query.get(name) else None

        messages = self._world.history(
            req.id("channel"),
            limit=int(query.get("limit", 50)),
            before=snowflake("before"),
            after=snowflake("after"),
            around=snowflake("around"),
        )
        return Reply(body=messages)

    def _create_message(self, req: Req) -> Reply:
        channel_id = req.id("channel")
        self._within_limits(req, limits.message_errors(req.json))
        return Reply(body=self._world.create_message(channel_id, req.json, files=req.call.files))

    def _get_message(self, req: Req) -> Reply:
        return Reply(body=self._world.message(req.id("message"), channel_id=req.id("channel")))

    def _edit_message(self, req: Req) -> Reply:
        message_id = req.id("message")
        self._world.message(message_id, channel_id=req.id("channel"))
        self._within_limits(req, limits.message_errors(req.json))
        return Reply(body=self._world.edit_message(message_id, req.json, files=req.call.files))

    def _delete_message(self, req: Req) -> Reply:
        self._world.message(req.id("message"), channel_id=req.id("channel"))
        self._world.delete_message(req.id("message"))
        return no_content()

    def _react(self, req: Req) -> Reply:
        self._world.message(req.id("message"), channel_id=req.id("channel"))
        return no_content()


def _message_id(req: Req) -> int | None:
    """None for @original, whose route has no {message} group."""
    return req.id("message") if "message" in req.params else None


def _compile(template: str) -> re.Pattern[str]:
    """ "/channels/{channel}" -> named groups; ids are digits, tokens and emoji anything but /."""

    def group(match: re.Match[str]) -> str:
        name = match.group(1)
        body = r"[^/]+" if name in ("token", "emoji") else r"\d+"
        return f"(?P<{name}>{body})"

    return re.compile(re.sub(r"\{(\w+)\}", group, template))


async def _read_call(request: web.Request) -> RecordedCall:
    body: Any = None
    files: tuple[RecordedFile, ...] = ()
    if request.content_type == "application/json":
        raw = await request.text()
        body = json.loads(raw) if raw else None
    elif request.content_type.startswith("multipart/"):
        body, files = await _read_multipart(request)
    return RecordedCall(
        method=request.method,
        path=request.path.removeprefix(API_PREFIX),
        query=dict(request.query),
        json=body,
        files=files,
    )


async def _read_multipart(request: web.Request) -> tuple[Any, tuple[RecordedFile, ...]]:
    body: Any = None
    files: list[RecordedFile] = []
    reader = await request.multipart()
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader):
            continue
        data = await part.read()
        if part.name == "payload_json":
            body = json.loads(data)
        else:
            content_type = part.headers.get("Content-Type", "application/octet-stream")
            name, filename = part.name or "", part.filename or ""
            files.append(RecordedFile(name, filename, content_type, bytes(data)))
    return body, tuple(files)


def _failure_reply(rule: FailureRule) -> Reply:
    body: Json = {"message": rule.message, "code": rule.code}
    if rule.status == 429:
        return _rate_limited(rule.retry_after)
    return Reply(rule.status, body)


def _rate_limited(retry_after: float) -> Reply:
    """A 429 as Discord sends it: the wait in the body and the headers; discord.py only
    honours one that came through Discord's proxy (a Via header)."""
    body = {"message": "You are being rate limited.", "retry_after": retry_after, "global": False}
    headers = (
        ("Via", "1.1 google"),
        ("Retry-After", str(max(1, math.ceil(retry_after)))),
        ("X-RateLimit-Limit", "5"),
        ("X-RateLimit-Remaining", "0"),
        ("X-RateLimit-Reset", f"{time.time() + retry_after:.3f}"),
        ("X-RateLimit-Reset-After", f"{retry_after:.3f}"),
        ("X-RateLimit-Bucket", "fake-bucket"),
        ("X-RateLimit-Scope", "user"),
    )
    return Reply(429, body, headers)


def _to_response(reply: Reply) -> web.Response:
    headers = dict(reply.headers)
    if reply.body is None:
        return web.Response(status=reply.status, headers=headers)
    headers["Content-Type"] = "application/json"
    return web.Response(status=reply.status, body=json.dumps(reply.body).encode(), headers=headers)
