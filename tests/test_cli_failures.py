"""Every CLI command against every database failure it can meet: one line on stderr, the
documented exit code, never a traceback (the real console script, in a child process)."""

from __future__ import annotations

import ctypes
import os
import shutil
import sqlite3
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bot.settings import load_settings
from retrieval import bundled_corpus

ROOT = Path(__file__).resolve().parents[1]
DOC = "ms/migrantsincommunisthistory"
COMMANDS: dict[str, tuple[str, ...]] = {
    "ask": ("ask", "Who went to France?"),
    "footnote": ("footnote", DOC, "7"),
    "docs": ("docs",),
    "stats": ("stats",),
    "backup": ("backup", "{case}/copy.sqlite3"),
    "ingest": ("ingest", str(bundled_corpus())),
    "run": ("run", "--env-file", os.devnull),
}
READS = {"ask", "footnote", "docs", "stats", "backup"}
# failure -> (exit code of a command that reads, of one that writes, what the line says); a
# command that reads never creates a database at a --db path: a missing one is a usage error.
FAILURES: dict[str, tuple[int, int, str]] = {
    "missing, folder not writable": (2, 1, "archive-bot: error: database"),
    "missing, folder is a file": (2, 1, "archive-bot: error: database"),
    "read-only": (0, 1, "writable by this user"),
    "corrupt": (1, 1, "the file is damaged"),
    "locked by a running ingest": (0, 1, "another process holds a write lock"),
}


def _drop_root_override() -> None:
    """As root, give up the right to ignore file permissions (CAP_DAC_OVERRIDE and
    CAP_DAC_READ_SEARCH), so that a read-only file is read-only for this child too."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def cli(*argv: str, env: dict[str, str] | None = None, stdout=subprocess.PIPE):
    """Run the installed command's entry point in a child process, as a server would."""
    return subprocess.run(
        [sys.executable, "-c", "import sys; from bot.cli import main; sys.exit(main())", *argv],
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "DISCORD_TOKEN": "fake.token.value",
            **(env or {}),
        },
        preexec_fn=_drop_root_override if os.geteuid() == 0 else None,
        timeout=120,
    )


@pytest.fixture(scope="module")
def good_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("good") / "archive.sqlite3"
    result = cli("--db", str(path), "ingest", str(bundled_corpus()))  # reads never create one
    assert result.returncode == 0, result.stderr
    return path


def _prepare(failure: str, good: Path, where: Path) -> tuple[Path, subprocess.Popen | None]:
    """A database path showing ``failure`` (and the process that holds its lock, if any)."""
    where.mkdir(parents=True, exist_ok=True)
    if failure == "missing, folder not writable":
        folder = where / "locked-folder"
        folder.mkdir()
        folder.chmod(0o555)
        return folder / "new.sqlite3", None
    if failure == "missing, folder is a file":
        (where / "a-file").write_text("not a folder")
        return where / "a-file" / "new.sqlite3", None
    folder = where / "data"
    folder.mkdir()
    path = folder / "archive.sqlite3"
    shutil.copy(good, path)
    if failure == "read-only":
        path.chmod(0o444)
        folder.chmod(0o555)
    elif failure == "corrupt":
        path.write_bytes(b"this is not an SQLite database, just bytes " * 200)
    elif failure == "locked by a running ingest":
        # What an ingest holds while it commits: SQLite's write lock on the file.
        holder = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import sqlite3, sys; c = sqlite3.connect(sys.argv[1], isolation_level=None);"
                "c.execute('BEGIN IMMEDIATE'); c.execute(\"UPDATE meta SET value = value\");"
                "print('locked', flush=True); sys.stdin.read()",
                str(path),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert holder.stdout.readline().strip() == "locked"
        return path, holder
    return path, None


def test_every_command_against_every_failure(good_db: Path, tmp_path: Path) -> None:
    cases = []
    holders = []
    for n, failure in enumerate(FAILURES):
        for command in COMMANDS:
            case = tmp_path / f"{n}-{command}"
            path, holder = _prepare(failure, good_db, case)
            if holder is not None:
                holders.append(holder)
            argv = [a.replace("{case}", str(case)) for a in COMMANDS[command]]
            cases.append((failure, command, [*argv, "--db", str(path)]))
    # The writes under a lock wait out SQLite's busy timeout: start them first, run all at once.
    cases.sort(key=lambda case: case[0] != "locked by a running ingest")
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(lambda case: cli(*case[2]), cases))
    finally:
        for holder in holders:
            holder.communicate("")
        for folder in tmp_path.rglob("*"):
            if folder.is_dir():
                folder.chmod(0o755)
    problems = []
    for (failure, command, _), result in zip(cases, results, strict=True):
        read_code, write_code, says = FAILURES[failure]
        expected = read_code if command in READS else write_code
        lines = result.stderr.splitlines()
        if result.returncode != expected:
            problems.append(f"{command} / {failure}: exit {result.returncode}, not {expected}")
        if expected == 0 and lines:
            problems.append(f"{command} / {failure}: stderr {lines}")
        if expected != 0 and (len(lines) != 1 or says not in lines[0]):
            problems.append(f"{command} / {failure}: stderr {lines}")
    assert not problems, "\n".join(problems)


def test_a_read_only_database_answers_every_read_command(good_db: Path, tmp_path: Path) -> None:
    path, _ = _prepare("read-only", good_db, tmp_path)
    try:
        answer = cli("ask", "Who went to France?", "--db", str(path))
        docs = cli("docs", "--db", str(path))
    finally:
        path.parent.chmod(0o755)
    assert answer.returncode == 0 and "France" in answer.stdout, answer.stderr
    assert docs.stdout.startswith(DOC)
    assert sorted(p.name for p in path.parent.iterdir()) == ["archive.sqlite3"]  # no -wal, -shm


def test_a_closed_pipe_ends_quietly(good_db: Path) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before anything is written (`| head` done)
    try:
        result = cli(
            "--db", str(good_db), "ask", "Who went to France?", "-k", "10", stdout=write_end
        )
    finally:
        os.close(write_end)
    assert result.returncode == 0
    assert result.stderr == ""


def test_db_option_anywhere_and_over_the_environment(good_db: Path, tmp_path: Path) -> None:
    elsewhere = {"ARCHIVE_BOT_DB": str(tmp_path / "nowhere" / "other.sqlite3")}
    after = cli("docs", "--db", str(good_db), env=elsewhere)
    before = cli("--db", str(good_db), "docs", env=elsewhere)
    assert after.returncode == before.returncode == 0, after.stderr
    assert after.stdout == before.stdout and after.stdout.startswith(DOC)
    assert not (tmp_path / "nowhere").exists()


def test_run_takes_db_over_the_environment_and_env_file(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("DISCORD_TOKEN=a.b.c\nARCHIVE_BOT_DB=/from/file.sqlite3\n")
    settings = load_settings(
        {"ARCHIVE_BOT_DB": "/from/env.sqlite3"},
        env_file=env_file,
        default_db=Path("/default.sqlite3"),
        default_sources=(bundled_corpus(),),
        db=Path("/from/option.sqlite3"),
    )
    assert settings.db_path == Path("/from/option.sqlite3")


def test_a_database_of_an_older_schema_read_only_is_one_line(good_db: Path, tmp_path: Path) -> None:
    path = tmp_path / "data" / "old.sqlite3"
    path.parent.mkdir()
    shutil.copy(good_db, path)
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 1")
    path.chmod(0o444)
    path.parent.chmod(0o555)
    try:
        result = cli("docs", "--db", str(path))
    finally:
        path.parent.chmod(0o755)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "must be upgraded" in lines[0] and "needs write access" in lines[0]
