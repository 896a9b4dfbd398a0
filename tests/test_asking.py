"""Answer channels: which chat messages ask something, and the names of their threads."""

from __future__ import annotations

import pytest

from bot.asking import FALLBACK_THREAD_NAME, THREAD_NAME, asks_something, thread_name


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
