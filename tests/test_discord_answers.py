"""Answers where questions are asked, end to end: the real ArticleBot against the fake Discord.

A mention answered in a reply (its text arrives without the Message Content intent), a forum
post answered once in its thread and only when the answer is sure enough, bots and webhooks
ignored, the rate limit, a 403 turning auto-answer off (and /admin status saying why), and
/admin autoanswer refused to a member without Manage Server.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import pytest_asyncio

from bot.autoanswer import RateLimit
from tests.bot_harness import (
    BotHarness,
    HarnessFactory,
    assert_nothing_pings,
    assert_recorded_within_limits,
    button,
    components_of,
    time_bound,
)
from tests.fake_discord import (
    ADMIN_PERMISSIONS,
    GUILD_FORUM,
    MEMBER_PERMISSIONS,
    FakeChannel,
    FakeDiscord,
    FakeGuild,
    FakeMember,
    FakeUser,
    point_discord_at,
)
from tests.fake_discord.interactions import EPHEMERAL, UPDATE_MESSAGE
from tests.fake_discord.models import BOT_USER_ID, CHANNEL_ID, GUILD_ID, TESTER_USER_ID
from tests.log_waiter import LogWaiter, waiting_for_logs

Json = dict[str, Any]
FORUM_ID = CHANNEL_ID + 10
OTHER_CHANNEL_ID = CHANNEL_ID + 20
DOPAMINE_QUESTION = "What do dopamine neurons encode?"
DOPAMINE_TITLE = "Designing artificial brains can help us learn more about real ones"
MENTION = f"<@{BOT_USER_ID}>"
OTHER_BOT = FakeUser(id=1_100_000_000_000_000_050, username="another-bot", bot=True)
OTHER_MEMBER = FakeUser(id=1_100_000_000_000_000_099, username="someone-else")


@pytest_asyncio.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    """A server with a text channel and a help forum."""
    tester = FakeUser(id=TESTER_USER_ID, username="tester")
    guild = FakeGuild(
        id=GUILD_ID,
        channels=[
            FakeChannel(id=CHANNEL_ID, name="general"),
            FakeChannel(id=FORUM_ID, name="help", type=GUILD_FORUM, position=1),
            FakeChannel(id=OTHER_CHANNEL_ID, name="random", position=2),
        ],
        members=[FakeMember(user=u) for u in (tester, OTHER_MEMBER, OTHER_BOT)],
    )
    async with FakeDiscord(guilds=[guild], tester=tester) as server:
        with point_discord_at(server.base_url):
            yield server
    assert not server.errors, server.errors
    assert not server.rejected, [(c.method, c.path, c.response) for c in server.rejected]


async def articlebot_with_forum(
    start: HarnessFactory, server: FakeDiscord, min_confidence: float | None = None
) -> BotHarness:
    harness = await start()
    options: dict[str, Any] = {"channel": FORUM_ID, "state": "on"}
    if min_confidence is not None:
        options["min_confidence"] = min_confidence
    turned_on = await server.send_slash("admin autoanswer", options, permissions=ADMIN_PERMISSIONS)
    reply = (await turned_on.response())["data"]
    assert reply["content"].startswith(f"Auto-answer is on in <#{FORUM_ID}>"), reply
    return harness


@pytest.fixture
def bot_log() -> Iterator[LogWaiter]:
    with waiting_for_logs("bot.cogs.answers") as waiter:
        yield waiter


async def next_message_in(server: FakeDiscord, channel_id: int, since: int) -> Json:
    """The first message the bot creates in `channel_id` after call index `since`."""
    call = await server.wait_for_call("POST", rf"/channels/{channel_id}/messages", since=since)
    assert call.status == 200, call.response
    return server.message(int(call.response["id"]))


# -- mentions --------------------------------------------------------------------------------


@time_bound()
async def test_a_mention_is_answered_in_a_reply_with_the_answer_card(
    start_articlebot: HarnessFactory, fake_discord: FakeDiscord
) -> None:
    await start_articlebot()
    since = len(fake_discord.calls)

    asked = await fake_discord.post_user_message(CHANNEL_ID, f"{MENTION} {DOPAMINE_QUESTION}")

    reply = await next_message_in(fake_discord, CHANNEL_ID, since)
    assert str(reply["message_reference"]["message_id"]) == asked["id"]
    [card] = reply["embeds"]
    assert card["title"] == DOPAMINE_TITLE
    assert button(reply, "Read the article")["url"] == card["url"]
    assert [c["label"] for c in components_of(reply) if c.get("custom_id", "")[:5] == "vote:"] == [
        "Helpful (0)",
        "Not helpful (0)",
    ]
    # Its votes work like an /ask card's.
    vote = await fake_discord.send_component(
        int(reply["id"]), button(reply, "Helpful (0)")["custom_id"], user=OTHER_MEMBER
    )
    assert (await vote.response())["type"] == UPDATE_MESSAGE
    assert button(fake_discord.message(int(reply["id"])), "Helpful (1)")
    assert_recorded_within_limits(fake_discord)
    assert_nothing_pings(fake_discord)
    # Nothing privileged was asked for.
    intents = fake_discord.identifies[-1]["intents"]
    assert not intents & (1 << 15) and not intents & (1 << 1) and not intents & (1 << 8)


@time_bound()
async def test_a_mention_nothing_answers_says_so_and_is_kept_as_unanswered(
    start_articlebot: HarnessFactory, fake_discord: FakeDiscord
) -> None:
    harness = await start_articlebot()
    since = len(fake_discord.calls)

    await fake_discord.post_user_message(CHANNEL_ID, f"{MENTION} kubernetes brains")

    reply = await next_message_in(fake_discord, CHANNEL_ID, since)
    assert reply["embeds"][0]["title"] == "Nothing found"
    assert harness.library is not None
    [kept] = await harness.library.store.insights.questions(GUILD_ID)
    assert (kept.via, kept.text, kept.answers) == ("mention", "kubernetes brains", ())


@time_bound()
async def test_messages_from_bots_and_webhooks_are_never_answered(
    start_articlebot: HarnessFactory, fake_discord: FakeDiscord
) -> None:
    await start_articlebot()
    since = len(fake_discord.calls)

    await fake_discord.post_user_message(
        CHANNEL_ID, f"{MENTION} {DOPAMINE_QUESTION}", author=OTHER_BOT
    )
    await fake_discord.post_user_message(
        CHANNEL_ID, f"{MENTION} {DOPAMINE_QUESTION}", webhook_id=1_300_000_000_000_000_777
    )
    # A member's mention after them is answered: the two before it were seen and skipped.
    asked = await fake_discord.post_user_message(CHANNEL_ID, f"{MENTION} {DOPAMINE_QUESTION}")

    reply = await next_message_in(fake_discord, CHANNEL_ID, since)
    assert str(reply["message_reference"]["message_id"]) == asked["id"]
    posts = fake_discord.calls_to("POST", rf"/channels/{CHANNEL_ID}/messages")
    assert len(posts) == 1


# -- forum posts -----------------------------------------------------------------------------


@time_bound()
async def test_a_forum_post_is_answered_once_in_its_thread_when_confident(
    start_articlebot: HarnessFactory, fake_discord: FakeDiscord, bot_log: LogWaiter
) -> None:
    harness = await articlebot_with_forum(start_articlebot, fake_discord)
    since = len(fake_discord.calls)

    thread, _starter = await fake_discord.create_forum_post(FORUM_ID, DOPAMINE_QUESTION)

    answer = await next_message_in(fake_discord, thread.id, since)
    assert answer["embeds"][0]["title"] == DOPAMINE_TITLE
    assert button(answer, "Helpful (0)") and button(answer, "Not helpful (0)")
    # The same post again after a restart (an archived thread Discord announces anew, a
    # replayed event): the database remembers it was answered.
    created = {**fake_discord.world.channel_payload(thread.id), "newly_created": True}
    fake_discord.guild.channels.remove(thread)  # so the restarted bot does not know it
    await harness.restart()
    again = len(fake_discord.calls)
    await fake_discord.dispatch("THREAD_CREATE", created)
    await bot_log.wait_for(f"thread {thread.id} already answered")
    # A post nothing answers is not answered at all, but kept as unanswered.
    other, _ = await fake_discord.create_forum_post(FORUM_ID, "kubernetes brains")
    await bot_log.wait_for(f"post in channel {FORUM_ID} not answered")
    confident, _ = await fake_discord.create_forum_post(FORUM_ID, "dopamine neurons reward")
    await next_message_in(fake_discord, confident.id, again)
    assert len(fake_discord.calls_to("POST", rf"/channels/{thread.id}/messages")) == 1
    assert fake_discord.calls_to("POST", rf"/channels/{other.id}/messages") == []
    assert harness.library is not None
    kept = await harness.library.store.insights.questions(GUILD_ID)
    assert [(q.via, q.text, bool(q.answers)) for q in kept] == [
        ("forum", DOPAMINE_QUESTION, True),
        ("forum", "kubernetes brains", False),
        ("forum", "dopamine neurons reward", True),
    ]
    assert_nothing_pings(fake_discord)


@time_bound()
async def test_a_forum_post_below_the_channel_s_confidence_gets_no_answer(
    start_articlebot: HarnessFactory, fake_discord: FakeDiscord, bot_log: LogWaiter
) -> None:
    harness = await articlebot_with_forum(start_articlebot, fake_discord, min_confidence=1.0)
    assert harness.library is not None
    # Answered, short of certain (about 0.85 by its words, 0.87 with meaning).
    question = "reward prediction error"
    found = await harness.library.ask(question)
    assert found.answered and found.result.confidence < 1.0  # /ask would answer it

    thread, _ = await fake_discord.create_forum_post(FORUM_ID, question)
    await bot_log.wait_for(f"post in channel {FORUM_ID} not answered: confidence")

    assert fake_discord.calls_to("POST", rf"/channels/{thread.id}/messages") == []
    [kept] = await harness.library.store.insights.questions(GUILD_ID)
    assert (kept.via, kept.answers) == ("forum", ())


@time_bound()
async def test_posts_by_bots_and_in_unconfigured_channels_are_not_answered(
    start_articlebot: HarnessFactory, fake_discord: FakeDiscord
) -> None:
    await start_articlebot()  # no channel configured
    unconfigured, _ = await fake_discord.create_forum_post(FORUM_ID, DOPAMINE_QUESTION)
    on = await fake_discord.send_slash(
        "admin autoanswer", {"channel": FORUM_ID, "state": "on"}, permissions=ADMIN_PERMISSIONS
    )
    await on.response()
    by_bot, _ = await fake_discord.create_forum_post(FORUM_ID, DOPAMINE_QUESTION, author=OTHER_BOT)
    since = len(fake_discord.calls)
    by_member, _ = await fake_discord.create_forum_post(FORUM_ID, DOPAMINE_QUESTION)
    await next_message_in(fake_discord, by_member.id, since)

    for thread in (unconfigured, by_bot):
        assert fake_discord.calls_to("POST", rf"/channels/{thread.id}/messages") == []


@time_bound()
async def test_a_403_in_the_forum_turns_auto_answer_off_and_status_says_why(
    start_articlebot: HarnessFactory, fake_discord: FakeDiscord, fail_on_error_logs: Any
) -> None:
    await articlebot_with_forum(start_articlebot, fake_discord)
    fake_discord.fail_always("POST", r"/channels/\d+/messages", status=403)
    since = len(fake_discord.calls)

    thread, _ = await fake_discord.create_forum_post(FORUM_ID, DOPAMINE_QUESTION)
    refused = await fake_discord.wait_for_call(
        "POST", rf"/channels/{thread.id}/messages", since=since
    )
    assert refused.status == 403
    fake_discord.clear_failures()

    status = await fake_discord.send_slash("admin status", permissions=ADMIN_PERMISSIONS)
    shown = await status.final_message()
    fields = {f["name"]: f["value"] for f in shown["embeds"][0]["fields"]}
    assert fields["Auto-answer"].startswith(f"<#{FORUM_ID}>: turned off by the bot: 403")
    assert "Missing Permissions" in fields["Auto-answer"]
    # Off means off: the next post is not attempted.
    later, _ = await fake_discord.create_forum_post(FORUM_ID, "dopamine neurons reward")
    since = len(fake_discord.calls)
    await fake_discord.post_user_message(CHANNEL_ID, f"{MENTION} {DOPAMINE_QUESTION}")
    await next_message_in(fake_discord, CHANNEL_ID, since)
    assert fake_discord.calls_to("POST", rf"/channels/{later.id}/messages") == []


@time_bound()
async def test_autoanswer_needs_manage_server_and_a_text_channel_needs_message_content(
    start_articlebot: HarnessFactory, fake_discord: FakeDiscord
) -> None:
    harness = await start_articlebot()
    refused = await fake_discord.send_slash(
        "admin autoanswer", {"channel": FORUM_ID, "state": "on"}, permissions=MEMBER_PERMISSIONS
    )
    reply = (await refused.response())["data"]
    assert reply["flags"] & EPHEMERAL
    assert reply["content"] == "You need the Manage Server permission for that."

    text = await fake_discord.send_slash(
        "admin autoanswer", {"channel": CHANNEL_ID, "state": "on"}, permissions=ADMIN_PERMISSIONS
    )
    reply = (await text.response())["data"]
    assert "needs the privileged Message Content intent" in reply["content"]
    assert harness.library is not None
    assert await harness.library.store.autoanswer.channels(GUILD_ID) == []


@time_bound()
async def test_answers_a_channel_gets_unasked_are_rate_limited(
    start_articlebot: HarnessFactory, fake_discord: FakeDiscord, bot_log: LogWaiter
) -> None:
    harness = await start_articlebot()
    answers = harness.cog("Answers")
    clock = [1000.0]
    answers.monotonic = lambda: clock[0]  # type: ignore[attr-defined]
    answers.rate_limit = RateLimit(limit=2, window=60.0)  # type: ignore[attr-defined]
    since = len(fake_discord.calls)
    for _ in range(3):
        await fake_discord.post_user_message(CHANNEL_ID, f"{MENTION} {DOPAMINE_QUESTION}")
    # The third is refused as it arrives; the two before it are answered, each when its
    # search ends (the question's vector is encoded off the event loop, so in any order).
    await bot_log.wait_for(f"mention not answered: rate limit (channel_id={CHANNEL_ID})")
    for _ in range(2):
        call = await fake_discord.wait_for_call(
            "POST", rf"/channels/{CHANNEL_ID}/messages", since=since
        )
        since = fake_discord.calls.index(call, since) + 1
    assert len(fake_discord.calls_to("POST", rf"/channels/{CHANNEL_ID}/messages")) == 2

    clock[0] += 61  # the window has moved on
    since = len(fake_discord.calls)
    await fake_discord.post_user_message(CHANNEL_ID, f"{MENTION} dopamine")
    await next_message_in(fake_discord, CHANNEL_ID, since)
    assert len(fake_discord.calls_to("POST", rf"/channels/{CHANNEL_ID}/messages")) == 3


@time_bound()
async def test_with_message_content_on_text_channels_and_first_messages_are_read(
    start_articlebot: HarnessFactory, fake_discord: FakeDiscord
) -> None:
    harness = await start_articlebot(settings={"message_content": True})
    assert fake_discord.identifies[-1]["intents"] & (1 << 15)  # asked for, as configured
    for channel in (CHANNEL_ID, FORUM_ID):
        on = await fake_discord.send_slash(
            "admin autoanswer", {"channel": channel, "state": "on"}, permissions=ADMIN_PERMISSIONS
        )
        assert (await on.response())["data"]["content"].startswith("Auto-answer is on")

    since = len(fake_discord.calls)
    asked = await fake_discord.post_user_message(CHANNEL_ID, DOPAMINE_QUESTION)
    reply = await next_message_in(fake_discord, CHANNEL_ID, since)
    assert str(reply["message_reference"]["message_id"]) == asked["id"]
    assert reply["embeds"][0]["title"] == DOPAMINE_TITLE

    # The post's first message is read with its title.
    since = len(fake_discord.calls)
    thread, _ = await fake_discord.create_forum_post(
        FORUM_ID, "Question about the brain", DOPAMINE_QUESTION
    )
    answer = await next_message_in(fake_discord, thread.id, since)
    assert answer["embeds"][0]["title"] == DOPAMINE_TITLE
    assert harness.library is not None
    kept = await harness.library.store.insights.questions(GUILD_ID)
    assert kept[-1].text == f"Question about the brain {DOPAMINE_QUESTION}"


@time_bound()
async def test_a_direct_message_is_answered_without_keeping_it(
    start_articlebot: HarnessFactory, fake_discord: FakeDiscord
) -> None:
    harness = await start_articlebot()
    dm = int(fake_discord.world.open_dm(fake_discord.tester.id)["id"])
    since = len(fake_discord.calls)

    asked = await fake_discord.post_user_message(dm, DOPAMINE_QUESTION)

    reply = await next_message_in(fake_discord, dm, since)
    assert str(reply["message_reference"]["message_id"]) == asked["id"]
    assert reply["embeds"][0]["title"] == DOPAMINE_TITLE
    # Insights are per server: a DM is not kept, so its card has no votes.
    assert not [c for c in components_of(reply) if c.get("custom_id", "").startswith("vote:")]
    assert harness.library is not None
    assert await harness.library.store.insights.guilds() == []


@time_bound()
async def test_a_forum_post_that_mentions_the_bot_is_answered_once(
    start_articlebot: HarnessFactory, fake_discord: FakeDiscord
) -> None:
    await articlebot_with_forum(start_articlebot, fake_discord)
    since = len(fake_discord.calls)

    thread, _ = await fake_discord.create_forum_post(
        FORUM_ID, DOPAMINE_QUESTION, f"{MENTION} {DOPAMINE_QUESTION}"
    )
    await next_message_in(fake_discord, thread.id, since)
    # A mention elsewhere afterwards is answered: the starter message was handled by then.
    since = len(fake_discord.calls)
    await fake_discord.post_user_message(OTHER_CHANNEL_ID, f"{MENTION} {DOPAMINE_QUESTION}")
    await next_message_in(fake_discord, OTHER_CHANNEL_ID, since)

    assert len(fake_discord.calls_to("POST", rf"/channels/{thread.id}/messages")) == 1
