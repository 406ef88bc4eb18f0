"""The articlebot's own connection: a dropped gateway is resumed without losing a question,
and a configured shard count runs discord.py's AutoShardedBot."""

from __future__ import annotations

import logging

import pytest
from discord.ext import commands

from tests.bot_harness import HarnessFactory, time_bound
from tests.fake_discord import FakeDiscord

DOPAMINE_QUESTION = "What do dopamine neurons encode?"
DOPAMINE_TITLE = "Designing artificial brains can help us learn more about real ones"


@time_bound()
async def test_a_question_asked_while_the_gateway_is_down_is_answered_after_resume(
    start_articlebot: HarnessFactory, fake_discord: FakeDiscord
) -> None:
    await start_articlebot()
    await fake_discord.wait_for_sessions(1)

    await fake_discord.drop_connections(code=4000)
    during_drop = await fake_discord.send_slash("ask", {"question": DOPAMINE_QUESTION})
    message = await during_drop.final_message()

    assert message["embeds"][0]["title"] == DOPAMINE_TITLE
    assert (fake_discord.identify_count, fake_discord.resume_count) == (1, 1)
    assert fake_discord.replayed_events == ["INTERACTION_CREATE"]


@time_bound()
async def test_a_configured_shard_count_runs_the_auto_sharded_bot(
    start_articlebot: HarnessFactory, fake_discord: FakeDiscord
) -> None:
    harness = await start_articlebot(settings={"shard_count": 1})

    assert isinstance(harness.bot, commands.AutoShardedBot)
    interaction = await fake_discord.send_slash("ask", {"question": DOPAMINE_QUESTION})
    message = await interaction.final_message()
    assert message["embeds"][0]["title"] == DOPAMINE_TITLE
    assert fake_discord.identifies[0]["shard"] == [0, 1]


@time_bound(60)
async def test_a_gateway_outage_is_one_warning_a_try_and_the_bot_resumes_after_it(
    start_articlebot: HarnessFactory, fake_discord: FakeDiscord, caplog: pytest.LogCaptureFixture
) -> None:
    await start_articlebot()
    await fake_discord.wait_for_sessions(1)

    fake_discord.refuse_gateway()
    with caplog.at_level(logging.WARNING, logger="discord"):
        await fake_discord.drop_connections(code=4000)
        await fake_discord.world.changes.wait_for(
            lambda: True if fake_discord.refused_connections else None,
            timeout=20,
            describe=lambda: "the bot never tried to reconnect",
        )
        fake_discord.refuse_gateway(False)
        await fake_discord.wait_for_sessions(1, timeout=30)
        asked = await fake_discord.send_slash("ask", {"question": DOPAMINE_QUESTION})
        message = await asked.final_message()

    assert message["embeds"][0]["title"] == DOPAMINE_TITLE
    tries = [r for r in caplog.records if "reconnect" in r.getMessage()]
    assert tries, [r.getMessage() for r in caplog.records]
    for record in tries:  # one line each: what failed, no traceback
        assert record.levelno == logging.WARNING
        assert record.exc_info is None
        assert "503" in record.getMessage()
