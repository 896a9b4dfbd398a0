"""/ask and questions asked by mentioning the bot."""

from __future__ import annotations

import logging
import re
import time

import discord
from discord import app_commands
from discord.ext import commands

from retrieval import Answer, Filters, RetrievalError, split_filters
from retrieval.filters import EARLIEST, LATEST
from retrieval.wording import plural

from ..answers import first_page
from ..client import ArchiveBot
from ..mentions import fetch_mentioned, named
from ..render import CHOICE_NAME, shorten
from ..replies import NO_PINGS, new_ref, send, tell
from ..views import answer_view

log = logging.getLogger(__name__)

MAX_QUESTION = 500
MAX_CHOICES = 25
USAGE = (
    "Ask me about the archive: mention me with a question, e.g. "
    "`@{name} Where did Deng Xiaoping become a communist?`, or use `/ask`."
)


def slow_down(seconds: float) -> str:
    """The rate-limit reply: when the user may ask again."""
    when = int(time.time() + seconds + 0.999)
    return f"You're asking quickly. You can ask again <t:{when}:R> (in {seconds:.0f} s)."


def cannot_search(error: RetrievalError) -> str:
    """Why a question cannot be searched, in the words the user reads."""
    return f"I can't search that: {error}."


async def log_question(bot: ArchiveBot, answer: Answer) -> None:
    """Add an answered question to the question log (no user id), unless the log is off; a
    failure to log never fails the answer."""
    if bot.settings.question_retention_days <= 0:
        return
    try:
        await bot.service.log_question(answer, "discord")
    except RetrievalError as exc:
        log.warning("could not log a question: %s", exc)


class Ask(commands.Cog):
    """Questions: the slash command and mentions."""

    def __init__(self, bot: ArchiveBot) -> None:
        self.bot = bot

    @app_commands.command(name="ask")
    @app_commands.rename(part="in", year_from="from", year_to="to")
    @app_commands.describe(
        question='What you want to know; put "quotes" around words that must appear together',
        results="How many excerpts to show (1-5, default 3)",
        only_me="Show the answer only to you",
        part="Search only this part of the archive (MIM Notes, FAQ, film reviews…)",
        year_from="Only documents dated this year or later (undated ones are left out)",
        year_to="Only documents dated this year or earlier (undated ones are left out)",
    )
    async def ask(
        self,
        interaction: discord.Interaction,
        question: app_commands.Range[str, 1, MAX_QUESTION],
        results: app_commands.Range[int, 1, 5] = 3,
        only_me: bool = False,
        part: app_commands.Range[str, 1, 100] | None = None,
        year_from: app_commands.Range[int, EARLIEST, LATEST] | None = None,
        year_to: app_commands.Range[int, EARLIEST, LATEST] | None = None,
    ) -> None:
        """Ask the archive a question; the answer quotes it word for word, with sources."""
        try:
            self.bot.service.check_question(question)
            filters = Filters(part, year_from, year_to)
            if filters:  # autocomplete only suggests: what was sent is checked here
                filters = (await self.bot.service.catalogue()).check(filters)
        except RetrievalError as exc:
            await tell(interaction, cannot_search(exc))
            return
        wait = self.bot.limiter.retry_after(interaction.user.id)
        if wait:
            await tell(interaction, slow_down(wait))
            return
        await interaction.response.defer(thinking=True, ephemeral=only_me)
        users = await fetch_mentioned(self.bot, interaction.guild, question)
        shown = "Q: " + named(question, interaction.guild, users, self.bot)
        saved_id, page = await first_page(
            self.bot.service, question, interaction.user.id, shown, results, filters
        )
        await send(
            interaction,
            embed=page.embed,
            view=answer_view(saved_id, results, page),
            ephemeral=only_me,
        )
        await log_question(self.bot, page.answer)

    @ask.autocomplete("part")
    async def part_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """Parts of the archive whose folder or name contains what was typed, largest first."""
        typed = current.casefold().strip()
        catalogue = await self.bot.service.catalogue()
        return [
            app_commands.Choice(
                name=shorten(f"{p.name} · {plural(p.documents, 'document')}", CHOICE_NAME),
                value=p.path,
            )
            for p in catalogue.parts
            if (not typed or typed in p.name.casefold()) and len(p.path) <= CHOICE_NAME
        ][:MAX_CHOICES]

    @ask.autocomplete("year_from")
    @ask.autocomplete("year_to")
    async def year_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        """Years documents are dated, with how many, starting with what was typed."""
        typed = current.strip()
        years = (await self.bot.service.catalogue()).year_counts()
        return [
            app_commands.Choice(name=f"{year} · {plural(count, 'document')}", value=year)
            for year, count in years.items()
            if str(year).startswith(typed)
        ][:MAX_CHOICES]

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Answer a message that mentions the bot, as a reply to it."""
        me = self.bot.user
        if message.author.bot or me is None or not any(u.id == me.id for u in message.mentions):
            return
        question = re.sub(rf"<@!?{me.id}>", " ", message.content).strip()
        try:
            await self._answer_mention(message, question)
        except discord.HTTPException as exc:
            log.warning("could not reply to message %s: %s", message.id, exc)
        except Exception:
            ref = new_ref()
            log.exception("unexpected error (ref %s) answering message %s", ref, message.id)
            await self._reply(message, content=f"Something went wrong (ref {ref}).")

    async def _answer_mention(self, message: discord.Message, question: str) -> None:
        if not question:
            me = self.bot.user
            await self._reply(message, content=USAGE.format(name=me.display_name if me else "bot"))
            return
        try:
            searched, filters = split_filters(question)
            self.bot.service.check_question(searched)
            if filters:
                filters = (await self.bot.service.catalogue()).check(filters)
        except RetrievalError as exc:
            await self._reply(message, content=cannot_search(exc))
            return
        wait = self.bot.limiter.retry_after(message.author.id)
        if wait:
            await self._reply(message, content=slow_down(wait))
            return
        shown = "Q: " + named(question, message.guild, message.mentions, self.bot)
        async with message.channel.typing():
            saved_id, page = await first_page(
                self.bot.service, searched, message.author.id, shown, 3, filters
            )
        await self._reply(message, embed=page.embed, view=answer_view(saved_id, 3, page))
        await log_question(self.bot, page.answer)

    async def _reply(self, message: discord.Message, **kwargs) -> None:
        await message.reply(allowed_mentions=NO_PINGS, mention_author=False, **kwargs)


async def setup(bot: ArchiveBot) -> None:
    """Extension entry point."""
    await bot.add_cog(Ask(bot))
