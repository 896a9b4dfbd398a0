"""Filters: parts of the archive from document ids, years from titles, openings and ids."""

from __future__ import annotations

import re

import numpy as np
import pytest

from retrieval.filters import (
    Catalogue,
    FilterError,
    Filters,
    rows_in_ranges,
    split_filters,
    year_of,
)


@pytest.mark.parametrize(
    ("doc_id", "title", "opening", "year"),
    [
        ("mn/mn?issue=049", "MIM Notes 49, January 18, 1991", "", 1991),
        ("pirao/centraltask07012004", "June, 2004 Central Task Report", "", 2004),
        ("wim/cong/gender96", "1996 MIM Congress: Gender Theory Resolutions", "", 1996),
        ("wim/x", "Social Democrats", "Updated January, 2002\n\nWhat unites", 2002),
        ("wim/cong/notefromchair092207", "Note from the Chair", "MIM has not", 2007),
        ("pirao/centraltask12052002", "Report", "", 2002),
        ("agitation/iraq/bostonrally0305", "2000 rally against war on Iraq", "", None),
        ("ms/migrantsincommunisthistory", "Migrants in communist history", "*See MIM's", None),
        ("movies/go", "Go", "Directed by Doug Liman (1999)", None),
    ],
)
def test_year_of(doc_id: str, title: str, opening: str, year: int | None) -> None:
    assert year_of(doc_id, title, opening) == year


def catalogue() -> Catalogue:
    documents = [
        ("mn/mn?issue=049", "MIM Notes 49, January 18, 1991", ""),
        ("mn/mn?issue=150", "MIM Notes 150, November 15, 1997", ""),
        ("mn/mn203/letters", "Letters", ""),
        ("faq/stalin", "The Stalin Issue", ""),
        ("wim/cong/gender96", "1996 MIM Congress: Gender", ""),
        ("czech", "Tři hlavní body", ""),
    ]
    ranges = {d: (i * 10, i * 10 + 4) for i, (d, _, _) in enumerate(documents)}
    return Catalogue(documents, ranges)


def test_parts_with_counts_and_names() -> None:
    parts = {p.path: p for p in catalogue().parts}
    assert set(parts) == {"mn", "faq", "wim", "wim/cong", "czech"}
    assert (parts["mn"].documents, parts["mn"].dated, parts["mn"].name) == (3, 2, "MIM Notes (mn)")
    assert parts["czech"].name == "czech"
    assert parts["wim/cong"].name == "MIM Congress documents (wim/cong)"


def test_matching_keeps_undated_documents_unless_a_year_is_asked() -> None:
    c = catalogue()
    assert c.matching(Filters("mn")) == ["mn/mn?issue=049", "mn/mn?issue=150", "mn/mn203/letters"]
    assert c.matching(Filters("MN", 1990, 1995)) == []  # unchecked: the part is a path
    assert c.matching(Filters(c.part("mim notes").path, 1990, 1995)) == ["mn/mn?issue=049"]
    assert c.matching(Filters(None, 1996)) == ["mn/mn?issue=150", "wim/cong/gender96"]
    assert c.describe(Filters("mn", 1990, 1995)) == (
        "in MIM Notes (mn), dated 1990–1995 (1 undated document left out)"
    )
    assert c.describe(Filters(None, None, 1995)) == (
        "dated 1995 or earlier (3 undated documents left out)"
    )
    assert c.describe(Filters("mn")) == "in MIM Notes (mn)"  # no year: nothing left out


def test_check_says_what_is_wrong() -> None:
    c = catalogue()
    assert c.check(Filters("MIM Notes")) == Filters("mn")
    with pytest.raises(
        FilterError, match=re.escape("no part of the archive is called 'films'. Parts: ")
    ):
        c.check(Filters("films"))
    with pytest.raises(FilterError, match="the first year, 1999, is after the last, 1990"):
        c.check(Filters(None, 1999, 1990))
    with pytest.raises(
        FilterError, match=re.escape("no document of the archive is in FAQ (faq), dated 1990")
    ):
        c.check(Filters("faq", 1990, 1990))


def test_rows_of_the_kept_documents() -> None:
    passage_ids = np.array([0, 1, 4, 10, 12, 30, 31, 50, 54], dtype=np.int64)
    assert rows_in_ranges(passage_ids, [(10, 14), (50, 54)]).tolist() == [3, 4, 7, 8]
    assert catalogue().rows(Filters("faq"), passage_ids).tolist() == [5, 6]


def test_filters_typed_in_a_question() -> None:
    assert split_filters("in:faq from:1990 to:1995 who was Stalin?") == (
        "who was Stalin?",
        Filters("faq", 1990, 1995),
    )
    assert split_filters("what is in: the box") == ("what is in: the box", Filters())
    assert Filters("mn", 1990).inline() == "in:mn from:1990"
    with pytest.raises(FilterError, match="from: must be a year"):
        split_filters("from:nineties what happened")


def test_options_and_typed_filters_join_and_must_agree() -> None:
    assert Filters("faq", None, 1999).joined(Filters(None, 1990, None)) == Filters(
        "faq", 1990, 1999
    )
    assert Filters("faq").joined(Filters("FAQ/")) == Filters("faq")
    with pytest.raises(
        FilterError, match="the question says from:1990 and the from option says 1995"
    ):
        Filters(None, 1995).joined(Filters(None, 1990))
