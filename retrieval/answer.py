"""Passages -> an answer: verbatim quotes of the best sentences, highlights, citations and notes.

Pure functions: the service fetches the passages and hands them here. A quote is always a slice of
the source text; when it must be shortened it is cut at word boundaries and the cut is shown with
``…`` (the pieces on either side are still verbatim).
"""

from __future__ import annotations

import string
from bisect import bisect_left
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import lru_cache, partial
from math import inf

from .chunking import label_terms
from .expect import Notable, opening_answer
from .links import text_fragment_link
from .markers import MARKER
from .models import Citation, NoteRef, Paragraph, PassageRow, Result
from .query import ParsedQuestion, contains_phrase
from .ranking import Candidate, support
from .spans import QuoteSpan, Wants, best_spans, headings_within, sentences_of
from .text import Token, terms, tokenize, words
from .wording import ELLIPSIS, cut_here

# The best page must hold at least this share of the question's term weight to be an answer.
EVIDENCE_THRESHOLD = 0.25
MAX_QUOTE_CHARS = 600
# How many of a document's best passages are quoted to choose its quotes from.
QUOTED_PER_DOCUMENT = 4
# A dateline or byline is looked for in this many opening paragraphs of a page.
OPENING_PARAGRAPHS = 3
# A question is about a page itself when this share of its weight is on the page's title words.
ABOUT_PAGE = 0.6
_PAGE_NEUTRAL = frozenset(
    terms("date dated day month year come out publish issue appear written write release print")
)


def _cut_points(text: str, limit: int, centre: int) -> tuple[int, int]:
    """A window of at most ``limit`` characters around ``centre``, moved to word boundaries."""
    start = max(0, min(centre - limit // 2, len(text) - limit))
    end = min(len(text), start + limit)
    while start > 0 and not text[start - 1].isspace():
        start += 1
    while end < len(text) and not text[end].isspace():
        end -= 1
    return start, end


def render_quote(
    source: str, terms: frozenset[str], limit: int = MAX_QUOTE_CHARS
) -> tuple[str, tuple[tuple[int, int], ...]]:
    """The quote text (verbatim, or cut with ``…``) and the spans of its matched words."""
    tokens = tokenize(source, terms)
    prefix = ""
    start, end = 0, len(source)
    if len(source) > limit:
        # Centre the window on the densest stretch of matched words.
        centre = len(source) // 2
        if tokens:
            starts = [t.start for t in tokens]  # in reading order
            best_count = -1
            for start in starts:
                count = bisect_left(starts, start + limit // 2) - bisect_left(starts, start)
                if count > best_count:
                    best_count, centre = count, start + limit // 4
        # Room for a "…" before and a " …" after.
        start, end = _cut_points(source, limit - 3, centre)
        prefix = ELLIPSIS if start > 0 else ""
    body = source[start:end].strip()
    lead = source[start:end].find(body)
    offset = start + lead
    quote = prefix + (cut_here(body) if end < len(source) else body)
    highlights = tuple(
        (t.start - offset + len(prefix), t.end - offset + len(prefix))
        for t in tokens
        if t.start >= offset and t.end <= offset + len(body)
    )
    return quote, highlights


def notes_in(quote: str, notes: Mapping[int, str | None]) -> tuple[NoteRef, ...]:
    """The footnotes cited inside a quote, in order, with their text when this copy has it.

    ``notes``: every note number the quote's document cites or lists, with its text or ``None``.
    A number it does not hold is no note: a list's "(2)" (:func:`retrieval.markers.list_items`),
    which the quote alone cannot tell from a marker."""
    numbers = dict.fromkeys(int(m.group(1) or m.group(2)) for m in MARKER.finditer(quote))
    return tuple(NoteRef(n, notes[n]) for n in numbers if n in notes)


def make_result(
    *,
    doc_id: str,
    title: str,
    url: str | None,
    span: QuoteSpan,
    source: str,
    score: float,
    notes: Mapping[int, str | None],
) -> Result:
    """A result from a chosen span (``source`` is the span's text)."""
    quote, highlights = render_quote(source, span.matched)
    citation = Citation(
        doc_id=doc_id,
        title=title,
        section=span.paragraph.section,
        paragraphs=(span.paragraph.number,),
        url=url,
        link=text_fragment_link(url, quote),
    )
    return Result(quote, highlights, citation, score, notes_in(quote, notes))


def has_phrases(passage: PassageRow, question: ParsedQuestion) -> bool:
    """Whether every quoted phrase of the question occurs in the passage."""
    passage_words = words(passage.text)
    return all(contains_phrase(passage_words, phrase) for phrase in question.phrases)


def _without_phrases_in_title(question: ParsedQuestion, title: str) -> ParsedQuestion:
    """``question`` without the quoted phrases the document's title holds: a user quotes a
    title ('in "Note from the Chair", what...') and the page's text need not repeat it."""
    title_words = words(title)
    kept = tuple(p for p in question.phrases if not contains_phrase(title_words, p))
    return question if len(kept) == len(question.phrases) else replace(question, phrases=kept)


@lru_cache(maxsize=4096)
def _labels(title: str, doc_id: str) -> frozenset[str]:
    """Terms that name a document (asked for again and again while answering)."""
    return frozenset(label_terms(title, None, doc_id))


@dataclass(frozen=True)
class Selection:
    """The results chosen, and whether more would follow them (a next page)."""

    results: list[Result]
    more: bool


def select_results(
    question: ParsedQuestion,
    candidates: list[Candidate],
    paragraphs: Mapping[str, list[Paragraph]],
    notes: Mapping[str, Mapping[int, str | None]],
    weights: Mapping[str, float],
    wanted: int,
    per_document: int,
    openings: Mapping[str, list[PassageRow]] | None = None,
    notable: Notable | None = None,
) -> Selection:
    """Quote the ranked candidates and keep the best ``wanted`` results, or none at all.

    None when the best candidate's page holds less than ``EVIDENCE_THRESHOLD`` of the question's
    term weight ("not found"). Documents keep the order of their best candidate; inside a
    document, its candidates' quotes are ordered by how well they answer (:class:`Wants`).
    Candidates without a question word in their text, or without a quoted phrase, are passed
    over; overlapping quotes are skipped. ``per_document`` spreads the results: more quotes from
    one document only fill places that no other document's quote takes. ``notes``: per document,
    every note number it cites or lists, with its text or ``None`` (:func:`notes_in`).
    ``openings`` are the
    documents' first passages (in reading order): a "when" or "who wrote" question whose best quote lacks a date or
    name is answered from the page's dateline or byline there. ``notable`` tells which names
    are worth answering a "who" question with (see :func:`retrieval.expect.holds_answer`).
    """
    if not candidates or evidence(candidates, weights) < EVIDENCE_THRESHOLD:
        return Selection([], False)
    wants = Wants.of(question, weights, notable)
    by_document: dict[str, list[Candidate]] = {}
    for candidate in candidates:
        by_document.setdefault(candidate.passage.doc_id, []).append(candidate)
    quote_all = partial(_quote_documents, question, by_document, paragraphs, wants, openings or {})
    # With one quote a document in the first round, a full first round shows only each
    # document's best quote: the others are looked for only when it is not full (one quote
    # past the results, whether more would follow, included).
    rounds = quote_all(wanted, per_document, best_only=per_document == 1)
    if per_document == 1 and len(rounds[0]) <= wanted:
        rounds = quote_all(wanted, per_document, best_only=False)
    chosen = [quote for slot in rounds for quote in slot]
    results = [
        make_result(
            doc_id=c.passage.doc_id,
            title=c.passage.title,
            url=c.passage.url,
            span=span,
            source=c.passage.text[span.start - c.passage.start : span.end - c.passage.start],
            score=c.score,
            notes=notes.get(c.passage.doc_id, {}),
        )
        for c, span in chosen[:wanted]
    ]
    return Selection(results, len(chosen) > wanted)


def _quote_documents(
    question: ParsedQuestion,
    by_document: Mapping[str, list[Candidate]],
    paragraphs: Mapping[str, list[Paragraph]],
    wants: Wants,
    openings: Mapping[str, list[PassageRow]],
    wanted: int,
    per_document: int,
    best_only: bool,
) -> list[list[tuple[Candidate, QuoteSpan]]]:
    """The documents' quotes in rounds: each document's first ``per_document`` quotes in the
    first, its next one in each next round; documents are quoted until the first round holds
    ``wanted`` + 1. With ``best_only``, each document offers only its best quote, and past the
    first ``wanted`` a document is only asked whether it offers one (which one does not matter:
    it only tells that more results follow)."""
    rounds: list[list[tuple[Candidate, QuoteSpan]]] = [[]]
    said: set[str] = set()  # the quotes' words, to show a sentence that two pages print once
    for doc_candidates in by_document.values():
        best = doc_candidates[0]
        quoted = doc_candidates[:QUOTED_PER_DOCUMENT]
        opening = openings.get(best.passage.doc_id, [])
        seen = {c.passage.passage_id for c in quoted}
        # A page's opening (its headline, its first lines) is quoted from as well.
        quoted += [
            Candidate(row, best.score, best.page, best.rank)
            for row in opening
            if row.passage_id not in seen
        ]
        subject = _named_in_opening(question, opening, paragraphs.get(best.passage.doc_id, []))
        # Past the first ``wanted``, whether a document offers a quote is enough, unless its
        # best one may repeat one said before: then only its best tells (as on the next page).
        any_quote = (
            best_only
            and len(rounds[0]) >= wanted
            and not _may_repeat(said, quoted, paragraphs.get(best.passage.doc_id, []))
        )
        quotes = _document_quotes(
            question, quoted, paragraphs, wants, subject, best_only, any_quote
        )
        if wants.from_opening and opening:
            quotes = _with_opening(quotes, best, opening, paragraphs, wants)
        if not quotes and opening:
            quotes = _page_opening(best, opening, paragraphs, wants)
        for i, quote in enumerate(quotes):
            if not _said_first(_quoted(*quote), said):
                continue  # and the document's next quote keeps its later place
            slot = 0 if i < per_document else 1 + i - per_document
            while len(rounds) <= slot:
                rounds.append([])
            rounds[slot].append(quote)
        if len(rounds[0]) > wanted:
            break  # enough documents for a full page of first quotes, and one to tell of more
    return rounds


def _said_first(quote: str, said: set[str]) -> bool:
    """Whether no quote before said ``quote`` (in the same words, whatever the spacing, case or
    punctuation: a reprint hard-wraps "Marxism-Leninism" as "Marxism- Leninism"): a reprint or a
    masthead prints the same sentence on many pages, and an answer shows it once. Adds it to
    ``said``."""
    words = _letters(quote)
    if words in said:
        return False
    said.add(words)
    return True


def _may_repeat(said: set[str], rows: list[Candidate], doc_paragraphs: list[Paragraph]) -> bool:
    """Whether a quote of these passages, or a heading of their document, could be one of
    ``said`` (in :func:`_said_first`'s words: a quote's are a stretch of its passage's)."""
    if not said:
        return False
    texts = [c.passage.text for c in rows] + [p.section for p in doc_paragraphs]
    words = [_letters(text) for text in texts]
    return any(quote in text for quote in said for text in words)


# Punctuation a reprint writes otherwise (ASCII, curly quotes, dashes, ellipses, bullets).
_PUNCTUATION = str.maketrans("", "", string.punctuation + "‘’“”‚„–—…«»·•")


def _letters(text: str) -> str:
    """``text`` without its spaces and punctuation, case-folded: what :func:`_said_first`
    compares (a translation table and a split, in C: a regex took 0.14 ms an answer)."""
    return "".join(text.translate(_PUNCTUATION).split()).casefold()


def evidence(candidates: list[Candidate], weights: Mapping[str, float]) -> float:
    """How well the best document supports an answer: the share of the question's weight held
    by the best of its passages (title and section words included)."""
    doc_id = candidates[0].passage.doc_id
    best = [c for c in candidates if c.passage.doc_id == doc_id][:QUOTED_PER_DOCUMENT]
    return max(support(c.terms, weights) for c in best)


def _with_opening(
    quotes: list[tuple[Candidate, QuoteSpan]],
    best: Candidate,
    opening: list[PassageRow],
    paragraphs: Mapping[str, list[Paragraph]],
    wants: Wants,
) -> list[tuple[Candidate, QuoteSpan]]:
    """``quotes`` led by a heading or opening line that holds the answer (a dateline for "when",
    a byline for "who wrote") when the best quote lacks it, or when the question is about the
    page itself ("what date is MIM Notes 150?": its words are the page's title)."""
    labels = _labels(best.passage.title, best.passage.doc_id)
    if quotes and not _about_the_page(wants, labels):
        c, span = quotes[0]
        if opening_answer(_quoted(c, span), wants.asks, wants.question_words):
            return quotes
    doc_paragraphs = paragraphs.get(best.passage.doc_id, [])
    lines: list[tuple[Candidate, QuoteSpan]] = []
    if quotes:
        lines.extend(_heading_of(quotes[0][0], quotes[0][1].paragraph, doc_paragraphs))
    for row in opening:
        candidate = Candidate(row, best.score, best.page, best.rank)
        end = row.start + len(row.text)
        for paragraph, s, e in sentences_of(row.text, row.start, doc_paragraphs, row.start, end):
            if paragraph.number > OPENING_PARAGRAPHS:
                break
            if s == max(paragraph.start, row.start):
                lines.extend(_heading_of(candidate, paragraph, doc_paragraphs))
            lines.append((candidate, QuoteSpan(s, e, paragraph, 0.0, frozenset())))
    strength = [
        opening_answer(_quoted(c, span), wants.asks, wants.question_words) for c, span in lines
    ]
    if strength and max(strength) > 0:
        candidate, span = lines[strength.index(max(strength))]
        rest = [q for q in quotes if not (q[1].start < span.end and span.start < q[1].end)]
        return [(candidate, span), *rest]
    return quotes


def _page_opening(
    best: Candidate,
    opening: list[PassageRow],
    paragraphs: Mapping[str, list[Paragraph]],
    wants: Wants,
) -> list[tuple[Candidate, QuoteSpan]]:
    """The first sentence of a page whose text says none of the question's words, when the
    question is about the page itself ("czech": the Czech page, named by its address and
    title only); else nothing."""
    if not _about_the_page(wants, _labels(best.passage.title, best.passage.doc_id), whole=True):
        return []
    row = opening[0]
    doc_paragraphs = paragraphs.get(best.passage.doc_id, [])
    end = row.start + len(row.text)
    sentences = sentences_of(row.text, row.start, doc_paragraphs, row.start, end)
    first = next(sentences, None)
    if first is None:
        return []
    paragraph, s, e = first
    candidate = Candidate(row, best.score, best.page, best.rank)
    return [(candidate, QuoteSpan(s, e, paragraph, 0.0, frozenset()))]


def _quoted(candidate: Candidate, span: QuoteSpan) -> str:
    """The text of a span of a candidate's passage."""
    passage = candidate.passage
    return passage.text[span.start - passage.start : span.end - passage.start]


def _heading_of(
    candidate: Candidate, paragraph: Paragraph, doc_paragraphs: list[Paragraph]
) -> list[tuple[Candidate, QuoteSpan]]:
    """The section heading right above ``paragraph`` as a quote of its own (none when the
    paragraph does not open its section)."""
    before = [p for p in doc_paragraphs if p.number == paragraph.number - 1]
    if not paragraph.section or (before and before[0].section == paragraph.section):
        return []
    start = paragraph.start - len("\n\n") - len(paragraph.section)
    heading = replace(
        candidate.passage, start=start, end=start + len(paragraph.section), text=paragraph.section
    )
    span = QuoteSpan(start, heading.end, paragraph, 0.0, frozenset())
    return [(replace(candidate, passage=heading), span)]


def _about_the_page(wants: Wants, labels: frozenset[str], whole: bool = False) -> bool:
    """Whether the question's words, beyond words like "date" or "published", name the page
    (``whole``: all of them do)."""
    content = {t: w for t, w in wants.weights.items() if t not in _PAGE_NEUTRAL}
    total = sum(content.values())
    share = 1.0 if whole else ABOUT_PAGE
    return total > 0 and sum(w for t, w in content.items() if t in labels) >= share * total


def _named_in_opening(
    question: ParsedQuestion, opening: list[PassageRow], doc_paragraphs: list[Paragraph]
) -> frozenset[str]:
    """The terms of the names the question gives ("William Blum's Rogue State") that the page's
    first paragraph states: like its title, they say which page this is, not what answers."""
    named = {t for name in question.names for t in name}
    if not named or not opening or not doc_paragraphs:
        return frozenset()
    row, first = opening[0], doc_paragraphs[0]
    if not row.start <= first.start < row.start + len(row.text):
        return frozenset()
    text = row.text[first.start - row.start : first.end - row.start]
    return frozenset(t.term for t in tokenize(text, named))


def _document_quotes(
    question: ParsedQuestion,
    candidates: list[Candidate],
    paragraphs: Mapping[str, list[Paragraph]],
    wants: Wants,
    subject: frozenset[str] = frozenset(),
    best_only: bool = False,
    any_quote: bool = False,
) -> list[tuple[Candidate, QuoteSpan]]:
    """The quotes one document offers, best answer first, none overlapping another
    (``subject``: question terms that, like the title's, name the page). With ``best_only``,
    only the best: a passage whose bound (:meth:`Wants.best_possible`) cannot beat the best
    quote of the passages ranked before it is not read. With ``any_quote``, the quotes of the
    first passage that offers any (none only when the document offers none)."""
    wanted_terms = set(question.terms)
    # A passage's terms of question words written as initials ("LRS") may stand for the words.
    spelled_out = frozenset().union(*wants.initials.values())
    doc_paragraphs = paragraphs.get(candidates[0].passage.doc_id, []) if candidates else []
    if question.phrases and candidates:
        question = _without_phrases_in_title(question, candidates[0].passage.title)
    beat = -inf
    offers: list[tuple[float, int, Candidate, QuoteSpan]] = []
    for rank, candidate in enumerate(candidates):
        passage = candidate.passage
        labels = _labels(passage.title, passage.doc_id) | subject
        if best_only:
            # An opening row carries no terms of its own: its page's are a bound on them.
            held = (candidate.terms or candidate.page.terms) | spelled_out
            lo, hi = passage.start, passage.start + len(passage.text)
            headed = headings_within(doc_paragraphs, lo, hi) & wanted_terms
            if wants.best_possible(held, headed, labels) <= beat:
                continue  # ranked after the best so far, it would need to be worth more
        if question.phrases and not has_phrases(passage, question):
            continue
        tokens: list[Token] = []
        for t in tokenize(passage.text, wanted_terms | wants.initials.keys()):
            if t.term in wanted_terms:
                tokens.append(t)
            elif t.term in wants.initials:  # "LRS" says "League of Revolutionary Struggle"
                tokens.extend(Token(u, t.start, t.end) for u in wants.initials[t.term])
        spans = best_spans(
            passage.text,
            passage.start,
            doc_paragraphs,
            question,
            wants,
            tokens,
            labels,
            beat,
        )
        offers.extend((span.value, rank, candidate, span) for span in spans)
        if any_quote and spans:
            break
        if best_only and spans:
            beat = max(beat, *(span.value for span in spans))
    offers.sort(key=lambda o: (-o[0], o[1], o[3].start))
    quotes: list[tuple[Candidate, QuoteSpan]] = []
    for _, _, candidate, span in offers:
        if any(s.start < span.end and span.start < s.end for _, s in quotes):
            continue
        quotes.append((candidate, span))
    return quotes
