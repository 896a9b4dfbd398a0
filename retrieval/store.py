"""All SQL: the SQLite file that holds documents, passages, notes, the index arrays and their metadata.

One file, WAL mode, numbered migrations tracked by ``PRAGMA user_version``, each applied in one
transaction. Reads go through their own connection so that they keep serving a consistent snapshot
while a write transaction (an ingest) is open.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import AsyncIterator, Iterable, Iterator
from collections.abc import Set as AbstractSet
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite

from .errors import StoreError, StoreNeedsWrite
from .models import (
    Document,
    DocumentInfo,
    FileRecord,
    Marker,
    Paragraph,
    Passage,
    PassageRow,
    ReadDocument,
    SourceRef,
    SourceRoot,
    StoredDocument,
)
from .usage import AskedQuestion, LoggedQuestion, iso_time

MIGRATIONS: tuple[str, ...] = (
    # 1: the initial schema
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE documents (
        doc_id TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        subtitle TEXT,
        url TEXT,
        source TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        text TEXT NOT NULL,
        ingested_at TEXT NOT NULL
    );
    CREATE TABLE paragraphs (
        doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
        number INTEGER NOT NULL,
        section TEXT NOT NULL,
        start_char INTEGER NOT NULL,
        end_char INTEGER NOT NULL,
        PRIMARY KEY (doc_id, number)
    ) WITHOUT ROWID;
    CREATE TABLE passages (
        passage_id INTEGER PRIMARY KEY AUTOINCREMENT,
        doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
        ordinal INTEGER NOT NULL,
        section TEXT NOT NULL,
        para_first INTEGER NOT NULL,
        para_last INTEGER NOT NULL,
        start_char INTEGER NOT NULL,
        end_char INTEGER NOT NULL,
        terms TEXT NOT NULL
    );
    CREATE INDEX passages_by_doc ON passages(doc_id);
    CREATE TABLE notes (
        doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
        number INTEGER NOT NULL,
        text TEXT NOT NULL,
        PRIMARY KEY (doc_id, number)
    ) WITHOUT ROWID;
    CREATE TABLE markers (
        doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
        number INTEGER NOT NULL,
        paragraph INTEGER NOT NULL,
        sentence_start INTEGER NOT NULL,
        sentence_end INTEGER NOT NULL
    );
    CREATE INDEX markers_by_doc ON markers(doc_id, number);
    CREATE TABLE words (
        word TEXT PRIMARY KEY,
        documents INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE index_blobs (
        build_id TEXT NOT NULL,
        name TEXT NOT NULL,
        part INTEGER NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (build_id, name, part)
    );
    """,
    # 2: questions saved so that an answer can be paged later (even after a restart), and a
    # small key-value table for the front ends' own bookkeeping (e.g. the bot's command hash)
    """
    CREATE TABLE saved_questions (
        question_id INTEGER PRIMARY KEY AUTOINCREMENT,
        question TEXT NOT NULL,
        owner TEXT NOT NULL,
        created_at REAL NOT NULL
    );
    CREATE TABLE app_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
    # 3: where the index comes from: the roots (files and folders, resolved absolute paths) it
    # was built from, which /reindex reads again; and a hash of each document's text as read, so
    # that the same page under another URL or id is stored once
    """
    CREATE TABLE source_roots (
        position INTEGER PRIMARY KEY,
        path TEXT NOT NULL UNIQUE,
        base_url TEXT NOT NULL,
        recorded_at TEXT NOT NULL
    );
    ALTER TABLE documents ADD COLUMN text_hash TEXT NOT NULL DEFAULT '';
    """,
    # 4: saved_questions.shown: the question as people see it echoed (mentions as @names, the
    # message a "Find in archive" looked up), apart from the text that is searched
    """
    ALTER TABLE saved_questions ADD COLUMN shown TEXT;
    """,
    # 5: feedback: "Helpful" / "Not helpful" on an answer, one vote per person per answer (a new
    # press replaces it). ``voter`` is a keyed hash of the person and the answer, kept only to
    # find that vote again (no user id; votes on two answers cannot be tied to one person). The
    # question and the documents quoted are copied, so counts outlive the saved question.
    """
    CREATE TABLE feedback (
        question_id INTEGER NOT NULL,
        voter TEXT NOT NULL,
        helpful INTEGER NOT NULL,
        question TEXT NOT NULL,
        documents TEXT NOT NULL,
        voted_at REAL NOT NULL,
        PRIMARY KEY (question_id, voter)
    );
    """,
    # 6: the question log, for the admins' usage statistics: what was asked, when, through which
    # front end, and whether it was found; never who asked (no user ids). ``question_key`` groups
    # the same question written differently. Kept for QUESTION_RETENTION_DAYS.
    """
    CREATE TABLE question_log (
        entry_id INTEGER PRIMARY KEY AUTOINCREMENT,
        question TEXT NOT NULL,
        question_key TEXT NOT NULL,
        asked_at REAL NOT NULL,
        not_found INTEGER NOT NULL,
        results INTEGER NOT NULL,
        front_end TEXT NOT NULL
    );
    CREATE INDEX question_log_by_time ON question_log(asked_at);
    """,
    # 7: the documents each page of a saved question's answer quoted, in order (a JSON list of
    # ids), so that the Notes button shows their notes without searching again; they go with
    # the saved question
    """
    CREATE TABLE answer_pages (
        question_id INTEGER NOT NULL
            REFERENCES saved_questions(question_id) ON DELETE CASCADE,
        first_result INTEGER NOT NULL,
        documents TEXT NOT NULL,
        PRIMARY KEY (question_id, first_result)
    );
    """,
    # 8: the files an ingest read, so that the next one reads only those that changed: each
    # file's state (size, modification time, its sidecar's: -1 when none), a hash of its bytes,
    # the version of the reading code, and the documents it gave without their text (with the
    # fingerprints of their paragraphs, to find the boilerplate again); and the texts of the
    # paragraphs found to be boilerplate, by fingerprint
    """
    CREATE TABLE source_files (
        path TEXT PRIMARY KEY,
        base_url TEXT NOT NULL,
        size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL,
        sidecar_size INTEGER NOT NULL,
        sidecar_mtime_ns INTEGER NOT NULL,
        digest TEXT NOT NULL,
        reader TEXT NOT NULL
    );
    CREATE TABLE file_documents (
        path TEXT NOT NULL REFERENCES source_files(path) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        doc_id TEXT NOT NULL,
        source TEXT NOT NULL,
        url TEXT,
        content_hash TEXT NOT NULL,
        text_hash TEXT NOT NULL,
        chars INTEGER NOT NULL,
        prints BLOB NOT NULL,
        PRIMARY KEY (path, position)
    );
    CREATE TABLE boilerplate_texts (fingerprint INTEGER PRIMARY KEY, text TEXT NOT NULL);
    """,
)

_BLOB_PART = 64 * 1024 * 1024


def utc_now() -> str:
    """The current time as an ISO 8601 string (seconds, UTC)."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def _explain(path: Path, exc: BaseException) -> StoreError:
    """Turn an SQLite failure into a message that names the file and what to do."""
    message = str(exc).lower()
    if "readonly" in message or "read-only" in message or "unable to open" in message:
        advice = "check that the file and its folder exist and are writable by this user"
    elif "not a database" in message or "malformed" in message or "corrupt" in message:
        advice = "the file is damaged: move it aside and run `archive-bot ingest` to rebuild it"
    elif "disk is full" in message or "full" in message:
        advice = "the disk is full: free some space and try again; nothing stored was changed"
    elif "locked" in message or "busy" in message:
        advice = "another process holds a write lock on it; try again when it has finished"
    else:
        advice = "check the file, or point --db / ARCHIVE_BOT_DB at another path"
    return StoreError(f"database {path}: {exc} ({advice})")


class Store:
    """The project's SQLite file. Create with :meth:`open`; close with :meth:`close`."""

    def __init__(
        self,
        path: Path,
        writer: aiosqlite.Connection | None,
        reader: aiosqlite.Connection,
        *,
        target: str | None = None,
        read_only: bool = False,
    ):
        self.path = path
        self.read_only = read_only
        self._target = target or str(path)  # what sqlite3.connect is given (a URI when read-only)
        self._writer = writer
        self._reader = reader
        # One transaction at a time on the writer connection (SQLite allows one writer anyway).
        self._write_lock = asyncio.Lock()
        self._closed = False

    @classmethod
    async def open(
        cls, path: str | Path, *, read_only: bool = False, any_schema: bool = False
    ) -> Store:
        """Open the database at ``path``: read-write (creating it if needed and applying pending
        migrations), or ``read_only`` (an existing file, as it is; nothing is ever written, so a
        read-only file or folder serves, and a running ingest's write lock is never waited for).

        Raises :class:`StoreNeedsWrite` when a read-only database is of an older schema, unless
        ``any_schema`` (to inspect it: only :meth:`schema_version` and :meth:`integrity_ok`
        are then safe to call).
        """
        path = Path(path).expanduser()
        if path.is_dir():
            raise StoreError(f"database {path}: is a folder; point --db / ARCHIVE_BOT_DB at a file")
        if read_only and not path.exists():
            raise StoreError(f"database {path}: no such file (`archive-bot ingest` creates it)")
        target = _read_only_uri(path) if read_only else str(path)
        writer = reader = None
        try:
            if not read_only:
                path.parent.mkdir(parents=True, exist_ok=True)
            # Probe with a plain connection first: aiosqlite's worker thread outlives a failed
            # connect and then reports to an event loop that asyncio.run has already closed.
            await asyncio.to_thread(_refuse_foreign, path)
            target = await asyncio.to_thread(_probe, target, read_only)
            reader = await aiosqlite.connect(target, uri=read_only, isolation_level=None)
            await reader.execute("PRAGMA busy_timeout = 10000")
            await reader.execute("PRAGMA query_only = ON")
            if read_only:
                if not any_schema:
                    await _check_version(reader)
            else:
                writer = await aiosqlite.connect(path, isolation_level=None)
                await writer.execute("PRAGMA busy_timeout = 10000")
                await writer.execute("PRAGMA journal_mode = WAL")
                await writer.execute("PRAGMA foreign_keys = ON")
                await writer.execute("PRAGMA synchronous = NORMAL")
                await _migrate(writer)
                # Fail now, not at the first answer, when the file cannot be written.
                await writer.execute("BEGIN IMMEDIATE")
                await writer.execute("ROLLBACK")
        except (sqlite3.Error, OSError, StoreError, _ForeignDatabase) as exc:
            for conn in (writer, reader):
                if conn is not None:
                    await conn.close()
            if isinstance(exc, StoreError):
                raise
            if isinstance(exc, _ForeignDatabase):
                raise StoreError(f"database {path}: {exc}") from None
            raise _explain(path, exc) from exc
        return cls(path, writer, reader, target=target, read_only=read_only)

    async def close(self) -> None:
        """Close both connections (the WAL is checkpointed by SQLite on the last close), after
        a write in progress has ended; later calls get a :class:`StoreError`, not a crash."""
        self._closed = True
        await self._reader.close()
        if self._writer is not None:
            async with self._write_lock:
                await self._writer.close()

    # --- reads ----------------------------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError(f"database {self.path}: the store is closed (the bot is stopping)")

    async def _fetchall(self, sql: str, params: Iterable[object] = ()) -> list[Any]:
        self._check_open()
        try:
            # Execute and fetch in one call: a cursor left open between awaits would keep a read
            # snapshot alive and other queries on this connection would not see newer commits.
            return list(await self._reader.execute_fetchall(sql, tuple(params)))
        except sqlite3.Error as exc:
            raise _explain(self.path, exc) from exc

    async def meta(self) -> dict[str, str]:
        """The ``meta`` table as a dict."""
        return {k: v for k, v in await self._fetchall("SELECT key, value FROM meta")}

    async def schema_version(self) -> int:
        """The file's schema version (``PRAGMA user_version``: the migrations it has seen)."""
        rows = await self._fetchall("PRAGMA user_version")
        return int(rows[0][0])

    async def integrity_ok(self) -> bool:
        """``PRAGMA integrity_check`` says ok."""
        rows = await self._fetchall("PRAGMA integrity_check")
        return len(rows) == 1 and rows[0][0] == "ok"

    async def document_hashes(self) -> dict[str, tuple[str, str]]:
        """doc_id -> (content hash, source) of every stored document."""
        rows = await self._fetchall("SELECT doc_id, content_hash, source FROM documents")
        return {doc_id: (digest, source) for doc_id, digest, source in rows}

    async def stored_documents(self) -> dict[str, StoredDocument]:
        """What an ingest compares a source with, for every stored document."""
        rows = await self._fetchall(
            "SELECT doc_id, content_hash, source, url, text_hash FROM documents"
        )
        return {
            doc_id: StoredDocument(doc_id, digest, SourceRef.parse(source), url, text_hash)
            for doc_id, digest, source, url, text_hash in rows
        }

    async def file_records(self) -> dict[str, FileRecord]:
        """What earlier ingests recorded of the files they read, by path."""
        documents = await self._fetchall(
            "SELECT path, doc_id, source, url, content_hash, text_hash, chars, prints "
            "FROM file_documents ORDER BY path, position"
        )
        files = await self._fetchall(
            "SELECT path, base_url, size, mtime_ns, sidecar_size, sidecar_mtime_ns, digest, "
            "reader FROM source_files"
        )
        # Tens of thousands of records: made off the event loop.
        return await asyncio.to_thread(_file_records, files, documents)

    async def boilerplate_texts(self) -> dict[int, str]:
        """The texts of the paragraphs earlier ingests found to be boilerplate, by fingerprint."""
        return dict(await self._fetchall("SELECT fingerprint, text FROM boilerplate_texts"))

    async def source_roots(self) -> list[SourceRoot]:
        """The files and folders the index was built from, oldest first."""
        rows = await self._fetchall("SELECT path, base_url FROM source_roots ORDER BY position")
        return [SourceRoot(*row) for row in rows]

    async def document_openings(self, chars: int) -> list[tuple[str, str, str]]:
        """(doc_id, title, the first ``chars`` characters of its text) of every document."""
        rows = await self._fetchall(
            "SELECT doc_id, title, substr(text, 1, ?) FROM documents ORDER BY doc_id", (chars,)
        )
        return [tuple(row) for row in rows]

    async def document_count(self) -> int:
        """How many documents are stored."""
        rows = await self._fetchall("SELECT count(*) FROM documents")
        return int(rows[0][0])

    async def paragraphs(self, doc_id: str, first: int, last: int) -> list[Paragraph]:
        """Paragraphs ``first..last`` of a document."""
        rows = await self._fetchall(
            "SELECT number, section, start_char, end_char FROM paragraphs "
            "WHERE doc_id = ? AND number BETWEEN ? AND ? ORDER BY number",
            (doc_id, first, last),
        )
        return [Paragraph(*row) for row in rows]

    async def notes_of_documents(self, doc_ids: Iterable[str]) -> dict[str, dict[int, str]]:
        """Note texts of several documents at once: doc_id -> number -> text."""
        ids = sorted(set(doc_ids))
        out: dict[str, dict[int, str]] = {d: {} for d in ids}
        if ids:
            marks = ",".join("?" * len(ids))
            rows = await self._fetchall(
                f"SELECT doc_id, number, text FROM notes WHERE doc_id IN ({marks})", ids
            )
            for doc_id, number, text in rows:
                out[doc_id][number] = text
        return out

    async def notes(self, doc_id: str) -> dict[int, str]:
        """Note texts present in this copy of a document."""
        rows = await self._fetchall("SELECT number, text FROM notes WHERE doc_id = ?", (doc_id,))
        return dict(rows)

    async def cited_notes(self, doc_id: str) -> list[int]:
        """Note numbers a document cites or lists, ascending."""
        rows = await self._fetchall(
            "SELECT number FROM markers WHERE doc_id = ? UNION SELECT number FROM notes "
            "WHERE doc_id = ? ORDER BY number",
            (doc_id, doc_id),
        )
        return [r[0] for r in rows]

    async def cited_notes_of_documents(self, doc_ids: Iterable[str]) -> dict[str, list[int]]:
        """Note numbers several documents cite or list, ascending: doc_id -> numbers."""
        ids = sorted(set(doc_ids))
        out: dict[str, list[int]] = {d: [] for d in ids}
        if ids:
            marks = ",".join("?" * len(ids))
            rows = await self._fetchall(
                f"SELECT doc_id, number FROM markers WHERE doc_id IN ({marks}) UNION "
                f"SELECT doc_id, number FROM notes WHERE doc_id IN ({marks}) ORDER BY 1, 2",
                ids + ids,
            )
            for doc_id, number in rows:
                out[doc_id].append(number)
        return out

    async def marked_documents(
        self, batch: int = 500
    ) -> AsyncIterator[list[tuple[str, str, list[Paragraph], list[Marker]]]]:
        """The documents with footnote markers, ``batch`` at a time: each one's id, text,
        paragraphs and markers (three queries a batch, not four a document)."""
        rows = await self._fetchall("SELECT DISTINCT doc_id FROM markers ORDER BY doc_id")
        ids = [r[0] for r in rows]
        for lo in range(0, len(ids), batch):
            part = ids[lo : lo + batch]
            marks = ",".join("?" * len(part))
            texts = dict(
                await self._fetchall(
                    f"SELECT doc_id, text FROM documents WHERE doc_id IN ({marks})", part
                )
            )
            paragraphs: dict[str, list[Paragraph]] = {d: [] for d in part}
            for doc_id, *paragraph in await self._fetchall(
                "SELECT doc_id, number, section, start_char, end_char FROM paragraphs "
                f"WHERE doc_id IN ({marks}) ORDER BY doc_id, number",
                part,
            ):
                paragraphs[doc_id].append(Paragraph(*paragraph))
            markers: dict[str, list[Marker]] = {d: [] for d in part}
            for doc_id, *marker in await self._fetchall(
                "SELECT doc_id, number, paragraph, sentence_start, sentence_end FROM markers "
                f"WHERE doc_id IN ({marks})",
                part,
            ):
                markers[doc_id].append(Marker(*marker))
            yield [(d, texts[d], paragraphs[d], markers[d]) for d in part if d in texts]

    async def markers(self, doc_id: str, number: int | None = None) -> list[Marker]:
        """Markers of a document (all, or of one note), in reading order."""
        sql = "SELECT number, paragraph, sentence_start, sentence_end FROM markers WHERE doc_id = ?"
        params: tuple[object, ...] = (doc_id,)
        if number is not None:
            sql += " AND number = ?"
            params += (number,)
        rows = await self._fetchall(sql + " ORDER BY sentence_start, number", params)
        return [Marker(*row) for row in rows]

    async def text_slice(self, doc_id: str, start: int, end: int) -> str:
        """``text[start:end]`` of a stored document."""
        rows = await self._fetchall(
            "SELECT substr(text, ? + 1, ? - ?) FROM documents WHERE doc_id = ?",
            (start, end, start, doc_id),
        )
        return rows[0][0] if rows else ""

    async def document_info(self, doc_id: str) -> DocumentInfo | None:
        """Summary of one document, or ``None``."""
        found = await self._document_infos("WHERE d.doc_id = ?", (doc_id,))
        return found[0] if found else None

    async def document_infos(self) -> list[DocumentInfo]:
        """Summaries of every document, by id."""
        return await self._document_infos("", ())

    async def _document_infos(self, where: str, params: tuple[object, ...]) -> list[DocumentInfo]:
        rows = await self._fetchall(
            f"""SELECT d.doc_id, d.title, d.url, d.source,
                  (SELECT count(*) FROM paragraphs p WHERE p.doc_id = d.doc_id),
                  (SELECT count(*) FROM (SELECT number FROM markers m WHERE m.doc_id = d.doc_id
                     UNION SELECT number FROM notes n WHERE n.doc_id = d.doc_id))
                FROM documents d {where} ORDER BY d.doc_id""",
            params,
        )
        return [
            DocumentInfo(doc_id, title, url, SourceRef.parse(source), paragraphs, notes)
            for doc_id, title, url, source, paragraphs, notes in rows
        ]

    async def load_document(self, doc_id: str) -> Document | None:
        """A stored document, whole (used to re-chunk after a tokenizer or chunking change)."""
        rows = await self._fetchall(
            "SELECT doc_id, title, url, source, content_hash, text, subtitle, text_hash "
            "FROM documents WHERE doc_id = ?",
            (doc_id,),
        )
        if not rows:
            return None
        doc_id, title, url, source, digest, text, subtitle, text_hash = rows[0]
        paragraphs = await self.paragraphs(doc_id, 1, 1 << 30)
        return Document(
            doc_id=doc_id,
            title=title,
            url=url,
            source=SourceRef.parse(source),
            content_hash=digest,
            text=text,
            paragraphs=tuple(paragraphs),
            notes=await self.notes(doc_id),
            markers=tuple(await self.markers(doc_id)),
            subtitle=subtitle,
            text_hash=text_hash,
        )

    async def doc_ids(self) -> list[str]:
        """Every document id, sorted."""
        return [r[0] for r in await self._fetchall("SELECT doc_id FROM documents ORDER BY doc_id")]

    async def counts(self) -> dict[str, int]:
        """Numbers of documents, passages and notes (cited or present)."""
        row = (
            await self._fetchall(
                """SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM passages),
                          (SELECT count(*) FROM (SELECT doc_id, number FROM markers
                             UNION SELECT doc_id, number FROM notes))"""
            )
        )[0]
        return {"documents": row[0], "passages": row[1], "notes": row[2]}

    async def words(self) -> dict[str, int]:
        """The surface vocabulary: word -> number of documents it occurs in."""
        # As one string, split off the event loop: 150,000 row tuples would hold the loop while
        # they are made and make the garbage collector walk them (a 40 ms pause, measured).
        rows = await self._fetchall(_ALL_WORDS)
        return await asyncio.to_thread(_vocabulary, rows[0][0] or "")

    async def load_blobs(self, build_id: str) -> dict[str, bytes]:
        """The index arrays saved under ``build_id``."""
        rows = await self._fetchall(_BLOBS_OF_BUILD, (build_id,))
        # Several parts are joined off the event loop (hundreds of MB).
        return await asyncio.to_thread(_joined_blobs, rows)

    def stream_passage_terms(
        self, excluding: AbstractSet[str] = frozenset(), batch: int = 20_000
    ) -> Iterator[list[tuple[int, str]]]:
        """(passage_id, space-joined terms) of the passages not of ``excluding``, in id order, a
        batch at a time. Blocking: for a worker thread; it reads on a connection of its own."""
        conn = sqlite3.connect(self._target, uri=self.read_only)
        try:
            conn.execute("PRAGMA query_only = ON")
            cursor = conn.execute(
                "SELECT passage_id, doc_id, terms FROM passages ORDER BY passage_id"
            )
            while rows := cursor.fetchmany(batch):
                yield [(pid, terms) for pid, doc_id, terms in rows if doc_id not in excluding]
        except sqlite3.Error as exc:
            raise _explain(self.path, exc) from exc
        finally:
            conn.close()

    async def next_passage_id(self) -> int:
        """An id above every passage id ever used (ids are never reused)."""
        rows = await self._fetchall(
            "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'passages'), 0), "
            "coalesce((SELECT max(passage_id) FROM passages), 0))"
        )
        return int(rows[0][0]) + 1

    async def saved_question(self, question_id: int) -> tuple[str, str, float, str | None] | None:
        """(question, owner, created_at as UNIX time, shown) of a saved question, or ``None``."""
        rows = await self._fetchall(
            "SELECT question, owner, created_at, shown FROM saved_questions WHERE question_id = ?",
            (question_id,),
        )
        return tuple(rows[0]) if rows else None

    async def answer_page(self, question_id: int, offset: int) -> list[str] | None:
        """The ids of the documents a saved page quoted, or ``None`` when it was not saved."""
        rows = await self._fetchall(
            "SELECT documents FROM answer_pages WHERE question_id = ? AND first_result = ?",
            (question_id, offset),
        )
        return list(json.loads(rows[0][0])) if rows else None

    async def backup(self, target: Path) -> int:
        """Copy the database to ``target`` with SQLite's online backup API: a consistent
        snapshot even while another process writes; checked with ``integrity_check`` and moved
        into place only when sound. Returns the copy's size in bytes."""
        try:
            return await asyncio.to_thread(_backup, self._target, self.read_only, target)
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"backup to {target}: {exc}") from exc

    async def app_state(self, key: str) -> str | None:
        """A front end's stored value, or ``None``."""
        rows = await self._fetchall("SELECT value FROM app_state WHERE key = ?", (key,))
        return rows[0][0] if rows else None

    async def _write(self, sql: str, params: tuple[object, ...]) -> int:
        """One statement, committed on its own; returns the last row id.

        The writer autocommits, so the statement is its own transaction: one trip to the
        writer's thread where a transaction block takes four, each waiting for the event loop
        (a busy bot writes three times an answer: 250 answers at once saved their questions
        in 600 ms at the median this way, against 200 ms, bench_bot.py)."""
        writer = self._writer_or_fail()
        async with self._write_lock:
            self._check_open()
            try:
                row = await writer.execute_insert(sql, params)
            except sqlite3.Error as exc:
                raise _explain(self.path, exc) from exc
        return int(row[0]) if row else 0

    async def save_question(
        self, question: str, owner: str, created_at: float, shown: str | None = None
    ) -> int:
        """Save a question for later paging; returns its id."""
        return await self._write(
            "INSERT INTO saved_questions (question, owner, created_at, shown) VALUES (?, ?, ?, ?)",
            (question, owner, created_at, shown),
        )

    async def save_answer_page(self, question_id: int, offset: int, doc_ids: list[str]) -> None:
        """Record which documents the page of a saved question from ``offset`` quoted."""
        await self._write(
            "INSERT OR REPLACE INTO answer_pages (question_id, first_result, documents) "
            "VALUES (?, ?, ?)",
            (question_id, offset, json.dumps(doc_ids)),
        )

    async def forget_questions_before(self, created_at: float) -> None:
        """Delete saved questions older than ``created_at`` (and the pages of their answers)."""
        await self._write("DELETE FROM saved_questions WHERE created_at < ?", (created_at,))

    async def vote(
        self,
        question_id: int,
        voter: str,
        helpful: bool,
        question: str,
        documents: str,
        voted_at: float,
    ) -> bool | None:
        """Record (or replace) one person's vote on an answer; returns their previous vote."""
        async with self.transaction() as w:
            before = await w.fetch_one(
                "SELECT helpful FROM feedback WHERE question_id = ? AND voter = ?",
                (question_id, voter),
            )
            await w.execute(
                """INSERT INTO feedback VALUES (?, ?, ?, ?, ?, ?)
                   ON CONFLICT(question_id, voter) DO UPDATE SET
                   helpful = excluded.helpful, documents = excluded.documents,
                   voted_at = excluded.voted_at""",
                (question_id, voter, int(helpful), question, documents, voted_at),
            )
        return None if before is None else bool(before[0])

    async def votes(self) -> list[tuple[int, str, str, int, int]]:
        """(question_id, question, documents, helpful, not helpful) of every answer voted on,
        most votes first."""
        rows = await self._fetchall(
            """SELECT question_id, question, documents, SUM(helpful), SUM(1 - helpful)
               FROM feedback GROUP BY question_id ORDER BY COUNT(*) DESC, question_id"""
        )
        return [tuple(row) for row in rows]

    async def app_state_or(self, key: str, value: str) -> str:
        """A front end's stored value; ``value`` is stored first when there is none (the first
        process to store one wins)."""
        async with self.transaction() as w:
            await w.execute("INSERT OR IGNORE INTO app_state VALUES (?, ?)", (key, value))
            row = await w.fetch_one("SELECT value FROM app_state WHERE key = ?", (key,))
        return row[0] if row else value

    # --- the question log (no user ids) --------------------------------------------------------

    async def log_question(self, entry: LoggedQuestion) -> None:
        """Add one question to the question log."""
        await self._write(_LOG_INSERT, _log_row(entry))

    async def forget_logged_questions_before(self, asked_at: float) -> None:
        """Delete question-log entries older than ``asked_at``."""
        await self._write("DELETE FROM question_log WHERE asked_at < ?", (asked_at,))

    async def questions_per_day(self, since: float) -> dict[str, tuple[int, int]]:
        """UTC day (YYYY-MM-DD) -> (questions asked, of them not found), from ``since`` on."""
        rows = await self._fetchall(
            "SELECT date(asked_at, 'unixepoch'), count(*), sum(not_found) FROM question_log "
            "WHERE asked_at >= ? GROUP BY 1",
            (since,),
        )
        return {day: (asked, not_found) for day, asked, not_found in rows}

    async def most_asked(
        self, since: float, limit: int, *, not_found_only: bool = False
    ) -> list[AskedQuestion]:
        """The questions asked most often from ``since`` on (the same question written
        differently counts once), ties broken by the latest; or, with ``not_found_only``, the
        questions most recently not found."""
        where = "asked_at >= ?" + (" AND not_found = 1" if not_found_only else "")
        order = "last DESC" if not_found_only else "count(*) DESC, last DESC"
        # With exactly one max() in a grouped query SQLite takes the bare column `question`
        # from the row that has the maximum: the question as it was last written.
        rows = await self._fetchall(
            "SELECT question, count(*), sum(not_found), max(asked_at) AS last FROM question_log "
            f"WHERE {where} GROUP BY question_key ORDER BY {order} LIMIT ?",
            (since, limit),
        )
        return [AskedQuestion(q, times, missed, iso_time(last)) for q, times, missed, last in rows]

    async def set_app_state(self, key: str, value: str) -> None:
        """Store a front end's value."""
        await self._write(
            "INSERT INTO app_state VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    # --- writes ---------------------------------------------------------------------------------

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Writer]:
        """A write transaction: committed when the block ends, rolled back on any error."""
        writer = self._writer_or_fail()
        async with self._write_lock:
            self._check_open()
            try:
                await writer.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise _explain(self.path, exc) from exc
            try:
                yield Writer(writer)
            except BaseException as exc:
                await self._rollback()
                if isinstance(exc, sqlite3.Error):
                    raise _explain(self.path, exc) from exc
                raise
            try:
                await writer.execute("COMMIT")
            except sqlite3.Error as exc:
                await self._rollback()
                raise _explain(self.path, exc) from exc

    def _writer_or_fail(self) -> aiosqlite.Connection:
        if self._writer is None:
            raise StoreError(f"database {self.path}: opened read-only; this needs write access")
        return self._writer

    async def _rollback(self) -> None:
        # SQLite has already rolled back after some errors (a full disk, for one).
        if self._writer is not None and self._writer.in_transaction:
            await self._writer.execute("ROLLBACK")

    # --- the search worker's reads ----------------------------------------------------------------

    def search_reader(self) -> SearchReader:
        """A blocking read-only connection of its own, for one worker thread that searches
        (it must be opened, used and closed on that thread)."""
        self._check_open()
        return self.address.reader()

    @property
    def address(self) -> StoreAddress:
        """How another process opens this file for reading."""
        return StoreAddress(self.path, self._target, self.read_only)


@dataclass(frozen=True)
class StoreAddress:
    """Where a store's file is and how to open it for reading (picklable: a worker process
    opens its own :class:`SearchReader` with it)."""

    path: Path
    target: str  # what sqlite3.connect is given
    uri: bool

    def reader(self) -> SearchReader:
        """A new blocking read connection."""
        return SearchReader(self.path, self.target, uri=self.uri)


Row = tuple[object, ...]

_BLOBS_OF_BUILD = "SELECT name, data FROM index_blobs WHERE build_id = ? ORDER BY name, part"


def _joined_blobs(rows: Iterable[tuple[str, bytes]]) -> dict[str, bytes]:
    """Index arrays by name from their stored parts, in order (one part is used as it is)."""
    parts: dict[str, list[bytes]] = {}
    for name, data in rows:
        parts.setdefault(name, []).append(data)
    return {k: v[0] if len(v) == 1 else b"".join(v) for k, v in parts.items()}


@dataclass(frozen=True)
class DocumentRows:
    """One document's rows, its passages' without their ids (those are given in reading order
    when the document is staged): made where the document is prepared, in a worker process for
    big ingests, so that the ingest's main process only appends them."""

    doc_id: str
    document: Row
    paragraphs: list[Row]
    passages: list[Row]  # each row but its first column, the passage id
    notes: list[Row]
    markers: list[Row]

    @classmethod
    def of(cls, document: Document, passages: Iterable[Passage], ingested_at: str) -> DocumentRows:
        """The rows of a structured document with its passages (terms space-joined, to rebuild
        the index without re-reading)."""
        doc_id = document.doc_id
        return cls(
            doc_id,
            (
                doc_id,
                document.title,
                document.subtitle,
                document.url,
                str(document.source),
                document.content_hash,
                document.text,
                ingested_at,
                document.text_hash,
            ),
            [(doc_id, p.number, p.section, p.start, p.end) for p in document.paragraphs],
            _passage_rows(passages),
            [(doc_id, n, t) for n, t in sorted(document.notes.items())],
            [
                (doc_id, m.number, m.paragraph, m.sentence_start, m.sentence_end)
                for m in document.markers
            ],
        )


def _passage_rows(passages: Iterable[Passage]) -> list[Row]:
    return [
        (
            p.doc_id,
            p.ordinal,
            p.section,
            p.para_first,
            p.para_last,
            p.start,
            p.end,
            " ".join(p.terms),
        )
        for p in passages
    ]


@dataclass
class Rows:
    """Documents and passages as the rows of each table, in insertion order: made off the event
    loop (an ingest spools them to a file), written by :meth:`Writer.insert_rows` in one go."""

    documents: list[Row] = field(default_factory=list)
    paragraphs: list[Row] = field(default_factory=list)
    passages: list[Row] = field(default_factory=list)
    notes: list[Row] = field(default_factory=list)
    markers: list[Row] = field(default_factory=list)
    # documents whose passages these rows replace (a re-chunk keeps the documents)
    rechunked: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.documents) + len(self.rechunked)

    def add_document(
        self, document: Document, passages: list[tuple[int, Passage]], ingested_at: str
    ) -> None:
        """One structured document with its numbered passages, notes and markers."""
        rows = DocumentRows.of(document, (p for _, p in passages), ingested_at)
        self.add(rows, [i for i, _ in passages])

    def add(self, rows: DocumentRows, passage_ids: Iterable[int]) -> None:
        """A document's rows, its passages numbered ``passage_ids``."""
        self.documents.append(rows.document)
        self.paragraphs += rows.paragraphs
        self._number(rows.passages, passage_ids)
        self.notes += rows.notes
        self.markers += rows.markers

    def add_passages(self, passages: list[tuple[int, Passage]]) -> None:
        """Numbered passages (terms space-joined, to rebuild the index without re-reading)."""
        self._number(_passage_rows(p for _, p in passages), (i for i, _ in passages))

    def replace_passages(self, rows: DocumentRows, passage_ids: Iterable[int]) -> None:
        """A document's new passages, numbered ``passage_ids``, in place of those stored (a
        re-chunk)."""
        self.rechunked.append(rows.doc_id)
        self._number(rows.passages, passage_ids)

    def _number(self, passages: list[Row], ids: Iterable[int]) -> None:
        self.passages.extend((i, *row) for i, row in zip(ids, passages, strict=True))

    def extend(self, other: Rows) -> None:
        """Append ``other``'s rows after these."""
        self.documents += other.documents
        self.paragraphs += other.paragraphs
        self.passages += other.passages
        self.notes += other.notes
        self.markers += other.markers
        self.rechunked += other.rechunked


class Writer:
    """Writes inside one :meth:`Store.transaction`."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: tuple[object, ...] = ()) -> int:
        """Run one statement; returns the last inserted row id."""
        async with self._conn.execute(sql, params) as cursor:
            return cursor.lastrowid or 0

    async def fetch_one(self, sql: str, params: tuple[object, ...] = ()) -> tuple[Any, ...] | None:
        """The first row of a query inside the transaction, or ``None``."""
        async with self._conn.execute(sql, params) as cursor:
            row = await cursor.fetchone()
        return tuple(row) if row is not None else None

    async def delete_documents(self, doc_ids: Iterable[str]) -> None:
        """Remove documents with their paragraphs, passages, notes and markers."""
        await self._conn.executemany(
            "DELETE FROM documents WHERE doc_id = ?", [(d,) for d in doc_ids]
        )

    async def replace_markers(self, doc_id: str, markers: Iterable[Marker]) -> None:
        """Put ``markers`` in place of a document's footnote markers."""
        await self._conn.execute("DELETE FROM markers WHERE doc_id = ?", (doc_id,))
        await self._conn.executemany(
            "INSERT INTO markers VALUES (?, ?, ?, ?, ?)",
            [(doc_id, m.number, m.paragraph, m.sentence_start, m.sentence_end) for m in markers],
        )

    async def meta_value(self, key: str) -> str | None:
        """One meta value, as this transaction sees it."""
        async with self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)) as cursor:
            row = await cursor.fetchone()
        return row[0] if row else None

    async def insert_document(
        self, document: Document, passages: list[tuple[int, Passage]]
    ) -> None:
        """Store one structured document and its passages."""
        rows = Rows()
        rows.add_document(document, passages, utc_now())
        await self.insert_rows(rows)

    async def insert_passages(self, passages: list[tuple[int, Passage]]) -> None:
        """Store numbered passages (terms space-joined, to rebuild the index without re-reading)."""
        rows = Rows()
        rows.add_passages(passages)
        await self.insert_rows(rows)

    async def insert_rows(self, rows: Rows) -> None:
        """Store documents and passages made into rows (see :class:`Rows`), documents first."""
        conn = self._conn
        await conn.executemany(
            "DELETE FROM passages WHERE doc_id = ?", [(d,) for d in rows.rechunked]
        )
        await conn.executemany(
            "INSERT INTO documents (doc_id, title, subtitle, url, source, content_hash, text, "
            "ingested_at, text_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows.documents,
        )
        await conn.executemany("INSERT INTO paragraphs VALUES (?, ?, ?, ?, ?)", rows.paragraphs)
        await conn.executemany(
            "INSERT INTO passages (passage_id, doc_id, ordinal, section, para_first, para_last, "
            "start_char, end_char, terms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows.passages,
        )
        await conn.executemany("INSERT INTO notes VALUES (?, ?, ?)", rows.notes)
        await conn.executemany("INSERT INTO markers VALUES (?, ?, ?, ?, ?)", rows.markers)

    async def set_sources(self, sources: dict[str, SourceRef]) -> None:
        """Record where unchanged documents were read from now (moved, or spelled otherwise)."""
        await self._conn.executemany(
            "UPDATE documents SET source = ? WHERE doc_id = ?",
            [(str(source), doc_id) for doc_id, source in sources.items()],
        )

    async def source_roots(self) -> list[SourceRoot]:
        """The recorded source roots, oldest first, as this transaction sees them."""
        async with self._conn.execute(
            "SELECT path, base_url FROM source_roots ORDER BY position"
        ) as cursor:
            return [SourceRoot(*row) for row in await cursor.fetchall()]

    async def replace_source_roots(self, roots: list[SourceRoot]) -> None:
        """Make the recorded source roots exactly ``roots`` (in this order); a root recorded
        before keeps its time stamp."""
        async with self._conn.execute("SELECT path, recorded_at FROM source_roots") as cursor:
            recorded: dict[str, str] = _pairs(await cursor.fetchall())
        await self._conn.execute("DELETE FROM source_roots")
        await self._conn.executemany(
            "INSERT INTO source_roots (position, path, base_url, recorded_at) VALUES (?, ?, ?, ?)",
            [
                (number, r.path, r.base_url, recorded.get(r.path, utc_now()))
                for number, r in enumerate(roots, 1)
            ],
        )

    async def save_file_records(
        self, records: Iterable[FileRecord], forgotten: Iterable[str] = ()
    ) -> None:
        """Record files as read now (replacing what was recorded of them); forget others."""
        records = list(records)
        await self._conn.executemany(
            "DELETE FROM source_files WHERE path = ?",
            [(p,) for p in [*forgotten, *(r.path for r in records)]],
        )
        await self._conn.executemany(
            "INSERT INTO source_files VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(r.path, r.base_url, *r.state, r.digest, r.reader) for r in records],
        )
        await self._conn.executemany(
            "INSERT INTO file_documents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    r.path,
                    position,
                    d.doc_id,
                    str(d.source),
                    d.url,
                    d.content_hash,
                    d.text_hash,
                    d.chars,
                    d.prints,
                )
                for r in records
                for position, d in enumerate(r.documents)
            ],
        )

    async def add_boilerplate_texts(self, texts: dict[int, str]) -> None:
        """Remember the texts of paragraphs found to be boilerplate."""
        await self._conn.executemany(
            "INSERT OR REPLACE INTO boilerplate_texts VALUES (?, ?)", list(texts.items())
        )

    async def adjust_words(self, counts: dict[str, int]) -> None:
        """Add (or, with negative counts, subtract) documents to the surface vocabulary."""
        await self._conn.executemany(
            "INSERT INTO words VALUES (?, ?) ON CONFLICT(word) DO UPDATE "
            "SET documents = documents + excluded.documents",
            list(counts.items()),
        )
        await self._conn.execute("DELETE FROM words WHERE documents <= 0")

    async def document_hashes(self) -> dict[str, str]:
        """doc_id -> content hash, as this transaction sees them."""
        async with self._conn.execute("SELECT doc_id, content_hash FROM documents") as cursor:
            return _pairs(await cursor.fetchall())

    async def save_blobs(self, build_id: str, blobs: dict[str, bytes]) -> None:
        """Save index arrays under a new build id, in parts small enough for SQLite."""
        for name, data in blobs.items():
            view = memoryview(data)
            parts = range(0, max(len(data), 1), _BLOB_PART)
            for number, offset in enumerate(parts):
                await self._conn.execute(
                    "INSERT INTO index_blobs VALUES (?, ?, ?, ?)",
                    (build_id, name, number, bytes(view[offset : offset + _BLOB_PART])),
                )

    async def drop_blobs_except(self, build_id: str) -> None:
        """Delete the arrays of every other build."""
        await self._conn.execute("DELETE FROM index_blobs WHERE build_id != ?", (build_id,))

    async def set_meta(self, values: dict[str, str]) -> None:
        """Insert or replace meta keys."""
        await self._conn.executemany(
            "INSERT INTO meta VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            list(values.items()),
        )


_LOG_INSERT = (
    "INSERT INTO question_log (question, question_key, asked_at, not_found, results, front_end) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)


def _pairs(rows: Iterable[Any]) -> dict[Any, Any]:
    """Rows of two columns as a dict (SQLite's rows are untyped)."""
    return dict(rows)


def _log_row(entry: LoggedQuestion) -> tuple[object, ...]:
    return (
        entry.question,
        entry.key,
        entry.asked_at,
        int(entry.not_found),
        entry.results,
        entry.front_end,
    )


async def log_question_to(
    path: Path, entry: LoggedQuestion, keep_seconds: float, *, wait_seconds: float = 2.0
) -> None:
    """Add a question to the log of the database at ``path`` on a short connection of its own,
    and delete entries older than ``keep_seconds``: for a process that opened the database
    read-only (the CLI's ``ask``). Never creates the file; waits at most ``wait_seconds`` for
    another writer. Raises :class:`StoreError`."""
    try:
        await asyncio.to_thread(_append_log, path, entry, keep_seconds, wait_seconds)
    except sqlite3.Error as exc:
        raise _explain(path, exc) from exc


def _append_log(path: Path, entry: LoggedQuestion, keep_seconds: float, wait: float) -> None:
    conn = sqlite3.connect(
        path.resolve().as_uri() + "?mode=rw", uri=True, isolation_level=None, timeout=wait
    )
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute(_LOG_INSERT, _log_row(entry))
            conn.execute(
                "DELETE FROM question_log WHERE asked_at < ?", (entry.asked_at - keep_seconds,)
            )
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
    finally:
        conn.close()


def _backup(source: str, uri: bool, target: Path) -> int:
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    src = sqlite3.connect(source, uri=uri)
    try:
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst)  # in one step: one read snapshot, writers go on meanwhile
            # One self-contained file (no -wal beside it), whatever mode the source is in.
            dst.execute("PRAGMA journal_mode = DELETE")
            problems = [row[0] for row in dst.execute("PRAGMA integrity_check")]
        finally:
            dst.close()
        if problems != ["ok"]:
            raise sqlite3.DatabaseError(f"the copy failed integrity_check: {problems[0]}")
        partial.replace(target)
    finally:
        src.close()
        partial.unlink(missing_ok=True)
    return target.stat().st_size


# The words table as one string (see Store.words).
_ALL_WORDS = "SELECT group_concat(word || char(9) || documents, char(10)) FROM words"


def _vocabulary(joined: str) -> dict[str, int]:
    pairs = (line.split("\t") for line in joined.split("\n") if line)
    return {word: int(count) for word, count in pairs}


def _file_records(files: list[sqlite3.Row], documents: list[sqlite3.Row]) -> dict[str, FileRecord]:
    read: dict[str, list[ReadDocument]] = {}
    for path, doc_id, source, *fields in documents:
        read.setdefault(path, []).append(ReadDocument(doc_id, SourceRef.parse(source), *fields))
    return {
        path: FileRecord(path, base_url, tuple(state), digest, reader, tuple(read.get(path, ())))
        for path, base_url, *state, digest, reader in files
    }


def _read_only_uri(path: Path) -> str:
    """An SQLite URI that opens ``path`` for reading only (SQLite never writes through it)."""
    return path.resolve().as_uri() + "?mode=ro"


def _probe(target: str, read_only: bool) -> str:
    """Open and read the schema once (raises ``sqlite3.Error`` for a file SQLite cannot use);
    returns the target to connect to."""
    try:
        _read_schema(target, read_only)
    except sqlite3.OperationalError as exc:
        if not read_only or "readonly" not in str(exc):
            raise
        # A WAL file in a folder we cannot write, with no -shm file beside it (no process has
        # it open): SQLite cannot make its shared-memory index, so read it as an unchanging file.
        target += "&immutable=1"
        _read_schema(target, read_only)
    return target


class _ForeignDatabase(Exception):
    """The file is another program's SQLite database."""


def _read_schema(target: str, uri: bool) -> None:
    conn = sqlite3.connect(target, uri=uri)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    finally:
        conn.close()


def _refuse_foreign(path: Path) -> None:
    """Raise :class:`_ForeignDatabase` for another program's SQLite file, read as an unchanging
    file (a WAL-mode one gets no -wal or -shm files made beside it); a file SQLite cannot read
    is left for :func:`_probe` to explain."""
    if not path.is_file():
        return
    try:
        conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro&immutable=1", uri=True)
    except sqlite3.Error:
        return
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        (version,) = conn.execute("PRAGMA user_version").fetchone()
    except sqlite3.Error:
        return
    finally:
        conn.close()
    if tables and version == 0:
        # Another program's database (a mistyped --db): no migration of ours ever ran on it,
        # yet it holds tables. Adding ours (and turning on WAL) would change someone else's file.
        shown = ", ".join(sorted(tables)[:5]) + (" …" if len(tables) > 5 else "")
        raise _ForeignDatabase(
            f"not an archive-bot database: it holds tables ({shown}) that no archive-bot "
            "version made; nothing was changed. Point --db / ARCHIVE_BOT_DB at another file"
        )


async def _known_version(conn: aiosqlite.Connection) -> int:
    """The file's schema version; a version newer than this program's is an error."""
    async with conn.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    version = int(row[0]) if row is not None else 0
    if version > len(MIGRATIONS):
        raise sqlite3.DatabaseError(
            f"schema version {version} is newer than this program knows ({len(MIGRATIONS)})"
        )
    return version


async def _check_version(conn: aiosqlite.Connection) -> None:
    """A read-only database must have exactly this program's schema."""
    version = await _known_version(conn)
    if version < len(MIGRATIONS):
        raise StoreNeedsWrite(
            f"database of schema version {version}: it must be upgraded to {len(MIGRATIONS)} first"
        )


async def _migrate(conn: aiosqlite.Connection) -> None:
    """Apply the migrations the file has not seen yet, each in its own transaction."""
    version = await _known_version(conn)
    for number in range(version + 1, len(MIGRATIONS) + 1):
        await conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in MIGRATIONS[number - 1].split(";"):
                if statement.strip():
                    await conn.execute(statement)
            await conn.execute(f"PRAGMA user_version = {number}")
        except BaseException:
            await conn.execute("ROLLBACK")
            raise
        await conn.execute("COMMIT")


@dataclass(frozen=True)
class QuoteMaterial:
    """What quoting a question's best pages reads, from one snapshot: the passages by id (text
    included), the paragraphs they span by document, and per document its note texts
    (number -> text) and every note number it cites or lists (ascending)."""

    passages: dict[int, PassageRow]
    paragraphs: dict[str, list[Paragraph]]
    notes: dict[str, dict[int, str]]
    cited: dict[str, list[int]]


class SearchReader:
    """Blocking reads for the thread that answers questions, on a connection of its own.

    A question's reads share one snapshot (a read transaction each): an ingest committing
    meanwhile is seen entirely or not at all (WAL readers never wait for the writer).
    """

    def __init__(self, path: Path, target: str, *, uri: bool) -> None:
        self.path = path
        try:
            self._conn = sqlite3.connect(target, uri=uri, isolation_level=None)
            self._conn.execute("PRAGMA busy_timeout = 10000")
            self._conn.execute("PRAGMA query_only = ON")
        except sqlite3.Error as exc:
            raise _explain(path, exc) from exc

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()

    def page_ranges(self) -> tuple[list[tuple[str, int, int]], int]:
        """(doc_id, first, last) passage id of every document with passages, by doc_id, and how
        many documents are stored."""
        with self._snapshot():
            ranges = self._conn.execute(
                "SELECT doc_id, MIN(passage_id), MAX(passage_id) FROM passages "
                "GROUP BY doc_id ORDER BY doc_id"
            ).fetchall()
            documents = self._conn.execute("SELECT count(*) FROM documents").fetchone()[0]
        return ranges, int(documents)

    def index_blobs(self, build_id: str) -> dict[str, bytes]:
        """The index arrays saved under ``build_id`` (none when a newer build replaced them)."""
        with self._snapshot():
            rows = self._conn.execute(_BLOBS_OF_BUILD, (build_id,)).fetchall()
        return _joined_blobs(rows)

    def words(self) -> dict[str, int]:
        """The surface vocabulary: word -> number of documents it occurs in."""
        with self._snapshot():
            joined = self._conn.execute(_ALL_WORDS).fetchone()[0]
        return _vocabulary(joined or "")

    def passage_terms(self, passage_ids: Iterable[int]) -> dict[int, str]:
        """The space-joined indexed terms of stored passages, by id."""
        ids = list(passage_ids)
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        with self._snapshot():
            return dict(
                self._conn.execute(
                    f"SELECT passage_id, terms FROM passages WHERE passage_id IN ({marks})", ids
                ).fetchall()
            )

    def quote_material(self, passage_ids: Iterable[int], doc_ids: Iterable[str]) -> QuoteMaterial:
        """The stored ones of ``passage_ids`` (with their text, their document's title and URL)
        and the paragraphs they span; the notes of ``doc_ids``."""
        ids = list(passage_ids)
        docs = sorted(set(doc_ids))
        with self._snapshot():
            passages = self._passages(ids)
            paragraphs = self._paragraphs(passages.values())
            notes, cited = self._notes(docs)
        return QuoteMaterial(passages, paragraphs, notes, cited)

    def _passages(self, ids: list[int]) -> dict[int, PassageRow]:
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self._conn.execute(
            "SELECT passage_id, doc_id, section, para_first, para_last, start_char, end_char "
            f"FROM passages WHERE passage_id IN ({marks})",
            ids,
        ).fetchall()
        # Each document's text is read once and sliced here: SQLite reads a whole text value
        # for each substr() of it, once per passage (0.31 -> 0.23 ms a question at 100,000
        # passages, benchmarks/bench_answer.py questions).
        docs = sorted({row[1] for row in rows})
        marks = ",".join("?" * len(docs))
        heads = {
            doc_id: (title, url, text)
            for doc_id, title, url, text in self._conn.execute(
                f"SELECT doc_id, title, url, text FROM documents WHERE doc_id IN ({marks})", docs
            )
        }
        out: dict[int, PassageRow] = {}
        for passage_id, doc_id, section, first, last, start, end in rows:
            title, url, text = heads[doc_id]
            out[passage_id] = PassageRow(
                passage_id, doc_id, title, url, section, first, last, start, end, text[start:end]
            )
        return out

    def _paragraphs(self, passages: Iterable[PassageRow]) -> dict[str, list[Paragraph]]:
        """The paragraphs from the first to the last one ``passages`` span, per document."""
        ranges: dict[str, tuple[int, int]] = {}
        for p in passages:
            lo, hi = ranges.get(p.doc_id, (p.para_first, p.para_last))
            ranges[p.doc_id] = (min(lo, p.para_first), max(hi, p.para_last))
        out: dict[str, list[Paragraph]] = {doc_id: [] for doc_id in ranges}
        if not ranges:
            return out
        where = " OR ".join(["(doc_id = ? AND number BETWEEN ? AND ?)"] * len(ranges))
        params = [v for doc_id, (lo, hi) in ranges.items() for v in (doc_id, lo, hi)]
        rows = self._conn.execute(
            "SELECT doc_id, number, section, start_char, end_char FROM paragraphs "
            f"WHERE {where} ORDER BY doc_id, number",
            params,
        ).fetchall()
        for doc_id, *paragraph in rows:
            out[doc_id].append(Paragraph(*paragraph))
        return out

    def _notes(self, docs: list[str]) -> tuple[dict[str, dict[int, str]], dict[str, list[int]]]:
        """Note texts and cited note numbers of documents, in one query."""
        texts: dict[str, dict[int, str]] = {d: {} for d in docs}
        cited: dict[str, list[int]] = {d: [] for d in docs}
        if not docs:
            return texts, cited
        marks = ",".join("?" * len(docs))
        rows = self._conn.execute(
            f"SELECT doc_id, number, text FROM notes WHERE doc_id IN ({marks}) UNION ALL "
            f"SELECT doc_id, number, NULL FROM markers WHERE doc_id IN ({marks})",
            docs + docs,
        ).fetchall()
        numbers: dict[str, set[int]] = {d: set() for d in docs}
        for doc_id, number, text in rows:
            numbers[doc_id].add(number)
            if text is not None:
                texts[doc_id][number] = text
        for doc_id, found in numbers.items():
            cited[doc_id] = sorted(found)
        return texts, cited

    @contextmanager
    def _snapshot(self) -> Iterator[None]:
        """One read transaction; SQLite errors become :class:`StoreError`."""
        try:
            self._conn.execute("BEGIN")
            try:
                yield
            finally:
                self._conn.execute("COMMIT")
        except sqlite3.Error as exc:
            raise _explain(self.path, exc) from exc
