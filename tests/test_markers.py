"""Footnote markers in running text, and the numbers of a list written in a sentence, which are
none: the masthead of MIM Notes ("three main questions: (1) MIM holds... (2)...")."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from retrieval import ArchiveService
from retrieval.errors import StoreError
from retrieval.layout import markers_in
from retrieval.markers import list_items
from retrieval.models import Paragraph

MASTHEAD = (
    "MIM differs from other communist parties on three main questions: (1) MIM holds that "
    "capitalism can be restored under socialism. In China, it was after the overthrow of the "
    "Gang of Four in 1976. (2) MIM upholds the Cultural Revolution. (3) MIM believes the "
    "imperialist countries have a labor aristocracy."
)
FOOTNOTES = (
    'Eight people "have died over the past two days."(1) Even more telling, they set up a '
    "radio station on the FM 95.1 dial.(2) An unscientific poll favoured the king's coup "
    "himself(3)--not that MIM says so."
)


def _numbers(text: str) -> list[int]:
    return [m.number for m in markers_in(text, Paragraph(1, "", 0, len(text)))]


@pytest.mark.parametrize(
    "text",
    [
        MASTHEAD,
        MASTHEAD.replace("questions: ", "questions:\n"),
        "(1) MIM holds that capitalism can be restored. It was so in 1976. (2) MIM upholds it.",
    ],
)
def test_the_numbers_of_a_list_in_a_sentence_are_no_footnote_markers(text: str) -> None:
    assert _numbers(text) == []
    assert len(list_items(text, 0, len(text))) == text.count("(")


def test_footnote_markers_stay_markers_beside_a_list() -> None:
    assert _numbers(FOOTNOTES) == [1, 2, 3]
    assert _numbers("He spent six years in France and Belgium.(3) Then he left.") == [3]
    # A list's run ends where its numbers stop following each other.
    assert _numbers(MASTHEAD + " That was in 1920.(7)") == [7]


async def test_a_store_built_before_finds_its_markers_again_when_opened(tmp_path: Path) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "masthead.txt").write_text(f"MIM Notes 150\n\n{MASTHEAD}\n\n{FOOTNOTES}\n")
    db = tmp_path / "s.sqlite3"
    service = await ArchiveService.open(db, seed=[pages])
    await service.close()
    # As an older version stored it: the list's numbers as markers of the first paragraph.
    with sqlite3.connect(db) as conn:
        (start, end) = conn.execute(
            "SELECT start_char, end_char FROM paragraphs WHERE doc_id = 'masthead' AND number = 1"
        ).fetchone()
        conn.executemany(
            "INSERT INTO markers VALUES ('masthead', ?, 1, ?, ?)", [(n, start, end) for n in (1, 2)]
        )
        conn.execute("UPDATE meta SET value = '1' WHERE key = 'markers_version'")
    service = await ArchiveService.open(db)
    try:
        assert await service.store.cited_notes("masthead") == [1, 2, 3]
        assert [m.paragraph for m in await service.store.markers("masthead")] == [2, 2, 2]
        info = await service.footnote("masthead", 2)
        assert info.citations[0].text.startswith("Even more telling")
    finally:
        await service.close()


async def test_a_store_too_busy_to_find_its_markers_again_opens_and_tries_next_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "s.sqlite3"
    service = await ArchiveService.open(db)
    await service.close()
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE meta SET value = '1' WHERE key = 'markers_version'")

    async def busy(self: ArchiveService) -> None:
        raise StoreError(f"database {db}: is locked by another process")

    monkeypatch.setattr(ArchiveService, "_find_markers_again", busy)
    service = await ArchiveService.open(db)  # answers all the same
    try:
        assert (await service.ask("Where did Deng Xiaoping become a communist?")).results
    finally:
        await service.close()
    monkeypatch.undo()
    service = await ArchiveService.open(db)
    await service.close()
    with sqlite3.connect(db) as conn:
        (version,) = conn.execute("SELECT value FROM meta WHERE key = 'markers_version'").fetchone()
    assert version != "1"
