"""Reading sources for an ingest: the first of two passes over worker processes (:mod:`.workers`).

First every root is read: a file unchanged since the last ingest stands in by its record (which
files need not be read again is decided by :mod:`.files`), the others are parsed; each document is
admitted, merged or refused (:mod:`.provenance`) in reading order, and the paragraphs repeated
across the corpus are found (boilerplate). The documents to store wait on disk meanwhile. Then
:mod:`.prepare` strips, structures and chunks them (the second pass).

Everything here is CPU work on plain data; the service runs it off the event loop and writes the
result in one transaction.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from ..boilerplate import (
    BlockPrints,
    repeated_prints,
)
from ..models import (
    FileRecord,
    ReadDocument,
    SkippedFile,
    SourceDocument,
    SourceRoot,
    StoredDocument,
)
from ..sources import disk_files, read_disk_file
from .files import file_digest, file_state, reader_version, settled, unchanged_record
from .provenance import Ledger, is_under, read_document
from .spool import Spool
from .workers import Workers

log = logging.getLogger(__name__)

# A paragraph in more than this share of the documents read (and in at least BOILERPLATE_MIN_DOCS
# of them) is site furniture, not content: it is neither indexed nor quoted.
BOILERPLATE_SHARE = 0.3
BOILERPLATE_MIN_DOCS = 5


@dataclass(frozen=True)
class IngestProgress:
    """Where a running ingest is: what it is doing and how far it got."""

    stage: Literal["reading", "chunking", "read", "indexing"]
    files: int
    documents: int
    passages: int


ProgressCallback = Callable[[IngestProgress], None]

# A document read, waiting to be prepared: its source, text hash and block fingerprints.
ReadSource = tuple[SourceDocument, str, BlockPrints]


@dataclass(frozen=True)
class KnownFiles:
    """What the store knows from earlier ingests: the files read (by path) and the texts of
    the paragraphs found to be boilerplate (by fingerprint)."""

    records: dict[str, FileRecord] = field(default_factory=dict)
    boilerplate: dict[int, str] = field(default_factory=dict)


@dataclass(frozen=True)
class FileRead:
    """What reading one file gave: a hash of its bytes (``None`` when unreadable) and, in order,
    its documents (each with its source, pickled) and the parts that could not be read."""

    digest: str | None
    items: list[tuple[ReadDocument, bytes] | SkippedFile]


@dataclass(frozen=True)
class _Reuse:
    record: FileRecord


@dataclass(frozen=True)
class _Read:
    path: Path
    relative: str
    base_url: str
    state: tuple[int, int, int, int] | None
    # Its documents were made by other reading code: they are stored again, as this code makes
    # them, even where the file's bytes are the same (a fixed parser reaches stored pages).
    remake: bool = False


@dataclass
class Found:
    """What the first pass found: the documents to store (their sources waiting in ``spool``,
    in reading order) and everything decided about the rest.

    ``records`` are the files read whose record is new or changed, ``forgotten`` the recorded
    files under the roots read that are gone, ``reused`` how many files were not read again,
    ``repeated`` the fingerprints of the boilerplate paragraphs.
    """

    changed: list[tuple[str, tuple[int, int]]]
    spool: Spool[ReadSource]
    seen: set[str]
    skipped: list[SkippedFile]
    files: int
    ledger: Ledger
    roots: tuple[SourceRoot, ...]
    repeated: frozenset[int]
    records: dict[str, FileRecord]
    known: KnownFiles
    reused: int = 0

    def changed_ids(self) -> list[str]:
        """The ids of the documents to store, in reading order."""
        return [doc_id for doc_id, _ in self.changed]

    def new_records(self) -> tuple[FileRecord, ...]:
        """The records of the files read now that differ from what the store has."""
        return tuple(r for p, r in self.records.items() if self.known.records.get(p) != r)

    def forgotten(self, roots: list[SourceRoot]) -> tuple[str, ...]:
        """Recorded files under ``roots`` that were not found now."""
        walked = [r.path for r in roots]
        return tuple(
            p
            for p in self.known.records
            if p not in self.records and any(is_under(p, root) for root in walked)
        )


def read_file(path: Path, relative: str, base_url: str) -> FileRead:
    """Hash and read one file (in a worker process for big ingests)."""
    digest = file_digest(path)  # before reading: a file changed meanwhile is read next time
    items: list[tuple[ReadDocument, bytes] | SkippedFile] = []
    for item in read_disk_file(path, relative, base_url):
        if isinstance(item, SkippedFile):
            items.append(item)
        else:
            document, prints = read_document(item)
            packed = pickle.dumps((item, document.text_hash, prints), pickle.HIGHEST_PROTOCOL)
            items.append((document, packed))
    return FileRead(digest, items)


def _read_task(task: _Read) -> FileRead:
    return read_file(task.path, task.relative, task.base_url)


def find(
    roots: list[SourceRoot],
    stored: dict[str, StoredDocument],
    progress: ProgressCallback,
    known: KnownFiles,
    workers: Workers,
    spool: Spool[ReadSource],
) -> Found:
    """The first pass: read every root (files unchanged since ``known`` recorded them are not
    read again), admit each document in reading order, find the corpus's boilerplate.

    Each root is read with its own base URL; ``Found.roots`` are those that gave at least one
    document. The sources of the documents to store go to ``spool`` (with their text hashes).
    """
    ledger = Ledger(stored)
    skipped: list[SkippedFile] = []
    records: dict[str, FileRecord] = {}
    plan: list[tuple[int, _Reuse | _Read | SkippedFile]] = []  # (root's position, what to do)
    for number, root in enumerate(roots):
        for item in disk_files([root.path]):
            if isinstance(item, SkippedFile):
                plan.append((number, item))
                continue
            path, relative = item
            state = file_state(path)
            known_record = known.records.get(str(path))
            record = unchanged_record(known_record, path, root.base_url, state, stored)
            remake = known_record is not None and known_record.reader != reader_version()
            reuse = _Reuse(record) if record else None
            plan.append((number, reuse or _Read(path, relative, root.base_url, state, remake)))
    tasks = [t for _, t in plan if isinstance(t, _Read)]
    reads = workers.map(_read_task, tasks, len(tasks))
    changed: list[tuple[str, tuple[int, int]]] = []
    prints: list[bytes] = []
    productive = [False] * len(roots)  # gave a document (stored or merged into another)
    files = reused = 0
    last_report = time.monotonic()
    for number, task in plan:
        if time.monotonic() - last_report > 0.5:
            last_report = time.monotonic()
            progress(IngestProgress("reading", files, len(changed), 0))
        documents: list[tuple[ReadDocument, bytes | None]]
        remake = False
        if isinstance(task, SkippedFile):
            files += 1
            skipped.append(task)
            continue
        if isinstance(task, _Reuse):
            reused += 1
            records[task.record.path] = task.record
            files += len(task.record.documents)
            documents = [(d, None) for d in task.record.documents]
        else:
            read = next(reads)
            remake = task.remake
            clean = True  # a file with a part that could not be read is read again every time
            documents = []
            for part in read.items:
                files += 1
                if isinstance(part, SkippedFile):
                    skipped.append(part)
                    clean = False
                else:
                    documents.append(part)
            if clean and task.state is not None and read.digest is not None:
                records[str(task.path)] = FileRecord(
                    str(task.path),
                    task.base_url,
                    settled(task.state),
                    read.digest,
                    reader_version(),
                    tuple(d for d, _ in documents),
                )
        for document, source in documents:
            before = len(ledger.seen) + len(ledger.merged)
            admitted = ledger.admit(document)
            productive[number] |= len(ledger.seen) + len(ledger.merged) > before
            if not admitted:
                continue
            old = stored.get(document.doc_id)
            if source is not None and (
                old is None or old.content_hash != document.content_hash or remake
            ):
                changed.append((document.doc_id, spool.append_bytes(source)))
            prints.append(document.prints)
    repeated = repeated_prints(prints, share=BOILERPLATE_SHARE, min_docs=BOILERPLATE_MIN_DOCS)
    return Found(
        changed,
        spool,
        set(ledger.seen),
        skipped + ledger.skipped,
        files,
        ledger,
        tuple(r for r, gave in zip(roots, productive, strict=True) if gave),
        repeated,
        records,
        known,
        reused,
    )


def corpus_digest(hashes: dict[str, str]) -> str:
    """A hash over every document's id and content hash: what the index was built from."""
    digest = hashlib.sha256()
    for doc_id in sorted(hashes):
        digest.update(f"{doc_id}\0{hashes[doc_id]}\n".encode())
    return digest.hexdigest()[:20]
