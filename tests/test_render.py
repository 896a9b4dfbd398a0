"""Rendering answers for Discord: limits, escaping, bold highlights, citations never cut."""

from __future__ import annotations

import re

import discord
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import render
from retrieval import Answer, Citation, DocumentNotes, FootnoteInfo, NoteRef, Result
from retrieval.models import CitingSentence

URL = "https://www.prisoncensorship.info/archive/etext/ms/migrantsincommunisthistory.html"


def result(quote: str, highlights=(), notes=(), title="Migrants in communist history") -> Result:
    link = URL + "#:~:text=Deng%20became"
    return Result(
        quote,
        tuple(highlights),
        Citation("ms/x", title, "Our own teachers", (18,), URL, link),
        3.2,
        tuple(notes),
    )


def check_limits(embed: discord.Embed) -> None:
    data = embed.to_dict()
    assert len(data.get("title", "")) <= 256
    assert len(data.get("description", "")) <= 4096
    assert len(data.get("fields", [])) <= 25
    for f in data.get("fields", []):
        assert 1 <= len(f["name"]) <= 256 and 1 <= len(f["value"]) <= 1024
    assert len(data.get("footer", {}).get("text", "")) <= 2048
    assert len(embed) <= 6000


def test_escape_keeps_text_as_written() -> None:
    assert render.escape("*See MIM's article") == "\\*See MIM's article"
    assert render.escape("a_b `c` > d") == "a\\_b \\`c\\` > d"
    assert "\\>" in render.escape("> quoted line") or render.escape("> quoted line").startswith(
        "\\>"
    )
    for ping in ["@everyone", "@here", "<@123>", "<@!123>", "<@&456>", "<#789>"]:
        escaped = render.escape(ping)
        assert escaped != ping and "\u200b" in escaped


def test_highlights_become_bold_and_markdown_is_escaped() -> None:
    quote = "*Deng became a communist in France."
    text = render.highlighted(quote, [(1, 5), (6, 12)], 500)
    assert text == "\\***Deng became** a communist in France."


def test_answer_embed_cites_and_lists_notes() -> None:
    answer = Answer(
        "Where did Deng become a communist?",
        (
            result("Deng became a communist in France.(3)", [(0, 4)], [NoteRef(3, None)]),
            result("Zhou Enlai groomed Deng.", [(19, 23)]),
        ),
        (),
        False,
        has_more=True,
    )
    embed = render.answer_embed(answer)
    check_limits(embed)
    assert embed.title == "Q: Where did Deng become a communist?"
    assert embed.description.startswith("> **Deng** became a communist in France.")
    assert "[Migrants in communist history · Our own teachers · ¶ 18](" + URL in embed.description
    assert "*Note 3 is cited but not in this copy of the archive.*" in embed.description
    assert embed.fields[0].name == "2."
    assert embed.footer.text == "Results 1–2 · More results shows the next ones"


def test_a_later_page_is_numbered_and_counted_from_its_offset() -> None:
    results = (result("Deng became a communist.", [(0, 4)]), result("Zhou groomed Deng.", []))
    last = render.answer_embed(Answer("q", results, (), False, offset=3))
    assert [f.name for f in last.fields] == ["5."]
    assert last.footer.text == "Results 4–5 of 5"
    middle = render.answer_embed(Answer("q", results, (), False, offset=3, has_more=True))
    assert middle.footer.text == "Results 4–5 · More results shows the next ones"


def test_footers_say_which_results_and_how_to_get_more() -> None:
    assert render.footer_text(1, 3, True) == "Results 1–3 · More results shows the next ones"
    assert render.footer_text(4, 2, False) == "Results 4–5 of 5"
    assert render.footer_text(1, 1, False) == "Result 1 of 1"
    assert render.footer_text(1, 3, True, "in MIM Notes") == (
        "Results 1–3 in MIM Notes · More results shows the next ones"
    )
    assert render.footer_text(1, 0, False) == ""


def test_missing_notes_are_named_once() -> None:
    notes = [NoteRef(n, None) for n in range(1, 8)]
    lines = render.note_lines(result("Quote.(1)", notes=[NoteRef(2, "Mao, 1937."), *notes]))
    assert lines == [
        "`[2]` Mao, 1937.",
        "*Notes 1–7 are cited but not in this copy of the archive.*",
    ]
    embed = render.notes_embed([DocumentNotes("ms/x", "Migrants", URL, tuple(notes))])
    assert embed.fields[0].value == "*Notes 1–7 are cited but not in this copy of the archive.*"


def test_long_quotes_are_cut_but_citations_are_whole() -> None:
    words = " ".join(f"word{i}" for i in range(2000))
    long_title = "T" * 300
    answer = Answer(
        "q", tuple(result(words, [(0, 5)], title=long_title) for _ in range(5)), (), False
    )
    embed = render.answer_embed(answer)
    check_limits(embed)
    for text in [embed.description] + [f.value for f in embed.fields]:
        quote_line, citation = text.split("\n")[:2]
        assert quote_line.endswith("…")
        assert re.search(r"word\d+…$", quote_line)  # cut at a word boundary
        assert citation.endswith(")") and "¶ 18" in citation


def test_not_found_embed_shows_suggestions() -> None:
    answer = Answer("Where did Dneg study?", (), ("deng",), True, "No good answer.")
    embed = render.answer_embed(answer, "Q: Where did @alice study?")
    assert embed.title == "No good answer in the archive"
    assert "**deng**" in embed.description
    assert "Q: Where did @alice study?" in embed.description
    assert embed.footer.text is None


def test_footnote_embed() -> None:
    info = FootnoteInfo(
        "ms/x", "Migrants", 7, None,
        tuple(CitingSentence(23, "Ghana and Zanzibar", "He went to England.(7)", URL + "#:~:text=x") for _ in range(3)),
        URL,
    )  # fmt: skip
    embed = render.footnote_embed(info)
    check_limits(embed)
    assert embed.description == "*Cited, but the note text is not in this copy of the archive.*"
    assert embed.footer.text == "ms/x · cited 3 times"
    assert len(embed.fields) == 3


@settings(max_examples=200, deadline=None)
@given(
    quote=st.text(min_size=1, max_size=3000),
    question=st.text(min_size=1, max_size=600),
    title=st.text(min_size=1, max_size=400),
    n=st.integers(1, 10),
)
def test_any_text_renders_within_limits_and_pings_nobody(
    quote: str, question: str, title: str, n: int
) -> None:
    spans = [(i, i + 1) for i in range(0, len(quote) - 1, 7)]
    results = tuple(result(quote, spans, title=title) for _ in range(n))
    embed = render.answer_embed(Answer(question, results, (), False, has_more=True))
    check_limits(embed)
    rendered = str(embed.to_dict())
    assert "@everyone" not in rendered and "@here" not in rendered
    assert not re.search(r"<@[!&]?\d", rendered)


def test_choice_names_fit() -> None:
    name = render.choice_name("a/" + "b" * 150, "T" * 150)
    assert 1 <= len(name) <= 100


def test_a_section_the_title_already_says_is_not_repeated() -> None:
    link = URL + "#:~:text=by%20MC5"
    repeated = Citation("c", "1998 MIM Congress: Clarity", "Clarity", (2,), URL, link)
    other = Citation("c", "1998 MIM Congress: Clarity", "Session I", (2,), URL, link)
    line = render.citation_line(Result("by MC5", (), repeated, 1.0, ()))
    assert line.startswith("[1998 MIM Congress: Clarity · ¶ 2](")
    line = render.citation_line(Result("by MC5", (), other, 1.0, ()))
    assert line.startswith("[1998 MIM Congress: Clarity · Session I · ¶ 2](")


@pytest.mark.parametrize(
    ("quote", "word", "shown"),
    [
        ("changed RIM's name to MIM - after", "MIM", "changed RIM's name to **MIM** - after"),
        ("a year earlier -25% in wages", "earlier", "a year **earlier** -25% in wages"),
        ("the womyn --trite as it is", "womyn", "the **womyn** --trite as it is"),
        ("MIM\n  - after it", "MIM", "**MIM** - after it"),
    ],
)
def test_text_after_a_bold_word_is_shown_without_stray_escapes(
    quote: str, word: str, shown: str
) -> None:
    start = quote.index(word)
    assert render.highlighted(quote, [(start, start + len(word))], 500) == shown


def test_a_quote_that_opens_like_markdown_is_escaped_only_at_its_start() -> None:
    assert render.highlighted("- a list? MIM - no", [(10, 13)], 500) == "\\- a list? **MIM** - no"
    assert render.highlighted("  # not a heading", [], 500) == "\\# not a heading"
    assert render.highlighted("> not quoted > here", [], 500) == "\\> not quoted > here"
    assert render.highlighted("MIM - a_b *c*", [(0, 3)], 500) == "**MIM** - a\\_b \\*c\\*"


@settings(max_examples=300, deadline=None)
@given(quote=st.text(alphabet=st.sampled_from("ab -#>\n\t*_"), min_size=1, max_size=40))
def test_no_backslash_is_left_before_a_space(quote: str) -> None:
    spans = [(i, i + 1) for i in range(0, len(quote), 3)]
    assert "\\ " not in render.highlighted(quote, spans, 500)


def test_titles_and_sections_are_shown_on_one_line() -> None:
    title = "MIM Notes 68,\n September 1992"
    for section, shown in [
        ("MIM Notes 68         \t\t\tSEPTEMBER, 1992", ""),
        ("mim notes 68,\tseptember   1992", ""),
        ("Prison\n\n  news   section", "Prison news section · "),
    ]:
        citation = Citation("n/68", title, section, (3,), URL, None)
        line = render.citation_line(Result("q", (), citation, 1.0, ()))
        assert line == f"[MIM Notes 68, September 1992 · {shown}¶ 3]({URL})"


def test_a_deep_link_too_long_for_a_field_gives_way_to_the_page_url() -> None:
    long_link = URL + "#:~:text=" + "%E5%91%A8" * 200
    citation = Citation("ms/x", "A Chinese page", "", (4,), URL, long_link)
    answer = Answer(
        "q", tuple(Result("周三" * 300, (), citation, 1.0, ()) for _ in range(3)), (), False
    )
    embed = render.answer_embed(answer)
    check_limits(embed)
    for text in [embed.description] + [f.value for f in embed.fields]:
        assert text.split("\n")[1] == f"— [A Chinese page · ¶ 4]({URL})"


def test_a_quote_opening_with_a_number_and_a_full_stop_is_no_list_item() -> None:
    # "> 2. MIM upholds…" would render as a numbered list item, "2." indented as Discord likes.
    assert render.highlighted("2. MIM upholds the thing.", [(3, 6)], 300) == (
        "2\\. **MIM** upholds the thing."
    )
    assert render.highlighted("The 2. item", [], 300) == "The 2. item"
    assert render.highlighted("3.5 million", [], 300) == "3.5 million"


def test_a_corrected_question_is_said_before_the_quotes() -> None:
    answer = Answer("who was Hoxah", (result("Enver Hoxha studied."),), (), False)
    corrected = Answer(*answer.__dict__.values())
    object.__setattr__(corrected, "corrected", "who was **Hoxha**")
    lines = render.answer_embed(corrected).description.splitlines()
    assert lines[0] == (
        "*Nothing matched the words as typed; showing results for “who was \\*\\*Hoxha\\*\\*”.*"
    )
    assert lines[1].startswith("> Enver Hoxha")
    assert render.answer_embed(answer).description.startswith("> Enver Hoxha")


@pytest.mark.parametrize("limit", range(40, 60))
def test_a_cut_after_a_full_stop_is_marked_apart_from_it(limit: int) -> None:
    text = "The strike began in May. The strike ended in June. It was long."
    short = render.shorten(text, limit)
    assert len(short) <= limit and ".…" not in short
    assert short.endswith("…") and text.startswith(short.removesuffix("…").rstrip())
    quote = render.highlighted(text, [(4, 10)], limit)
    assert len(quote) <= limit and ".…" not in quote and quote.endswith("…")
