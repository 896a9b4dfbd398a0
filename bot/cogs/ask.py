"""/ask and questions asked by mentioning the bot."""

from __future__ import annotations

import logging
import re
import time
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from retrieval import Answer, RetrievalError

from ..answers import compose
from ..replies import NO_PINGS, new_ref, send, tell
from ..views import answer_view

if TYPE_CHECKING:
    from ..client import ArchiveBot

log = logging.getLogger(__name__)

MAX_QUESTION = 500
USAGE = (
    "Ask me about the archive: mention me with a question, e.g. "
    "`@{name} Where did Deng Xiaoping become a communist?`, or use `/ask`."
)


def slow_down(seconds: float) -> str:
    """The rate-limit reply: when the user may ask again."""
    when = int(time.time() + seconds + 0.999)
    return f"You're asking quickly. You can ask again <t:{when}:R> (in {seconds:.0f} s)."


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
    @app_commands.describe(
        question='What you want to know; put "quotes" around words that must appear together',
        results="How many excerpts to show (1-5, default 3)",
        only_me="Show the answer only to you",
    )
    async def ask(
        self,
        interaction: discord.Interaction,
        question: app_commands.Range[str, 1, MAX_QUESTION],
        results: app_commands.Range[int, 1, 5] = 3,
        only_me: bool = False,
    ) -> None:
        """Ask the archive a question; the answer quotes it word for word, with sources."""
        try:
            question = self.bot.service.check_question(question)
        except RetrievalError as exc:
            await tell(interaction, f"I can't search that: {exc}.")
            return
        wait = self.bot.limiter.retry_after(interaction.user.id)
        if wait:
            await tell(interaction, slow_down(wait))
            return
        await interaction.response.defer(thinking=True, ephemeral=only_me)
        saved_id = await self.bot.service.save_question(question, str(interaction.user.id))
        saved = await self.bot.service.saved_question(saved_id)
        page = await compose(self.bot.service, saved, 0, results)
        await send(
            interaction,
            embed=page.embed,
            view=answer_view(saved_id, 0, results, page.more),
            ephemeral=only_me,
        )
        await log_question(self.bot, page.answer)

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
            await self._reply(message, content=USAGE.format(name=self.bot.user.display_name))
            return
        try:
            question = self.bot.service.check_question(question)
        except RetrievalError as exc:
            await self._reply(message, content=f"I can't search that: {exc}.")
            return
        wait = self.bot.limiter.retry_after(message.author.id)
        if wait:
            await self._reply(message, content=slow_down(wait))
            return
        async with message.channel.typing():
            saved_id = await self.bot.service.save_question(question, str(message.author.id))
            saved = await self.bot.service.saved_question(saved_id)
            page = await compose(self.bot.service, saved, 0, 3)
        await self._reply(message, embed=page.embed, view=answer_view(saved_id, 0, 3, page.more))
        await log_question(self.bot, page.answer)

    async def _reply(self, message: discord.Message, **kwargs) -> None:
        await message.reply(allowed_mentions=NO_PINGS, mention_author=False, **kwargs)


async def setup(bot: ArchiveBot) -> None:
    """Extension entry point."""
    await bot.add_cog(Ask(bot))
