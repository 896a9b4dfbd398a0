"""The question log: what admins see of what was asked (never who), its retention, the report,
and the CLI that writes and reads it (``ask``, ``stats --questions``)."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cli import main
from retrieval import ArchiveService, bundled_corpus
from retrieval.usage import LoggedQuestion, question_key, retention_days

NOON = datetime(2025, 3, 10, 12, 0, tzinfo=UTC).timestamp()
DAY = 86400.0


def logged(path: Path) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        return conn.execute(
            "SELECT question, not_found, results, front_end FROM question_log ORDER BY entry_id"
        ).fetchall()


async def test_answers_are_logged_with_their_outcome_and_no_one_who_asked(
    seed_service: ArchiveService,
) -> None:
    found = await seed_service.ask("<@123456789012345678> Who studied in Germany?", 2)
    missing = await seed_service.ask("Who is the president of Brazil?")
    await seed_service.log_question(found, "discord")
    await seed_service.log_question(missing, "discord")
    rows = logged(seed_service.store.path)
    assert rows == [
        ("Who studied in Germany?", 0, len(found.results), "discord"),
        ("Who is the president of Brazil?", 1, 0, "discord"),
    ]
    assert len(found.results) == 2
    with sqlite3.connect(seed_service.store.path) as conn:
        columns = {row[1] for row in conn.execute("PRAGMA table_info(question_log)")}
        everything = " ".join(
            str(v) for row in conn.execute("SELECT * FROM question_log") for v in row
        )
    assert not columns & {"owner", "user", "user_id", "author", "channel", "guild"}
    assert "123456789012345678" not in everything


async def test_report_per_day_most_asked_and_recently_not_found(
    seed_service: ArchiveService,
) -> None:
    store = seed_service.store
    entries = [
        ("Who went to France?", NOON - 3 * DAY, False),
        ("who went to France", NOON - 1 * DAY, False),
        ("Who went to  FRANCE?!", NOON - 60, False),
        ("Who is the president of Brazil?", NOON - 2 * DAY, True),
        ("What is the capital of Peru?", NOON - 30, True),
        ("An old question", NOON - 20 * DAY, True),  # outside a 14-day window
    ]
    for question, at, not_found in entries:
        await store.log_question(
            LoggedQuestion(question, at, not_found, 0 if not_found else 3, "cli")
        )
    report = await seed_service.question_report(days=14, top=5, now=NOON)
    assert report.asked == 5 and report.not_found == 2
    assert len(report.per_day) == 14
    assert report.per_day[-1].day == "2025-03-10" and report.per_day[0].day == "2025-02-25"
    counts = {d.day: (d.asked, d.not_found) for d in report.per_day}
    assert counts["2025-03-10"] == (2, 1)
    assert counts["2025-03-09"] == (1, 0)
    assert counts["2025-03-08"] == (1, 1)
    assert counts["2025-03-07"] == (1, 0)
    assert counts["2025-03-01"] == (0, 0)
    top = report.most_asked[0]
    # The same question written three ways counts once, shown as it was last written.
    assert (top.question, top.times, top.not_found) == ("Who went to  FRANCE?!", 3, 0)
    assert [q.question for q in report.recent_not_found] == [
        "What is the capital of Peru?",
        "Who is the president of Brazil?",
    ]
    assert report.since == "2025-02-25T00:00:00+00:00"
    assert json.loads(json.dumps(report.to_json()))["most_asked"][0]["times"] == 3


async def test_entries_older_than_the_retention_are_forgotten(
    seed_service: ArchiveService,
) -> None:
    import time

    now = time.time()
    for age_days in (40, 29, 1):
        await seed_service.store.log_question(
            LoggedQuestion(f"asked {age_days} days ago", now - age_days * DAY, False, 1, "cli")
        )
    await seed_service.forget_logged_questions_older_than(30 * DAY)
    assert [q for q, *_ in logged(seed_service.store.path)] == [
        "asked 29 days ago",
        "asked 1 days ago",
    ]


def test_question_keys_and_retention_setting() -> None:
    assert question_key(" Who went to  FRANCE?! ") == question_key("who went to france")
    assert question_key("¿Quién fue a Francia?") == "quién fue a francia"
    assert retention_days("") == 30 and retention_days(None) == 30
    assert retention_days("0") == 0 and retention_days("7.5") == 7.5
    for bad in ("-1", "soon", "nan", "inf"):
        with pytest.raises(ValueError, match="QUESTION_RETENTION_DAYS"):
            retention_days(bad)


def test_cli_ask_logs_unless_told_not_to(tmp_path: Path, monkeypatch, capsys) -> None:
    db = tmp_path / "a.sqlite3"
    assert main(["--db", str(db), "ingest", str(bundled_corpus())]) == 0
    monkeypatch.delenv("QUESTION_RETENTION_DAYS", raising=False)
    assert main(["--db", str(db), "ask", "Who went to France?"]) == 0
    assert main(["--db", str(db), "ask", "Who is the president of Brazil?", "--json"]) == 0
    assert main(["--db", str(db), "ask", "not logged: flag", "--no-log"]) == 0
    monkeypatch.setenv("QUESTION_RETENTION_DAYS", "0")
    assert main(["--db", str(db), "ask", "not logged: setting"]) == 0
    rows = logged(db)
    assert [(q, nf, fe) for q, nf, _, fe in rows] == [
        ("Who went to France?", 0, "cli"),
        ("Who is the president of Brazil?", 1, "cli"),
    ]
    monkeypatch.setenv("QUESTION_RETENTION_DAYS", "later")
    capsys.readouterr()
    assert main(["--db", str(db), "ask", "Who went to France?"]) == 1
    assert "QUESTION_RETENTION_DAYS" in capsys.readouterr().err


def test_cli_ask_purges_what_the_retention_no_longer_keeps(tmp_path: Path, monkeypatch) -> None:
    db = tmp_path / "a.sqlite3"
    assert main(["--db", str(db), "ingest", str(bundled_corpus())]) == 0
    with sqlite3.connect(db) as conn:
        conn.execute(
            "INSERT INTO question_log (question, question_key, asked_at, not_found, results, "
            "front_end) VALUES ('ancient', 'ancient', 1000.0, 0, 1, 'cli')"
        )
    monkeypatch.setenv("QUESTION_RETENTION_DAYS", "7")
    assert main(["--db", str(db), "ask", "Who went to France?"]) == 0
    assert [q for q, *_ in logged(db)] == ["Who went to France?"]


def test_cli_stats_questions_text_and_json(tmp_path: Path, monkeypatch, capsys) -> None:
    db = tmp_path / "a.sqlite3"
    assert main(["--db", str(db), "ingest", str(bundled_corpus())]) == 0
    monkeypatch.delenv("QUESTION_RETENTION_DAYS", raising=False)
    for question in (
        "Who went to France?",
        "who went to france",
        "Who is the president of Brazil?",
    ):
        assert main(["--db", str(db), "ask", question]) == 0
    capsys.readouterr()
    assert main(["stats", "--questions", "--days", "3", "--db", str(db)]) == 0
    text = capsys.readouterr().out
    assert "questions asked in the last 3 days" in text and ": 3, not found 1" in text
    assert "2x  who went to france" in text
    assert "Who is the president of Brazil?" in text.split("recently not found:")[1]
    assert main(["stats", "--questions", "--json", "--db", str(db)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report) == {
        "days",
        "since",
        "asked",
        "not_found",
        "per_day",
        "most_asked",
        "recent_not_found",
    }
    assert report["days"] == 14 and len(report["per_day"]) == 14
    assert report["asked"] == 3 and report["per_day"][-1]["asked"] == 3
    assert report["most_asked"][0] == {
        "question": "who went to france",
        "times": 2,
        "not_found": 0,
        "last_asked": report["most_asked"][0]["last_asked"],
    }
    assert [q["question"] for q in report["recent_not_found"]] == [
        "Who is the president of Brazil?"
    ]
    # --json and --days belong to --questions
    assert main(["stats", "--json", "--db", str(db)]) == 2  # a usage error


async def test_a_release_0_1_0_database_gains_the_question_log(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    path.write_bytes((Path(__file__).parent / "data" / "release-0.1.0.sqlite3").read_bytes())
    service = await ArchiveService.open(path)
    try:
        await service.log_question(await service.ask("Who went to France?"), "cli")
        report = await service.question_report()
        saved = await service.saved_question(1)
    finally:
        await service.close()
    assert report.asked == 1 and report.most_asked[0].question == "Who went to France?"
    assert saved is not None  # what the old release stored is still there
