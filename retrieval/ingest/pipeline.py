"""Reading sources for an ingest: boilerplate found from the corpus, documents structured and
chunked (in worker processes for big ingests), and what an ingest changes (which documents are
stored, merged or refused is decided by :mod:`retrieval.ingest.provenance`).

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
from dataclasses import dataclass, replace
from typing import Literal

from ..boilerplate import repeated_paragraphs, strip_boilerplate
from ..chunking import ChunkSettings, passages_for
from ..layout import structure
from ..models import Document, Passage, SkippedFile, SourceDocument, SourceRoot, StoredDocument
from ..sources import read_all
from ..text import surface_words
from .provenance import Ledger, text_hash

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
class Prepared:
    """What reading the sources found: new or changed documents (chunked) and the rest."""

    documents: list[tuple[Document, list[Passage]]]
    seen: set[str]
    skipped: list[SkippedFile]
    boilerplate: int
    files: int
    repeated: tuple[str, ...]
    words: dict[str, int]
    ledger: Ledger
    roots: tuple[SourceRoot, ...]


def prepare(
    roots: list[SourceRoot],
    stored: dict[str, StoredDocument],
    chunking: ChunkSettings,
    progress: ProgressCallback,
) -> Prepared:
    """Read every root, find the corpus's boilerplate, structure and chunk what changed.

    Runs off the event loop. Every file is read (to hash it and to count repeated
    paragraphs), but only new or changed documents are kept in memory and chunked. Each root is
    read with its own base URL; ``Prepared.roots`` are those that gave at least one document.
    """
    ledger = Ledger(stored)
    skipped: list[SkippedFile] = []
    changed: list[SourceDocument] = []
    productive: list[SourceRoot] = []
    files = 0
    last_report = time.monotonic()

    def every_document() -> Iterator[SourceDocument]:
        nonlocal files, last_report
        for root in roots:
            before = len(ledger.seen) + len(ledger.merged)
            for item in read_all([root.path], root.base_url):
                files += 1
                if time.monotonic() - last_report > 0.5:
                    last_report = time.monotonic()
                    progress(IngestProgress("reading", files, len(changed), 0))
                if isinstance(item, SkippedFile):
                    skipped.append(item)
                    continue
                if not ledger.admit(item):
                    continue
                old = stored.get(item.doc_id)
                if old is None or old.content_hash != item.content_hash:
                    changed.append(item)
                yield item
            if len(ledger.seen) + len(ledger.merged) > before:
                productive.append(root)

    repeated = repeated_paragraphs(
        every_document(), share=BOILERPLATE_SHARE, min_docs=BOILERPLATE_MIN_DOCS
    )
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
    return Prepared(
        documents,
        set(ledger.seen),
        skipped + ledger.skipped,
        boilerplate,
        files,
        tuple(sorted(repeated)),
        words,
        ledger,
        tuple(productive),
    )


PreparedDocument = tuple[Document, list[Passage], int, frozenset[str]]


def prepare_document(
    source: SourceDocument, repeated: set[str], chunking: ChunkSettings
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
    sources: list[SourceDocument], repeated: set[str], chunking: ChunkSettings
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
