"""The archive-bot command: output, --json schema, exit codes, one-line errors."""

from __future__ import annotations

import asyncio
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from retrieval import ArchiveService
from retrieval.cli import (
    ProgressPrinter,
    document_line,
    format_answer,
    format_footnote,
    format_question_report,
)
from retrieval.ingest.pipeline import IngestProgress
from retrieval.models import (
    Answer,
    Citation,
    CitingSentence,
    DocumentInfo,
    FootnoteInfo,
    NoteRef,
    Result,
    SourceRef,
)
from retrieval.usage import QuestionReport

READ_COMMANDS = {
    "ask": ("ask", "who founded rail"),
    "footnote": ("footnote", "ms/migrantsincommunisthistory", "7"),
    "docs": ("docs",),
    "parts": ("parts",),
    "feedback": ("feedback",),
    "stats": ("stats",),
    "stats --questions": ("stats", "--questions"),
}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


async def _build(path: Path) -> None:
    service = await ArchiveService.open(path)  # a new database holds the bundled article
    await service.close()


@pytest.fixture
def db(tmp_path: Path) -> str:
    """A database of the bundled article (a read command never creates one at a --db path)."""
    path = tmp_path / "cli.sqlite3"
    asyncio.run(_build(path))
    return str(path)


def test_ask_json_has_the_documented_shape(capsys, db: str) -> None:
    code, out, _ = run(
        capsys, "--db", db, "ask", "Where did Deng Xiaoping become a communist?", "--json"
    )
    assert code == 0
    data = json.loads(out)
    assert set(data) == {
        "question", "abstained", "reason", "suggestions", "corrected", "offset", "scope",
        "has_more", "results",
    }  # fmt: skip
    assert data["abstained"] is False
    assert data["corrected"] is None and data["offset"] == 0 and data["scope"] is None
    assert data["has_more"] is True  # three results of many
    first = data["results"][0]
    assert set(first) == {
        "doc_id", "title", "section", "paragraphs", "url", "link", "quote", "highlights", "score", "notes",
    }  # fmt: skip
    assert "Deng became a communist in France" in first["quote"]
    assert (
        first["url"]
        == "https://www.prisoncensorship.info/archive/etext/ms/migrantsincommunisthistory.html"
    )
    assert first["link"].startswith(first["url"] + "#:~:text=")
    for a, b in first["highlights"]:
        assert first["quote"][a:b].strip()


def test_ask_prints_quote_and_citation(capsys, db: str) -> None:
    code, out, _ = run(capsys, "--db", db, "ask", "Where did Hoxha study?")
    assert code == 0
    assert "He studied briefly in France" in out
    assert "Migrants in communist history" in out and "¶ 12" in out


def test_a_corrected_question_says_what_was_searched(capsys, db: str) -> None:
    code, out, _ = run(capsys, "--db", db, "ask", "Where did Xiaopnig study?")
    assert code == 0
    assert out.splitlines()[:2] == [
        "Q: Where did Xiaopnig study?",
        "Nothing matched the words as typed; showing results for “Where did Xiaoping study?”.",
    ]
    code, out, _ = run(capsys, "--db", db, "ask", "Where did Xiaopnig study?", "--json", "-k", "1")
    assert json.loads(out)["corrected"] == "Where did Xiaoping study?"
    code, out, _ = run(
        capsys, "--db", db, "ask", "Deng", "--json", "--page", "2", "-k", "2", "--in", "ms"
    )
    data = json.loads(out)
    assert data["offset"] == 2 and data["scope"]


def test_not_found_is_plain(capsys, db: str) -> None:
    code, out, _ = run(capsys, "--db", db, "ask", "Who is the president of Brazil?", "--json")
    data = json.loads(out)
    assert code == 0 and data["abstained"] and data["results"] == []


def test_footnote_seven(capsys, db: str) -> None:
    code, out, _ = run(capsys, "--db", db, "footnote", "ms/migrantsincommunisthistory", "7")
    assert code == 0
    assert "not in this copy of the archive" in out
    assert out.count("- ¶") == 3


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("ask", "   "), "question is empty"),
        (("footnote", "nope/nothing", "1"), "no document 'nope/nothing'"),
        (("footnote", "ms/migrantsincommunisthistory", "99"), "has no note 99"),
        (("ingest", "/no/such/path"), "no such file or folder"),
    ],
)
def test_user_errors_are_one_line_and_exit_1(capsys, db: str, argv, message: str) -> None:
    code, _, err = run(capsys, "--db", db, *argv)
    assert code == 1
    assert message in err
    assert "Traceback" not in err and err.count("\n") == 1


def test_usage_errors_exit_2(capsys, db: str) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--db", db, "ask", "x", "-k", "0"])
    assert info.value.code == 2
    capsys.readouterr()
    code, out, err = run(capsys, "--db", db, "stats", "--json")  # --json goes with --questions
    assert code == 2 and out == ""
    assert err.strip() == "archive-bot: error: --json and --days go with --questions"


def test_docs_and_stats(capsys, db: str) -> None:
    code, out, _ = run(capsys, "--db", db, "docs")
    assert code == 0 and out.startswith(
        "ms/migrantsincommunisthistory\tMigrants in communist history"
    )
    code, out, _ = run(capsys, "--db", db, "stats")
    assert code == 0 and "documents  1" in out and "tokenizer_version" in out


def test_every_command_has_help() -> None:
    from bot.cli import RUN
    from retrieval.cli import build_parser

    parser = build_parser([RUN])
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, command in sub.choices.items():
        assert command.format_help()
        help_text = next(c.help for c in sub._choices_actions if c.dest == name)
        assert help_text, name
        for action in command._actions:
            assert action.help, f"{name} {action.dest}"


def test_installed_command_runs_anywhere(tmp_path: Path) -> None:
    """The console script finds the bundled corpus outside the checkout, and builds the default
    database from it on first use (the quick start)."""
    env = {"XDG_DATA_HOME": str(tmp_path / "data"), "PATH": str(Path(sys.executable).parent)}
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "ask", "Who went to France in December 1920?", "--json"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "Zhou Enlai" in json.loads(result.stdout)["results"][0]["quote"]
    assert (tmp_path / "data" / "archive-bot" / "archive.sqlite3").is_file()


def test_ingest_a_mirror_with_another_base_url(capsys, db: str, tmp_path: Path) -> None:
    page = tmp_path / "mirror" / "ms" / "strike.html"
    page.parent.mkdir(parents=True)
    page.write_text(
        "<html><head><title>MIM: The strike</title></head><body><h1>The strike</h1>"
        "<p>Prisoners in Pelican Bay went on hunger strike in 2011.</p></body></html>"
    )
    code, out, _ = run(
        capsys,
        "--db",
        db,
        "ingest",
        str(tmp_path / "mirror"),
        "--base-url",
        "https://example.org/etext/",
    )
    assert code == 0 and "added 1" in out
    code, out, _ = run(
        capsys, "--db", db, "ask", "When was the hunger strike in Pelican Bay?", "--json"
    )
    first = json.loads(out)["results"][0]
    assert first["doc_id"] == "ms/strike" and first["title"] == "The strike"
    assert first["url"] == "https://example.org/etext/ms/strike.html"


def test_ingest_exits_1_when_nothing_could_be_ingested(capsys, db: str, tmp_path: Path) -> None:
    folder = tmp_path / "unreadable"
    folder.mkdir()
    (folder / "scan.txt").write_bytes(b"\x00\x01\x02PNG\x00" * 50)
    (folder / "pages.jsonl").write_text("not json\n")
    code, out, err = run(capsys, "--db", db, "ingest", str(folder))
    assert code == 1
    assert "skipped 2" in out and "scan.txt" in out and "pages.jsonl:1" in out
    assert err.startswith("archive-bot: error: nothing was ingested") and err.count("\n") == 1
    page = folder / "page.txt"
    page.write_text("A page\n\nKatayama met Trotsky in New York.\n")
    assert run(capsys, "--db", db, "ingest", str(folder))[0] == 0  # one page read
    code, out, _ = run(capsys, "--db", db, "ingest", str(page))
    assert code == 0 and "unchanged 1" in out  # read, though nothing changed


def test_ingest_names_merged_urls_and_collisions(capsys, db: str, tmp_path: Path) -> None:
    text = (
        "Who is a Communist\n\n" + "Communism is the abolition of power of people over people. " * 5
    )
    path = "prisoncensorship.info/archive/etext/wim/whocomm.html"
    pages = tmp_path / "pages.jsonl"
    pages.write_text(
        json.dumps({"url": f"https://www.{path}", "text": text}) + "\n"
        + json.dumps({"url": f"http://{path}", "text": text}) + "\n"
    )  # fmt: skip
    code, out, _ = run(capsys, "--db", db, "ingest", str(pages))
    assert code == 0 and "added 1," in out and "merged 1," in out
    merged = f"merged wim/whocomm: {pages}:2 is the same page as {pages}:1 (https://www.{path})"
    assert f"{merged}; same text" in out
    for name, body in (("a", "Notes A\n\nOne thing.\n"), ("b", "Notes B\n\nAnother.\n")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "notes.txt").write_text(body)
    assert run(capsys, "--db", db, "ingest", str(tmp_path / "a"))[0] == 0
    code, out, _ = run(capsys, "--db", db, "ingest", str(tmp_path / "b"))
    assert code == 1 and "changed 0" in out
    assert (
        f"skipped {tmp_path}/b/notes.txt: document id 'notes' is stored from {tmp_path}/a/notes.txt"
        in out
    )


def test_ask_narrowed_to_a_part_and_years(capsys, db: str, tmp_path: Path) -> None:
    mirror = tmp_path / "mirror"
    (mirror / "mn").mkdir(parents=True)
    (mirror / "mn" / "mn150.txt").write_text(
        "MIM Notes 150, November 15, 1997\n\nDeng Xiaoping was a capitalist roader.\n"
    )
    assert run(capsys, "--db", db, "ingest", str(mirror))[0] == 0
    code, out, _ = run(capsys, "--db", db, "parts")
    assert code == 0
    assert out.splitlines() == [
        "mn\tMIM Notes\t1 document, 1 dated",
        "ms\tms\t1 document, 0 dated",
        "years: 1997–1997 (2 documents in 2 parts, 1 of them dated)",
    ]
    code, out, _ = run(
        capsys, "--db", db, "ask", "Deng Xiaoping", "--in", "MIM Notes", "--from", "1990"
    )
    assert code == 0
    assert out.splitlines()[:2] == [
        "Q: Deng Xiaoping",
        "Searched only documents in MIM Notes (mn), dated 1990 or later.",
    ]
    assert "Migrants in communist history" not in out and "capitalist roader" in out
    code, _, err = run(capsys, "--db", db, "ask", "Deng", "--in", "ms", "--to", "1990")
    assert code == 1
    assert err == (
        "archive-bot: error: no document of the archive is in ms, dated 1990 or earlier"
        " (1 undated document left out)\n"
    )


def test_feedback_lists_votes(capsys, db: str) -> None:
    import asyncio

    from retrieval import ArchiveService

    async def vote() -> None:
        service = await ArchiveService.open(db)
        try:
            for person, helpful in (("1", True), ("2", False), ("1", False)):
                await service.vote(7, person, helpful, "Where did Deng study?", ["ms/migrants"])
        finally:
            await service.close()

    code, out, _ = run(capsys, "--db", db, "feedback")
    assert (code, out) == (0, "no votes yet\n")
    asyncio.run(vote())
    code, out, _ = run(capsys, "--db", db, "feedback")
    assert out.splitlines() == [
        "helpful\tnot helpful\tquestion",
        "0\t2\tWhere did Deng study?",
        "",
        "helpful\tnot helpful\tdocument quoted",
        "0\t2\tms/migrants",
    ]


def _no_database(err: str, path: Path, named: str) -> None:
    assert err.startswith(f"archive-bot: error: database {path} (from {named}): no such file")
    assert "ingest" in err and err.count("\n") == 1


@pytest.mark.parametrize("command", [*READ_COMMANDS, "backup"])
def test_a_missing_db_is_a_usage_error_and_creates_nothing(
    capsys, tmp_path: Path, command: str
) -> None:
    """A mistyped --db must not answer from a new database of the bundled article."""
    missing = tmp_path / "nonexistent" / "dir" / "x.sqlite3"
    argv = READ_COMMANDS.get(command, ("backup", str(tmp_path / "copy.sqlite3")))
    code, out, err = run(capsys, *argv, "--db", str(missing))
    assert code == 2 and out == ""
    _no_database(err, missing, "--db")
    assert list(tmp_path.iterdir()) == []


def test_a_missing_db_file_in_an_existing_folder_creates_nothing(capsys, tmp_path: Path) -> None:
    typo = tmp_path / "archve.sqlite3"
    code, _, err = run(capsys, "--db", str(typo), "ask", "Who went to France?")
    assert code == 2
    _no_database(err, typo, "--db")
    assert f"archive-bot --db {typo} ingest PATH..." in err  # how to build one there
    assert list(tmp_path.iterdir()) == []  # no database, -wal or -shm file


def test_a_db_named_by_the_environment_is_built_on_first_use(
    capsys, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As a deployment sets it (the Docker image's fresh volume): like the default path.
    configured = tmp_path / "data" / "archive.sqlite3"
    monkeypatch.setenv("ARCHIVE_BOT_DB", str(configured))
    code, out, _ = run(capsys, "docs")
    assert code == 0 and out.startswith("ms/migrantsincommunisthistory\t")
    assert configured.is_file()


def test_the_default_db_is_built_on_first_use(
    capsys, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ARCHIVE_BOT_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    code, out, _ = run(capsys, "docs")
    assert code == 0 and out.startswith("ms/migrantsincommunisthistory\t")
    assert (tmp_path / "archive-bot" / "archive.sqlite3").is_file()


def test_ingest_builds_a_database_at_a_new_db_path(capsys, tmp_path: Path) -> None:
    page = tmp_path / "one.txt"
    page.write_text("One paragraph\n\nKatayama met Trotsky in New York.\n")
    new = tmp_path / "new" / "archive.sqlite3"
    code, out, _ = run(capsys, "--db", str(new), "ingest", str(page))
    assert code == 0 and "added 1" in out
    code, out, _ = run(capsys, "--db", str(new), "docs")
    assert code == 0
    assert "one\tOne paragraph (1 paragraph)" in out.splitlines()


def test_a_hard_wrapped_quote_prints_on_one_line(capsys, db: str, tmp_path: Path) -> None:
    text = (
        "Wrapped lines\n\nThe Revolutionary Anti-Imperialist League is a mass organization\n"
        "founded and led by\tthe  movement in 1995.\n"
    )
    pages = tmp_path / "pages.jsonl"
    pages.write_text(json.dumps({"url": "https://example.org/rail/wrapped.html", "text": text}))
    assert run(capsys, "--db", db, "ingest", str(pages))[0] == 0
    question = ("--db", db, "ask", "who founded the league", "-k", "1")
    code, out, _ = run(capsys, *question)
    assert code == 0
    lines = out.splitlines()
    assert lines[2] == (
        "1. “The Revolutionary Anti-Imperialist League is a mass organization founded and led by "
        "the movement in 1995.”"
    )
    cited = lines[3 : lines.index("", 3)] if "" in lines[3:] else lines[3:]
    assert cited and all(line.startswith("   ") for line in cited)
    code, out, _ = run(capsys, *question, "--json")
    quote = json.loads(out)["results"][0]["quote"]
    assert "organization\nfounded and led by\tthe  movement" in quote  # --json keeps the text


def _wrapped_answer() -> Answer:
    quote = "Katayama was\n  a Japanese\tMarxist."
    citation = Citation(
        "mn/mn150", "MIM Notes", "MIM Notes 150      \t\tNOVEMBER 15, 1997", (3,), None, None
    )
    note = NoteRef(2, "See the\n   Congress minutes.")
    result = Result(
        quote, ((quote.index("Japanese"), quote.index("\tMarxist")),), citation, 1.0, (note,)
    )
    return Answer("who was Katayama?", (result,), (), False)


def test_quotes_sections_and_notes_print_on_one_line() -> None:
    lines = format_answer(_wrapped_answer()).splitlines()
    assert lines[2:5] == [
        "1. “Katayama was a Japanese Marxist.”",
        "   — MIM Notes · MIM Notes 150 NOVEMBER 15, 1997 · ¶ 3",
        "   [2] See the Congress minutes.",
    ]
    on_a_terminal = format_answer(_wrapped_answer(), tty=True).splitlines()[2]
    assert on_a_terminal == "1. “Katayama was a \033[1mJapanese\033[0m Marxist.”"


def test_footnote_sentences_print_on_one_line() -> None:
    citing = CitingSentence(4, "Ghana  and\tZanzibar", "He went to England\nin 1920.(7)", None)
    info = FootnoteInfo("ms/m", "Migrants", 7, "A note\n  wrapped.", (citing,), None)
    assert format_footnote(info).splitlines() == [
        "Migrants (ms/m), note 7:",
        "  A note wrapped.",
        "",
        "Cited 1 time:",
        "- ¶ 4 · Ghana and Zanzibar: “He went to England in 1920.(7)”",
    ]


def test_counts_are_singular_or_plural() -> None:
    def doc(paragraphs: int, notes: int) -> DocumentInfo:
        return DocumentInfo("ms/m", "Migrants", None, SourceRef("m.txt"), paragraphs, notes)

    assert document_line(doc(1, 1)) == "ms/m\tMigrants (1 paragraph, 1 note)"
    assert document_line(doc(2, 0)) == "ms/m\tMigrants (2 paragraphs)"
    assert document_line(doc(1200, 3)) == "ms/m\tMigrants (1,200 paragraphs, 3 notes)"
    report = QuestionReport(1, "2025-01-01", 0, 0, (), (), ())
    assert format_question_report(report).startswith("questions asked in the last 1 day (UTC")
    stream = io.StringIO()
    ProgressPrinter(stream)(IngestProgress("read", 1, 1, 2))
    assert stream.getvalue().startswith("read: 1 source, 1 document, 2 passages (")


def test_pages_of_an_answer_follow_each_other(capsys, db: str) -> None:
    question = ("--db", db, "ask", "Deng Xiaoping France", "-k", "2")
    _, first, _ = run(capsys, *question, "--json")
    _, both, _ = run(capsys, *question[:-1], "4", "--json")
    _, second, _ = run(capsys, *question, "--page", "2", "--json")
    pages = [json.loads(first)["results"], json.loads(second)["results"]]
    assert pages[0] + pages[1] == json.loads(both)["results"]
    code, shown, _ = run(capsys, *question, "--page", "2")
    assert code == 0
    assert [line[:3] for line in shown.splitlines() if line[:1].isdigit()] == ["3. ", "4. "]
    assert "More results: --page 3" in shown
    code, past, _ = run(capsys, *question, "--page", "500")
    assert code == 0 and "No results on this page: fewer than 999 rank for it." in past


def test_version_is_the_installed_packages(capsys: pytest.CaptureFixture[str]) -> None:
    from importlib import metadata

    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"archive-bot {metadata.version('archive-bot')}"
