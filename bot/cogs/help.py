"""/help: how to ask, with example questions about documents the index really holds."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from ..asking import example_questions
from ..client import ArchiveBot
from ..render import COLOUR
from ..replies import send

SHOWN_CHANNELS = 5
WAYS = (
    "**Ways to ask**\n"
    "• `/ask question` — options: `results` (1-5 excerpts), `only_me`, `in` (a part of the "
    "archive), `from` / `to` (years).\n"
    "• Mention me: `@{name} who studied in France?` Filters can be typed too: "
    "`in:faq from:1995 …`\n"
    "{channels}"
    "• Right-click a message → **Apps** → **Find in archive** to check what it says against "
    "the archive (only you see the answer).\n"
    '• Put "quotes" around words that must appear together.\n'
    "• `/footnote document number` shows a footnote and where it is cited.\n"
    "• Press **More results** under an answer for the next excerpts, **Notes** for the footnotes."
)


def channels_line(channel_ids: list[int]) -> str:
    """The answer channels, for the help text (Discord shows ``<#id>`` as the channel's name)."""
    if not channel_ids:
        return ""
    shown = ", ".join(f"<#{i}>" for i in channel_ids[:SHOWN_CHANNELS])
    more = len(channel_ids) - SHOWN_CHANNELS
    if more > 0:
        shown += f" and {more} more"
    return f"• In {shown}: just post your question, no mention needed; I answer in a thread.\n"


class Help(commands.Cog):
    """How to ask."""

    def __init__(self, bot: ArchiveBot) -> None:
        self.bot = bot

    @app_commands.command(name="help")
    async def show_help(self, interaction: discord.Interaction) -> None:
        """How to ask, with example questions about documents in the archive."""
        titles = [d.title for d in await self.bot.documents()]
        examples = "\n".join(f"• `/ask question: {q}`" for q in example_questions(titles))
        # Answer channels are on only when Discord granted the Message Content intent.
        live = (
            sorted(self.bot.settings.answer_channel_ids) if self.bot.intents.message_content else []
        )
        ways = WAYS.format(
            name=self.bot.user.display_name if self.bot.user else "bot",
            channels=channels_line(live),
        )
        embed = discord.Embed(title="How to ask", colour=COLOUR)
        embed.description = (
            "Ask in your own words: I answer with quotes from the archive, word for word, with "
            "their sources.\n\n**Try one of these**\n" + examples + "\n\n" + ways
        )
        await send(interaction, embed=embed, ephemeral=True)


async def setup(bot: ArchiveBot) -> None:
    """Extension entry point."""
    await bot.add_cog(Help(bot))
