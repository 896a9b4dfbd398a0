"""Admin commands, each checked at run time: /reindex rebuilds the index from its recorded and
configured sources; /stats shows what people ask (from the question log, no user ids)."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime

import discord
from discord import app_commands
from discord.ext import commands

from retrieval import IngestProgress, IngestReport, ReindexInProgress, RetrievalError
from retrieval.models import FeedbackSummary, ReindexPlan
from retrieval.usage import QuestionReport
from retrieval.wording import plural

from ..client import ArchiveBot
from ..render import COLOUR, escape, shorten
from ..replies import NO_PINGS, new_ref, send, tell

log = logging.getLogger(__name__)

PROGRESS_EVERY = 3.0
# Interaction tokens last 15 minutes; stop editing the reply a little before that.
EDIT_WINDOW = 14 * 60
REFUSED = (
    "Sorry, only the bot's admins can rebuild the index. "
    "If it needs rebuilding, ask the person who runs the bot."
)
# How many quoted documents /stats lists with their votes.
FEEDBACK_DOCUMENTS = 5
STATS_REFUSED = (
    "Sorry, only the bot's admins can see what people ask. "
    "If you need these figures, ask the person who runs the bot."
)


def is_admin(bot: ArchiveBot, user: discord.abc.User) -> bool:
    """Listed in ADMIN_USER_IDS or holding a role in ADMIN_ROLE_IDS (Discord's permission is not enough)."""
    if user.id in bot.settings.admin_user_ids:
        return True
    roles = getattr(user, "roles", [])
    return any(role.id in bot.settings.admin_role_ids for role in roles)


def _add_list(embed: discord.Embed, name: str, lines: list[str], empty: str = "none") -> None:
    """A full-width field of ``lines``, cut to fit Discord's 1,024 characters with how many were
    left out (``empty`` when there are none)."""
    value = ""
    for shown, line in enumerate(lines):
        if len(value) + len(line) + 30 > 1024:
            value += f"\n… and {len(lines) - shown} more"
            break
        value += ("\n" if value else "") + line
    embed.add_field(name=name, value=value or empty, inline=False)


def short_path(path: str, limit: int = 90) -> str:
    """A path for a message: its end is what tells paths apart, so a long one loses its start."""
    return escape(path if len(path) <= limit else "…" + path[-(limit - 1) :])


def plan_text(plan: ReindexPlan) -> str:
    """What a reindex will read (and drop), said before it starts."""
    names = [
        escape(shorten(r.path, 80))
        + ("" if r.path in plan.configured else " (from an earlier ingest)")
        for r in plan.read
    ]
    text = f"Reading {plural(len(plan.read), 'source')}: " + ", ".join(names[:8])
    if len(names) > 8:
        text += f" and {len(names) - 8} more"
    text += "."
    if plan.gone:
        gone = ", ".join(short_path(r.path) for r in plan.gone[:5])
        text += f" No longer there, so their documents will be removed: {gone}."
    return text


def summary_embed(report: IngestReport) -> discord.Embed:
    """What a finished reindex changed: counts, then what it removed and why, merged and skipped."""
    embed = discord.Embed(title="Reindex finished", colour=COLOUR)
    embed.description = (
        f"Documents: added **{len(report.added)}**, changed **{len(report.changed)}**, removed "
        f"**{len(report.removed)}**, unchanged **{len(report.unchanged)}**"
        + (f", merged **{len(report.merged)}**" if report.merged else "")
        + f", from {plural(len(report.roots), 'source')}.\n"
        f"{plural(report.passages, 'passage')} and {plural(report.notes, 'note')} (re)built; "
        f"{plural(report.boilerplate_dropped, 'boilerplate paragraph')} dropped; "
        f"{report.seconds:.1f} s."
    )
    if report.removals:
        by_reason: dict[str, list[str]] = {}
        for removal in report.removals:
            by_reason.setdefault(removal.reason, []).append(removal.doc_id)
        lines = [
            f"• {escape(shorten(reason, 160))}: {len(ids)} ("
            + escape(shorten(", ".join(ids), 200))
            + ")"
            for reason, ids in by_reason.items()
        ]
        _add_list(embed, f"Removed {plural(len(report.removals), 'document')}, because", lines)
    if report.kept_unreadable:
        lines = [
            f"• {short_path(folder, 160)}: no document could be read there now"
            for folder in report.kept_unreadable
        ]
        _add_list(embed, "Kept the documents of (an empty or unmounted folder?)", lines)
    if report.merged:
        lines = [
            f"• {escape(shorten(m.url or str(m.source), 100))} → {escape(shorten(m.doc_id, 80))}"
            + ("" if m.same_text else " (different text; kept the first copy)")
            for m in report.merged
        ]
        _add_list(
            embed, f"Merged {plural(len(report.merged), 'copy', 'copies')} of stored pages", lines
        )
    if report.skipped:
        lines = [
            f"• {escape(shorten(str(s.path), 80))}: {escape(shorten(s.reason, 160))}"
            for s in report.skipped
        ]
        _add_list(embed, f"Skipped {plural(len(report.skipped), 'file')}", lines)
    return embed


def stats_embed(
    report: QuestionReport, retention_days: float, feedback: FeedbackSummary
) -> discord.Embed:
    """The question log summed up for admins: per day, the most asked, the recent "not found",
    and the Helpful / Not helpful votes (all time), most voted documents first."""
    embed = discord.Embed(title=f"Questions, last {report.days} days", colour=COLOUR)
    embed.description = (
        f"**{report.asked}** asked, **{report.not_found}** not found (days in UTC). The log "
        f"keeps question texts for {retention_days:g} days and never who asked."
    )
    days = [
        f"`{d.day}` {d.asked}" + (f" ({d.not_found} not found)" if d.not_found else "")
        for d in report.per_day
    ]
    _add_list(embed, "Per day", days)
    asked = [
        f"{q.times}× {escape(shorten(q.question, 120))}"
        + (f" — not found {q.not_found}×" if q.not_found else "")
        for q in report.most_asked
    ]
    _add_list(embed, "Most asked", asked)
    missed = [
        f"<t:{int(datetime.fromisoformat(q.last_asked).timestamp())}:R> "
        f"{escape(shorten(q.question, 120))}"
        for q in report.recent_not_found
    ]
    _add_list(embed, "Recently not found", missed)
    up = sum(q.helpful for q in feedback.questions)
    down = sum(q.not_helpful for q in feedback.questions)
    votes = [
        f"`{escape(d.subject)}` {d.helpful} helpful, {d.not_helpful} not"
        for d in feedback.documents[:FEEDBACK_DOCUMENTS]
    ]
    _add_list(embed, f"Feedback: {up} helpful, {down} not helpful", votes, "no votes yet")
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
        """Re-read every source the index was built from, and the configured ones (admins only)."""
        if not is_admin(self.bot, interaction.user):
            await tell(interaction, REFUSED)
            return
        if self.bot.service.reindexing:
            await tell(interaction, "A reindex is already running; I'll keep answering meanwhile.")
            return
        await interaction.response.defer(thinking=True, ephemeral=True)
        self._task = asyncio.create_task(self._run(interaction))

    @app_commands.command(name="stats")
    @app_commands.describe(days="How many days back to count (1-31, default 14)")
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    async def stats(
        self, interaction: discord.Interaction, days: app_commands.Range[int, 1, 31] = 14
    ) -> None:
        """What people ask: questions per day, the most asked, the recent "not found" (admins only)."""
        if not is_admin(self.bot, interaction.user):
            await tell(interaction, STATS_REFUSED)
            return
        retention = self.bot.settings.question_retention_days
        if retention <= 0:
            await tell(interaction, "The question log is off (QUESTION_RETENTION_DAYS=0).")
            return
        await interaction.response.defer(thinking=True, ephemeral=True)
        report = await self.bot.service.question_report(max(1, min(days, 31)))
        feedback = await self.bot.service.feedback()
        await send(interaction, embed=stats_embed(report, retention, feedback), ephemeral=True)

    async def _run(self, interaction: discord.Interaction) -> None:
        progress: list[IngestProgress] = []
        began = time.monotonic()
        settings = self.bot.settings
        try:
            plan = await self.bot.service.reindex_plan(settings.sources, settings.base_url)
            planned = plan_text(plan)
            await self._edit(interaction, content=f"Reindexing… {planned}")
            job = asyncio.create_task(
                self.bot.service.ingest(
                    settings.sources,
                    exact=True,
                    isolated=True,
                    base_url=settings.base_url,
                    progress=progress.append,
                )
            )
            while not job.done():
                await asyncio.wait({job}, timeout=PROGRESS_EVERY)
                if not job.done() and progress and time.monotonic() - began < EDIT_WINDOW:
                    p = progress[-1]
                    await self._edit(
                        interaction,
                        content=f"Reindexing… {p.stage}: {p.files:,} files read, "
                        f"{p.documents:,} documents, {p.passages:,} passages "
                        f"({time.monotonic() - began:.0f} s). Questions are still answered.\n"
                        f"{planned}",
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
