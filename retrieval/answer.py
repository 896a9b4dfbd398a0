"""Passages -> an answer: verbatim quotes of the best sentences, highlights, citations and notes.

Pure functions: the service fetches the passages and hands them here. A quote is always a slice of
the source text; when it must be shortened it is cut at word boundaries and the cut is shown with
``…`` (the pieces on either side are still verbatim).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from .layout import MARKER
from .links import text_fragment_link
from .models import Citation, NoteRef, Paragraph, PassageRow, Result
from .query import ParsedQuestion, contains_phrase
from .text import Token, sentence_spans, terms, tokenize, words

# A passage must cover at least this share of the question's term weight (IDF) to be an answer.
EVIDENCE_THRESHOLD = 0.5
# Results are ordered by how much of the question the quote covers, plus this share of the
# passage's BM25 score relative to the best one (so that, among equal quotes, BM25 decides).
RANK_BM25_SHARE = 0.5
ELLIPSIS = "\u2026"
MAX_QUOTE_CHARS = 600
MAX_SENTENCES = 3


@dataclass(frozen=True)
class QuoteSpan:
    """The chosen sentences: ``[start, end)`` in document offsets, within one paragraph."""

    start: int
    end: int
    paragraph: Paragraph
    value: float
    matched: frozenset[str]


def _sentences(text: str, base: int, paragraphs: list[Paragraph], lo: int, hi: int):
    """(paragraph, start, end) of each sentence of the passage ``[lo, hi)`` (document offsets)."""
    for paragraph in paragraphs:
        a, b = max(paragraph.start, lo), min(paragraph.end, hi)
        if a >= b:
            continue
        for s, e in sentence_spans(text, a - base, b - base):
            yield paragraph, s + base, e + base


def best_spans(
    text: str,
    base: int,
    paragraphs: list[Paragraph],
    question: ParsedQuestion,
    weights: Mapping[str, float],
    matched_tokens: list[Token] | None = None,
) -> list[QuoteSpan]:
    """For each paragraph of a passage (``text`` starts at document offset ``base``), the 1-3
    consecutive sentences that best cover the question's terms (none for a paragraph without a
    matched term). ``matched_tokens`` are the passage's tokens of question terms, if known."""
    wanted = set(question.terms)
    if matched_tokens is None:
        matched_tokens = [t for t in tokenize(text) if t.term in wanted]
    sentences = []
    for paragraph, s, e in _sentences(text, base, paragraphs, base, base + len(text)):
        found = frozenset(t.term for t in matched_tokens if s - base <= t.start < e - base)
        sentences.append((paragraph, s, e, found))
    best: dict[int, QuoteSpan] = {}
    for i in range(len(sentences)):
        matched: frozenset[str] = frozenset()
        for n in range(MAX_SENTENCES):
            j = i + n
            if j >= len(sentences) or sentences[j][0] is not sentences[i][0]:
                break
            added = sentences[j][3] - matched
            if n and not added:
                break  # a sentence that adds no new term only lengthens the quote
            matched = matched | sentences[j][3]
            if not matched:
                break
            start, end = sentences[i][1], sentences[j][2]
            value = sum(weights.get(t, 0.0) for t in matched) - 0.05 * n
            if question.phrases:
                quoted_words = words(text[start - base : end - base])
                if not all(contains_phrase(quoted_words, p) for p in question.phrases):
                    continue  # a quoted phrase must be in the quote, not only near it
            number = sentences[i][0].number
            if number not in best or value > best[number].value + 1e-12:
                best[number] = QuoteSpan(start, end, sentences[i][0], value, matched)
    return list(best.values())


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
    tokens = [t for t in tokenize(source) if t.term in terms]
    prefix = suffix = ""
    start, end = 0, len(source)
    if len(source) > limit:
        # Centre the window on the densest stretch of matched words.
        centre = len(source) // 2
        if tokens:
            best_count = -1
            for t in tokens:
                count = sum(1 for u in tokens if t.start <= u.start < t.start + limit // 2)
                if count > best_count:
                    best_count, centre = count, t.start + limit // 4
        start, end = _cut_points(source, limit - 2, centre)
        prefix = ELLIPSIS if start > 0 else ""
        suffix = ELLIPSIS if end < len(source) else ""
    body = source[start:end].strip()
    lead = source[start:end].find(body)
    offset = start + lead
    quote = prefix + body + suffix
    highlights = tuple(
        (t.start - offset + len(prefix), t.end - offset + len(prefix))
        for t in tokens
        if t.start >= offset and t.end <= offset + len(body)
    )
    return quote, highlights


def notes_in(quote: str, notes: Mapping[int, str]) -> tuple[NoteRef, ...]:
    """The footnotes cited inside a quote, in order, with their text when this copy has it."""
    numbers = dict.fromkeys(int(m.group(1) or m.group(2)) for m in MARKER.finditer(quote))
    return tuple(NoteRef(n, notes.get(n)) for n in numbers if n)


def make_result(
    *,
    doc_id: str,
    title: str,
    url: str | None,
    span: QuoteSpan,
    source: str,
    score: float,
    notes: Mapping[int, str],
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


def evidence(
    matched: frozenset[str], question: ParsedQuestion, weights: Mapping[str, float]
) -> float:
    """Share of the question's term weight that the best passage covers (0..1)."""
    distinct = set(question.terms)
    total = sum(weights.get(t, 0.0) for t in distinct)
    if total <= 0:
        return 0.0
    return sum(weights.get(t, 0.0) for t in matched & distinct) / total


@lru_cache(maxsize=4096)
def _label_terms(label: str) -> frozenset[str]:
    """Terms of a title or section heading (few distinct ones, asked for again and again)."""
    return frozenset(terms(label))


def has_phrases(passage: PassageRow, question: ParsedQuestion) -> bool:
    """Whether every quoted phrase of the question occurs in the passage."""
    passage_words = words(passage.text)
    return all(contains_phrase(passage_words, phrase) for phrase in question.phrases)


def select_results(
    question: ParsedQuestion,
    candidates: list[tuple[PassageRow, float]],
    paragraphs: Mapping[str, list[Paragraph]],
    notes: Mapping[str, Mapping[int, str]],
    weights: Mapping[str, float],
    wanted: int,
    per_document: int,
) -> list[Result]:
    """Quote the candidates (BM25 order) and keep the best ``wanted`` results.

    Passages that do not carry enough of the question (``EVIDENCE_THRESHOLD``) or lack a quoted
    phrase are dropped; each paragraph offers its best sentences; results are ordered by the
    question weight the quote covers plus ``RANK_BM25_SHARE`` of the relative BM25 score;
    overlapping quotes and more than ``per_document`` quotes of one document are skipped.
    """
    wanted_terms = set(question.terms)
    total = sum(weights[t] for t in wanted_terms) or 1.0
    top_score = candidates[0][1] if candidates else 1.0
    ranked: list[tuple[float, float, PassageRow, QuoteSpan]] = []
    for passage, score in candidates:
        if question.phrases and not has_phrases(passage, question):
            continue
        tokens = [t for t in tokenize(passage.text) if t.term in wanted_terms]
        labels = _label_terms(passage.title) | _label_terms(passage.section)
        matched = frozenset({t.term for t in tokens} | (labels & wanted_terms))
        if evidence(matched, question, weights) < EVIDENCE_THRESHOLD:
            continue
        for span in best_spans(
            passage.text,
            passage.start,
            paragraphs.get(passage.doc_id, []),
            question,
            weights,
            tokens,
        ):
            coverage = sum(weights[t] for t in span.matched) / total
            ranked.append((coverage + RANK_BM25_SHARE * score / top_score, score, passage, span))
    ranked.sort(key=lambda c: (-c[0], -c[1], c[2].passage_id))

    results: list[Result] = []
    taken: dict[str, list[tuple[int, int]]] = {}
    for _, score, passage, span in ranked:
        spans = taken.setdefault(passage.doc_id, [])
        if len(spans) >= per_document or any(a < span.end and span.start < b for a, b in spans):
            continue  # enough from this document, or an overlapping window already quoted
        spans.append((span.start, span.end))
        source = passage.text[span.start - passage.start : span.end - passage.start]
        results.append(
            make_result(
                doc_id=passage.doc_id,
                title=passage.title,
                url=passage.url,
                span=span,
                source=source,
                score=score,
                notes=notes.get(passage.doc_id, {}),
            )
        )
        if len(results) >= wanted:
            break
    return results
