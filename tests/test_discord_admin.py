"""/admin end to end: the real ArticleBot against the fake Discord.

Who may run what (Manage Server for the group, the bot's owners for reload and sync), the
reload report with its progress, a failed reload, /admin status and /admin sync. Every test
asserts what the admin sees, fails on any ERROR log, and is bounded in time.
"""

from __future__ import annotations

import itertools
import shutil
import sqlite3
from pathlib import Path
from typing import Any

from bot.cogs.admin import bullet_list, reload_report_embed
from bot.models import IngestFailure, ReloadReport
from tests.bot_harness import (
    SEEDS,
    BotHarness,
    HarnessFactory,
    assert_embed_within_limits,
    assert_nothing_pings,
    assert_recorded_within_limits,
    time_bound,
    write_article,
)
from tests.fake_discord import (
    ADMIN_PERMISSIONS,
    MEMBER_PERMISSIONS,
    FakeDiscord,
    FakeInteraction,
    FakeUser,
    limits,
)

# The fake Discord's and the harness's fixtures, used by this module's tests.

Json = dict[str, Any]
MANAGE_SERVER_NEEDED = "You need the Manage Server permission for that."


async def admin(
    server: FakeDiscord,
    command: str,
    *,
    permissions: int = ADMIN_PERMISSIONS,
    user: FakeUser | None = None,
    **options: Any,
) -> FakeInteraction:
    return await server.send_slash(f"admin {command}", options, permissions=permissions, user=user)


async def reply(interaction: FakeInteraction) -> Json:
    """What the invoker sees once the bot is done: the (private) response message."""
    callback = await interaction.response()
    if callback["type"] == 4:
        return callback["data"]
    return await interaction.final_message()


async def final_report(server: FakeDiscord, interaction: FakeInteraction) -> Json:
    """The reload's last word: @original once it carries an embed (progress edits do not)."""

    def report() -> Json | None:
        shown = interaction.original
        return shown if shown and shown.get("embeds") else None

    return await server.world.changes.wait_for(
        report, timeout=15.0, describe=lambda: f"no report; edits: {interaction.edits}"
    )


def fields_of(message: Json) -> dict[str, str]:
    return {f["name"]: f["value"] for f in message["embeds"][0].get("fields", [])}


def corpus_copy(tmp_path: Path) -> Path:
    return Path(shutil.copytree(SEEDS, tmp_path / "corpus"))


# -- who may run /admin ------------------------------------------------------------------------


@time_bound()
async def test_a_member_without_manage_server_is_refused_every_admin_command(
    articlebot: BotHarness, fake_discord: FakeDiscord
) -> None:
    assert articlebot.library is not None
    before = await articlebot.library.store.last_reload()
    for command in ("reload", "status", "sync", "digest preview"):
        shown = await reply(await admin(fake_discord, command, permissions=MEMBER_PERMISSIONS))
        assert shown["flags"] & 64, command
        assert shown["content"] == MANAGE_SERVER_NEEDED, command
        assert not shown.get("embeds"), command
    assert await articlebot.library.store.last_reload() == before  # nothing was reloaded
    assert fake_discord.calls_to("PUT", r"/applications/\d+/commands") == []


@time_bound()
async def test_the_admin_group_is_hidden_from_members_by_default(
    articlebot: BotHarness, fake_discord: FakeDiscord
) -> None:
    [group] = [c for c in fake_discord.commands(fake_discord.guild.id) if c["name"] == "admin"]
    assert int(group["default_member_permissions"]) == 1 << 5  # Manage Server
    assert group.get("contexts") in (None, [0])  # servers only
    subcommands = {o["name"] for o in group["options"]}
    assert subcommands == {
        "reload",
        "status",
        "sync",
        "digest",
        "insights",
        "insights-forget",
        "autoanswer",
    }


@time_bound()
async def test_an_admin_who_is_not_an_owner_cannot_reload_or_sync(
    articlebot: BotHarness, fake_discord: FakeDiscord
) -> None:
    shown = await reply(await admin(fake_discord, "reload"))
    assert shown["flags"] & 64
    assert shown["content"] == (
        "Only the bot's owners can reload the corpus: it affects every server the bot is in."
    )
    shown = await reply(await admin(fake_discord, "sync", scope="global"))
    assert shown["content"] == (
        "Only the bot's owners can sync commands: it affects every server the bot is in."
    )
    assert fake_discord.calls_to("PUT", r"/applications/\d+/commands") == []


@time_bound()
async def test_the_application_owner_reloads_and_sees_the_report(
    start_articlebot: HarnessFactory, fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    corpus = corpus_copy(tmp_path)
    bot = await start_articlebot(corpora=[corpus])
    write_article(
        corpus,
        "new-article.md",
        body="A new article about neural networks and learning.",
        title="A brand new article",
        publishedDateTime="2024-01-02T03:04:05Z",
        webUrl="https://example.org/new",
        topics=["AI"],
    )
    (corpus / "broken.md").write_text("---\ntitle: [unclosed\n---\nbody\n", encoding="utf-8")
    removed = sorted(corpus.iterdir())[0]
    removed.unlink()
    owner = fake_discord.world.owner
    interaction = await admin(fake_discord, "reload", user=owner)

    assert (await interaction.response())["type"] == 5  # deferred: "thinking…"
    shown = await final_report(fake_discord, interaction)
    assert shown["flags"] & 64
    embed = shown["embeds"][0]
    assert embed["title"] == "Corpus reloaded — 1 failed"
    assert embed["description"].startswith(
        "5 articles serving · 1 added · 0 updated · 1 removed · 1 failed · 4 unchanged · took "
    )
    fields = fields_of(shown)
    assert fields["Added (1)"] == "• new-article.md"
    assert fields["Removed (1)"] == "• " + removed.name.replace("_", "\\_")  # markdown-escaped
    [failure] = fields["Failed (1)"].splitlines()
    assert failure.startswith("• ") and "broken.md: broken YAML frontmatter" in failure

    status = fields_of(await reply(await admin(fake_discord, "status")))
    assert status["Corpus"].startswith("5 articles")
    assert "1 added · 0 updated · 1 removed · 1 failed" in status["Last reload"]
    assert "broken.md: broken YAML frontmatter" in status["Last reload"]
    assert bot.library is not None and len(bot.library.catalog) == 5
    assert assert_recorded_within_limits(fake_discord) > 0
    assert assert_nothing_pings(fake_discord) > 0


@time_bound()
async def test_user_ids_listed_in_owner_ids_may_reload(
    start_articlebot: HarnessFactory, fake_discord: FakeDiscord
) -> None:
    await start_articlebot(settings={"owner_ids": frozenset({fake_discord.tester.id})})
    shown = await final_report(fake_discord, await admin(fake_discord, "reload"))
    assert shown["embeds"][0]["title"] == "Corpus reloaded"
    assert shown["embeds"][0]["description"].startswith(
        "5 articles serving · 0 added · 0 updated · 0 removed · 0 failed · 5 unchanged"
    )
    assert "fields" not in shown["embeds"][0] or shown["embeds"][0]["fields"] == []


@time_bound()
async def test_reload_shows_throttled_progress_then_the_report(
    start_articlebot: HarnessFactory, fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    corpus = corpus_copy(tmp_path)
    bot = await start_articlebot(
        corpora=[corpus], settings={"owner_ids": frozenset({fake_discord.tester.id})}
    )
    for i in range(40):
        write_article(corpus, f"extra-{i:02}.md", body=f"Body {i}.", title=f"Extra article {i}")
    interval = 0.1
    bot.cog("Admin").progress_interval = interval  # type: ignore[attr-defined]
    # Another writer (e.g. `articlebot ingest`) holds the database for a moment: the reload
    # waits for it, which leaves time to see its progress.
    blocker = sqlite3.connect(bot.settings.db_path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    interaction = await admin(fake_discord, "reload")
    # Every file is checked before the write that the blocker holds up: once that shows,
    # let the reload finish.
    checked = "Reloading the corpus… 45/45 files checked"
    await fake_discord.world.changes.wait_for(
        lambda: True if any(e.get("content") == checked for e in interaction.edits) else None,
        timeout=15.0,
        describe=lambda: f"no progress edit {checked!r}; edits: {interaction.edits}",
    )
    blocker.execute("ROLLBACK")
    blocker.close()
    shown = await final_report(fake_discord, interaction)

    assert shown["embeds"][0]["title"] == "Corpus reloaded"
    assert shown["embeds"][0]["description"].startswith("45 articles serving · 40 added")
    progress = [e["content"] for e in interaction.edits if e.get("content")]
    assert progress, interaction.edits
    assert all(p.startswith("Reloading the corpus… ") for p in progress)
    assert progress[-1] == "Reloading the corpus… 45/45 files checked"
    # Progress that did not move over an interval (behind the blocker) is not shown again.
    assert all(a != b for a, b in itertools.pairwise(progress)), progress
    final = interaction.edits[-1]
    assert final["embeds"][0]["title"] == "Corpus reloaded"
    assert not final.get("content")
    # The Added list is cut to fit its field, saying how many more there are.
    added = fields_of(shown)["Added (40)"]
    assert len(added) <= limits.EMBED_FIELD_VALUE
    assert added.startswith("• extra-00.md\n• extra-01.md")
    assert_recorded_within_limits(fake_discord)


@time_bound()
async def test_a_reload_shorter_than_the_progress_interval_shows_only_its_report(
    start_articlebot: HarnessFactory, fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    """Progress is shown once per interval, not once per file: 45 files checked within one
    interval make no progress edit at all (the throttle, seen without a clock)."""
    corpus = corpus_copy(tmp_path)
    bot = await start_articlebot(
        corpora=[corpus], settings={"owner_ids": frozenset({fake_discord.tester.id})}
    )
    for i in range(40):
        write_article(corpus, f"extra-{i:02}.md", body=f"Body {i}.", title=f"Extra article {i}")
    bot.cog("Admin").progress_interval = 3600.0  # type: ignore[attr-defined]

    interaction = await admin(fake_discord, "reload")
    shown = await final_report(fake_discord, interaction)

    assert shown["embeds"][0]["description"].startswith("45 articles serving · 40 added")
    assert [e for e in interaction.edits if e.get("content")] == []


@time_bound(90)
async def test_a_failed_reload_keeps_the_old_corpus_serving_and_says_so(
    start_articlebot: HarnessFactory, fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    corpus = corpus_copy(tmp_path)
    bot = await start_articlebot(
        corpora=[corpus], settings={"owner_ids": frozenset({fake_discord.tester.id})}
    )
    write_article(corpus, "new.md", body="Body.", title="Never loaded")
    # Another writer holds the database longer than SQLite's busy timeout (5 s).
    blocker = sqlite3.connect(bot.settings.db_path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        shown = await final_report(fake_discord, await admin(fake_discord, "reload"))
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    embed = shown["embeds"][0]
    assert embed["title"] == "Reload failed"
    assert embed["description"].startswith("StoreWriteError: ")
    assert "is locked by another process (a reload?): nothing was changed" in embed["description"]
    assert embed["description"].endswith(
        "Nothing changed: the previous corpus (5 articles) is still serving."
    )
    status = fields_of(await reply(await admin(fake_discord, "status")))
    assert status["Corpus"].startswith("5 articles")
    asked = await fake_discord.send_slash("ask", {"question": "What do dopamine neurons encode?"})
    assert (await asked.final_message(10.0))["embeds"]  # still answering from the old corpus


@time_bound()
async def test_status_shows_corpus_reload_digest_latency_and_version(
    articlebot: BotHarness, fake_discord: FakeDiscord
) -> None:
    assert articlebot.library is not None
    await articlebot.library.wait_for_vectors()  # the seeds' vectors fill in the background
    shown = await reply(await admin(fake_discord, "status"))
    assert shown["flags"] & 64
    assert shown["embeds"][0]["title"] == "articlebot status"
    fields = fields_of(shown)
    assert list(fields) == [
        "Corpus",
        "Last reload",
        "Vectors",
        "Daily digest",
        "Last digest",
        "Questions kept",
        "Auto-answer",
        "Gateway latency",
        "Version",
    ]
    assert fields["Corpus"] == "5 articles · 2 topics"
    assert fields["Last reload"].startswith("<t:")
    assert "5 added · 0 updated · 0 removed · 0 failed" in fields["Last reload"]
    assert fields["Vectors"] == "all articles encoded"
    assert fields["Daily digest"] == "off · no channel yet · 09:00 (UTC) · 3 articles · every topic"
    assert fields["Last digest"] == "never posted"
    assert fields["Questions kept"] == "0 (each for 90 days)"
    assert fields["Auto-answer"] == "no channel"
    assert fields["Gateway latency"].endswith(" ms") or fields["Gateway latency"] == "n/a"
    assert fields["Version"]


@time_bound()
async def test_owners_sync_commands_to_this_server_or_globally(
    start_articlebot: HarnessFactory, fake_discord: FakeDiscord
) -> None:
    await start_articlebot()
    owner = fake_discord.world.owner
    guild_puts = rf"/applications/\d+/guilds/{fake_discord.guild.id}/commands"
    before = len(fake_discord.calls_to("PUT", guild_puts))
    shown = await reply(await admin(fake_discord, "sync", user=owner))
    count = len(fake_discord.commands(fake_discord.guild.id))
    assert shown["content"] == f"Synced {count} commands to this server."
    assert len(fake_discord.calls_to("PUT", guild_puts)) == before + 1

    shown = await reply(await admin(fake_discord, "sync", user=owner, scope="global"))
    assert shown["content"].startswith("Synced ") and shown["content"].endswith(" globally.")
    assert len(fake_discord.calls_to("PUT", r"/applications/\d+/commands")) == 1
    assert {c["name"] for c in fake_discord.commands(None)} >= {"admin", "ask"}


# -- the report's rendering ----------------------------------------------------------------------


def test_a_long_report_is_cut_within_embed_limits() -> None:
    names = [f"folder/{'very-long-name-' * 8}{i}.md" for i in range(500)]
    report = ReloadReport(
        added=names,
        updated=names[:300],
        removed=names[:200],
        failed=[IngestFailure(n, "broken YAML frontmatter: " + "x" * 300) for n in names],
        duration_s=12.34,
        total=1000,
    )
    embed = reload_report_embed(report)
    assert embed["title"] == "Corpus reloaded — 500 failed"
    assert_embed_within_limits(embed)
    assert embed["fields"][0]["name"] == "Added (500)"
    assert embed["fields"][0]["value"].splitlines()[-1].startswith("… and ")


def test_bullet_lists_say_how_many_were_left_out() -> None:
    assert bullet_list(["a", "b"]) == "• a\n• b"
    cut = bullet_list([f"item {i}" for i in range(100)], limit=60)
    assert len(cut) <= 60
    lines = cut.splitlines()
    shown = len(lines) - 1
    assert lines[-1] == f"… and {100 - shown} more"
    assert bullet_list(["under_score *star*"]) == "• under\\_score \\*star\\*"
