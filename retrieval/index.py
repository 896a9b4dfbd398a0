"""BM25 scoring with ``rank_bm25.BM25Okapi``'s exact definition, served from an inverted index.

Each (term, passage) pair stores its precomputed contribution
``idf(t) * (tf * (k1 + 1)) / (tf + k1 * (1 - b + b * dl / avgdl))`` in float64, computed with the same
operations in the same order as rank-bm25, so a query's scores (the sum of its terms' contributions
in query order, repeated terms counted each time) equal rank-bm25's bit for bit. A query touches only
the postings of its own terms. No file or database access here: the store persists the arrays.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

INDEX_FORMAT = "1"


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
    """An immutable inverted index: term -> (passage rows, contributions)."""

    def __init__(
        self,
        *,
        terms: list[str],
        idf: np.ndarray,
        indptr: np.ndarray,
        rows: np.ndarray,
        contrib: np.ndarray,
        doc_len: np.ndarray,
        passage_ids: np.ndarray,
        params: BM25Params,
    ) -> None:
        self.terms = terms
        self.vocab = {t: i for i, t in enumerate(terms)}
        self.idf = idf
        self.indptr = indptr
        self.rows = rows
        self.contrib = contrib
        self.doc_len = doc_len
        self.passage_ids = passage_ids
        self.params = params

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
        """Index tokenized passages (in row order)."""
        vocab: dict[str, int] = {}
        term_ids: list[np.ndarray] = []
        freqs: list[np.ndarray] = []
        lengths: list[int] = []
        for tokens in corpus:
            counts = Counter(tokens)  # insertion order = first occurrence, as rank-bm25's dicts
            ids = np.fromiter(
                (vocab.setdefault(t, len(vocab)) for t in counts), dtype=np.int64, count=len(counts)
            )
            term_ids.append(ids)
            freqs.append(np.fromiter(counts.values(), dtype=np.int64, count=len(counts)))
            lengths.append(len(tokens))
        n = len(lengths)
        doc_len = np.asarray(lengths, dtype=np.int64)
        if passage_ids is None:
            passage_ids = np.arange(n, dtype=np.int64)
        passage_ids = np.asarray(passage_ids, dtype=np.int64)
        if passage_ids.shape[0] != n:
            raise ValueError("passage_ids and corpus differ in length")
        all_terms = np.concatenate(term_ids) if term_ids else np.zeros(0, np.int64)
        all_tf = np.concatenate(freqs) if freqs else np.zeros(0, np.int64)
        all_rows = np.repeat(np.arange(n, dtype=np.int64), [len(t) for t in term_ids])
        order = np.argsort(all_terms, kind="stable")  # rows stay ascending within a term
        sorted_terms = all_terms[order]
        rows = all_rows[order]
        tf = all_tf[order]
        df = np.bincount(sorted_terms, minlength=len(vocab))
        indptr = np.zeros(len(vocab) + 1, dtype=np.int64)
        np.cumsum(df, out=indptr[1:])

        idf = _idf(df, n, params.epsilon)
        avgdl = int(doc_len.sum()) / n if n else 1.0
        k1, b = params.k1, params.b
        # Same expression, operand order and dtypes as rank_bm25.BM25Okapi.get_scores.
        norm = k1 * (1 - b + b * doc_len / avgdl)
        contrib = idf[sorted_terms] * (tf * (k1 + 1) / (tf + norm[rows]))
        return cls(
            terms=list(vocab),
            idf=idf,
            indptr=indptr,
            rows=rows.astype(np.int32),
            contrib=contrib,
            doc_len=doc_len.astype(np.int32),
            passage_ids=passage_ids,
            params=params,
        )

    def scores(self, query: Sequence[str]) -> np.ndarray:
        """Dense scores of every passage, equal to ``BM25Okapi.get_scores(query)``."""
        out = np.zeros(self.size, dtype=np.float64)
        for term in query:
            tid = self.vocab.get(term)
            if tid is None:
                continue
            lo, hi = self.indptr[tid], self.indptr[tid + 1]
            out[self.rows[lo:hi]] += self.contrib[lo:hi]
        return out

    def postings(self, term: str) -> np.ndarray:
        """Rows of the passages that contain ``term``."""
        tid = self.vocab.get(term)
        if tid is None:
            return np.zeros(0, dtype=np.int32)
        return self.rows[self.indptr[tid] : self.indptr[tid + 1]]

    def top(
        self, query: Sequence[str], k: int, allowed: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        """The ``k`` best (row, score) pairs with a positive score, best first; ties by row."""
        scores = self.scores(query)
        if allowed is not None:
            keep = np.zeros(self.size, dtype=bool)
            keep[allowed] = True
            scores = np.where(keep, scores, 0.0)
        candidates = np.flatnonzero(scores > 0)
        if candidates.size == 0 or k <= 0:
            return []
        if candidates.size > k:
            part = np.argpartition(-scores[candidates], k - 1)[:k]
            candidates = candidates[part]
        order = np.lexsort((candidates, -scores[candidates]))
        return [(int(candidates[i]), float(scores[candidates[i]])) for i in order]

    def document_frequency(self, term: str) -> int:
        """In how many passages ``term`` occurs."""
        tid = self.vocab.get(term)
        return 0 if tid is None else int(self.indptr[tid + 1] - self.indptr[tid])

    def term_idf(self, term: str) -> float | None:
        """The term's IDF (after rank-bm25's floor), or ``None`` for an unknown term."""
        tid = self.vocab.get(term)
        return None if tid is None else float(self.idf[tid])

    # --- persistence -------------------------------------------------------------------------

    def to_blobs(self) -> dict[str, bytes]:
        """The arrays as named byte strings (the store writes them; :meth:`from_blobs` reads them)."""
        return {
            "terms": "\n".join(self.terms).encode("utf-8"),
            "idf": self.idf.astype("<f8").tobytes(),
            "indptr": self.indptr.astype("<i8").tobytes(),
            "rows": self.rows.astype("<i4").tobytes(),
            "contrib": self.contrib.astype("<f8").tobytes(),
            "doc_len": self.doc_len.astype("<i4").tobytes(),
            "passage_ids": self.passage_ids.astype("<i8").tobytes(),
        }

    @classmethod
    def from_blobs(cls, blobs: dict[str, bytes], params: BM25Params) -> BM25Index:
        """Rebuild an index saved with :meth:`to_blobs` (raises ``ValueError`` if inconsistent)."""
        raw_terms = blobs["terms"].decode("utf-8")
        terms = raw_terms.split("\n") if raw_terms else []
        index = cls(
            terms=terms,
            idf=np.frombuffer(blobs["idf"], dtype="<f8"),
            indptr=np.frombuffer(blobs["indptr"], dtype="<i8"),
            rows=np.frombuffer(blobs["rows"], dtype="<i4"),
            contrib=np.frombuffer(blobs["contrib"], dtype="<f8"),
            doc_len=np.frombuffer(blobs["doc_len"], dtype="<i4"),
            passage_ids=np.frombuffer(blobs["passage_ids"], dtype="<i8"),
            params=params,
        )
        if (
            len(index.idf) != len(terms)
            or len(index.indptr) != len(terms) + 1
            or int(index.indptr[-1]) != len(index.rows)
            or len(index.contrib) != len(index.rows)
            or len(index.doc_len) != len(index.passage_ids)
        ):
            raise ValueError("index arrays are inconsistent")
        return index


def _idf(df: np.ndarray, n: int, epsilon: float) -> np.ndarray:
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
