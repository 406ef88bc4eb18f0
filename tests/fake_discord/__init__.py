"""A fake Discord server for tests that run the real discord.py client; see `server.py`."""

from __future__ import annotations

from tests.fake_discord.interactions import FakeInteraction
from tests.fake_discord.models import (
    ADMIN_PERMISSIONS,
    BOT_PERMISSIONS,
    GUILD_FORUM,
    MANAGE_GUILD,
    MEMBER_PERMISSIONS,
    FakeApiError,
    FakeChannel,
    FakeGuild,
    FakeMember,
    FakeRole,
    FakeUser,
)
from tests.fake_discord.pointing import point_discord_at
from tests.fake_discord.recording import FailureRule, RecordedCall, RecordedFile
from tests.fake_discord.server import FakeDiscord

__all__ = [
    "ADMIN_PERMISSIONS",
    "BOT_PERMISSIONS",
    "GUILD_FORUM",
    "MANAGE_GUILD",
    "MEMBER_PERMISSIONS",
    "FailureRule",
    "FakeApiError",
    "FakeChannel",
    "FakeDiscord",
    "FakeGuild",
    "FakeInteraction",
    "FakeMember",
    "FakeRole",
    "FakeUser",
    "RecordedCall",
    "RecordedFile",
    "point_discord_at",
]
