"""INTERACTION_CREATE payloads: slash commands (with subcommands), autocomplete, components and
context menus, shaped by the commands the bot actually synced.

Option types come from the synced command's schema when there is one (so an integer option
is sent as type 4 even if the test passes a string), else from the Python value. Channel, user
and role options are resolved from the configured world, as Discord does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from tests.fake_discord import payloads
from tests.fake_discord.models import FakeGuild, FakeMember, FakeUser
from tests.fake_discord.payloads import Json
from tests.fake_discord.state import World

SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = (
    3,
    4,
    5,
    6,
    7,
    8,
    9,
    10,
    11,
)
SNOWFLAKE_TYPES = frozenset({USER, CHANNEL, ROLE, MENTIONABLE, ATTACHMENT})
CHAT_INPUT, USER_COMMAND, MESSAGE_COMMAND = 1, 2, 3


@dataclass(frozen=True)
class Invoker:
    """Who invokes, where: the member's `permissions` are what Discord computed for them."""

    guild: FakeGuild
    channel_id: int
    member: FakeMember
    locale: str = "en-US"


def make_invoker(
    world: World,
    *,
    user: FakeUser,
    guild_id: int | None = None,
    channel_id: int | None = None,
    permissions: int | None = None,
    locale: str = "en-US",
) -> Invoker:
    guild = _pick_guild(world, guild_id, channel_id)
    member = world.member(guild, user.id) or FakeMember(user=user)
    if permissions is not None:
        member = replace(member, permissions=permissions)
    return Invoker(
        guild=guild, channel_id=channel_id or guild.channels[0].id, member=member, locale=locale
    )


def _pick_guild(world: World, guild_id: int | None, channel_id: int | None) -> FakeGuild:
    if guild_id is not None:
        return world.guild(guild_id)
    if channel_id is not None:
        found = world.guild_of_channel(channel_id)
        if found is None:
            raise ValueError(f"channel {channel_id} is in no configured guild")
        return found
    return next(iter(world.guilds.values()))


def envelope(
    world: World, *, kind: int, data: Json, invoker: Invoker, message: Json | None = None
) -> Json:
    permissions = invoker.member.permissions
    channel = {**world.channel_payload(invoker.channel_id), "permissions": str(permissions)}
    return payloads.interaction(
        interaction_id=world.ids.next(),
        token=world.ids.token("interaction-token"),
        application_id=world.application_id,
        kind=kind,
        data=data,
        guild=invoker.guild,
        channel_payload=channel,
        member_payload=payloads.member(
            invoker.member, joined_at=world.joined_at, with_permissions=True
        ),
        app_permissions=invoker.guild.bot_permissions,
        locale=invoker.locale,
        message_payload=message,
    )


def chat_input_data(
    world: World,
    name: str,
    values: Mapping[str, Any],
    *,
    invoker: Invoker,
    focused: str | None = None,
    resolved: Json | None = None,
) -> Json:
    """`name` is the qualified name: "ask", "admin reload" or "admin digest channel"."""
    root, *path = name.split()
    command = world.find_command(root, CHAT_INPUT, invoker.guild.id)
    schema = command.get("options", []) if command else []
    options = _options(schema, path, values, focused)
    data = _command_data(world, command, root, CHAT_INPUT)
    data["options"] = options
    found = _merge(_resolve(world, options, invoker), resolved or {})
    if found:
        data["resolved"] = found
    return data


def message_command_data(world: World, name: str, message: Json, *, invoker: Invoker) -> Json:
    command = world.find_command(name, MESSAGE_COMMAND, invoker.guild.id)
    data = _command_data(world, command, name, MESSAGE_COMMAND)
    data["target_id"] = message["id"]
    data["resolved"] = {"messages": {message["id"]: message}}
    return data


def user_command_data(world: World, name: str, user_id: int, *, invoker: Invoker) -> Json:
    command = world.find_command(name, USER_COMMAND, invoker.guild.id)
    data = _command_data(world, command, name, USER_COMMAND)
    data["target_id"] = str(user_id)
    data["resolved"] = _resolve_user(world, user_id, invoker)
    return data


def component_data(
    custom_id: str, component_type: int, values: list[str] | None, resolved: Json | None
) -> Json:
    data: Json = {"custom_id": custom_id, "component_type": component_type}
    if values is not None:
        data["values"] = values
    if resolved:
        data["resolved"] = resolved
    return data


def _command_data(world: World, command: Json | None, name: str, kind: int) -> Json:
    command_id = command["id"] if command else str(world.ids.next())
    data: Json = {"id": command_id, "name": name, "type": kind}
    if command and "guild_id" in command:
        data["guild_id"] = command["guild_id"]
    return data


def _options(
    schema: list[Json], path: list[str], values: Mapping[str, Any], focused: str | None
) -> list[Json]:
    if path:
        name, rest = path[0], path[1:]
        declared = _find(schema, name)
        kind = declared["type"] if declared else (SUB_COMMAND_GROUP if rest else SUB_COMMAND)
        inner = declared.get("options", []) if declared else []
        return [{"name": name, "type": kind, "options": _options(inner, rest, values, focused)}]
    return [_leaf(name, value, _find(schema, name), focused) for name, value in values.items()]


def _leaf(name: str, value: Any, declared: Json | None, focused: str | None) -> Json:
    kind = declared["type"] if declared else _infer_type(value)
    sent = str(value) if kind in SNOWFLAKE_TYPES else value
    option: Json = {"name": name, "type": kind, "value": sent}
    if name == focused:
        option["focused"] = True
    return option


def _infer_type(value: Any) -> int:
    if isinstance(value, bool):
        return BOOLEAN
    if isinstance(value, int):
        return INTEGER
    if isinstance(value, float):
        return NUMBER
    return STRING


def _find(schema: list[Json], name: str) -> Json | None:
    return next((o for o in schema if o.get("name") == name), None)


def _leaves(options: list[Json]) -> list[Json]:
    found: list[Json] = []
    for option in options:
        if option["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP):
            found.extend(_leaves(option.get("options", [])))
        else:
            found.append(option)
    return found


def _resolve(world: World, options: list[Json], invoker: Invoker) -> Json:
    resolved: Json = {}
    for option in _leaves(options):
        if option["type"] == CHANNEL:
            channel = world.channel_payload(int(option["value"]))
            channel["permissions"] = str(invoker.member.permissions)
            resolved.setdefault("channels", {})[option["value"]] = channel
        elif option["type"] in (USER, MENTIONABLE) and int(option["value"]) in world.users():
            resolved = _merge(resolved, _resolve_user(world, int(option["value"]), invoker))
        elif option["type"] == ROLE:
            role = next((r for r in invoker.guild.roles if r.id == int(option["value"])), None)
            if role is not None:
                resolved.setdefault("roles", {})[option["value"]] = payloads.role(role)
    return resolved


def _resolve_user(world: World, user_id: int, invoker: Invoker) -> Json:
    user = world.users()[user_id]
    resolved: Json = {"users": {str(user_id): payloads.user(user)}}
    member = world.member(invoker.guild, user_id)
    if member is not None:
        member_payload = payloads.member(member, joined_at=world.joined_at, with_permissions=True)
        del member_payload["user"]
        resolved["members"] = {str(user_id): member_payload}
    return resolved


def _merge(first: Json, second: Json) -> Json:
    merged = {key: dict(value) for key, value in first.items()}
    for key, value in second.items():
        merged.setdefault(key, {}).update(value)
    return merged
