"""Start-up: settings, logging, open the store, build the service, run the bot.

Exit codes: 0 stopped on purpose, 1 a data or Discord error, 2 a configuration error (a bad
setting, a token Discord refuses). Discord being unreachable is no error: the bot waits and retries.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from pathlib import Path
from typing import Any

import discord

from retrieval import ArchiveService, RetrievalError, bundled_corpus, default_db_path

from .logs import setup_logging
from .runner import BotRunner
from .settings import Settings, SettingsError, load_settings

log = logging.getLogger("bot")

EXIT_OK, EXIT_ERROR, EXIT_CONFIG = 0, 1, 2


def _fail(message: str) -> None:
    print(f"archive-bot: {message}", file=sys.stderr)


async def serve(settings: Settings, **runner_options: Any) -> int:
    """Open the service, run the bot until it stops, close both in order; returns the exit code.

    ``runner_options`` go to :class:`BotRunner` (tests pass a connector and a sleep).
    """
    try:
        service = await ArchiveService.open(
            settings.db_path, answer_workers=settings.answer_workers
        )
    except RetrievalError as exc:
        _fail(f"error: {exc}")
        return EXIT_ERROR
    runner = BotRunner(service, settings, **runner_options)
    loop = asyncio.get_running_loop()
    stop = lambda: asyncio.ensure_future(runner.stop())  # noqa: E731
    for sig in (signal.SIGTERM, signal.SIGINT):
        # Not in the main thread, or not a Unix loop: Ctrl-C still ends asyncio.run.
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, stop)
    try:
        await runner.run()
    except discord.LoginFailure:
        _fail("Discord refused the token (DISCORD_TOKEN): reset it in the developer portal")
        return EXIT_CONFIG
    except discord.PrivilegedIntentsRequired:
        _fail("Discord refused an intent this bot should not need")
        return EXIT_CONFIG
    except discord.HTTPException as exc:
        _fail(f"Discord refused the start ({exc.status}: {exc.text or 'no reason given'})")
        return EXIT_ERROR
    except RetrievalError as exc:
        _fail(f"error: {exc}")
        return EXIT_ERROR
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.remove_signal_handler(sig)
        await service.close()
    log.info("stopped")
    return EXIT_OK


def main(env_file: str | None = ".env", db: Path | None = None, file_named: bool = False) -> int:
    """Run the bot; returns the exit code. ``db`` (from ``--db``) wins over ``ARCHIVE_BOT_DB``;
    ``file_named``: the settings file was named on the command line, and must exist."""
    if file_named and env_file is not None and not Path(env_file).exists():
        _fail(f"configuration error: --env-file {env_file}: no such file")
        return EXIT_CONFIG
    try:
        settings = load_settings(
            env_file=env_file,
            default_db=default_db_path(),
            default_sources=(bundled_corpus(),),
            db=db,
        )
    except SettingsError as exc:
        _fail(f"configuration error: {exc}")
        return EXIT_CONFIG
    setup_logging(settings.log_level, settings.log_format, secret=settings.token)
    try:
        return asyncio.run(serve(settings))
    except KeyboardInterrupt:
        log.info("stopped")
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
