"""The search thread: the page map served with its index, passages removed after the index was
built, and the thread's own connection."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

import retrieval.searcher as searcher
from retrieval import ArchiveService
from retrieval.pages import NO_PAGE
from retrieval.store import SearchReader


async def test_the_page_map_covers_every_row_of_the_serving_index(
    tmp_path: Path, tiny_corpus: Path
) -> None:
    service = await ArchiveService.open(tmp_path / "a.sqlite3", seed=[tiny_corpus])
    try:
        index, pages = service._serving()
        assert len(pages.page_of_row) == index.size
        assert (pages.page_of_row != NO_PAGE).all()
        ids = {d.doc_id for d in await service.documents()}
        assert set(pages.doc_ids) == ids
        for row, page in enumerate(pages.page_of_row.tolist()):
            assert pages.first_ids[page] <= index.passage_ids[row] <= pages.last_ids[page]
    finally:
        await service.close()


async def test_a_page_removed_after_the_index_was_built_is_skipped(
    tmp_path: Path, tiny_corpus: Path
) -> None:
    db = tmp_path / "a.sqlite3"
    service = await ArchiveService.open(db, seed=[tiny_corpus])
    try:
        before = await service.ask("prison population")
        assert before.results and before.results[0].citation.doc_id == "ms/prisons"
        # Another process removes the page; the serving index (and its page map) still has it.
        with sqlite3.connect(db) as other:
            other.execute("PRAGMA foreign_keys = ON")
            other.execute("DELETE FROM documents WHERE doc_id = 'ms/prisons'")
        service._checked_at = float("inf")  # no refresh: answer from the old index
        after = await service.ask("prison population")
        assert all(r.citation.doc_id != "ms/prisons" for r in after.results)
        assert all(d.doc_id != "ms/prisons" for d in after.documents)
    finally:
        await service.close()


async def test_the_answer_lists_the_notes_of_the_documents_it_quotes(
    tmp_path: Path, tiny_corpus: Path
) -> None:
    service = await ArchiveService.open(tmp_path / "a.sqlite3", seed=[tiny_corpus])
    try:
        answer = await service.ask("prison population")
        notes = {d.doc_id: d.notes for d in answer.documents}
        prisons = {n.number: n.text for n in notes["ms/prisons"]}
        assert prisons == {
            1: "Bureau of Justice Statistics, 2004.",
            2: "MIM Notes 300.",
        }
    finally:
        await service.close()


async def test_closing_the_service_closes_the_search_threads_connection_on_that_thread(
    tmp_path: Path, tiny_corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    closed_on: list[str] = []
    close = SearchReader.close

    def recorded(reader: SearchReader) -> None:
        closed_on.append(threading.current_thread().name)
        close(reader)

    monkeypatch.setattr(SearchReader, "close", recorded)
    service = await ArchiveService.open(tmp_path / "a.sqlite3", seed=[tiny_corpus])
    await service.ask("prison population")
    opened_on = {t.name for t in threading.enumerate() if t.name.startswith("search")}
    await service.close()
    assert len(closed_on) == 1 and closed_on[0] in opened_on
    assert service._searcher._reader is None


@pytest.mark.parametrize(("threads", "sleeps"), [(1, 0), (2, 1)])
def test_a_search_hands_the_gil_over_only_where_another_thread_may_wait(
    monkeypatch: pytest.MonkeyPatch, threads: int, sleeps: int
) -> None:
    slept: list[float] = []
    monkeypatch.setattr(searcher.threading, "active_count", lambda: threads)
    monkeypatch.setattr(searcher.time, "sleep", slept.append)
    searcher._let_others_run()
    assert len(slept) == sleeps
