"""Paging in one place: an answer says which page it is and whether more results rank after it,
and carries the notes of the documents it quotes; a saved page gives those notes back later
without searching again."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from itertools import pairwise
from pathlib import Path

from retrieval import ArchiveService, NoteRef

# The pages_service fixture (conftest.py): opens a service over pages given as name -> text.
OpenPages = Callable[[dict[str, str]], Awaitable[ArchiveService]]

PRISON_NOTES = (NoteRef(1, "Bureau of Justice Statistics, 2004."), NoteRef(2, "MIM Notes 300."))


async def test_has_more_says_whether_the_next_page_has_results(
    seed_service: ArchiveService,
) -> None:
    pages = []
    for offset in range(12):
        pages.append(
            await seed_service.ask("Deng Xiaoping France", limit=1, offset=offset, per_document=10)
        )
    assert [p.offset for p in pages] == list(range(12))
    for page, following in pairwise(pages):
        assert page.has_more == bool(following.results)
    assert pages[0].has_more and not pages[-1].has_more


async def test_an_answer_carries_the_notes_of_the_documents_it_quotes(
    tiny_service: ArchiveService,
) -> None:
    answer = await tiny_service.ask("prison population growth", limit=3)
    quoted = list(dict.fromkeys(r.citation.doc_id for r in answer.results))
    assert [d.doc_id for d in answer.documents] == quoted
    prisons = answer.documents[0]
    assert (prisons.title, prisons.notes) == ("Prisons in Amerika", PRISON_NOTES)
    assert all(not d.notes for d in answer.documents[1:])
    assert (await tiny_service.ask("Who is the president of Brazil?")).documents == ()


async def test_a_saved_page_gives_its_notes_back_until_the_question_is_forgotten(
    tiny_service: ArchiveService, tiny_corpus: Path
) -> None:
    question_id = await tiny_service.save_question("prison population growth", "1")
    answer = await tiny_service.ask("prison population growth", limit=1)
    assert await tiny_service.answer_page_notes(question_id, 0) is None  # not saved yet
    await tiny_service.save_answer_page(question_id, answer)
    assert await tiny_service.answer_page_notes(question_id, 0) == answer.documents
    assert await tiny_service.answer_page_notes(question_id, 1) is None

    # Later ingests do not change which documents the page showed; a removed one is left out.
    (tiny_corpus / "ms" / "prisons.txt").unlink()
    await tiny_service.ingest([tiny_corpus], prune=True)
    assert await tiny_service.answer_page_notes(question_id, 0) == ()

    await tiny_service.forget_questions_older_than(-time.time())
    assert await tiny_service.answer_page_notes(question_id, 0) is None


STRIKE_PAGES = {
    "pelican.txt": "Pelican Bay\n\nThe hunger strike at Pelican Bay began in July 2011.",
    "corcoran.txt": "Corcoran\n\nPrisoners at Corcoran joined the hunger strike a week later.",
    # Found by its title alone, after the others: no sentence says the question's words, so
    # it offers no quote.
    "title-only.txt": "Strike\n\nA list of prisons and their addresses follows.",
    "georgia.txt": "Georgia\n\nIn Georgia a work strike came before any hunger strike.",
    "ohio.txt": "Ohio\n\nA hunger strike in Ohio ended after ten days.",
    "illinois.txt": "Illinois\n\nTamms prisoners began a hunger strike against isolation.",
}


async def test_a_page_tells_of_more_exactly_when_a_longer_page_has_more(
    pages_service: OpenPages,
) -> None:
    service = await pages_service(STRIKE_PAGES)
    everything = await service.ask("hunger strike", limit=10)
    quoted = [r.citation.doc_id for r in everything.results]
    assert len(quoted) == 5 and "title-only" not in quoted and not everything.has_more
    for limit in range(1, 6):
        page = await service.ask("hunger strike", limit=limit)
        assert page.results == everything.results[:limit]
        assert page.has_more == (limit < 5)
        following = await service.ask("hunger strike", limit=limit, offset=limit)
        assert page.has_more == bool(following.results)
