"""Re-ingest that reads only the files that changed, with results identical to reading them all.

Each scenario runs twice on copies of one store: once with the records of the files read (the
files unchanged since are not read again), once with those records wiped (every file read, as
before the records existed); the reports, the stored rows, the index and the answers must agree.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import time
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path

from retrieval import ArchiveService
from retrieval.chunking import DEFAULT_CHUNKING
from retrieval.index.bm25 import DEFAULT_PARAMS
from retrieval.ingest.pipeline import KnownFiles, ReadSource, find
from retrieval.ingest.prepare import prepare
from retrieval.ingest.spool import Spool
from retrieval.ingest.staging import StagedDocuments, Staging
from retrieval.ingest.workers import Workers
from retrieval.models import (
    FileRecord,
    IngestReport,
    SkippedFile,
    SourceRoot,
    StoredDocument,
)
from retrieval.sources.urls import ARCHIVE_BASE_URL
from retrieval.store import DocumentRows

BANNER = (
    "Return to the MIM Prison Ministry home page and read the latest issue of Under Lock & Key."
)
TOPICS = ["strike", "censorship", "isolation", "grievance", "parole", "visits", "labor", "food"]
LONG_AGO = 1_600_000_000 * 10**9
QUESTIONS = ["What did prisoners write about the parole?", "prison ministry home page", "migrants"]
# Tables whose rows an ingest writes; the file records are left out (one side has them wiped).
TABLES = {
    "documents": "doc_id, title, subtitle, url, source, content_hash, text, text_hash",
    "paragraphs": "*",
    "passages": "*",
    "notes": "*",
    "markers": "*",
    "words": "*",
    "source_roots": "position, path, base_url",
    "index_blobs": "name, part, data",
}


def page(topic: str, year: int, banner: bool = True) -> str:
    middle = f"\n\n{BANNER}" if banner else ""
    return f"Page about {topic}{middle}\n\nPrisoners wrote about the {topic} in {year}.\n"


def make_corpus(root: Path, with_banner: int = 7) -> Path:
    """Text pages (the first ``with_banner`` with the banner), a page with a sidecar, a .jsonl
    of two pages and a zip of one."""
    root.mkdir()
    for i, topic in enumerate(TOPICS):
        (root / f"p{i}.txt").write_text(page(topic, 1990 + i, i < with_banner))
    (root / "side.txt").write_text("Side page\n\nMigrants came to the city in 1920.\n")
    (root / "side.meta.json").write_text(json.dumps({"title": "A side page"}))
    lines = [
        {"id": f"lines/{n}", "text": f"Line page {n}\n\nWorkers struck in {1970 + n}."}
        for n in (1, 2)
    ]
    (root / "lines.jsonl").write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    with zipfile.ZipFile(root / "pages.zip", "w") as zf:
        zf.writestr("z/zipped.txt", "Zipped page\n\nThe zipped page speaks of censorship.\n")
    for file in root.iterdir():
        os.utime(file, ns=(LONG_AGO, LONG_AGO))  # not written just now: see the racy test
    return root


def dump(db: Path) -> dict[str, list[tuple]]:
    with sqlite3.connect(db) as conn:
        out = {
            t: sorted(conn.execute(f"SELECT {c} FROM {t}").fetchall()) for t, c in TABLES.items()
        }
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
    out["meta"] = sorted((k, v) for k, v in meta.items() if k not in ("build_id", "built_at"))
    return out


def wipe_records(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("DELETE FROM source_files")
        conn.execute("DELETE FROM boilerplate_texts")


def same(report: IngestReport) -> IngestReport:
    return replace(report, seconds=0.0)


async def twins(tmp_path: Path, corpus: Path) -> tuple[Path, Path]:
    """Two copies of a store that ingested ``corpus``; the second without file records."""
    recorded, wiped = tmp_path / "recorded.sqlite3", tmp_path / "wiped.sqlite3"
    service = await ArchiveService.open(recorded)
    await service.ingest([corpus])
    await service.close()
    shutil.copy(recorded, wiped)
    wipe_records(wiped)
    return recorded, wiped


async def reingest_both(recorded: Path, wiped: Path, corpus: Path) -> IngestReport:
    """Ingest ``corpus`` again into both stores; their reports, rows and answers must agree."""
    reports, answers = [], []
    for db in (recorded, wiped):
        service = await ArchiveService.open(db)
        reports.append(same(await service.ingest([corpus])))
        answers.append([await service.ask(q) for q in QUESTIONS])
        await service.close()
    assert reports[0] == reports[1]
    assert answers[0] == answers[1]
    assert dump(recorded) == dump(wiped)
    return reports[0]


@dataclass(frozen=True)
class ReadAgain:
    """What reading a corpus again finds and prepares (without committing it)."""

    reused: int
    documents: list[DocumentRows]
    records: tuple[FileRecord, ...]
    forgotten: tuple[str, ...]
    skipped: list[SkippedFile]
    repeated: tuple[str, ...]


class _Keeping(Staging):
    """Staging that also keeps the rows of the documents given to it."""

    def __init__(self) -> None:
        super().__init__(DEFAULT_PARAMS, 1)
        self.kept: list[DocumentRows] = []

    def add_documents(self, staged: StagedDocuments, *, rechunk: bool = False) -> None:
        self.kept += staged.rows
        super().add_documents(staged, rechunk=rechunk)


def read_again(
    roots: list[SourceRoot], stored: dict[str, StoredDocument], known: KnownFiles
) -> ReadAgain:
    """Both passes of an ingest's reading, as the Indexer runs them."""
    with Workers() as workers, Spool[ReadSource]() as spool, _Keeping() as staging:
        found = find(roots, stored, lambda _: None, known, workers, spool)
        prepared = prepare(found, DEFAULT_CHUNKING, lambda _: None, workers, staging)
        return ReadAgain(
            found.reused,
            staging.kept,
            found.new_records(),
            found.forgotten(roots),
            found.skipped,
            prepared.repeated,
        )


async def prepared_again(db: Path, corpus: Path) -> ReadAgain:
    """What reading ``corpus`` against the store finds, without committing it."""
    service = await ArchiveService.open(db)
    try:
        known = KnownFiles(
            await service.store.file_records(), await service.store.boilerplate_texts()
        )
        stored = await service.store.stored_documents()
    finally:
        await service.close()
    root = SourceRoot(str(corpus), ARCHIVE_BASE_URL)
    return read_again([root], stored, known)


FILES = len(TOPICS) + 3  # the text pages, the page with a sidecar, the .jsonl and the zip


async def test_an_untouched_corpus_is_not_read_again_and_nothing_changes(tmp_path: Path) -> None:
    corpus = make_corpus(tmp_path / "corpus")
    recorded, wiped = await twins(tmp_path, corpus)
    assert (await prepared_again(recorded, corpus)).reused == FILES
    assert (await prepared_again(wiped, corpus)).reused == 0
    report = await reingest_both(recorded, wiped, corpus)
    assert len(report.unchanged) == len(TOPICS) + 4 and not report.changed
    assert report.boilerplate_paragraphs == (" ".join(BANNER.split()).casefold(),)


async def test_a_changed_file_alone_is_read_and_its_banner_still_dropped(tmp_path: Path) -> None:
    corpus = make_corpus(tmp_path / "corpus")
    recorded, wiped = await twins(tmp_path, corpus)
    (corpus / "p4.txt").write_text(page("parole", 2001))
    prepared = await prepared_again(recorded, corpus)
    assert prepared.reused == FILES - 1
    assert [d.doc_id for d in prepared.documents] == ["p4"]
    (document,) = prepared.documents
    text = str(document.document[6])  # the documents row's text column
    assert "Return to" not in text and "2001" in text
    report = await reingest_both(recorded, wiped, corpus)
    assert report.changed == ("p4",)
    assert report.boilerplate_paragraphs == (" ".join(BANNER.split()).casefold(),)


async def test_a_touched_file_with_the_same_bytes_is_not_read_again(tmp_path: Path) -> None:
    corpus = make_corpus(tmp_path / "corpus")
    recorded, wiped = await twins(tmp_path, corpus)
    for name in ("p0.txt", "side.meta.json", "lines.jsonl"):
        os.utime(corpus / name, ns=(LONG_AGO + 10**9, LONG_AGO + 10**9))
    prepared = await prepared_again(recorded, corpus)
    assert prepared.reused == FILES
    # The new times are recorded, so the next ingest does not hash those files again.
    assert {r.path for r in prepared.records} == {
        str(corpus / n) for n in ("p0.txt", "side.txt", "lines.jsonl")
    }
    await reingest_both(recorded, wiped, corpus)


async def test_a_file_written_just_now_is_checked_by_its_bytes_next_time(tmp_path: Path) -> None:
    # A clock too coarse to tell two writes apart: same size, same time, other bytes.
    corpus = make_corpus(tmp_path / "corpus")
    now = time.time_ns()
    (corpus / "p4.txt").write_text(page("parole", 2001))
    os.utime(corpus / "p4.txt", ns=(now, now))
    recorded, wiped = await twins(tmp_path, corpus)
    (corpus / "p4.txt").write_text(page("parole", 2002))
    os.utime(corpus / "p4.txt", ns=(now, now))
    assert (await prepared_again(recorded, corpus)).reused == FILES - 1
    report = await reingest_both(recorded, wiped, corpus)
    assert report.changed == ("p4",)


async def test_a_changed_sidecar_has_its_page_read_again(tmp_path: Path) -> None:
    corpus = make_corpus(tmp_path / "corpus")
    recorded, wiped = await twins(tmp_path, corpus)
    (corpus / "side.meta.json").write_text(json.dumps({"title": "Another title"}))
    assert (await prepared_again(recorded, corpus)).reused == FILES - 1
    report = await reingest_both(recorded, wiped, corpus)
    assert report.changed == ("side",)


async def test_a_paragraph_becoming_boilerplate_is_found_from_the_records(tmp_path: Path) -> None:
    # 5 pages of 18 hold the banner (28%, not boilerplate); 3 pages without it are then
    # deleted: 5 of 15 (33%) is boilerplate, while every page holding it is unchanged.
    corpus = make_corpus(tmp_path / "corpus", with_banner=5)
    for i in range(6):
        (corpus / f"extra{i}.txt").write_text(page(f"topic{i}", 1980 + i, banner=False))
    recorded, wiped = await twins(tmp_path, corpus)
    for i in range(3):
        (corpus / f"extra{i}.txt").unlink()
    prepared = await prepared_again(recorded, corpus)
    assert prepared.reused == FILES + 3
    assert prepared.repeated == (" ".join(BANNER.split()).casefold(),)
    assert sorted(prepared.forgotten) == [str(corpus / f"extra{i}.txt") for i in range(3)]
    report = await reingest_both(recorded, wiped, corpus)
    assert report.boilerplate_paragraphs == prepared.repeated


async def test_records_of_other_reading_code_are_not_trusted(tmp_path: Path) -> None:
    corpus = make_corpus(tmp_path / "corpus")
    recorded, _ = await twins(tmp_path, corpus)
    with sqlite3.connect(recorded) as conn:
        conn.execute("UPDATE source_files SET reader = 'older'")
    assert (await prepared_again(recorded, corpus)).reused == 0


async def test_a_file_with_an_unreadable_part_is_read_every_time(tmp_path: Path) -> None:
    corpus = make_corpus(tmp_path / "corpus")
    with (corpus / "lines.jsonl").open("a") as out:
        out.write("not json\n")
    recorded, wiped = await twins(tmp_path, corpus)
    prepared = await prepared_again(recorded, corpus)
    assert prepared.reused == FILES - 1
    assert [str(s.path) for s in prepared.skipped] == [f"{corpus / 'lines.jsonl'}:3"]
    await reingest_both(recorded, wiped, corpus)


async def test_a_file_read_from_another_root_with_another_base_url_is_read(tmp_path: Path) -> None:
    corpus = make_corpus(tmp_path / "corpus")
    recorded, _ = await twins(tmp_path, corpus)
    service = await ArchiveService.open(recorded)
    try:
        known = KnownFiles(await service.store.file_records())
        stored = await service.store.stored_documents()
    finally:
        await service.close()
    root = SourceRoot(str(corpus), "https://example.org/")
    assert read_again([root], stored, known).reused == 0


async def test_pages_made_by_other_reading_code_are_stored_again_as_this_code_makes_them(
    tmp_path: Path,
) -> None:
    # An upgrade that fixes how pages are read must reach the pages already stored, though
    # their files did not change: their records say which code read them.
    corpus = make_corpus(tmp_path / "corpus")
    db = tmp_path / "store.sqlite3"
    service = await ArchiveService.open(db)
    await service.ingest([corpus])
    await service.close()
    columns = TABLES["documents"]
    with sqlite3.connect(db) as conn:
        made = sorted(conn.execute(f"SELECT {columns} FROM documents").fetchall())
        # What an older reader made of p3 (say, before a title fix).
        conn.execute("UPDATE documents SET title = 'Older title' WHERE doc_id = 'p3'")

    service = await ArchiveService.open(db)
    unread = await service.ingest([corpus])  # the same code: the file is not read again
    await service.close()
    assert not unread.changed
    with sqlite3.connect(db) as conn:
        title = conn.execute("SELECT title FROM documents WHERE doc_id = 'p3'").fetchone()[0]
        assert title == "Older title"
        conn.execute("UPDATE source_files SET reader = 'older'")

    service = await ArchiveService.open(db)
    report = await service.ingest([corpus])
    answers = [await service.ask(q) for q in QUESTIONS]
    await service.close()
    assert len(report.changed) == len(TOPICS) + 4 and not report.added
    with sqlite3.connect(db) as conn:
        assert sorted(conn.execute(f"SELECT {columns} FROM documents").fetchall()) == made
    assert answers[0].results[0].citation.doc_id == "p4"  # "parole": answered as before
