"""The Indexer: builds an index of a store's passages and commits it with the documents it indexes.

An ingest reads files into documents and passages (:mod:`.pipeline`), decides what is added,
changed, merged or removed (:mod:`.provenance`), then builds the new index off the event loop and
writes everything in one short SQLite transaction. Whoever serves questions (the service) is told
of each index committed, to swap it in; the ingest child process commits without serving.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from pathlib import Path

import numpy as np

from ..chunking import DEFAULT_CHUNKING, ChunkSettings, passages_for
from ..errors import RetrievalError
from ..index.bm25 import DEFAULT_PARAMS, INDEX_FORMAT, BM25Index, BM25Params
from ..index.build import IndexBuilder
from ..models import Document, IngestReport, Passage, ReindexPlan, SourceRoot
from ..sources.urls import ARCHIVE_BASE_URL
from ..store import Store, Writer, utc_now
from ..text import TOKENIZER_VERSION
from .pipeline import (
    IngestProgress,
    KnownFiles,
    ProgressCallback,
    corpus_digest,
    merge_counts,
    prepare,
    word_counts,
)
from .provenance import absolute, is_under, merge_roots, removals, resolved

# Told of each index committed (the index and its build id), to serve it.
Install = Callable[[BM25Index, str], Awaitable[None]]


class Indexer:
    """Ingests files into one store and commits the index of its passages."""

    def __init__(
        self,
        store: Store,
        *,
        params: BM25Params = DEFAULT_PARAMS,
        chunking: ChunkSettings = DEFAULT_CHUNKING,
        install: Install | None = None,
    ) -> None:
        self.store = store
        self.params = params
        self.chunking = chunking
        self._install = install

    def expected_meta(self) -> dict[str, str]:
        """The settings an index built now depends on, as the store's ``meta`` records them."""
        return {
            "tokenizer_version": TOKENIZER_VERSION,
            "chunking": self.chunking.describe(),
            "bm25": self.params.describe(),
            "index_format": INDEX_FORMAT,
        }

    async def rebuild(self, *, rechunk: bool) -> None:
        """Rebuild the index (and, after a tokenizer or chunking change, the passages)."""
        documents: list[tuple[Document, list[Passage]]] = []
        if rechunk:
            for doc_id in await self.store.doc_ids():
                document = await self.store.load_document(doc_id)
                if document is not None:
                    chunks = await asyncio.to_thread(passages_for, document, self.chunking)
                    documents.append((document, chunks))
        await self._commit(documents, removed=[], rechunk_only=rechunk)

    async def _commit(
        self,
        documents: list[tuple[Document, list[Passage]]],
        removed: list[str],
        *,
        new_words: dict[str, int] | None = None,
        rechunk_only: bool = False,
        bookkeeping: Callable[[Writer], Awaitable[None]] | None = None,
    ) -> None:
        """Build the new index off the event loop, then write it all in one short transaction.

        The long work (tokens in, arrays out) happens outside any transaction, so questions and
        small writes (saved questions) go on meanwhile; the old index serves until the commit.
        ``bookkeeping`` writes, in the same transaction, where the documents came from.
        """
        started_from = (await self.store.meta()).get("build_id")
        replaced = {d.doc_id for d, _ in documents} | set(removed)
        next_id = await self.store.next_passage_id()
        numbered: list[tuple[Document, list[tuple[int, Passage]]]] = []
        new_rows: list[tuple[int, tuple[str, ...]]] = []
        for document, chunks in documents:
            ids = range(next_id, next_id + len(chunks))
            next_id += len(chunks)
            numbered.append((document, list(zip(ids, chunks, strict=True))))
            new_rows.extend((i, p.terms) for i, p in zip(ids, chunks, strict=True))
        index = await asyncio.to_thread(self._build, replaced, new_rows)
        del new_rows
        blobs = await asyncio.to_thread(index.to_blobs)
        words: dict[str, int] = {}
        if not rechunk_only:
            old = [await self.store.load_document(doc_id) for doc_id in replaced]
            # Surface-word counts for spelling suggestions: minus the old texts, plus the new.
            words = await asyncio.to_thread(
                lambda: merge_counts(
                    word_counts((d for d in old if d is not None), sign=-1), new_words or {}
                )
            )
        build_id = uuid.uuid4().hex[:16]
        async with self.store.transaction() as w:
            if await w.meta_value("build_id") != started_from:
                raise RetrievalError(
                    "another process changed the index during this ingest; run it again"
                )
            if rechunk_only:
                for document, rows in numbered:
                    await w.delete_passages(document.doc_id)
                    await w.insert_passages(rows)
            else:
                await w.delete_documents(sorted(replaced))
                for document, rows in numbered:
                    await w.insert_document(document, rows)
                await w.adjust_words(words)
            if bookkeeping is not None:
                await bookkeeping(w)
            await w.save_blobs(build_id, blobs)
            await w.drop_blobs_except(build_id)
            await w.set_meta(
                {
                    **self.expected_meta(),
                    "build_id": build_id,
                    "built_at": utc_now(),
                    "corpus_hash": corpus_digest(await w.document_hashes()),
                }
            )
        if self._install is not None:
            await self._install(index, build_id)

    def _build(self, replaced: set[str], new_rows: list[tuple[int, tuple[str, ...]]]) -> BM25Index:
        """The index of the stored passages not ``replaced`` plus ``new_rows`` (ids ascending).

        Runs in a worker thread; stored passages are streamed from SQLite a batch at a time, so
        memory holds the index being built, not every passage's terms.
        """
        builder = IndexBuilder(self.params.k1, self.params.b, self.params.epsilon)
        ids: list[np.ndarray] = []
        for batch in self.store.stream_passage_terms(excluding=replaced):
            ids.append(np.fromiter((r[0] for r in batch), dtype=np.int64, count=len(batch)))
            builder.add(r[1].split() for r in batch)
        if new_rows:
            ids.append(np.fromiter((r[0] for r in new_rows), dtype=np.int64, count=len(new_rows)))
            builder.add(r[1] for r in new_rows)
        passage_ids = np.concatenate(ids) if ids else np.zeros(0, dtype=np.int64)
        return BM25Index.from_builder(builder, passage_ids, self.params)

    async def reindex_plan(
        self, configured: Iterable[str | Path], base_url: str = ARCHIVE_BASE_URL
    ) -> ReindexPlan:
        """What a reindex of ``configured`` reads: the recorded roots that exist (each with the
        base URL it was ingested with), then the configured sources they do not cover."""
        recorded = await self.store.source_roots()
        present = [r for r in recorded if os.path.exists(r.path)]
        gone = tuple(r for r in recorded if not os.path.exists(r.path))
        names = [str(p) for p in configured]
        missing = tuple(p for p in names if not Path(p).expanduser().exists())
        wanted = [SourceRoot(resolved(p), base_url) for p in names if p not in missing]
        read = merge_roots(present, wanted)
        return ReindexPlan(tuple(read), tuple(r.path for r in wanted), gone, missing)

    async def ingest(
        self,
        paths: Sequence[str | Path],
        prune: bool,
        exact: bool,
        progress: ProgressCallback,
        base_url: str,
    ) -> IngestReport:
        """Read ``paths`` and commit what changed (see :meth:`ArchiveService.ingest`)."""
        began = time.monotonic()
        # Read from absolute paths, so that stored sources mean the same file from any folder.
        roots = [SourceRoot(absolute(p), base_url) for p in paths]
        gone: tuple[SourceRoot, ...] = ()
        if exact:
            plan = await self.reindex_plan(paths, base_url)
            roots, gone = list(plan.read), plan.gone
        stored = await self.store.stored_documents()
        known = KnownFiles(await self.store.file_records(), await self.store.boilerplate_texts())
        prepared = await asyncio.to_thread(prepare, roots, stored, self.chunking, progress, known)
        ledger = prepared.ledger
        removed = removals(
            stored, ledger, prepared.skipped, read=roots, prune=prune, exact=exact, gone=gone
        )
        added = [d.doc_id for d, _ in prepared.documents if d.doc_id not in stored]
        changed = [d.doc_id for d, _ in prepared.documents if d.doc_id in stored]
        unchanged = sorted(prepared.seen - set(added) - set(changed))
        moved = {d: s for d, s in ledger.moved.items() if d in unchanged}
        recorded = [SourceRoot(resolved(r.path), r.base_url) for r in prepared.roots]
        passages = sum(len(p) for _, p in prepared.documents)
        notes = sum(len(d.notes) for d, _ in prepared.documents)

        async def bookkeeping(w: Writer) -> None:
            roots_now = await w.source_roots()
            kept = [r for r in roots_now if not any(is_under(r.path, g.path) for g in gone)]
            new_roots = merge_roots(kept, recorded)
            if new_roots != roots_now:
                await w.replace_source_roots(new_roots)
            if moved:
                await w.set_sources(moved)
            await w.save_file_records(prepared.records, prepared.forgotten)
            await w.add_boilerplate_texts(prepared.boilerplate_texts)

        removed_ids = [r.doc_id for r in removed]
        if prepared.documents or removed_ids:
            progress(IngestProgress("indexing", prepared.files, len(prepared.documents), passages))
            await self._commit(
                prepared.documents,
                removed_ids,
                new_words=prepared.words,
                bookkeeping=bookkeeping,
            )
        else:  # nothing to index again; where the documents come from may still have changed
            async with self.store.transaction() as w:
                await bookkeeping(w)
        return IngestReport(
            added=tuple(sorted(added)),
            changed=tuple(sorted(changed)),
            removed=tuple(removed_ids),
            unchanged=tuple(unchanged),
            skipped=tuple(prepared.skipped),
            boilerplate_dropped=prepared.boilerplate,
            boilerplate_paragraphs=prepared.repeated,
            passages=passages,
            notes=notes,
            seconds=time.monotonic() - began,
            merged=tuple(ledger.merged),
            removals=tuple(removed),
            roots=tuple(roots),
            roots_gone=gone,
        )
