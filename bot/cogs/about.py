"""/about: what the bot is and how to use it."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from ..client import ArchiveBot
from ..render import COLOUR, index_footer
from ..replies import send

ABOUT = (
    "I answer questions about the archive of the former website of the Maoist Internationalist "
    "Movement (served by MIM(Prisons) at https://www.prisoncensorship.info/archive/etext/). "
    "Answers are quotes from the archive, word for word, with the title, section, paragraph and "
    "a link that opens the page at the quoted sentence. When the archive has no good answer I say "
    "so instead of guessing.\n\n"
    "**How to ask**\n"
    "• `/ask question` — e.g. *Where did Deng Xiaoping become a communist?*\n"
    "• Mention me: `@{name} who studied in France?`\n"
    "• Right-click a message → **Apps** → **Find in archive** to check what it says against the "
    "archive (only you see the answer).\n"
    '• Put "quotes" around words that must appear together.\n'
    "• `/footnote document number` shows a footnote and where it is cited.\n"
    "• Press **More results** under an answer for the next excerpts, **Notes** for the footnotes."
)


class About(commands.Cog):
    """Information about the bot."""

    def __init__(self, bot: ArchiveBot) -> None:
        self.bot = bot

    @app_commands.command(name="about")
    async def about(self, interaction: discord.Interaction) -> None:
        """What this bot is, how to ask it, and how big its index is."""
        stats = await self.bot.service.stats()
        embed = discord.Embed(title="Archive bot", colour=COLOUR)
        embed.description = ABOUT.format(
            name=self.bot.user.display_name if self.bot.user else "bot"
        )
        embed.set_footer(text=index_footer(stats))
        await send(interaction, embed=embed, ephemeral=True)


async def setup(bot: ArchiveBot) -> None:
    """Extension entry point."""
    await bot.add_cog(About(bot))
