"""Building a :class:`~retrieval.index.bm25.BM25Index` in chunks, within a bounded amount of memory.

Passages are read a chunk at a time; each chunk's tokens become term ids at once, so no Python object
per token outlives its chunk. A chunk keeps only its (term, row, tf) postings, run-length coded by
term (5-6 bytes a posting); the last step lays them out as one CSR array per column, term by term,
and derives what pruning needs: each term's largest contribution, a one-byte upper bound of every
posting's contribution, and each term's best passages ("champions").
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain, islice
from operator import itemgetter

import numpy as np

# Passages per chunk: big enough that numpy's per-call cost vanishes, small enough that the chunk's
# token list and its sort keys stay in the tens of megabytes.
CHUNK_PASSAGES = 8192
# Each term keeps this many of its best passages, best first: they seed the top-k threshold.
CHAMPIONS = 64
# Postings whose contributions are computed at once when deriving bounds (bounds the float64 temps).
_BLOCK_POSTINGS = 1 << 22
QUANT_LEVELS = 255
# Postings per block of a term's list; each block keeps its largest impact (block-max), so a scan
# for the postings above a level reads one byte per block, then only the blocks that may qualify.
BLOCK = 128
# A term in at least 1 / DENSE_SHARE of the passages also gets a dense array of its impacts (one
# byte per passage) when the index is loaded: at most 4 / 6 of what its list already takes.
DENSE_SHARE = 4
# A dense term also keeps the rows of its highest impacts, best first (5 bytes for each of this
# share of its postings): the passages above a high threshold are read without a scan.
DENSE_TOP_SHARE = 4


@dataclass
class _Chunk:
    terms: np.ndarray  # distinct term ids of the chunk, ascending
    counts: np.ndarray  # postings per term in the chunk
    rows: np.ndarray  # int32, ascending within each term
    tf: np.ndarray


@dataclass(frozen=True)
class BuiltArrays:
    """Every array an index is made of (see :class:`~retrieval.index.bm25.BM25Index`)."""

    terms: list[str]
    idf: np.ndarray
    indptr: np.ndarray
    rows: np.ndarray
    tf: np.ndarray
    impact: np.ndarray
    max_contrib: np.ndarray
    champ_indptr: np.ndarray
    champ_rows: np.ndarray
    block_max: np.ndarray
    doc_len: np.ndarray


class _Vocabulary(dict[str, int]):
    """Term -> id; looking up a term it lacks gives it the next id."""

    def __missing__(self, term: str) -> int:
        tid = self[term] = len(self)
        return tid


class IndexBuilder:
    """Collects tokenized passages chunk by chunk; :meth:`finish` lays out the index arrays."""

    def __init__(self, k1: float, b: float, epsilon: float) -> None:
        self.k1, self.b, self.epsilon = k1, b, epsilon
        self.vocab: dict[str, int] = _Vocabulary()
        self._chunks: list[_Chunk] = []
        self._lengths: list[np.ndarray] = []
        self._df = np.zeros(0, dtype=np.int64)
        self._passages = 0
        self._max_tf = 0

    def add(self, corpus: Iterable[Sequence[str]]) -> None:
        """Add passages (each a sequence of terms), in row order."""
        passages = iter(corpus)
        while batch := list(islice(passages, CHUNK_PASSAGES)):
            self._add_chunk(batch)

    def _add_chunk(self, batch: list[Sequence[str]]) -> None:
        flat = list(chain.from_iterable(batch))
        lengths = np.fromiter(map(len, batch), dtype=np.int64, count=len(batch))
        # One C-level pass maps the chunk's tokens; a new term gets the next id on first sight,
        # which keeps rank-bm25's order of its document-frequency dict (its IDF floor sums the
        # IDFs in that order).
        ids = (
            np.array(itemgetter(*flat)(self.vocab), dtype=np.int64)
            if flat
            else np.zeros(0, np.int64)
        )
        if len(flat) == 1:
            ids = ids.reshape(1)
        del flat
        n = len(batch)
        key = ids * n + np.repeat(np.arange(n, dtype=np.int64), lengths)
        del ids
        self._add_pairs(_sorted(key, len(self.vocab) * n), n, lengths)

    def ids_of(self, terms: Sequence[str]) -> np.ndarray:
        """The ids of ``terms``; those new to the vocabulary are given the next ids in the order
        given (one C-level pass, as in :meth:`add`)."""
        if not terms:
            return np.zeros(0, dtype=np.int64)
        found = itemgetter(*terms)(self.vocab)
        return np.array(found if len(terms) > 1 else (found,), dtype=np.int64)

    def add_term_ids(self, lengths: np.ndarray, ids: np.ndarray) -> None:
        """Add passages, in row order, given as ids from :meth:`ids_of` (concatenated;
        ``lengths`` splits them)."""
        lengths = np.asarray(lengths, dtype=np.int64)
        ids = np.asarray(ids, dtype=np.int64)
        if int(lengths.sum()) != len(ids):
            raise ValueError("lengths do not add up to the number of ids")
        n = len(lengths)
        key = ids * n + np.repeat(np.arange(n, dtype=np.int64), lengths)
        self._add_pairs(_sorted(key, len(self.vocab) * n), n, lengths)

    def add_ids(self, lengths: np.ndarray, ids: np.ndarray, words: Sequence[str]) -> None:
        """Add passages given as term ids into ``words`` (concatenated; ``lengths`` splits them)."""
        lengths = np.asarray(lengths, dtype=np.int64)
        ids = np.asarray(ids, dtype=np.int64)
        if int(lengths.sum()) != len(ids):
            raise ValueError("lengths do not add up to the number of ids")
        # Map the caller's ids to ours, registering words in order of first occurrence.
        first = np.unique(ids, return_index=True)
        local = np.full(len(words), -1, dtype=np.int64)
        for wid in first[0][np.argsort(first[1], kind="stable")].tolist():
            local[wid] = self.vocab.setdefault(words[wid], len(self.vocab))
        mapped = local[ids]
        offsets = np.concatenate([[0], np.cumsum(lengths)])
        for lo in range(0, len(lengths), CHUNK_PASSAGES):
            hi = min(lo + CHUNK_PASSAGES, len(lengths))
            n = hi - lo
            part = mapped[offsets[lo] : offsets[hi]]
            key = part * n + np.repeat(np.arange(n, dtype=np.int64), lengths[lo:hi])
            self._add_pairs(_sorted(key, len(self.vocab) * n), n, lengths[lo:hi])

    def _add_pairs(self, key: np.ndarray, n: int, lengths: np.ndarray) -> None:
        """Record a chunk from its sorted ``term * n + local_row`` keys (one per token)."""
        if len(key):
            starts = np.flatnonzero(np.concatenate([[True], key[1:] != key[:-1]]))
            tf = np.diff(np.append(starts, len(key)))
            pairs = key[starts]
            terms = pairs // n
            rows = (pairs - terms * n + self._passages).astype(np.int32)
            bounds = np.flatnonzero(np.concatenate([[True], terms[1:] != terms[:-1]]))
            chunk_terms = terms[bounds]
            counts = np.diff(np.append(bounds, len(terms)))
            self._max_tf = max(self._max_tf, int(tf.max()))
            tf_dtype = np.uint16 if self._max_tf <= 0xFFFF else np.uint32
            self._chunks.append(
                _Chunk(chunk_terms.astype(np.int32), counts, rows, tf.astype(tf_dtype))
            )
            if len(self._df) < len(self.vocab):
                self._df = np.concatenate(
                    [self._df, np.zeros(len(self.vocab) - len(self._df), np.int64)]
                )
            self._df[chunk_terms] += counts
        self._lengths.append(lengths.astype(np.int32))
        self._passages += n

    def finish(self) -> BuiltArrays:
        """Lay the postings out term by term and derive the pruning bounds."""
        n = self._passages
        doc_len = np.concatenate(self._lengths) if self._lengths else np.zeros(0, np.int32)
        df = np.concatenate([self._df, np.zeros(len(self.vocab) - len(self._df), np.int64)])
        indptr = np.zeros(len(df) + 1, dtype=np.int64)
        np.cumsum(df, out=indptr[1:])
        total = int(indptr[-1])
        rows = np.empty(total, dtype=np.int32)
        tf = np.empty(total, dtype=_tf_dtype(self._max_tf))
        fill = indptr[:-1].copy()
        # Chunks come in row order, so rows stay ascending within each term.
        while self._chunks:
            c = self._chunks.pop(0)
            group = np.repeat(np.cumsum(c.counts) - c.counts, c.counts)
            dest = np.repeat(fill[c.terms], c.counts) + (np.arange(len(c.rows)) - group)
            rows[dest] = c.rows
            tf[dest] = c.tf
            fill[c.terms] += c.counts
            del c, group, dest
        idf = idf_of(df, n, self.epsilon)
        norm = doc_norm(doc_len, self.k1, self.b)
        impact, max_contrib, champ_indptr, champ_rows = _bounds(
            idf, indptr, rows, tf, norm, self.k1
        )
        return BuiltArrays(
            terms=list(self.vocab),
            idf=idf,
            indptr=indptr,
            rows=rows,
            tf=tf,
            impact=impact,
            max_contrib=max_contrib,
            champ_indptr=champ_indptr,
            champ_rows=champ_rows,
            block_max=block_maxima(indptr, impact),
            doc_len=doc_len,
        )


def _sorted(key: np.ndarray, bound: int) -> np.ndarray:
    """``key`` (values from 0 to below ``bound``) in ascending order: sorted as 32-bit numbers
    when they fit, in about 60% of the time 64-bit ones take."""
    if bound > 1 << 32:
        key.sort()
        return key
    return np.sort(key.astype(np.uint32)).astype(np.int64)


def _tf_dtype(max_tf: int) -> type[np.unsignedinteger]:
    if max_tf <= 0xFF:
        return np.uint8
    return np.uint16 if max_tf <= 0xFFFF else np.uint32


def doc_norm(doc_len: np.ndarray, k1: float, b: float) -> np.ndarray:
    """``k1 * (1 - b + b * dl / avgdl)`` per passage, with rank-bm25's operations and dtypes."""
    lengths = doc_len.astype(np.int64)
    avgdl = int(lengths.sum()) / len(lengths) if len(lengths) else 1.0
    return k1 * (1 - b + b * lengths / avgdl)


def contributions(
    idf: float | np.ndarray, tf: np.ndarray, norm: np.ndarray, k1: float
) -> np.ndarray:
    """rank-bm25's per-term score, ``idf * (tf * (k1 + 1) / (tf + norm))``, bit for bit."""
    freq = tf.astype(np.float64)
    scores: np.ndarray = idf * (freq * (k1 + 1) / (freq + norm))
    return scores


def idf_of(df: np.ndarray, n: int, epsilon: float) -> np.ndarray:
    """rank-bm25's IDF: ``log(N - df + 0.5) - log(df + 0.5)``, negatives floored at eps * mean."""
    idf = np.empty(len(df), dtype=np.float64)
    idf_sum = 0.0
    negative: list[int] = []
    for i, freq in enumerate(df.tolist()):  # math.log, summed in rank-bm25's order
        value = math.log(n - freq + 0.5) - math.log(freq + 0.5)
        idf[i] = value
        idf_sum += value
        if value < 0:
            negative.append(i)
    if len(df):
        eps = epsilon * (idf_sum / len(df))
        idf[negative] = eps
    return idf


def _bounds(
    idf: np.ndarray,
    indptr: np.ndarray,
    rows: np.ndarray,
    tf: np.ndarray,
    norm: np.ndarray,
    k1: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per term: the largest contribution and the champions; per posting: a one-byte bound.

    The bound of a posting is ``ceil(255 * contribution / term maximum)``, so ``impact * max / 255``
    is never below the contribution (up to rounding, which the search allows for).
    """
    n_terms = len(idf)
    df = np.diff(indptr)
    impact = np.zeros(len(rows), dtype=np.uint8)
    max_contrib = np.zeros(n_terms, dtype=np.float64)
    champ_count = np.minimum(df, CHAMPIONS)
    champ_indptr = np.zeros(n_terms + 1, dtype=np.int64)
    np.cumsum(champ_count, out=champ_indptr[1:])
    champ_rows = np.empty(int(champ_indptr[-1]), dtype=np.int32)
    t0 = 0
    while t0 < n_terms:
        # A block of whole terms of about _BLOCK_POSTINGS postings (at least one term).
        t1 = int(np.searchsorted(indptr, indptr[t0] + _BLOCK_POSTINGS, side="right")) - 1
        t1 = min(max(t1, t0 + 1), n_terms)
        lo, hi = int(indptr[t0]), int(indptr[t1])
        owner = np.repeat(np.arange(t0, t1), df[t0:t1])
        contrib = contributions(idf[owner], tf[lo:hi], norm[rows[lo:hi]], k1)
        starts = indptr[t0:t1] - lo
        term_max = np.maximum.reduceat(contrib, starts) if hi > lo else np.zeros(0)
        max_contrib[t0:t1] = term_max
        scale = np.where(term_max > 0, QUANT_LEVELS / np.where(term_max > 0, term_max, 1), 0)
        impact[lo:hi] = np.clip(np.ceil(contrib * scale[owner - t0]), 0, QUANT_LEVELS)
        # Terms with at most CHAMPIONS postings keep them all, best first (ties in row order):
        # one stable sort of all their postings, by term then contribution, in C.
        few = df[owner] <= CHAMPIONS
        at = np.flatnonzero(few)
        order = at[np.lexsort((-contrib[at], owner[at]))]
        mine = owner[at]
        champ_rows[champ_indptr[mine] + at - (indptr[mine] - lo)] = rows[lo + order]
        for t in np.flatnonzero(df[t0:t1] > CHAMPIONS) + t0:
            a, z = int(indptr[t]) - lo, int(indptr[t + 1]) - lo
            c = contrib[a:z]
            best = np.argpartition(-c, CHAMPIONS - 1)[:CHAMPIONS]
            best = best[np.argsort(-c[best], kind="stable")]
            champ_rows[champ_indptr[t] : champ_indptr[t + 1]] = rows[lo + a + best]
        t0 = t1
    return impact, max_contrib, champ_indptr, champ_rows


def block_offsets(indptr: np.ndarray) -> np.ndarray:
    """Where each term's blocks start in the block-max array (one block per ``BLOCK`` postings)."""
    blocks = -(-np.diff(indptr) // BLOCK)
    out = np.zeros(len(indptr), dtype=np.int64)
    np.cumsum(blocks, out=out[1:])
    return out


def block_maxima(indptr: np.ndarray, impact: np.ndarray) -> np.ndarray:
    """The largest impact of each block of each term's list."""
    offsets = block_offsets(indptr)
    if offsets[-1] == 0:
        return np.zeros(0, dtype=np.uint8)
    owner = np.repeat(np.arange(len(indptr) - 1), np.diff(offsets))
    starts = indptr[owner] + (np.arange(offsets[-1]) - offsets[owner]) * BLOCK
    return np.maximum.reduceat(impact, starts).astype(np.uint8)


@dataclass(frozen=True)
class DenseTerm:
    """A very common term: its impact bound in every passage, and its best postings by impact."""

    impact: np.ndarray  # per passage, 0 where the term is absent
    top_rows: np.ndarray  # the rows of its 1 / DENSE_TOP_SHARE highest impacts, highest first
    top_impact: np.ndarray  # and those impacts
    at_least: np.ndarray  # at_least[level]: how many of them reach ``level``
    covered: int  # the top postings hold every posting of the term whose impact reaches this

    @property
    def nbytes(self) -> int:
        """Bytes held by the arrays."""
        return sum(a.nbytes for a in (self.impact, self.top_rows, self.top_impact, self.at_least))


def dense_terms(
    indptr: np.ndarray, rows: np.ndarray, impact: np.ndarray, size: int
) -> dict[int, DenseTerm]:
    """The terms in at least ``1 / DENSE_SHARE`` of the ``size`` passages, as :class:`DenseTerm`."""
    out = {}
    for t in np.flatnonzero(np.diff(indptr) * DENSE_SHARE >= max(size, 1)).tolist():
        lo, hi = int(indptr[t]), int(indptr[t + 1])
        dense = np.zeros(size, dtype=np.uint8)
        dense[rows[lo:hi]] = impact[lo:hi]
        # A stable sort of one-byte keys is a radix sort: linear in the postings.
        keep = max(1, (hi - lo) // DENSE_TOP_SHARE)
        order = np.argsort(~impact[lo:hi], kind="stable")[:keep]
        top = impact[lo + order]
        at_least = np.cumsum(np.bincount(top, minlength=QUANT_LEVELS + 2)[::-1])[::-1]
        covered = 0 if keep == hi - lo else int(top[-1]) + 1
        out[t] = DenseTerm(dense, rows[lo + order], top, at_least, covered)
    return out
