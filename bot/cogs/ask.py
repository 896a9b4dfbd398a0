"""Questions: /ask, a mention of the bot, and messages in answer channels, all answered by one
path (check, rate limit, save, compose, send)."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from retrieval import MAX_QUESTION_CHARS, Answer, Filters, RetrievalError, split_filters
from retrieval.filters import EARLIEST, LATEST
from retrieval.wording import plural

from ..answers import first_page
from ..asking import asks_about_the_reply, asks_something, message_echo, thread_name
from ..client import ArchiveBot
from ..mentions import fetch_mentioned, named
from ..render import CHOICE_NAME, shorten
from ..replies import InteractionReply, MessageReply, Reply, ThreadReply, new_ref
from ..views import answer_view

log = logging.getLogger(__name__)

MAX_CHOICES = 25
USAGE = (
    "Ask me about the archive: mention me with a question, e.g. "
    "`@{name} Where did Deng Xiaoping become a communist?`, or use `/ask` (`/help` has "
    "examples)."
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


@dataclass(frozen=True)
class Asked:
    """A question as it arrived. Filters may be typed in the text (``in:faq …``); a command's
    options add ``filters`` (None: a message has none). ``mentioned`` None: the users it
    mentions are looked up (a command's text carries bare ids); a message lists them itself.
    ``shown``: how it is shown above the answer, when not as ``Q: …`` (someone else's message
    looked up)."""

    text: str
    asker: int
    guild: discord.Guild | None
    filters: Filters | None = None
    mentioned: Sequence[discord.abc.User] | None = None
    results: int = 3
    shown: str | None = None  # how the question is shown, when not "Q: " and its text


class Ask(commands.Cog):
    """Questions: the slash command, mentions and answer channels."""

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
        question: app_commands.Range[str, 1, MAX_QUESTION_CHARS],
        results: app_commands.Range[int, 1, 5] = 3,
        only_me: bool = False,
        part: app_commands.Range[str, 1, 100] | None = None,
        year_from: app_commands.Range[int, EARLIEST, LATEST] | None = None,
        year_to: app_commands.Range[int, EARLIEST, LATEST] | None = None,
    ) -> None:
        """Ask the archive a question; the answer quotes it word for word, with sources."""
        asked = Asked(
            question,
            interaction.user.id,
            interaction.guild,
            filters=Filters(part, year_from, year_to),
            results=results,
        )
        await self._answer(InteractionReply(interaction, ephemeral=only_me), asked)

    async def _answer(self, reply: Reply, asked: Asked) -> None:
        """The one way a question is answered: check it and its filters, apply the rate limit,
        save it (the buttons carry its id), compose the first page, send it, log it."""
        try:
            # Filters typed in the text count for /ask as well as its options (they are in the
            # question it saves, and checked here, before the answer is under way in public).
            searched, filters = split_filters(asked.text)
            if asked.filters is not None:
                filters = asked.filters.joined(filters)
            self.bot.service.check_question(searched)
            if filters:  # autocomplete only suggests: what was sent is checked here
                filters = (await self.bot.service.catalogue()).check(filters)
        except RetrievalError as exc:
            await reply.say(cannot_search(exc))
            return
        wait = self.bot.limiter.retry_after(asked.asker)
        if wait:
            await reply.say(slow_down(wait))
            return
        async with reply.working():
            shown = asked.shown
            if shown is None:
                users = asked.mentioned
                if users is None:
                    users = await fetch_mentioned(self.bot, asked.guild, asked.text)
                shown = "Q: " + named(asked.text, asked.guild, users, self.bot)
            saved_id, page = await first_page(
                self.bot.service, searched, asked.asker, shown, asked.results, filters
            )
        await reply.answer(page.embed, answer_view(saved_id, asked.results, page))
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
        """Answer a message that mentions the bot, as a reply to it; in an answer channel, a
        message that asks something, in a thread started on it; in such a thread, as a reply."""
        me = self.bot.user
        if message.author.bot or me is None:
            return
        mentioned = any(u.id == me.id for u in message.mentions)
        place = self._answer_place(message.channel)
        question = re.sub(rf"<@!?{me.id}>", " ", message.content).strip()
        asks = place is not None and asks_something(question)
        if not mentioned and not asks:
            return
        try:
            about = (
                self._replied_to(message)
                if mentioned and message.reference is not None and asks_about_the_reply(question)
                else None
            )
            if about is not None:
                await self._answer(MessageReply(message), about)
                return
            if not question:
                await MessageReply(message).say(USAGE.format(name=me.display_name))
                return
            reply: Reply = MessageReply(message)
            if asks and place == "channel":
                said = named(question, message.guild, message.mentions, self.bot)
                reply = ThreadReply(message, thread_name(said))
            asked = Asked(question, message.author.id, message.guild, mentioned=message.mentions)
            await self._answer(reply, asked)
        except discord.HTTPException as exc:
            log.warning("could not reply to message %s: %s", message.id, exc)
        except Exception:
            ref = new_ref()
            log.exception("unexpected error (ref %s) answering message %s", ref, message.id)
            await MessageReply(message).say(f"Something went wrong (ref {ref}).")

    def _replied_to(self, message: discord.Message) -> Asked | None:
        """The question a mention asks by replying to someone's message ("@bot is this
        right?"): what that message says, looked up as *Find in archive* does; ``None`` when it
        replies to nothing, to a bot, or to a message with nothing to look up."""
        replied = message.reference.resolved if message.reference is not None else None
        if not isinstance(replied, discord.Message) or replied.author.bot:
            return None
        try:
            searched, reduced = self.bot.service.message_query(replied.content)
        except RetrievalError:
            return None
        said = " ".join(named(replied.content, replied.guild, replied.mentions, self.bot).split())
        shown = message_echo(replied.author.display_name, searched, reduced, said)
        return Asked(searched, message.author.id, message.guild, Filters(), shown=shown)

    def _answer_place(
        self, channel: discord.abc.Messageable
    ) -> Literal["channel", "thread"] | None:
        """Whether ``channel`` is an answer channel, a thread in one, or neither. Answer
        channels work only with the Message Content intent: without it Discord sends the bot
        the messages that do not mention it with no text."""
        wanted = self.bot.settings.answer_channel_ids
        if not wanted or not self.bot.intents.message_content:
            return None
        if isinstance(channel, discord.Thread):
            return "thread" if channel.parent_id in wanted else None
        return "channel" if getattr(channel, "id", None) in wanted else None


async def setup(bot: ArchiveBot) -> None:
    """Extension entry point."""
    await bot.add_cog(Ask(bot))
