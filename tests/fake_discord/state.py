"""The fake's memory: the configured world, stored messages and synced application commands.

Pure bookkeeping without HTTP or websockets, so `rest.py`, `gateway.py` and `interactions.py`
share one truth. Messages are kept by id and, per channel, in creation order; ephemeral
interaction messages are stored but never appear in channel history, as on Discord.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from tests.fake_discord import payloads
from tests.fake_discord.models import (
    FakeApiError,
    FakeChannel,
    FakeGuild,
    FakeMember,
    FakeRole,
    FakeUser,
    unknown_channel,
    unknown_message,
)
from tests.fake_discord.payloads import Json
from tests.fake_discord.recording import Changes, RecordedFile

if TYPE_CHECKING:
    from tests.fake_discord.interactions import FakeInteraction

MAX_HISTORY_LIMIT = 100


class World:
    def __init__(
        self,
        *,
        bot: FakeUser,
        application_id: int,
        owner: FakeUser,
        tester: FakeUser,
        guilds: Iterable[FakeGuild],
    ) -> None:
        self.ids = payloads.Snowflakes()
        self.changes = Changes()
        self.bot = bot
        self.application_id = application_id
        self.owner = owner
        self.tester = tester
        self.guilds: dict[int, FakeGuild] = {g.id: g for g in guilds}
        self.base_url = ""
        self.joined_at = payloads.now_iso()
        self._bot_role_ids = {g: self.ids.next() for g in self.guilds}
        self._dm_recipients: dict[int, FakeUser] = {}
        self._messages: dict[int, Json] = {}
        self._channel_order: dict[int, list[int]] = {}
        self._commands: dict[int | None, dict[tuple[str, int], Json]] = {}
        self.interactions: dict[str, FakeInteraction] = {}

    # -- guilds, channels, users -------------------------------------------------------------

    def guild(self, guild_id: int) -> FakeGuild:
        try:
            return self.guilds[guild_id]
        except KeyError:
            raise FakeApiError(404, 10004, "Unknown Guild") from None

    def guild_of_channel(self, channel_id: int) -> FakeGuild | None:
        return next((g for g in self.guilds.values() if g.channel(channel_id)), None)

    def channel_payload(self, channel_id: int) -> Json:
        if channel_id in self._dm_recipients:
            return payloads.dm_channel(channel_id, self._dm_recipients[channel_id])
        guild = self.guild_of_channel(channel_id)
        found = guild.channel(channel_id) if guild else None
        if guild is None or found is None:
            raise unknown_channel()
        return payloads.channel(found, guild.id)

    def find_channel(self, channel_id: int) -> FakeChannel:
        guild = self.guild_of_channel(channel_id)
        found = guild.channel(channel_id) if guild else None
        if found is None:
            raise unknown_channel()
        return found

    def bot_role(self, guild: FakeGuild) -> FakeRole:
        return FakeRole(
            id=self._bot_role_ids[guild.id],
            name=self.bot.username,
            permissions=guild.bot_permissions,
            managed=True,
        )

    def members(self, guild: FakeGuild) -> list[FakeMember]:
        bot_member = FakeMember(
            user=self.bot, roles=[self.bot_role(guild).id], permissions=guild.bot_permissions
        )
        return [bot_member, *guild.members]

    def member(self, guild: FakeGuild, user_id: int) -> FakeMember | None:
        return next((m for m in self.members(guild) if m.user.id == user_id), None)

    def guild_create(self, guild: FakeGuild) -> Json:
        return payloads.guild_create(
            guild,
            members=self.members(guild),
            bot_role=self.bot_role(guild),
            joined_at=self.joined_at,
        )

    def guilds_for_shard(self, shard_id: int, shard_count: int) -> list[FakeGuild]:
        return [g for g in self.guilds.values() if (g.id >> 22) % shard_count == shard_id]

    def users(self) -> dict[int, FakeUser]:
        known = {u.id: u for u in (self.bot, self.owner, self.tester)}
        for guild in self.guilds.values():
            known.update({m.user.id: m.user for m in guild.members})
        return known

    def open_dm(self, user_id: int) -> Json:
        recipient = self.users().get(user_id)
        if recipient is None:
            raise FakeApiError(404, 10013, "Unknown User")
        existing = next((c for c, u in self._dm_recipients.items() if u.id == user_id), None)
        channel_id = existing or self.ids.next()
        self._dm_recipients[channel_id] = recipient
        return payloads.dm_channel(channel_id, recipient)

    # -- messages ------------------------------------------------------------------------------

    def create_message(
        self,
        channel_id: int,
        body: Mapping[str, Any],
        *,
        files: Iterable[RecordedFile] = (),
        author: FakeUser | None = None,
        kind: int = 0,
        extra: Mapping[str, Any] | None = None,
        in_history: bool = True,
        message_id: int | None = None,
    ) -> Json:
        """`message_id` is for a forum post's first message, whose id is the thread's."""
        self.channel_payload(channel_id)  # 404 for unknown channels
        message_id = message_id or self.ids.next()
        message = payloads.message(
            message_id=message_id,
            channel_id=channel_id,
            author=author or self.bot,
            body=body,
            kind=kind,
            extra=extra,
        )
        message["attachments"] = self._attachments(body, files, existing=[])
        self._messages[message_id] = message
        if in_history:
            self._channel_order.setdefault(channel_id, []).append(message_id)
        self.changes.notify()
        return copy.deepcopy(message)

    def edit_message(
        self, message_id: int, body: Mapping[str, Any], *, files: Iterable[RecordedFile] = ()
    ) -> Json:
        message = self._stored(message_id)
        payloads.apply_message_body(message, body, edited=True)
        if "attachments" in body or files:
            message["attachments"] = self._attachments(body, files, existing=message["attachments"])
        self.changes.notify()
        return copy.deepcopy(message)

    def delete_message(self, message_id: int) -> None:
        message = self._messages.pop(message_id, None)
        if message is None:
            raise unknown_message()
        order = self._channel_order.get(int(message["channel_id"]), [])
        if message_id in order:
            order.remove(message_id)
        self.changes.notify()

    def message(self, message_id: int, *, channel_id: int | None = None) -> Json:
        message = self._stored(message_id)
        if channel_id is not None and int(message["channel_id"]) != channel_id:
            raise unknown_message()
        return copy.deepcopy(message)

    def has_message(self, message_id: int) -> bool:
        return message_id in self._messages

    def channel_messages(self, channel_id: int) -> list[Json]:
        """Messages visible in the channel, oldest first."""
        return [copy.deepcopy(self._messages[i]) for i in self._channel_order.get(channel_id, [])]

    def history(
        self,
        channel_id: int,
        *,
        limit: int = 50,
        before: int | None = None,
        after: int | None = None,
        around: int | None = None,
    ) -> list[Json]:
        """GET /channels/{id}/messages: always newest first, like Discord, even with `after`."""
        self.channel_payload(channel_id)
        ids = self._channel_order.get(channel_id, [])
        limit = max(1, min(limit, MAX_HISTORY_LIMIT))
        if around is not None:
            older = [i for i in ids if i <= around][-(limit // 2 + limit % 2) :]
            newer = [i for i in ids if i > around][: limit // 2]
            chosen = older + newer
        elif after is not None:
            chosen = [i for i in ids if i > after][:limit]
        else:
            chosen = [i for i in ids if before is None or i < before][-limit:]
        return [copy.deepcopy(self._messages[i]) for i in reversed(chosen)]

    def _stored(self, message_id: int) -> Json:
        try:
            return self._messages[message_id]
        except KeyError:
            raise unknown_message() from None

    def _attachments(
        self, body: Mapping[str, Any], files: Iterable[RecordedFile], *, existing: list[Json]
    ) -> list[Json]:
        kept_ids = {str(a.get("id")) for a in body.get("attachments") or []}
        kept = [a for a in existing if a["id"] in kept_ids]
        uploaded = [
            payloads.attachment(
                attachment_id=self.ids.next(),
                filename=f.filename,
                size=len(f.data),
                content_type=f.content_type,
                base_url=self.base_url,
            )
            for f in files
        ]
        return kept + uploaded

    # -- application commands -----------------------------------------------------------------

    def put_commands(self, guild_id: int | None, bodies: Iterable[Mapping[str, Any]]) -> list[Json]:
        """Bulk overwrite; a command keeps its id when re-synced with the same name and type."""
        previous = self._commands.get(guild_id, {})
        replaced: dict[tuple[str, int], Json] = {}
        for body in bodies:
            key = (body["name"], body.get("type", 1))
            old_id = int(previous[key]["id"]) if key in previous else self.ids.next()
            replaced[key] = self._command_echo(body, old_id, guild_id)
        self._commands[guild_id] = replaced
        self.changes.notify()
        return copy.deepcopy(list(replaced.values()))

    def upsert_command(self, guild_id: int | None, body: Mapping[str, Any]) -> Json:
        commands = self._commands.setdefault(guild_id, {})
        key = (body["name"], body.get("type", 1))
        command_id = int(commands[key]["id"]) if key in commands else self.ids.next()
        commands[key] = self._command_echo(body, command_id, guild_id)
        self.changes.notify()
        return copy.deepcopy(commands[key])

    def delete_command(self, guild_id: int | None, command_id: int) -> None:
        commands = self._commands.get(guild_id, {})
        key = next((k for k, c in commands.items() if int(c["id"]) == command_id), None)
        if key is None:
            raise FakeApiError(404, 10063, "Unknown application command")
        del commands[key]
        self.changes.notify()

    def commands(self, guild_id: int | None) -> list[Json]:
        return copy.deepcopy(list(self._commands.get(guild_id, {}).values()))

    def find_command(self, name: str, kind: int, guild_id: int | None) -> Json | None:
        """The command Discord would run: the guild's own first, then the global one."""
        for scope in (guild_id, None):
            found = self._commands.get(scope, {}).get((name, kind))
            if found is not None:
                return copy.deepcopy(found)
        return None

    def _command_echo(self, body: Mapping[str, Any], command_id: int, guild_id: int | None) -> Json:
        return payloads.command(
            body, command_id=command_id, application_id=self.application_id, guild_id=guild_id
        )
