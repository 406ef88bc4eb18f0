"""/ask, /search, /article and "Find related articles", end to end: the real bot, the fake Discord.

Every test runs the ArticleBot from bot/client.py against the fake server, checks what the bot
actually sent (the recorded REST payloads), and fails if anything logged an ERROR.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.bot_harness import (
    SEEDS,
    BotHarness,
    HarnessFactory,
    ask_until_the_buttons_time_out,
    assert_nothing_pings,
    assert_recorded_within_limits,
    button,
    components_of,
    select_menu,
    time_bound,
    write_article,
)
from tests.fake_discord import FakeDiscord, FakeUser, limits
from tests.fake_discord.interactions import (
    AUTOCOMPLETE_RESULT,
    CHANNEL_MESSAGE,
    DEFERRED_CHANNEL_MESSAGE,
    EPHEMERAL,
    UPDATE_MESSAGE,
)

DOPAMINE_QUESTION = "What do dopamine neurons encode?"
DOPAMINE_TITLE = "Designing artificial brains can help us learn more about real ones"
SELECT = 3
OTHER_MEMBER = FakeUser(id=1_100_000_000_000_000_099, username="someone-else")


async def _ask(server: FakeDiscord, question: str, **where: object) -> dict:
    interaction = await server.send_slash("ask", {"question": question}, **where)
    return await interaction.final_message()


# -- /ask ------------------------------------------------------------------------------------


@time_bound()
async def test_ask_answers_with_a_linked_card(
    articlebot: BotHarness, fake_discord: FakeDiscord
) -> None:
    interaction = await fake_discord.send_slash("ask", {"question": DOPAMINE_QUESTION})

    # Searching awaits SQLite, so the bot defers before anything else.
    assert (await interaction.response())["type"] == DEFERRED_CHANNEL_MESSAGE
    message = await interaction.final_message()
    [card] = message["embeds"]
    assert card["title"] == DOPAMINE_TITLE
    assert card["url"] == "https://sciencex.com/news/2020-02-artificial-brains-real.html"
    [passage] = [f["value"] for f in card["fields"] if f["name"] == "From the article"]
    assert "**dopamine**" in passage
    assert "reward prediction error" in passage
    assert card["footer"]["text"].startswith("The Conversation · 2020-02-14")
    assert card["description"]  # the summary
    assert any(f["name"] == "Related" and "https://" in f["value"] for f in card["fields"])
    assert button(message, "Read the article")["url"] == card["url"]
    assert button(message, "More like this")
    assert button(message, "Previous")["disabled"] is True
    assert button(message, "Next match")["disabled"] is False
    assert assert_recorded_within_limits(fake_discord) > 0
    assert assert_nothing_pings(fake_discord) > 0


@time_bound()
async def test_who_wrote_it_is_answered_in_the_byline(
    articlebot: BotHarness, fake_discord: FakeDiscord
) -> None:
    named = await _ask(fake_discord, "who wrote designing artificial brains")
    unnamed = await _ask(fake_discord, "who wrote the Quanta article about backpropagation")

    [card] = named["embeds"]
    assert card["footer"]["text"].startswith("The Conversation · 2020-02-14 · Blake Richards")
    # The Quanta article names no author: the card says so where the author would be.
    [card] = unnamed["embeds"]
    assert card["title"] == "Artificial Neural Nets Finally Yield Clues to How Brains Learn"
    assert card["footer"]["text"].startswith("Quanta Magazine · 2021-02-18 · author not named")


@time_bound()
async def test_next_shows_the_second_answer_and_previous_comes_back(
    articlebot: BotHarness, fake_discord: FakeDiscord
) -> None:
    assert articlebot.library is not None
    expected = await articlebot.library.ask(DOPAMINE_QUESTION, limit=5)
    message = await _ask(fake_discord, DOPAMINE_QUESTION)

    click = await fake_discord.send_component(
        int(message["id"]), button(message, "Next match")["custom_id"]
    )

    reply = await click.response()
    assert reply["type"] == UPDATE_MESSAGE
    [card] = reply["data"]["embeds"]
    assert card["title"] == expected.articles[1].title != DOPAMINE_TITLE
    assert card["footer"]["text"].endswith(f"answer 2 of {len(expected.articles)}")
    assert button(reply["data"], "Previous")["disabled"] is False

    back = await fake_discord.send_component(
        int(message["id"]), button(reply["data"], "Previous")["custom_id"]
    )
    assert (await back.response())["data"]["embeds"][0]["title"] == DOPAMINE_TITLE
    assert_recorded_within_limits(fake_discord)
    assert_nothing_pings(fake_discord)


@time_bound()
async def test_another_member_clicking_gets_a_private_hint(
    articlebot: BotHarness, fake_discord: FakeDiscord
) -> None:
    message = await _ask(fake_discord, DOPAMINE_QUESTION)

    click = await fake_discord.send_component(
        int(message["id"]), button(message, "Next match")["custom_id"], user=OTHER_MEMBER
    )

    reply = await click.response()
    assert reply["type"] == CHANNEL_MESSAGE
    assert reply["data"]["flags"] & EPHEMERAL
    assert "run it yourself" in reply["data"]["content"]
    assert fake_discord.message(int(message["id"]))["embeds"][0]["title"] == DOPAMINE_TITLE
    # "More like this" answers privately, so it is open to anyone.
    more = await fake_discord.send_component(
        int(message["id"]), button(message, "More like this")["custom_id"], user=OTHER_MEMBER
    )
    similar = await more.final_message()
    assert similar["flags"] & EPHEMERAL and similar["embeds"][0]["title"].startswith("More like")


@time_bound()
async def test_buttons_disable_themselves_on_timeout(
    articlebot: BotHarness, fake_discord: FakeDiscord
) -> None:
    message, since = await ask_until_the_buttons_time_out(
        articlebot, fake_discord, DOPAMINE_QUESTION
    )

    stored = fake_discord.message(int(message["id"]))
    votes = [c for c in components_of(stored) if c.get("custom_id", "").startswith("vote:")]
    clickable = [c for c in components_of(stored) if c.get("style") != 5 and c not in votes]
    assert clickable and all(c["disabled"] for c in clickable)
    assert button(stored, "Read the article")["disabled"] is False  # links keep working
    # Votes outlive the paging: they work from the database, not from the view.
    assert len(votes) == 2 and not any(c.get("disabled") for c in votes)
    assert_nothing_pings(fake_discord, since)


@time_bound()
async def test_more_like_this_lists_similar_articles_privately(
    articlebot: BotHarness, fake_discord: FakeDiscord
) -> None:
    message = await _ask(fake_discord, DOPAMINE_QUESTION)

    click = await fake_discord.send_component(
        int(message["id"]), button(message, "More like this")["custom_id"]
    )

    similar = await click.final_message()
    assert similar["flags"] & EPHEMERAL
    [listing] = similar["embeds"]
    assert listing["title"].startswith("More like “Designing artificial brains")
    options = select_menu(similar)["options"]
    assert options and DOPAMINE_TITLE not in [o["label"] for o in options]
    # Picking one opens its card, privately.
    pick = await fake_discord.send_component(
        int(similar["id"]),
        select_menu(similar)["custom_id"],
        component_type=SELECT,
        values=[options[0]["value"]],
    )
    card = await pick.final_message()
    assert card["flags"] & EPHEMERAL
    assert card["embeds"][0]["title"] == options[0]["label"]
    assert_recorded_within_limits(fake_discord)
    assert_nothing_pings(fake_discord)


@time_bound()
async def test_no_answer_offers_the_nearest_titles(
    articlebot: BotHarness, fake_discord: FakeDiscord
) -> None:
    message = await _ask(fake_discord, "kubernetes brains")

    [embed] = message["embeds"]
    assert embed["title"] == "Nothing found"
    assert "kubernetes brains" in embed["description"]
    [nearest] = [f for f in embed["fields"] if f["name"] == "Nearest titles"]
    assert "How Brains" in nearest["value"]
    assert not components_of(message)


@time_bound()
async def test_no_answer_and_no_near_title_offers_topics(
    articlebot: BotHarness, fake_discord: FakeDiscord
) -> None:
    message = await _ask(fake_discord, "zxqv blorp")

    [embed] = message["embeds"]
    [topics] = [f for f in embed["fields"] if f["name"] == "Topics to browse"]
    assert "Machine Learning" in topics["value"]


REFUSED, NOTHING_FOUND = "refused privately", "Nothing found"


@pytest.mark.parametrize(
    ("question", "seen"),
    [
        ("   ", REFUSED),
        ("x" * 5000, NOTHING_FOUND),  # Discord's client stops at 300; the bot copes anyway
        ("🧠🤖🧬", NOTHING_FOUND),
        ("מה עושים נוירונים של דופמין?", NOTHING_FOUND),
        ("ما الذي تشفره خلايا الدوبامين العصبية؟", NOTHING_FOUND),
        ('"; DROP TABLE articles; -- NEAR( *', NOTHING_FOUND),
        ("@everyone <@1> <@&2> what is dopamine?", DOPAMINE_TITLE),  # mentions are not words
        ("\x00\u200f\u202e", NOTHING_FOUND),
    ],
    ids=["blank", "5000-chars", "emoji", "hebrew", "arabic", "fts-syntax", "mentions", "controls"],
)
@time_bound()
async def test_odd_questions_always_get_a_reply(
    articlebot: BotHarness, fake_discord: FakeDiscord, question: str, seen: str
) -> None:
    """/ask and /search answer every odd question with what a member should see: a private
    refusal, "Nothing found", or the right article."""
    for command, option in (("ask", "question"), ("search", "query")):
        interaction = await fake_discord.send_slash(command, {option: question})

        reply = await interaction.response()
        if seen == REFUSED:
            assert reply["type"] == CHANNEL_MESSAGE, (command, reply)
            assert reply["data"]["flags"] & EPHEMERAL
            assert reply["data"]["content"]
            continue
        message = await interaction.final_message()
        [embed] = message["embeds"]
        if seen == NOTHING_FOUND or command == "ask":
            assert embed["title"] == seen, (command, embed)
        else:  # /search lists titles, the right one first
            assert seen in embed["description"].splitlines()[0], (command, embed)
    assert_recorded_within_limits(fake_discord)
    assert_nothing_pings(fake_discord)


# -- /search and its select menu -------------------------------------------------------------


@time_bound()
async def test_search_lists_matches_and_the_menu_opens_a_card(
    articlebot: BotHarness, fake_discord: FakeDiscord
) -> None:
    interaction = await fake_discord.send_slash("search", {"query": "dopamine reward"})
    message = await interaction.final_message()

    [listing] = message["embeds"]
    assert listing["title"] == "Results for “dopamine reward”"
    assert listing["description"].startswith(f"1. **{DOPAMINE_TITLE}**")
    menu = select_menu(message)
    assert menu["options"][0]["label"] == DOPAMINE_TITLE

    # Anyone in the channel may open a result; the card comes back privately to them.
    pick = await fake_discord.send_component(
        int(message["id"]),
        menu["custom_id"],
        component_type=SELECT,
        values=[menu["options"][0]["value"]],
        user=OTHER_MEMBER,
    )

    card = await pick.final_message()
    assert card["flags"] & EPHEMERAL
    assert card["embeds"][0]["title"] == DOPAMINE_TITLE
    assert button(card, "Read the article")["url"].startswith("https://")
    assert_recorded_within_limits(fake_discord)
    assert_nothing_pings(fake_discord)


@time_bound()
async def test_opening_an_article_removed_by_a_reload_says_so(
    start_articlebot: HarnessFactory, fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    corpus = Path(shutil.copytree(SEEDS, tmp_path / "corpus"))
    harness = await start_articlebot(corpora=[corpus])
    message = await (
        await fake_discord.send_slash("search", {"query": "dopamine reward"})
    ).final_message()
    menu = select_menu(message)
    (corpus / "002_060ea2ca1cd9a942.txt").unlink()
    assert harness.library is not None
    await harness.library.reload()

    pick = await fake_discord.send_component(
        int(message["id"]),
        menu["custom_id"],
        component_type=SELECT,
        values=[menu["options"][0]["value"]],
    )

    reply = await pick.final_message()
    assert reply["flags"] & EPHEMERAL
    assert "no longer in the library" in reply["content"]


# -- /article --------------------------------------------------------------------------------


@time_bound()
async def test_article_autocomplete_offers_titles_with_ids(
    articlebot: BotHarness, fake_discord: FakeDiscord
) -> None:
    assert articlebot.library is not None
    catalog = articlebot.library.catalog
    for typed in ("", "neur", "desgining brains", "🧠", "x" * 300):
        interaction = await fake_discord.send_autocomplete("article", {"title": typed}, "title")

        reply = await interaction.response()
        assert reply["type"] == AUTOCOMPLETE_RESULT
        choices = reply["data"]["choices"]
        assert len(choices) <= 25
        for choice in choices:
            assert 0 < len(choice["name"]) <= 100
            assert catalog.get(choice["value"]) is not None
    everything = await fake_discord.send_autocomplete("article", {"title": ""}, "title")
    assert len((await everything.response())["data"]["choices"]) == len(catalog)
    assert_recorded_within_limits(fake_discord)


@time_bound()
async def test_autocomplete_caps_at_25_choices(
    start_articlebot: HarnessFactory, fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    for i in range(40):
        write_article(tmp_path / "many", f"{i:02}.md", title=f"Octopus camouflage note {i}")
    await start_articlebot(corpora=[SEEDS, tmp_path / "many"])

    shown: dict[str, list[str]] = {}
    for typed in ("", "octopus", "octopus camouflage note 1", "ocotpus"):
        interaction = await fake_discord.send_autocomplete("article", {"title": typed}, "title")
        shown[typed] = [c["name"] for c in await interaction.autocomplete_choices()]

    # Over 40 titles match: Discord shows at most 25, so the bot sends 25, never more.
    assert len(shown[""]) == len(shown["octopus"]) == 25
    assert all(name.startswith("Octopus camouflage note") for name in shown["octopus"])
    assert shown["octopus camouflage note 1"][0] == "Octopus camouflage note 1"
    assert shown["ocotpus"] and shown["ocotpus"][0].startswith("Octopus camouflage note")
    assert_recorded_within_limits(fake_discord)


@time_bound()
async def test_article_by_id_shows_the_full_card(
    articlebot: BotHarness, fake_discord: FakeDiscord
) -> None:
    assert articlebot.library is not None
    [entry] = articlebot.library.catalog.complete_title("designing artificial", 1)

    interaction = await fake_discord.send_slash("article", {"title": entry.id})

    message = await interaction.final_message()
    assert not message["flags"] & EPHEMERAL
    [card] = message["embeds"]
    assert card["title"] == DOPAMINE_TITLE
    assert card["footer"]["text"].startswith("The Conversation · 2020-02-14")
    assert button(message, "Read the article")["url"] == card["url"]
    assert_recorded_within_limits(fake_discord)
    assert_nothing_pings(fake_discord)


@time_bound()
async def test_article_typed_title_is_searched(
    articlebot: BotHarness, fake_discord: FakeDiscord
) -> None:
    exact = await fake_discord.send_slash("article", {"title": DOPAMINE_TITLE.upper()})
    assert (await exact.final_message())["embeds"][0]["title"] == DOPAMINE_TITLE

    # Several titles match: a private list to pick from.
    several = await fake_discord.send_slash("article", {"title": "neural"})
    reply = await several.response()
    assert reply["type"] == CHANNEL_MESSAGE and reply["data"]["flags"] & EPHEMERAL
    assert len(select_menu(reply["data"])["options"]) > 1

    nothing = await fake_discord.send_slash("article", {"title": "no such title zzz"})
    reply = await nothing.response()
    assert reply["data"]["flags"] & EPHEMERAL
    assert "No article title matches" in reply["data"]["content"]
    assert_recorded_within_limits(fake_discord)
    assert_nothing_pings(fake_discord)


@time_bound()
async def test_article_id_gone_after_a_reload_is_a_friendly_message(
    start_articlebot: HarnessFactory, fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    corpus = Path(shutil.copytree(SEEDS, tmp_path / "corpus"))
    harness = await start_articlebot(corpora=[corpus])
    assert harness.library is not None
    [entry] = harness.library.catalog.complete_title("designing artificial", 1)
    (corpus / entry.source).unlink()
    await harness.library.reload()

    interaction = await fake_discord.send_slash("article", {"title": entry.id})

    reply = await interaction.response()
    assert reply["type"] == CHANNEL_MESSAGE and reply["data"]["flags"] & EPHEMERAL


# -- the message context menu ----------------------------------------------------------------


@time_bound()
async def test_find_related_articles_searches_the_message_text(
    articlebot: BotHarness, fake_discord: FakeDiscord
) -> None:
    posted = fake_discord.add_message(
        fake_discord.channel.id,
        {"content": "Does anyone know how dopamine neurons signal reward prediction errors?"},
        author=OTHER_MEMBER,
    )

    interaction = await fake_discord.send_message_command(
        "Find related articles", int(posted["id"])
    )

    message = await interaction.final_message()
    assert message["flags"] & EPHEMERAL
    assert select_menu(message)["options"][0]["label"] == DOPAMINE_TITLE
    assert_recorded_within_limits(fake_discord)
    assert_nothing_pings(fake_discord)


@time_bound()
async def test_find_related_on_a_message_without_text(
    articlebot: BotHarness, fake_discord: FakeDiscord
) -> None:
    posted = fake_discord.add_message(fake_discord.channel.id, {"content": ""}, author=OTHER_MEMBER)

    interaction = await fake_discord.send_message_command(
        "Find related articles", int(posted["id"])
    )

    reply = await interaction.response()
    assert reply["data"]["flags"] & EPHEMERAL
    assert "no text" in reply["data"]["content"]


# -- hostile articles ------------------------------------------------------------------------


@time_bound()
async def test_everyone_in_a_title_is_posted_but_pings_no_one(
    start_articlebot: HarnessFactory, fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    title = "Hey @everyone and @here: <@&1> dopamine news"
    write_article(
        tmp_path / "pings",
        "pings.md",
        title=title,
        excerpt="Dopamine news for @everyone.",
        publishedDateTime="2030-01-01T00:00:00Z",
        webUrl="https://example.org/pings",
        topics=["Pings"],
        body="Dopamine neurons and @everyone. " * 10,
    )
    harness = await start_articlebot(corpora=[SEEDS, tmp_path / "pings"])
    assert harness.library is not None
    [entry] = harness.library.catalog.by_topic("Pings")

    card = await (await fake_discord.send_slash("article", {"title": entry.id})).final_message()
    latest = await (await fake_discord.send_slash("latest")).final_message()
    search = await (
        await fake_discord.send_slash("search", {"query": "dopamine news everyone"})
    ).final_message()

    assert card["embeds"][0]["title"] == title
    assert "@everyone" in latest["embeds"][0]["description"]
    assert "@everyone" in search["embeds"][0]["description"]
    assert assert_nothing_pings(fake_discord) >= 3
    assert_recorded_within_limits(fake_discord)


@time_bound()
async def test_huge_article_fits_every_limit(
    start_articlebot: HarnessFactory, fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    words = "zebrafish regeneration heart muscle cells".split()
    title = " ".join(words[i % len(words)] for i in range(60))[:300]
    # Paragraphs of one long sentence each: the answering passage is longer than a field.
    body = "\n\n".join(
        f"Zebrafish regeneration study {i} shows that heart muscle cells regrow after injury, "
        + "while the cardiac tissue recovers its rhythm within weeks of the lesion, " * 25
        + "and nobody yet knows why."
        for i in range(20)
    )[:20_000]
    long_url = "https://example.org/" + "deep/" * 120  # 620 chars: fine for an embed, not a button
    write_article(
        tmp_path / "huge",
        "huge.md",
        title=title,
        excerpt="Zebrafish hearts regrow. " * 100,
        publishedDateTime="2029-05-05T00:00:00Z",
        webUrl=long_url,
        provider={"name": "Provider " * 300, "domain": "example.org"},
        images=[{"url": "https://example.org/zebrafish.jpg"}],
        topics=[f"Topic {i} " + "long " * 30 for i in range(30)],
        related=[
            {
                "title": f"Related zebrafish study {i} " + "words " * 40,
                "webUrl": f"https://e.org/{i}",
            }
            for i in range(80)
        ],
        body=body,
    )
    assert len(body) >= 19_000
    harness = await start_articlebot(corpora=[SEEDS, tmp_path / "huge"])
    assert harness.library is not None
    [entry] = harness.library.catalog.complete_title("zebrafish regeneration", 1)

    asked = await _ask(fake_discord, "How do zebrafish heart muscle cells regenerate?")
    card = await (await fake_discord.send_slash("article", {"title": entry.id})).final_message()
    typed = await fake_discord.send_autocomplete("article", {"title": "zebrafish"}, "title")
    await (await fake_discord.send_slash("latest")).final_message()
    await (await fake_discord.send_slash("search", {"query": "zebrafish"})).final_message()

    for message in (asked, card):
        [embed] = message["embeds"]
        [passage] = [f["value"] for f in embed["fields"] if f["name"] == "From the article"]
        assert passage.endswith("…") and len(passage) <= limits.EMBED_FIELD_VALUE
        assert embed["title"].startswith("zebrafish regeneration") and embed["title"].endswith("…")
        assert len(embed["title"]) <= limits.EMBED_TITLE
        assert embed["url"] == long_url
        assert "Read the article" not in [c.get("label") for c in components_of(message)]
    [choice] = (await typed.response())["data"]["choices"]
    assert len(choice["name"]) <= 100 and choice["name"].endswith("…")
    assert assert_recorded_within_limits(fake_discord) >= 5
    assert_nothing_pings(fake_discord)
