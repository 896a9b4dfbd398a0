"""Compose the answer message for a saved question and a page of its ranking."""

from __future__ import annotations

from dataclasses import dataclass

import discord

from retrieval import Answer, ArchiveService, Filters, SavedQuestion, split_filters

from . import render


@dataclass(frozen=True)
class Composed:
    """An answer page ready to send; ``notes`` tells whether its documents cite any notes (the
    Notes button is shown only then)."""

    embed: discord.Embed
    answer: Answer
    more: bool
    notes: bool


async def compose(
    service: ArchiveService, saved: SavedQuestion, offset: int, limit: int
) -> Composed:
    """Search and render one page (``limit`` results from ``offset``) of a saved question; the
    filters it was saved with (``in:mn from:1990 …``) narrow the search and are named in the
    footer."""
    answer, scope = await search(service, saved, offset, limit)
    more = not answer.abstained and answer.total_candidates > offset + len(answer.results)
    embed = render.answer_embed(answer, render.Page(offset, more), saved.shown, scope)
    notes = any(notes for _, _, notes in await notes_on_screen(service, answer))
    return Composed(embed, answer, more, notes)


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


async def notes_on_screen(
    service: ArchiveService, answer: Answer
) -> list[tuple[str, str, list[tuple[int, str | None]]]]:
    """The notes of each document quoted in ``answer`` (for the Notes button)."""
    seen: dict[str, tuple[str, str]] = {}
    for result in answer.results:
        seen.setdefault(result.citation.doc_id, (result.citation.title, result.citation.url or ""))
    out = []
    for doc_id, (title, url) in seen.items():
        notes = await service.notes_of(doc_id)
        out.append((title, url, [(n.number, n.text) for n in notes]))
    return out
