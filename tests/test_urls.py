"""Page URLs: every spelling of a page is one canonical URL and one short id; mirror names read back."""

from __future__ import annotations

import pytest

from retrieval.sources.urls import (
    ARCHIVE_BASE_URL,
    canonical_url,
    doc_id_from_url,
    mirror_url,
    page_key,
    page_url,
    reference_key,
    split_mirror_name,
)

SITE = "https://www.prisoncensorship.info/archive/etext/"


@pytest.mark.parametrize(
    "spelling",
    [
        "http://prisoncensorship.info/archive/etext/movies/review.php?f=long%2Fpatch.txt",
        "https://www.prisoncensorship.info/archive/etext/movies/review.php?f=long/patch.txt",
        "HTTP://WWW.PrisonCensorship.info:80/archive/etext/movies/review.php?f=long%2fpatch.txt",
        "https://prisoncensorship.info/archive/etext/movies/review.php?f=long/patch.txt#top",
        "http://www.prisoncensorship.info/archive/etext/movies/%72eview.php?f=long%2Fpatch.txt",
    ],
)
def test_every_spelling_of_a_page_is_one_url_and_one_id(spelling: str) -> None:
    assert canonical_url(spelling) == SITE + "movies/review.php?f=long/patch.txt"
    assert doc_id_from_url(spelling) == "movies/review?f=long/patch.txt"


@pytest.mark.parametrize(
    ("url", "doc_id"),
    [
        (SITE + "ms/migrantsincommunisthistory.html", "ms/migrantsincommunisthistory"),
        (SITE + "mn/mn.php?issue=049", "mn/mn?issue=049"),
        (SITE + "ma/file.php?railfile=rail_united_front_policy.html",
         "ma/file?railfile=rail_united_front_policy.html"),
        ("http://prisoncensorship.info/archive/etext/rail/in/index.html", "rail/in"),
        ("https://www.prisoncensorship.info/archive/etext/rail/in/", "rail/in"),
        ("https://www.prisoncensorship.info/archive/etext/rail/in", "rail/in"),
        ("http://www.prisoncensorship.info/archive/etext/mn/sept112001/bostonoct142001.TXT",
         "mn/sept112001/bostonoct142001"),
        ("https://www.prisoncensorship.info/archive/textonly.zip", "archive/textonly.zip"),
        ("https://example.org/a/b/index.html", "a/b"),
        (SITE + "search.php?q=a+b&x=%26", "search?q=a b&x=&"),
    ],
)  # fmt: skip
def test_ids_are_short_and_readable(url: str, doc_id: str) -> None:
    assert doc_id_from_url(url) == doc_id


def test_canonical_form_keeps_the_served_file_name_and_other_hosts() -> None:
    # index.html is a real URL: kept (the id and page_key drop it).
    assert canonical_url("http://prisoncensorship.info/archive/etext/gender/index.html") == (
        SITE + "gender/index.html"
    )
    assert page_key(SITE + "gender/index.html") == page_key(
        "http://prisoncensorship.info/archive/etext/gender/"
    )
    assert (
        canonical_url("http://example.org:8080/a b.html?") == "http://example.org:8080/a%20b.html"
    )
    assert canonical_url("ms/x.html", base=SITE) == SITE + "ms/x.html"
    assert canonical_url("mailto:mim@mim.org") == "mailto:mim@mim.org"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("mn.php?issue=049", ("mn.php", "issue=049")),
        ("mn.php?issue=049.html", ("mn.php", "issue=049")),
        ("mn.php@issue=049", ("mn.php", "issue=049")),
        ("review.php?f=long%2Fhigher.txt", ("review.php", "f=long/higher.txt")),
        ("review.php?f=long%2Fhigher.txt.html", ("review.php", "f=long/higher.txt")),
        ("review.php@f=long%2Fhigher.txt", ("review.php", "f=long/higher.txt")),
        ("file.php?railfile=rail_united_front_policy.html",
         ("file.php", "railfile=rail_united_front_policy.html")),
        ("page.php.html", ("page.php", None)),
        ("kkka.txt.html", ("kkka.txt", None)),
        ("mim@mim.html", ("mim@mim.html", None)),
        ("zeppelin.html", ("zeppelin.html", None)),
    ],
)  # fmt: skip
def test_wget_file_names_read_back(name: str, expected: tuple[str, str | None]) -> None:
    assert split_mirror_name(name) == expected


@pytest.mark.parametrize(
    ("path", "url"),
    [
        ("/home/me/www.prisoncensorship.info/archive/etext/ms/zeppelin.html",
         SITE + "ms/zeppelin.html"),
        ("/m/prisoncensorship.info/archive/etext/mn/mn.php@issue=049", SITE + "mn/mn.php?issue=049"),
        ("/m/www.prisoncensorship.info/news/1.html", "https://www.prisoncensorship.info/news/1.html"),
        ("/srv/archive/etext/ms/zeppelin.html", SITE + "ms/zeppelin.html"),
        ("/home/me/notes/zeppelin.html", None),
    ],
)  # fmt: skip
def test_mirror_root_is_found_in_the_path(path: str, url: str | None) -> None:
    assert mirror_url(path.split("/")) == url


def test_a_base_url_wins_below_the_mirror_root() -> None:
    parts = "/m/www.prisoncensorship.info/archive/etext/ms/zeppelin.html".split("/")
    assert (
        mirror_url(parts, "https://example.org/etext/")
        == "https://example.org/etext/ms/zeppelin.html"
    )
    assert (
        page_url("ms/x.html", "https://example.org/etext/") == "https://example.org/etext/ms/x.html"
    )
    assert page_url("etext/ms/x.html") == ARCHIVE_BASE_URL + "ms/x.html"


@pytest.mark.parametrize(
    "written",
    [
        SITE + "faq/freecoun.html",
        "http://www.prisoncensorship.info/archive/etext/faq/freecoun.html",
        "https://prisoncensorship.info/archive/etext/faq/freecoun.html",
        "www.prisoncensorship.info/archive/etext/faq/freecoun.html",
        "prisoncensorship.info/archive/etext/faq/freecoun.html#top ",
    ],
)
def test_a_page_address_as_a_reader_writes_it_is_the_pages_key(written: str) -> None:
    assert reference_key(written) == page_key(SITE + "faq/freecoun.html")


@pytest.mark.parametrize("ref", ["faq/freecoun", "Free Counseling", "MIM Notes 1.5 years", ""])
def test_an_id_or_a_title_is_no_address(ref: str) -> None:
    assert reference_key(ref) is None
