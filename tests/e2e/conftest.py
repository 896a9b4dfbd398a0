"""The real bot, a real SQLite store and the real index, against the Discord emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path

import pytest
from emulator import DiscordEmulator, Perm, User, run_client

from bot.client import ArchiveBot
from bot.settings import Settings
from retrieval import ArchiveService, bundled_corpus

HOSTILE = Path(__file__).parents[1] / "data" / "hostile"


class Deployment:
    """The bot as a server runs it: settings, a database file, and start/stop."""

    def __init__(self, emu: DiscordEmulator, db: Path, admin: User) -> None:
        self.emu = emu
        self.admin = admin
        self.settings = Settings(
            token=emu.bot_token,
            db_path=db,
            sources=(bundled_corpus(), HOSTILE),
            admin_user_ids=frozenset({admin.id}),
            dev_guild_id=emu.guild.id,
            rate_limit_questions=100,
            rate_limit_seconds=30,
        )
        self.bot: ArchiveBot | None = None

    @asynccontextmanager
    async def running(self, **changes) -> AsyncIterator[ArchiveBot]:
        """Open the service and run the bot until the block ends (then close both)."""
        settings = replace(self.settings, **changes)
        # A new database is filled from the deployment's first sources, whatever /reindex reads.
        service = await ArchiveService.open(
            settings.db_path, seed=self.settings.sources, answer_workers=settings.answer_workers
        )
        try:
            bot = ArchiveBot(
                service, settings, connector=self.emu.connector(), guild_ready_timeout=0.05
            )
            async with run_client(self.emu, bot) as ready:
                self.bot = ready
                yield ready
        finally:
            self.bot = None
            await service.close()


@pytest.fixture
async def emu() -> AsyncIterator[DiscordEmulator]:
    async with DiscordEmulator(bot_name="Archive") as emulator:
        yield emulator


@pytest.fixture
async def deployment(emu: DiscordEmulator, tmp_path: Path) -> Deployment:
    admin = await emu.add_user("admin", permissions=Perm.MANAGE_GUILD)
    return Deployment(emu, tmp_path / "bot.sqlite3", admin)


@pytest.fixture
async def bot(deployment: Deployment) -> AsyncIterator[ArchiveBot]:
    async with deployment.running() as running:
        yield running


def texts(message) -> str:
    """Everything a user reads in a message: content and every embed's text."""
    parts: list[str] = [message.content]
    for embed in message.embeds:
        parts += [embed.get("title", ""), embed.get("description", "")]
        parts += [f"{f['name']} {f['value']}" for f in embed.get("fields", [])]
        parts.append(embed.get("footer", {}).get("text", ""))
    return "\n".join(parts)
