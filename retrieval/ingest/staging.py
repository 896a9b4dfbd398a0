"""Documents on their way to the store: numbered, added to the index being built, and spooled to a
temporary file as table rows until the commit writes them.

An ingest prepares documents one at a time (in worker processes); each is given its passage ids
(above every id used, in reading order), its passages' terms go into the :class:`IndexBuilder`
(after those of the stored passages that stay), and its rows go to disk a batch at a time. So an
ingest holds the index being built, not every document it read, and the write transaction at the
end only copies rows.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable, Sequence
from pathlib import Path

import numpy as np

from ..index.bm25 import BM25Index, BM25Params
from ..index.build import CHUNK_PASSAGES, IndexBuilder
from ..models import Document, Passage
from ..store import Rows, utc_now
from .spool import Spool

# Documents per batch of rows: one batch is read back and written at a time (a few megabytes).
BATCH_DOCUMENTS = 64


class Staging:
    """The new index and the rows of the documents an ingest stores, built as they come."""

    def __init__(self, params: BM25Params, next_id: int, folder: Path | None = None) -> None:
        self.params = params
        self.passages = 0
        self._next_id = next_id
        self._builder = IndexBuilder(params.k1, params.b, params.epsilon)
        self._ids: list[np.ndarray] = []
        self._terms: list[Sequence[str]] = []
        self._term_ids: list[int] = []
        self._spool: Spool[Rows] = Spool(folder)
        self._places: list[tuple[int, int]] = []
        self._rows = Rows()
        self._ingested_at = utc_now()

    def add_stored(self, batches: Iterable[list[tuple[int, str]]]) -> None:
        """The stored passages that stay (id, space-joined terms), in id order: before any new."""
        for batch in batches:
            self._ids.append(np.fromiter((r[0] for r in batch), dtype=np.int64, count=len(batch)))
            self._builder.add(r[1].split() for r in batch)

    def add(self, document: Document, passages: list[Passage], *, rechunk: bool = False) -> None:
        """A new or changed document (with ``rechunk``, only its passages are new)."""
        ids = range(self._next_id, self._next_id + len(passages))
        numbered = list(zip(ids, passages, strict=True))
        self._next_id += len(passages)
        self.passages += len(passages)
        for passage_id, passage in numbered:
            self._term_ids.append(passage_id)
            self._terms.append(passage.terms)
        if len(self._terms) >= CHUNK_PASSAGES:
            self._index_pending()
        if rechunk:
            self._rows.replace_passages(document.doc_id, numbered)
        else:
            self._rows.add_document(document, numbered, self._ingested_at)
        if len(self._rows) >= BATCH_DOCUMENTS:
            self._spool_pending()

    def _index_pending(self) -> None:
        if self._terms:
            self._ids.append(np.array(self._term_ids, dtype=np.int64))
            self._builder.add(self._terms)
            self._terms, self._term_ids = [], []

    def _spool_pending(self) -> None:
        if len(self._rows):
            self._places.append(self._spool.append(self._rows))
            self._rows = Rows()

    def finish(self) -> BM25Index:
        """The index of every passage added (blocking: for a worker thread)."""
        self._index_pending()
        self._spool_pending()
        ids = np.concatenate(self._ids) if self._ids else np.zeros(0, dtype=np.int64)
        builder, self._ids = self._builder, []
        # Let the builder's vocabulary and per-chunk arrays go once the index is made, before
        # the commit copies the index's arrays into blobs (hundreds of megabytes at once).
        self._builder = IndexBuilder(self.params.k1, self.params.b, self.params.epsilon)
        return BM25Index.from_builder(builder, ids, self.params)

    async def batches(self) -> AsyncIterator[Rows]:
        """The spooled rows, a batch at a time, in the order added (read off the event loop)."""
        for place in self._places:
            yield await asyncio.to_thread(self._spool.read, place)

    def close(self) -> None:
        """Delete the spooled rows."""
        self._spool.close()

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
