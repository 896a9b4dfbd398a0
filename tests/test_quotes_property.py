"""Property tests: every quote is verbatim, every question gets an answer or a clean error."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from retrieval import ArchiveService, QuestionError
from retrieval.answer import ELLIPSIS

SEED_WORDS = (
    "Deng Xiaoping France communist Hoxha Albania students united $tates Amerikan Scalapino "
    "Nkrumah Ghana Babu Zanzibar Katayama Japan migrants brain drain Zhou Enlai 1920 1949 ship "
    "labor aristocracy Third World reparations Marx Lenin Mao persyn imperialist"
).split()

questions = st.one_of(
    st.lists(st.sampled_from(SEED_WORDS), min_size=1, max_size=8).map(" ".join),
    st.text(min_size=0, max_size=200),
    st.lists(st.sampled_from(SEED_WORDS), min_size=2, max_size=4).map(lambda w: f'"{" ".join(w)}"'),
)


def pieces(quote: str) -> list[str]:
    """The verbatim pieces of a quote (it may be cut with … at either end)."""
    return [p.strip() for p in quote.split(ELLIPSIS) if p.strip()]


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(question=questions)
async def test_every_quote_is_a_verbatim_substring(
    seed_service: ArchiveService, question: str
) -> None:
    try:
        answer = await seed_service.ask(question, limit=5, per_document=5)
    except QuestionError:
        return
    assert answer.abstained == (not answer.results)
    for result in answer.results:
        document = await seed_service.store.load_document(result.citation.doc_id)
        for piece in pieces(result.quote):
            assert piece in document.text
        for a, b in result.highlights:
            assert 0 <= a < b <= len(result.quote)
            assert result.quote[a:b].strip()
        # the cited paragraph holds the quote
        (paragraph,) = [p for p in document.paragraphs if p.number == result.citation.paragraphs[0]]
        assert pieces(result.quote)[0] in document.text[paragraph.start : paragraph.end]


@pytest.mark.parametrize(
    "question",
    ["", "   ", "\x00\x00", "a" * 1001, "\n\t", "@everyone", "<@123456789> thanks!"],
)
async def test_unusable_questions_raise_a_clear_error(
    seed_service: ArchiveService, question: str
) -> None:
    with pytest.raises(QuestionError) as info:
        await seed_service.ask(question)
    assert "question" in str(info.value)


@pytest.mark.parametrize(
    "question",
    ["the of and", "???!!!", "😀😀", ".*+?[](){}|^$\\"],
)
async def test_questions_without_words_to_search_say_so(
    seed_service: ArchiveService, question: str
) -> None:
    # Said as an error (privately, in Discord), as an empty question is: not as a "no good
    # answer" posted for everyone.
    with pytest.raises(QuestionError, match="no words to search for"):
        await seed_service.ask(question)
    assert (await seed_service.stats()).documents == 1  # nothing was harmed


async def test_sql_in_a_question_is_only_words_to_search(seed_service: ArchiveService) -> None:
    document = await seed_service.store.load_document("ms/migrantsincommunisthistory")
    answer = await seed_service.ask("'; DROP TABLE documents; --")
    # Whatever it answers is quoted from the article, and the store is untouched.
    for result in answer.results:
        assert all(piece in document.text for piece in pieces(result.quote))
    assert (await seed_service.stats()).documents == 1
