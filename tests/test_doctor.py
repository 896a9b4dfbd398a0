"""`archive-bot doctor`: each check finds what it should, says what to fix, never prints the token,
never writes the database, and exits 0 only when nothing needs fixing."""

from __future__ import annotations

import base64
import ctypes
import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.doctor import token_finding
from bot.settings import SETTINGS
from retrieval import bundled_corpus
from retrieval.store import MIGRATIONS

ROOT = Path(__file__).resolve().parents[1]
RELEASE_0_1_0 = Path(__file__).parent / "data" / "release-0.1.0.sqlite3"
SECRET = "Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0"
TOKEN = base64.urlsafe_b64encode(b"123456789012345678").decode().rstrip("=") + ".GaBcDe." + SECRET


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clean environment with a good token and an admin, in a private .env."""
    for name in SETTINGS:
        monkeypatch.delenv(name, raising=False)
    env_file = tmp_path / ".env"
    env_file.write_text(f"DISCORD_TOKEN={TOKEN}\nADMIN_USER_IDS=42\n")
    env_file.chmod(0o600)
    return env_file


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "archive.sqlite3"
    assert main(["--db", str(path), "ingest", str(bundled_corpus())]) == 0
    return path


def doctor(capsys, env_file: Path, db: Path) -> tuple[int, list[str]]:
    capsys.readouterr()
    code = main(["doctor", "--env-file", str(env_file), "--db", str(db)])
    out = capsys.readouterr().out
    assert SECRET not in out and TOKEN not in out
    return code, out.splitlines()


def lines_of(lines: list[str], level: str) -> list[str]:
    return [line for line in lines if line.startswith(level)]


def test_a_healthy_deployment_has_nothing_to_fix(env: Path, db: Path, capsys) -> None:
    code, lines = doctor(capsys, env, db)
    assert code == 0, lines
    assert lines[-1] == "nothing to fix"
    assert not lines_of(lines, "PROBLEM")
    text = "\n".join(lines)
    assert "token: well-formed, for the bot user 123456789012345678" in text
    assert f"database: {db}: integrity ok, schema version {len(MIGRATIONS)}" in text
    assert "index: current" in text
    assert f"sources: {bundled_corpus()} (ARCHIVE_SOURCES) readable" in text


@pytest.mark.parametrize(
    ("token", "says"),
    [
        ("", "DISCORD_TOKEN is not set"),
        (f"Bot {TOKEN}", "does not look like a bot token"),
        (SECRET, "does not look like a bot token"),  # a client secret: no dots
        (f"not-an-id.GaBcDe.{SECRET}", "first part is not a bot's user id"),
    ],
)
def test_token_problems_are_named_without_the_token(token: str, says: str) -> None:
    finding = token_finding(token)
    assert finding.level == "PROBLEM" and says in finding.message
    assert SECRET not in finding.message


def test_a_missing_token_and_bad_settings_are_problems_and_the_rest_is_still_checked(
    env: Path, db: Path, capsys
) -> None:
    env.write_text("LOG_LEVEL=LOUD\nARCHIVE_SOURCES=/nowhere/at/all\nSHARD_COUNT=many\n")
    code, lines = doctor(capsys, env, db)
    assert code == 1
    problems = "\n".join(lines_of(lines, "PROBLEM"))
    for says in ("DISCORD_TOKEN is not set", "LOG_LEVEL", "/nowhere/at/all", "SHARD_COUNT"):
        assert says in problems
    assert any(line.startswith("ok       index: current") for line in lines)
    assert lines[-1].startswith("4 problems to fix")


def test_answer_channels_are_a_note_on_what_they_need(env: Path, db: Path, capsys) -> None:
    code, lines = doctor(capsys, env, db)
    assert not [line for line in lines if "ANSWER_CHANNEL_IDS" in line]
    env.write_text(env.read_text() + "ANSWER_CHANNEL_IDS=123456789012345678\n")
    code, lines = doctor(capsys, env, db)
    assert code == 0
    (note,) = [line for line in lines if "ANSWER_CHANNEL_IDS" in line]
    assert note.startswith("note     settings: ANSWER_CHANNEL_IDS needs the Message Content intent")
    assert "Privileged Gateway Intents -> Message Content Intent" in note
    env.write_text(env.read_text().replace("=123456789012345678", "=#questions"))
    code, lines = doctor(capsys, env, db)
    assert code == 1
    (problem,) = lines_of(lines, "PROBLEM")
    assert "ANSWER_CHANNEL_IDS must be numeric Discord ids" in problem


def test_a_world_readable_env_file_is_a_problem(env: Path, db: Path, capsys) -> None:
    env.chmod(0o644)
    code, lines = doctor(capsys, env, db)
    assert code == 1
    assert f"chmod 600 {env}" in "\n".join(lines_of(lines, "PROBLEM"))


def test_a_settings_file_named_but_missing_is_a_problem(
    env: Path, db: Path, tmp_path: Path, capsys, monkeypatch
) -> None:
    code, lines = doctor(capsys, tmp_path / "nope.env", db)
    assert code == 1
    assert f"--env-file {tmp_path / 'nope.env'}: no such file" in "\n".join(
        lines_of(lines, "PROBLEM")
    )
    # Without --env-file, a missing .env is only a note: the environment may hold everything.
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    capsys.readouterr()
    main(["doctor", "--db", str(db)])
    out = capsys.readouterr().out
    assert "no .env: settings come from the environment only" in out
    assert "--env-file" not in "\n".join(lines_of(out.splitlines(), "PROBLEM"))


def test_what_systemd_reads_otherwise_and_misspelled_names_are_notes(
    env: Path, db: Path, capsys
) -> None:
    env.write_text(f"export DISCORD_TOKEN={TOKEN}\nADMIN_USER_IDS=42 # me\nRATE_LIMT_SECONDS=5\n")
    code, lines = doctor(capsys, env, db)
    notes = "\n".join(lines_of(lines, "note"))
    assert f"{env} line 1: systemd's EnvironmentFile= skips a line opening with export" in notes
    assert f"{env} line 2: systemd keeps ' #...' after a value" in notes
    assert (
        "line 3: RATE_LIMT_SECONDS is no setting of archive-bot (did you mean RATE_LIMIT_SECONDS?)"
        in (notes)
    )
    assert code == 0  # notes, not problems: this program reads the file as written


def test_a_settings_file_with_a_bad_line_is_not_also_said_to_be_read(
    env: Path, db: Path, capsys
) -> None:
    env.write_text(f"DISCORD_TOKEN={TOKEN}\nADMIN_USER_IDS: 42\n")
    code, lines = doctor(capsys, env, db)
    assert code == 1
    assert f"PROBLEM  settings: {env} line 2: not a NAME=value line" in lines
    assert not any(line.startswith("ok       settings: read from") for line in lines)


def test_the_deployments_empty_settings_file_is_no_problem(
    env: Path, db: Path, capsys, monkeypatch
) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    monkeypatch.setenv("ADMIN_USER_IDS", "42")
    code, lines = doctor(capsys, Path("/dev/null"), db)
    assert code == 0 and "ok       settings: read from the environment and /dev/null" in lines


def test_run_with_a_settings_file_named_but_missing_stops_at_once(tmp_path: Path, capsys) -> None:
    assert main(["run", "--env-file", str(tmp_path / "nope.env")]) == 2
    assert (
        capsys.readouterr()
        .err.strip()
        .endswith(f"--env-file {tmp_path / 'nope.env'}: no such file")
    )


def test_a_damaged_database_is_a_problem(env: Path, tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"not a database " * 500)
    code, lines = doctor(capsys, env, bad)
    assert code == 1
    assert "the file is damaged" in "\n".join(lines_of(lines, "PROBLEM"))


def test_a_stale_index_is_reported_and_nothing_is_written(env: Path, db: Path, capsys) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE meta SET value = 'k1=9' WHERE key = 'bm25'")
        conn.execute("UPDATE documents SET content_hash = 'changed' WHERE rowid = 1")
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    code, lines = doctor(capsys, env, db)
    assert code == 0  # the next start rebuilds it: worth knowing, nothing to fix
    index = next(line for line in lines if " index: " in line)
    assert index.startswith("note") and "the next start rebuilds it" in index
    assert "bm25 k1=9 ->" in index
    assert "the stored documents changed after the index was built" in index
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before


def test_an_older_schema_is_checked_and_left_as_it_is(env: Path, tmp_path: Path, capsys) -> None:
    old = tmp_path / "old.sqlite3"
    shutil.copy(RELEASE_0_1_0, old)
    before = hashlib.sha256(old.read_bytes()).hexdigest()
    code, lines = doctor(capsys, env, old)
    assert code == 0
    line = next(line for line in lines if " database: " in line)
    assert line.startswith("note") and "integrity ok; schema version 3" in line
    assert f"upgrades it to {len(MIGRATIONS)}" in line and "archive-bot backup" in line
    assert hashlib.sha256(old.read_bytes()).hexdigest() == before


def test_a_missing_database_is_a_note_and_an_uncreatable_one_a_problem(
    env: Path, tmp_path: Path, capsys
) -> None:
    code, lines = doctor(capsys, env, tmp_path / "new" / "archive.sqlite3")
    assert code == 0 and "does not exist yet" in "\n".join(lines_of(lines, "note"))
    assert not (tmp_path / "new").exists()
    (tmp_path / "a-file").write_text("x")
    code, lines = doctor(capsys, env, tmp_path / "a-file" / "archive.sqlite3")
    assert code == 1 and "cannot be created" in "\n".join(lines_of(lines, "PROBLEM"))


def test_a_recorded_root_that_is_gone_is_a_note(
    env: Path, db: Path, tiny_corpus: Path, capsys
) -> None:
    copy = tiny_corpus.parent / "mirror"
    shutil.copytree(tiny_corpus, copy)
    assert main(["--db", str(db), "ingest", str(copy)]) == 0
    shutil.rmtree(copy)
    code, lines = doctor(capsys, env, db)
    assert code == 0
    gone = next(line for line in lines if str(copy) in line)
    assert gone.startswith("note") and "/reindex removes its documents" in gone


def _drop_root_override() -> None:
    """As root, give up the right to ignore file permissions (as the bot's own user would be)."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def test_unreadable_sources_and_an_unwritable_database_are_problems(
    env: Path, db: Path, tiny_corpus: Path
) -> None:
    secret = tiny_corpus / "guide.md"
    secret.chmod(0o000)
    db.chmod(0o444)
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from bot.cli import main; sys.exit(main())",
            "doctor",
            "--env-file",
            str(env),
            "--db",
            str(db),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "ARCHIVE_SOURCES": str(tiny_corpus)},
        preexec_fn=_drop_root_override if os.geteuid() == 0 else None,
        timeout=60,
    )
    secret.chmod(0o644)
    db.chmod(0o644)
    assert result.returncode == 1, result.stdout + result.stderr
    problems = [line for line in result.stdout.splitlines() if line.startswith("PROBLEM")]
    assert any(f"this user cannot read {secret}" in line for line in problems), problems
    assert any(f"{db} not writable by this user" in line for line in problems), problems


def test_readme_settings_table_lists_every_setting() -> None:
    readme = (ROOT / "README.md").read_text()
    table = readme.split("### Settings", 1)[1].split("\n## ", 1)[0]
    for name in SETTINGS:
        assert f"`{name}`" in table, name
