"""The fake Discord is good enough for the real discord.py client: login, slash commands,
autocomplete, views, channel messages, errors, RESUME and sharding, each against a tiny bot."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Awaitable

import aiohttp
import discord
import pytest
from discord import app_commands
from discord.ext import commands

from tests.fake_discord import (
    MANAGE_GUILD,
    MEMBER_PERMISSIONS,
    FakeChannel,
    FakeDiscord,
    FakeGuild,
    point_discord_at,
)
from tests.fake_discord.fixtures import ErrorLogCollector, failing_on_error_logs, running_bot
from tests.fake_discord.models import OWNER_USER_ID

EPHEMERAL = 1 << 6
TITLES = ["Power Apps basics", "Power Automate flows", "SharePoint lists"]


class TinyBot(commands.Bot):
    """A throwaway bot: a few app commands, synced to one guild in setup_hook."""

    def __init__(self, guild_id: int) -> None:
        super().__init__(
            command_prefix="!", intents=discord.Intents.default(), guild_ready_timeout=0.1
        )
        self.guild_object = discord.Object(id=guild_id)
        self.callback_responses: list[discord.InteractionCallbackResponse[TinyBot]] = []
        self.clicked = asyncio.Event()

    async def setup_hook(self) -> None:
        for command in build_commands(self):
            self.tree.add_command(command, guild=self.guild_object)
        await self.tree.sync(guild=self.guild_object)


class Confirm(discord.ui.View):
    def __init__(self, bot: TinyBot) -> None:
        super().__init__(timeout=None)
        self.bot = bot

    @discord.ui.button(label="Yes", custom_id="confirm:yes")
    async def yes(self, interaction: discord.Interaction, _: discord.ui.Button[Confirm]) -> None:
        await interaction.response.edit_message(content="confirmed", view=None)
        self.stop()
        self.bot.clicked.set()


def build_commands(bot: TinyBot) -> list[app_commands.Command | app_commands.Group]:
    @app_commands.command(description="Ask the corpus")
    async def ask(interaction: discord.Interaction, query: str) -> None:
        embed = discord.Embed(title=f"About {query}", description="An answer.")
        await interaction.response.send_message(
            embed=embed, allowed_mentions=discord.AllowedMentions.none()
        )

    @app_commands.command(description="Slow answer")
    async def slow(interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        await interaction.edit_original_response(content="done")
        await interaction.followup.send("more", ephemeral=True)

    @app_commands.command(description="Deferred, then one followup")
    async def later(interaction: discord.Interaction) -> None:
        await interaction.response.defer()
        await interaction.followup.send("here it is")

    @app_commands.command(description="Find an article")
    async def article(interaction: discord.Interaction, title: str) -> None:
        await interaction.response.send_message(title)

    @article.autocomplete("title")
    async def complete_title(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [
            app_commands.Choice(name=t, value=t) for t in TITLES if current.lower() in t.lower()
        ]

    @app_commands.command(description="Asks for confirmation")
    async def confirm(interaction: discord.Interaction) -> None:
        result = await interaction.response.send_message("Sure?", view=Confirm(bot))
        bot.callback_responses.append(result)

    @app_commands.command(description="Ping")
    async def ping(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("pong", ephemeral=True)

    admin = app_commands.Group(name="admin", description="Admin")
    digest = app_commands.Group(name="digest", description="Digest", parent=admin)

    @digest.command(name="channel", description="Where the digest goes")
    async def digest_channel(
        interaction: discord.Interaction, channel: discord.TextChannel, hour: int
    ) -> None:
        allowed = interaction.permissions.manage_guild
        await interaction.response.send_message(f"{channel.name} at {hour}, manage={allowed}")

    @app_commands.command(description="Always fails")
    async def broken(interaction: discord.Interaction) -> None:
        raise RuntimeError("boom in a command")

    @app_commands.context_menu(name="Explain")
    async def explain(interaction: discord.Interaction, message: discord.Message) -> None:
        await interaction.response.send_message(f"explaining: {message.content}")

    return [ask, slow, later, article, confirm, ping, broken, admin, explain]


async def wait_for_event(bot: commands.Bot, event: str) -> asyncio.Event:
    happened = asyncio.Event()

    async def listener(*args: object) -> None:
        happened.set()

    bot.add_listener(listener, f"on_{event}")
    return happened


async def test_bot_logs_in_and_sees_its_guild_and_channel(
    fake_discord: FakeDiscord, fail_on_error_logs: ErrorLogCollector
) -> None:
    bot = TinyBot(fake_discord.guild.id)
    ready = await wait_for_event(bot, "ready")
    async with running_bot(bot):
        await asyncio.wait_for(ready.wait(), 15)
        guild = bot.get_guild(fake_discord.guild.id)
        assert guild is not None and not guild.unavailable
        channel = guild.get_channel(fake_discord.channel.id)
        assert isinstance(channel, discord.TextChannel) and channel.name == "general"
        assert guild.default_role.id == guild.id
        assert guild.me.id == fake_discord.bot_user.id == bot.user.id
        assert guild.member_count == len(guild.members) == 1
        assert bot.application_id == fake_discord.application_id
        assert await bot.is_owner(await bot.fetch_user(OWNER_USER_ID))
        assert fake_discord.identifies[0]["intents"] == discord.Intents.default().value


async def test_slash_command_is_synced_and_answers_with_an_embed(
    fake_discord: FakeDiscord, fail_on_error_logs: ErrorLogCollector
) -> None:
    guild_id = fake_discord.guild.id
    async with running_bot(TinyBot(guild_id)):
        sync = fake_discord.calls_to("PUT", rf"/applications/\d+/guilds/{guild_id}/commands")
        assert len(sync) == 1 and "ask" in {c["name"] for c in sync[0].json}
        assert {c["name"] for c in fake_discord.commands(guild_id)} >= {"ask", "admin", "Explain"}

        interaction = await fake_discord.send_slash("ask", {"query": "powerapps"})
        response = await interaction.response()

    assert response["type"] == 4
    assert response["data"]["embeds"][0]["title"] == "About powerapps"
    assert response["data"]["allowed_mentions"] == {"parse": []}
    [posted] = fake_discord.messages_in(fake_discord.channel.id)
    assert posted["embeds"][0]["title"] == "About powerapps" and posted["type"] == 20


async def test_deferred_answer_is_edited_then_followed_up(
    fake_discord: FakeDiscord, fail_on_error_logs: ErrorLogCollector
) -> None:
    async with running_bot(TinyBot(fake_discord.guild.id)):
        interaction = await fake_discord.send_slash("slow")
        assert (await interaction.response())["type"] == 5
        final = await interaction.final_message()
        followup = await interaction.followup(0)

    assert final["content"] == "done" and not final["flags"] & (1 << 7)
    assert followup["content"] == "more" and followup["flags"] & EPHEMERAL
    assert [m["content"] for m in fake_discord.messages_in(fake_discord.channel.id)] == ["done"]


async def test_first_followup_after_defer_replaces_the_thinking_message(
    fake_discord: FakeDiscord, fail_on_error_logs: ErrorLogCollector
) -> None:
    async with running_bot(TinyBot(fake_discord.guild.id)):
        interaction = await fake_discord.send_slash("later")
        final = await interaction.final_message()

    assert final["content"] == "here it is"
    assert [int(f["id"]) for f in interaction.followups] == [interaction.original_id]


async def test_subcommand_group_gets_typed_options_and_member_permissions(
    fake_discord: FakeDiscord, fail_on_error_logs: ErrorLogCollector
) -> None:
    channel_id = fake_discord.channel.id
    async with running_bot(TinyBot(fake_discord.guild.id)):
        admin = await fake_discord.send_slash(
            "admin digest channel",
            {"channel": channel_id, "hour": 9},
            permissions=MEMBER_PERMISSIONS | MANAGE_GUILD,
        )
        member = await fake_discord.send_slash(
            "admin digest channel", {"channel": channel_id, "hour": 9}
        )
        assert (await admin.response())["data"]["content"] == "general at 9, manage=True"
        assert (await member.response())["data"]["content"] == "general at 9, manage=False"


async def test_autocomplete_returns_matching_choices(
    fake_discord: FakeDiscord, fail_on_error_logs: ErrorLogCollector
) -> None:
    async with running_bot(TinyBot(fake_discord.guild.id)):
        interaction = await fake_discord.send_autocomplete(
            "article", {"title": "power"}, focused="title"
        )
        choices = await interaction.autocomplete_choices()

    assert [c["name"] for c in choices] == ["Power Apps basics", "Power Automate flows"]


async def test_button_click_reaches_the_view_stored_for_the_message(
    fake_discord: FakeDiscord, fail_on_error_logs: ErrorLogCollector
) -> None:
    bot = TinyBot(fake_discord.guild.id)
    async with running_bot(bot):
        command = await fake_discord.send_slash("confirm")
        await command.response()
        message_id = command.original_id
        assert message_id is not None
        assert fake_discord.message(message_id)["components"][0]["components"][0]["label"] == "Yes"

        click = await fake_discord.send_component(message_id, "confirm:yes")
        response = await click.response()
        await asyncio.wait_for(bot.clicked.wait(), 15)

    assert bot.callback_responses[0].message_id == message_id
    assert response["type"] == 7
    edited = fake_discord.message(message_id)
    assert edited["content"] == "confirmed" and edited["components"] == []


async def test_message_context_menu_gets_the_target_message(
    fake_discord: FakeDiscord, fail_on_error_logs: ErrorLogCollector
) -> None:
    target = fake_discord.add_message(fake_discord.channel.id, {"content": "what is FTS5?"})
    async with running_bot(TinyBot(fake_discord.guild.id)):
        interaction = await fake_discord.send_message_command("Explain", int(target["id"]))
        response = await interaction.response()

    assert response["data"]["content"] == "explaining: what is FTS5?"


async def test_bot_sends_messages_and_reads_history_newest_first(
    fake_discord: FakeDiscord, fail_on_error_logs: ErrorLogCollector
) -> None:
    channel_id = fake_discord.channel.id
    fake_discord.add_message(channel_id, {"content": "digest from before the restart"})
    bot = TinyBot(fake_discord.guild.id)
    async with running_bot(bot):
        channel = bot.get_channel(channel_id)
        assert isinstance(channel, discord.TextChannel)
        first = await channel.send("Daily digest", embed=discord.Embed(title="Digest"))
        await channel.send("with a file", file=discord.File(io.BytesIO(b"hello"), "notes.txt"))

        newest_first = [m async for m in channel.history(limit=10)]
        after_first = [m async for m in channel.history(after=first, limit=10)]
        fetched = await channel.fetch_message(first.id)
        await fetched.edit(content="Daily digest (edited)")

    assert first.author.id == fake_discord.bot_user.id
    assert [m.content for m in newest_first] == [
        "with a file",
        "Daily digest",
        "digest from before the restart",
    ]
    assert newest_first[1].embeds[0].title == "Digest"
    assert newest_first[0].attachments[0].filename == "notes.txt"
    assert [m.content for m in after_first] == ["with a file"]
    upload = fake_discord.calls_to("POST", rf"/channels/{channel_id}/messages")[-1]
    assert upload.json["content"] == "with a file" and upload.files[0].data == b"hello"
    assert fake_discord.message(first.id)["content"] == "Daily digest (edited)"


async def test_injected_errors_raise_forbidden_and_not_found(
    fake_discord: FakeDiscord, fail_on_error_logs: ErrorLogCollector
) -> None:
    channel_id = fake_discord.channel.id
    bot = TinyBot(fake_discord.guild.id)
    async with running_bot(bot):
        channel = bot.get_channel(channel_id)
        assert isinstance(channel, discord.TextChannel)
        fake_discord.fail_next("POST", rf"/channels/{channel_id}/messages", status=403, code=50013)
        with pytest.raises(discord.Forbidden) as forbidden:
            await channel.send("not allowed")
        await channel.send("allowed again")

        fake_discord.fail_next("POST", rf"/channels/{channel_id}/messages", status=429)
        await channel.send("after a rate limit")  # discord.py waits retry_after and retries

        fake_discord.set_channel_status(channel_id, 404)
        with pytest.raises(discord.NotFound) as not_found:
            await channel.send("gone")

    assert forbidden.value.code == 50013 and not_found.value.code == 10003
    contents = [m["content"] for m in fake_discord.messages_in(channel_id)]
    assert contents == ["allowed again", "after a rate limit"]
    statuses = [
        c.status for c in fake_discord.calls_to("POST", rf"/channels/{channel_id}/messages")
    ]
    assert statuses == [403, 200, 429, 200, 404]


@pytest.mark.parametrize("close_code", [4000, 1000])
async def test_dropped_connection_is_resumed_and_replays_missed_events(
    fake_discord: FakeDiscord, fail_on_error_logs: ErrorLogCollector, close_code: int
) -> None:
    bot = TinyBot(fake_discord.guild.id)
    async with running_bot(bot):
        resumed = await wait_for_event(bot, "resumed")
        await fake_discord.drop_connections(code=close_code)
        during_drop = await fake_discord.send_slash("ping")
        await asyncio.wait_for(resumed.wait(), 15)
        after_resume = await fake_discord.send_slash("ping")

        assert (await during_drop.response())["data"]["content"] == "pong"
        assert (await after_resume.response())["data"]["content"] == "pong"

    assert (fake_discord.identify_count, fake_discord.resume_count) == (1, 1)
    assert fake_discord.gateway_paths == ["/gateway", "/resume-gateway"]
    assert fake_discord.replayed_events == ["INTERACTION_CREATE"]


async def test_error_log_guard_fails_a_test_whose_command_raised(fake_discord: FakeDiscord) -> None:
    with (
        pytest.raises(pytest.fail.Exception, match="boom in a command"),
        failing_on_error_logs() as collector,
    ):
        async with running_bot(TinyBot(fake_discord.guild.id)):
            await fake_discord.send_slash("broken")
            record = await collector.wait_for_error(timeout=15)
            assert record.name == "discord.app_commands.tree"


@pytest.mark.parametrize("shard_count", [None, 1])
async def test_auto_sharded_bot_connects(
    fake_discord: FakeDiscord, fail_on_error_logs: ErrorLogCollector, shard_count: int | None
) -> None:
    bot = commands.AutoShardedBot(
        command_prefix="!",
        intents=discord.Intents.default(),
        shard_count=shard_count,
        guild_ready_timeout=0.1,
    )
    async with running_bot(bot):
        guild = bot.get_guild(fake_discord.guild.id)
        assert guild is not None and guild.shard_id == 0
        assert bot.shard_count == 1 and bot.get_shard(0) is not None

    asked_gateway = bool(fake_discord.calls_to("GET", "/gateway/bot"))
    assert asked_gateway == (shard_count is None)
    assert fake_discord.identifies[0]["shard"] == [0, 1]


async def test_rest_answers_exact_json_content_type_and_404_for_unknown_routes() -> None:
    async with FakeDiscord() as server, aiohttp.ClientSession() as session:
        async with session.get(f"{server.api_base}/users/@me") as me:
            assert me.headers["Content-Type"] == "application/json"
            assert (await me.json())["id"] == str(server.bot_user.id)
        async with session.post(f"{server.api_base}/nothing/here", json={"a": 1}) as unknown:
            assert unknown.status == 404
            assert await unknown.json() == {"message": "Unknown", "code": 0}
    assert [(c.method, c.path, c.json) for c in server.unknown_calls] == [
        ("POST", "/nothing/here", {"a": 1})
    ]


def test_point_discord_at_sets_and_restores_the_urls() -> None:
    before = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    with point_discord_at("http://127.0.0.1:1234"):
        assert discord.http.Route("GET", "/users/@me").url == (
            "http://127.0.0.1:1234/api/v10/users/@me"
        )
        assert (
            str(discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY) == "ws://127.0.0.1:1234/gateway"
        )
    after = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    assert after == before


async def test_guilds_and_channels_are_configurable() -> None:
    guilds = [
        FakeGuild(id=1_300_000_000_000_000_001, name="One", channels=[FakeChannel(id=11)]),
        FakeGuild(id=1_300_000_000_000_000_002, name="Two", channels=[FakeChannel(id=22)]),
    ]
    async with FakeDiscord(guilds=guilds) as server:
        with point_discord_at(server.base_url):
            bot = TinyBot(guilds[0].id)
            async with running_bot(bot):
                assert sorted(g.name for g in bot.guilds) == ["One", "Two"]
                assert bot.get_channel(22) is not None


async def test_a_too_long_embed_is_refused_400_wherever_the_bot_sends_it() -> None:
    """Discord's limits are the fake's own: a response, an edit of @original, a followup, a
    channel message and a channel edit each get 400 Invalid Form Body naming the field."""
    too_long = discord.Embed(title="Too long", description="x" * 4097)
    refused: dict[str, discord.HTTPException] = {}

    async def attempt(where: str, send: Awaitable[object]) -> None:
        try:
            await send
        except discord.HTTPException as exc:
            refused[where] = exc

    async def oversize(interaction: discord.Interaction) -> None:
        channel = interaction.channel
        assert isinstance(channel, discord.TextChannel)
        await attempt("response", interaction.response.send_message(embed=too_long))
        await interaction.response.defer()
        await attempt("edit @original", interaction.edit_original_response(embed=too_long))
        await attempt("followup", interaction.followup.send(embed=too_long))
        await attempt("channel message", channel.send(embed=too_long))
        posted = await channel.send("fits")
        await attempt("channel edit", posted.edit(embed=too_long))
        await interaction.edit_original_response(content="done")

    async with FakeDiscord() as server:
        with point_discord_at(server.base_url), failing_on_error_logs():
            bot = TinyBot(server.guild.id)
            bot.tree.add_command(
                app_commands.Command(name="oversize", description="x", callback=oversize),
                guild=bot.guild_object,
            )
            async with running_bot(bot):
                final = await (await server.send_slash("oversize")).final_message()

    assert final["content"] == "done"
    assert sorted(refused) == sorted(
        ["response", "edit @original", "followup", "channel message", "channel edit"]
    )
    for where, exc in refused.items():
        assert (exc.status, exc.code) == (400, 50035), where
        assert "description: Must be 4096 or fewer in length." in exc.text, (where, exc.text)
    assert "In data.embeds.0.description" in refused["response"].text
    assert len(server.rejected) == 5
    [callback] = [c for c in server.rejected if c.path.startswith("/interactions/")]
    assert callback.response == {
        "code": 50035,
        "message": "Invalid Form Body",
        "errors": {
            "data": {
                "embeds": {
                    "0": {
                        "description": {
                            "_errors": [
                                {
                                    "code": "BASE_TYPE_MAX_LENGTH",
                                    "message": "Must be 4096 or fewer in length.",
                                }
                            ]
                        }
                    }
                }
            }
        },
    }
    # Nothing refused was stored: the channel shows only what fitted.
    assert [m["content"] for m in server.messages_in(server.channel.id)] == ["done", "fits"]


async def test_embeds_over_6000_characters_in_all_are_refused_even_if_each_fits() -> None:
    def embed(characters: int) -> dict[str, str]:
        return {"title": "t" * 256, "description": "d" * (characters - 256)}

    async with FakeDiscord() as server, aiohttp.ClientSession() as session:
        url = f"{server.api_base}/channels/{server.channel.id}/messages"
        async with session.post(url, json={"embeds": [embed(3000), embed(3000)]}) as fits:
            assert fits.status == 200
        async with session.post(url, json={"embeds": [embed(3000), embed(3001)]}) as over:
            assert over.status == 400
            assert await over.json() == {
                "code": 50035,
                "message": "Invalid Form Body",
                "errors": {
                    "embeds": {
                        "_errors": [
                            {
                                "code": "MAX_EMBED_SIZE_EXCEEDED",
                                "message": "Embed size exceeds maximum size of 6000",
                            }
                        ]
                    }
                },
            }
    assert len(server.messages_in(server.channel.id)) == 1
