"""The tokenizer: archive spellings meet ordinary ones; sentences split where a reader would."""

from __future__ import annotations

import pytest

from retrieval.text import sentence_spans, terms, tokenize


@pytest.mark.parametrize(
    ("archive", "ordinary"),
    [
        ("Amerika", "America"),
        ("Amerikan", "American"),
        ("Amerikans", "Americans"),
        ("u.$.", "U.S."),
        ("U.$. borders", "US borders"),
        ("united $tates", "United States"),
        ("the United $tates", "the united states"),
        ("wimmin", "women"),
        ("persyn", "person"),
        ("humyn rights", "human rights"),
        ("Humyns", "humans"),
        ("humynity", "humanity"),
        ("persynally", "personally"),
        ("the chairpersyn", "the chairperson"),
        ("$tates", "states"),
        ("Zhou Énlai", "zhou enlai"),
        ("became", "become"),
    ],
)
def test_archive_spelling_meets_ordinary_spelling(archive: str, ordinary: str) -> None:
    assert terms(archive) == terms(ordinary)
    assert terms(archive)  # not all stop words


def test_found_the_past_of_find_is_not_founded() -> None:
    # "when was MIM founded?" must not match "MIM has found that...".
    assert terms("found") == terms("find")
    assert terms("founded") == terms("founding") != terms("found")


def test_stop_words_and_case_folding() -> None:
    assert terms("Where did THE students go?") == terms("students go")
    assert terms("who what when where") == []


def test_numbers_keep_thousands_together() -> None:
    assert terms("565,039 students") == terms("565039 students")


def test_footnote_markers_are_not_terms() -> None:
    assert terms("Belgium.(3) Hoxha [12]") == terms("Belgium Hoxha")


def test_token_spans_point_at_the_source_words() -> None:
    text = "Deng's boat went to the united $tates."
    for token in tokenize(text):
        assert text[token.start : token.end].strip()
    assert {text[t.start : t.end] for t in tokenize(text)} >= {"Deng's", "boat", "$tates"}


def test_lowercase_us_is_a_pronoun_but_US_is_the_country() -> None:
    assert terms("tell us more") == terms("more")
    assert terms("US") == terms("united states")


def test_odd_unicode_does_not_break_tokenizing() -> None:
    for text in ["\u200f\u05e9\u05dc\u05d5\u05dd", "e\u0301\u0301", "\x00", "😀" * 5, "a\u0000b"]:
        assert isinstance(terms(text), list)


def test_a_list_number_opens_the_sentence_it_numbers() -> None:
    # A numbered headline ("16. SPORTS PLAYERS...") is one sentence, not "16." and the rest; a
    # list written in running text ("...: (1) ... 1976. (2) ...", the MIM Notes masthead) starts
    # each item with its number, where a footnote marker stays with the sentence it follows.
    text = (
        "16. SPORTS PLAYERS ARE BOURGEOISIE. They earn millions. "
        "MIM differs on two questions: (1) MIM holds that the USSR was socialist until 1956. "
        "(2) MIM upholds the Cultural Revolution. He left for France. (7) He came back."
    )
    assert [text[a:b] for a, b in sentence_spans(text)] == [
        "16. SPORTS PLAYERS ARE BOURGEOISIE.",
        "They earn millions.",
        "MIM differs on two questions: (1) MIM holds that the USSR was socialist until 1956.",
        "(2) MIM upholds the Cultural Revolution.",
        "He left for France. (7)",
        "He came back.",
    ]


def test_a_passage_cut_inside_a_list_still_starts_each_item_with_its_number() -> None:
    # The MIM Notes masthead, as a passage that starts after its "...questions: (1)".
    text = (
        'the overthrow of the "Gang of Four" in 1976. (2) MIM upholds the Cultural Revolution. '
        "(3) MIM believes the workers are not revolutionary. He left for France. (7) He came back."
    )
    assert [text[a:b] for a, b in sentence_spans(text, cut=True)] == [
        'the overthrow of the "Gang of Four" in 1976.',
        "(2) MIM upholds the Cultural Revolution.",
        "(3) MIM believes the workers are not revolutionary.",
        "He left for France. (7)",
        "He came back.",
    ]
    # Footnote markers in a row, attached to their full stops, stay markers.
    marked = "He spent years in Belgium.(3) He studied in France.(4) He went home."
    assert [marked[a:b] for a, b in sentence_spans(marked, cut=True)][:2] == [
        "He spent years in Belgium.(3)",
        "He studied in France.(4)",
    ]


def test_sentences_do_not_split_at_abbreviations() -> None:
    text = (
        "His work was funded by the U.S. Air Force through Rand. Dr. Sun Yat-sen led it. "
        "Avg. MIM pages served per day rose. "
        'He spent six years in France and Belgium.(3) Hoxha led a revolution. "It ended." (1) Next.'
    )
    sentences = [text[a:b] for a, b in sentence_spans(text)]
    assert sentences == [
        "His work was funded by the U.S. Air Force through Rand.",
        "Dr. Sun Yat-sen led it.",
        "Avg. MIM pages served per day rose.",
        "He spent six years in France and Belgium.(3)",
        "Hoxha led a revolution.",
        '"It ended." (1)',
        "Next.",
    ]
