"""Buttons under an answer. Their state lives in the custom_id and in SQLite (the saved question),
so they keep working after a restart; only the asker may page, and old answers expire politely."""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import discord

from retrieval import ArchiveService, RetrievalError, SavedQuestion, Vote

from . import render
from .answers import Composed, compose, notes_on_screen, search
from .replies import NO_PINGS, report_unexpected, tell
from .settings import Settings


class _Bot(Protocol):
    """What the buttons need of the bot (:class:`bot.client.ArchiveBot`, which registers them, so
    this module does not import it)."""

    service: ArchiveService
    settings: Settings


EXPIRED = "This answer has expired; ask again with /ask."
NOT_YOURS = "Only the person who asked can page this answer. Ask your own question with /ask."


def answer_view(question_id: int, offset: int, limit: int, page: Composed) -> discord.ui.View:
    """The buttons that do something on this page: Previous / More results, and Notes when the
    documents on screen cite notes. A "not found" has none."""
    view = discord.ui.View(timeout=None)
    if offset > 0:
        view.add_item(PageButton("prev", question_id, max(offset - limit, 0), limit))
    if page.more:
        view.add_item(PageButton("more", question_id, offset + limit, limit))
    if page.notes:
        view.add_item(NotesButton(question_id, offset, limit))
    if page.answer.results:
        for helpful in (True, False):
            view.add_item(FeedbackButton(helpful, question_id, offset, limit))
    return view


async def _saved(interaction: discord.Interaction, question_id: int) -> SavedQuestion | None:
    """The saved question if it exists and has not expired (else the user is told)."""
    bot: _Bot = interaction.client  # type: ignore[assignment]
    saved = await bot.service.saved_question(question_id)
    expiry = bot.settings.answer_expiry_hours * 3600
    if saved is None or time.time() - saved.created_at > expiry:
        await tell(interaction, EXPIRED)
        return None
    return saved


async def _with_saved(
    interaction: discord.Interaction,
    question_id: int,
    action: Callable[[discord.Interaction, SavedQuestion], Awaitable[None]],
) -> None:
    """Run a button's action on its saved question; errors become private replies."""
    try:
        saved = await _saved(interaction, question_id)
        if saved is not None:
            await action(interaction, saved)
    except RetrievalError as exc:
        await tell(interaction, str(exc))
    except Exception as exc:  # the user gets a ref, the log the traceback
        await report_unexpected(interaction, exc)


class PageButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=re.compile(
        r"ans:(?P<action>more|prev):(?P<qid>\d{1,19}):(?P<offset>\d{1,4}):(?P<limit>[1-9])"
    ),
):
    """Shows another page of the ranking in place; only the asker may press it."""

    def __init__(self, action: str, question_id: int, offset: int, limit: int) -> None:
        label = "More results" if action == "more" else "Previous"
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.primary
                if action == "more"
                else discord.ButtonStyle.secondary,
                custom_id=f"ans:{action}:{question_id}:{offset}:{limit}",
            )
        )
        self.question_id, self.offset, self.limit = question_id, offset, limit

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> PageButton:
        return cls(match["action"], int(match["qid"]), int(match["offset"]), int(match["limit"]))

    async def callback(self, interaction: discord.Interaction) -> Any:
        await _with_saved(interaction, self.question_id, self._page)

    async def _page(self, interaction: discord.Interaction, saved: SavedQuestion) -> None:
        if saved.owner != str(interaction.user.id):
            await tell(interaction, NOT_YOURS)
            return
        bot: _Bot = interaction.client  # type: ignore[assignment]
        page = await compose(bot.service, saved, self.offset, self.limit)
        await interaction.response.edit_message(
            embed=page.embed,
            view=answer_view(self.question_id, self.offset, self.limit, page),
            allowed_mentions=NO_PINGS,
        )


class NotesButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=re.compile(r"ans:notes:(?P<qid>\d{1,19}):(?P<offset>\d{1,4}):(?P<limit>[1-9])"),
):
    """Shows, only to the presser, the notes of the documents quoted on screen."""

    def __init__(self, question_id: int, offset: int, limit: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Notes",
                style=discord.ButtonStyle.secondary,
                custom_id=f"ans:notes:{question_id}:{offset}:{limit}",
            )
        )
        self.question_id, self.offset, self.limit = question_id, offset, limit

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> NotesButton:
        return cls(int(match["qid"]), int(match["offset"]), int(match["limit"]))

    async def callback(self, interaction: discord.Interaction) -> Any:
        await _with_saved(interaction, self.question_id, self._notes)

    async def _notes(self, interaction: discord.Interaction, saved: SavedQuestion) -> None:
        bot: _Bot = interaction.client  # type: ignore[assignment]
        answer, _ = await search(bot.service, saved, self.offset, self.limit)
        embed = render.notes_embed(await notes_on_screen(bot.service, answer))
        await interaction.response.send_message(
            embed=embed, ephemeral=True, allowed_mentions=NO_PINGS
        )


def thanks(vote: Vote) -> str:
    """What a voter is told (privately): their vote, whether it changed, and the counts."""
    said = "helpful" if vote.helpful else "not helpful"
    counts = f"So far: {vote.helpful_count} helpful, {vote.not_helpful_count} not helpful."
    if vote.previous is None:
        text = f"Thanks: you found this answer {said}. {counts}"
    elif vote.previous == vote.helpful:
        text = f"You had already marked this answer {said}. {counts}"
    else:
        text = f"Changed your vote: {said}. {counts}"
    if not vote.helpful:
        text += ' Other words, a name, or a "quoted phrase" often find a better passage.'
    return text


class FeedbackButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=re.compile(
        r"fb:(?P<vote>up|down):(?P<qid>\d{1,19}):(?P<offset>\d{1,4}):(?P<limit>[1-9])"
    ),
):
    """Helpful / Not helpful: anyone may vote once on an answer and change their vote; the vote
    counts the documents on screen. The voter is told privately."""

    def __init__(self, helpful: bool, question_id: int, offset: int, limit: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Helpful" if helpful else "Not helpful",
                style=discord.ButtonStyle.secondary,
                custom_id=f"fb:{'up' if helpful else 'down'}:{question_id}:{offset}:{limit}",
                row=1,
            )
        )
        self.helpful, self.question_id, self.offset, self.limit = (
            helpful,
            question_id,
            offset,
            limit,
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> FeedbackButton:
        return cls(
            match["vote"] == "up", int(match["qid"]), int(match["offset"]), int(match["limit"])
        )

    async def callback(self, interaction: discord.Interaction) -> Any:
        await _with_saved(interaction, self.question_id, self._vote)

    async def _vote(self, interaction: discord.Interaction, saved: SavedQuestion) -> None:
        bot: _Bot = interaction.client  # type: ignore[assignment]
        answer, _ = await search(bot.service, saved, self.offset, self.limit)
        documents = list(dict.fromkeys(r.citation.doc_id for r in answer.results))
        vote = await bot.service.vote(
            self.question_id, str(interaction.user.id), self.helpful, answer.question, documents
        )
        await tell(interaction, thanks(vote))
