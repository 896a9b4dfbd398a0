"""What a question asks for, and whether a quote holds it."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from retrieval import expect
from retrieval.expect import (
    Asks,
    asks,
    from_opening,
    holds_answer,
    opening_answer,
    without_phrasing,
)
from retrieval.query import parse_question
from retrieval.text import words


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("when exactly did MIM suspend its new offensive operations?", Asks.DATE),
        ("what date was MIM Notes 135?", Asks.DATE),
        ("how many songs are on Anarchy from the UK?", Asks.NUMBER),
        ("how big was the prison population in 1999?", Asks.NUMBER),
        ("who were running the It's Right to Rebel forum?", Asks.NAME),
        ("where did Deng Xiaoping become a communist?", Asks.NAME),
        ("why is the etext cell stopping prison work?", Asks.REASON),
        ("does MIM endorse using the IRTR forum?", None),
        # The question word that comes first decides; a later "when" sets the scene.
        ("which film does MIM bring up when talking about Iran?", Asks.NAME),
        ("how many came when MIM called the rally?", Asks.NUMBER),
        ("what was the alternative group MIM proposed?", Asks.NAME),
        ("what was MIM originally called?", Asks.NAME),
        ("what does MIM call the Socialist Workers Party?", Asks.NAME),
        # A "when" that sets the scene asks for no date.
        ("according to the book, what happens when the candidate loses?", None),
        ("so when was the rally?", Asks.DATE),
        ("MIM Notes 49 came out when?", Asks.DATE),
        # Initials written out.
        ("what does RAIL stand for?", Asks.EXPANSION),
        ("what is ULK short for?", Asks.EXPANSION),
        ("what do the initials MIM mean?", Asks.EXPANSION),
        ("what does the acronym LRS stand for", Asks.EXPANSION),
        ("what does amerikkka mean", None),  # a word's meaning, not initials
        ("what kind of socialism does CPUSA say it stands for?", None),
    ],
)
def test_the_kind_of_answer_a_question_asks_for(question: str, kind: Asks | None) -> None:
    assert asks(question) is kind


def test_a_date_counts_only_when_the_question_does_not_already_say_it() -> None:
    question = frozenset(words("what happened in 2008?"))
    assert not holds_answer("In 2008 the cell closed.", Asks.DATE, question)
    assert holds_answer("It closed on February 10 2008.", Asks.DATE, question)


def test_a_name_is_a_capitalised_word_inside_a_sentence() -> None:
    question = frozenset(words("who runs the forum?"))
    assert holds_answer("The leaders there are Fdapatriarchy and Prairiefire.", Asks.NAME, question)
    assert not holds_answer("The forum is run badly.", Asks.NAME, question)


def test_reasons_and_numbers() -> None:
    assert holds_answer("It stopped because it was infiltrated.", Asks.REASON, frozenset())
    assert holds_answer("There are 20 songs.", Asks.NUMBER, frozenset(words("how many songs")))
    assert not holds_answer("There are songs.", Asks.NUMBER, frozenset(words("how many songs")))
    # "The majority of them" counts nothing either.
    assert not holds_answer("I know the majority of the songs.", Asks.NUMBER, frozenset())
    # A number that numbers a thing ("vol. 1", "No. 196", "#6") counts nothing.
    songs = frozenset(words("how many songs"))
    assert not holds_answer("Anarchy from the UK vol.1 has songs.", Asks.NUMBER, songs)
    assert not holds_answer("MIM Theory #6 lists songs.", Asks.NUMBER, songs)
    assert holds_answer("Vol. 1 has 20 songs.", Asks.NUMBER, songs)
    # A number that names the page (its issue number) answers no "how many".
    not_the_page = lambda word: word != "196"  # noqa: E731
    question = frozenset(words("how much money?"))
    assert not holds_answer("MIM Notes No. 196 was sold.", Asks.NUMBER, question, not_the_page)
    assert holds_answer("MIM Notes No. 196 raised 50 dollars.", Asks.NUMBER, question, not_the_page)


def test_a_numbering_word_counts_only_right_before_the_number() -> None:
    songs = frozenset(words("how many songs"))
    long_lead = "The band's songs were played all over the city for years " * 5
    assert not holds_answer(long_lead + "in Chapter \n\t 12 of the songs.", Asks.NUMBER, songs)
    assert not holds_answer(long_lead + "in SECTION. 4 of the songs.", Asks.NUMBER, songs)
    assert holds_answer(long_lead + "in the section, 4 songs.", Asks.NUMBER, songs)
    assert holds_answer("Chapter one: 4 songs.", Asks.NUMBER, songs)  # "one" counts


def test_a_text_without_digits_holds_no_date() -> None:
    question = frozenset(words("when did the cell close?"))
    assert not holds_answer("The cell closed in the spring of that year.", Asks.DATE, question)
    assert holds_answer("The cell closed in the spring of 1998.", Asks.DATE, question)


def test_datelines_and_bylines_answer_when_and_who_wrote() -> None:
    assert from_opening("when did it happen?", Asks.DATE)
    assert from_opening("who wrote the front page piece?", Asks.NAME)
    assert not from_opening("who runs the forum?", Asks.NAME)
    assert opening_answer("by Luis Arce Borja", Asks.NAME, frozenset())
    assert not opening_answer("Luis Arce Borja was there", Asks.NAME, frozenset())


# Text made of what the patterns look for, in any case: month names, number words, digits,
# separators, and letters that are not ASCII but fold to ASCII ones (the Kelvin sign, long s).
_PIECES = st.sampled_from(
    [
        "March",
        "MAY",
        "dec.",
        "Twenty",
        "PER CENT",
        "Half",
        "because",
        "THUS",
        "so that",
        ":",
        "1998",
        "12",
        "3/4/99",
        "1,000",
        "2.5",
        " ",
        "  ",
        "\n",
        ",",
        ".",
        "-",
        "x",
        "_",
        "é",
        "\u212a",
        "\u017f",
        "İ",
        "ONE",
        "one",
    ]
)


@given(st.lists(_PIECES, max_size=30).map("".join))
def test_a_case_blind_pattern_matches_what_the_case_insensitive_one_matches(text: str) -> None:
    for blind in (expect._DATE, expect._FULL_DATE, expect._NUMBER, expect._REASON):
        insensitive = blind._any
        assert insensitive.flags & re.IGNORECASE
        assert [m.span() for m in blind.finditer(text)] == [
            m.span() for m in insensitive.finditer(text)
        ]
        assert [m.group(0).casefold() for m in blind.finditer(text)] == [
            m.group(0).casefold() for m in insensitive.finditer(text)
        ]
        assert blind.sub(" ", text).casefold() == insensitive.sub(" ", text).casefold()
        assert (blind.search(text) is None) == (insensitive.search(text) is None)


def test_initials_are_answered_by_the_name_written_out() -> None:
    asked = frozenset(words("what does RAIL stand for?"))
    kind = Asks.EXPANSION
    # A name opening a sentence ("The ...") is written out without its article.
    assert holds_answer(
        "The Revolutionary Anti-Imperialist League (RAIL) was founded.", kind, asked
    )
    assert holds_answer("It joined the League of Revolutionary Struggle.", kind, frozenset({"lrs"}))
    assert not holds_answer("RAIL members stand up for prisoners.", kind, asked)
    assert not holds_answer("The Maoist Internationalist Movement led it.", kind, asked)


def test_words_that_only_ask_for_initials_are_not_searched() -> None:
    assert without_phrasing(parse_question("what does RAIL stand for?")).terms == ("rail",)
    assert without_phrasing(parse_question("what does the acronym stand for?")).terms == (
        parse_question("what does the acronym stand for?").terms
    )  # nothing else to search: left as asked
    assert without_phrasing(parse_question("why do prisoners stand up?")).terms == (
        parse_question("why do prisoners stand up?").terms
    )
    # Initials that are a word search leaves out ("NOW"): nothing to search, not "stand".
    assert without_phrasing(parse_question("what does NOW stand for?")).terms == ()
    assert without_phrasing(parse_question("what does NOW stand for in Iran?")).terms == ("iran",)
