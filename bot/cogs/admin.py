"""/reindex: rebuild the index from the configured sources, for admins only (checked every time)."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from retrieval import IngestProgress, IngestReport, ReindexInProgress, RetrievalError

from ..render import COLOUR, escape, shorten
from ..replies import NO_PINGS, new_ref, tell

if TYPE_CHECKING:
    from ..client import ArchiveBot

log = logging.getLogger(__name__)

PROGRESS_EVERY = 3.0
# Interaction tokens last 15 minutes; stop editing the reply a little before that.
EDIT_WINDOW = 14 * 60
REFUSED = "Only the bot's admins can reindex (ADMIN_USER_IDS / ADMIN_ROLE_IDS)."


def is_admin(bot: ArchiveBot, user: discord.abc.User) -> bool:
    """Listed in ADMIN_USER_IDS or holding a role in ADMIN_ROLE_IDS (Discord's permission is not enough)."""
    if user.id in bot.settings.admin_user_ids:
        return True
    roles = getattr(user, "roles", [])
    return any(role.id in bot.settings.admin_role_ids for role in roles)


def summary_embed(report: IngestReport) -> discord.Embed:
    """What a finished reindex changed."""
    embed = discord.Embed(title="Reindex finished", colour=COLOUR)
    embed.description = (
        f"Added **{len(report.added)}**, changed **{len(report.changed)}**, removed "
        f"**{len(report.removed)}**, unchanged **{len(report.unchanged)}** documents.\n"
        f"{report.passages:,} passages and {report.notes:,} notes (re)built; "
        f"{report.boilerplate_dropped:,} boilerplate paragraphs dropped; {report.seconds:.1f} s."
    )
    if report.skipped:
        lines = [
            f"• {escape(shorten(s.path, 80))}: {escape(shorten(s.reason, 120))}"
            for s in report.skipped
        ]
        value = ""
        for line in lines:
            if len(value) + len(line) + 30 > 1024:
                value += f"\n… and {len(lines) - value.count(chr(10)) - 1} more"
                break
            value += ("\n" if value else "") + line
        embed.add_field(name=f"Skipped {len(report.skipped)} file(s)", value=value, inline=False)
    return embed


class Admin(commands.Cog):
    """Admin commands."""

    def __init__(self, bot: ArchiveBot) -> None:
        self.bot = bot
        self._task: asyncio.Task | None = None

    @app_commands.command(name="reindex")
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    async def reindex(self, interaction: discord.Interaction) -> None:
        """Rebuild the archive index from the configured sources (admins only)."""
        if not is_admin(self.bot, interaction.user):
            await tell(interaction, REFUSED)
            return
        if self.bot.service.reindexing:
            await tell(interaction, "A reindex is already running; I'll keep answering meanwhile.")
            return
        await interaction.response.defer(thinking=True, ephemeral=True)
        self._task = asyncio.create_task(self._run(interaction))

    async def _run(self, interaction: discord.Interaction) -> None:
        progress: list[IngestProgress] = []
        began = time.monotonic()
        job = asyncio.create_task(
            self.bot.service.ingest(
                self.bot.settings.sources,
                exact=True,
                isolated=True,
                base_url=self.bot.settings.base_url,
                progress=progress.append,
            )
        )
        try:
            while not job.done():
                await asyncio.wait({job}, timeout=PROGRESS_EVERY)
                if not job.done() and progress and time.monotonic() - began < EDIT_WINDOW:
                    p = progress[-1]
                    await self._edit(
                        interaction,
                        content=f"Reindexing… {p.stage}: {p.files:,} files read, "
                        f"{p.documents:,} documents, {p.passages:,} passages "
                        f"({time.monotonic() - began:.0f} s). Questions are still answered.",
                    )
            report = job.result()
            self.bot.forget_documents()
            await self._edit(interaction, content="", embed=summary_embed(report))
        except ReindexInProgress:
            await self._edit(interaction, content="A reindex is already running.")
        except RetrievalError as exc:
            await self._edit(
                interaction,
                content=f"Reindex failed; the previous index keeps serving. Reason: {shorten(str(exc), 1500)}",
            )
        except Exception:
            ref = new_ref()
            log.exception("reindex failed (ref %s)", ref)
            await self._edit(
                interaction,
                content=f"Reindex failed (ref {ref}); the previous index keeps serving.",
            )

    async def _edit(self, interaction: discord.Interaction, **kwargs) -> None:
        try:
            await interaction.edit_original_response(allowed_mentions=NO_PINGS, **kwargs)
        except discord.HTTPException as exc:
            log.warning("could not update the reindex reply: %s", exc)


async def setup(bot: ArchiveBot) -> None:
    """Extension entry point."""
    await bot.add_cog(Admin(bot))
