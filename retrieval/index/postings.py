"""What the pruned top-k reads of an index, and reading a term's postings at chosen rows.

A term's frequency (or impact bound) at a few rows is found by binary search in its list; at
many rows, by spreading its list over a per-thread scratch array and reading the rows there,
which costs a pass over the list instead of a search per row. A very common term's impacts are
read from a dense array (one entry per passage, built when the index is loaded), so that
bounding its contribution to any candidates costs no more than reading them. Scores are
computed as rank-bm25 does, bit for bit.
"""

from __future__ import annotations

import threading
from typing import Protocol

import numpy as np

from .build import DenseTerm, contributions

# Spread a list over the scratch array rather than search it when it is at most this many times
# longer than the rows looked up (a binary search costs a few dozen passes over a posting).
_SPREAD_RATIO = 16


class _K1(Protocol):
    @property
    def k1(self) -> float: ...


class Postings(Protocol):
    """What top-k reads of an index (:class:`~retrieval.index.bm25.BM25Index` has it all); named
    here so that this package's search does not import the index type that calls it."""

    idf: np.ndarray
    indptr: np.ndarray
    rows: np.ndarray
    tf: np.ndarray
    impact: np.ndarray
    max_contrib: np.ndarray
    champ_indptr: np.ndarray
    champ_rows: np.ndarray
    block_max: np.ndarray
    block_offsets: np.ndarray
    dense: dict[int, DenseTerm]
    norm: np.ndarray
    scratch: Scratch

    @property
    def size(self) -> int: ...

    @property
    def params(self) -> _K1: ...

    def dense_scores(self, query: list[int]) -> np.ndarray: ...


class Scratch(threading.local):
    """Per-thread work arrays of one index, all zero (False) between uses."""

    def __init__(self, size: int, tf_dtype: np.dtype) -> None:
        # Written once here so that the pages are mapped now, not page-faulted in mid-query.
        self.acc = np.empty(size, dtype=np.float32)
        self.acc.fill(0.0)
        self.mark = np.empty(size, dtype=bool)
        self.mark.fill(False)
        self.spread = np.empty(size, dtype=tf_dtype)  # holds impacts (one byte) too
        self.spread.fill(0)


def _postings_at(index: Postings, t: int, rows: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``values`` (``index.tf`` or ``index.impact``) of term ``t`` at ``rows`` (distinct; 0
    where the term is absent)."""
    lo, hi = int(index.indptr[t]), int(index.indptr[t + 1])
    if hi - lo <= _SPREAD_RATIO * len(rows):
        spread, own = index.scratch.spread, index.rows[lo:hi]
        spread[own] = values[lo:hi]
        try:
            found: np.ndarray = spread[rows]
            return found
        finally:  # a value left behind would be read by a later lookup of another term
            spread[own] = 0
    pos = lo + np.searchsorted(index.rows[lo:hi], rows)
    np.minimum(pos, hi - 1, out=pos)
    return np.where(index.rows[pos] == rows, values[pos], 0)


def impacts_at(index: Postings, t: int, rows: np.ndarray) -> np.ndarray:
    """The impact bounds of term ``t`` at ``rows`` (distinct; 0 where it is absent)."""
    dense = index.dense.get(t)
    if dense is not None:
        found: np.ndarray = dense.impact[rows]
        return found
    return _postings_at(index, t, rows, index.impact)


def exact_scores(
    index: Postings, rows: np.ndarray, query: list[int], uniq: list[int]
) -> np.ndarray:
    """rank-bm25's scores of ``rows`` (distinct): terms added in query order, bit for bit."""
    out = np.zeros(len(rows), dtype=np.float64)
    if len(rows) == 0:
        return out
    norm = index.norm[rows]
    # rank-bm25's expression, operand for operand: idf * (tf * (k1 + 1) / (tf + norm)).
    k1 = index.params.k1
    per_term = {
        t: contributions(index.idf[t], _postings_at(index, t, rows, index.tf), norm, k1)
        for t in uniq
    }
    for t in query:
        out += per_term[t]
    return out
