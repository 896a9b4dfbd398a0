"""The second pass of an ingest: the documents the first pass (:mod:`.pipeline`) found are stripped
of the boilerplate, structured and chunked, a few at a time in worker processes, and handed in
reading order to the :class:`~.staging.Staging` that numbers, indexes and spools them. Also the
surface-word counts (the spelling vocabulary) an ingest adds and takes away.
"""

from __future__ import annotations

import pickle
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import partial
from itertools import islice
from pathlib import Path

from ..boilerplate import BlockPrints, paragraph_texts, strip_boilerplate, unpack_prints
from ..chunking import ChunkSettings, passages_for
from ..layout import structure
from ..models import Document, FileRecord, Passage, SkippedFile, SourceDocument
from ..sources import read_disk_file
from ..text import text_words
from .pipeline import Found, IngestProgress, ProgressCallback
from .provenance import text_hash
from .staging import StagedDocuments, Staging
from .workers import Workers

# Documents a worker prepares per task (their results weigh a megabyte or two).
PREPARE_BATCH = 32


@dataclass(frozen=True)
class Prepared:
    """What the second pass made of the documents found: counts for the report, the surface
    words to add to the vocabulary, and the texts of the boilerplate paragraphs."""

    documents: int
    passages: int
    notes: int
    boilerplate: int
    words: dict[str, int]
    repeated: tuple[str, ...]
    boilerplate_texts: dict[int, str] = field(default_factory=dict)


def prepare(
    found: Found,
    chunking: ChunkSettings,
    progress: ProgressCallback,
    workers: Workers,
    staging: Staging,
) -> Prepared:
    """The second pass: strip, structure and chunk each document found, in worker processes for
    big ingests, and hand it to ``staging`` in reading order."""
    sources = (found.spool.read_bytes(place) for _, place in found.changed)
    batches = iter(lambda: list(islice(sources, PREPARE_BATCH)), [])
    work = partial(
        prepare_batch,
        repeated=found.repeated,
        chunking=chunking,
        ingested_at=staging.ingested_at,
    )
    texts = {p: found.known.boilerplate[p] for p in found.repeated if p in found.known.boilerplate}
    words: dict[str, int] = {}
    boilerplate = documents = notes = 0
    last_report = time.monotonic()
    for batch in workers.map(work, batches, len(found.changed), chunk=1):
        count = words.get
        for word, documents_with in batch.words.items():  # a batch's distinct words, once each
            words[word] = count(word, 0) + documents_with
        for print_, text in batch.texts.items():
            texts.setdefault(print_, text)
        boilerplate += batch.dropped
        notes += batch.notes
        staging.add_documents(batch.documents)
        documents += len(batch.documents.rows)
        if time.monotonic() - last_report > 0.5:
            last_report = time.monotonic()
            progress(IngestProgress("chunking", found.files, documents, staging.passages))
    progress(IngestProgress("read", found.files, documents, staging.passages))
    texts = boilerplate_texts(found.repeated, texts, found.records)
    return Prepared(
        documents,
        staging.passages,
        notes,
        boilerplate,
        words,
        tuple(sorted(texts.values())),
        {p: t for p, t in texts.items() if found.known.boilerplate.get(p) != t},
    )


def boilerplate_texts(
    repeated: frozenset[int], texts: dict[int, str], records: dict[str, FileRecord]
) -> dict[int, str]:
    """The texts of the ``repeated`` paragraphs: ``texts`` (known from earlier ingests or found
    in the documents read now), else found in a file that holds them, read again (a paragraph
    that became boilerplate while every document holding it was unchanged; the first ingest
    after the upgrade that added the records)."""
    texts = {p: t for p, t in texts.items() if p in repeated}
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
    source: SourceDocument,
    repeated: frozenset[int],
    chunking: ChunkSettings,
    digest: str | None = None,
    prints: BlockPrints | None = None,
) -> PreparedDocument:
    """Strip boilerplate, structure and chunk one document (``digest``: its :func:`text_hash`,
    ``prints``: its :func:`~retrieval.boilerplate.block_prints`, when known).

    Also returns how many paragraphs were dropped and the document's distinct surface words (the
    vocabulary spelling suggestions come from).
    """
    digest = digest or text_hash(source)
    source, repeats = strip_boilerplate(source, repeated, prints)
    document, site_lines = structure(source)
    document = replace(document, text_hash=digest)
    words = text_words(document.text)  # tokenized once for the passages and the surface words
    return (
        document,
        passages_for(document, chunking, words),
        repeats + site_lines,
        words.surface(),
    )


@dataclass(frozen=True)
class PreparedBatch:
    """A few documents prepared (in a worker process for big ingests): staged, in order, and for
    them all the boilerplate paragraphs dropped, the notes, how many of them hold each surface
    word, and the texts of the boilerplate paragraphs they hold."""

    documents: StagedDocuments
    dropped: int
    notes: int
    words: dict[str, int]
    texts: dict[int, str]


def prepare_batch(
    packed: list[bytes], repeated: frozenset[int], chunking: ChunkSettings, ingested_at: str
) -> PreparedBatch:
    """:func:`prepare_document` of sources pickled with their text hashes and block
    fingerprints by :func:`read_file`,
    staged with their rows (``ingested_at`` in them)."""
    staged: list[tuple[Document, list[Passage]]] = []
    words: Counter[str] = Counter()
    texts: dict[int, str] = {}
    dropped = notes = 0
    for data in packed:
        source, digest, prints = pickle.loads(data)
        document, passages, repeats, doc_words = prepare_document(
            source, repeated, chunking, digest, prints
        )
        staged.append((document, passages))
        words.update(doc_words)  # counted in C
        dropped += repeats
        notes += len(document.notes)
        for print_, text in paragraph_texts([source], repeated, [prints]).items():
            texts.setdefault(print_, text)
    return PreparedBatch(
        StagedDocuments.of(staged, ingested_at), dropped, notes, dict(words), texts
    )


def document_words(document: Document) -> frozenset[str]:
    """The distinct surface words of a document: the vocabulary spelling suggestions come from."""
    return text_words(document.text).surface()


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
