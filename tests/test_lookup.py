"""Chat messages as searches: short ones as written, long ones reduced to their telling words."""

from __future__ import annotations

import pytest

from retrieval.lookup import NothingToLookUp, message_text, telling_words


def idf(term: str) -> float | None:
    """Every term is known, "unknownword" is not; the common word weighs least."""
    return None if term == "unknownword" else {"communist": 0.5}.get(term, 1.0)


def test_a_short_message_is_searched_as_written_without_links_and_mentions() -> None:
    text = "<@123> Deng became a communist in France https://example.org/x <:smile:42>"
    assert telling_words(text, idf) == ("Deng became a communist in France", False)
    assert message_text("```code``` hi there, where is France?") == "where is France?"


def test_a_long_message_keeps_names_numbers_and_rare_words_in_order() -> None:
    chatter = " ".join(["honestly people keep saying stuff"] * 6)
    text = (
        f"{chatter} unknownword but I remember that Deng Xiaoping became a communist in France in the 1920s "
        "with Zhou Enlai, can someone check?"
    )
    searched, reduced = telling_words(text, idf, limit=6)
    assert reduced
    assert searched == "Deng Xiaoping France 1920s Zhou Enlai"


@pytest.mark.parametrize("text", ["https://example.org/a", "<:smile:42> <@1>", "🎉🎉", "   "])
def test_a_message_without_words_cannot_be_looked_up(text: str) -> None:
    with pytest.raises(NothingToLookUp):
        telling_words(text, idf)
