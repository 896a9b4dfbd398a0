"""Titles a reader recognises: what the page calls itself, never mastheads, links or fragments."""

from __future__ import annotations

import pytest

from retrieval.layout import structure
from retrieval.models import SourceRef
from retrieval.sources import read_source
from retrieval.sources.base import SourceFile
from retrieval.sources.html import extract, read_html
from retrieval.sources.titles import clean_date, guess_title, is_masthead, issue_title, text_lines

HEADER = (
    "This is an archive of the former website of the Maoist Internationalist Movement, which was "
    "run by the now defunct Maoist Internationalist Party - Amerika. MIM(Prisons) serves these "
    "documents as a service to and reference for the anti-imperialist movement worldwide.\n"
    "Maoist Internationalist Movement\n\n"
)
ISSUE = HEADER + (
    "I N T E R N E T ' S  M A O I S T  M O N T H L Y\n\n"
    "= = = = = = = = = = = = = = = = = = = = = = = =\n\n"
    "     XX XX  XXX  XX XX   X   X  XXX  XXX\n"
    "     X X X   X   X X X   XX  X  X X   X \n"
    "     X   X  XXX  X   X   X   V  XXX   X \n\n"
    "  MIM Notes No. 52             MAY 1, 1991\n\n"
    "MIM Notes speaks to and from the viewpoint of the\n"
    "world's oppressed majority.\n"
)
SITE = "https://www.prisoncensorship.info/archive/etext/"


def _text_title(text: str, url: str | None = None) -> tuple[str | None, str | None]:
    return guess_title(text_lines(text), url)


@pytest.mark.parametrize(
    "line",
    [
        "I N T E R N E T ' S  M A O I S T  M O N T H L Y",
        "= = = = = = = = = = = =",
        "     XX XX  XXX  XX XX   X   X  XXX",
        "| x   x x x   x   x  x  xx  xxx xxx  xxx     |",
    ],
)
def test_mastheads_are_recognised(line: str) -> None:
    assert is_masthead(line)


@pytest.mark.parametrize(
    "line", ["MIM Notes 150 NOVEMBER 15, 1997", "Three Main Points", "dead prez"]
)
def test_ordinary_lines_are_no_mastheads(line: str) -> None:
    assert not is_masthead(line)


def test_issue_page_is_titled_by_number_and_date() -> None:
    assert _text_title(ISSUE, SITE + "mn/mn.php?issue=052") == ("MIM Notes 52, May 1, 1991", None)
    # The number from the masthead when the URL has none; the URL's wins when both are there.
    assert issue_title(text_lines(ISSUE)) == "MIM Notes 52, May 1, 1991"
    framed = "|  x x  Issue #8   |\n| x x x  01/12/85   |\n|   Newspaper   |\n\nThe APO led."
    assert issue_title(text_lines(framed), SITE + "mn/mn.php?issue=008") == (
        "MIM Notes 8, January 12, 1985"
    )
    assert issue_title(["MIM Notes 263 · August 1, 2002· Page 1"], SITE + "mn/html/mn263.html") == (
        "MIM Notes 263, August 1, 2002"
    )


def test_a_masthead_further_down_an_article_is_not_its_title() -> None:
    text = (
        HEADER + '"Why do you spell it like that?"\n\nMIM Notes No. 200 December 15, 1999\n\nText.'
    )
    assert _text_title(text, SITE + "faq/amerika.html")[0] == '"Why do you spell it like that?"'


def test_link_lines_are_skipped_and_a_kicker_is_the_subtitle() -> None:
    text = HEADER + (
        "See our Iraq web page\n\nSecond anniversary of land invasion of Iraq:\n\n"
        "2000 rally against war on Iraq\n\nBOSTON, March 20--MIM attended a rally."
    )
    assert _text_title(text) == (
        "2000 rally against war on Iraq",
        "Second anniversary of land invasion of Iraq",
    )


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("MIM Theory #6\nThe Stalin Issue\n\nThe central problem is...", "MIM Theory #6: The Stalin Issue"),
        ('"OK, we\'ve answered your taunts:\nnow we\'ll tell you more."\n\nText.',
         '"OK, we\'ve answered your taunts: now we\'ll tell you more."'),
        ("Brezhnevites " + HEADER + "Comments on Brezhnevism: a long line of text follows here.",
         "Brezhnevites"),
        ("dead prez\nLets Get Free\nLoud Records\n\nThis album could be...", "dead prez"),
        ("To the staff,\n\nI was certainly happy to receive a subscription.", None),
        ("Communism is the abolition of power. This means abolishing\noppression.", None),
    ],
)  # fmt: skip
def test_text_page_titles(text: str, title: str | None) -> None:
    assert _text_title(text)[0] == title


def test_a_page_without_a_title_line_gets_its_opening_words() -> None:
    page = (
        b"To the staff,\n\nI was certainly happy to receive a subscription to your paper, but "
        b"the prison censors it. Please cancel it.\n"
    )
    (doc,) = read_source(SourceFile(SourceRef("ulk127.txt"), "ulk127.txt", lambda: page))
    assert doc.title == "I was certainly happy to receive a subscription to your paper, but the…"


@pytest.mark.parametrize(
    ("text", "title"),
    [
        # A page saved as one long line: its headline runs into a dateline or a first sentence.
        (
            "Boisterous 500 rally in Boston rain BOSTON, MASSACHUSETTS--500 people rallied in "
            "light rain in Copley Square.",
            "Boisterous 500 rally in Boston rain",
        ),
        (
            "Letters MIM Notes audience among whites? I just finished reading the letters "
            "section of MIM Notes 190.",
            "Letters MIM Notes audience among whites?",
        ),
        # An abbreviation or initials end no headline; a first sentence of two words is none.
        (
            "Pseudo-Feminism not a threat to u.$. Government FBI surveillance and infiltration "
            "of the movement went on.",
            "Pseudo-Feminism not a threat to u.$. Government FBI surveillance and…",
        ),
        (
            "He left. We stayed behind in the city for many more years after that time ended.",
            "He left. We stayed behind in the city for many more years after that…",
        ),
    ],
)
def test_a_headline_run_into_the_text_is_the_title(text: str, title: str) -> None:
    page = text.encode()
    (doc,) = read_source(SourceFile(SourceRef("a.txt"), "a.txt", lambda: page))
    assert doc.title == title
    document, _ = structure(doc)
    assert document.text == text  # the headline's words stay in the text


@pytest.mark.parametrize(
    ("name", "page"),
    [
        ("a.txt", b"Comrades met in Ann Arbor on May 3, 1999.\n\nThey spoke of prisons.\n"),
        (
            "a.html",
            b"<html><body><p>Comrades met in Ann Arbor on May 3, 1999.</p>"
            b"<p>They spoke of prisons.</p></body></html>",
        ),
    ],
)
def test_a_title_made_of_the_opening_words_leaves_them_in_the_text(name: str, page: bytes) -> None:
    # A page that names no title is titled by its opening words; when they are its whole first
    # paragraph, that paragraph is still text to search and quote, not a title line to drop.
    (source,) = read_source(SourceFile(SourceRef(name), name, lambda: page))
    assert source.title == "Comrades met in Ann Arbor on May 3, 1999."
    document, _ = structure(source)
    assert [document.text[p.start : p.end] for p in document.paragraphs] == [
        "Comrades met in Ann Arbor on May 3, 1999.",
        "They spoke of prisons.",
    ]


def test_a_title_line_is_not_body_text() -> None:
    page = b"Prison book program grows\n\nThe program sent 300 books in 2001.\n"
    (source,) = read_source(SourceFile(SourceRef("b.txt"), "b.txt", lambda: page))
    document, _ = structure(source)
    assert source.title == "Prison book program grows"
    assert document.text == "The program sent 300 books in 2001."


@pytest.mark.parametrize(
    ("date", "clean"),
    [("NOVEMBER 15, 1997", "November 15, 1997"), ("SEPTEMBER, 1992", "September 1992"),
     ("01/12/85", "January 12, 1985"), ("April 1, 1999", "April 1, 1999")],
)  # fmt: skip
def test_dates_read_as_people_write_them(date: str, clean: str) -> None:
    assert clean_date(date) == clean


def test_html_masthead_title_and_heading_are_skipped() -> None:
    page = extract(
        "<title>I N T E R N E T ' S  M A O I S T  M O N T H L Y</title>"
        "<h2>See our Iraq web page</h2><h1>Rally in Boston</h1><p>Text.</p>"
    )
    assert page.title == "Rally in Boston"


def test_h2_after_h1_is_a_section_when_the_page_has_several_h2() -> None:
    several = extract("<h1>Title</h1><h2>First part</h2><p>One.</p><h2>Second part</h2><p>Two.</p>")
    assert (several.title, several.subtitle) == ("Title", None)
    single = extract("<h1>Title</h1><h2>A subtitle</h2><p>One.</p><h3>Part</h3><p>Two.</p>")
    assert (single.title, single.subtitle) == ("Title", "A subtitle")
    # The same when the first heading is an <h2> too: the second one opens the sections.
    same = extract("<h2>Title</h2><h2>First part</h2><p>One.</p><h3>Sub</h3><p>Two.</p>")
    assert (same.title, same.subtitle) == ("Title", None)


def test_html_issue_page_without_title_gets_issue_title_from_br_lines() -> None:
    html = (
        f"<p>{HEADER}</p><p>MIM Notes 263 · August 1, 2002· Page 1<br>MIM Notes<br>"
        "The Official Newsletter</p><p>This article is about an important controversy.</p>"
    ).encode()
    file = SourceFile(
        SourceRef("x"), "www.prisoncensorship.info/archive/etext/mn/html/mn263.html", lambda: html
    )
    (doc,) = read_html(file)
    assert doc.title == "MIM Notes 263, August 1, 2002"
    assert doc.url == SITE + "mn/html/mn263.html"


def test_the_site_name_wrapped_over_two_lines_heads_no_section() -> None:
    page = (
        HEADER.split("\n")[0]
        + "\nMaoist Internationalist \nMovement\n\nWEB REVIEWS:\nmarxists.org\n\n"
        "The marxists.org site had this to say about MIM.\n"
    ).encode()
    (source,) = read_source(SourceFile(SourceRef("m.txt"), "links/m.txt", lambda: page))
    document, _ = structure(source)
    assert {p.section for p in document.paragraphs} == {""}
    assert "Movement" not in document.text and "Maoist Internationalist" not in document.text


def test_a_line_sending_the_reader_elsewhere_heads_no_section() -> None:
    page = (
        b"Boston rally\n\nSee our Iraq web page\n\nMIM attended a rally of 2000 people.\n\n"
        b"Next steps\n\nWe will march again in April.\n"
    )
    (source,) = read_source(SourceFile(SourceRef("b.txt"), "b.txt", lambda: page))
    document, _ = structure(source)
    sections = {document.text[p.start : p.end]: p.section for p in document.paragraphs}
    assert sections == {
        "See our Iraq web page": "",
        "MIM attended a rally of 2000 people.": "",
        "We will march again in April.": "Next steps",
    }
