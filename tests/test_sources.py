"""Reading the archive as people have it: wget mirrors (every naming form), sub-folders, single
files, files read by content, and .jsonl files read line by line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from retrieval import sources
from retrieval.models import SkippedFile, SourceDocument, SourceRef
from retrieval.sources import plain, read_all, read_source, source_files
from retrieval.sources.base import SourceFile, looks_like_html
from retrieval.sources.plain import text_blocks
from retrieval.sources.urls import page_key

SITE = "https://www.prisoncensorship.info/archive/etext/"
HEADER = (
    "This is an archive of the former website of the Maoist Internationalist Movement, which was "
    "run by the now defunct Maoist Internationalist Party - Amerika. MIM(Prisons) serves these "
    "documents as a service to and reference for the anti-imperialist movement worldwide."
)


def _page(title: str, text: str) -> str:
    return (
        f"<html><head><title>MIM: {title}</title></head><body><p>{HEADER}</p>"
        f"<h1>{title}</h1><p>{text}</p></body></html>"
    )


# Each file as wget --mirror writes it, and the page URL it must come back as.
MIRROR = {
    "mn/mn.php?issue=049": (
        _page("MIM Notes 49", "Issue 49 reports the strike at the Jackson prison."),
        SITE + "mn/mn.php?issue=049",
    ),
    "mn/mn.php?issue=068.html": (  # --adjust-extension
        _page("MIM Notes 68", "Issue 68 covers the gulag of women prisoners."),
        SITE + "mn/mn.php?issue=068",
    ),
    "mn/mn.php@issue=127": (  # --restrict-file-names=windows
        _page("MIM Notes 127", "Issue 127 exposes Thanksgiving as a holiday of genocide."),
        SITE + "mn/mn.php?issue=127",
    ),
    # A `/` in the query is escaped as %2F, and review.php serves HTML under a .txt name.
    "movies/review.php?f=long%2Fhigher.txt": (
        _page("Higher Learning", "The film Higher Learning shows campus racism."),
        SITE + "movies/review.php?f=long/higher.txt",
    ),
    "movies/review.php@f=short%2Fsoccerdog.txt.html": (
        _page("Soccer Dog", "A dog plays soccer for a team in middle Amerika."),
        SITE + "movies/review.php?f=short/soccerdog.txt",
    ),
    "ma/file.php?railfile=rail_united_front_policy.html": (
        _page("Guide to RAIL work", "RAIL works with other organizations in a united front."),
        SITE + "ma/file.php?railfile=rail_united_front_policy.html",
    ),
    "ms/zeppelin.html": (
        _page("Led Zeppelin", "The band sang of the hammer of the gods."),
        SITE + "ms/zeppelin.html",
    ),
    # HTML saved with a .txt name is read as HTML; a plain .txt page of the site as text.
    "mn/mn200/kkka.txt": (
        "<!DOCTYPE html>\n" + _page("Amerikkka", "Why the spelling Amerikkka matters to MIM."),
        SITE + "mn/mn200/kkka.txt",
    ),
    "mn/mn220/threat.txt": (
        "Pseudo-Feminism not a threat\n\nFBI surveillance of the 1960s movements went on.\n",
        SITE + "mn/mn220/threat.txt",
    ),
    "gender/index.html": (
        _page("Revolutionary feminism", "Patriarchy is the system of social relations."),
        SITE + "gender/index.html",
    ),
}


def _mirror(root: Path) -> Path:
    site = root / "www.prisoncensorship.info" / "archive" / "etext"
    for name, (content, _) in MIRROR.items():
        target = site / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
    (site / "images").mkdir()
    (site / "images" / "logo.gif").write_bytes(b"GIF89a\x00\x00")
    return root


def _documents(items: list) -> dict[str, SourceDocument]:
    assert not [i for i in items if isinstance(i, SkippedFile)]
    return {i.url: i for i in items}


def test_every_wget_naming_form_is_read_with_its_page_url(tmp_path: Path) -> None:
    docs = _documents(list(read_all([_mirror(tmp_path / "mirror")])))
    assert sorted(docs) == sorted(url for _, url in MIRROR.values())
    assert docs[SITE + "mn/mn.php?issue=068"].doc_id == "mn/mn?issue=068"
    assert docs[SITE + "movies/review.php?f=long/higher.txt"].doc_id == (
        "movies/review?f=long/higher.txt"
    )
    html_as_txt = docs[SITE + "mn/mn200/kkka.txt"]
    assert html_as_txt.title == "Amerikkka"
    assert all("<" not in b.text for b in html_as_txt.blocks)
    plain = docs[SITE + "mn/mn220/threat.txt"]
    assert plain.doc_id == "mn/mn220/threat" and plain.title == "Pseudo-Feminism not a threat"


def test_folder_walk_picks_up_query_string_names(tmp_path: Path) -> None:
    names = [Path(f.relative).name for f in source_files([_mirror(tmp_path)])]
    for name in ("mn.php?issue=049", "mn.php@issue=127", "review.php?f=long%2Fhigher.txt"):
        assert name in names
    assert "logo.gif" not in names


@pytest.mark.parametrize("below", ["mn", "movies", "www.prisoncensorship.info", "."])
def test_a_sub_folder_of_a_mirror_keeps_full_urls(tmp_path: Path, below: str) -> None:
    root = _mirror(tmp_path / "mirror")
    start = (
        root / below
        if below in (".", "www.prisoncensorship.info")
        else (root / "www.prisoncensorship.info" / "archive" / "etext" / below)
    )
    docs = _documents(list(read_all([start])))
    assert docs and all(url in {u for _, u in MIRROR.values()} for url in docs)


def test_a_single_mirrored_file_keeps_its_full_url(tmp_path: Path, monkeypatch) -> None:
    site = _mirror(tmp_path / "mirror") / "www.prisoncensorship.info" / "archive" / "etext"
    (doc,) = read_all([site / "mn" / "mn.php@issue=127"])
    assert doc.url == SITE + "mn/mn.php?issue=127" and doc.doc_id == "mn/mn?issue=127"
    monkeypatch.chdir(site / "ms")  # a relative path of one file, typed inside the mirror
    (doc,) = read_all(["zeppelin.html"])
    assert doc.url == SITE + "ms/zeppelin.html" and doc.doc_id == "ms/zeppelin"


def test_a_folder_outside_any_mirror_uses_the_base_url(tmp_path: Path) -> None:
    (tmp_path / "ms").mkdir()
    (tmp_path / "ms" / "strike.html").write_text(_page("The strike", "Pelican Bay went on strike."))
    (tmp_path / "notes.txt").write_text("Reading notes\n\nMy own notes on the strike.\n")
    docs = {d.doc_id: d for d in read_all([tmp_path], "https://example.org/etext/")}
    assert docs["ms/strike"].url == "https://example.org/etext/ms/strike.html"
    assert docs["notes"].url is None  # a text file of one's own is no page of the site


def test_the_same_page_under_http_https_and_www_gets_one_id_and_url(tmp_path: Path) -> None:
    path = "archive/etext/movies/review.php?f=long%2Fpatch.txt"
    spellings = [
        f"http://prisoncensorship.info/{path}",
        f"https://www.prisoncensorship.info/{path.replace('%2F', '/')}",
        f"http://www.prisoncensorship.info/{path}",
    ]
    pages = tmp_path / "pages.jsonl"
    pages.write_text(
        "".join(json.dumps({"url": u, "text": f"Patch Adams review {i}."}) + "\n" for i, u in
                enumerate(spellings))
    )  # fmt: skip
    docs = list(read_all([pages]))
    assert {d.doc_id for d in docs} == {"movies/review?f=long/patch.txt"}
    assert {d.url for d in docs} == {SITE + "movies/review.php?f=long/patch.txt"}
    assert len({page_key(u) for u in spellings}) == 1


def test_a_bad_jsonl_line_skips_that_line_only(tmp_path: Path) -> None:
    pages = tmp_path / "pages.jsonl"
    pages.write_text(
        json.dumps({"url": SITE + "a.html", "text": "First page."}) + "\n"
        "{not json\n"
        "\n"
        + json.dumps({"title": "no text"}) + "\n"
        + json.dumps({"url": SITE + "b.html", "text": "Second page."}) + "\n"
    )  # fmt: skip
    items = list(read_all([pages]))
    assert [d.doc_id for d in items if isinstance(d, SourceDocument)] == ["a", "b"]
    skipped = {str(s.path): s.reason for s in items if isinstance(s, SkippedFile)}
    assert set(skipped) == {f"{pages}:2", f"{pages}:4"}
    assert "not valid JSON" in skipped[f"{pages}:2"]
    assert "'text' string" in skipped[f"{pages}:4"]


def test_jsonl_size_limit_applies_per_line_not_per_file(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(sources, "MAX_FILE_BYTES", 200)
    monkeypatch.setattr(plain, "MAX_FILE_BYTES", 200)
    pages = tmp_path / "big.jsonl"
    lines = [
        json.dumps({"url": SITE + f"p{i}.html", "text": f"Page {i} of many."}) for i in range(20)
    ]
    lines[3] = json.dumps({"url": SITE + "huge.html", "text": "word " * 100})
    pages.write_text("\n".join(lines) + "\n")
    assert pages.stat().st_size > 200 * 5  # the file is far over the limit; its lines are not
    items = list(read_all([pages]))
    docs = [i for i in items if isinstance(i, SourceDocument)]
    (skipped,) = [i for i in items if isinstance(i, SkippedFile)]
    assert (
        len(docs) == 19
        and skipped.path == SourceRef(str(pages), line=4)
        and "limit" in skipped.reason
    )


def test_jsonl_in_a_zip_is_streamed_past_the_page_limit(tmp_path: Path, monkeypatch) -> None:
    import zipfile

    from retrieval.sources import zipfiles

    monkeypatch.setattr(zipfiles, "MAX_FILE_BYTES", 300)
    monkeypatch.setattr(sources, "MAX_FILE_BYTES", 300)
    monkeypatch.setattr(plain, "MAX_FILE_BYTES", 300)
    rows = "".join(
        json.dumps({"url": SITE + f"p{i}.html", "text": f"Page {i}."}) + "\n" for i in range(30)
    )
    with zipfile.ZipFile(tmp_path / "a.zip", "w") as archive:
        archive.writestr("pages.jsonl", rows)
    items = list(read_all([tmp_path / "a.zip"]))
    assert len([i for i in items if isinstance(i, SourceDocument)]) == 30


def test_binary_jsonl_is_skipped_whole(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_bytes(b"\x00\x01\x02" * 100 + b"\n" + b"\x00" * 50)
    (item,) = read_all([path])
    assert isinstance(item, SkippedFile) and "binary" in item.reason


@pytest.mark.parametrize(
    ("name", "data", "html"),
    [
        ("a.txt", b"<html><body><p>x</p></body></html>", True),
        ("a.txt", b"\xef\xbb\xbf  <!DOCTYPE html><p>x", True),
        ("a.txt", b"Notes on <p> tags\n\nText.", False),
        ("a.txt", b"Content-Type: text/html\n\n<html><body>x</body></html>", True),
        ("mn.php?issue=049", b"Title\n\n<p>late markup</p>", True),
        ("mn.php?issue=049", b"Plain text served by PHP.", False),
        ("a.html", b"Only words, no markup.", False),
    ],
)
def test_pages_are_read_by_content(name: str, data: bytes, html: bool) -> None:
    assert looks_like_html(data, name) is html


def test_html_with_a_txt_name_is_parsed_as_html() -> None:
    page = b"<html><body><h1>Strike</h1><p>Prisoners <b>struck</b> in 1995.</p></body></html>"
    (doc,) = read_source(SourceFile(SourceRef("x/strike.txt"), "strike.txt", lambda: page))
    assert doc.title == "Strike"
    assert [b.text for b in doc.blocks] == ["Strike", "Prisoners struck in 1995."]


def test_hard_wrapped_list_items_keep_their_lines_and_are_no_headings() -> None:
    text = (
        "Three Main Points\n"
        "MIM differs from other parties on three questions:\n"
        "- Imperialism buys off whole populations in Canada, Belgium and\n"
        "Denmark. (See MIM Theory #1 on the White-Working Class\n"
        "and MIM Theory #10 on the Labor Aristocracy)\n"
        "- MIM upholds the Cultural Revolution.\n"
    )
    blocks = text_blocks(text)
    assert [b.kind for b in blocks] == ["heading", "paragraph", "paragraph", "paragraph"]
    assert blocks[2].text.startswith("- Imperialism") and "Denmark. (See" in blocks[2].text
    assert not any(b.kind == "heading" and b.text.startswith("Denmark") for b in blocks)


def test_hard_wrapped_prose_stays_one_paragraph_despite_a_dash_line() -> None:
    # A film review wrapped at 50 columns, no blank lines; "--trite." opens a line but is prose.
    text = (
        "This is a typical made-for-summer\n"
        "action flick with not much to it. It started\n"
        "showing July 12th in the united $tates.\n"
        "Amerikkkan male is going to die\n"
        "--trite. The film crew even devotes a few scenes to\n"
        "building a slight tension along these lines.\n"
    )
    blocks = text_blocks(text)
    assert [b.kind for b in blocks] == ["paragraph"]
    assert "started\nshowing July 12th" in blocks[0].text


def test_a_heading_written_right_above_its_wrapped_paragraph_is_a_heading() -> None:
    text = (
        "Session II\n"
        "In the world as a whole, the numerical majority of gender-oppressed people\n"
        "are biological womyn. Nevertheless, as dialectical materialists - as\n"
        "Maoists - MIM understands that gender oppression is not biological.\n"
    )
    blocks = text_blocks(text)
    assert [(b.kind, b.text.split("\n")[0]) for b in blocks] == [
        ("heading", "Session II"),
        ("paragraph", "In the world as a whole, the numerical majority of gender-oppressed people"),
    ]
    # A short line over one or two lines, or an address, stays the paragraph it opens.
    for kept in (
        "Dear Comrades\nThe books arrived in good order and we thank you.\n",
        "RAIL\nP.O. Box 3576\nAnn Arbor, MI 48106\n",
        "By 1980 as J. Sakai has pointed out in the widely\n"
        "disrespected underground classic Settlers, the white\n"
        "working class was an aristocracy of labor.\n",
    ):
        assert [b.kind for b in text_blocks(kept)] == ["paragraph"], kept
