"""One question's search, from BM25 to its quotes, on a thread of its own (or in a worker
process: :mod:`retrieval.workers`).

The whole answer runs in one call on that thread (one hop off the event loop and back): the BM25
top candidates, their order by their pages' evidence (pages from the in-memory
:class:`~retrieval.pages.PageMap`), the texts, paragraphs and notes of the few pages that can be
quoted (read on the thread's own blocking SQLite connection, one snapshot), the choice of quotes
(a :class:`~retrieval.quoting.QuoteJob`) and the spelling suggestions for the question's unknown
words.
Searches run one at a time: ranking is Python code that holds the GIL, so a second thread adds
no throughput and only makes the event loop wait longer for its turn. And a call is handed to the
thread only when the one before has returned: with calls queued on the thread it never lets go of
the GIL, and the event loop only gets it back every switch interval (5 ms), several times a loop
iteration (measured with benchmarks/bench_loop.py: stalls of 40-70 ms against 10-25 ms).
"""

from __future__ import annotations

import asyncio
import gc
import re
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import partial
from typing import TypeVar
from weakref import WeakKeyDictionary

import numpy as np

from .answer import Selection
from .errors import QuestionError
from .expect import without_phrasing
from .index.bm25 import BM25Index
from .models import PassageRow, Result
from .pages import NO_PAGE, PageMap
from .query import ParsedQuestion, parse_question, without_stop_word_typos
from .quoting import QuoteJob, quote
from .ranking import (
    Candidate,
    held_terms,
    language_evidence,
    may_hold_pairs,
    notable_names,
    page_evidence,
    phrase_evidence,
    phrase_pairs,
    rank_candidates,
    term_weights,
    terms_held,
)
from .spelling import Speller, edit_distance
from .store import SearchReader, Store

T = TypeVar("T")

# At most this many spelling suggestions a question.
SUGGESTIONS = 5
# How many of a page's first passages are read for its headline, dateline or byline.
OPENING_PASSAGES = 2
# Pages quoted beyond the number of results asked for: one that tells whether more would follow,
# and a few more, as a page may offer no quote.
SPARE_PAGES = 4


@dataclass(frozen=True)
class Search:
    """What to search: the question, its term weights, the index rows it may find (``None``:
    all), how many candidates to rank (``depth``) and how many results it wants (and whether
    more would follow), with at most ``per_document`` from one document before the others have
    had theirs; and the question's words the index does not know (``unknown``), to suggest
    known words for."""

    question: ParsedQuestion
    weights: dict[str, float]
    allowed: np.ndarray | None
    depth: int
    wanted: int
    per_document: int
    unknown: tuple[str, ...] = ()


@dataclass(frozen=True)
class Found:
    """The results of a search, whether more would follow them, and, per document it could
    quote, its note texts (number -> text) and the note numbers it cites or lists; known words
    close to the question's unknown ones; the question as searched when its typos were
    corrected (``corrected``: the words as typed found nothing)."""

    results: list[Result]
    more: bool
    notes: dict[str, dict[int, str]]
    cited: dict[str, list[int]]
    suggestions: tuple[str, ...] = ()
    corrected: str | None = None


@dataclass(frozen=True)
class Searched:
    """A search up to its quotes: what choosing them needs, and the notes of the documents."""

    quoting: QuoteJob
    notes: dict[str, dict[int, str]]
    cited: dict[str, list[int]]

    def found(
        self, selection: Selection, suggestions: tuple[str, ...], corrected: str | None = None
    ) -> Found:
        """The search's :class:`Found` with the quotes chosen and the spelling suggestions."""
        return Found(
            selection.results, selection.more, self.notes, self.cited, suggestions, corrected
        )


class Searcher:
    """Runs calls on one worker thread that owns a blocking read connection to the store (opened
    at the first call, closed by :meth:`close`)."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="search")
        self._reader: SearchReader | None = None
        self._turn = asyncio.Semaphore(1)

    async def run(self, call: Callable[[SearchReader], T]) -> T:
        """``call(reader)`` on the worker thread, after the calls before it have returned."""
        async with self._turn:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._thread, self._call, call)

    def _call(self, call: Callable[[SearchReader], T]) -> T:
        if self._reader is None:
            self._reader = self._store.search_reader()
        return call(self._reader)

    async def close(self) -> None:
        """Close the connection on its thread and end the thread (after the calls queued)."""
        await asyncio.get_running_loop().run_in_executor(self._thread, self._close_reader)
        self._thread.shutdown(wait=False)

    def _close_reader(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None


def load_pages(reader: SearchReader, index: BM25Index) -> PageMap:
    """The page map of ``index`` from the stored documents (blocking)."""
    ranges, documents = reader.page_ranges()
    return PageMap.of(index, ranges, documents)


def search(reader: SearchReader, index: BM25Index, pages: PageMap, job: Search) -> Searched:
    """Rank the BM25 candidates by their pages' evidence, then read the texts only of the pages
    that can be quoted (the best ``wanted`` and a few more): what quoting them needs
    (blocking)."""
    query = job.question.terms
    hits = index.top(query, job.depth, job.allowed)
    _let_others_run()
    rows = np.fromiter((row for row, _ in hits), dtype=np.int64, count=len(hits))
    scores = np.fromiter((score for _, score in hits), dtype=np.float64, count=len(hits))
    page = pages.page_of_row[rows]
    # A passage removed by an ingest that committed after the index was built is skipped.
    kept = page != NO_PAGE
    rows, scores, page = rows[kept], scores[kept], page[kept]
    ids = index.passage_ids[rows]

    evidence = page_evidence(index, query, pages, page)
    column = np.searchsorted(evidence.pages, page)
    held = terms_held(index, query, rows)
    pairs = phrase_pairs(index, query)
    # Only passages holding both terms of a pair can hold it in a row: only theirs are read.
    readable = [int(n) for n in np.flatnonzero(may_hold_pairs(query, pairs, held))]
    texts = reader.passage_terms(int(ids[n]) for n in readable)
    found = phrase_evidence(
        pairs, ((int(page[n]), texts[int(ids[n])]) for n in readable if int(ids[n]) in texts)
    )
    doc_ids = [pages.doc_ids[p] for p in evidence.pages.tolist()]
    asked = language_evidence(job.question.text, doc_ids)
    phrases = np.array([found.get(p, 0.0) for p in evidence.pages.tolist()], dtype=np.float64)
    languages = np.array([1.0 if d in asked else 0.0 for d in doc_ids], dtype=np.float64)
    rank, order = rank_candidates(
        scores, evidence.scores[column], phrases[column], languages[column], ids
    )

    quoted = list(dict.fromkeys(page[order].tolist()))[: job.wanted + SPARE_PAGES]
    quoting_pages = set(quoted)
    chosen = [n for n in order.tolist() if int(page[n]) in quoting_pages]
    # Each page's first passages: its headline, dateline or byline may be the answer.
    opening_ids = [
        int(pages.first_ids[p]) + k
        for p in quoted
        for k in range(OPENING_PASSAGES)
        if pages.first_ids[p] + k <= pages.last_ids[p]
    ]
    material = reader.quote_material(
        {int(ids[n]) for n in chosen} | set(opening_ids), [pages.doc_ids[p] for p in quoted]
    )
    rows_read = material.passages
    page_evidences = {
        p: evidence.evidence(c, query)
        for c, p in enumerate(evidence.pages.tolist())
        if p in quoting_pages
    }
    candidates = [
        Candidate(
            rows_read[int(ids[n])],
            float(scores[n]),
            page_evidences[int(page[n])],
            float(rank[n]),
            held_terms(query, held, n),
        )
        for n in chosen
        if int(ids[n]) in rows_read
    ]
    openings: dict[str, list[PassageRow]] = {}
    for i in opening_ids:
        if i in rows_read:
            openings.setdefault(rows_read[i].doc_id, []).append(rows_read[i])
    # Every note number a document cites or lists, with its text where this copy has one.
    notes = {
        doc_id: {n: material.notes[doc_id].get(n) for n in numbers}
        for doc_id, numbers in material.cited.items()
    }
    quoting = QuoteJob(
        job.question,
        candidates,
        material.paragraphs,
        notes,
        job.weights,
        job.wanted,
        job.per_document,
        openings,
        notable_names(index),
    )
    return Searched(quoting, material.notes, material.cited)


def answer(reader: SearchReader, index: BM25Index, pages: PageMap, job: Search) -> Found:
    """The job's search, its quotes and its spelling suggestions, in one call (blocking).

    When the words as typed find nothing and each word the index does not know has a close
    known one (:func:`corrected`), the corrected question is searched instead, and says so."""
    searched = search(reader, index, pages, job)
    selection = quote(searched.quoting)
    if not selection.results and job.unknown:
        fixed = corrected(reader, index, job)
        if fixed is not None:
            again = search(reader, index, pages, fixed)
            chosen = quote(again.quoting)
            if chosen.results:
                return again.found(chosen, (), fixed.question.text)
    return searched.found(selection, suggestions(reader, index, job.unknown))


def _cased_as(word: str, typed: re.Match[str]) -> str:
    """``word`` in the case the typed word has ("Brezhnve" -> "Brezhnev", "LRS" -> capitals)."""
    if typed.group(0).isupper() and len(typed.group(0)) > 1:
        return word.upper()
    return word[:1].upper() + word[1:] if typed.group(0)[:1].isupper() else word


def corrected(reader: SearchReader, index: BM25Index, job: Search) -> Search | None:
    """The job with each word the index does not know replaced by the known word closest to it
    ("brezhnve" -> "brezhnev"), or ``None`` when one of them has none one edit away that begins
    with the same letter, or when the question has quoted phrases (what must appear is not
    changed). A typo is mostly one slip, seldom of the first letter: "Harry" is no typo of
    "carry", nor "decide" of "decades"; a word that far is more likely one the archive does not
    use, and "not found" is then the honest answer."""
    if job.question.phrases:
        return None
    speller = speller_of(reader, index)
    text = job.question.text
    for word in job.unknown:
        best = speller.suggest(word, 1)
        if not best or best[0][:1] != word[:1] or edit_distance(word, best[0], 1) > 1:
            return None
        pattern = rf"(?<!\w){re.escape(word)}(?!\w)"
        text, replaced = re.subn(pattern, partial(_cased_as, best[0]), text, flags=re.I)
        if not replaced:
            return None  # typed otherwise than it reads normalised (accents): left as typed
    try:
        question = without_phrasing(
            without_stop_word_typos(parse_question(text), index.vocab.__contains__)
        )
    except QuestionError:
        return None
    weights = term_weights(index, question.terms, question.names)
    return replace(job, question=question, weights=weights, unknown=())


# Each index's speller (see speller_of).
_SPELLERS: WeakKeyDictionary[BM25Index, Speller] = WeakKeyDictionary()


def speller_of(reader: SearchReader, index: BM25Index) -> Speller:
    """The speller of the index's vocabulary, built at the first call (blocking)."""
    speller = _SPELLERS.get(index)
    if speller is None:
        speller = _SPELLERS[index] = Speller(reader.words())
        # Its hundreds of thousands of objects live as long as the index: out of the garbage
        # collector's full collections, which would walk them all (instant).
        gc.freeze()
    return speller


def suggestions(reader: SearchReader, index: BM25Index, unknown: Sequence[str]) -> tuple[str, ...]:
    """Known words close to the ``unknown`` ones, at most ``SUGGESTIONS`` (blocking).

    The speller of an index is built at its first unknown word (about a second at 150,000
    words; a worker builds it when it loads the index), here rather than beside the bot's
    event loop: in a thread there it held the loop 15-40 ms (benchmarks/bench_bot.py)."""
    if not unknown:
        return ()
    speller = speller_of(reader, index)
    out: list[str] = []
    for word in unknown:
        out.extend(s for s in speller.suggest(word) if s not in out)
    return tuple(out[:SUGGESTIONS])


def _let_others_run() -> None:
    """Let go of the GIL for a moment. A thread waiting for it (the event loop, woken by a timer
    or a socket) otherwise gets it only after the switch interval (5 ms), and a search holds it
    longer than that. Measured with 250 questions at once beside a 10 ms heartbeat (as
    benchmarks/bench_loop.py does, on a shared 2-core machine): p99 stall 7-13 ms handing it over
    after the BM25 search and before quoting, 18-34 ms without.

    Not in a process of one thread (an answer worker): nobody waits there, and the sleep costs
    75 us (the kernel's timer slack), 2% of an answer."""
    if threading.active_count() > 1:
        time.sleep(0)
