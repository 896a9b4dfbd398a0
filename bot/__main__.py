"""Start-up: settings, logging, open the store, build the service, run the bot."""

from __future__ import annotations

import asyncio
import logging
import sys

import discord

from retrieval import ArchiveService, RetrievalError, bundled_corpus, default_db_path

from .client import ArchiveBot
from .settings import Settings, SettingsError, load_settings

log = logging.getLogger("bot")

EXIT_CONFIG = 2


async def run_bot(settings: Settings) -> None:
    """Open the service, run the bot until it stops, then close both in order."""
    service = await ArchiveService.open(settings.db_path)
    try:
        async with ArchiveBot(service, settings) as bot:
            await bot.start(settings.token)
    finally:
        await service.close()


def main(env_file: str | None = ".env") -> int:
    """Run the bot; returns the exit code (2 for configuration errors)."""
    try:
        settings = load_settings(
            env_file=env_file, default_db=default_db_path(), default_sources=(bundled_corpus(),)
        )
    except SettingsError as exc:
        print(f"archive-bot: configuration error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    discord.utils.setup_logging(level=getattr(logging, settings.log_level))
    try:
        asyncio.run(run_bot(settings))
    except discord.LoginFailure:
        print(
            "archive-bot: Discord refused the token (DISCORD_TOKEN): reset it in the developer portal",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    except discord.PrivilegedIntentsRequired:
        print("archive-bot: Discord refused an intent this bot should not need", file=sys.stderr)
        return EXIT_CONFIG
    except RetrievalError as exc:
        print(f"archive-bot: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        log.info("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
