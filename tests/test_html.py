"""HTML pages -> blocks: titles, headings, paragraphs, notes and markers, navigation dropped."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retrieval import ArchiveService
from retrieval.boilerplate import clean_title
from retrieval.errors import SourceError
from retrieval.layout import structure
from retrieval.models import SkippedFile, SourceDocument, SourceRef
from retrieval.sources import html as html_module
from retrieval.sources import read_all, read_source, source_files
from retrieval.sources.base import SourceFile
from retrieval.sources.encoding import decode_html
from retrieval.sources.html import HtmlPage, extract, read_html
from retrieval.sources.urls import ARCHIVE_BASE_URL, page_url

HTML = Path(__file__).parent / "data" / "html"
FIXTURES = sorted(p.name for p in HTML.glob("*.html"))


def _page(name: str) -> HtmlPage:
    return extract(decode_html((HTML / name).read_bytes(), name))


def _read(name: str, relative: str | None = None) -> SourceDocument:
    path = HTML / name
    [doc] = read_html(SourceFile(SourceRef(str(path)), relative or name, path.read_bytes))
    return doc


def _kinds(page: HtmlPage) -> list[tuple[str, str]]:
    return [(b.kind, b.text) for b in page.blocks]


def _body(html: str) -> list[tuple[str, str]]:
    return _kinds(extract(f"<html><body>{html}</body></html>"))


@pytest.mark.parametrize("name", FIXTURES)
def test_every_block_is_whitespace_normalised_text(name: str) -> None:
    for block in _page(name).blocks:
        assert block.text == " ".join(block.text.split()) and block.text
        assert "<" not in block.text and "&amp;" not in block.text


def test_old_page_with_font_tags_and_br_paragraphs() -> None:
    page = _page("old_latin1.html")
    assert page.title == "Prison labor in Amerika"
    kinds = [k for k, _ in _kinds(page)]
    assert kinds == ["heading", "paragraph", "paragraph", "heading", "paragraph", "note", "note"]
    assert page.blocks[3].text == "The labor aristocracy"
    assert page.blocks[1].text.startswith("The prison industry of the united $tates employs")
    assert "Ho Chí Minh" in page.blocks[1].text and "MIM’s line" in page.blocks[1].text
    assert "Go back to MIM homepage" not in str(page.blocks)


def test_old_page_notes_link_to_their_markers() -> None:
    doc, _ = structure(_read("old_latin1.html"))
    assert doc.notes == {
        1: "Prison Legal News, March 1998, p. 4.",
        2: "Texas Department of Criminal Justice, annual report, 1997.",
    }
    assert sorted(m.number for m in doc.markers) == [1, 1, 2]
    assert doc.sections == ["The labor aristocracy"]
    assert "Notes" not in doc.text


def test_mojibake_page_is_repaired_and_bold_paragraph_is_a_heading() -> None:
    page = _page("mojibake_utf8.html")
    assert page.title == "Cultural revolution in the countryside"
    assert ("heading", "Criticism of Lin Biao") in _kinds(page)
    text = " ".join(b.text for b in page.blocks)
    assert "café society of Paris called it “backward,”" in text
    assert "hand.(1) Visitors" in text and "villages.(2) It’s" in text
    assert [(b.number, b.text) for b in page.blocks if b.kind == "note"] == [
        (1, "Jack Chen, A Year in Upper Felicity, 1973."),
        (2, "Peking Review, no. 7, 1974."),
    ]


def test_navigation_scripts_and_link_lists_are_dropped() -> None:
    page = _page("navigation.html")
    assert page.title == "The labor aristocracy and the Third World"
    assert [k for k, _ in _kinds(page)] == ["heading", "paragraph", "paragraph"]
    text = " ".join(b.text for b in page.blocks)
    for gone in ("Home", "FAQ", "MIM homepage", "Read about", "Previous", "See also", "Menu"):
        assert gone not in text
    assert "document.write" not in text and "font-family" not in text
    assert "superprofits — its members" in text  # windows-1252 dash under a Latin-1 <meta>
    assert "bribe in Imperialism in 1916" in text  # a link inside prose stays


def test_canonical_link_gives_url_and_id() -> None:
    doc = _read("canonical.html", "mirror/some/other/place.html")
    assert doc.url == "https://www.prisoncensorship.info/archive/etext/countries/peru/pcp.html"
    assert doc.doc_id == "countries/peru/pcp"
    assert doc.title == "The Communist Party of Peru"
    assert doc.subtitle == "Notes on the people's war in the Andes"


def test_canonical_page_structure_brackets_notes_and_boilerplate() -> None:
    doc, dropped = structure(_read("canonical.html"))
    assert dropped == 1  # the archive's banner
    assert doc.sections == ["Base areas", "The capture of Gonzalo"]
    assert doc.notes == {
        1: "Simon Strong, Shining Path, 1992.",
        2: "El Diario, interview with Chairman Gonzalo, 1988.",
    }
    assert [(m.number, m.paragraph) for m in doc.markers] == [(1, 1), (2, 2), (1, 3)]
    assert doc.text.startswith("The people's war in Peru began in 1980 in Ayacucho.[1]")


def test_ordered_notes_list_with_sup_and_bracket_markers() -> None:
    page = _page("notes_ol.html")
    assert page.title == "Mao on the mass line"  # <title> is "Untitled Document"
    doc, _ = structure(_read("notes_ol.html"))
    assert doc.notes == {
        1: 'Mao Zedong, "Some Questions Concerning Methods of Leadership," 1943.',
        2: "Selected Works of Mao Tse-tung, volume III.",  # a note that is all link stays
    }
    assert "to the masses.(1) It is" in doc.text and "in 1943.[2]" in doc.text
    assert sorted(m.number for m in doc.markers) == [1, 1, 2]


def test_notes_found_by_their_anchors_without_a_heading() -> None:
    page = _page("notes_anchors.html")
    assert page.title == "MIM Notes 1: On the labor aristocracy"
    assert [(b.number, b.text) for b in page.blocks if b.kind == "note"] == [
        (1, "MIM Theory 1, 1992."),
        (2, "Engels to Marx, 7 October 1858."),
    ]
    assert [b.kind for b in page.blocks] == ["paragraph", "paragraph", "note", "note"]


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<p>Text.(1)</p><p>Footnotes:</p><p>(1) A source.</p>", (1, "A source.")),
        ("<p>Text.[1]</p><h4>References</h4><p>[1] A source.</p>", (1, "A source.")),
        ("<p>Text.(1)</p><b>Notes:</b><br>1) A source.<br>", (1, "A source.")),
        ("<p>Text.<sup>3</sup></p><h3>Notes</h3><p><sup>3</sup> A source.</p>", (3, "A source.")),
        ("<p>Text.(2)</p><h3>Sources</h3><ol start=2><li>A source.</li></ol>", (2, "A source.")),
        ("<p>Text.(1)</p><h3>Notes</h3><ol><li>1. A source.</li></ol>", (1, "A source.")),
        ('<p>Text.<a href="#1">1</a></p><p><a name="1">1</a> A source.</p>', (1, "A source.")),
    ],
)
def test_notes_list_forms(html: str, expected: tuple[int, str]) -> None:
    page = extract(f"<html><body>{html}</body></html>")
    assert [(b.number, b.text) for b in page.blocks if b.kind == "note"] == [expected]
    assert [b.kind for b in page.blocks] == ["paragraph", "note"]


def test_unnumbered_line_in_a_notes_list_continues_the_note() -> None:
    blocks = _body("<p>Text.(1)</p><p>Notes:</p><p>1. Part one</p><p>and part two.</p>")
    assert blocks == [("paragraph", "Text.(1)"), ("note", "Part one and part two.")]


def test_trailing_numbered_list_cited_by_the_body_is_a_notes_list() -> None:
    blocks = _body("<p>One.(1) Two.(2)</p><p>1. First source.</p><p>2. Second source.</p>")
    assert [k for k, _ in blocks] == ["paragraph", "note", "note"]
    uncited = _body("<p>Steps:</p><p>1. Organise.</p><p>2. Agitate.</p>")
    assert [k for k, _ in uncited] == ["paragraph", "paragraph", "paragraph"]


def test_markers_in_prose() -> None:
    [(_, text)] = _body(
        'Belgium<sup>3</sup> and France.<a href="#fn4">[4]</a> Also '
        '<a href="#n5"><sup>5</sup></a> and 19<sup>th</sup> century, <a href="x.html">12</a>.'
    )
    assert text == "Belgium(3) and France.[4] Also (5) and 19th century, 12."


def test_a_plain_line_is_a_heading_as_in_plain_text_when_text_follows_it() -> None:
    # The rule of the plain-text reader: short, capitalised, no closing punctuation.
    blocks = _body(
        "<p>Socialist Workers Party</p><p>Self-Description: Support Castroite groups.</p>"
        "<p>Reviewed February, 2006.</p><p>Pages served 2459</p>"
    )
    assert blocks == [
        ("heading", "Socialist Workers Party"),
        ("paragraph", "Self-Description: Support Castroite groups."),
        ("paragraph", "Reviewed February, 2006."),
        ("paragraph", "Pages served 2459"),  # nothing follows it: not a heading
    ]


def test_headings_from_tags_bold_lines_and_large_fonts() -> None:
    blocks = _body(
        "<h2>A section</h2><p>Text one.</p>"
        "<p><b>A bold heading</b></p><p>Text two.</p>"
        "<font size=+1>A big heading</font><br>Text three.<br><br>"
        "<p><strong>A whole bold sentence that ends with a period.</strong></p>"
        "<p><b>Bold</b> lead-in of a paragraph.</p>"
        "<ul><li><b>Bold item</b></li><li>Plain item</li></ul>"
    )
    assert blocks == [
        ("heading", "A section"),
        ("paragraph", "Text one."),
        ("heading", "A bold heading"),
        ("paragraph", "Text two."),
        ("heading", "A big heading"),
        ("paragraph", "Text three."),
        ("paragraph", "A whole bold sentence that ends with a period."),
        ("paragraph", "Bold lead-in of a paragraph."),
        ("paragraph", "Bold item"),
        ("paragraph", "Plain item"),
    ]


def test_br_lines_stay_lines_and_double_br_splits() -> None:
    # As in a text file: a line break inside a paragraph is kept (a byline under a title, the
    # lines of a masthead), and a blank line ends the paragraph.
    blocks = _body("First line<br>\nsame paragraph.<br><br>Second<br/> <br>Third")
    assert blocks == [
        ("paragraph", "First line\nsame paragraph."),
        ("paragraph", "Second"),
        ("paragraph", "Third"),
    ]


def test_pre_text_splits_at_blank_lines() -> None:
    blocks = _body(
        "<pre>\nA plain text article\nwrapped at 70 columns.\n\nSecond paragraph.\n</pre>"
    )
    assert blocks == [
        ("paragraph", "A plain text article\nwrapped at 70 columns."),
        ("paragraph", "Second paragraph."),
    ]


def test_hidden_and_form_controls_are_dropped() -> None:
    blocks = _body(
        '<div style="display:none">Hidden</div><p hidden>Also hidden</p>'
        '<div role="navigation">Menu</div><select><option>Pick</option></select>'
        "<p>Kept &amp; shown&nbsp;here\u00ad.</p>"
    )
    assert blocks == [("paragraph", "Kept & shown here.")]


def test_deeply_nested_unclosed_tags_do_not_crash() -> None:
    page = extract("<font>" * 5000 + "Deep text." + "<p>After.")
    assert [b.text for b in page.blocks] == ["Deep text.", "After."]


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("MIM: Prison labor", "Prison labor"),
        ("Prison labor - MIM", "Prison labor"),
        ("Maoist Internationalist Movement :: Prison labor", "Prison labor"),
        ("Prison labor | Maoist Internationalist Movement", "Prison labor"),
        ("MIM(Prisons) -- Prison labor", "Prison labor"),
        ("MIM Notes 300: Prison labor", "MIM Notes 300: Prison labor"),
        ("MIM's line on prisons", "MIM's line on prisons"),
        ("Maoist Internationalist Movement", None),
        ("Untitled Document", None),
        ("New Page 1", None),
        ("  ", None),
    ],
)
def test_clean_title(title: str, expected: str | None) -> None:
    assert clean_title(title) == expected


def test_title_falls_back_to_first_heading_then_keeps_distinct_title() -> None:
    assert extract("<title>MIM</title><h2>Real title</h2><p>Text.</p>").title == "Real title"
    page = extract("<title>Page title</title><h1>Another heading</h1><p>Text.</p>")
    assert page.title == "Page title" and page.blocks[0].text == "Another heading"


@pytest.mark.parametrize(
    ("relative", "url"),
    [
        ("ms/page.html", ARCHIVE_BASE_URL + "ms/page.html"),
        ("www.prisoncensorship.info/archive/etext/ms/page.html", ARCHIVE_BASE_URL + "ms/page.html"),
        ("mirror/prisoncensorship.info/archive/etext/faq/x.htm", ARCHIVE_BASE_URL + "faq/x.htm"),
        ("www.prisoncensorship.info/news/1.html", "https://www.prisoncensorship.info/news/1.html"),
        ("archive/etext/ms/page.html", ARCHIVE_BASE_URL + "ms/page.html"),
        ("etext/ms/page.html", ARCHIVE_BASE_URL + "ms/page.html"),
        ("ms\\my page.html", ARCHIVE_BASE_URL + "ms/my%20page.html"),
    ],
)
def test_page_url(relative: str, url: str) -> None:
    assert page_url(relative) == url


def test_page_without_article_text_is_refused() -> None:
    nav_only = b"<html><body><ul><li><a href='a.html'>A</a></li></ul></body></html>"
    with pytest.raises(SourceError, match=r"^index.html: no article text"):
        read_html(SourceFile(SourceRef("index.html"), "index.html", lambda: nav_only))


def _mirror(root: Path) -> Path:
    site = root / "mirror" / "www.prisoncensorship.info" / "archive" / "etext"
    (site / "ms").mkdir(parents=True)
    shutil.copy(HTML / "old_latin1.html", site / "ms" / "prisonlabor.html")
    shutil.copy(HTML / "notes_ol.html", site / "ms" / "massline.htm")
    shutil.copy(HTML / "canonical.html", site / "pcp.php")
    (site / "index.html").write_bytes(b"<ul><li><a href='ms/prisonlabor.html'>Prisons</a></ul>")
    (site / "logo.gif").write_bytes(b"GIF89a\x00\x00")
    return root / "mirror"


def test_mirror_folder_pages_get_their_urls(tmp_path: Path) -> None:
    items = list(read_all([_mirror(tmp_path)]))
    docs = {d.doc_id: d for d in items if isinstance(d, SourceDocument)}
    assert sorted(docs) == ["countries/peru/pcp", "ms/massline", "ms/prisonlabor"]
    assert docs["ms/massline"].url == ARCHIVE_BASE_URL + "ms/massline.htm"
    skipped = [i for i in items if isinstance(i, SkippedFile)]
    assert [s.reason for s in skipped] == ["no article text (only navigation or markup)"]
    assert all(not f.path.endswith(".gif") for f in source_files([_mirror(tmp_path / "b")]))


async def test_service_answers_from_a_mirror_folder(tmp_path: Path) -> None:
    service = await ArchiveService.open(tmp_path / "db.sqlite3", seed=[_mirror(tmp_path)])
    try:
        answer = await service.ask("Are prisoners in Texas paid for work in the cotton fields?")
        best = answer.results[0]
        assert "Prisoners in Texas work the cotton fields without any pay at all.(2)" in best.quote
        assert best.citation.title == "Prison labor in Amerika"
        assert best.citation.url == ARCHIVE_BASE_URL + "ms/prisonlabor.html"
        notes = {n.number: n.text for n in best.notes}
        assert notes[2] == "Texas Department of Criminal Justice, annual report, 1997."
        footnote = await service.footnote("ms/prisonlabor", 1)
        assert footnote.text == "Prison Legal News, March 1998, p. 4."
        assert len(footnote.citations) == 2
    finally:
        await service.close()


def test_list_item_of_several_paragraphs_is_one_note() -> None:
    blocks = _body(
        "<p>Text.(1)</p><h3>Notes</h3><ol><li><p>Part one.</p><p>Part two.</p></li></ol>"
    )
    assert blocks == [("paragraph", "Text.(1)"), ("note", "Part one. Part two.")]


def test_data_table_rows_read_as_lines_and_layout_cells_as_blocks() -> None:
    blocks = _body(
        "<table><tr><th>Statistic</th><th>2003</th><th>2004</th></tr>"
        "<tr><td>Pages served per day</td><td>2459</td><td>3403</td></tr></table>"
        "<table><tr><td><a href='a.html'>Menu one</a><br><a href='b.html'>Menu two</a></td>"
        "<td><p>The article text.</p></td></tr></table>"
    )
    assert blocks == [
        ("paragraph", "Statistic 2003 2004"),
        ("paragraph", "Pages served per day 2459 3403"),
        ("paragraph", "The article text."),
    ]


def test_entity_mojibake_is_repaired() -> None:
    page = extract(
        "<title>Caf&Atilde;&copy;s</title><p>MIM&acirc;&#128;&#153;s caf&Atilde;&copy;</p>"
    )
    assert page.title == "Cafés" and page.blocks[0].text == "MIM’s café"


_MARKUP = [*"<>/=\"' abp1#&;()[]\n", "<br>", "<sup>", "<li>", "<ol>", "<b>", "Notes:", "<a href="]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(_MARKUP), max_size=60).map("".join))
def test_any_markup_extracts_to_normalised_blocks(html: str) -> None:
    for block in extract(html).blocks:
        lines = block.text.split("\n")
        assert block.text and all(line == " ".join(line.split()) and line for line in lines)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_read_or_raise_source_error(data: bytes) -> None:
    try:
        docs = read_html(SourceFile(SourceRef("fuzz.html"), "fuzz.html", lambda: data))
    except SourceError:
        return
    assert docs[0].doc_id == "fuzz"


SEED_LIKE = """<html><head><title>MIM: Migrants in communist history</title></head><body>
<p>This is an archive of the former website of the Maoist Internationalist Movement, which was
run by the now defunct Maoist Internationalist Party - Amerika.</p>
<h2>Maoist Internationalist<br>Movement</h2>
<p><b>Properly assessing the importance of migrants and their scientific communist role:</b></p>
<h1>Migrants in communist history</h1>
<p>*<a href="prodforces.html">See MIM's article on the theory of the productive forces</a></p>
<p>Student, peasant and worker migration to the united $tates continually sets new records.(1)</p>
<h3>Our own teachers</h3>
<p>Deng became a communist in France.(2)</p>
</body></html>"""


def test_seed_like_page_title_subtitle_and_sections() -> None:
    page = extract(SEED_LIKE)
    assert page.title == "Migrants in communist history"
    assert (
        page.subtitle
        == "Properly assessing the importance of migrants and their scientific communist role"
    )
    doc, dropped = structure(
        SourceDocument(
            "ms/m", page.title, None, SourceRef("m.html"), "h", page.blocks, page.subtitle
        )
    )
    assert dropped == 2
    assert doc.text.startswith("Student, peasant and worker migration")
    assert doc.sections == ["Our own teachers"]
    assert "productive forces" not in doc.text


def test_site_name_heading_is_never_the_title() -> None:
    page = extract("<h1>Maoist Internationalist Movement</h1><h2>Real title</h2><p>Text.</p>")
    assert page.title == "Real title"


def test_relative_canonical_is_resolved_and_site_root_canonical_ignored() -> None:
    def url_of(head: str) -> str | None:
        page = f"<html><head>{head}</head><body><p>Text.</p></body></html>".encode()
        [doc] = read_html(SourceFile(SourceRef("x"), "ms/page.html", lambda: page))
        return doc.url

    assert url_of('<link rel="canonical" href="../faq/a.html">') == ARCHIVE_BASE_URL + "faq/a.html"
    assert url_of('<link rel="canonical" href="https://www.prisoncensorship.info/">') == (
        ARCHIVE_BASE_URL + "ms/page.html"
    )
    assert url_of('<link rel="canonical" href="javascript:void(0)">') == (
        ARCHIVE_BASE_URL + "ms/page.html"
    )


def test_a_page_of_plain_paragraphs_is_titled_as_its_text_would_be() -> None:

    text = (
        "1998 MIM Congress\n\nClarity on what gender is\n\nby MC5\nMarch 6, 1998\n\n"
        "MIM has struggled mightily to bring back the definition of proletariat.\n"
    )
    paragraphs = [p.replace("\n", "<br>") for p in text.strip().split("\n\n")]
    page = "<html><body>" + "".join(f"<p>{p}</p>" for p in paragraphs) + "</body></html>"

    def read(data: str, name: str) -> SourceDocument:
        (doc,) = read_source(SourceFile(SourceRef(name), name, lambda: data.encode()))
        assert isinstance(doc, SourceDocument)
        return doc

    as_html, as_text = read(page, "gender98b.html"), read(text, "gender98b.txt")
    assert as_html.title == as_text.title == "1998 MIM Congress: Clarity on what gender is"


@given(st.text(alphabet=st.sampled_from(list("ab é\u00ad\u200b\t\n\u00a0\u2003.,")), max_size=40))
@settings(max_examples=300)
def test_counts_taken_from_normalised_text_are_the_counts_of_the_text(text: str) -> None:
    normed = html_module._norm(text)
    assert html_module._words(normed) == len(normed.split())
    if text.isascii():
        assert len(normed) - normed.count(" ") == len("".join(text.split()))
