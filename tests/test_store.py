"""The SQLite file: migrations, WAL, and clear errors for files that cannot be used."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from retrieval import ArchiveService, StoreError
from retrieval.models import SourceRef, SourceRoot
from retrieval.store import MIGRATIONS, Store


async def test_new_store_is_migrated_and_in_wal_mode(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "s.sqlite3")
    await store.close()
    conn = sqlite3.connect(tmp_path / "s.sqlite3")
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


async def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 5}")
    conn.close()
    with pytest.raises(StoreError, match="newer than this program"):
        await Store.open(path)


async def test_corrupt_file_names_the_file_and_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError) as info:
        await ArchiveService.open(path)
    assert str(path) in str(info.value)
    assert "move it aside" in str(info.value)
    assert path.read_bytes() == b"this is not a database" * 100  # left as it was


@pytest.mark.parametrize("read_only", [False, True])
async def test_another_programs_database_is_refused_and_left_as_it_was(
    tmp_path: Path, read_only: bool
) -> None:
    # A mistyped --db pointing at a browser's history: ours would add 18 tables and turn on WAL.
    path = tmp_path / "places.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = WAL")  # as browsers keep theirs
    conn.execute("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(StoreError, match=r"not an archive-bot database: .*\(moz_places\) that no"):
        await Store.open(path, read_only=read_only)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["places.sqlite"]  # no -wal, no -shm


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write to read-only files")
async def test_read_only_folder_gives_a_clear_error(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(StoreError, match="writable"):
            await ArchiveService.open(folder / "x.sqlite3")
    finally:
        folder.chmod(0o700)


async def test_path_that_is_a_folder_gives_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError) as info:
        await ArchiveService.open(tmp_path)
    assert str(tmp_path) in str(info.value)


async def test_saved_questions_survive_reopening(tmp_path: Path) -> None:
    db = tmp_path / "q.sqlite3"
    service = await ArchiveService.open(db)
    qid = await service.save_question("  Who  studied in France? ", "42")
    await service.close()
    again = await ArchiveService.open(db)
    saved = await again.saved_question(qid)
    assert (saved.question, saved.owner) == ("Who studied in France?", "42")
    await again.forget_questions_older_than(-1)
    assert await again.saved_question(qid) is None
    await again.close()


async def test_a_version_2_file_is_migrated_with_its_documents(tmp_path: Path) -> None:
    path = tmp_path / "v2.sqlite3"
    conn = sqlite3.connect(path)
    for migration in MIGRATIONS[:2]:
        conn.executescript(migration)
    conn.execute(
        "INSERT INTO documents VALUES ('ms/a', 'A', NULL, NULL, 'corpus/ms/a.txt', 'h1', 'text', "
        "'2024-01-01T00:00:00+00:00')"
    )
    conn.execute("PRAGMA user_version = 2")
    conn.commit()
    conn.close()
    store = await Store.open(path)
    try:
        (doc,) = (await store.stored_documents()).values()
        assert (doc.doc_id, doc.source, doc.text_hash) == ("ms/a", SourceRef("corpus/ms/a.txt"), "")
        assert await store.source_roots() == []  # unknown until the next ingest records them
        async with store.transaction() as w:
            await w.replace_source_roots([SourceRoot("/srv/mirror", "https://example.org/")])
        assert await store.source_roots() == [SourceRoot("/srv/mirror", "https://example.org/")]
    finally:
        await store.close()


async def test_a_closed_store_says_so_instead_of_crashing(tmp_path) -> None:
    store = await Store.open(tmp_path / "closed.sqlite3")
    await store.close()
    with pytest.raises(StoreError, match="closed"):
        await store.meta()
    with pytest.raises(StoreError, match="closed"):
        await store.set_app_state("k", "v")


async def test_a_failed_write_names_the_file_and_leaves_the_writer_usable(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    store = await Store.open(path)
    first = await store.save_question("who founded MIM?", "user-1", 1.0)
    # Another program breaks the table under the store: the next write fails on its own.
    conn = sqlite3.connect(path)
    conn.execute("ALTER TABLE saved_questions RENAME TO gone")
    conn.commit()
    with pytest.raises(StoreError) as info:
        await store.save_question("when?", "user-1", 2.0)
    assert str(path) in str(info.value)
    conn.execute("ALTER TABLE gone RENAME TO saved_questions")
    conn.commit()
    conn.close()
    # No transaction was left open: the next write commits and a new connection sees it.
    second = await store.save_question("why?", "user-2", 3.0)
    assert second > first
    await store.close()
    check = sqlite3.connect(path)
    assert check.execute(
        "SELECT question FROM saved_questions ORDER BY question_id"
    ).fetchall() == [
        ("who founded MIM?",),
        ("why?",),
    ]
    check.close()
