"""Records: source locations written and read back without looking at the disk, and what a
citation shows beside its title."""

from __future__ import annotations

import pytest

from retrieval.ingest.provenance import Ledger, removals
from retrieval.models import Citation, SourceRef, StoredDocument


@pytest.mark.parametrize(
    ("text", "ref"),
    [
        ("/a/ms/page.html", SourceRef("/a/ms/page.html")),
        ("/a/site.zip!/ms/page.html", SourceRef("/a/site.zip", "ms/page.html")),
        ("/a/pages.jsonl:7", SourceRef("/a/pages.jsonl", line=7)),
        ("/a/Site.ZIP!/dump/pages.JSONL:12", SourceRef("/a/Site.ZIP", "dump/pages.JSONL", 12)),
        # Only a .jsonl takes a line and only a .zip an entry: these are plain names.
        ("/a/mn.php?time=10:30", SourceRef("/a/mn.php?time=10:30")),
        ("/a/wow!/page.html", SourceRef("/a/wow!/page.html")),
        ("corpus/ms/a.txt", SourceRef("corpus/ms/a.txt")),
    ],
)
def test_a_location_is_written_and_read_back(text: str, ref: SourceRef) -> None:
    assert SourceRef.parse(text) == ref
    assert str(ref) == text


def test_only_a_whole_file_is_whole() -> None:
    assert SourceRef("/a/x.txt").whole_file
    assert not SourceRef("/a/x.zip", "p.html").whole_file
    assert not SourceRef("/a/x.jsonl").at_line(3).whole_file


def test_a_removed_page_is_named_as_it_was_stored() -> None:
    # A mirrored query page whose name ends in ":30" is not line 30 of a file, even once the
    # file is gone (its name was once guessed by whether the file existed).
    stored = {
        "mn": StoredDocument("mn", "h", SourceRef.parse("/gone/mn.php?time=10:30"), None, ""),
        "line": StoredDocument("line", "h", SourceRef.parse("/gone/pages.jsonl:4"), None, ""),
    }
    removed = removals(stored, Ledger(stored), [], read=[], prune=False, exact=True).removed
    assert [(r.doc_id, r.reason) for r in removed] == [
        ("line", "/gone/pages.jsonl no longer exists"),
        ("mn", "/gone/mn.php?time=10:30 no longer exists"),
    ]


@pytest.mark.parametrize(
    ("title", "section", "place"),
    [
        ("1998 MIM Congress: Clarity on what gender is", "Clarity on what gender is", ""),
        ("MIM Notes 68, September 1992", "MIM Notes 68\t\t\tSEPTEMBER, 1992", ""),
        # Letters of the title's words are no words of it.
        ("Migrants in communist history", "I", "I"),
        ("Migrants in communist history", "Our own teachers", "Our own teachers"),
    ],
)
def test_a_section_the_title_already_says_is_left_out(title: str, section: str, place: str) -> None:
    assert Citation("d", title, section, (1,), None, None).place == place
