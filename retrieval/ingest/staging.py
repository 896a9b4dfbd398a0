"""Documents on their way to the store: numbered, added to the index being built, and spooled to a
temporary file as table rows until the commit writes them.

An ingest prepares documents a few at a time (in worker processes), each with its rows made and
its terms numbered (:class:`StagedDocuments`); here, in reading order, each is given its passage
ids (above every id used), its passages' terms go into the :class:`IndexBuilder` (after those of
the stored passages that stay), and its rows go to disk a batch at a time. So an
ingest holds the index being built, not every document it read, and the write transaction at the
end only copies rows.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from itertools import chain
from operator import itemgetter
from pathlib import Path

import numpy as np

from ..index.bm25 import BM25Index, BM25Params
from ..index.build import CHUNK_PASSAGES, IndexBuilder
from ..models import Document, Passage
from ..store import DocumentRows, Rows, utc_now
from .spool import Spool

# Documents per batch of rows: one batch is read back and written at a time (a few megabytes).
BATCH_DOCUMENTS = 64


@dataclass(frozen=True)
class StagedDocuments:
    """Documents as staging takes them, in reading order: their rows, and their passages' terms
    as positions in one list of the distinct terms of them all (numbers pickle, and map to the
    index's ids, in a few C calls; every passage's term strings would be unpickled and looked up
    one by one)."""

    rows: list[DocumentRows]
    counts: list[int]  # passages per document
    terms: list[str]  # the passages' distinct terms, in order of first occurrence
    term_ids: np.ndarray  # every passage's terms in turn, as positions in ``terms``
    lengths: np.ndarray  # terms per passage, every passage in turn

    @classmethod
    def of(
        cls, documents: Iterable[tuple[Document, list[Passage]]], ingested_at: str
    ) -> StagedDocuments:
        """Made where the documents are prepared (in a worker process for big ingests)."""
        rows: list[DocumentRows] = []
        counts: list[int] = []
        passages: list[Passage] = []
        for document, its_passages in documents:
            rows.append(DocumentRows.of(document, its_passages, ingested_at))
            counts.append(len(its_passages))
            passages += its_passages
        every = list(chain.from_iterable(p.terms for p in passages))
        distinct = dict.fromkeys(every)  # first occurrences, in order
        position = dict(zip(distinct, range(len(distinct)), strict=True))
        ids = itemgetter(*every)(position) if len(every) > 1 else [position[t] for t in every]
        return cls(
            rows,
            counts,
            list(distinct),
            np.array(ids, dtype=np.uint16 if len(distinct) <= 1 << 16 else np.int32),
            np.fromiter(map(len, (p.terms for p in passages)), np.int32, len(passages)),
        )


class Staging:
    """The new index and the rows of the documents an ingest stores, built as they come."""

    def __init__(self, params: BM25Params, next_id: int, folder: Path | None = None) -> None:
        self.params = params
        self.passages = 0
        self._next_id = next_id
        self._builder = IndexBuilder(params.k1, params.b, params.epsilon)
        self._ids: list[np.ndarray] = []  # the passage ids, in the order indexed
        # Passages staged, not yet indexed: their terms' ids and lengths, as they came.
        self._term_ids: list[np.ndarray] = []
        self._lengths: list[np.ndarray] = []
        self._pending = 0
        self._spool: Spool[Rows] = Spool(folder)
        self._places: list[tuple[int, int]] = []
        self._rows = Rows()
        self.ingested_at = utc_now()

    def add_stored(self, batches: Iterable[list[tuple[int, str]]]) -> None:
        """The stored passages that stay (id, space-joined terms), in id order: before any new."""
        self._index_pending()
        for batch in batches:
            self._ids.append(np.fromiter((r[0] for r in batch), dtype=np.int64, count=len(batch)))
            self._builder.add(r[1].split() for r in batch)

    def add(self, document: Document, passages: list[Passage], *, rechunk: bool = False) -> None:
        """A new or changed document (with ``rechunk``, only its passages are new)."""
        staged = StagedDocuments.of([(document, passages)], self.ingested_at)
        self.add_documents(staged, rechunk=rechunk)

    def add_documents(self, staged: StagedDocuments, *, rechunk: bool = False) -> None:
        """Documents made by :meth:`StagedDocuments.of` (with this staging's
        :attr:`ingested_at`), in reading order."""
        first = self._next_id
        count = len(staged.lengths)
        self._next_id += count
        self.passages += count
        # The terms get the index's ids here, in reading order: a term new to the vocabulary is
        # numbered as if the passages' terms were added one by one.
        self._term_ids.append(self._builder.ids_of(staged.terms)[staged.term_ids])
        self._lengths.append(staged.lengths)
        self._pending += count
        if count:
            self._ids.append(np.arange(first, first + count, dtype=np.int64))
        if self._pending >= CHUNK_PASSAGES:
            self._index_pending()
        for rows, passages in zip(staged.rows, staged.counts, strict=True):
            ids = range(first, first + passages)
            first += passages
            if rechunk:
                self._rows.replace_passages(rows, ids)
            else:
                self._rows.add(rows, ids)
            if len(self._rows) >= BATCH_DOCUMENTS:
                self._spool_pending()

    def _index_pending(self) -> None:
        if self._pending:
            self._builder.add_term_ids(
                np.concatenate(self._lengths), np.concatenate(self._term_ids)
            )
            self._term_ids, self._lengths, self._pending = [], [], 0

    def _spool_pending(self) -> None:
        if len(self._rows):
            self._places.append(self._spool.append(self._rows))
            self._rows = Rows()

    def finish(self) -> BM25Index:
        """The index of every passage added (blocking: for a worker thread; it leaves the rows
        alone, so :meth:`batches` may be read meanwhile)."""
        self._index_pending()
        ids = np.concatenate(self._ids) if self._ids else np.zeros(0, dtype=np.int64)
        builder, self._ids = self._builder, []
        # Let the builder's vocabulary and per-chunk arrays go once the index is made, before
        # the commit copies the index's arrays into blobs (hundreds of megabytes at once).
        self._builder = IndexBuilder(self.params.k1, self.params.b, self.params.epsilon)
        return BM25Index.from_builder(builder, ids, self.params)

    async def batches(self) -> AsyncIterator[Rows]:
        """The rows, a batch at a time, in the order added (read off the event loop)."""
        self._spool_pending()
        for place in self._places:
            yield await asyncio.to_thread(self._spool.read, place)

    def close(self) -> None:
        """Delete the spooled rows."""
        self._spool.close()

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
