"""BM25 candidates -> their order and the evidence for "not found": whole-page scores fused with
passage scores, and how much of the question a page holds.

A passage is found by its own BM25 score, but the page around it is better evidence of whether it
is the right document: on the dev set, ranking passages by their page's BM25 (computed from the
same index over the page's passages) fused with their own score finds the gold page first more
often than either alone. Pure functions over a :class:`~retrieval.index.bm25.BM25Index`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from math import fsum

import numpy as np

from .index.bm25 import BM25Index
from .languages import languages_asked, written_in
from .models import PassageRow
from .text import stem

# Weight of the page's relative BM25 score in a passage's rank; the rest is the passage's own.
PAGE_SHARE = 0.7
# Weight of the page's phrase evidence (the question's word pairs it has in a row) on top.
PHRASE_SHARE = 1.0
# Bonus of a page in the language a question asks about ("the Czech title of..."), which shares
# few words with the English question (measured on the dev set: 0.3-0.6 alike; more puts pages
# that hold too little of the question first, and they are "not found").
LANGUAGE_SHARE = 0.5
# A common term still carries at least this share of the question's rarest term's weight.
COMMON_TERM_FLOOR = 0.3
# An unknown question word weighs this many times the IDF an unseen term would have: a name more
# than an ordinary word (measured on the dev set: benchmarks/bench_quality.py --sweep).
UNKNOWN_NAME = 1.5
UNKNOWN_WORD = 1.0
# A name in this share of all passages or more says nothing as an answer to "who".
NAME_COMMONNESS = 0.5


@dataclass(frozen=True)
class PageEvidence:
    """A page's BM25 score for the question and the question terms it contains."""

    score: float
    terms: frozenset[str]


@dataclass(frozen=True)
class Candidate:
    """A passage with its BM25 score, its page's evidence, its rank score (higher first) and the
    question terms it holds (title and section words included, as indexed)."""

    passage: PassageRow
    score: float
    page: PageEvidence
    rank: float
    terms: frozenset[str] = frozenset()


def page_evidence(
    index: BM25Index,
    query: Sequence[str],
    passage_ranges: Mapping[str, tuple[int, int]],
    documents: int,
) -> dict[str, PageEvidence]:
    """BM25 of whole pages (``doc_id -> (first, last)`` passage ids), rank-bm25's formula.

    A page's term counts and length are the sums over its passages; the IDF is the passages' own
    (the same one the passage scores use), and the average page length is over ``documents``.
    """
    doc_ids = list(passage_ranges)
    if not doc_ids or not query:
        return {d: PageEvidence(0.0, frozenset()) for d in doc_ids}
    first = np.array([passage_ranges[d][0] for d in doc_ids], dtype=np.int64)
    last = np.array([passage_ranges[d][1] for d in doc_ids], dtype=np.int64)
    lo, hi = index.rows_between(first, last)
    lengths = index.range_lengths(lo, hi).astype(np.float64)
    average = float(index.range_lengths(np.array([0]), np.array([index.size]))[0])
    average = max(average / max(documents, 1), 1.0)
    counts = index.range_counts(query, lo, hi)
    idf = np.array([index.term_idf(t) or 0.0 for t in query], dtype=np.float64)
    k1, b = index.params.k1, index.params.b
    norm = k1 * (1 - b + b * lengths / average)
    scores = (idf[:, None] * (counts * (k1 + 1)) / (counts + norm[None, :])).sum(axis=0)
    present = counts > 0
    return {
        doc_id: PageEvidence(
            float(scores[j]), frozenset(t for i, t in enumerate(query) if present[i, j])
        )
        for j, doc_id in enumerate(doc_ids)
    }


def passage_terms(
    index: BM25Index, query: Sequence[str], rows: Sequence[int]
) -> list[frozenset[str]]:
    """The question terms each passage (index row) holds."""
    lo = np.asarray(rows, dtype=np.int64)
    present = index.range_counts(query, lo, lo + 1) > 0
    return [frozenset(t for i, t in enumerate(query) if present[i, j]) for j in range(len(lo))]


def phrase_evidence(
    index: BM25Index, query: Sequence[str], candidates: Sequence[tuple[PassageRow, float]]
) -> dict[str, float]:
    """How much of the question's phrasing each page holds word for word: the share of the
    weight of the question's adjacent term pairs ("mass line", "Socialist Workers") that one of
    the page's candidate passages has in a row (a pair weighs its rarer term's IDF).

    Unigram BM25 cannot tell "the mass line" from "mass" and "line" far apart; measured on the
    dev set, whole-page BM25 over words and word pairs finds the gold page first 0.92 of the
    time against 0.88 over words alone.
    """
    pairs = {
        f" {a} {b} ": max(index.term_idf(a) or 0.0, index.term_idf(b) or 0.0)
        for a, b in pairwise(query)
        if a != b
    }
    total = sum(pairs.values())
    if total <= 0:
        return {}
    held: dict[str, set[str]] = {}
    for passage, _ in candidates:
        text = f" {passage.terms} "
        held.setdefault(passage.doc_id, set()).update(p for p in pairs if p in text)
    return {doc_id: fsum(pairs[p] for p in found) / total for doc_id, found in held.items()}


def language_evidence(
    question: str, candidates: Sequence[tuple[PassageRow, float]]
) -> dict[str, float]:
    """1 for the pages in the language the question asks about ("the German word for..."),
    none when it asks about no language."""
    asked = languages_asked(question)
    if not asked:
        return {}
    return {p.doc_id: 1.0 for p, _ in candidates if written_in(p.doc_id, asked)}


def rank_candidates(
    candidates: Sequence[tuple[PassageRow, float]],
    pages: Mapping[str, PageEvidence],
    terms: Sequence[frozenset[str]] | None = None,
    phrases: Mapping[str, float] | None = None,
    languages: Mapping[str, float] | None = None,
) -> list[Candidate]:
    """Candidates ordered by ``PAGE_SHARE`` of the page's relative score plus the rest of the
    passage's own relative score, plus ``PHRASE_SHARE`` of the page's phrase evidence and
    ``LANGUAGE_SHARE`` of its language evidence (ties: higher passage score, then reading
    order)."""
    phrases = phrases or {}
    languages = languages or {}
    if not candidates:
        return []
    top_passage = max(score for _, score in candidates) or 1.0
    top_page = max((pages[p.doc_id].score for p, _ in candidates), default=0.0) or 1.0
    ranked = [
        Candidate(
            passage,
            score,
            pages[passage.doc_id],
            PAGE_SHARE * pages[passage.doc_id].score / top_page
            + (1 - PAGE_SHARE) * score / top_passage
            + PHRASE_SHARE * phrases.get(passage.doc_id, 0.0)
            + LANGUAGE_SHARE * languages.get(passage.doc_id, 0.0),
            terms[i] if terms is not None else frozenset(),
        )
        for i, (passage, score) in enumerate(candidates)
    ]
    ranked.sort(key=lambda c: (-c.rank, -c.score, c.passage.passage_id))
    return ranked


def term_weights(
    index: BM25Index, query: Sequence[str], names: Sequence[tuple[str, ...]] = ()
) -> dict[str, float]:
    """How much each distinct question term counts as evidence.

    Known terms weigh their IDF, but at least ``COMMON_TERM_FLOOR`` of the question's rarest known
    term (rank-bm25 floors very common terms near zero, yet they still carry meaning). A term the
    index does not know weighs the IDF a term seen in no passage would have, times
    ``UNKNOWN_NAME`` when it is part of a name the question writes (``Harry Potter``: the archive
    does not speak of it) or ``UNKNOWN_WORD`` for an ordinary word the archive may say otherwise
    ("bigger", "everything"). An unknown part of a name whose other part is known (``Kwame
    Nkrumah``) weighs nothing: the name is found.
    """
    idf = {t: index.term_idf(t) for t in dict.fromkeys(query)}
    known = [v for v in idf.values() if v is not None]
    floor = COMMON_TERM_FLOOR * max(known) if known else 0.0
    unseen = index.unseen_idf
    missing_names = {t for name in names if all(idf.get(u) is None for u in name) for t in name}
    weights: dict[str, float] = {}
    for term, value in idf.items():
        if value is not None:
            weights[term] = max(value, floor, 1e-6)
        elif term in missing_names:
            weights[term] = UNKNOWN_NAME * unseen
        elif any(term in name for name in names):
            weights[term] = 0.0
        else:
            weights[term] = UNKNOWN_WORD * unseen
    return weights


def support(terms: frozenset[str], weights: Mapping[str, float]) -> float:
    """Share of the question's term weight that ``terms`` cover (0..1)."""
    total = sum(weights.values())
    # fsum is exact: the same terms give the same share whatever order the set yields them in.
    return fsum(weights.get(t, 0.0) for t in terms) / total if total > 0 else 0.0


def notable_names(index: BM25Index) -> Callable[[str], bool]:
    """Whether a normalised word is a name worth answering with: one the index does not hold in
    ``NAME_COMMONNESS`` of its passages or more (the movement's own name answers no "who")."""
    limit = NAME_COMMONNESS * index.size

    def notable(word: str) -> bool:
        return index.document_frequency(stem(word)) < limit

    return notable
