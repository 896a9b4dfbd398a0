"""SHARD_COUNT: the bot runs discord.py's AutoShardedBot, asks Discord how many shards to run when
``auto``, identifies each shard, and answers in the guilds of every shard."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace

from conftest import Deployment, texts
from emulator import DiscordEmulator, run_client
from emulator.model import Guild

from bot.client import ArchiveBot, ShardedArchiveBot, new_bot
from retrieval import ArchiveService

QUESTION = "Who studied in Germany?"


def guild_on_shard(emu: DiscordEmulator, shard: int, count: int) -> Guild:
    """A new guild (the bot in it) whose events Discord sends to ``shard`` of ``count``."""
    while True:
        guild = emu.world.add_guild(f"guild on shard {shard}")
        if (guild.id >> 22) % count == shard:
            return guild


async def _no_wait(shard_id: int | None, *, initial: bool = False) -> None:
    """discord.py waits 5 s between shards' IDENTIFYs (Discord's pacing); not the point here."""


@asynccontextmanager
async def running(deployment: Deployment, **changes) -> AsyncIterator[ArchiveBot]:
    # Global commands, so that every guild has /ask.
    settings = replace(deployment.settings, dev_guild_id=None, **changes)
    service = await ArchiveService.open(settings.db_path, seed=deployment.settings.sources)
    try:
        bot = new_bot(
            service, settings, connector=deployment.emu.connector(), guild_ready_timeout=0.05
        )
        bot.before_identify_hook = _no_wait
        async with run_client(deployment.emu, bot) as ready:
            yield ready
    finally:
        await service.close()


def identified_shards(emu: DiscordEmulator) -> list[list[int] | None]:
    return [e.detail.get("shard") for e in emu.gateway.events if e.kind == "identify"]


async def ask_in(emu: DiscordEmulator, guild: Guild) -> str:
    user = await emu.add_user(f"asker in {guild.id}", guild=guild)
    record = await emu.invoke_slash(
        "ask", {"question": QUESTION}, user=user, channel=guild.text_channels[0]
    )
    return texts(await record.wait_for_message())


async def test_auto_asks_discord_and_serves_the_guilds_of_every_shard(
    deployment: Deployment,
) -> None:
    emu = deployment.emu
    emu.recommended_shards = 2
    first = (emu.guild.id >> 22) % 2
    other = guild_on_shard(emu, 1 - first, 2)
    async with running(deployment, shard_count="auto") as bot:
        assert isinstance(bot, ShardedArchiveBot)
        assert bot.shard_count == 2 and sorted(bot.shards) == [0, 1]
        assert sorted(identified_shards(emu)) == [[0, 2], [1, 2]]
        assert len(emu.requests_matching("GET", "/gateway/bot")) == 1
        assert {g.id for g in bot.guilds} >= {emu.guild.id, other.id}
        assert bot.get_guild(other.id).shard_id == 1 - first
        for guild in (emu.guild, other):
            assert "Zhu De" in await ask_in(emu, guild)
    emu.assert_clean()


async def test_a_fixed_shard_count_is_used_as_given(deployment: Deployment) -> None:
    emu = deployment.emu
    async with running(deployment, shard_count=3) as bot:
        assert isinstance(bot, ShardedArchiveBot) and bot.shard_count == 3
        assert sorted(identified_shards(emu)) == [[0, 3], [1, 3], [2, 3]]
        assert emu.requests_matching("GET", "/gateway/bot") == []
        assert "Zhu De" in await ask_in(emu, emu.guild)
    emu.assert_clean()


async def test_without_shard_count_one_connection(deployment: Deployment) -> None:
    emu = deployment.emu
    async with running(deployment) as bot:
        assert type(bot) is ArchiveBot
        assert len(identified_shards(emu)) == 1
        assert "Zhu De" in await ask_in(emu, emu.guild)
    emu.assert_clean()
