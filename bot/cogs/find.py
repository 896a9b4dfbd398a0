""" "Find in archive": a message command (right-click a message → Apps) that searches the archive for
what the message says and answers only the person who asked, so a claim made in chat can be
checked without retyping it."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from retrieval import NothingToLookUp

from ..answers import first_page
from ..asking import message_echo
from ..client import ArchiveBot
from ..mentions import named
from ..replies import send, tell
from ..views import answer_view
from .ask import slow_down

NAME = "Find in archive"
NOTHING_TO_FIND = (
    "That message has no words I can look up in the archive (only links, mentions, emoji or "
    "code). Use /ask and say what you want to check in your own words."
)
RESULTS = 3


class Find(commands.Cog):
    """The "Find in archive" message command."""

    def __init__(self, bot: ArchiveBot) -> None:
        self.bot = bot
        # Context menus cannot be declared inside a cog class; they are added to the tree here.
        self.menu = app_commands.ContextMenu(name=NAME, callback=self.find_in_archive)
        bot.tree.add_command(self.menu)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.menu.name, type=self.menu.type)

    async def find_in_archive(
        self, interaction: discord.Interaction, message: discord.Message
    ) -> None:
        """Search the archive for what a message says; only the presser sees the answer."""
        try:
            searched, reduced = self.bot.service.message_query(message.content)
        except NothingToLookUp:
            await tell(interaction, NOTHING_TO_FIND)
            return
        wait = self.bot.limiter.retry_after(interaction.user.id)
        if wait:
            await tell(interaction, slow_down(wait))
            return
        await interaction.response.defer(thinking=True, ephemeral=True)
        said = named(message.content, message.guild, message.mentions, self.bot)
        shown = message_echo(message.author.display_name, searched, reduced, " ".join(said.split()))
        saved_id, page = await first_page(
            self.bot.service, searched, interaction.user.id, shown, RESULTS
        )
        await send(
            interaction,
            embed=page.embed,
            view=answer_view(saved_id, RESULTS, page),
            ephemeral=True,
        )


async def setup(bot: ArchiveBot) -> None:
    """Extension entry point."""
    await bot.add_cog(Find(bot))
