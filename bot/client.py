"""The Bot subclass: holds the service and settings, loads the cogs, syncs commands when they change."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands, tasks

from retrieval import ArchiveService, DocumentInfo, RetrievalError
from retrieval.wording import plural

from .ratelimit import RateLimiter
from .replies import NO_PINGS, report_unexpected, tell
from .settings import Settings
from .views import FeedbackButton, NotesButton, PageButton

log = logging.getLogger(__name__)

EXTENSIONS = (
    "bot.cogs.ask",
    "bot.cogs.find",
    "bot.cogs.footnotes",
    "bot.cogs.admin",
    "bot.cogs.about",
    "bot.cogs.help",
)
_DOCUMENTS_TTL = 60.0
HEARTBEAT_SECONDS = 30.0


class ArchiveTree(app_commands.CommandTree):
    """Turns errors in commands into ephemeral replies."""

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        original = getattr(error, "original", error)
        if isinstance(original, RetrievalError):
            await tell(interaction, str(original))
        elif isinstance(error, app_commands.CheckFailure):
            await tell(interaction, "You can't use this command here.")
        else:
            await report_unexpected(interaction, original)


class ArchiveBot(commands.Bot):
    """The archive bot. The service is opened by the caller and closed by the caller."""

    def __init__(
        self,
        service: ArchiveService,
        settings: Settings,
        *,
        content_intent: bool = True,
        **options: Any,
    ) -> None:
        """``content_intent`` False: never ask for the Message Content intent (Discord refused
        it), so answer channels stay off while mentions and commands keep working."""
        intents = discord.Intents.default()
        # Mentions carry their text without the privileged intent; answer channels read every
        # message, which needs it.
        intents.message_content = content_intent and bool(settings.answer_channel_ids)
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            help_command=None,
            allowed_mentions=NO_PINGS,
            tree_cls=ArchiveTree,
            **options,
        )
        self.service = service
        self.settings = settings
        self.limiter = RateLimiter(settings.rate_limit_questions, settings.rate_limit_seconds)
        self._documents: list[DocumentInfo] = []
        self._documents_at = 0.0
        self.was_ready = False  # connected at least once (the runner's backoff starts again)

    async def setup_hook(self) -> None:
        if self.settings.health_file is not None:
            self.heartbeat.start()
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        self.add_dynamic_items(PageButton, NotesButton, FeedbackButton)
        self.forget_expired.start()  # now, then every hour
        await self.sync_commands_if_changed()

    @tasks.loop(hours=1)
    async def forget_expired(self) -> None:
        """Delete saved questions (and who asked them) once their buttons have expired, and
        question-log entries older than QUESTION_RETENTION_DAYS: every hour, not only at
        start-up, since a bot may run for months."""
        try:
            await self.service.forget_questions_older_than(self.settings.answer_expiry_hours * 3600)
            await self.service.forget_logged_questions_older_than(
                self.settings.question_retention_days * 86400
            )
        except RetrievalError as exc:
            log.warning("could not delete expired questions: %s", exc)

    @tasks.loop(seconds=HEARTBEAT_SECONDS)
    async def heartbeat(self) -> None:
        """Touch the health file while the gateway connection is up (a health check reads its
        age: older than a few beats means the bot is not connected)."""
        if self.is_ready() and not self.is_closed():
            self._touch_health_file()

    def _touch_health_file(self) -> None:
        if self.settings.health_file is None:
            return
        try:
            self.settings.health_file.touch()
        except OSError as exc:
            log.warning("cannot touch the health file: %s", exc)

    async def close(self) -> None:
        self.heartbeat.cancel()
        self.forget_expired.cancel()
        await super().close()

    async def on_message(self, message: discord.Message) -> None:
        """Mentions are handled by the Ask cog; there are no prefix commands to process."""

    def _scope(self) -> discord.Object | None:
        return discord.Object(self.settings.dev_guild_id) if self.settings.dev_guild_id else None

    def command_payload(self) -> list[dict]:
        """The command definitions as Discord receives them (their hash decides a sync)."""
        guild = self._scope()
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        return [c.to_dict(self.tree) for c in self.tree.get_commands(guild=guild)]

    async def sync_commands_if_changed(self) -> bool:
        """Sync when the definitions differ from the last sync (global syncs are rate-limited)."""
        guild = self._scope()
        payload = json.dumps(self.command_payload(), sort_keys=True)
        digest = hashlib.sha256(payload.encode()).hexdigest()
        app_id = self.application_id or 0
        key = f"command_hash:{app_id}:{guild.id if guild else 'global'}"
        if await self.service.state(key) == digest:
            log.info("commands unchanged since the last sync; not syncing")
            return False
        synced = await self.tree.sync(guild=guild)
        await self.service.set_state(key, digest)
        log.info(
            "synced %d commands to %s", len(synced), f"guild {guild.id}" if guild else "all servers"
        )
        return True

    async def documents(self) -> list[DocumentInfo]:
        """The document list for autocomplete, cached briefly (autocomplete runs per keystroke)."""
        if time.monotonic() - self._documents_at > _DOCUMENTS_TTL:
            self._documents = await self.service.documents()
            self._documents_at = time.monotonic()
        return self._documents

    def forget_documents(self) -> None:
        """Drop the cached document list (after a reindex)."""
        self._documents_at = 0.0

    async def on_ready(self) -> None:
        self.was_ready = True
        self._touch_health_file()
        log.info(
            "connected as %s (id %s) to %d servers",
            self.user,
            self.user.id if self.user else "?",
            len(self.guilds),
        )
        if self.intents.message_content:
            wanted = sorted(self.settings.answer_channel_ids)
            unseen = [str(i) for i in wanted if self.get_channel(i) is None]
            log.info("answering questions in %s, in threads", plural(len(wanted), "answer channel"))
            if unseen:
                log.warning(
                    "ANSWER_CHANNEL_IDS names channels this bot cannot see: %s (check the ids "
                    "and the bot's View Channels permission there)",
                    ", ".join(unseen),
                )


class ShardedArchiveBot(ArchiveBot, commands.AutoShardedBot):
    """The same bot over several gateway connections (``SHARD_COUNT``): Discord requires shards
    from 2,500 servers on, each connection carrying the events of its share of the servers."""


def new_bot(service: ArchiveService, settings: Settings, **options: Any) -> ArchiveBot:
    """The bot ``settings`` ask for: sharded when ``SHARD_COUNT`` is set (``auto`` asks Discord
    how many shards to run), one connection otherwise."""
    if settings.shard_count is None:
        return ArchiveBot(service, settings, **options)
    count = None if settings.shard_count == "auto" else settings.shard_count
    return ShardedArchiveBot(service, settings, shard_count=count, **options)
