"""Reading sources for an ingest: boilerplate found from the corpus, documents structured and
chunked (in worker processes for big ingests), and what an ingest changes (which documents are
stored, merged or refused is decided by :mod:`retrieval.ingest.provenance`; which files need not
be read again, by :mod:`retrieval.ingest.files`).

Everything here is CPU work on plain data; the service runs it off the event loop and writes the
result in one transaction.
"""

from __future__ import annotations

import ctypes
import functools
import hashlib
import logging
import multiprocessing
import os
import signal
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from ..boilerplate import paragraph_texts, repeated_prints, strip_boilerplate, unpack_prints
from ..chunking import ChunkSettings, passages_for
from ..layout import structure
from ..models import (
    Document,
    FileRecord,
    Passage,
    ReadDocument,
    SkippedFile,
    SourceDocument,
    SourceRoot,
    StoredDocument,
)
from ..sources import disk_files, read_disk_file
from ..text import surface_words
from .files import file_digest, file_state, reader_version, settled, unchanged_record
from .provenance import Ledger, is_under, read_document, text_hash

log = logging.getLogger(__name__)

_PR_SET_PDEATHSIG = 1  # prctl option: the signal a process gets when its parent dies

# A paragraph in more than this share of the documents read (and in at least BOILERPLATE_MIN_DOCS
# of them) is site furniture, not content: it is neither indexed nor quoted.
BOILERPLATE_SHARE = 0.3
BOILERPLATE_MIN_DOCS = 5
# Ingests of at least this many new or changed documents are chunked in worker processes.
PARALLEL_FROM = 200
MAX_WORKERS = 4


@dataclass(frozen=True)
class IngestProgress:
    """Where a running ingest is: what it is doing and how far it got."""

    stage: Literal["reading", "chunking", "read", "indexing"]
    files: int
    documents: int
    passages: int


ProgressCallback = Callable[[IngestProgress], None]


@dataclass(frozen=True)
class KnownFiles:
    """What the store knows from earlier ingests: the files read (by path) and the texts of
    the paragraphs found to be boilerplate (by fingerprint)."""

    records: dict[str, FileRecord] = field(default_factory=dict)
    boilerplate: dict[int, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Prepared:
    """What reading the sources found: new or changed documents (chunked) and the rest.

    ``records`` are the files read whose record is new or changed, ``forgotten`` the recorded
    files under the roots read that are gone, ``boilerplate_texts`` the texts of this ingest's
    boilerplate paragraphs by fingerprint, ``reused`` how many files were not read again.
    """

    documents: list[tuple[Document, list[Passage]]]
    seen: set[str]
    skipped: list[SkippedFile]
    boilerplate: int
    files: int
    repeated: tuple[str, ...]
    words: dict[str, int]
    ledger: Ledger
    roots: tuple[SourceRoot, ...]
    records: tuple[FileRecord, ...] = ()
    forgotten: tuple[str, ...] = ()
    boilerplate_texts: dict[int, str] = field(default_factory=dict)
    reused: int = 0


def prepare(
    roots: list[SourceRoot],
    stored: dict[str, StoredDocument],
    chunking: ChunkSettings,
    progress: ProgressCallback,
    known: KnownFiles | None = None,
) -> Prepared:
    """Read every root, find the corpus's boilerplate, structure and chunk what changed.

    Runs off the event loop. Every file is read (to hash it and to count repeated
    paragraphs) unless ``known`` records it unchanged, in which case its recorded documents
    stand in for it; only new or changed documents are kept in memory and chunked. Each root
    is read with its own base URL; ``Prepared.roots`` are those that gave at least one document.
    """
    known = known or KnownFiles()
    ledger = Ledger(stored)
    skipped: list[SkippedFile] = []
    changed: list[SourceDocument] = []
    productive: list[SourceRoot] = []
    records: dict[str, FileRecord] = {}
    # Documents read that differ from the stored ones: kept to be chunked if the ledger admits them.
    held: dict[ReadDocument, SourceDocument] = {}
    files = reused = 0
    last_report = time.monotonic()

    def documents_of(path: Path, relative: str, base_url: str) -> Iterator[ReadDocument]:
        """The documents a file gives: recorded, when it is unchanged, else read."""
        nonlocal files, reused
        state = file_state(path)
        record = unchanged_record(known.records.get(str(path)), path, base_url, state, stored)
        if record is not None:
            reused += 1
            records[str(path)] = record
            files += len(record.documents)
            yield from record.documents
            return
        digest = file_digest(path)  # before reading: a file changed meanwhile is read next time
        read: list[ReadDocument] = []
        clean = True  # a file with a part that could not be read is read again every time
        for item in read_disk_file(path, relative, base_url):
            files += 1
            if isinstance(item, SkippedFile):
                skipped.append(item)
                clean = False
                continue
            document = read_document(item)
            read.append(document)
            old = stored.get(item.doc_id)
            if old is None or old.content_hash != item.content_hash:
                held[document] = item
            yield document
        if clean and state is not None and digest is not None:
            records[str(path)] = FileRecord(
                str(path), base_url, settled(state), digest, reader_version(), tuple(read)
            )

    def every_document() -> Iterator[bytes]:
        nonlocal files, last_report
        for root in roots:
            before = len(ledger.seen) + len(ledger.merged)
            for item in disk_files([root.path]):
                if isinstance(item, SkippedFile):
                    files += 1
                    skipped.append(item)
                    continue
                for document in documents_of(*item, root.base_url):
                    if time.monotonic() - last_report > 0.5:
                        last_report = time.monotonic()
                        progress(IngestProgress("reading", files, len(changed), 0))
                    source = held.pop(document, None)
                    if not ledger.admit(document):
                        continue
                    if source is not None:
                        changed.append(source)
                    yield document.prints
            if len(ledger.seen) + len(ledger.merged) > before:
                productive.append(root)

    repeated = repeated_prints(
        every_document(), share=BOILERPLATE_SHARE, min_docs=BOILERPLATE_MIN_DOCS
    )
    texts = boilerplate_texts(repeated, known.boilerplate, changed, records)
    documents: list[tuple[Document, list[Passage]]] = []
    words: dict[str, int] = {}
    boilerplate = passages = 0
    for document, doc_passages, dropped, doc_words in prepare_all(changed, repeated, chunking):
        for word in doc_words:
            words[word] = words.get(word, 0) + 1
        boilerplate += dropped
        passages += len(doc_passages)
        documents.append((document, doc_passages))
        if time.monotonic() - last_report > 0.5:
            last_report = time.monotonic()
            progress(IngestProgress("chunking", files, len(documents), passages))
    progress(IngestProgress("read", files, len(documents), passages))
    walked = [r.path for r in roots]
    return Prepared(
        documents,
        set(ledger.seen),
        skipped + ledger.skipped,
        boilerplate,
        files,
        tuple(sorted(texts.values())),
        words,
        ledger,
        tuple(productive),
        records=tuple(r for p, r in records.items() if known.records.get(p) != r),
        forgotten=tuple(
            p
            for p in known.records
            if p not in records and any(is_under(p, root) for root in walked)
        ),
        boilerplate_texts={p: t for p, t in texts.items() if known.boilerplate.get(p) != t},
        reused=reused,
    )


def boilerplate_texts(
    repeated: frozenset[int],
    known: dict[int, str],
    changed: list[SourceDocument],
    records: dict[str, FileRecord],
) -> dict[int, str]:
    """The texts of the ``repeated`` paragraphs: known from earlier ingests, else found in the
    documents read now, else in a file that holds them, read again (a paragraph that became
    boilerplate while every document holding it was unchanged; the first ingest after the
    upgrade that added the records)."""
    texts = {p: known[p] for p in repeated if p in known}
    texts |= paragraph_texts(changed, repeated - texts.keys())
    for path, record in records.items():
        missing = repeated - texts.keys()
        if not missing:
            break
        held = {p for d in record.documents for p in unpack_prints(d.prints)}
        if held & missing:
            documents = read_disk_file(Path(path), Path(path).name, record.base_url)
            sources = (d for d in documents if not isinstance(d, SkippedFile))
            texts |= paragraph_texts(sources, held & missing)
    return texts


PreparedDocument = tuple[Document, list[Passage], int, frozenset[str]]


def prepare_document(
    source: SourceDocument, repeated: frozenset[int], chunking: ChunkSettings
) -> PreparedDocument:
    """Strip boilerplate, structure and chunk one document.

    Also returns how many paragraphs were dropped and the document's distinct surface words (the
    vocabulary spelling suggestions come from).
    """
    digest = text_hash(source)
    source, repeats = strip_boilerplate(source, repeated)
    document, site_lines = structure(source)
    document = replace(document, text_hash=digest)
    return (
        document,
        passages_for(document, chunking),
        repeats + site_lines,
        document_words(document),
    )


def prepare_all(
    sources: list[SourceDocument], repeated: frozenset[int], chunking: ChunkSettings
) -> Iterator[PreparedDocument]:
    """:func:`prepare_document` over many documents, in worker processes when it pays.

    Worker processes use every core and keep the tokenizer's CPU time off the process that runs
    the bot's event loop; small ingests stay in this process (starting workers costs ~0.5 s).
    """
    workers = min(os.cpu_count() or 1, MAX_WORKERS)
    if len(sources) < PARALLEL_FROM or workers < 2:
        for source in sources:
            yield prepare_document(source, repeated, chunking)
        return
    context = multiprocessing.get_context("spawn")  # no fork of a process with threads
    done = 0
    try:
        with ProcessPoolExecutor(workers, mp_context=context, initializer=die_with_parent) as pool:
            work = functools.partial(prepare_document, repeated=repeated, chunking=chunking)
            for prepared in pool.map(work, sources, chunksize=16):
                done += 1
                yield prepared
    except (BrokenProcessPool, OSError) as exc:
        # e.g. a __main__ that worker processes cannot import: finish here instead of failing
        log.warning("worker processes failed (%s); preparing the rest in this process", exc)
        for source in sources[done:]:
            yield prepare_document(source, repeated, chunking)


def die_with_parent() -> None:
    """In a worker process: be terminated when the parent dies (Linux), instead of lingering."""
    if sys.platform != "linux":
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        log.debug("cannot ask to die with the parent process", exc_info=True)


def corpus_digest(hashes: dict[str, str]) -> str:
    """A hash over every document's id and content hash: what the index was built from."""
    digest = hashlib.sha256()
    for doc_id in sorted(hashes):
        digest.update(f"{doc_id}\0{hashes[doc_id]}\n".encode())
    return digest.hexdigest()[:20]


def document_words(document: Document) -> frozenset[str]:
    """The distinct surface words of a document: the vocabulary spelling suggestions come from."""
    return frozenset(surface_words(document.text))


def word_counts(documents: Iterable[Document], sign: int) -> dict[str, int]:
    """Per surface word, ``sign`` times the number of documents it occurs in."""
    counts: dict[str, int] = {}
    for document in documents:
        for word in document_words(document):
            counts[word] = counts.get(word, 0) + sign
    return counts


def merge_counts(a: dict[str, int], b: dict[str, int]) -> dict[str, int]:
    """The sum of two word counts."""
    out = dict(a)
    for word, count in b.items():
        out[word] = out.get(word, 0) + count
    return out
