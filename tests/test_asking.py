"""Questions as asked in Discord: which chat messages ask something, the names of their threads,
and the example questions /help shows."""

from __future__ import annotations

import random

import pytest

from bot.asking import (
    FALLBACK_THREAD_NAME,
    FIXED_EXAMPLES,
    THREAD_NAME,
    asks_about_the_reply,
    asks_something,
    example_questions,
    example_title,
    thread_name,
)


@pytest.mark.parametrize(
    "text",
    [
        "Where did Deng Xiaoping become a communist?",
        "who founded MIM",  # a question word, no question mark
        "hey bot, why do you write Amerika",
        "Tell me about the mass line",
        "Deng Xiaoping France communist",  # keywords, as typed into a search box
        "Zhou Enlai 1920s",  # a name and a decade
        "the labor aristocracy?",
        "<@123456789012345678> what is the labor aristocracy",
        "1920s?",
        "in:faq from:1995 Amerika spelling",
    ],
)
def test_questions_ask_something(text: str) -> None:
    assert asks_something(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "thanks",
        "Thanks a lot!",
        "thank you so much!",
        "ok",
        "ok?",
        "lol",
        "why?",  # a question word but nothing to search for
        "what?",
        "great answer, thanks",
        "nice one",
        "haha that was funny",
        "\N{GRINNING FACE}\N{THUMBS UP SIGN}",
        "<:party:123456789012345678> <a:dance:123456789012345678>",
        "https://example.org/some/page-about-deng-xiaoping",
        "<https://example.org/a> https://example.org/b?x=1",
        "<@123456789012345678>",
        "`print('hello world')`",
        "agreed",
        "good morning everyone",
    ],
)
def test_chat_asks_nothing(text: str) -> None:
    assert not asks_something(text)


def test_a_link_with_a_question_still_asks() -> None:
    assert asks_something("https://example.org/x is this what MIM said about prisons?")


def test_thread_name_is_the_question_on_one_line() -> None:
    assert thread_name("  Where did\nDeng   become a communist?  ") == (
        "Where did Deng become a communist?"
    )


def test_a_long_question_is_cut_at_a_word_to_discords_limit() -> None:
    question = "What did the Maoist Internationalist Movement write about " + "prisons " * 20
    name = thread_name(question)
    assert len(name) <= THREAD_NAME == 100
    assert name.endswith("…") and name[:-1] == name[:-1].rstrip()
    assert question.startswith(name[:-1])


def test_an_empty_question_gets_a_plain_thread_name() -> None:
    assert thread_name(" \n ") == FALLBACK_THREAD_NAME


@pytest.mark.parametrize(
    ("title", "usable"),
    [
        ("Migrants in communist history", "Migrants in communist history"),
        ("  “MIM Notes 49,\n January 18, 1991.”  ", "MIM Notes 49, January 18, 1991"),
        ("Why Amerika?", "Why Amerika?"),
        ("", None),
        ("   ", None),
        ("ab", None),  # too short to ask about
        ("x" * 30 + " " + "y" * 60, None),  # too long to type
        ("The `code` of conduct", None),  # would break the example's code span
        ("@everyone read this", None),
        ("<@123456789012345678> said", None),
        ("czech/index", None),  # a path standing in for a missing title
        ("notefromchair092207.html", None),
        ("the of and", None),  # nothing worth searching
        ("1991", "1991"),
        # A page's opening words standing in for its title: no question anyone would type.
        ("I was certainly happy to receive a subscription to your paper, but the…", None),
    ],
)
def test_which_titles_make_examples(title: str, usable: str | None) -> None:
    assert example_title(title) == usable


def test_examples_are_questions_about_titles_the_index_holds() -> None:
    titles = ["Migrants in communist history", "Why Amerika?", "czech/index", "Hostile page"]
    examples = example_questions(titles, random.Random(1))
    assert sorted(examples) == [
        "What does the archive say about Hostile page?",
        "What does the archive say about Migrants in communist history?",
        "Why Amerika?",
    ]


def test_three_examples_at_most_and_different_ones_each_time() -> None:
    titles = [f"Document number {n} about prisons" for n in range(20)]
    seen = set()
    for seed in range(10):
        examples = example_questions(titles, random.Random(seed))
        assert len(examples) == len(set(examples)) == 3
        seen.update(examples)
    assert len(seen) > 3


def test_duplicate_titles_give_one_example() -> None:
    examples = example_questions(["Hostile page", "hostile page", "Hostile  page"])
    assert examples == ["What does the archive say about Hostile page?"]


def test_an_index_without_usable_titles_gets_the_fixed_examples() -> None:
    assert example_questions([]) == list(FIXED_EXAMPLES)
    assert example_questions(["", "a/b", "`x`"]) == list(FIXED_EXAMPLES)


@pytest.mark.parametrize(
    ("text", "about_the_reply"),
    [
        ("is this right?", True),
        ("source?", True),
        ("can you check this claim?", True),
        ("", True),
        ("where did Hoxha study?", False),
        ("Deng France", False),
    ],
)
def test_a_reply_without_a_question_of_its_own_asks_about_the_message(
    text: str, about_the_reply: bool
) -> None:
    assert asks_about_the_reply(text) is about_the_reply
