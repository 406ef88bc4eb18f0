"""Discord-side faults met by the real ArticleBot against the fake Discord: what the member
sees and what the operator finds in the log (issue 8, points 10 to 13).

Every test fails on any unexpected ERROR log and is bounded in time.
"""

from __future__ import annotations

import asyncio
import logging

import pytest

from tests import bot_harness
from tests.bot_harness import BotHarness, time_bound
from tests.fake_discord import FakeDiscord, fixtures
from tests.fake_discord.builders import CHAT_INPUT
from tests.fake_discord.interactions import APPLICATION_COMMAND, CHANNEL_MESSAGE, EPHEMERAL

fake_discord = fixtures.fake_discord
fail_on_error_logs = fixtures.fail_on_error_logs
start_articlebot = bot_harness.start_articlebot
articlebot = bot_harness.articlebot

DOPAMINE_QUESTION = "What do dopamine neurons encode?"
DOPAMINE_TITLE = "Designing artificial brains can help us learn more about real ones"


# -- 8.13: commands the bot does not know ----------------------------------------------------


@time_bound()
async def test_a_stale_command_gets_a_polite_private_reply_and_a_warning(
    articlebot: BotHarness, fake_discord: FakeDiscord, caplog: pytest.LogCaptureFixture
) -> None:
    # Discord still lists a command an older version of the bot registered.
    data = {
        "id": "1234",
        "name": "quiz",
        "type": CHAT_INPUT,
        "guild_id": str(fake_discord.guild.id),
        "options": [],
    }
    with caplog.at_level(logging.WARNING, logger="bot"):
        interaction = await fake_discord.send_interaction(APPLICATION_COMMAND, data)
        callback = await interaction.response()

    assert callback["type"] == CHANNEL_MESSAGE
    assert callback["data"]["flags"] & EPHEMERAL
    assert callback["data"]["content"].startswith("That command is out of date")
    assert callback["data"]["allowed_mentions"] == {"parse": []}
    warnings = [r for r in caplog.records if r.name.startswith("bot")]
    assert [r.levelno for r in warnings] == [logging.WARNING], warnings
    assert "/quiz" in warnings[0].getMessage()
    assert warnings[0].exc_info is None  # one line, no traceback


@time_bound()
async def test_a_message_that_mentions_the_bot_is_not_parsed_as_a_command(
    articlebot: BotHarness, fake_discord: FakeDiscord
) -> None:
    bot = articlebot.bot
    assert bot is not None
    command_errors: list[Exception] = []

    async def on_command_error(_ctx: object, error: Exception) -> None:
        command_errors.append(error)

    bot.add_listener(on_command_error)
    seen = asyncio.create_task(bot.wait_for("message"))
    mention = f"<@{fake_discord.bot_user.id}> what do dopamine neurons encode?"
    await fake_discord.post_user_message(fake_discord.channel.id, mention)
    await seen
    # A round trip through the bot after the message: its handlers have had their turn.
    interaction = await fake_discord.send_slash("ask", {"question": DOPAMINE_QUESTION})
    assert (await interaction.final_message())["embeds"][0]["title"] == DOPAMINE_TITLE

    assert command_errors == []  # fail_on_error_logs also fails on "Ignoring exception"
