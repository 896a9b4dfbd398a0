"""Backups (a consistent copy while another process writes, checked) and upgrades (a database
written by an earlier release opens and answers after every later migration)."""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from bot.cli import main
from retrieval import ArchiveService, bundled_corpus
from retrieval.store import MIGRATIONS, Store

# Written by release 0.1.0 (schema version 3) with `archive-bot --db F docs` (the bundled corpus),
# then one saved question and one app_state row added as the bot would have. Never regenerate it:
# its point is to stay what an old release wrote.
RELEASE_0_1_0 = Path(__file__).parent / "data" / "release-0.1.0.sqlite3"


@pytest.fixture
def live_db(tmp_path: Path) -> Path:
    path = tmp_path / "live.sqlite3"
    assert main(["--db", str(path), "ingest", str(bundled_corpus())]) == 0
    return path


async def first_answer(path: Path, question: str) -> str:
    service = await ArchiveService.open(path, read_only=True)
    try:
        answer = await service.ask(question)
    finally:
        await service.close()
    assert not answer.abstained
    return answer.results[0].quote


def test_backup_is_a_consistent_snapshot_while_another_process_writes(
    live_db: Path, tmp_path: Path, capsys
) -> None:
    writer = sqlite3.connect(live_db, isolation_level=None)
    try:
        writer.execute("PRAGMA journal_mode = WAL")
        writer.execute("INSERT INTO app_state VALUES ('committed', 'yes')")  # in the WAL only
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("INSERT INTO app_state VALUES ('uncommitted', 'no')")
        copy = tmp_path / "copy.sqlite3"
        assert main(["backup", str(copy), "--db", str(live_db)]) == 0
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert "integrity_check ok" in capsys.readouterr().out
    assert not copy.with_name("copy.sqlite3-wal").exists()
    with sqlite3.connect(copy) as conn:
        keys = {k for (k,) in conn.execute("SELECT key FROM app_state")}
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    assert "committed" in keys and "uncommitted" not in keys
    assert "France" in asyncio.run(first_answer(copy, "Who went to France?"))


def test_backup_refuses_to_replace_a_file_unless_forced(live_db: Path, tmp_path: Path, capsys):
    copy = tmp_path / "copy.sqlite3"
    copy.write_text("an older backup")
    assert main(["--db", str(live_db), "backup", str(copy)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "exists; pass --force" in err[0]
    assert copy.read_text() == "an older backup"
    assert main(["--db", str(live_db), "backup", str(copy), "--force"]) == 0
    assert copy.stat().st_size > 100_000


def test_backup_into_a_folder_is_dated(live_db: Path, tmp_path: Path, capsys) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    assert main(["--db", str(live_db), "backup", str(folder)]) == 0
    (made,) = folder.iterdir()
    assert made.name.startswith("archive-bot-2") and made.suffix == ".sqlite3"


def test_backup_paths_that_would_surprise_are_refused(live_db: Path, tmp_path: Path, capsys):
    before = live_db.read_bytes()
    # A trailing "/" names a folder: one that does not exist is not made into a file.
    assert main(["--db", str(live_db), "backup", f"{tmp_path / 'newdir'}/"]) == 1
    assert "no folder" in capsys.readouterr().err and not (tmp_path / "newdir").exists()
    # The database itself or one of its files, even with --force.
    for own in ("", "-wal", "-shm"):
        assert main(["--db", str(live_db), "backup", f"{live_db}{own}", "--force"]) == 1
        assert "is the database or one of its files" in capsys.readouterr().err
    assert live_db.read_bytes() == before
    # Not a regular file (a FIFO, a device): never replaced by a file.
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    assert main(["--db", str(live_db), "backup", str(fifo), "--force"]) == 1
    assert "is not a regular file" in capsys.readouterr().err and fifo.is_fifo()
    # An empty PATH would be the current folder.
    assert main(["--db", str(live_db), "backup", ""]) == 2
    assert "PATH is empty" in capsys.readouterr().err


async def test_a_damaged_copy_is_never_put_in_place(live_db: Path, tmp_path: Path) -> None:
    damaged = tmp_path / "damaged.sqlite3"
    shutil.copy(live_db, damaged)
    with sqlite3.connect(damaged) as conn:
        conn.execute("PRAGMA writable_schema = ON")
        # One index pointed at another's pages: the file opens, integrity_check objects.
        (markers_root,) = conn.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = 'markers_by_doc'"
        ).fetchone()
        conn.execute(
            "UPDATE sqlite_master SET rootpage = ? WHERE name = 'passages_by_doc'", (markers_root,)
        )
    store = await Store.open(damaged, read_only=True)
    try:
        with pytest.raises(Exception, match="integrity_check"):
            await store.backup(tmp_path / "out.sqlite3")
    finally:
        await store.close()
    assert not (tmp_path / "out.sqlite3").exists()
    assert not (tmp_path / "out.sqlite3.partial").exists()


async def test_a_database_of_release_0_1_0_opens_and_answers_after_every_migration(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.sqlite3"
    shutil.copy(RELEASE_0_1_0, path)
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (3,)
    service = await ArchiveService.open(path)
    try:
        answer = await service.ask("Where did Deng Xiaoping go?")
        saved = await service.saved_question(1)
    finally:
        await service.close()
    assert not answer.abstained and "Deng Xiaoping" in answer.results[0].quote
    assert saved is not None and saved.question == "Who went to France?"
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (len(MIGRATIONS),)
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    # Read-only afterwards: nothing left to upgrade or rebuild.
    again = await ArchiveService.open(path, read_only=True)
    await again.close()


async def test_after_the_upgrade_files_are_recorded_then_not_read_again(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    shutil.copy(RELEASE_0_1_0, path)
    corpus = shutil.copytree(bundled_corpus(), tmp_path / "corpus")
    service = await ArchiveService.open(path)
    try:
        assert await service.store.file_records() == {}  # release 0.1.0 recorded no file
        first = await service.ingest([corpus])
        records = await service.store.file_records()
        second = await service.ingest([corpus])
        assert await service.store.file_records() == records
    finally:
        await service.close()
    assert replace(first, seconds=0) == replace(second, seconds=0)
    (record,) = records.values()
    assert record.path == str(corpus / "000_3b9707020bd53a84.txt")
    assert [d.doc_id for d in record.documents] == ["ms/migrantsincommunisthistory"]
