"""The ``archive-bot`` command: thin; library errors become one line on stderr and a non-zero exit.

Exit codes: 0 success (an honest "not found" included), 1 a user or data error, 2 a usage or
configuration error (such as a ``--db`` that names no database).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import re
import shlex
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from importlib import metadata
from pathlib import Path
from typing import Any, TextIO

from .errors import NoDatabase, RetrievalError, StoreError, StoreNeedsWrite
from .filters import Filters
from .ingest.pipeline import IngestProgress
from .models import Answer, DocumentInfo, FootnoteInfo, IngestReport, MergedSource
from .service import DEFAULT_RESULTS, MAX_RESULTS, ArchiveService, default_db_path
from .sources.urls import ARCHIVE_BASE_URL
from .store import Store, log_question_to
from .usage import (
    DEFAULT_REPORT_DAYS,
    MAX_REPORT_DAYS,
    RETENTION_SETTING,
    LoggedQuestion,
    QuestionReport,
    retention_days,
)
from .wording import DASH, NOTE_NOT_HERE, missing_notes, one_line, plural, searched_instead

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2
# An ingest summary names this many merged pages (a mirror of 4,000 duplicates named each).
MERGED_SHOWN = 20
_WHITESPACE = re.compile(r"\s+")

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExtraCommand:
    """A subcommand added by another package (the bot adds ``run``)."""

    name: str
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


def answer_json(answer: Answer, scope: str = "") -> dict[str, Any]:
    """The documented ``--json`` structure of an answer (``scope``: which documents were
    searched, when filters narrowed the search)."""
    return {
        "question": answer.question,
        "abstained": answer.abstained,
        "reason": answer.reason,
        "suggestions": list(answer.suggestions),
        "corrected": answer.corrected,
        "offset": answer.offset,
        "scope": scope or None,
        "has_more": answer.has_more,
        "results": [
            {
                "doc_id": r.citation.doc_id,
                "title": r.citation.title,
                "section": r.citation.section,
                "paragraphs": list(r.citation.paragraphs),
                "url": r.citation.url,
                "link": r.citation.link,
                "quote": r.quote,
                "highlights": [list(h) for h in r.highlights],
                "score": round(r.score, 6),
                "notes": [{"number": n.number, "text": n.text} for n in r.notes],
            }
            for r in answer.results
        ],
    }


def _emphasise(quote: str, highlights: Sequence[tuple[int, int]], tty: bool) -> str:
    if not tty:
        return one_line(quote)
    # The highlights are offsets into the exact quote, so each piece is flattened on its own; a
    # highlight is a word or phrase, never a piece of the whitespace around it.
    flat = partial(_WHITESPACE.sub, " ")
    out, last = [], 0
    for a, b in highlights:
        out.append(flat(quote[last:a]) + "\033[1m" + flat(quote[a:b]) + "\033[0m")
        last = b
    return ("".join(out) + flat(quote[last:])).strip()


def format_answer(answer: Answer, tty: bool = False) -> str:
    """An answer as a person reads it in a terminal."""
    lines = [f"Q: {answer.question}", ""]
    if answer.corrected:
        lines[1:1] = [searched_instead(answer.corrected)]
    if answer.abstained:
        lines.append(f"Not found. {answer.reason}")
        if answer.suggestions:
            lines.append("Did you mean: " + ", ".join(answer.suggestions) + "?")
        return "\n".join(lines)
    if not answer.results:
        lines.append(f"No results on this page: fewer than {answer.offset + 1:,} rank for it.")
    for number, r in enumerate(answer.results, answer.offset + 1):
        c = r.citation
        where = " · ".join(
            one_line(x) for x in (c.title, c.place, "¶ " + ", ".join(map(str, c.paragraphs))) if x
        )
        lines.append(f"{number}. “{_emphasise(r.quote, r.highlights, tty)}”")
        lines.append(f"   — {where}")
        if c.link:
            lines.append(f"   {c.link}")
        lines.extend(f"   [{note.number}] {one_line(note.text)}" for note in r.notes if note.text)
        missing = [note.number for note in r.notes if not note.text]
        if missing:
            lines.append(f"   {missing_notes(missing)}")
        lines.append("")
    if answer.has_more:  # a full page, so the next one starts right after it
        lines.append(f"More results: --page {answer.offset // len(answer.results) + 2}")
    if answer.suggestions:
        lines.append("Unknown words; did you mean: " + ", ".join(answer.suggestions) + "?")
    return "\n".join(lines).rstrip()


def format_footnote(info: FootnoteInfo) -> str:
    """A footnote and the sentences citing it."""
    text = one_line(info.text or "") or NOTE_NOT_HERE
    lines = [f"{one_line(info.title)} ({info.doc_id}), note {info.number}:", f"  {text}", ""]
    lines.append(f"Cited {plural(len(info.citations), 'time')}:")
    for c in info.citations:
        section = one_line(c.section)
        where = f"¶ {c.paragraph}" + (f" · {section}" if section else "")
        lines.append(f"- {where}: “{one_line(c.text)}”")
        if c.link:
            lines.append(f"  {c.link}")
    return "\n".join(lines)


def format_report(report: IngestReport) -> str:
    """An ingest summary: counts, then what was merged, removed (and why) and skipped."""
    lines = [
        f"added {len(report.added)}, changed {len(report.changed)}, removed {len(report.removed)}, "
        f"unchanged {len(report.unchanged)}, merged {len(report.merged)}, "
        f"skipped {len(report.skipped)}",
        (
            f"index rebuilt: {report.passages:,} passages; in the documents read: "
            f"{plural(report.notes, 'note')}, "
            f"{plural(report.boilerplate_dropped, 'boilerplate paragraph')} dropped; "
            if report.added or report.changed or report.removed
            else "index unchanged; "
        )
        + f"{report.seconds:.1f} s",
    ]
    for paragraph in report.boilerplate_paragraphs[:20]:
        short = paragraph if len(paragraph) <= 90 else paragraph[:89] + "…"
        lines.append(f"boilerplate (not indexed): {short}")
    for merge in report.merged[:MERGED_SHOWN]:
        lines.append(f"merged {merge_line(merge)}")
    if len(report.merged) > MERGED_SHOWN:
        lines.append(f"… and {len(report.merged) - MERGED_SHOWN:,} more merged")
    for root in report.roots_gone:
        lines.append(f"source root gone: {root.path} (its documents are removed)")
    for removal in report.removals:
        lines.append(f"removed {removal.doc_id}: {removal.reason}")
    if report.unpruned:
        shown = ", ".join(report.unpruned[:10]) + (" …" if len(report.unpruned) > 10 else "")
        lines.append(
            f"kept {plural(len(report.unpruned), 'document')} whose file is no longer there "
            f"(ingest --prune removes {'it' if len(report.unpruned) == 1 else 'them'}): {shown}"
        )
    for folder in report.kept_unreadable:
        lines.append(
            f"kept the documents stored from {folder}: no document could be read there now "
            "(an empty or unmounted folder?)"
        )
    for skipped in report.skipped:
        lines.append(f"skipped {skipped.path}: {skipped.reason}")
    return "\n".join(lines)


def merge_line(merge: MergedSource) -> str:
    """One merged source: the stored page it is, and whether its text differed."""
    how = "same text" if merge.same_text else f"different text, kept the copy from {merge.kept}"
    if merge.url and merge.url == merge.kept_url:
        return (
            f"{merge.doc_id}: {merge.source} is the same page as {merge.kept} ({merge.url}); {how}"
        )
    new = f"{merge.url} ({merge.source})" if merge.url else str(merge.source)
    kept = f"{merge.kept_url} ({merge.kept})" if merge.kept_url else str(merge.kept)
    return f"{merge.doc_id}: {new} is the page {kept}; {how}"


class ProgressPrinter:
    """Ingest progress on stderr: one updating line on a terminal, a plain line every few seconds otherwise."""

    def __init__(self, stream: TextIO = sys.stderr) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.began = time.monotonic()
        self.last = 0.0

    def __call__(self, p: IngestProgress) -> None:
        now = time.monotonic()
        if not self.tty and now - self.last < 5 and p.stage == "reading":
            return
        self.last = now
        rate = p.files / max(now - self.began, 1e-9)
        # ``files`` counts sources: a .jsonl line or a .zip member is one, so "files" would be wrong.
        counts = ", ".join(
            plural(n, word)
            for n, word in ((p.files, "source"), (p.documents, "document"), (p.passages, "passage"))
        )
        line = f"{p.stage}: {counts} ({rate:.0f} sources/s)"
        if self.tty:
            self.stream.write("\r\033[K" + line + ("\n" if p.stage != "reading" else ""))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


def db_path(args: argparse.Namespace) -> Path:
    """``--db`` when given, else ``$ARCHIVE_BOT_DB``, else the default path."""
    return args.db if args.db is not None else default_db_path()


def readable_db_path(args: argparse.Namespace) -> Path:
    """The database a command that only reads opens. A path given with ``--db`` must exist, or a
    typo would build a new database there and answer from the bundled article alone; the default
    path and ``$ARCHIVE_BOT_DB`` (set by a deployment: the Docker image, the systemd unit) are
    built on first use."""
    path = db_path(args).expanduser()
    if args.db is None or path.exists():
        return path
    build = f"archive-bot --db {shlex.quote(str(path))} ingest PATH..."
    raise NoDatabase(
        f"database {path} (from --db): no such file; check the path, or build it with `{build}`"
    )


async def open_for_reading(path: Path) -> ArchiveService:
    """The service for a command that only reads: an existing database is opened read-only
    (a read-only file answers; a running ingest is never waited for); a missing one (the default
    path: see :func:`readable_db_path`) is created from the bundled corpus, and one that must
    first be upgraded or rebuilt is, once."""
    if not path.exists():
        return await ArchiveService.open(path)
    try:
        return await ArchiveService.open(path, read_only=True)
    except StoreNeedsWrite as needed:
        try:
            return await ArchiveService.open(path)
        except StoreError as exc:
            raise StoreError(f"{needed}, which needs write access: {exc}") from exc


async def _with_service(
    args: argparse.Namespace,
    work: Callable[[ArchiveService], Awaitable[int]],
    *,
    writes: bool = False,
) -> int:
    if writes:
        service = await ArchiveService.open(db_path(args))
    else:
        service = await open_for_reading(readable_db_path(args))
    try:
        return await work(service)
    finally:
        await service.close()


def _cmd_ask(args: argparse.Namespace) -> int:
    try:
        keep_days = 0.0 if args.no_log else retention_days(os.environ.get(RETENTION_SETTING))
    except ValueError as exc:
        raise RetrievalError(str(exc)) from None

    async def work(service: ArchiveService) -> int:
        filters = Filters(args.part, args.year_from, args.year_to)
        scope = ""
        if filters:
            catalogue = await service.catalogue()
            filters = catalogue.check(filters)
            scope = catalogue.describe(filters)
        offset = (args.page - 1) * args.k
        answer = await service.ask(args.question, args.k, offset=offset, filters=filters)
        if args.json:
            print(json.dumps(answer_json(answer, scope), ensure_ascii=False, indent=2))
        else:
            text = format_answer(answer, tty=sys.stdout.isatty())
            print(text.replace("\n", f"\nSearched only documents {scope}.\n", 1) if scope else text)
        sys.stdout.flush()  # the answer is out before the log is written
        if keep_days > 0:
            entry = LoggedQuestion.of(answer, "cli", time.time())
            try:
                await log_question_to(service.store.path, entry, keep_days * 86400)
            except StoreError as exc:  # a read-only or busy database answers all the same
                log.debug("question not logged: %s", exc)
        return EXIT_OK

    return asyncio.run(_with_service(args, work))


def _cmd_ingest(args: argparse.Namespace) -> int:
    missing = [p for p in args.paths if not Path(p).exists()]
    if missing:
        raise RetrievalError(f"no such file or folder: {', '.join(missing)}")

    async def work(service: ArchiveService) -> int:
        report = await service.ingest(
            args.paths, prune=args.prune, base_url=args.base_url, progress=ProgressPrinter()
        )
        print(format_report(report))
        if not report.read:
            raise RetrievalError(
                f"nothing was ingested: no document could be read from {', '.join(args.paths)} "
                f"({len(report.skipped)} skipped, see above)"
            )
        return EXIT_OK

    return asyncio.run(_with_service(args, work, writes=True))


def _cmd_footnote(args: argparse.Namespace) -> int:
    async def work(service: ArchiveService) -> int:
        print(format_footnote(await service.footnote(args.document, args.number)))
        return EXIT_OK

    return asyncio.run(_with_service(args, work))


def document_line(doc: DocumentInfo) -> str:
    """One line of ``archive-bot docs``: the id (what ``footnote`` takes), the title, the counts."""
    counts = plural(doc.paragraphs, "paragraph")
    if doc.notes_cited:
        counts += ", " + plural(doc.notes_cited, "note")
    return f"{doc.doc_id}\t{one_line(doc.title)} ({counts})"


def _cmd_docs(args: argparse.Namespace) -> int:
    async def work(service: ArchiveService) -> int:
        for doc in await service.documents():
            print(document_line(doc))
        return EXIT_OK

    return asyncio.run(_with_service(args, work))


def _cmd_parts(args: argparse.Namespace) -> int:
    async def work(service: ArchiveService) -> int:
        catalogue = await service.catalogue()
        for part in catalogue.parts:
            print(
                f"{part.path}\t{part.label}\t{plural(part.documents, 'document')}, {part.dated:,} dated"
            )
        years = catalogue.year_counts()
        if years:
            print(f"years: {min(years)}{DASH}{max(years)} ({catalogue.summary()})")
        return EXIT_OK

    return asyncio.run(_with_service(args, work))


def _cmd_feedback(args: argparse.Namespace) -> int:
    async def work(service: ArchiveService) -> int:
        summary = await service.feedback()
        if not summary.questions:
            print("no votes yet")
            return EXIT_OK
        print("helpful\tnot helpful\tquestion")
        for count in summary.questions[: args.top]:
            print(f"{count.helpful}\t{count.not_helpful}\t{count.subject}")
        print("\nhelpful\tnot helpful\tdocument quoted")
        for count in summary.documents[: args.top]:
            print(f"{count.helpful}\t{count.not_helpful}\t{count.subject}")
        return EXIT_OK

    return asyncio.run(_with_service(args, work))


def format_question_report(report: QuestionReport) -> str:
    """The question log's summary as a person reads it in a terminal."""
    lines = [
        f"questions asked in the last {plural(report.days, 'day')} (UTC, since {report.since}): "
        f"{report.asked}, not found {report.not_found}",
        "",
        "per day      asked  not found",
    ]
    lines += [f"{d.day}  {d.asked:>5}  {d.not_found:>9}" for d in report.per_day]
    lines += ["", "most asked:"]
    lines += [
        f"{q.times:>5}x  {q.question}" + (f"  (not found {q.not_found}x)" if q.not_found else "")
        for q in report.most_asked
    ] or ["  none"]
    lines += ["", "recently not found:"]
    lines += [f"  {q.last_asked}  {q.question}" for q in report.recent_not_found] or ["  none"]
    return "\n".join(lines)


def _cmd_stats(args: argparse.Namespace) -> int:
    if args.questions:
        return _cmd_question_stats(args)
    if args.json or args.days is not None:  # a usage error, as argparse's own are
        print("archive-bot: error: --json and --days go with --questions", file=sys.stderr)
        return EXIT_USAGE

    async def work(service: ArchiveService) -> int:
        stats = await service.stats()
        print(f"database   {stats.db_path}")
        print(f"documents  {stats.documents}")
        print(f"passages   {stats.passages}")
        print(f"notes      {stats.notes}")
        print(f"terms      {stats.terms}")
        print(f"built at   {stats.built_at}")
        for key, value in stats.settings.items():
            print(f"{key:<10} {value}")
        return EXIT_OK

    return asyncio.run(_with_service(args, work))


def _cmd_question_stats(args: argparse.Namespace) -> int:
    async def work(service: ArchiveService) -> int:
        report = await service.question_report(args.days or DEFAULT_REPORT_DAYS)
        if args.json:
            print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
        else:
            print(format_question_report(report))
        return EXIT_OK

    return asyncio.run(_with_service(args, work))


def backup_target(requested: str, now: datetime | None = None) -> Path:
    """Where ``archive-bot backup PATH`` writes: PATH, or a dated file inside a folder PATH
    (one that exists, or any written with a trailing ``/``)."""
    path = Path(requested).expanduser()
    if path.is_dir() or requested.endswith(("/", os.sep)):
        if not path.is_dir():
            raise RetrievalError(f"no folder {path} to write the backup in: create it first")
        stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
        return path / f"archive-bot-{stamp}.sqlite3"
    return path


def _cmd_backup(args: argparse.Namespace) -> int:
    if not args.path.strip():  # a usage error, as argparse's own are ("" would be the cwd)
        print("archive-bot: error: backup PATH is empty: name a file or a folder", file=sys.stderr)
        return EXIT_USAGE
    source = readable_db_path(args)
    target = backup_target(args.path)
    database = Path(source).expanduser().resolve()
    own = {
        database.with_name(database.name + suffix) for suffix in ("", "-wal", "-shm", "-journal")
    }
    if target.resolve() in own:
        raise RetrievalError(
            f"{target} is the database or one of its files; name another file or a folder"
        )
    if target.exists() and not target.is_file():
        raise RetrievalError(f"{target} is not a regular file; name a file or a folder")
    if target.exists() and not args.force:
        raise RetrievalError(f"{target} exists; pass --force to replace it")
    if not target.parent.is_dir():
        raise RetrievalError(f"no folder {target.parent} to write the backup in")

    async def work() -> int:
        store = await Store.open(source, read_only=True)
        try:
            size = await store.backup(target)
        finally:
            await store.close()
        print(f"backed up {store.path} to {target} ({size:,} bytes, integrity_check ok)")
        return EXIT_OK

    return asyncio.run(work())


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return number


def _year(value: str) -> int:
    if not (value.isdigit() and len(value) == 4):
        raise argparse.ArgumentTypeError(f"'{value}' is not a year such as 1995")
    return int(value)


def _days(value: str) -> int:
    number = _positive(value)
    if number > MAX_REPORT_DAYS:
        raise argparse.ArgumentTypeError(f"at most {MAX_REPORT_DAYS}")
    return number


def _results(value: str) -> int:
    number = _positive(value)
    if number > MAX_RESULTS:
        raise argparse.ArgumentTypeError(f"at most {MAX_RESULTS}")
    return number


def _version() -> str:
    """The installed package's version (what an upgrade changes)."""
    try:
        return metadata.version("archive-bot")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "(not installed)"


def build_parser(extra: Sequence[ExtraCommand] = ()) -> argparse.ArgumentParser:
    """The command-line parser (``extra`` adds commands such as the bot's ``run``)."""
    parser = argparse.ArgumentParser(
        prog="archive-bot",
        description="Answer questions about the MIM archive with verbatim quotes and citations.",
    )
    db_help = f"SQLite file (default: $ARCHIVE_BOT_DB or {default_db_path()})"
    parser.add_argument("--db", type=Path, default=None, help=db_help)
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    # The same option after the command (`archive-bot ask "x" --db f`); SUPPRESS keeps a value
    # given before the command when it is not repeated.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", type=Path, default=argparse.SUPPRESS, help=db_help)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ask = sub.add_parser(
        "ask", parents=[common], help="answer a question with quotes from the archive"
    )
    ask.add_argument("question", help='the question, in quotes; "a phrase" inside must appear')
    ask.add_argument("-k", type=_results, default=DEFAULT_RESULTS, help="number of excerpts (1-10)")
    ask.add_argument("--json", action="store_true", help="print the documented JSON structure")
    ask.add_argument(
        "--page", type=_positive, default=1, help="which page of -k excerpts (2: the next ones)"
    )
    ask.add_argument(
        "--in",
        dest="part",
        metavar="PART",
        help="search only a part of the archive: a folder or its name (see `archive-bot parts`)",
    )
    ask.add_argument(
        "--from",
        dest="year_from",
        type=_year,
        metavar="YEAR",
        help="only documents dated this year or later (undated ones are left out)",
    )
    ask.add_argument(
        "--to",
        dest="year_to",
        type=_year,
        metavar="YEAR",
        help="only documents dated this year or earlier (undated ones are left out)",
    )
    ask.add_argument(
        "--no-log",
        action="store_true",
        help=f"keep the question out of the question log (also: {RETENTION_SETTING}=0)",
    )
    ask.set_defaults(func=_cmd_ask)

    ingest = sub.add_parser(
        "ingest", parents=[common], help="add files or folders of the archive to the index"
    )
    ingest.add_argument(
        "paths", nargs="+", help="files (.html, .txt, .md, .jsonl, .zip) or folders of them"
    )
    ingest.add_argument(
        "--prune", action="store_true", help="remove documents whose files under PATHS are gone"
    )
    ingest.add_argument(
        "--base-url",
        default=ARCHIVE_BASE_URL,
        help=f"where mirrored pages were published (default {ARCHIVE_BASE_URL})",
    )
    ingest.set_defaults(func=_cmd_ingest)

    footnote = sub.add_parser(
        "footnote", parents=[common], help="show a footnote and the sentences that cite it"
    )
    footnote.add_argument("document", help="document id (see `archive-bot docs`), URL or title")
    footnote.add_argument("number", type=_positive, help="note number")
    footnote.set_defaults(func=_cmd_footnote)

    docs = sub.add_parser("docs", parents=[common], help="list the indexed documents")
    docs.set_defaults(func=_cmd_docs)

    parts = sub.add_parser(
        "parts", parents=[common], help="list the parts of the archive (for --in) and its years"
    )
    parts.set_defaults(func=_cmd_parts)

    feedback = sub.add_parser(
        "feedback",
        parents=[common],
        help="votes (Helpful / Not helpful) per question and per quoted document",
    )
    feedback.add_argument(
        "--top", type=_positive, default=20, help="how many of each to list (default 20)"
    )
    feedback.set_defaults(func=_cmd_feedback)

    stats = sub.add_parser(
        "stats", parents=[common], help="show index size and settings, or what was asked"
    )
    stats.add_argument(
        "--questions",
        action="store_true",
        help="summarise the question log instead: per day, most asked, recently not found",
    )
    stats.add_argument(
        "--days",
        type=_days,
        default=None,
        help=f"with --questions: how many days back (1-{MAX_REPORT_DAYS}, default {DEFAULT_REPORT_DAYS})",
    )
    stats.add_argument("--json", action="store_true", help="with --questions: print JSON")
    stats.set_defaults(func=_cmd_stats)

    backup = sub.add_parser(
        "backup",
        parents=[common],
        help="copy the database, consistently even while the bot runs, and check the copy",
    )
    backup.add_argument("path", help="the copy's file name, or a folder for a dated copy")
    backup.add_argument("--force", action="store_true", help="replace PATH if it exists")
    backup.set_defaults(func=_cmd_backup)

    for command in extra:
        extra_parser = sub.add_parser(command.name, parents=[common], help=command.help)
        command.configure(extra_parser)
        extra_parser.set_defaults(func=command.run)
    return parser


def main(argv: Sequence[str] | None = None, extra: Sequence[ExtraCommand] = ()) -> int:
    """Run the command line; returns the exit code."""
    args = build_parser(extra).parse_args(argv)
    try:
        code: int = args.func(args)
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's last flush
        return code
    except NoDatabase as exc:
        print(f"archive-bot: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except RetrievalError as exc:
        print(f"archive-bot: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("archive-bot: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `archive-bot docs | head`: the reader has what it wanted
        # What is still buffered goes nowhere, so the interpreter's exit flush cannot fail.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
