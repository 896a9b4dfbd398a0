"""SIGKILL during an ingest: the file stays sound and serves the old or the new index whole."""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from retrieval import ArchiveService

INGEST = """
import asyncio, sys
from retrieval import ArchiveService
async def main():
    service = await ArchiveService.open(sys.argv[1])
    await service.ingest(sys.argv[2:], prune=True)
    await service.close()
asyncio.run(main())
"""

WORDS = (
    "prison migrant student revolution imperialism labor aristocracy nation party theory".split()
)


def make_corpus(root: Path, documents: int, seed: int) -> None:
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    for i in range(documents):
        paragraphs = [
            " ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 60))).capitalize() + "."
            for _ in range(rng.randint(4, 10))
        ]
        (root / f"page{i:04d}.txt").write_text(f"Page {i} of {seed}\n\n" + "\n\n".join(paragraphs))


async def check_whole(db: Path, allowed_counts: set[int]) -> int:
    """Open the store as the bot would; its index must match its passages exactly."""
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    service = await ArchiveService.open(db, seed=[])
    try:
        documents = (await service.stats()).documents
        assert documents in allowed_counts
        stored = {
            row[0] for row in await service.store._fetchall("SELECT passage_id FROM passages")
        }
        assert set(service._index.passage_ids.tolist()) == stored
        return documents
    finally:
        await service.close()


def kill_during_ingest(db: Path, corpus: Path, delay: float) -> int:
    """SIGKILL the ingest and its worker processes, as the OOM killer or systemd would."""
    process = subprocess.Popen(
        [sys.executable, "-c", INGEST, str(db), str(corpus)], start_new_session=True
    )
    time.sleep(delay)
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    return process.wait()


async def run_kills(tmp_path: Path, kills: int) -> None:
    pristine, db = tmp_path / "pristine.sqlite3", tmp_path / "crash.sqlite3"
    old, new = tmp_path / "old", tmp_path / "new"
    make_corpus(old, 60, seed=1)
    make_corpus(new, 600, seed=2)
    service = await ArchiveService.open(pristine, seed=[old])
    await service.close()
    rng = random.Random(5)
    outcomes = []
    for _ in range(kills):
        shutil.copyfile(pristine, db)
        for suffix in ("-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        code = kill_during_ingest(db, new, rng.uniform(0.3, 1.0))
        outcomes.append(code)
        await check_whole(db, {60, 600})  # old or new, whole
        # and a rerun completes
        await asyncio.to_thread(
            subprocess.run, [sys.executable, "-c", INGEST, str(db), str(new)], check=True
        )
        assert await check_whole(db, {600}) == 600
    assert any(code == -signal.SIGKILL for code in outcomes)  # some runs really were killed


async def test_sigkill_during_ingest_never_mixes_indexes(tmp_path: Path) -> None:
    await run_kills(tmp_path, kills=3)


@pytest.mark.soak
async def test_sigkill_during_ingest_20_times(tmp_path: Path) -> None:
    await run_kills(tmp_path, kills=20)
