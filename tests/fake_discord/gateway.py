"""The gateway websocket: HELLO, heartbeats, IDENTIFY -> READY + GUILD_CREATE, RESUME with
replay, and dispatches with sequence numbers.

Frames are JSON text. discord.py asks for `compress=zlib-stream` in the URL but only inflates
*binary* frames, so plain text frames are accepted and the query is ignored. A session outlives
its socket: dispatches sent while disconnected are buffered and replayed on RESUME, as Discord
does; RESUME to an unknown session gets op 9 (invalid session, not resumable).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.fake_discord import payloads
from tests.fake_discord.payloads import Json
from tests.fake_discord.state import World

log = logging.getLogger(__name__)

DISPATCH, HEARTBEAT, IDENTIFY, PRESENCE_UPDATE, RESUME, RECONNECT = 0, 1, 2, 3, 6, 7
REQUEST_GUILD_MEMBERS, INVALID_SESSION, HELLO, HEARTBEAT_ACK = 8, 9, 10, 11


@dataclass
class GatewaySession:
    session_id: str
    shard: tuple[int, int]
    token: str
    seq: int = 0
    backlog: list[Json] = field(default_factory=list)
    ws: web.WebSocketResponse | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def connected(self) -> bool:
        return self.ws is not None and not self.ws.closed

    def handles_guild(self, guild_id: int) -> bool:
        shard_id, shard_count = self.shard
        return (guild_id >> 22) % shard_count == shard_id


class Gateway:
    def __init__(
        self, world: World, *, heartbeat_interval_ms: int, resume_url: Callable[[], str]
    ) -> None:
        self._world = world
        self._heartbeat_interval_ms = heartbeat_interval_ms
        self._resume_url = resume_url
        self._sockets: set[web.WebSocketResponse] = set()
        self.sessions: dict[str, GatewaySession] = {}
        self.identify_count = 0
        self.resume_count = 0
        self.identifies: list[Json] = []
        self.received: list[Json] = []
        self.replayed: list[Json] = []
        self.paths: list[str] = []
        self.identify_close_code: int | None = None
        self.refusing = False  # new websocket connections get 503, as in an outage
        self.refused = 0

    # -- connection handling -------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if self.refusing:
            self.refused += 1
            self._world.changes.notify()
            return web.Response(status=503, text="upstream connect error")
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        self.paths.append(request.path)
        self._sockets.add(ws)
        session: GatewaySession | None = None
        try:
            await _send(ws, {"op": HELLO, "d": {"heartbeat_interval": self._heartbeat_interval_ms}})
            async for msg in ws:
                if msg.type is WSMsgType.TEXT:
                    session = await self._on_frame(ws, json.loads(msg.data), session)
        finally:
            self._sockets.discard(ws)
            if session is not None and session.ws is ws:
                session.ws = None
            self._world.changes.notify()
        return ws

    async def _on_frame(
        self, ws: web.WebSocketResponse, frame: Json, session: GatewaySession | None
    ) -> GatewaySession | None:
        op = frame.get("op")
        if op == HEARTBEAT:
            await _send(ws, {"op": HEARTBEAT_ACK})
            return session
        self.received.append(frame)
        if op == IDENTIFY and self.identify_close_code is not None:
            self.identify_count += 1
            self.identifies.append(frame["d"])
            await ws.close(code=self.identify_close_code, message=b"Authentication failed.")
            return session
        if op == IDENTIFY:
            return await self._identify(ws, frame["d"])
        if op == RESUME:
            return await self._resume(ws, frame["d"])
        if op == REQUEST_GUILD_MEMBERS and session is not None:
            await self._send_member_chunks(session, frame["d"])
        return session

    async def _identify(self, ws: web.WebSocketResponse, data: Json) -> GatewaySession:
        self.identify_count += 1
        self.identifies.append(data)
        shard_id, shard_count = data.get("shard") or (0, 1)
        session = GatewaySession(
            session_id=self._world.ids.token("session"),
            shard=(shard_id, shard_count),
            token=data.get("token", ""),
            ws=ws,
        )
        self.sessions[session.session_id] = session
        guilds = self._world.guilds_for_shard(shard_id, shard_count)
        ready = payloads.ready(
            bot=self._world.bot,
            guild_ids=[g.id for g in guilds],
            session_id=session.session_id,
            resume_gateway_url=self._resume_url(),
            shard=session.shard,
            application_id=self._world.application_id,
        )
        await self._dispatch_to(session, "READY", ready)
        for guild in guilds:
            await self._dispatch_to(session, "GUILD_CREATE", self._world.guild_create(guild))
        self._world.changes.notify()
        return session

    async def _resume(self, ws: web.WebSocketResponse, data: Json) -> GatewaySession | None:
        session = self.sessions.get(data.get("session_id", ""))
        if session is None or session.token != data.get("token"):
            await _send(ws, {"op": INVALID_SESSION, "d": False})
            return None
        self.resume_count += 1
        async with session.lock:
            session.ws = ws
            last_seen = data.get("seq") or 0
            for frame in session.backlog:
                if frame["s"] > last_seen:
                    self.replayed.append(frame)
                    await _send(ws, frame)
        await self._dispatch_to(session, "RESUMED", {"_trace": ["fake-discord"]})
        self._world.changes.notify()
        return session

    async def _send_member_chunks(self, session: GatewaySession, data: Json) -> None:
        guild_ids = data["guild_id"] if isinstance(data["guild_id"], list) else [data["guild_id"]]
        wanted = {int(u) for u in data.get("user_ids") or []}
        query = (data.get("query") or "").lower()
        for guild_id in guild_ids:
            guild = self._world.guilds.get(int(guild_id))
            if guild is None:
                continue
            members = [
                payloads.member(m, joined_at=self._world.joined_at)
                for m in self._world.members(guild)
                if (not wanted or m.user.id in wanted) and m.user.username.lower().startswith(query)
            ]
            chunk: Json = {
                "guild_id": str(guild_id),
                "members": members,
                "chunk_index": 0,
                "chunk_count": 1,
                "not_found": [],
            }
            if data.get("nonce"):
                chunk["nonce"] = data["nonce"]
            await self._dispatch_to(session, "GUILD_MEMBERS_CHUNK", chunk)

    # -- what the server's test controls call -------------------------------------------------

    async def dispatch(self, event: str, data: Json, *, shard_id: int | None = None) -> int:
        """Sends to every session (or the guild's shard); returns how many sessions got it."""
        targets = [s for s in self.sessions.values() if _wants(s, data, shard_id)]
        for session in targets:
            await self._dispatch_to(session, event, data)
        return len(targets)

    async def drop_connections(self, code: int = 4000) -> None:
        for ws in list(self._sockets):
            await ws.close(code=code, message=b"fake discord dropped the connection")

    async def send_op(self, op: int, data: Any = None) -> None:
        for ws in list(self._sockets):
            await _send(ws, {"op": op, "d": data})

    def live_sessions(self) -> list[GatewaySession]:
        return [s for s in self.sessions.values() if s.connected]

    async def _dispatch_to(self, session: GatewaySession, event: str, data: Json) -> None:
        async with session.lock:
            session.seq += 1
            frame = {"op": DISPATCH, "t": event, "s": session.seq, "d": data}
            session.backlog.append(frame)
            if session.connected and session.ws is not None:
                try:
                    await _send(session.ws, frame)
                except ConnectionError:
                    log.debug("socket closed while sending %s; kept for RESUME replay", event)


def _wants(session: GatewaySession, data: Json, shard_id: int | None) -> bool:
    if shard_id is not None:
        return session.shard[0] == shard_id
    guild_id = data.get("guild_id") if isinstance(data, dict) else None
    return guild_id is None or session.handles_guild(int(guild_id))


async def _send(ws: web.WebSocketResponse, frame: Json) -> None:
    await ws.send_str(json.dumps(frame))
