"""JSON builders: the shapes Discord's API v10 sends, filled from the models in `models.py`.

Only the fields discord.py 2.x reads (plus the required ones it indexes without `.get`) are
guaranteed; everything is a plain dict so tests can compare against it.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from tests.fake_discord.models import (
    DM,
    GUILD_FORUM,
    THREAD_TYPES,
    FakeChannel,
    FakeGuild,
    FakeMember,
    FakeRole,
    FakeUser,
)

Json = dict[str, Any]

DISCORD_EPOCH_MS = 1_420_070_400_000
# GATEWAY_GUILD_MEMBERS_LIMITED | GATEWAY_MESSAGE_CONTENT_LIMITED: an unverified bot that may
# use both privileged intents.
APPLICATION_FLAGS = (1 << 15) | (1 << 19)
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024

# Message fields a create or edit body may set, with the value Discord stores for `null`.
MESSAGE_BODY_FIELDS: Mapping[str, Any] = {
    "content": "",
    "embeds": [],
    "components": [],
    "tts": False,
    "flags": 0,
    "poll": None,
}


class Snowflakes:
    """Increasing, time-based ids, so `before`/`after` history and age checks behave."""

    def __init__(self) -> None:
        self._last = 0
        self._tokens = itertools.count(1)

    def next(self) -> int:
        candidate = (int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22
        self._last = max(candidate, self._last + 1)
        return self._last

    def token(self, prefix: str) -> str:
        return f"{prefix}-{next(self._tokens)}-{self.next()}"


def timestamp_of(snowflake: int) -> str:
    millis = (snowflake >> 22) + DISCORD_EPOCH_MS
    return datetime.fromtimestamp(millis / 1000, UTC).isoformat()


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


def user(u: FakeUser) -> Json:
    return {
        "id": str(u.id),
        "username": u.username,
        "discriminator": "0",
        "global_name": u.global_name,
        "avatar": None,
        "bot": u.bot,
        "public_flags": 0,
    }


def current_user(u: FakeUser) -> Json:
    """GET /users/@me and READY's `user`: the bot sees a few private fields about itself."""
    return {**user(u), "verified": True, "mfa_enabled": False, "flags": 0, "locale": "en-US"}


def role(r: FakeRole) -> Json:
    return {
        "id": str(r.id),
        "name": r.name,
        "permissions": str(r.permissions),
        "position": r.position,
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
        "hoist": False,
        "managed": r.managed,
        "mentionable": False,
        "icon": None,
        "unicode_emoji": None,
        "flags": 0,
    }


def everyone_role(guild: FakeGuild) -> Json:
    everyone = FakeRole(
        id=guild.id, name="@everyone", permissions=guild.everyone_permissions, position=0
    )
    return role(everyone)


def channel(c: FakeChannel, guild_id: int | None) -> Json:
    payload: Json = {
        "id": str(c.id),
        "type": c.type,
        "name": c.name,
        "position": c.position,
        "permission_overwrites": [],
        "nsfw": c.nsfw,
        "parent_id": str(c.parent_id) if c.parent_id else None,
        "topic": c.topic,
        "rate_limit_per_user": 0,
        "last_message_id": None,
        "flags": 0,
    }
    if guild_id is not None:
        payload["guild_id"] = str(guild_id)
    if c.type in THREAD_TYPES:
        payload.update(
            owner_id=str(c.owner_id or 0),
            message_count=0,
            member_count=1,
            thread_metadata={
                "archived": False,
                "auto_archive_duration": 1440,
                "archive_timestamp": now_iso(),
                "locked": False,
            },
            applied_tags=[],
        )
    elif c.type == GUILD_FORUM:
        payload.update(available_tags=[], default_auto_archive_duration=1440)
    return payload


def dm_channel(channel_id: int, recipient: FakeUser) -> Json:
    return {
        "id": str(channel_id),
        "type": DM,
        "recipients": [user(recipient)],
        "last_message_id": None,
        "flags": 0,
    }


def member(m: FakeMember, *, joined_at: str, with_permissions: bool = False) -> Json:
    payload: Json = {
        "user": user(m.user),
        "roles": [str(r) for r in m.roles],
        "nick": m.nick,
        "avatar": None,
        "banner": None,
        "joined_at": joined_at,
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "communication_disabled_until": None,
    }
    if with_permissions:
        payload["permissions"] = str(m.permissions)
    return payload


def guild_create(
    guild: FakeGuild, *, members: Iterable[FakeMember], bot_role: FakeRole, joined_at: str
) -> Json:
    member_payloads = [member(m, joined_at=joined_at) for m in members]
    return {
        "id": str(guild.id),
        "name": guild.name,
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "banner": None,
        "description": None,
        "owner_id": str(guild.owner_id),
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 1,
        "explicit_content_filter": 0,
        "mfa_level": 0,
        "nsfw_level": 0,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "premium_progress_bar_enabled": False,
        "preferred_locale": guild.preferred_locale,
        "features": [],
        "application_id": None,
        "system_channel_id": str(guild.channels[0].id) if guild.channels else None,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "public_updates_channel_id": None,
        "safety_alerts_channel_id": None,
        "vanity_url_code": None,
        "max_members": 500_000,
        "roles": [everyone_role(guild), role(bot_role), *(role(r) for r in guild.roles)],
        "emojis": [],
        "stickers": [],
        "joined_at": joined_at,
        "large": False,
        "unavailable": False,
        "lazy": True,
        "member_count": len(member_payloads),
        "members": member_payloads,
        "channels": [channel(c, None) for c in guild.channels if c.type not in THREAD_TYPES],
        "threads": [channel(c, guild.id) for c in guild.channels if c.type in THREAD_TYPES],
        "presences": [],
        "voice_states": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
    }


def ready(
    *,
    bot: FakeUser,
    guild_ids: Iterable[int],
    session_id: str,
    resume_gateway_url: str,
    shard: tuple[int, int],
    application_id: int,
) -> Json:
    return {
        "v": 10,
        "user": current_user(bot),
        "guilds": [{"id": str(g), "unavailable": True} for g in guild_ids],
        "session_id": session_id,
        "session_type": "normal",
        "resume_gateway_url": resume_gateway_url,
        "shard": list(shard),
        "application": {"id": str(application_id), "flags": APPLICATION_FLAGS},
        "private_channels": [],
        "relationships": [],
        "presences": [],
        "guild_join_requests": [],
        "geo_ordered_rtc_regions": [],
        "user_settings": {},
        "_trace": ["fake-discord"],
    }


def application_info(
    *, application_id: int, bot: FakeUser, owner: FakeUser, guild_count: int
) -> Json:
    return {
        "id": str(application_id),
        "name": bot.username,
        "icon": None,
        "description": "",
        "summary": "",
        "bot_public": True,
        "bot_require_code_grant": False,
        "verify_key": "0" * 64,
        "owner": user(owner),
        "team": None,
        "bot": user(bot),
        "flags": APPLICATION_FLAGS,
        "tags": [],
        "redirect_uris": [],
        "interactions_endpoint_url": None,
        "approximate_guild_count": guild_count,
        "integration_types_config": {"0": {}},
    }


def message(
    *,
    message_id: int,
    channel_id: int,
    author: FakeUser,
    body: Mapping[str, Any],
    kind: int = 0,
    extra: Mapping[str, Any] | None = None,
) -> Json:
    payload: Json = {
        "id": str(message_id),
        "channel_id": str(channel_id),
        "author": user(author),
        "timestamp": timestamp_of(message_id),
        "edited_timestamp": None,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "pinned": False,
        "type": kind,
        **{key: _copy(default) for key, default in MESSAGE_BODY_FIELDS.items()},
        **(extra or {}),
    }
    if payload["poll"] is None:
        del payload["poll"]
    apply_message_body(payload, body, edited=False)
    if body.get("message_reference"):
        payload["message_reference"] = {**body["message_reference"], "type": 0}
        payload["type"] = 19 if kind == 0 else kind
    return payload


def apply_message_body(payload: Json, body: Mapping[str, Any], *, edited: bool) -> None:
    """Copies the fields a create/edit body sets onto a stored message; `null` means cleared."""
    for key, default in MESSAGE_BODY_FIELDS.items():
        if key in body:
            value = body[key]
            payload[key] = _copy(default) if value is None else value
    if payload.get("poll") is None:
        payload.pop("poll", None)
    if edited:
        payload["edited_timestamp"] = now_iso()


def attachment(
    *, attachment_id: int, filename: str, size: int, content_type: str, base_url: str
) -> Json:
    url = f"{base_url}/attachments/{attachment_id}/{filename}"
    return {
        "id": str(attachment_id),
        "filename": filename,
        "size": size,
        "url": url,
        "proxy_url": url,
        "content_type": content_type,
    }


def command(
    body: Mapping[str, Any], *, command_id: int, application_id: int, guild_id: int | None
) -> Json:
    echo: Json = {
        "type": 1,
        "description": "",
        "options": [],
        "default_member_permissions": None,
        "nsfw": False,
        **body,
        "id": str(command_id),
        "application_id": str(application_id),
        "version": str(command_id),
    }
    if guild_id is not None:
        echo["guild_id"] = str(guild_id)
    return echo


def interaction(
    *,
    interaction_id: int,
    token: str,
    application_id: int,
    kind: int,
    data: Json,
    guild: FakeGuild,
    channel_payload: Json,
    member_payload: Json,
    app_permissions: int,
    locale: str,
    message_payload: Json | None = None,
) -> Json:
    payload: Json = {
        "id": str(interaction_id),
        "application_id": str(application_id),
        "type": kind,
        "token": token,
        "version": 1,
        "data": data,
        "guild_id": str(guild.id),
        "guild": {"id": str(guild.id), "locale": guild.preferred_locale, "features": []},
        "channel_id": channel_payload["id"],
        "channel": channel_payload,
        "member": member_payload,
        "app_permissions": str(app_permissions),
        "locale": locale,
        "guild_locale": guild.preferred_locale,
        "entitlements": [],
        "entitlement_sku_ids": [],
        "authorizing_integration_owners": {"0": str(guild.id)},
        "context": 0,
        "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
    }
    if message_payload is not None:
        payload["message"] = message_payload
    return payload


def _copy(value: Any) -> Any:
    return list(value) if isinstance(value, list) else value
