"""Answers over a small multi-page archive: page evidence, quotes that hold the answer, spreading
results over documents, and "not found"."""

from __future__ import annotations

import json
import random
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from retrieval import ArchiveService, NoteRef
from retrieval.answer import ELLIPSIS, notes_in, render_quote
from retrieval.text import terms

# The pages_service fixture (conftest.py): opens a service over pages given as name -> text.
OpenPages = Callable[[dict[str, str]], Awaitable[ArchiveService]]

BASE = "https://www.prisoncensorship.info/archive/etext/"
PAGES = [
    {
        "url": BASE + "im/im021008.html",
        "title": "New MIM operations suspended",
        "text": "February 10 2008\n\nThe cell reviewed its work this winter. Many readers wrote "
        "in with questions about security.\n\nThat brings us to why MIM has suspended offensive "
        "operations as of today. The reasons are security and money.",
    },
    {
        "url": BASE + "links/irtr.html",
        "title": "It's Right to Rebel forum",
        "text": "MIM has never led this forum. It is a discussion forum online. The "
        "leaders there are Fdapatriarchy and Prairiefire.\n\nMIM opposes the use of this forum "
        "for organizing.",
    },
    {
        "url": BASE + "mn/mn.php?issue=049",
        "title": "MIM Notes 49",
        "text": "MIM Notes 49, January 18, 1991\n\nThe war on Iraq began this week. Students "
        "marched against the war in Ann Arbor and in Boston.",
    },
    {
        "url": BASE + "faq/prisons.html",
        "title": "Prisons FAQ",
        "text": "Why write to prisoners?\n\nPrisoners are cut off from political education. Prison "
        "censorship keeps books from them. Prisoners write to MIM asking for books about the war.",
    },
    {
        "url": BASE + "pirao/report1102.html",
        "title": "Central task report",
        "text": "This month I take blame for two negative aspects of the report. One is that "
        "prison circulation is down from a year ago. Two, is that web readership declined.",
    },
    {
        "url": BASE + "mn/mn196/festival.txt",
        "title": "MIM Notes 196",
        "text": "MIM Notes 196 Hit the streets: MIM attended the summer festival in Detroit. "
        "One comrade received donations of about $50 for the paper.",
    },
    {
        "url": BASE + "bookstore/books/blumreview.html",
        "title": "Interventions subvert self-rule",
        "text": "William Blum\nRogue State: A Guide\nCommon Courage Press Monroe, Maine, 2005\n\n"
        "Reviewed February, 2006\n\nOsama Bin Laden recommended this book to the public in a "
        "video. Blum's book is an update on interventions.",
    },
    {
        "url": BASE + "wim/wyl/maoists.html",
        "title": "Groups that call themselves Maoist",
        "text": "League of Revolutionary Struggle (defunct)\n\nA Maoist group of the 1970s. In "
        "1990 LRS split into the Socialist Organizing Network and Unity.",
    },
    {
        "url": BASE + "reviews/war.html",
        "title": "A war film",
        "text": "The film shows a war from the point of view of soldiers. It is a war film made "
        "for an imperialist audience. The war scenes are long.",
    },
]


@pytest.fixture
async def archive(tmp_path: Path):
    pages = tmp_path / "pages.jsonl"
    pages.write_text("\n".join(json.dumps(p) for p in PAGES) + "\n", encoding="utf-8")
    service = await ArchiveService.open(tmp_path / "a.sqlite3", seed=[pages])
    yield service
    await service.close()


async def test_a_when_question_quotes_the_dateline_not_the_lead_in(archive: ArchiveService) -> None:
    answer = await archive.ask("when exactly did MIM suspend its offensive operations?")
    best = answer.results[0]
    assert best.citation.url == BASE + "im/im021008.html"
    assert best.quote == "February 10 2008"


async def test_a_who_question_quotes_the_sentence_with_the_names(archive: ArchiveService) -> None:
    answer = await archive.ask("who runs the It's Right to Rebel forum?")
    assert "Fdapatriarchy and Prairiefire" in answer.results[0].quote


async def test_a_question_about_a_page_gets_its_date(archive: ArchiveService) -> None:
    answer = await archive.ask("when did MIM Notes 49 come out?")
    assert "January 18, 1991" in answer.results[0].quote


async def test_a_sentence_announcing_a_list_is_quoted_with_its_first_item(
    archive: ArchiveService,
) -> None:
    answer = await archive.ask("what did the chief take the blame for in the report?")
    assert "One is that prison circulation is down" in answer.results[0].quote


async def test_the_pages_own_issue_number_is_no_answer_to_how_much(
    archive: ArchiveService,
) -> None:
    answer = await archive.ask("how much money did MIM collect at the festival in Detroit?")
    assert "$50" in answer.results[0].quote


async def test_names_the_page_opens_with_find_the_page_not_the_answer(
    archive: ArchiveService,
) -> None:
    # The book's imprint names it; who recommended it is said in the review.
    answer = await archive.ask("who recommended William Blum's Rogue State to the public?")
    assert answer.results[0].quote.startswith("Osama Bin Laden recommended this book")


async def test_initials_stand_for_the_name_the_question_writes_out(
    archive: ArchiveService,
) -> None:
    answer = await archive.ask("what happened to the League of Revolutionary Struggle?")
    assert "LRS split into the Socialist Organizing Network" in answer.results[0].quote


async def test_results_spread_over_documents_first(archive: ArchiveService) -> None:
    answer = await archive.ask("war", limit=3)
    documents = [r.citation.doc_id for r in answer.results]
    assert len(documents) == 3
    assert len(set(documents)) == 3


async def test_one_document_fills_the_places_no_other_takes(archive: ArchiveService) -> None:
    answer = await archive.ask("IRTR forum leaders Fdapatriarchy", limit=3)
    assert len(answer.results) >= 2
    assert {r.citation.doc_id for r in answer.results[:2]} == {"links/irtr"}


async def test_more_quotes_from_a_document_come_after_every_other_documents_first(
    archive: ArchiveService,
) -> None:
    spread = await archive.ask("prisoners books war", limit=6, per_document=1)
    documents = [r.citation.doc_id for r in spread.results]
    first = list(dict.fromkeys(documents))
    assert len(documents) > len(first) > 1  # some document gave two quotes
    assert documents[: len(first)] == first
    # Two places per document: the best document's second quote comes before the others.
    two = await archive.ask("prisoners books war", limit=6, per_document=2)
    assert [r.citation.doc_id for r in two.results][:2] == [documents[0]] * 2
    assert sorted(r.quote for r in two.results) == sorted(r.quote for r in spread.results)


async def test_mentions_and_greetings_do_not_change_the_answer(archive: ArchiveService) -> None:
    plain = await archive.ask("who runs the It's Right to Rebel forum?")
    chatty = await archive.ask(
        "<@1576939749355028485> hey bot, who runs the It's Right to Rebel forum? thanks!"
    )
    assert [r.quote for r in chatty.results] == [r.quote for r in plain.results]


async def test_a_question_about_something_the_archive_never_names_is_not_found(
    archive: ArchiveService,
) -> None:
    answer = await archive.ask("what did MIM think of the Harry Potter movies?")
    assert answer.abstained and not answer.results
    # One unknown ordinary word does not veto an answer the archive holds.
    found = await archive.ask("why do prisoners write to MIM, basically?")
    assert not found.abstained
    assert found.results[0].citation.doc_id == "faq/prisons"


async def test_a_quoted_phrase_is_found_behind_pages_that_have_only_one_of_its_words(
    tmp_path: Path,
) -> None:
    # 110 short pages for each word of the phrase repeat that word and outscore, on BM25 alone,
    # the one page that has the phrase: it ranks below the depth that is reranked and quoted, so
    # only narrowing the search to passages with every word of the phrase finds it.
    # (Each filler says a different year: a paragraph repeated on many pages is boilerplate.)
    pages = [
        {"id": f"filler/{i}", "text": f"Page {i}\n\nIn {1800 + i} the {word} {word} {word} shone."}
        for i in range(220)
        for word in ["red" if i % 2 else "lantern"]
    ]
    story = " ".join(["The harbour town kept its old customs through every season."] * 6)
    pages.append(
        {"id": "story", "text": f"Harbour\n\n{story} A red lantern hung over the door. {story}"}
    )
    jsonl = tmp_path / "pages.jsonl"
    jsonl.write_text("\n".join(json.dumps(p) for p in pages) + "\n", encoding="utf-8")
    service = await ArchiveService.open(tmp_path / "p.sqlite3", seed=[jsonl])
    try:
        answer = await service.ask('"red lantern"')
        assert [r.citation.doc_id for r in answer.results] == ["story"]
        assert "red lantern" in answer.results[0].quote
    finally:
        await service.close()


async def test_a_result_carries_its_citation_score_and_the_notes_it_cites(
    tiny_service: ArchiveService,
) -> None:
    answer = await tiny_service.ask("control units isolation lockdown", limit=1)
    (result,) = answer.results
    assert "Lockdown is the rule there.(1)" in result.quote
    assert (result.citation.doc_id, result.citation.title) == ("ms/prisons", "Prisons in Amerika")
    assert result.citation.section == "Control units"
    assert result.notes == (NoteRef(1, "Bureau of Justice Statistics, 2004."),)
    assert result.score > 0
    found = (await tiny_service.ask("when was MIM founded", limit=1)).results[0].citation
    assert found.url == BASE + "faq/whoweare.html"
    assert found.link is not None and found.link.startswith(found.url + "#:~:text=")


def test_a_long_quote_is_cut_at_word_boundaries_around_its_matched_words() -> None:
    filler = [f"word{i}" for i in range(300)]
    source = " ".join([*filler[:150], "Nkrumah", "went", "to", "London", *filler[150:]])
    quote, highlights = render_quote(source, frozenset(terms("Nkrumah London")), limit=200)
    assert len(quote) <= 200
    assert quote[0] == quote[-1] == ELLIPSIS
    body = quote[1:-1]
    at = source.index(body)  # verbatim, and whole words only
    assert source[at - 1] == " " and source[at + len(body)] == " "
    assert [quote[a:b] for a, b in highlights] == ["Nkrumah", "London"]
    # A quote that fits is the source itself, without the whitespace around it.
    short, spans = render_quote("  Nkrumah went to London. ", frozenset(terms("Nkrumah London")))
    assert short == "Nkrumah went to London."
    assert [short[a:b] for a, b in spans] == ["Nkrumah", "London"]


def test_a_quote_cut_after_a_full_stop_marks_the_cut_apart_from_it() -> None:
    sentences = [f"Sentence {i} says little." for i in range(60)]
    source = " ".join([*sentences[:20], "Nkrumah went to London.", *sentences[20:]])
    cuts = set()
    for limit in range(120, 160):
        quote, _ = render_quote(source, frozenset(terms("Nkrumah London")), limit=limit)
        assert len(quote) <= limit and ".…" not in quote
        if quote.endswith(". " + ELLIPSIS):
            cuts.add(limit)
            assert source.index(quote[1:-2])  # still verbatim up to the mark
    assert cuts  # some windows end on a full stop


@pytest.mark.parametrize("limit", [150, 201, 233])
def test_a_cut_quote_keeps_the_densest_matches_and_marks_only_the_cut_ends(limit: int) -> None:
    rng = random.Random(limit)
    filler = ["".join(rng.choices("abcdefgh", k=rng.randint(2, 9))) for _ in range(400)]
    wanted = frozenset(terms("Nkrumah London Accra"))
    # One match early on, three close together later: the quote holds the three.
    source = " ".join(
        [
            *filler[:30],
            "London",
            *filler[30:200],
            "Nkrumah",
            "in",
            "London",
            "and",
            "Accra",
            *filler[200:],
        ]
    )
    quote, highlights = render_quote(source, wanted, limit=limit)
    assert len(quote) <= limit and quote[0] == quote[-1] == ELLIPSIS
    body = quote[1:-1]
    at = source.index(body)
    assert source[at - 1] == " " and source[at + len(body)] == " " and body == body.strip()
    assert [quote[a:b] for a, b in highlights] == ["Nkrumah", "London", "Accra"]
    # Matches at the very start or end: no ellipsis on that side.
    opening, _ = render_quote(" ".join(["Accra", *filler]), wanted, limit=limit)
    assert opening.startswith("Accra ") and opening.endswith(ELLIPSIS) and len(opening) <= limit
    closing, _ = render_quote(" ".join([*filler, "Accra"]), wanted, limit=limit)
    assert closing.endswith(" Accra") and closing.startswith(ELLIPSIS) and len(closing) <= limit
    # A source of exactly the limit is not cut; a match ending the quote is highlighted.
    exact = " ".join(filler)[: limit - 6].rstrip() + " Accra"
    exact = exact.rjust(limit, "x")
    assert render_quote(exact, wanted, limit=limit) == (exact, ((limit - 5, limit),))


def test_notes_cited_in_a_quote_in_either_marker_form_once_each() -> None:
    cited = notes_in("It grew.(1) Then it fell.[2] Again.(1)", {1: "One.", 2: None})
    assert cited == (NoteRef(1, "One."), NoteRef(2, None))


def test_a_number_its_document_does_not_cite_is_no_note_in_a_quote() -> None:
    # A list's "(2)" reads like a marker in the quote alone; its page cites no note 2.
    assert notes_in("...in 1976. (2) MIM upholds the Cultural Revolution.", {1: "One."}) == ()


MASTHEAD = "MIM Notes speaks to and from the viewpoint of the world's oppressed majority."
REPRINTED = {
    "notes-1.txt": f"MIM Notes 1\n\n{MASTHEAD}\n\nThe hunger strike at Pelican Bay began in 2011.",
    "notes-2.txt": "MIM Notes 2\n\n" + MASTHEAD.replace(" the ", " the\n", 1) + "\n\nOhio fasted.",
    # A reprint with other punctuation: a curly apostrophe, "to- and" hard-wrapped.
    "notes-3.txt": "MIM Notes 3\n\n"
    + MASTHEAD.replace("'", "’").replace("to and", "to-\nand")
    + "\n\nTexas joined.",
    "viewpoint.txt": "Viewpoint\n\nThe oppressed majority of the world holds its own viewpoint.",
    # Pages without it: printed on every page, it would be the site's boilerplate.
    **{f"other-{n}.txt": f"Other {n}\n\nPrisoners wrote letter number {n}." for n in range(6)},
}


async def test_a_sentence_two_pages_print_is_quoted_once(pages_service: OpenPages) -> None:
    question = "viewpoint of the world's oppressed majority"
    service = await pages_service(REPRINTED)
    answer = await service.ask(question, limit=3)
    said = ["".join(c for c in r.quote.casefold() if c.isalnum()) for r in answer.results]
    # However the page breaks its lines or writes its punctuation.
    assert said.count("".join(c for c in MASTHEAD.casefold() if c.isalnum())) == 1
    assert "viewpoint" in [r.citation.doc_id for r in answer.results]
    # A page tells of more only when the next one has a result that is no repeat.
    for limit in (1, 2):
        page = await service.ask(question, limit=limit)
        following = await service.ask(question, limit=limit, offset=limit)
        assert page.has_more == bool(following.results)


async def test_initials_are_answered_with_the_name_written_out(pages_service) -> None:
    service = await pages_service(
        {
            "whatisrail.txt": "What is RAIL\n\nRAIL members stand up for prisoners and stand "
            "on their own feet.\n\nThe Revolutionary Anti-Imperialist League (RAIL) is a mass "
            "organization.\n",
            "other.txt": "Prisons\n\nPrisoners stand trial in the courts of the state.\n",
            # Pages without RAIL, so that its IDF is that of a rare word.
            **{
                f"page{n}.txt": f"Page {n}\n\nThe rally of year {1990 + n} was large.\n"
                for n in range(6)
            },
        }
    )
    answer = await service.ask("what does RAIL stand for?")
    assert answer.results[0].quote.startswith("The Revolutionary Anti-Imperialist League (RAIL)")


async def test_a_quoted_title_finds_its_page_though_its_text_does_not_repeat_it(
    pages_service,
) -> None:
    service = await pages_service(
        {
            "chair.txt": "Note from the Chair\n\nThe anarchists refused to build a party. "
            "They preferred small circles.",
            "other.txt": "Minutes\n\nThe chair read a note about anarchists in Spain.",
            "third.txt": "Harvest\n\nThe wheat came in late that year.",
        }
    )
    answer = await service.ask('what did "Note from the Chair" say about anarchists?')
    assert answer.results and answer.results[0].citation.doc_id == "chair"
    assert "anarchists refused" in answer.results[0].quote
    # A phrase that is neither in the title nor in the text still finds nothing.
    assert (await service.ask('"Letter from the Chair" anarchists')).abstained


async def test_a_question_only_a_page_name_answers_gets_the_page_opening(pages_service) -> None:
    service = await pages_service(
        {
            "czech.txt": "Tři hlavní body\n\nMIM se odlišuje od jiných komunistických stran. "
            "Třemi otázkami.\n",
            "strike.txt": "The strike\n\nThe prisoners went on strike in 2011.\n",
            "harvest.txt": "Harvest\n\nThe wheat came in late that year.\n",
        }
    )
    answer = await service.ask("czech")
    assert answer.results[0].citation.doc_id == "czech"
    assert answer.results[0].quote == "MIM se odlišuje od jiných komunistických stran."
    # A word the page's text says is still quoted from its text, as before.
    assert (await service.ask("strike")).results[0].quote == "The prisoners went on strike in 2011."
