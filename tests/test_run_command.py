"""`articlebot run` as a process, pointed at the fake Discord with DISCORD_API_BASE and
DISCORD_GATEWAY_URL: a rejected token, and a bot that starts, syncs and answers."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.bot_harness import assert_nothing_pings
from tests.conftest import ROOT, WORDS_ONLY, environment_without_bot_settings
from tests.fake_discord.server import FakeDiscord

TOKEN = "not-a-real-token.but-secret.XYZ123"
# The tests of a refused token are about the start-up, not meaning: they skip encoding the
# seeds (WORDS_ONLY); the bot that connects and answers keeps the default.
DEFERRED_CHANNEL_MESSAGE = 5


async def _start_run(server: FakeDiscord, tmp_path: Path, **env: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-X",
        "faulthandler",  # a SIGABRT dumps every thread's stack (see below)
        "-m",
        "bot",
        "run",
        cwd=ROOT,
        env={
            **environment_without_bot_settings(),
            "DISCORD_API_BASE": server.api_base,
            "DISCORD_GATEWAY_URL": server.gateway_url,
            "ARTICLEBOT_DB": str(tmp_path / "bot.sqlite3"),
            "ARTICLEBOT_LOG_LEVEL": "DEBUG",
            **env,
        },
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


def _other_thread(pid: int) -> int:
    """A thread of the process other than its main one (aiosqlite's, the heartbeat's)."""
    threads = [int(t) for t in os.listdir(f"/proc/{pid}/task") if int(t) != pid]
    assert threads, "the bot runs worker threads"
    return threads[0]


@pytest.fixture
async def stopping() -> AsyncIterator[list[asyncio.subprocess.Process]]:
    """Processes to stop at teardown, so a failed test leaves nothing running."""
    started: list[asyncio.subprocess.Process] = []
    yield started
    for process in started:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_a_rejected_token_is_one_line_exit_2_and_never_printed(
    fake_discord: FakeDiscord, tmp_path: Path, stopping: list[asyncio.subprocess.Process]
) -> None:
    fake_discord.fail_always("GET", "/users/@me", status=401, code=0, message="401: Unauthorized")
    process = await _start_run(fake_discord, tmp_path, DISCORD_TOKEN=TOKEN, **WORDS_ONLY)
    stopping.append(process)

    async with asyncio.timeout(60):
        out, err = await process.communicate()

    text = err.decode()
    assert process.returncode == 2
    assert "articlebot: Discord rejected the token (check DISCORD_TOKEN)" in text
    assert "Traceback" not in text
    assert TOKEN not in text + out.decode()


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
async def test_run_connects_syncs_to_the_dev_guild_answers_and_stops_cleanly(
    fake_discord: FakeDiscord,
    tmp_path: Path,
    stopping: list[asyncio.subprocess.Process],
    stop: signal.Signals,
) -> None:
    guild_id = fake_discord.guild.id
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n")
    process = await _start_run(
        fake_discord,
        tmp_path,
        DISCORD_TOKEN_FILE=str(token_file),
        ARTICLEBOT_DEV_GUILD=str(guild_id),
    )
    stopping.append(process)

    app = fake_discord.application_id
    await fake_discord.wait_for_call(
        "PUT", f"/applications/{app}/guilds/{guild_id}/commands", timeout=60
    )
    await fake_discord.wait_for_sessions(1, timeout=30)
    assert fake_discord.identifies[0]["token"] == TOKEN
    interaction = await fake_discord.send_slash(
        "ask", {"question": "What do dopamine neurons encode?"}
    )
    assert (await interaction.response())["type"] == DEFERRED_CHANNEL_MESSAGE
    message = await interaction.final_message()

    [card] = message["embeds"]
    assert card["title"] == "Designing artificial brains can help us learn more about real ones"
    assert assert_nothing_pings(fake_discord) >= 1
    # Ctrl-C, or `docker stop`: the bot logs out and exits 0, promptly even when idle and
    # the signal lands on another thread than the event loop's (here, on purpose).
    os.kill(_other_thread(process.pid), stop)
    assert process.stdout is not None and process.stderr is not None
    output = asyncio.gather(process.stdout.read(), process.stderr.read())  # drains the pipes
    try:
        async with asyncio.timeout(30):
            await process.wait()
    except TimeoutError:
        # Seen once in CI under load: show where the process was stuck, then fail.
        process.send_signal(signal.SIGABRT)
        async with asyncio.timeout(10):
            await process.wait()
        stuck = (await output)[1].decode()[-6000:]
        pytest.fail(f"articlebot run did not stop within 30 s of {stop.name}:\n{stuck}")
    _, err = await output
    assert process.returncode == 0
    assert f"stopping on {stop.name}" in err.decode()
    assert TOKEN not in err.decode()
    assert not fake_discord.calls_to("PUT", f"/applications/{app}/commands")


# -- issue 8.14: one clear line, never a traceback -------------------------------------------


@pytest.mark.parametrize("shards", [None, "1"], ids=["one-client", "auto-sharded"])
async def test_the_gateway_closing_with_4004_is_one_line_exit_2_and_never_printed(
    fake_discord: FakeDiscord,
    tmp_path: Path,
    stopping: list[asyncio.subprocess.Process],
    shards: str | None,
) -> None:
    # The token passed REST but the gateway refuses it (revoked meanwhile).
    fake_discord.close_on_identify(4004)
    sharding = {"ARTICLEBOT_SHARD_COUNT": shards} if shards else {}
    process = await _start_run(
        fake_discord, tmp_path, DISCORD_TOKEN=TOKEN, **sharding, **WORDS_ONLY
    )
    stopping.append(process)

    async with asyncio.timeout(60):
        out, err = await process.communicate()

    text = err.decode()
    assert fake_discord.identify_count == 1
    assert process.returncode == 2, text[-3000:]
    assert "articlebot: Discord rejected the token (check DISCORD_TOKEN)" in text
    assert "Traceback" not in text
    assert TOKEN not in text + out.decode()


def _token_file(tmp_path: Path, content: bytes, mode: int = 0o600) -> Path:
    path = tmp_path / "discord_token"
    path.write_bytes(content)
    path.chmod(mode)
    return path


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"\xffnot-a-real-token\xfe\n", "is not UTF-8 text: is it the token file?"),
        (TOKEN.encode() + b"\nsecond-line-secret\n", "holds 2 lines; it must hold only the token"),
    ],
    ids=["not-utf8", "two-lines"],
)
async def test_a_token_file_that_is_not_one_utf8_line_is_one_line_exit_2(
    fake_discord: FakeDiscord,
    tmp_path: Path,
    stopping: list[asyncio.subprocess.Process],
    content: bytes,
    said: str,
) -> None:
    token_file = _token_file(tmp_path, content)
    process = await _start_run(fake_discord, tmp_path, DISCORD_TOKEN_FILE=str(token_file))
    stopping.append(process)

    async with asyncio.timeout(60):
        out, err = await process.communicate()

    text = err.decode(errors="replace")
    assert process.returncode == 2
    assert text.splitlines() == [f"articlebot: DISCORD_TOKEN_FILE {token_file} {said}"]
    assert out == b""
    assert fake_discord.calls == []  # nothing was sent anywhere
    assert "secret" not in text and "not-a-real-token" not in text


async def test_a_token_file_readable_by_others_is_warned_about_in_one_line(
    fake_discord: FakeDiscord, tmp_path: Path, stopping: list[asyncio.subprocess.Process]
) -> None:
    token_file = _token_file(tmp_path, TOKEN.encode() + b"\n", mode=0o644)
    # A rejected token ends the run at once: only the start-up is of interest here.
    fake_discord.fail_always("GET", "/users/@me", status=401, code=0, message="401: Unauthorized")
    process = await _start_run(
        fake_discord, tmp_path, DISCORD_TOKEN_FILE=str(token_file), **WORDS_ONLY
    )
    stopping.append(process)

    async with asyncio.timeout(60):
        _, err = await process.communicate()

    warnings = [line for line in err.decode().splitlines() if "readable by" in line]
    assert warnings == [
        f"WARNING bot.settings: DISCORD_TOKEN_FILE {token_file} is readable by other users "
        "(mode 0644): chmod 600 it, or make it readable only by the bot's user"
    ]
    assert TOKEN not in err.decode()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_discord_unreachable_at_start_is_retried_with_growing_delays_then_served(
    tmp_path: Path, stopping: list[asyncio.subprocess.Process]
) -> None:
    # Nothing listens on the port yet: Discord (or the network) is down when the bot starts.
    port = _free_port()
    server = FakeDiscord(port=port)
    token_file = _token_file(tmp_path, TOKEN.encode() + b"\n")
    process = await _start_run(
        server,
        tmp_path,
        DISCORD_TOKEN_FILE=str(token_file),
        ARTICLEBOT_DEV_GUILD=str(server.guild.id),
        ARTICLEBOT_LOG_LEVEL="INFO",
    )
    stopping.append(process)
    assert process.stderr is not None
    lines: list[str] = []

    async def read_until(text: str, count: int) -> None:
        assert process.stderr is not None
        while sum(text in line for line in lines) < count:
            line = await process.stderr.readline()
            assert line, "the process ended:\n" + "\n".join(lines[-30:])
            lines.append(line.decode().rstrip("\n"))

    async with asyncio.timeout(60):
        await read_until("Discord is unreachable", 2)

    async def drain() -> None:  # the pipe must not fill up while the bot runs
        assert process.stderr is not None
        while line := await process.stderr.readline():
            lines.append(line.decode().rstrip("\n"))

    draining = asyncio.create_task(drain())
    async with server:  # Discord is back
        await server.wait_for_sessions(1, timeout=60)
        interaction = await server.send_slash(
            "ask", {"question": "What do dopamine neurons encode?"}
        )
        message = await interaction.final_message()
        assert message["embeds"][0]["title"] == (
            "Designing artificial brains can help us learn more about real ones"
        )
        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(30):
            await process.wait()
            await draining

    attempt = re.compile(
        r"WARNING bot\.client: Discord is unreachable \((.+)\); "
        r"attempt (\d+) failed, trying again in (\d+) s"
    )
    attempts = [attempt.fullmatch(line) for line in lines if "unreachable" in line]
    assert all(attempts), lines
    assert [int(m[2]) for m in attempts if m] == list(range(1, len(attempts) + 1))
    delays = [int(m[3]) for m in attempts if m]
    assert delays[:2] == [1, 2] and delays == sorted(delays)
    assert all(f"127.0.0.1:{port}" in m[1] for m in attempts if m)
    assert process.returncode == 0
    text = "\n".join(lines)
    assert "Traceback" not in text
    assert TOKEN not in text
