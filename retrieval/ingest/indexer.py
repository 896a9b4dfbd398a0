"""The Indexer: builds an index of a store's passages and commits it with the documents it indexes.

An ingest reads files into documents and passages (:mod:`.pipeline`, in worker processes),
decides what is added, changed, merged or removed (:mod:`.provenance`), builds the new index and
spools the rows to store as the documents come (:mod:`.staging`), all off the event loop, then
writes everything in one short SQLite transaction. Whoever serves questions (the service) is told
of each index committed, to swap it in; the ingest child process commits without serving.
"""

from __future__ import annotations

import asyncio
import gc
import os
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from pathlib import Path

from ..chunking import DEFAULT_CHUNKING, ChunkSettings, passages_for
from ..errors import RetrievalError
from ..index.bm25 import DEFAULT_PARAMS, INDEX_FORMAT, BM25Index, BM25Params
from ..models import (
    Document,
    IngestReport,
    ReindexPlan,
    SkippedFile,
    SourceRoot,
    StoredDocument,
)
from ..sources.urls import ARCHIVE_BASE_URL
from ..store import Store, Writer, utc_now
from ..text import TOKENIZER_VERSION
from .pipeline import (
    Found,
    IngestProgress,
    KnownFiles,
    ProgressCallback,
    ReadSource,
    corpus_digest,
    find,
)
from .prepare import Prepared, merge_counts, prepare, word_counts
from .provenance import (
    Ledger,
    Removals,
    absolute,
    emptied_folder,
    is_under,
    merge_roots,
    removals,
    resolved,
)
from .spool import Spool
from .staging import Staging
from .workers import Workers

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
        started_from = (await self.store.meta()).get("build_id")
        with Staging(self.params, await self.store.next_passage_id(), self._folder()) as staging:
            if rechunk:  # every passage is made anew
                for doc_id in await self.store.doc_ids():
                    document = await self.store.load_document(doc_id)
                    if document is not None:
                        await asyncio.to_thread(self._rechunk, staging, document)
            else:
                await asyncio.to_thread(staging.add_stored, self.store.stream_passage_terms())
            await self._commit(staging, started_from, [], rechunk_only=rechunk)

    def _rechunk(self, staging: Staging, document: Document) -> None:
        staging.add(document, passages_for(document, self.chunking), rechunk=True)

    def _folder(self) -> Path:
        """Where an ingest's temporary files go: beside the database (a disk, not memory)."""
        return self.store.path.parent

    async def _commit(
        self,
        staging: Staging,
        started_from: str | None,
        replaced: list[str],
        *,
        words: dict[str, int] | None = None,
        rechunk_only: bool = False,
        bookkeeping: Callable[[Writer], Awaitable[None]] | None = None,
    ) -> None:
        """Build the index of what ``staging`` holds and write it with the staged rows in one
        short transaction, then serve it.

        The long work (reading, tokens in) happened outside any transaction, so questions and
        small writes (saved questions) went on meanwhile; the old index served until now. The
        index's arrays are laid out on another thread while the rows are copied: the worker
        processes are gone by then, so the two share the cores instead of taking turns.
        ``replaced`` are the documents removed or stored anew; ``bookkeeping`` writes, in the
        same transaction, where the documents came from.
        """
        building = asyncio.ensure_future(asyncio.to_thread(staging.finish))
        build_id = uuid.uuid4().hex[:16]
        try:
            async with self.store.transaction() as w:
                if await w.meta_value("build_id") != started_from:
                    raise RetrievalError(
                        "another process changed the index during this ingest; run it again"
                    )
                if not rechunk_only:
                    await w.delete_documents(replaced)
                async for rows in staging.batches():
                    await w.insert_rows(rows)
                if words:
                    await w.adjust_words(words)
                if bookkeeping is not None:
                    await bookkeeping(w)
                index = await building
                blobs = await asyncio.to_thread(index.to_blobs)
                await w.save_blobs(build_id, blobs)
                del blobs
                await w.drop_blobs_except(build_id)
                await w.set_meta(
                    {
                        **self.expected_meta(),
                        "build_id": build_id,
                        "built_at": utc_now(),
                        "corpus_hash": corpus_digest(await w.document_hashes()),
                    }
                )
        except BaseException:
            # The thread cannot be stopped: let the staging go only once it is done with it.
            await asyncio.wait([building])
            if not building.cancelled():
                building.exception()  # retrieved: the error that matters is being raised
            raise
        if self._install is not None:
            await self._install(index, build_id)

    def _read(
        self,
        roots: list[SourceRoot],
        stored: dict[str, StoredDocument],
        known: KnownFiles,
        progress: ProgressCallback,
        staging: Staging,
        rule: Callable[[Ledger, list[SkippedFile], tuple[SourceRoot, ...]], Removals],
    ) -> tuple[Found, Removals, Prepared, bool]:
        """Read the roots, choose the removals by ``rule``, prepare and stage what is stored
        anew; whether anything changed, so that an index is to be built (blocking: for a worker
        thread).

        The stored passages that stay go into the index first (their ids are the lower ones),
        streamed from SQLite a batch at a time.
        """
        with (
            no_cycle_collection(),
            Workers() as workers,
            Spool[ReadSource](self._folder()) as sources,
        ):
            found = find(roots, stored, progress, known, workers, sources)
            # Only a root that gave a document tells which of its documents are gone: an empty
            # folder (a mount point whose disk is not mounted) would remove them all.
            outcome = rule(found.ledger, found.skipped, found.roots)
            replaced = set(found.changed_ids()) | {r.doc_id for r in outcome.removed}
            if replaced:  # else the index stays as it is: no passage is read
                staging.add_stored(self.store.stream_passage_terms(excluding=replaced))
            prepared = prepare(found, self.chunking, progress, workers, staging)
        return found, outcome, prepared, bool(replaced)

    async def reindex_plan(
        self, configured: Iterable[str | Path], base_url: str = ARCHIVE_BASE_URL
    ) -> ReindexPlan:
        """What a reindex of ``configured`` reads: the recorded roots that exist (each with the
        base URL it was ingested with), then the configured sources they do not cover."""
        recorded = await self.store.source_roots()
        present = [r for r in recorded if os.path.exists(r.path)]
        # A root whose folder above is empty now is out of reach (a disk not mounted), not gone:
        # it is not read, and its documents stay (see removals).
        gone = tuple(
            r for r in recorded if not os.path.exists(r.path) and emptied_folder(r.path) is None
        )
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
        started_from = (await self.store.meta()).get("build_id")
        next_id = await self.store.next_passage_id()
        rule = partial(removals, stored, read=roots, prune=prune, exact=exact, gone=gone)
        with Staging(self.params, next_id, self._folder()) as staging:
            found, outcome, prepared, rebuilt = await asyncio.to_thread(
                self._read, roots, stored, known, progress, staging, rule
            )
            added = [d for d in found.changed_ids() if d not in stored]
            changed = [d for d in found.changed_ids() if d in stored]
            unchanged = sorted(found.seen - set(added) - set(changed))
            moved = {d: s for d, s in found.ledger.moved.items() if d in unchanged}
            recorded = [SourceRoot(resolved(r.path), r.base_url) for r in found.roots]
            # Tens of thousands of records compared: off the event loop.
            records, forgotten = await asyncio.to_thread(
                lambda: (found.new_records(), found.forgotten(roots))
            )

            async def bookkeeping(w: Writer) -> None:
                roots_now = await w.source_roots()
                kept = [r for r in roots_now if not any(is_under(r.path, g.path) for g in gone)]
                new_roots = merge_roots(kept, recorded)
                if new_roots != roots_now:
                    await w.replace_source_roots(new_roots)
                if moved:
                    await w.set_sources(moved)
                await w.save_file_records(records, forgotten)
                await w.add_boilerplate_texts(prepared.boilerplate_texts)

            removed_ids = [r.doc_id for r in outcome.removed]
            if rebuilt:
                progress(
                    IngestProgress("indexing", found.files, prepared.documents, prepared.passages)
                )
                replaced = sorted(set(found.changed_ids()) | set(removed_ids))
                old = [await self.store.load_document(d) for d in replaced if d in stored]
                # Surface-word counts for spelling suggestions: minus the old texts, plus the new.
                words = await asyncio.to_thread(
                    lambda: merge_counts(
                        word_counts((d for d in old if d is not None), sign=-1), prepared.words
                    )
                )
                del old
                await self._commit(
                    staging,
                    started_from,
                    replaced,
                    words=words,
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
            skipped=tuple(found.skipped),
            boilerplate_dropped=prepared.boilerplate,
            boilerplate_paragraphs=prepared.repeated,
            passages=prepared.passages,
            notes=prepared.notes,
            seconds=time.monotonic() - began,
            merged=tuple(found.ledger.merged),
            removals=tuple(outcome.removed),
            roots=tuple(roots),
            roots_gone=gone,
            unpruned=tuple(outcome.unpruned),
            kept_unreadable=tuple(outcome.kept),
        )


@contextmanager
def no_cycle_collection() -> Iterator[None]:
    """The cyclic garbage collector off meanwhile (process-wide), then one collection.

    An ingest keeps millions of objects alive (passages' terms waiting for the index, word
    counts, rows) and makes no cycles; reference counting frees them. The collector would
    traverse them all again and again: ~3 s of a 10,000-page first ingest. Cycles that other
    threads make meanwhile (questions being answered) wait for the collection at the end.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
            gc.collect()
