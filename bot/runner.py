"""Keeping the bot connected: retry while Discord cannot be reached, stop at once when it refuses us.

Every attempt is a fresh :class:`ArchiveBot` around the same open service (a client that failed to
log in holds a half-made HTTP session; a new one starts clean). Once connected, discord.py itself
resumes or reconnects the gateway after a network loss; if it gives up, a new attempt starts here.
When Discord refuses the Message Content intent (answer channels need it), the runner says so
once and connects again at once without it: mentions and commands work without it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import discord

from retrieval import ArchiveService

from .client import ArchiveBot, new_bot
from .logs import NETWORK_ERRORS, describe_network_error
from .settings import Settings

log = logging.getLogger(__name__)

CONTENT_INTENT_REFUSED = (
    "Discord refused the Message Content intent, so ANSWER_CHANNEL_IDS is ignored: answer "
    "channels are off, mentions and /ask keep working. To turn it on: Developer Portal -> your "
    "application -> Bot -> Privileged Gateway Intents -> Message Content Intent, then restart "
    "the bot."
)


@dataclass(frozen=True)
class Backoff:
    """Capped exponential backoff: ``first``, twice that, ... never more than ``cap`` seconds."""

    first: float = 1.0
    cap: float = 120.0

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        return min(self.cap, self.first * 2 ** min(attempt - 1, 30))


def is_network_error(exc: BaseException) -> bool:
    """Whether ``exc`` means "Discord cannot be reached right now" (worth retrying)."""
    return isinstance(exc, NETWORK_ERRORS) and not isinstance(exc, discord.LoginFailure)


class BotRunner:
    """Runs the bot until :meth:`stop`, retrying network failures; a refused token raises
    :class:`discord.LoginFailure` at once."""

    def __init__(
        self,
        service: ArchiveService,
        settings: Settings,
        *,
        connector: Callable[[], aiohttp.BaseConnector] | None = None,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        backoff: Backoff = Backoff(),
        **bot_options: Any,
    ) -> None:
        self.service = service
        self.settings = settings
        self.connector = connector
        self.sleep = sleep
        self.backoff = backoff
        self.bot_options = bot_options
        self.bot: ArchiveBot | None = None
        self.attempts = 0
        self.content_intent = True  # False once Discord refused the Message Content intent
        self._stopping = False

    def _new_bot(self) -> ArchiveBot:
        options = dict(self.bot_options)
        if self.connector is not None:
            options["connector"] = self.connector()
        return new_bot(self.service, self.settings, content_intent=self.content_intent, **options)

    async def run(self) -> None:
        """Connect, and connect again after each network failure, until :meth:`stop`."""
        failures = 0
        while not self._stopping:
            self.attempts += 1
            bot = self.bot = self._new_bot()
            try:
                async with bot:
                    await bot.start(self.settings.token)
                return  # closed on purpose
            except discord.PrivilegedIntentsRequired:
                if self._stopping:
                    return
                if not bot.intents.message_content:
                    raise  # an intent this bot never asks for
                log.warning(CONTENT_INTENT_REFUSED)
                self.content_intent = False
                continue  # at once, without the intent
            except Exception as exc:
                if self._stopping:
                    return
                if not is_network_error(exc):
                    raise
                # A bot that had connected lost the network later: start the count again.
                failures = 1 if bot.was_ready else failures + 1
                wait = self.backoff.delay(failures)
                log.warning(
                    "Discord is unreachable (%s); attempt %d failed, retrying in %.0f s",
                    describe_network_error(exc),
                    failures,
                    wait,
                )
            await self.sleep(wait)

    async def stop(self) -> None:
        """Close the current bot and end :meth:`run`."""
        self._stopping = True
        if self.bot is not None:
            await self.bot.close()
