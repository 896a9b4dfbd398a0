"""Quote choice inside a passage: its sentences, what a quote should hold, and the 1-3
consecutive sentences of each paragraph that best answer a question.

Pure functions over a passage's text; :mod:`retrieval.answer` turns the chosen spans into quotes.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from math import fsum, inf
from operator import attrgetter

from .expect import Asks, Notable, asks, from_opening, holds_answer
from .models import Paragraph
from .query import ParsedQuestion, contains_phrase, initials
from .text import Token, sentence_spans, stem, terms, tokenize, words

MAX_SENTENCES = 3
# Quote choice: a term of the document's title or path counts this share of its weight; a span
# holding what the question asks for (a date for "when"...) gains this much; each sentence past
# the first costs this much (shares of the question's whole weight).
LABEL_SHARE = 0.3
ANSWER_BONUS = 0.35
SENTENCE_COST = 0.03
# A quote that opens on a word pointing back ("That means...") or ends announcing what follows
# ("...these reasons:") leans on a sentence it leaves out: it loses this much.
DANGLING = 0.1
_LEANS_BACK = re.compile(
    r"[\"“‘'(\[]*(?:"
    # "This is...", "That means...", "Those were...": a pronoun standing for what came before
    # ("This cell's work...", "This month..." name their subject and stand alone).
    r"(?:this|that|these|those)(?=\s+(?:is|was|are|were|means?|meant|shows?|showed|has|had|"
    r"will|would|can|could|does|did|explains?|makes?|made)\b|\s*[,.;:])"
    r"|such|thus|therefore|hence|however|but|and|yet|instead|another|the other"
    r"|one (?:is|was)|the (?:first|second|other) (?:is|was))\b",
    re.IGNORECASE,
)
# Lines without a sentence's closing punctuation (a record label, a book's imprint, a short
# label line like "IRTR It's Right to Rebel: Internet discussion forum") are no prose.
LABEL_WORDS = 6
_PROSE_END = re.compile(r"[.!?][\"”’')\]]*(?:\s?[(\[]\d{1,3}[)\]])?\s*$")
_CLOSERS = "\"”’')]"
_LEANS_ON = re.compile(r"(?::|\b(?:following|as follows)[.:]?)[\"”’')\]]*\s*$", re.IGNORECASE)
# A sentence opening a list ("One is that...", "First, ...", "(1) ...") answers the sentence
# before it ("...two negative aspects of the report."): a quote ending right before it leans on it.
_ITEM = re.compile(
    r"[\"“‘'(\[]*(?:one (?:is|was|of them)|first(?:ly)?\b|the first\b|\(?1[.)]|\(?a[.)]\s)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class QuoteSpan:
    """The chosen sentences: ``[start, end)`` in document offsets, within one paragraph."""

    start: int
    end: int
    paragraph: Paragraph
    value: float
    matched: frozenset[str]


def paragraphs_within(
    paragraphs: list[Paragraph], lo: int, hi: int
) -> Iterator[tuple[Paragraph, int, int]]:
    """(paragraph, start, end) of the part of each paragraph inside ``[lo, hi)`` (document
    offsets; ``paragraphs`` in reading order), found by bisection: a document's paragraphs
    are read for each of its passages."""
    for paragraph in paragraphs[bisect_right(paragraphs, lo, key=_END) :]:
        if paragraph.start >= hi:
            break
        a, b = max(paragraph.start, lo), min(paragraph.end, hi)
        if a < b:
            yield paragraph, a, b


_END = attrgetter("end")


def sentences_of(
    text: str, base: int, paragraphs: list[Paragraph], lo: int, hi: int
) -> Iterator[tuple[Paragraph, int, int]]:
    """(paragraph, start, end) of each sentence of the passage ``[lo, hi)`` (document offsets)."""
    for paragraph, a, b in paragraphs_within(paragraphs, lo, hi):
        for s, e in _sentence_spans(text, a - base, b - base, a > paragraph.start):
            yield paragraph, s + base, e + base


@lru_cache(maxsize=4096)
def _sentence_spans(
    text: str, start: int, end: int, cut: bool = False
) -> tuple[tuple[int, int], ...]:
    """:func:`sentence_spans` of a passage, kept: a passage is split again for each quote
    choice that reads it (its document's quotes, its opening lines) and for each question.
    ``cut``: the passage starts inside the paragraph."""
    return tuple(sentence_spans(text, start, end, cut))


@dataclass(frozen=True)
class Wants:
    """What a quote should hold for one question: term weights and the kind of answer."""

    weights: Mapping[str, float]
    asks: Asks | None
    question_words: frozenset[str]
    from_opening: bool = False
    notable: Notable | None = None
    initials: Mapping[str, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def of(
        cls, question: ParsedQuestion, weights: Mapping[str, float], notable: Notable | None = None
    ) -> Wants:
        """The wants of ``question`` with its term ``weights``."""
        kind = asks(question.text)
        words_asked = frozenset(words(question.text))
        return cls(
            weights,
            kind,
            words_asked,
            from_opening(question.text, kind),
            notable,
            initials(question.text),
        )

    def _notable_beside(self, labels: frozenset[str]) -> Notable:
        """Names worth answering with in a span whose page and heading are named by ``labels``:
        not the page's own name ("IRTR" on the IRTR page answers no "who")."""
        notable = self.notable
        return lambda word: stem(word) not in labels and (notable is None or notable(word))

    @cached_property
    def _total(self) -> float:
        return sum(self.weights.values()) or 1.0

    def coverage(self, matched: frozenset[str], labels: frozenset[str]) -> float:
        """The share of the question's weight ``matched`` covers (terms that name the document,
        ``labels``, count ``LABEL_SHARE``: they found the page, not the answer)."""
        covered = fsum(  # exact, so the order of the set's terms cannot break a tie
            self.weights.get(t, 0.0) * (LABEL_SHARE if t in labels else 1.0) for t in matched
        )
        return covered / self._total

    def best_possible(
        self, held: AbstractSet[str], headed: AbstractSet[str], labels: AbstractSet[str]
    ) -> float:
        """A bound on the value of every span of a passage that holds at most the terms
        ``held`` and stands under headings with at most the terms ``headed``.

        Each term counts the most it can count in :meth:`coverage` (a term of ``labels``, or
        one only a heading gives, its ``LABEL_SHARE``), with the same products: the exact sum of
        these shares is no smaller than any span's, and so, rounded, neither is the bound."""
        counted = fsum(
            self.weights.get(t, 0.0) * (LABEL_SHARE if t in labels or t not in held else 1.0)
            for t in held | headed
        )
        return span_value(counted / self._total, self.asks is not None, 0.0, 0)

    def holds(self, text: str, labels: frozenset[str]) -> bool:
        """Whether ``text`` holds what the question asks for (a date for "when"...)."""
        return holds_answer(text, self.asks, self.question_words, self._notable_beside(labels))


def leaning(text: str, announces: bool = False) -> float:
    """``DANGLING`` for each end of a quote that leans on a sentence left out ("Those are the
    reasons...", "...as follows:", or ``announces``: the next sentence opens the list this one
    announces), and for a label line that is no prose."""
    return DANGLING * (
        bool(_LEANS_BACK.match(text))
        + (announces or _announces_more(text))
        + (not _PROSE_END.search(text) and ("\n" in text or len(text.split()) <= LABEL_WORDS))
    )


def _announces_more(text: str) -> bool:
    """Whether ``text`` ends announcing what follows ("...as follows:")."""
    # A match ends where the text ends once stripped of spaces and closing quotes, and is at
    # most "as follows:" long: searching from there finds what searching all of it finds.
    end = len(text.rstrip().rstrip(_CLOSERS))
    return _LEANS_ON.search(text, max(0, end - len("as follows:"))) is not None


def span_value(coverage: float, holds: bool, leans: float, extra: int) -> float:
    """How well a span of ``extra`` + 1 sentences answers: the share of the question's weight it
    covers (:meth:`Wants.coverage`), plus ``ANSWER_BONUS`` when it holds what the question asks
    for, less what it leans on (:func:`leaning`) and ``SENTENCE_COST`` a sentence past the first.

    Rising in ``coverage`` and ``holds``, falling in ``leans``: with ``holds`` true and
    ``leans`` 0 it bounds every span of that coverage, to the last bit."""
    return coverage + (ANSWER_BONUS if holds else 0.0) - leans - SENTENCE_COST * extra


def best_spans(
    text: str,
    base: int,
    paragraphs: list[Paragraph],
    question: ParsedQuestion,
    wants: Wants,
    matched_tokens: list[Token] | None = None,
    labels: frozenset[str] = frozenset(),
    beat: float = -inf,
) -> list[QuoteSpan]:
    """For each paragraph of a passage (``text`` starts at document offset ``base``), the 1-3
    consecutive sentences that best answer (none for a paragraph without a matched term, or
    whose best is worth no more than ``beat``).

    ``matched_tokens`` are the passage's tokens of question terms, if known; ``labels`` the terms
    that name the passage's document."""
    wanted = set(question.terms)
    if matched_tokens is None:
        matched_tokens = tokenize(text, wanted)
    by_start = sorted(matched_tokens, key=attrgetter("start"))
    starts = [t.start for t in by_start]
    sentences = []
    for paragraph, lo, hi in paragraphs_within(paragraphs, base, base + len(text)):
        a, b = lo - base, hi - base
        if bisect_left(starts, a) == bisect_left(starts, b) and not (
            _heading_terms(paragraph.section) & wanted
        ):
            continue  # no span stands here: a span needs a question word, in it or its heading
        for s, e in _sentence_spans(text, a, b, lo > paragraph.start):
            inside = by_start[bisect_left(starts, s) : bisect_left(starts, e)]
            sentences.append((paragraph, s + base, e + base, frozenset(t.term for t in inside)))
    # Whether each sentence opens a list inside its paragraph ("One is that...").
    opens_list = [
        k > 0
        and sentences[k - 1][0] is paragraph
        and _ITEM.match(text[s - base : e - base]) is not None
        for k, (paragraph, s, e, _) in enumerate(sentences)
    ]
    best: dict[int, QuoteSpan] = {}
    for i, (paragraph, start, _, _) in enumerate(sentences):
        # The heading a span stands under says what it is about, as the title does: its words
        # count (as little as the title's) where the span does not say them itself.
        headed = _heading_terms(paragraph.section) & wanted
        number = paragraph.number
        matched: frozenset[str] = frozenset()
        for n in range(MAX_SENTENCES):
            j = i + n
            if j >= len(sentences) or sentences[j][0] is not paragraph:
                break
            matched = matched | sentences[j][3]
            if not matched and not headed:
                continue  # a span needs a question word; it may follow one without
            heading = headed - matched
            # Spans are read in order and a later one takes the place of the best only when
            # it is worth more: the cheap bound first, the text checks only when it could.
            floor = max(best[number].value + 1e-12 if number in best else -inf, beat)
            coverage = wants.coverage(matched | heading, labels | heading)
            if not span_value(coverage, True, 0.0, n) > floor:
                continue
            end = sentences[j][2]
            quoted = text[start - base : end - base]
            if question.phrases:
                quoted_words = words(quoted)
                if not all(contains_phrase(quoted_words, p) for p in question.phrases):
                    continue  # a quoted phrase must be in the quote, not only near it
            leans = leaning(quoted, j + 1 < len(sentences) and opens_list[j + 1])
            if not span_value(coverage, True, leans, n) > floor:
                continue
            value = span_value(coverage, wants.holds(quoted, labels | heading), leans, n)
            if value > floor:
                best[number] = QuoteSpan(start, end, paragraph, value, matched)
    return list(best.values())


def headings_within(paragraphs: list[Paragraph], lo: int, hi: int) -> set[str]:
    """Terms of the headings of the paragraphs that :func:`sentences_of` reads in ``[lo, hi)``."""
    found: set[str] = set()
    for paragraph, _, _ in paragraphs_within(paragraphs, lo, hi):
        found |= _heading_terms(paragraph.section)
    return found


@lru_cache(maxsize=4096)
def _heading_terms(section: str) -> frozenset[str]:
    """Terms of a section heading (few distinct ones, asked for again and again)."""
    return frozenset(terms(section))
