"""What the fake Discord knows about: users, guilds, channels, roles, members, and API errors.

These are plain dataclasses a test builds to describe the world; `payloads.py` turns them into
the JSON Discord would send. Nothing here imports discord.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Permission bits (https://discord.com/developers/docs/topics/permissions), so tests can build
# a member without Manage Server without importing discord.py.
ADMINISTRATOR = 1 << 3
MANAGE_CHANNELS = 1 << 4
MANAGE_GUILD = 1 << 5
ADD_REACTIONS = 1 << 6
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
MANAGE_MESSAGES = 1 << 13
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
USE_EXTERNAL_EMOJIS = 1 << 18
USE_APPLICATION_COMMANDS = 1 << 31
SEND_MESSAGES_IN_THREADS = 1 << 38

MEMBER_PERMISSIONS = (
    VIEW_CHANNEL
    | SEND_MESSAGES
    | READ_MESSAGE_HISTORY
    | EMBED_LINKS
    | ATTACH_FILES
    | ADD_REACTIONS
    | USE_EXTERNAL_EMOJIS
    | USE_APPLICATION_COMMANDS
    | SEND_MESSAGES_IN_THREADS
)
BOT_PERMISSIONS = MEMBER_PERMISSIONS
ADMIN_PERMISSIONS = MEMBER_PERMISSIONS | ADMINISTRATOR | MANAGE_GUILD | MANAGE_CHANNELS

GUILD_TEXT = 0
DM = 1
PUBLIC_THREAD = 11
GUILD_FORUM = 15
THREAD_TYPES = frozenset({10, PUBLIC_THREAD, 12})
# Gateway intent bits the fake honours.
MESSAGE_CONTENT_INTENT = 1 << 15

# Fixed ids so failures are readable; any snowflake-sized integer works.
BOT_USER_ID = 1_100_000_000_000_000_001
OWNER_USER_ID = 1_100_000_000_000_000_002
TESTER_USER_ID = 1_100_000_000_000_000_003
GUILD_ID = 1_200_000_000_000_000_001
CHANNEL_ID = 1_200_000_000_000_000_002


@dataclass(frozen=True)
class FakeUser:
    id: int
    username: str = "tester"
    global_name: str | None = None
    bot: bool = False


@dataclass
class FakeChannel:
    id: int
    name: str = "general"
    type: int = GUILD_TEXT
    topic: str | None = None
    position: int = 0
    parent_id: int | None = None  # a thread's channel, or a channel's category
    nsfw: bool = False
    owner_id: int | None = None  # who started a thread


@dataclass
class FakeRole:
    id: int
    name: str
    permissions: int = 0
    position: int = 1
    managed: bool = False


@dataclass
class FakeMember:
    """A guild member; `permissions` is what interactions report for them (computed by Discord)."""

    user: FakeUser
    roles: list[int] = field(default_factory=list)
    nick: str | None = None
    permissions: int = MEMBER_PERMISSIONS


@dataclass
class FakeGuild:
    """A guild as sent in GUILD_CREATE. The @everyone role (id == guild id) and the bot's member
    and managed role are added by the server; list only the extra ones here."""

    id: int = GUILD_ID
    name: str = "Test Guild"
    channels: list[FakeChannel] = field(default_factory=list)
    owner_id: int = OWNER_USER_ID
    roles: list[FakeRole] = field(default_factory=list)
    members: list[FakeMember] = field(default_factory=list)
    everyone_permissions: int = MEMBER_PERMISSIONS
    bot_permissions: int = BOT_PERMISSIONS
    preferred_locale: str = "en-US"

    def channel(self, channel_id: int) -> FakeChannel | None:
        return next((c for c in self.channels if c.id == channel_id), None)


class FakeApiError(Exception):
    """An error the fake answers with, as Discord would: HTTP status plus JSON {code, message},
    and for a body Discord refuses, the tree of `errors` saying which fields and why."""

    def __init__(
        self, status: int, code: int, message: str, errors: dict[str, Any] | None = None
    ) -> None:
        super().__init__(f"{status} {message} (code {code})" + (f": {errors}" if errors else ""))
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.errors:
            body["errors"] = self.errors
        return body


def unknown_channel() -> FakeApiError:
    return FakeApiError(404, 10003, "Unknown Channel")


def unknown_message() -> FakeApiError:
    return FakeApiError(404, 10008, "Unknown Message")


def unknown_webhook() -> FakeApiError:
    return FakeApiError(404, 10015, "Unknown Webhook")


def unknown_interaction() -> FakeApiError:
    return FakeApiError(404, 10062, "Unknown interaction")


def invalid_form_body(errors: dict[str, Any]) -> FakeApiError:
    return FakeApiError(400, 50035, "Invalid Form Body", errors)


def already_acknowledged() -> FakeApiError:
    return FakeApiError(400, 40060, "Interaction has already been acknowledged.")
