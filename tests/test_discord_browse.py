"""/topics, /topic, /latest and /help end to end: the real bot, the fake Discord, paging."""

from __future__ import annotations

import re
from pathlib import Path

from tests.bot_harness import (
    SEEDS,
    BotHarness,
    HarnessFactory,
    assert_nothing_pings,
    assert_recorded_within_limits,
    button,
    components_of,
    select_menu,
    time_bound,
    write_article,
)
from tests.fake_discord import FakeDiscord, FakeUser
from tests.fake_discord.interactions import (
    AUTOCOMPLETE_RESULT,
    CHANNEL_MESSAGE,
    EPHEMERAL,
    UPDATE_MESSAGE,
)

SELECT = 3
OTHER_MEMBER = FakeUser(id=1_100_000_000_000_000_099, username="someone-else")
GENERATED = 25  # with the 5 seeds: 30 articles, three pages of ten


def _generated_corpus(folder: Path) -> Path:
    """25 small articles on one topic, a day apart, so the newest-first order is checkable."""
    for day in range(1, GENERATED + 1):
        write_article(
            folder,
            f"day-{day:02}.md",
            title=f"Field notes from day {day}",
            excerpt=f"What happened on day {day}.",
            publishedDateTime=f"2031-01-{day:02}T12:00:00Z",
            webUrl=f"https://example.org/notes/{day}",
            provider={"name": "Field Notes", "domain": "example.org"},
            topics=["Field Notes", "AI"] if day % 5 == 0 else ["Field Notes"],
            body=f"Day {day} of the field notes. Nothing much happened.",
        )
    return folder


async def _bot_with_many_articles(start: HarnessFactory, tmp_path: Path) -> BotHarness:
    return await start(corpora=[SEEDS, _generated_corpus(tmp_path / "notes")])


def _numbers(description: str) -> list[int]:
    return [int(n) for n in re.findall(r"^(\d+)\.", description, flags=re.MULTILINE)]


# -- /latest ---------------------------------------------------------------------------------


@time_bound()
async def test_latest_pages_newest_first(
    start_articlebot: HarnessFactory, fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    await _bot_with_many_articles(start_articlebot, tmp_path)
    interaction = await fake_discord.send_slash("latest")

    reply = await interaction.response()
    assert reply["type"] == CHANNEL_MESSAGE  # from memory: no need to defer
    first = reply["data"]
    [page] = first["embeds"]
    assert page["title"] == "Latest articles"
    assert page["footer"]["text"] == "Page 1 of 3"
    assert _numbers(page["description"]) == list(range(1, 11))
    assert page["description"].startswith("1. **Field notes from day 25** · 2031-01-25")
    assert button(first, "Previous")["disabled"] is True
    message = await interaction.final_message()

    turn = await fake_discord.send_component(int(message["id"]), button(first, "Next")["custom_id"])

    second = (await turn.response())["data"]
    assert (await turn.response())["type"] == UPDATE_MESSAGE
    assert second["embeds"][0]["footer"]["text"] == "Page 2 of 3"
    assert _numbers(second["embeds"][0]["description"]) == list(range(11, 21))
    assert "Field notes from day 15" in second["embeds"][0]["description"]
    assert select_menu(second)["options"][0]["label"] == "Field notes from day 15"
    last = await fake_discord.send_component(
        int(message["id"]), button(second, "Next")["custom_id"]
    )
    third = (await last.response())["data"]
    assert third["embeds"][0]["footer"]["text"] == "Page 3 of 3"
    assert button(third, "Next")["disabled"] is True
    # The seeds are the oldest, so they close the list.
    assert "Designing artificial brains" in third["embeds"][0]["description"]
    assert_recorded_within_limits(fake_discord)
    assert_nothing_pings(fake_discord)


@time_bound()
async def test_latest_paging_answers_only_its_invoker(
    start_articlebot: HarnessFactory, fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    await _bot_with_many_articles(start_articlebot, tmp_path)
    message = await (await fake_discord.send_slash("latest")).final_message()

    click = await fake_discord.send_component(
        int(message["id"]), button(message, "Next")["custom_id"], user=OTHER_MEMBER
    )

    reply = await click.response()
    assert reply["type"] == CHANNEL_MESSAGE
    assert reply["data"]["flags"] & EPHEMERAL
    assert "run it yourself" in reply["data"]["content"]
    assert fake_discord.message(int(message["id"]))["embeds"][0]["footer"]["text"] == (
        "Page 1 of 3"
    )


@time_bound()
async def test_latest_select_opens_a_card_for_anyone(
    start_articlebot: HarnessFactory, fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    await _bot_with_many_articles(start_articlebot, tmp_path)
    message = await (await fake_discord.send_slash("latest")).final_message()
    menu = select_menu(message)

    pick = await fake_discord.send_component(
        int(message["id"]),
        menu["custom_id"],
        component_type=SELECT,
        values=[menu["options"][2]["value"]],
        user=OTHER_MEMBER,
    )

    card = await pick.final_message()
    assert card["flags"] & EPHEMERAL
    assert card["embeds"][0]["title"] == "Field notes from day 23"
    assert card["embeds"][0]["url"] == "https://example.org/notes/23"
    assert card["embeds"][0]["footer"]["text"].startswith("Field Notes · 2031-01-23")
    assert_recorded_within_limits(fake_discord)
    assert_nothing_pings(fake_discord)


@time_bound()
async def test_latest_buttons_disable_themselves_on_timeout(
    start_articlebot: HarnessFactory, fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    harness = await _bot_with_many_articles(start_articlebot, tmp_path)
    harness.cog("Browse").view_timeout = 0.3  # type: ignore[attr-defined]
    interaction = await fake_discord.send_slash("latest")
    message = await interaction.final_message()
    since = len(fake_discord.calls)

    await fake_discord.wait_for_call(
        "PATCH", rf"/webhooks/\d+/{re.escape(interaction.token)}/messages/@original", since=since
    )

    stored = fake_discord.message(int(message["id"]))
    assert components_of(stored) and all(c["disabled"] for c in components_of(stored))
    assert stored["embeds"][0]["footer"]["text"] == "Page 1 of 3"  # the page stays readable


# -- /topics and /topic ----------------------------------------------------------------------


@time_bound()
async def test_topics_lists_every_topic_and_opens_one(
    start_articlebot: HarnessFactory, fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    await _bot_with_many_articles(start_articlebot, tmp_path)
    interaction = await fake_discord.send_slash("topics")
    message = await interaction.final_message()

    [embed] = message["embeds"]
    assert embed["title"] == "Topics"
    lines = embed["description"].splitlines()
    assert lines[0] == "**Field Notes** · 25 articles"
    assert "**AI** · 8 articles" in lines
    menu = select_menu(message)
    assert [o["value"] for o in menu["options"]][:2] == ["Field Notes", "AI"]

    pick = await fake_discord.send_component(
        int(message["id"]), menu["custom_id"], component_type=SELECT, values=["AI"]
    )

    reply = await pick.response()
    assert reply["type"] == CHANNEL_MESSAGE and reply["data"]["flags"] & EPHEMERAL
    assert reply["data"]["embeds"][0]["title"] == "Topic: AI"
    assert_recorded_within_limits(fake_discord)
    assert_nothing_pings(fake_discord)


@time_bound()
async def test_topic_autocomplete_answers_from_memory(
    start_articlebot: HarnessFactory, fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    await _bot_with_many_articles(start_articlebot, tmp_path)
    for typed, expected in (("", "Field Notes"), ("mach", "Machine Learning"), ("feild", None)):
        interaction = await fake_discord.send_autocomplete("topic", {"name": typed}, "name")

        reply = await interaction.response()
        assert reply["type"] == AUTOCOMPLETE_RESULT
        choices = reply["data"]["choices"]
        assert len(choices) <= 25
        assert all(0 < len(c["name"]) <= 100 and len(c["value"]) <= 100 for c in choices)
        if expected:
            assert choices[0]["value"] == expected
    assert_recorded_within_limits(fake_discord)


@time_bound()
async def test_topic_lists_its_articles_newest_first_with_paging(
    start_articlebot: HarnessFactory, fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    await _bot_with_many_articles(start_articlebot, tmp_path)
    interaction = await fake_discord.send_slash("topic", {"name": "field notes"})
    message = await interaction.final_message()

    [page] = message["embeds"]
    assert page["title"] == "Topic: Field Notes"
    assert page["footer"]["text"] == "Page 1 of 3"
    dates = re.findall(r"· (\d{4}-\d\d-\d\d)$", page["description"], flags=re.MULTILINE)
    assert dates == sorted(dates, reverse=True) and len(dates) == 10
    turn = await fake_discord.send_component(
        int(message["id"]), button(message, "Next")["custom_id"]
    )
    assert "Field notes from day 15" in (await turn.response())["data"]["embeds"][0]["description"]


@time_bound()
async def test_unknown_topic_is_a_private_hint(
    articlebot: BotHarness, fake_discord: FakeDiscord
) -> None:
    interaction = await fake_discord.send_slash("topic", {"name": "Machine Lerning @everyone"})

    reply = await interaction.response()
    assert reply["type"] == CHANNEL_MESSAGE and reply["data"]["flags"] & EPHEMERAL
    assert "No topic called" in reply["data"]["content"]
    assert_nothing_pings(fake_discord)


# -- /help -----------------------------------------------------------------------------------


@time_bound()
async def test_help_lists_every_command_in_one_embed(
    articlebot: BotHarness, fake_discord: FakeDiscord
) -> None:
    interaction = await fake_discord.send_slash("help")

    reply = await interaction.response()
    assert reply["type"] == CHANNEL_MESSAGE and reply["data"]["flags"] & EPHEMERAL
    [embed] = reply["data"]["embeds"]
    for name in ("/ask", "/search", "/article", "/topics", "/topic", "/latest", "/help"):
        assert f"**{name}**" in embed["description"]
    assert "Find related articles" in embed["description"]
    assert_recorded_within_limits(fake_discord)
    assert_nothing_pings(fake_discord)


# -- the real-world sample corpus ------------------------------------------------------------


@time_bound(120)
async def test_every_sample_article_card_and_page_fits_the_limits(
    start_articlebot: HarnessFactory, fake_discord: FakeDiscord
) -> None:
    """Real shapes (HTML newsletters, profiles, relative image URLs) through every page and
    every card the bot can show."""
    harness = await start_articlebot(sample=True)
    assert harness.library is not None and len(harness.library.catalog) > 10
    interaction = await fake_discord.send_slash("latest")
    message = await interaction.final_message()
    page = message
    opened = 0
    while True:
        menu = select_menu(page)
        for option in menu["options"]:
            pick = await fake_discord.send_component(
                int(message["id"]),
                menu["custom_id"],
                component_type=SELECT,
                values=[option["value"]],
            )
            card = await pick.final_message()
            assert card["embeds"][0]["title"], option
            opened += 1
        if button(page, "Next")["disabled"]:
            break
        turn = await fake_discord.send_component(
            int(message["id"]), button(page, "Next")["custom_id"]
        )
        page = (await turn.response())["data"]

    assert opened == len(harness.library.catalog)
    assert assert_recorded_within_limits(fake_discord) > 2 * opened
    assert_nothing_pings(fake_discord)


@time_bound()
async def test_the_harness_restarts_the_bot_on_the_same_database(
    start_articlebot: HarnessFactory, fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    corpus = _generated_corpus(tmp_path / "notes")
    harness = await start_articlebot(corpora=[SEEDS, corpus], settings={"min_confidence": 0.4})
    first = await (await fake_discord.send_slash("latest")).final_message()
    # Gone from disk, but a restart does not reload: the database still serves it.
    (corpus / "day-25.md").unlink()

    bot = await harness.restart()

    assert bot.is_ready() and harness.settings.min_confidence == 0.4
    assert fake_discord.identify_count == 2
    again = await (await fake_discord.send_slash("latest")).final_message()
    assert again["embeds"][0]["description"] == first["embeds"][0]["description"]
