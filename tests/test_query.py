"""Questions as typed in a chat: what is stripped before searching, and what counts as a name."""

from __future__ import annotations

import pytest

from retrieval import QuestionError
from retrieval.query import parse_question, strip_chatter


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
    ],
)
def test_chatter_around_a_question_is_not_searched(typed: str, searched: str) -> None:
    assert strip_chatter(typed) == searched
    assert parse_question(typed).terms == parse_question(searched).terms


@pytest.mark.parametrize(
    "kept", ["what did MIM say about thanksgiving 1996", "hiking in the hills"]
)
def test_words_that_only_start_like_chatter_stay(kept: str) -> None:
    assert strip_chatter(kept) == kept


@pytest.mark.parametrize("typed", ["<@123>", "@everyone", "hi bot! thanks"])
def test_a_message_with_no_question_left_is_a_clear_error(typed: str) -> None:
    with pytest.raises(QuestionError, match="empty"):
        parse_question(typed)


def test_capitalised_words_inside_a_question_are_names() -> None:
    parsed = parse_question("What did MIM say about Pol Pot and the Khmer Rouge movies?")
    # The first word is capitalised by grammar, not a name; names are runs of capitalised words.
    assert parsed.names == (("mim",), ("pol", "pot"), ("khmer", "roug"))
