"""The archive-bot command: output, --json schema, exit codes, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def db(tmp_path: Path) -> str:
    return str(tmp_path / "cli.sqlite3")


def test_ask_json_has_the_documented_shape(capsys, db: str) -> None:
    code, out, _ = run(
        capsys, "--db", db, "ask", "Where did Deng Xiaoping become a communist?", "--json"
    )
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"question", "abstained", "reason", "suggestions", "has_more", "results"}
    assert data["abstained"] is False
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
    """The console script finds the bundled corpus outside the checkout."""
    env = {"ARCHIVE_BOT_DB": str(tmp_path / "x.sqlite3"), "PATH": str(Path(sys.executable).parent)}
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
    assert err == "archive-bot: error: no document of the archive is in ms, dated 1990 or earlier\n"


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
