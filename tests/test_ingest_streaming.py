"""An ingest in worker processes, streamed through a spool: the same store as one read in this
process, results in reading order, and nothing changed when it fails half way."""

from __future__ import annotations

import math
import multiprocessing
import os
import sqlite3
import time
from pathlib import Path

import pytest

from retrieval import ArchiveService, RetrievalError
from retrieval.ingest import prepare, staging, workers
from retrieval.ingest.spool import Spool
from retrieval.store import Rows, Writer

# Tables an ingest writes, with the columns that do not depend on when it ran.
TABLES = {
    "documents": "rowid, doc_id, title, subtitle, url, source, content_hash, text, text_hash",
    "paragraphs": "*",
    "passages": "*",
    "notes": "*",
    "markers": "rowid, *",
    "words": "*",
    "file_documents": "*",
    "boilerplate_texts": "*",
}


def rows(db: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row an ingest writes, and the index arrays of the build served."""
    with sqlite3.connect(db) as conn:
        out = {
            t: conn.execute(f"SELECT {c} FROM {t} ORDER BY 1, 2").fetchall()
            for t, c in TABLES.items()
        }
        build = conn.execute("SELECT value FROM meta WHERE key = 'build_id'").fetchone()[0]
        out["index"] = conn.execute(
            "SELECT name, part, data FROM index_blobs WHERE build_id = ? ORDER BY 1, 2", (build,)
        ).fetchall()
        out["meta"] = conn.execute(
            "SELECT key, value FROM meta WHERE key NOT IN ('build_id', 'built_at', 'created_at') ORDER BY 1"
        ).fetchall()
    return out


def pages(root: Path, count: int, topic: str = "strike") -> Path:
    """``count`` small HTML pages sharing a banner (boilerplate) and each with a note."""
    root.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        (root / f"{topic}{i:03d}.html").write_text(
            "<html><body><p>Return to the MIM home page and read the latest issue.</p>"
            f"<h1>Page {i} on prisons</h1><p>Prisoners at camp {i} wrote about the {topic} "
            f"number {i * 7}.(1) They wrote again in {1980 + i}.</p>"
            f"<p>Notes:</p><p>1. MIM Notes {i}.</p></body></html>",
            encoding="utf-8",
        )
    return root


async def ingest(db: Path, corpus: Path) -> None:
    service = await ArchiveService.open(db)
    try:
        await service.ingest([corpus])
    finally:
        await service.close()


def _twice(n: int) -> int:
    return 2 * n


def _twice_unless_in_a_worker(n: int) -> int:
    if multiprocessing.parent_process() is not None:
        os._exit(1)  # a worker dies (as the OOM killer would kill it)
    return 2 * n


@pytest.fixture
def two_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Worker processes for any job of more than one item, two of them whatever the machine."""
    monkeypatch.setattr(workers, "PARALLEL_FROM", 2)
    monkeypatch.setattr(workers.os, "cpu_count", lambda: 2)


def test_workers_give_results_in_the_order_of_the_items(two_workers: None) -> None:
    items = [5, 3000, 1, 2000, 7, 4] * 20  # uneven work: chunks finish out of order
    with workers.Workers() as pool:
        assert list(pool.map(math.factorial, items, len(items), chunk=3)) == [
            math.factorial(n) for n in items
        ]


def test_a_small_job_runs_in_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    with workers.Workers() as pool:
        assert list(pool.map(_twice, range(5), 5)) == [0, 2, 4, 6, 8]
        assert pool._pool is None


def test_when_a_worker_dies_the_rest_is_done_in_this_process(two_workers: None) -> None:
    with workers.Workers() as pool:
        assert list(pool.map(_twice_unless_in_a_worker, range(50), 50, chunk=4)) == [
            2 * n for n in range(50)
        ]


def test_a_spool_gives_back_what_it_was_given() -> None:
    with Spool[tuple[str, int]]() as spool:
        places = [spool.append(("record", n)) for n in range(100)]
        assert list(spool.records(places[::-1])) == [("record", n) for n in range(99, -1, -1)]


async def test_an_ingest_in_workers_stores_what_one_in_this_process_stores(
    tmp_path: Path, two_workers: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = pages(tmp_path / "pages", 40)
    monkeypatch.setattr(staging, "BATCH_DOCUMENTS", 3)  # several batches of rows
    await ingest(tmp_path / "workers.sqlite3", corpus)
    monkeypatch.setattr(workers, "PARALLEL_FROM", 10**9)
    await ingest(tmp_path / "here.sqlite3", corpus)
    stored = rows(tmp_path / "workers.sqlite3")
    assert len(stored["documents"]) == 41  # with the bundled article
    assert all("Return to the MIM" not in r[7] for r in stored["documents"])
    assert stored == rows(tmp_path / "here.sqlite3")


async def test_a_commit_failing_while_the_index_is_built_waits_for_it_and_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The index is laid out on a thread while the rows are copied: a failed copy rolls back,
    # and the ingest ends only once that thread is done with the staging it is closing.
    db = tmp_path / "archive.sqlite3"
    await ingest(db, pages(tmp_path / "old", 6))
    before = rows(db)
    finish = staging.Staging.finish
    built: list[bool] = []

    def slow_finish(self: staging.Staging) -> object:
        time.sleep(0.3)
        index = finish(self)
        built.append(True)
        return index

    async def fail(self: Writer, batch: Rows) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(staging.Staging, "finish", slow_finish)
    monkeypatch.setattr(Writer, "insert_rows", fail)
    with pytest.raises(OSError, match="disk full"):
        await ingest(db, pages(tmp_path / "new", 12, "parole"))
    assert built == [True]
    assert rows(db) == before


async def test_an_ingest_failing_while_reading_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "archive.sqlite3"
    await ingest(db, pages(tmp_path / "old", 6))
    before = rows(db)
    monkeypatch.setattr(prepare, "PREPARE_BATCH", 2)  # several batches staged before the failure
    added = 0
    add = staging.Staging.add_documents

    def add_then_fail(self: staging.Staging, *args: object, **kwargs: object) -> None:
        nonlocal added
        added += 1
        if added > 4:
            raise OSError("disk full")
        add(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(staging.Staging, "add_documents", add_then_fail)
    with pytest.raises(OSError, match="disk full"):
        await ingest(db, pages(tmp_path / "new", 12, "parole"))
    assert rows(db) == before
    left = [p for p in tmp_path.iterdir() if p.is_file() and not p.name.startswith("archive.")]
    assert left == []  # no spool left behind


async def test_an_ingest_failing_inside_its_transaction_rolls_every_batch_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "archive.sqlite3"
    await ingest(db, pages(tmp_path / "old", 6))
    before = rows(db)
    monkeypatch.setattr(staging, "BATCH_DOCUMENTS", 2)
    written = 0
    insert = Writer.insert_rows

    async def insert_then_fail(self: Writer, batch: Rows) -> None:
        nonlocal written
        written += 1
        if written > 3:
            raise RetrievalError("lost the disk")
        await insert(self, batch)

    monkeypatch.setattr(Writer, "insert_rows", insert_then_fail)
    service = await ArchiveService.open(db)
    try:
        build = service._build_id
        with pytest.raises(RetrievalError, match="lost the disk"):
            await service.ingest([pages(tmp_path / "new", 12, "parole")])
        assert written > 3  # some batches were written before the failure
        assert service._build_id == build  # the old index still serves
    finally:
        await service.close()
    assert rows(db) == before
