"""Questions as typed in a chat: what is stripped before searching, and what counts as a name."""

from __future__ import annotations

import sys
import unicodedata

import pytest

from retrieval import QuestionError
from retrieval.query import (
    MAX_QUESTION_CHARS,
    clean_question,
    contains_phrase,
    initials,
    parse_question,
    strip_chatter,
    without_stop_word_typos,
)
from retrieval.text import words


@pytest.mark.parametrize(
    ("typed", "searched"),
    [
        (
            "<@123456789012345678> where did Deng become a communist?",
            "where did Deng become a communist?",
        ),
        ("<@!42> <@&7> <#99> who runs the forum", "who runs the forum"),
        ("@everyone @here what is RAIL", "what is RAIL"),
        ("hi, who was Kwame Nkrumah?", "who was Kwame Nkrumah?"),
        ("Hey bot, what is MIM? thanks!", "what is MIM?"),
        ("thanks! when did MIM suspend operations", "when did MIM suspend operations"),
        ("good morning everyone! what about Stalin? thx", "what about Stalin?"),
        ("what does amerikkka mean lol", "what does amerikkka mean"),
        ("pls who founded RAIL? LOL!", "who founded RAIL?"),
        ("wat does amerikkka mean", "what does amerikkka mean"),
        ("Wht is the mass line", "what is the mass line"),
        ("hw many prisoners wrote in", "how many prisoners wrote in"),
        (
            "hey, quick q: what does MIM think of Trotskyists??",
            "what does MIM think of Trotskyists??",
        ),
        ("quick question, who was Stalin", "who was Stalin"),
        ("one more question: who is Zinn", "who is Zinn"),
    ],
)
def test_chatter_around_a_question_is_not_searched(typed: str, searched: str) -> None:
    assert strip_chatter(typed) == searched
    assert parse_question(typed).terms == parse_question(searched).terms


@pytest.mark.parametrize(
    "kept",
    [
        "what did MIM say about thanksgiving 1996",
        "hiking in the hills",
        "Wat Tyler led which revolt?",
        "what did the Polish government do",
        "who wrote about plzen",
        "questions of gender in prison",
        "Q-Tips are what",
    ],
)
def test_words_that_only_start_like_chatter_stay(kept: str) -> None:
    assert strip_chatter(kept) == kept


@pytest.mark.parametrize("typed", ["<@123>", "@everyone", "hi bot! thanks"])
def test_a_message_with_no_question_left_is_a_clear_error(typed: str) -> None:
    with pytest.raises(QuestionError, match=r"^the question is empty"):
        parse_question(typed)


def test_a_question_is_text_up_to_the_length_limit() -> None:
    with pytest.raises(QuestionError, match=r"^the question must be text$"):
        parse_question(None)  # type: ignore[arg-type]
    longest = "x" * (MAX_QUESTION_CHARS - 1) + "?"
    assert parse_question(longest).text == longest
    with pytest.raises(QuestionError, match=rf"too long \({MAX_QUESTION_CHARS + 1:,} characters"):
        parse_question(longest + "?")


def test_control_characters_and_runs_of_whitespace_become_one_space() -> None:
    assert clean_question(" who\x00was\x07 \n Lenin\x7f? ") == "who was Lenin ?"


@pytest.mark.parametrize("invisible", ["\u200b", "\u200d", "\u2060", "\u00ad", "\ufeff", "\u200e"])
def test_invisible_characters_pasted_inside_words_do_not_split_them(invisible: str) -> None:
    typed = f"who f{invisible}ounded RA{invisible}IL?"
    assert parse_question(typed).terms == parse_question("who founded RAIL?").terms


def test_a_direction_override_does_not_reverse_the_question() -> None:
    assert clean_question("\u202ewho founded RAIL?\u202c") == "who founded RAIL?"


def test_every_format_character_of_unicode_is_removed() -> None:
    every = [chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cf"]
    assert clean_question("a" + "".join(every) + "b") == "ab"


def test_quoted_phrases_and_words_must_appear() -> None:
    typed = 'Who said “mass line” and "became a communist" in "France"?'
    parsed = parse_question(typed)
    assert parsed.text == typed
    assert parsed.phrases == (("mass", "line"), ("become", "a", "communist"), ("france",))
    assert parse_question("who said mass line").phrases == ()


def test_surface_words_are_the_question_words_without_stop_words() -> None:
    assert parse_question("where did Deng go in 1923").surface == ("deng", "go", "1923")


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("she became a communist in France", True),
        ("became a communist", True),
        ("he became a strong communist", False),
        ("a communist she became", False),
        ("became a", False),
    ],
)
def test_a_phrase_is_found_only_as_consecutive_words(text: str, found: bool) -> None:
    assert contains_phrase(words(text), ("become", "a", "communist")) is found
    assert contains_phrase(words(text), ("communist",)) is ("communist" in text)


def test_capitalised_words_inside_a_question_are_names() -> None:
    parsed = parse_question("What did MIM say about Pol Pot and the Khmer Rouge movies?")
    # The first word is capitalised by grammar, not a name; names are runs of capitalised words.
    assert parsed.names == (("mim",), ("pol", "pot"), ("khmer", "roug"))


def test_typos_of_stop_words_are_not_missing_evidence() -> None:
    parsed = parse_question("waht did mim say abut the soccer dog movie")
    cleaned = without_stop_word_typos(parsed, {"mim", "soccer", "dog", "movi"}.__contains__)
    assert cleaned.terms == ("mim", "soccer", "dog", "movi")
    assert "waht" not in cleaned.surface  # so no spelling suggestion for it either
    # Short words are left alone: "eat" is one edit from "at" but is a word of its own.
    lenin = parse_question("What did Lenin eat for breakfast?")
    assert without_stop_word_typos(lenin, {"lenin"}.__contains__).terms == lenin.terms
    # A known word one edit from a stop word stays.
    assert (
        "abut" in without_stop_word_typos(parse_question("the abut"), {"abut"}.__contains__).terms
    )


def test_initials_of_the_names_a_question_writes_out() -> None:
    assert initials("what happened to the League of Revolutionary Struggle?") == {
        "lrs": frozenset({"leagu", "revolutionari", "struggl"})
    }
    assert set(initials("what is the Revolutionary Anti-Imperialist League?")) == {"rail"}
    assert set(initials("what does the Communist Party USA say?")) == {"cpusa"}
    assert initials("where did Deng Xiaoping go?") == {}  # two letters tell nothing
