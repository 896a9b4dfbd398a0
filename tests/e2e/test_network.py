"""Network faults at start: Discord unreachable (closed port, DNS failure) means waiting and
retrying with one log line an attempt; a refused token means one line and exit 2, at once."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import socket
import time
from collections.abc import Callable
from dataclasses import replace

import aiohttp
import pytest
from aiohttp.abc import AbstractResolver, ResolveResult
from conftest import Deployment
from emulator import DiscordEmulator
from emulator.tls import client_ssl_context

from bot.__main__ import EXIT_CONFIG, serve
from bot.logs import setup_logging
from bot.runner import Backoff, BotRunner
from retrieval import ArchiveService
from retrieval.usage import LoggedQuestion


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Network:
    """Where the bot's connections go: nowhere (DNS fails, or a closed port) until it is up."""

    def __init__(self, emu: DiscordEmulator, fault: str) -> None:
        self.emu = emu
        self.fault = fault
        self.up = False
        self.dead_port = closed_port()

    def connector(self, **options: object) -> aiohttp.TCPConnector:
        return aiohttp.TCPConnector(
            resolver=_Resolver(self), ssl=client_ssl_context(), limit=0, **options
        )


class _Resolver(AbstractResolver):
    def __init__(self, network: Network) -> None:
        self.network = network

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        network = self.network
        if not network.up and network.fault == "dns":
            # What the system resolver raises when the name (or the network) is not there.
            raise OSError(socket.EAI_NONAME, "Name or service not known")
        port = network.emu.port if network.up else network.dead_port
        return [
            ResolveResult(
                hostname=host,
                host="127.0.0.1",
                port=port,
                family=socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
        ]

    async def close(self) -> None:
        pass


def recording_sleep(delays: list[float], network: Network, up_after: int) -> Callable:
    """A sleep that records how long the runner wanted to wait (no real waiting), and brings
    the network up after ``up_after`` waits."""

    async def sleep(seconds: float) -> None:
        delays.append(seconds)
        if len(delays) >= up_after:
            network.up = True
        await asyncio.sleep(0)

    return sleep


@pytest.mark.parametrize("fault", ["dns", "closed port"])
async def test_unreachable_discord_is_retried_with_backoff_then_connects(
    emu: DiscordEmulator, deployment: Deployment, caplog, fault: str
) -> None:
    network = Network(emu, fault)
    delays: list[float] = []
    service = await ArchiveService.open(
        deployment.settings.db_path, seed=deployment.settings.sources
    )
    runner = BotRunner(
        service,
        deployment.settings,
        connector=network.connector,
        sleep=recording_sleep(delays, network, up_after=5),
        backoff=Backoff(first=1.0, cap=8.0),
        guild_ready_timeout=0.05,
    )
    caplog.set_level(logging.INFO)
    task = asyncio.create_task(runner.run())
    try:
        await emu.wait_for_identify(timeout=30)
        assert runner.bot is not None
        await asyncio.wait_for(runner.bot.wait_until_ready(), 10)
        record = await emu.invoke_slash("ask", {"question": "Where did Deng Xiaoping study?"})
        assert (await record.wait_for_message()).embeds
    finally:
        await runner.stop()
        await task
        await service.close()
    assert delays == [1.0, 2.0, 4.0, 8.0, 8.0]  # doubling, capped
    lines = [r for r in caplog.records if "unreachable" in r.getMessage()]
    assert len(lines) == 5
    assert all(r.levelno == logging.WARNING and r.exc_info is None for r in lines)
    expected = "cannot resolve discord.com" if fault == "dns" else "cannot connect to discord.com"
    assert expected in lines[0].getMessage()
    assert "Traceback" not in caplog.text
    assert emu.bot_token not in caplog.text
    emu.assert_clean()


async def test_refused_token_is_one_line_exit_2_and_no_retry(
    emu: DiscordEmulator, deployment: Deployment, capsys, caplog
) -> None:
    settings = replace(deployment.settings, token=emu.bot_token + "x")
    delays: list[float] = []
    code = await serve(
        settings, connector=emu.connector, sleep=delays.append, guild_ready_timeout=0.05
    )
    assert code == EXIT_CONFIG
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "archive-bot: Discord refused the token (DISCORD_TOKEN): reset it in the developer portal"
    ]
    assert delays == []
    assert len(emu.requests_matching("GET", "/users/@me")) == 1
    assert settings.token not in caplog.text


async def test_network_lost_later_is_one_line_per_reconnect_then_resumes(
    emu: DiscordEmulator, deployment: Deployment
) -> None:
    """discord.py reconnects by itself after a loss; each failed try is one line, no traceback."""
    network = Network(emu, "dns")
    network.up = True
    out = io.StringIO()
    handler = setup_logging("INFO", "text", secret=emu.bot_token, stream=out)
    failed = asyncio.Event()

    class Watch(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if "Attempting a reconnect" in record.getMessage():
                network.up = True
                failed.set()

    watch = Watch()
    logging.getLogger().addHandler(watch)
    service = await ArchiveService.open(
        deployment.settings.db_path, seed=deployment.settings.sources
    )
    runner = BotRunner(
        service,
        deployment.settings,
        connector=lambda: network.connector(use_dns_cache=False),
        guild_ready_timeout=0.05,
    )
    task = asyncio.create_task(runner.run())
    try:
        await emu.wait_for_identify(timeout=30)
        network.up = False
        mark = await emu.drop_connection(None)  # the connection dies; DNS is gone too
        await asyncio.wait_for(failed.wait(), 30)
        await emu.wait_for_resume(since=mark, timeout=30)
        record = await emu.invoke_slash("ask", {"question": "Where did Deng Xiaoping study?"})
        assert (await record.wait_for_message()).embeds
    finally:
        await runner.stop()
        await task
        await service.close()
        logging.getLogger().removeHandler(handler)
        logging.getLogger().removeHandler(watch)
    text = out.getvalue()
    lines = [line for line in text.splitlines() if "Attempting a reconnect" in line]
    assert lines and all("cannot resolve gateway.discord.gg" in line for line in lines), text
    assert "Traceback" not in text
    assert "voice will NOT be supported" not in text
    assert emu.bot_token not in text


def test_log_lines_have_no_colour_off_a_terminal_and_json_is_one_object_a_line() -> None:
    out = io.StringIO()
    handler = setup_logging("INFO", "text", stream=out)
    try:
        logging.getLogger("bot.test").info("plain")
        handler = setup_logging("INFO", "json", stream=out)
        logging.getLogger("bot.test").warning("as %s", "json")
    finally:
        logging.getLogger().removeHandler(handler)
    text, json_line = out.getvalue().splitlines()
    assert "\x1b[" not in text and text.endswith("INFO    bot.test: plain")
    assert json.loads(json_line) | {"time": None} == {
        "time": None,
        "level": "WARNING",
        "logger": "bot.test",
        "message": "as json",
    }


def test_voice_warnings_are_silenced() -> None:
    import discord

    out = io.StringIO()
    handler = setup_logging("INFO", "text", stream=out)
    try:
        discord.Client(intents=discord.Intents.default())
        logging.getLogger("discord.client").warning(
            "PyNaCl is not installed, voice will NOT be supported"
        )
    finally:
        logging.getLogger().removeHandler(handler)
    assert out.getvalue() == ""


async def test_the_health_file_is_touched_once_connected(
    emu: DiscordEmulator, deployment: Deployment, tmp_path
) -> None:
    health = tmp_path / "alive"
    async with deployment.running(health_file=health) as bot:
        assert health.exists()
        health.unlink()
        await bot.heartbeat.coro(bot)  # one beat, as the loop runs it every 30 s
        assert health.exists()


async def test_expired_questions_and_old_log_entries_are_forgotten_at_start_up(
    deployment: Deployment,
) -> None:
    service = await ArchiveService.open(
        deployment.settings.db_path, seed=deployment.settings.sources
    )
    try:
        old = await service.save_question("Who went to France?", "123456789012345678")
        async with service.store.transaction() as w:
            await w.execute(
                "UPDATE saved_questions SET created_at = 0 WHERE question_id = ?", (old,)
            )
        fresh = await service.save_question("Who studied in Germany?", "123456789012345678")
        now = time.time()
        for days in (400, 1):
            entry = LoggedQuestion(f"asked {days} days ago", now - days * 86400, False, 1, "cli")
            await service.store.log_question(entry)
    finally:
        await service.close()
    async with deployment.running() as bot:  # nothing is called: start-up alone purges
        for _ in range(100):
            if await bot.service.saved_question(old) is None:
                break
            await asyncio.sleep(0.05)
        assert await bot.service.saved_question(old) is None
        assert await bot.service.saved_question(fresh) is not None
        report = await bot.service.question_report(days=500)
        assert report.asked == 1, report


async def test_expired_questions_are_forgotten_while_running(bot) -> None:
    old = await bot.service.save_question("Who went to France?", "123456789012345678")
    async with bot.service.store.transaction() as w:
        await w.execute("UPDATE saved_questions SET created_at = 0 WHERE question_id = ?", (old,))
    fresh = await bot.service.save_question("Who studied in Germany?", "123456789012345678")
    await bot.forget_expired.coro(bot)  # what the hourly loop runs
    assert await bot.service.saved_question(old) is None
    assert await bot.service.saved_question(fresh) is not None
