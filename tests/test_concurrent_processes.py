"""Several processes read one database file while another ingests into it: the readers answer
from the last committed index, never wait for the writer, and see the new index once it commits."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from retrieval import bundled_corpus

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-c", "import sys; from bot.cli import main; sys.exit(main())"]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def cli(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*CLI, *argv], capture_output=True, text=True, cwd=ROOT, env=ENV, timeout=120
    )


def corpus(root: Path, pages: int, seed: int) -> Path:
    """Pages of random words: enough that the ingest's write transaction takes a moment."""
    root.mkdir(exist_ok=True)
    rng = random.Random(seed)
    vocabulary = [f"w{n}" for n in range(3000)]
    for i in range(pages):
        paragraphs = [
            " ".join(rng.choice(vocabulary) for _ in range(60)).capitalize() + "." for _ in range(6)
        ]
        (root / f"page{i:05d}.txt").write_text(f"Page {i}\n\n" + "\n\n".join(paragraphs) + "\n")
    return root


def write_locked(db: Path) -> bool:
    """Whether another process holds the database's write lock right now."""
    conn = sqlite3.connect(db, timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError as exc:
        if "locked" not in str(exc):
            raise
        return True
    finally:
        conn.close()


def ingest_stopped_inside_its_transaction(db: Path, pages: Path) -> subprocess.Popen | None:
    """Start a CLI ingest and freeze it (SIGSTOP) while it holds the write lock, so that readers
    certainly run meanwhile, whatever the machine's speed; ``None`` if it committed first."""
    ingest = subprocess.Popen(
        [*CLI, "--db", str(db), "ingest", str(pages)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=ENV,
    )
    for line in ingest.stderr:  # progress: the write transaction follows "indexing"
        if line.startswith("indexing:"):
            break
    while ingest.poll() is None:
        if write_locked(db):
            ingest.send_signal(signal.SIGSTOP)
            if write_locked(db):  # still inside, not just committed
                return ingest
            ingest.send_signal(signal.SIGCONT)
    _, err = ingest.communicate(timeout=120)
    assert ingest.returncode == 0, err
    return None


def test_two_asks_answer_while_an_ingest_holds_the_write_lock(tmp_path: Path) -> None:
    db = tmp_path / "archive.sqlite3"
    assert cli("--db", str(db), "ingest", str(bundled_corpus())).returncode == 0  # 1 document
    for seed in range(5):  # each try changes every page, so each ingest writes them all again
        before = len(cli("--db", str(db), "docs").stdout.splitlines())
        ingest = ingest_stopped_inside_its_transaction(db, corpus(tmp_path / "pages", 800, seed))
        if ingest is not None:
            break
    assert ingest is not None, "every ingest committed before it could be caught holding the lock"
    try:
        with ThreadPoolExecutor(max_workers=3) as pool:
            asks = list(
                pool.map(
                    lambda argv: cli(*argv),
                    [
                        ("--db", str(db), "ask", "Who went to France?"),
                        ("--db", str(db), "ask", "Where did Deng Xiaoping become a communist?"),
                        ("--db", str(db), "docs"),
                    ],
                )
            )
        assert write_locked(db)  # the readers ran while the writer held its lock
    finally:
        ingest.send_signal(signal.SIGCONT)
        out, err = ingest.communicate(timeout=120)
    for result in asks:
        assert result.returncode == 0 and result.stderr == "", result.stderr
    assert "France" in asks[0].stdout and "Deng" in asks[1].stdout
    assert len(asks[2].stdout.splitlines()) == before  # the last committed index
    assert ingest.returncode == 0, err
    assert "skipped 0" in out
    assert len(cli("--db", str(db), "docs").stdout.splitlines()) == 801
