"""Which page each index row belongs to, held in memory beside the index it was built for.

Ranking weighs a passage by its whole page (:func:`retrieval.ranking.page_evidence`), so it must
know each candidate's page and the rows of that page. Reading that from SQLite for every question
cost more than the BM25 search itself; these arrays answer it with no query: about 4 bytes a
passage and 40 bytes (plus its id) a page. Built once per index, swapped in with it.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .index.bm25 import BM25Index

NO_PAGE = -1  # a row whose passage is no longer stored: ranking skips it


@dataclass(frozen=True)
class PageMap:
    """The pages of one index: ``doc_ids[j]`` holds passage ids ``first_ids[j]..last_ids[j]``,
    which are index rows ``row_lo[j]..row_hi[j]-1`` (``lengths[j]`` terms in all);
    ``page_of_row[r]`` is the page of row ``r`` (or ``NO_PAGE``). ``average`` is the mean page
    length over every stored document, as the page scores use it."""

    doc_ids: tuple[str, ...]
    first_ids: np.ndarray
    last_ids: np.ndarray
    row_lo: np.ndarray
    row_hi: np.ndarray
    lengths: np.ndarray
    average: float
    page_of_row: np.ndarray

    @classmethod
    def of(
        cls, index: BM25Index, ranges: Sequence[tuple[str, int, int]], documents: int
    ) -> PageMap:
        """The map of ``index`` from the stored ``(doc_id, first, last)`` passage-id ranges
        (a document's passages are numbered in a row: the indexer numbers them so) and the
        number of stored documents.

        Rows of passages no range covers (removed since the index was built) belong to no page.
        """
        doc_ids = tuple(doc_id for doc_id, _, _ in ranges)
        first = np.fromiter((r[1] for r in ranges), dtype=np.int64, count=len(ranges))
        last = np.fromiter((r[2] for r in ranges), dtype=np.int64, count=len(ranges))
        lo, hi = index.rows_between(first, last)
        lengths = index.range_lengths(lo, hi).astype(np.float64)
        total = float(index.range_lengths(np.array([0]), np.array([index.size]))[0])
        page_of_row = np.full(index.size, NO_PAGE, dtype=np.int32)
        # Ranges are disjoint: each row gets the page whose range it falls in.
        sizes = hi - lo
        pages = np.repeat(np.arange(len(doc_ids), dtype=np.int32), sizes)
        starts = np.repeat(lo - np.cumsum(sizes) + sizes, sizes)
        page_of_row[starts + np.arange(int(sizes.sum()))] = pages
        return cls(
            doc_ids=doc_ids,
            first_ids=first,
            last_ids=last,
            row_lo=lo.astype(np.int64),
            row_hi=hi.astype(np.int64),
            lengths=lengths,
            average=max(total / max(documents, 1), 1.0),
            page_of_row=page_of_row,
        )

    def passage_ranges(self) -> dict[str, tuple[int, int]]:
        """doc_id -> (first, last) passage id of every page."""
        spans = zip(self.first_ids.tolist(), self.last_ids.tolist(), strict=True)
        return dict(zip(self.doc_ids, spans, strict=True))

    def nbytes(self) -> int:
        """Bytes held, the page ids' string objects and the tuple holding them included."""
        arrays = (self.first_ids, self.last_ids, self.row_lo, self.row_hi, self.lengths)
        strings = sum(map(sys.getsizeof, self.doc_ids)) + sys.getsizeof(self.doc_ids)
        return sum(a.nbytes for a in arrays) + self.page_of_row.nbytes + strings
