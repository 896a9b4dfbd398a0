"""/footnote: a note's text and the sentences that cite it."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from retrieval import RetrievalError

from .. import render
from ..client import ArchiveBot
from ..replies import send, tell

MAX_CHOICES = 25


class Footnotes(commands.Cog):
    """Footnote lookup."""

    def __init__(self, bot: ArchiveBot) -> None:
        self.bot = bot

    @app_commands.command(name="footnote")
    @app_commands.describe(
        document="The document (start typing its title or id)",
        number="The note number, as in (3) or [3] in the text",
    )
    async def footnote(
        self,
        interaction: discord.Interaction,
        document: app_commands.Range[str, 1, 200],
        number: app_commands.Range[int, 1, 999],
    ) -> None:
        """Show a footnote of a document and each sentence that cites it."""
        try:
            info = await self.bot.service.footnote(document, number)
        except RetrievalError as exc:
            await tell(interaction, render.escape(str(exc)))  # it repeats what was typed
            return
        await send(interaction, embed=render.footnote_embed(info))

    @footnote.autocomplete("document")
    async def document_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """Documents whose title or id contains what was typed (at most 25)."""
        typed = current.casefold().strip()
        choices = []
        for doc in await self.bot.documents():
            # The title, the id, or the page's address as a browser shows it (mn.php?issue=135).
            where = (doc.title, doc.doc_id, doc.url or "")
            if typed and not any(typed in text.casefold() for text in where):
                continue
            if len(doc.doc_id) > 100:  # a value Discord would refuse; it can still be typed
                continue
            choices.append(
                app_commands.Choice(
                    name=render.choice_name(doc.doc_id, doc.title), value=doc.doc_id
                )
            )
            if len(choices) == MAX_CHOICES:
                break
        return choices


async def setup(bot: ArchiveBot) -> None:
    """Extension entry point."""
    await bot.add_cog(Footnotes(bot))
