"""BM25 candidates -> their order and the evidence for "not found": whole-page scores fused with
passage scores, and how much of the question a page holds.

A passage is found by its own BM25 score, but the page around it is better evidence of whether it
is the right document: on the dev set, ranking passages by their page's BM25 (computed from the
same index over the page's passages) fused with their own score finds the gold page first more
often than either alone. Pure functions over a :class:`~retrieval.index.bm25.BM25Index`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from math import fsum
from weakref import WeakKeyDictionary

import numpy as np

from .index.bm25 import BM25Index
from .languages import languages_asked, written_in
from .models import PassageRow
from .pages import PageMap
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
# A name is found in the archive by a part of at least this many letters (see term_weights).
NAME_PART_CHARS = 3
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


@dataclass(frozen=True)
class PageScores:
    """The BM25 score of each of some pages (``pages``: their numbers in a
    :class:`~retrieval.pages.PageMap`, ascending) and which question terms each holds
    (``present[i, j]``: term ``i`` in page ``j``)."""

    pages: np.ndarray
    scores: np.ndarray
    present: np.ndarray

    def evidence(self, column: int, query: Sequence[str]) -> PageEvidence:
        """The evidence of the page in ``column``."""
        return PageEvidence(float(self.scores[column]), _held(query, self.present[:, column]))


def page_evidence(
    index: BM25Index, query: Sequence[str], page_map: PageMap, pages: np.ndarray
) -> PageScores:
    """BM25 of whole pages (the distinct ones of ``pages``), rank-bm25's formula.

    A page's term counts and length are the sums over its passages; the IDF is the passages' own
    (the same one the passage scores use), and the average page length is over all documents.
    """
    numbers = np.unique(pages)
    if not len(numbers) or not query:
        empty = np.zeros((len(query), len(numbers)), dtype=bool)
        return PageScores(numbers, np.zeros(len(numbers)), empty)
    lo, hi = page_map.row_lo[numbers], page_map.row_hi[numbers]
    lengths = page_map.lengths[numbers]
    counts = index.range_counts(query, lo, hi)
    idf = np.array([index.term_idf(t) or 0.0 for t in query], dtype=np.float64)
    k1, b = index.params.k1, index.params.b
    norm = k1 * (1 - b + b * lengths / page_map.average)
    scores = (idf[:, None] * (counts * (k1 + 1)) / (counts + norm[None, :])).sum(axis=0)
    return PageScores(numbers, scores, counts > 0)


def terms_held(index: BM25Index, query: Sequence[str], rows: np.ndarray) -> np.ndarray:
    """Which question terms each passage (index row) holds: ``held[i, n]``, term ``i`` in
    ``rows[n]``."""
    held = np.zeros((len(query), len(rows)), dtype=bool)
    for i, term in enumerate(query):
        postings = index.postings(term)
        if len(postings):
            at = np.minimum(np.searchsorted(postings, rows), len(postings) - 1)
            held[i] = postings[at] == rows
    return held


def held_terms(query: Sequence[str], held: np.ndarray, n: int) -> frozenset[str]:
    """The question terms passage ``n`` of :func:`terms_held` holds."""
    return _held(query, held[:, n])


def _held(query: Sequence[str], column: np.ndarray) -> frozenset[str]:
    return frozenset(t for t, present in zip(query, column.tolist(), strict=True) if present)


def phrase_pairs(index: BM25Index, query: Sequence[str]) -> dict[tuple[str, str], float]:
    """The question's adjacent term pairs ("mass line", "Socialist Workers"), each weighing its
    rarer term's IDF."""
    return {
        (a, b): max(index.term_idf(a) or 0.0, index.term_idf(b) or 0.0)
        for a, b in pairwise(query)
        if a != b
    }


def may_hold_pairs(
    query: Sequence[str], pairs: Mapping[tuple[str, str], float], held: np.ndarray
) -> np.ndarray:
    """Which passages of :func:`terms_held` hold both terms of some pair (only those can have
    one in a row: the rest need not be read)."""
    row_of = {t: i for i, t in enumerate(query)}
    out = np.zeros(held.shape[1], dtype=bool)
    for a, b in pairs:
        out |= held[row_of[a]] & held[row_of[b]]
    return out


def phrase_evidence(
    pairs: Mapping[tuple[str, str], float], passages: Iterable[tuple[int, str]]
) -> dict[int, float]:
    """How much of the question's phrasing each page holds word for word: the share of the
    weight of ``pairs`` (:func:`phrase_pairs`) that one of the page's candidate passages
    (``(page, space-joined terms)``) has in a row.

    Unigram BM25 cannot tell "the mass line" from "mass" and "line" far apart; measured on the
    dev set, whole-page BM25 over words and word pairs finds the gold page first 0.92 of the
    time against 0.88 over words alone.
    """
    total = sum(pairs.values())
    if total <= 0:
        return {}
    spelled = {f" {a} {b} ": (a, b) for a, b in pairs}
    held: dict[int, set[tuple[str, str]]] = {}
    for page, terms in passages:
        text = f" {terms} "
        held.setdefault(page, set()).update(p for s, p in spelled.items() if s in text)
    return {page: fsum(pairs[p] for p in found) / total for page, found in held.items()}


def language_evidence(question: str, doc_ids: Iterable[str]) -> frozenset[str]:
    """Those of ``doc_ids`` in the language the question asks about ("the German word
    for..."), none when it asks about no language."""
    asked = languages_asked(question)
    if not asked:
        return frozenset()
    return frozenset(d for d in doc_ids if written_in(d, asked))


def rank_candidates(
    scores: np.ndarray,
    pages: np.ndarray,
    phrases: np.ndarray,
    languages: np.ndarray,
    passage_ids: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Each candidate's rank score and the candidates' order, best first.

    The rank is ``PAGE_SHARE`` of its page's relative score plus the rest of its own relative
    score, plus ``PHRASE_SHARE`` of its page's phrase evidence and ``LANGUAGE_SHARE`` of its
    language evidence (per candidate: ``scores``, ``pages``, ``phrases``, ``languages``); ties go
    to the higher passage score, then to reading order (``passage_ids``).
    """
    if not len(scores):
        return np.zeros(0), np.zeros(0, dtype=np.int64)
    top_passage = float(scores.max()) or 1.0
    top_page = float(pages.max()) or 1.0
    rank = (
        PAGE_SHARE * pages / top_page
        + (1 - PAGE_SHARE) * scores / top_passage
        + PHRASE_SHARE * phrases
        + LANGUAGE_SHARE * languages
    )
    return rank, np.lexsort((passage_ids, -scores, -rank))


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
    Nkrumah``) weighs nothing: the name is found; a known part of one or two letters finds no
    name ("un" of ``Kim Jong-un``).
    """
    idf = {t: index.term_idf(t) for t in dict.fromkeys(query)}
    known = [v for v in idf.values() if v is not None]
    floor = COMMON_TERM_FLOOR * max(known) if known else 0.0
    unseen = index.unseen_idf
    missing_names = {t for name in names if not _found_name(name, idf) for t in name}
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


def _found_name(name: tuple[str, ...], idf: Mapping[str, float | None]) -> bool:
    """Whether the archive knows a name: one of its parts of ``NAME_PART_CHARS`` or more.
    A shorter part is as likely another language's word ("un" of "Kim Jong-un" is French)."""
    return any(idf.get(part) is not None and len(part) >= NAME_PART_CHARS for part in name)


def support(terms: frozenset[str], weights: Mapping[str, float]) -> float:
    """Share of the question's term weight that ``terms`` cover (0..1)."""
    total = sum(weights.values())
    # fsum is exact: the same terms give the same share whatever order the set yields them in.
    return fsum(weights.get(t, 0.0) for t in terms) / total if total > 0 else 0.0


@dataclass(frozen=True)
class NotableNames:
    """Whether a normalised word is a name worth answering with: one whose term is not among
    the ``common`` ones (a plain value, so that quoting can run in another process)."""

    common: frozenset[str]

    def __call__(self, word: str) -> bool:
        return stem(word) not in self.common


_NOTABLE: WeakKeyDictionary[BM25Index, NotableNames] = WeakKeyDictionary()


def notable_names(index: BM25Index) -> NotableNames:
    """The names worth answering with: those the index does not hold in ``NAME_COMMONNESS`` of
    its passages or more (the movement's own name answers no "who"). Kept per index."""
    notable = _NOTABLE.get(index)
    if notable is None:
        frequent = np.flatnonzero(np.diff(index.indptr) >= NAME_COMMONNESS * index.size)
        notable = NotableNames(frozenset(str(index.terms[i]) for i in frequent.tolist()))
        _NOTABLE[index] = notable
    return notable
