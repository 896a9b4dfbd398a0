"""Compose the answer message for a saved question and a page of its ranking."""

from __future__ import annotations

from dataclasses import dataclass

import discord

from retrieval import Answer, ArchiveService, SavedQuestion

from . import render


@dataclass(frozen=True)
class Composed:
    """An answer page ready to send."""

    embed: discord.Embed
    answer: Answer
    more: bool


async def compose(
    service: ArchiveService, saved: SavedQuestion, offset: int, limit: int
) -> Composed:
    """Search and render one page (``limit`` results from ``offset``) of a saved question."""
    answer = await service.ask(saved.question, limit, offset=offset)
    more = answer.total_candidates > offset + len(answer.results)
    stats = await service.stats()
    embed = render.answer_embed(answer, stats, render.Page(offset, more))
    return Composed(embed, answer, more)


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
