"""BM25 scoring with ``rank_bm25.BM25Okapi``'s exact definition, served from an inverted index.

Per term, its passages' rows (ascending) and term frequencies, in CSR arrays (``indptr``, ``rows``
int32, ``tf`` uint8 unless some term repeats more than 255 times in a passage). A contribution
``idf(t) * (tf * (k1 + 1)) / (tf + k1 * (1 - b + b * dl / avgdl))`` is computed when needed with the
same operations in the same order as rank-bm25, and a query's score is the sum of its terms'
contributions in query order (repeated terms counted each time), so scores equal rank-bm25's bit
for bit. For pruning (:mod:`retrieval.index.topk`) each term also keeps its largest contribution
and its best passages, and each posting a one-byte upper bound of its contribution: about 6 bytes a
posting in all. No file or database access here: the store persists the arrays.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .build import (
    BuiltArrays,
    IndexBuilder,
    block_offsets,
    contributions,
    dense_terms,
    doc_norm,
    idf_of,
)
from .postings import Scratch
from .topk import top_k

INDEX_FORMAT = "2"

_ARRAY_BLOBS = {
    "idf": "<f8",
    "indptr": "<i8",
    "rows": "<i4",
    "impact": "u1",
    "max_contrib": "<f8",
    "champ_indptr": "<i8",
    "champ_rows": "<i4",
    "block_max": "u1",
    "doc_len": "<i4",
    "passage_ids": "<i8",
}
_TF_DTYPES = {1: "u1", 2: "<u2", 4: "<u4"}


@dataclass(frozen=True)
class BM25Params:
    """BM25Okapi's parameters (rank-bm25's defaults)."""

    k1: float = 1.5
    b: float = 0.75
    epsilon: float = 0.25

    def describe(self) -> str:
        """A stable string for the index metadata."""
        return f"k1={self.k1!r},b={self.b!r},epsilon={self.epsilon!r}"


DEFAULT_PARAMS = BM25Params()


class BM25Index:
    """An immutable inverted index: term -> (passage rows, term frequencies), plus pruning bounds."""

    def __init__(self, arrays: BuiltArrays, passage_ids: np.ndarray, params: BM25Params) -> None:
        self.terms = arrays.terms
        self.vocab = {t: i for i, t in enumerate(arrays.terms)}
        self.idf = arrays.idf
        self.indptr = arrays.indptr
        self.rows = arrays.rows
        self.tf = arrays.tf
        self.impact = arrays.impact
        self.max_contrib = arrays.max_contrib
        self.champ_indptr = arrays.champ_indptr
        self.champ_rows = arrays.champ_rows
        self.block_max = arrays.block_max
        self.block_offsets = block_offsets(arrays.indptr)
        self.doc_len = arrays.doc_len
        self.passage_ids = passage_ids
        self.params = params
        self.norm = doc_norm(arrays.doc_len, params.k1, params.b)
        self.dense = dense_terms(arrays.indptr, arrays.rows, arrays.impact, len(passage_ids))
        self.scratch = Scratch(len(passage_ids), arrays.tf.dtype)

    @property
    def size(self) -> int:
        """Number of passages."""
        return int(self.passage_ids.shape[0])

    @classmethod
    def build(
        cls,
        corpus: Iterable[Sequence[str]],
        passage_ids: Sequence[int] | np.ndarray | None = None,
        params: BM25Params = DEFAULT_PARAMS,
    ) -> BM25Index:
        """Index tokenized passages (in row order), a chunk at a time."""
        builder = IndexBuilder(params.k1, params.b, params.epsilon)
        builder.add(corpus)
        return cls.from_builder(builder, passage_ids, params)

    @classmethod
    def from_builder(
        cls,
        builder: IndexBuilder,
        passage_ids: Sequence[int] | np.ndarray | None = None,
        params: BM25Params = DEFAULT_PARAMS,
    ) -> BM25Index:
        """Finish an :class:`~retrieval.index.build.IndexBuilder` fed in batches by the caller."""
        arrays = builder.finish()
        n = len(arrays.doc_len)
        ids = np.arange(n, dtype=np.int64) if passage_ids is None else passage_ids
        ids = np.asarray(ids, dtype=np.int64)
        if ids.shape[0] != n:
            raise ValueError("passage_ids and corpus differ in length")
        return cls(arrays, ids, params)

    def _term_ids(self, query: Sequence[str]) -> list[int]:
        """Ids of the query's known terms, in query order (unknown terms add nothing)."""
        vocab = self.vocab
        return [tid for tid in map(vocab.get, query) if tid is not None]

    def contributions(self, tid: int) -> np.ndarray:
        """Contributions of term ``tid`` to the passages in its list (float64)."""
        lo, hi = self.indptr[tid], self.indptr[tid + 1]
        return contributions(
            self.idf[tid], self.tf[lo:hi], self.norm[self.rows[lo:hi]], self.params.k1
        )

    def dense_scores(self, query: list[int]) -> np.ndarray:
        """Scores of every passage for term ids (query order, repeats counted)."""
        out = np.zeros(self.size, dtype=np.float64)
        for tid in query:
            out[self.rows[self.indptr[tid] : self.indptr[tid + 1]]] += self.contributions(tid)
        return out

    def scores(self, query: Sequence[str]) -> np.ndarray:
        """Dense scores of every passage, equal to ``BM25Okapi.get_scores(query)``."""
        return self.dense_scores(self._term_ids(query))

    def postings(self, term: str) -> np.ndarray:
        """Rows of the passages that contain ``term``."""
        tid = self.vocab.get(term)
        if tid is None:
            return np.zeros(0, dtype=np.int32)
        return self.rows[self.indptr[tid] : self.indptr[tid + 1]]

    def top(
        self, query: Sequence[str], k: int, allowed: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        """The ``k`` best (row, score) pairs with a positive score, best first; ties by row.

        Exact (rank-bm25's scores and order), found without scoring every passage; ``allowed``
        restricts the answer to those rows.
        """
        return top_k(self, self._term_ids(query), k, allowed)

    def rows_between(
        self, first_ids: np.ndarray, last_ids: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Row ranges ``[lo, hi)`` of the passages with ids ``first..last`` (each range in a row)."""
        lo = np.searchsorted(self.passage_ids, first_ids, side="left")
        hi = np.searchsorted(self.passage_ids, last_ids, side="right")
        return lo, hi

    def range_lengths(self, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """Summed passage lengths (in terms) of each row range."""
        prefix = self._length_prefix
        lengths: np.ndarray = prefix[hi] - prefix[lo]
        return lengths

    @cached_property
    def _length_prefix(self) -> np.ndarray:
        return np.concatenate(([0], np.cumsum(self.doc_len, dtype=np.int64)))

    def range_counts(self, terms: Sequence[str], lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """How often each term occurs in each row range: shape ``(len(terms), len(lo))``.

        A term's rows are sorted, so a range's part of its list is found by binary search and
        only the postings inside the ranges are read.
        """
        out = np.zeros((len(terms), len(lo)), dtype=np.float64)
        for i, term in enumerate(terms):
            tid = self.vocab.get(term)
            if tid is None:
                continue
            a, z = self.indptr[tid], self.indptr[tid + 1]
            rows = self.rows[a:z]
            first = np.searchsorted(rows, lo)
            count = np.searchsorted(rows, hi) - first
            total = int(count.sum())
            if not total:
                continue
            owner = np.repeat(np.arange(len(lo)), count)
            positions = np.repeat(first - np.cumsum(count) + count, count) + np.arange(total)
            out[i] = np.bincount(owner, weights=self.tf[a:z][positions], minlength=len(lo))
        return out

    def document_frequency(self, term: str) -> int:
        """In how many passages ``term`` occurs."""
        tid = self.vocab.get(term)
        return 0 if tid is None else int(self.indptr[tid + 1] - self.indptr[tid])

    @property
    def unseen_idf(self) -> float:
        """The IDF a term in no passage would have (rank-bm25's formula with a frequency of 0)."""
        return math.log((self.size + 0.5) / 0.5)

    def term_idf(self, term: str) -> float | None:
        """The term's IDF (after rank-bm25's floor), or ``None`` for an unknown term."""
        tid = self.vocab.get(term)
        return None if tid is None else float(self.idf[tid])

    def nbytes(self) -> int:
        """Bytes held by the arrays (the vocabulary's Python objects are not counted)."""
        arrays = (self.idf, self.indptr, self.rows, self.tf, self.impact, self.max_contrib)
        more = (self.champ_indptr, self.champ_rows, self.block_max, self.block_offsets)
        rest = (self.doc_len, self.passage_ids, self.norm)
        dense = sum(term.nbytes for term in self.dense.values())
        return sum(a.nbytes for a in (*arrays, *more, *rest)) + dense

    # --- persistence -------------------------------------------------------------------------

    def to_blobs(self) -> dict[str, bytes]:
        """The arrays as named byte strings (the store writes them; :meth:`from_blobs` reads them)."""
        blobs = {"terms": "\n".join(self.terms).encode("utf-8")}
        for name, dtype in _ARRAY_BLOBS.items():
            blobs[name] = getattr(self, name).astype(dtype, copy=False).tobytes()
        blobs["tf"] = self.tf.astype(_TF_DTYPES[self.tf.itemsize], copy=False).tobytes()
        return blobs

    @classmethod
    def from_blobs(cls, blobs: Mapping[str, bytes | memoryview], params: BM25Params) -> BM25Index:
        """Rebuild an index saved with :meth:`to_blobs` (raises ``ValueError`` if inconsistent).

        The arrays are views of the buffers, not copies: buffers of a memory-mapped file work too.
        """
        raw_terms = bytes(blobs["terms"]).decode("utf-8")
        terms = raw_terms.split("\n") if raw_terms else []
        a = {name: np.frombuffer(blobs[name], dtype=dtype) for name, dtype in _ARRAY_BLOBS.items()}
        n_rows = len(a["rows"])
        tf_size = len(blobs["tf"]) // n_rows if n_rows else 1
        if tf_size not in _TF_DTYPES:
            raise ValueError("index arrays are inconsistent")
        tf = np.frombuffer(blobs["tf"], dtype=_TF_DTYPES[tf_size])
        if (
            len(a["idf"]) != len(terms)
            or len(a["indptr"]) != len(terms) + 1
            or int(a["indptr"][-1]) != n_rows
            or len(tf) != n_rows
            or len(a["impact"]) != n_rows
            or len(a["max_contrib"]) != len(terms)
            or len(a["champ_indptr"]) != len(terms) + 1
            or int(a["champ_indptr"][-1]) != len(a["champ_rows"])
            or len(a["block_max"]) != int(block_offsets(a["indptr"])[-1])
            or len(a["doc_len"]) != len(a["passage_ids"])
        ):
            raise ValueError("index arrays are inconsistent")
        arrays = BuiltArrays(
            terms=terms,
            idf=a["idf"],
            indptr=a["indptr"],
            rows=a["rows"],
            tf=tf,
            impact=a["impact"],
            max_contrib=a["max_contrib"],
            champ_indptr=a["champ_indptr"],
            champ_rows=a["champ_rows"],
            block_max=a["block_max"],
            doc_len=a["doc_len"],
        )
        return cls(arrays, a["passage_ids"], params)


__all__ = ["DEFAULT_PARAMS", "INDEX_FORMAT", "BM25Index", "BM25Params", "IndexBuilder", "idf_of"]
