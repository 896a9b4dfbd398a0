"""Quote choice reads a span's text only when its bound could beat the best span so far: the
spans it keeps are those of reading every span."""

from __future__ import annotations

import random

import pytest

from retrieval.answer import _document_quotes
from retrieval.models import Paragraph, PassageRow
from retrieval.query import ParsedQuestion, parse_question
from retrieval.ranking import Candidate, PageEvidence
from retrieval.spans import (
    _ITEM,
    ANSWER_BONUS,
    MAX_SENTENCES,
    QuoteSpan,
    Wants,
    best_spans,
    headings_within,
    leaning,
    span_value,
)
from retrieval.text import sentence_spans, terms, tokenize

SENTENCES = [
    "The cell closed on February 10 2008.",
    "That means the paper stopped.",
    "Prison circulation fell by 20 percent.",
    "The reasons are as follows:",
    "One is that money ran out.",
    "Readers in Detroit wrote to Prairiefire about the paper.",
    "MIM Notes covered the war on Iraq.",
    "However, the paper came back in 2009 because readers asked.",
    "Students marched against the war",
    "Dr. Smith of the U.S. wrote the report.",
]
QUESTIONS = [
    "when did the paper stop?",
    "how many prisoners read the paper?",
    "who wrote to the paper from Detroit?",
    "why did the paper stop?",
    "what did MIM Notes say about the war?",
]


def _read_every_span(
    text: str, paragraphs: list[Paragraph], question: str, wants: Wants
) -> list[QuoteSpan]:
    """The spans best_spans keeps, found by reading every span (no bound)."""
    wanted = set(parse_question(question).terms)
    tokens = tokenize(text, wanted)
    sentences = [
        (p, s, e, frozenset(t.term for t in tokens if s <= t.start < e))
        for p in paragraphs
        for s, e in sentence_spans(text, p.start, p.end)
    ]
    best: dict[int, QuoteSpan] = {}
    for i, (paragraph, start, _, _) in enumerate(sentences):
        matched: frozenset[str] = frozenset()
        for n in range(MAX_SENTENCES):
            j = i + n
            if j >= len(sentences) or sentences[j][0] is not paragraph:
                break
            matched |= sentences[j][3]
            if not matched:
                continue
            end = sentences[j][2]
            quoted = text[start:end]
            opens = (
                j + 1 < len(sentences)
                and sentences[j + 1][0] is paragraph
                and _ITEM.match(text[sentences[j + 1][1] : sentences[j + 1][2]]) is not None
            )
            value = span_value(
                wants.coverage(matched, frozenset()),
                wants.holds(quoted, frozenset()),
                leaning(quoted, opens),
                n,
            )
            if paragraph.number not in best or value > best[paragraph.number].value + 1e-12:
                best[paragraph.number] = QuoteSpan(start, end, paragraph, value, matched)
    return list(best.values())


@pytest.mark.parametrize("seed", range(40))
def test_bounded_choice_keeps_the_spans_of_reading_every_span(seed: int) -> None:
    rng = random.Random(seed)
    blocks = [" ".join(rng.choices(SENTENCES, k=rng.randint(1, 6))) for _ in range(3)]
    text = "\n\n".join(blocks)
    paragraphs, at = [], 0
    for number, block in enumerate(blocks, 1):
        paragraphs.append(Paragraph(number, "", at, at + len(block)))
        at += len(block) + 2
    question = QUESTIONS[seed % len(QUESTIONS)]
    parsed = parse_question(question)
    weights = {t: rng.choice([0.5, 1.0, 1.7, 2.25]) for t in parsed.terms}
    wants = Wants.of(parsed, weights)
    assert best_spans(text, 0, paragraphs, parsed, wants) == _read_every_span(
        text, paragraphs, question, wants
    )


def test_the_bound_is_never_below_a_value() -> None:
    rng = random.Random(7)
    for _ in range(10_000):
        coverage, extra = rng.random() * 1.3, rng.randrange(MAX_SENTENCES)
        ceiling = span_value(coverage, True, 0.0, extra)
        for holds in (False, True):
            for leans in (0.0, 0.1, 0.2, 0.30000000000000004):
                assert span_value(coverage, holds, leans, extra) <= ceiling


def test_leaning_ends_cost_a_share_each() -> None:
    assert leaning("The reasons are security and money.") == 0.0
    assert leaning("That means the paper stopped.") == pytest.approx(0.1)
    assert leaning("The reasons for the closing of the cell are as follows:") == pytest.approx(0.1)
    assert leaning("The reasons are two.", announces=True) == pytest.approx(0.1)
    assert leaning("However, the reasons for the closing are as follows:") == pytest.approx(0.2)


def test_a_quote_ending_on_what_follows_leans_on_it() -> None:
    lead = "The cell gave many reasons for the closing over the years, and "
    assert leaning(lead + "they are as follows:  ") == pytest.approx(0.1)
    assert leaning(lead + 'they are "the following."\u201d)') == pytest.approx(0.1)
    assert leaning(lead + "as follows: security and money.") == 0.0
    assert leaning(lead + 'they are as follows:" "') == 0.0  # a space between the quotes


HEADINGS = ["", "", "The paper in Detroit", "Why the cell closed", "War reports"]
TITLES = ["MIM Notes 150", "The paper", "Prairiefire on the war", "Readers write"]


def _random_passage(rng: random.Random) -> tuple[str, list[Paragraph]]:
    """A passage of 1-4 paragraphs of the test sentences, some under a heading."""
    blocks = [
        " ".join(rng.choices(SENTENCES, k=rng.randint(1, 6))) for _ in range(rng.randint(1, 4))
    ]
    paragraphs, at = [], 0
    for number, block in enumerate(blocks, 1):
        paragraphs.append(Paragraph(number, rng.choice(HEADINGS), at, at + len(block)))
        at += len(block) + 2
    return "\n\n".join(blocks), paragraphs


def _random_question(rng: random.Random) -> tuple[ParsedQuestion, Wants]:
    """One of the test questions with random term weights."""
    parsed = parse_question(rng.choice(QUESTIONS))
    return parsed, Wants.of(parsed, {t: rng.choice([0.5, 1.0, 1.7, 2.25]) for t in parsed.terms})


@pytest.mark.parametrize("seed", range(60))
def test_no_span_is_worth_more_than_its_passages_bound(seed: int) -> None:
    rng = random.Random(seed)
    text, paragraphs = _random_passage(rng)
    parsed, wants = _random_question(rng)
    wanted = set(parsed.terms)
    labels = frozenset(terms(rng.choice(TITLES)))
    held = {t.term for t in tokenize(text, wanted)}
    headed = headings_within(paragraphs, 0, len(text)) & wanted
    bound = wants.best_possible(held, headed, labels)
    spans = best_spans(text, 0, paragraphs, parsed, wants, labels=labels)
    assert all(span.value <= bound for span in spans)
    # Nor is it looser than the most a span can be worth (every term, and the answer).
    assert bound < 1.0 + ANSWER_BONUS + 1e-9


def _candidate(passage_id: int, doc_text: str, lo: int, hi: int, wanted: set[str]) -> Candidate:
    row = PassageRow(passage_id, "doc", "The paper", None, "", 1, 1, lo, hi, doc_text[lo:hi])
    held = frozenset(t.term for t in tokenize(row.text, wanted))
    return Candidate(row, 1.0, PageEvidence(1.0, held), 1.0, held)


@pytest.mark.parametrize("seed", range(60))
def test_skipping_passages_by_their_bound_keeps_the_best_quote(seed: int) -> None:
    rng = random.Random(seed)
    text, paragraphs = _random_passage(rng)
    parsed, wants = _random_question(rng)
    wanted = set(parsed.terms)
    # Passages of one or two paragraphs each, ranked in a random order.
    cuts = [
        (p.start, paragraphs[min(k + rng.randint(0, 1), len(paragraphs) - 1)].end)
        for k, p in enumerate(paragraphs)
    ]
    rng.shuffle(cuts)
    candidates = [_candidate(i, text, lo, hi, wanted) for i, (lo, hi) in enumerate(cuts)]
    every = _document_quotes(parsed, candidates, {"doc": paragraphs}, wants, best_only=False)
    best = _document_quotes(parsed, candidates, {"doc": paragraphs}, wants, best_only=True)
    assert best[:1] == every[:1]
