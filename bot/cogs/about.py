"""/about: what the bot is and how big its index is (/help says how to ask)."""

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
    "`/help` shows how to ask, with example questions."
)


class About(commands.Cog):
    """Information about the bot."""

    def __init__(self, bot: ArchiveBot) -> None:
        self.bot = bot

    @app_commands.command(name="about")
    async def about(self, interaction: discord.Interaction) -> None:
        """What this bot is and how big its index is."""
        stats = await self.bot.service.stats()
        embed = discord.Embed(title="Archive bot", colour=COLOUR)
        embed.description = ABOUT
        embed.set_footer(text=index_footer(stats))
        await send(interaction, embed=embed, ephemeral=True)


async def setup(bot: ArchiveBot) -> None:
    """Extension entry point."""
    await bot.add_cog(About(bot))
