"""Compose the answer message for a saved question and a page of its ranking."""

from __future__ import annotations

from dataclasses import dataclass

import discord

from retrieval import Answer, ArchiveService, Filters, SavedQuestion, split_filters

from . import render


@dataclass(frozen=True)
class Composed:
    """An answer page ready to send (its answer says what the buttons need: whether there is a
    page before or after it, and whether its documents cite notes)."""

    embed: discord.Embed
    answer: Answer

    @property
    def notes(self) -> bool:
        """Whether the documents on this page cite or list notes (the Notes button shows them)."""
        return any(d.notes for d in self.answer.documents)


async def compose(
    service: ArchiveService, saved: SavedQuestion, offset: int, limit: int
) -> Composed:
    """Search and render one page (``limit`` results from ``offset``) of a saved question; the
    filters it was saved with (``in:mn from:1990 …``) narrow the search and are named in the
    footer. The documents it quotes are remembered when they cite notes, for the Notes button."""
    answer, scope = await search(service, saved, offset, limit)
    page = Composed(render.answer_embed(answer, saved.shown, scope), answer)
    if page.notes:
        await service.save_answer_page(saved.question_id, answer)
    return page


async def search(
    service: ArchiveService, saved: SavedQuestion, offset: int, limit: int
) -> tuple[Answer, str]:
    """A page of a saved question's answer, narrowed by the filters it was saved with, and the
    words that say how it was narrowed (empty when it was not)."""
    question, filters = split_filters(saved.question)
    scope = ""
    if filters:
        catalogue = await service.catalogue()
        filters = catalogue.check(filters)
        scope = catalogue.describe(filters)
    return await service.ask(question, limit, offset=offset, filters=filters), scope


async def first_page(
    service: ArchiveService,
    question: str,
    owner: int,
    shown: str,
    limit: int,
    filters: Filters | None = None,
) -> tuple[int, Composed]:
    """Save a question (searched as ``question``, narrowed by ``filters``, echoed as ``shown``)
    and compose its first page; returns the saved question's id (the buttons carry it) and the
    page."""
    if filters:
        question = f"{filters.inline()} {question}"
    saved_id = await service.save_question(question, str(owner), shown)
    saved = await service.saved_question(saved_id)
    assert saved is not None  # just written; expiry deletes only old questions
    return saved_id, await compose(service, saved, 0, limit)
