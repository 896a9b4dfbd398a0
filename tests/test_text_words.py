"""The fast word pattern, filtered tokenizer and one-pass tokenizing match the plain ones."""

from __future__ import annotations

import random
import re

import pytest

from retrieval import text as text_module
from retrieval.text import _WORD, _WORD_CHARS, Token, surface_words, terms, text_words, tokenize

# The word pattern as first written: the reference the faster form must match exactly.
_PLAIN_WORD = re.compile(
    rf"(?<![\w.$])[uU]\.[sS$]\.(?:[aA]\.)?"
    r"|\d{1,3}(?:,\d{3})+(?!\d)"
    rf"|{_WORD_CHARS}+(?:['’]{_WORD_CHARS}+)*"
)

TRICKY = [
    "The U.S. and the u.$. and U.S.A. but not au.S. nor .u.s. nor u. alone.",
    "1,000,000 people; 12,34 and 1,2345; 1,000a; u1,000; 2,000.5; 999,999,999",
    "don't ’tis a’b' x$y Amerikkka's wimmin (3) France[2] fields.\" (1) (12]",
    "e\u0301te, Énlai, über; U.S.-backed; 'quoted' words_with_under_scores",
    "",
    "((([[[",
    "us US Us u u.s u.s.a.x",
    # whitespace of every kind cuts pieces: no-break, em and ideographic spaces, a separator
    "a\u00a0b\u2003c\x1cd\te(1)\u3000f war,(2) [3]war U.S.\u00a0war",
]


@pytest.mark.parametrize("text", TRICKY)
def test_word_pattern_matches_the_plain_alternation(text: str) -> None:
    assert [m.span() for m in _WORD.finditer(text)] == [
        m.span() for m in _PLAIN_WORD.finditer(text)
    ]


@pytest.mark.parametrize("text", TRICKY)
def test_tokens_of_some_terms_are_the_filtered_tokens(text: str) -> None:
    every = tokenize(text)
    for only in ({t.term for t in every}, {every[0].term} if every else set(), {"unit", "state"}):
        assert tokenize(text, only) == [t for t in every if t.term in only]


# Characters that make words, markers and whitespace meet in every way; pieces that recur
# inside longer ones ("war" in "war,war" and "(war"), as a filtered search must not confuse.
_ALPHABET = [*"wa r,() [] 1 2 U.S $ s ' ’ é \u0301 \u00a0 \n \t \x1c -", " war", "war,"]


@pytest.mark.parametrize("seed", range(20))
def test_tokens_of_some_terms_are_the_filtered_tokens_of_random_text(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(200):
        text = "".join(rng.choice(_ALPHABET) for _ in range(rng.randint(0, 60)))
        every = tokenize(text)
        wanted = {t.term for t in every}
        for only in (wanted, set(rng.sample(sorted(wanted), min(2, len(wanted)))), {"war"}):
            assert tokenize(text, only) == [t for t in every if t.term in only]


def test_tokens_keep_reading_order_and_offsets() -> None:
    text = "The U.S. war, the war (2) and U.S. warfare."
    assert tokenize(text, {"war", "unit"}) == [
        Token("unit", 4, 8),
        Token("war", 9, 12),
        Token("war", 18, 21),
        Token("unit", 30, 34),
    ]
    assert tokenize(text, {"nowher"}) == []


@pytest.mark.parametrize("text", [*TRICKY, " ".join(TRICKY), "\n\n".join(TRICKY)])
def test_terms_of_every_part_of_a_text_tokenized_once(text: str) -> None:
    once = text_words(text)
    for start in range(len(text) + 1):
        for end in range(start, len(text) + 1):
            assert once.terms_between(start, end) == terms(text[start:end]), (start, end)


@pytest.mark.parametrize("text", [*TRICKY, " ".join(TRICKY)])
def test_surface_words_of_a_text_tokenized_once(text: str) -> None:
    assert text_words(text).surface() == frozenset(surface_words(text))


def test_pieces_remembered_past_the_limit_give_the_same_words(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The memo of pieces forgets everything when full; what it gives must not change.
    monkeypatch.setattr(text_module._Remembered, "LIMIT", 3)
    text_module._PIECE_TERMS.clear()
    text_module._PIECE_SURFACE.clear()
    text = " ".join(TRICKY)
    for _ in range(2):
        once = text_words(text)
        assert once.terms_between(0, len(text)) == terms(text)
        assert once.surface() == frozenset(surface_words(text))
    assert len(text_module._PIECE_TERMS) <= 3
