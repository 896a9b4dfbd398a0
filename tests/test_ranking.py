"""Whole-page evidence from the passage index, the fused order, and question-term weights."""

from __future__ import annotations

import math

import numpy as np
import pytest

from retrieval.index.bm25 import BM25Index
from retrieval.languages import languages_asked, written_in
from retrieval.models import PassageRow
from retrieval.ranking import (
    COMMON_TERM_FLOOR,
    UNKNOWN_NAME,
    UNKNOWN_WORD,
    PageEvidence,
    language_evidence,
    page_evidence,
    passage_terms,
    phrase_evidence,
    rank_candidates,
    term_weights,
)

# Two pages: "a" has passages 10-12, "b" has passages 20-21.
PASSAGES = [["red", "fox", "red"], ["fox"], ["dog", "cat"], ["red"], ["cat", "cat", "bird"]]
IDS = [10, 11, 12, 20, 21]
RANGES = {"a": (10, 12), "b": (20, 21)}


def _row(doc_id: str, passage_id: int) -> PassageRow:
    return PassageRow(passage_id, doc_id, doc_id.upper(), None, "", 1, 1, 0, 1, "x")


def test_page_scores_are_bm25_over_the_summed_passages() -> None:
    index = BM25Index.build(PASSAGES, passage_ids=IDS)
    pages = page_evidence(index, ["red", "cat", "owl"], RANGES, documents=2)
    k1, b = index.params.k1, index.params.b
    average = sum(map(len, PASSAGES)) / 2
    lengths = {"a": 6, "b": 4}
    counts = {"a": {"red": 2, "cat": 1}, "b": {"red": 1, "cat": 2}}
    for doc_id in ("a", "b"):
        expected = sum(
            index.term_idf(t) * f * (k1 + 1) / (f + k1 * (1 - b + b * lengths[doc_id] / average))
            for t, f in counts[doc_id].items()
        )
        assert pages[doc_id].score == pytest.approx(expected)
        assert pages[doc_id].terms == {"red", "cat"}


def test_passage_terms_are_the_question_terms_each_passage_holds() -> None:
    index = BM25Index.build(PASSAGES, passage_ids=IDS)
    assert passage_terms(index, ["red", "cat"], [0, 2, 4]) == [
        frozenset({"red"}),
        frozenset({"cat"}),
        frozenset({"cat"}),
    ]


def test_a_passage_on_a_better_page_ranks_first() -> None:
    pages = {"a": PageEvidence(10.0, frozenset()), "b": PageEvidence(2.0, frozenset())}
    ranked = rank_candidates([(_row("b", 20), 5.0), (_row("a", 10), 4.0)], pages)
    assert [c.passage.doc_id for c in ranked] == ["a", "b"]
    # With equal pages, the passage's own score decides.
    even = {"a": PageEvidence(1.0, frozenset()), "b": PageEvidence(1.0, frozenset())}
    ranked = rank_candidates([(_row("a", 10), 4.0), (_row("b", 20), 5.0)], even)
    assert [c.passage.doc_id for c in ranked] == ["b", "a"]


def test_unknown_names_weigh_more_than_unknown_words_and_found_names_nothing() -> None:
    index = BM25Index.build(PASSAGES, passage_ids=IDS)
    unseen = math.log((index.size + 0.5) / 0.5)
    weights = term_weights(index, ["kwame", "nkrumah", "fox", "breakfast"], [("kwame", "nkrumah")])
    # Neither part of the name is known: the whole name is missing evidence.
    assert weights["kwame"] == pytest.approx(UNKNOWN_NAME * unseen)
    assert weights["breakfast"] == pytest.approx(UNKNOWN_WORD * unseen)
    assert weights["fox"] == pytest.approx(index.term_idf("fox"))
    # "Kwame" unknown beside a known "fox" spelled as part of the same name: the name is found.
    found = term_weights(index, ["kwame", "fox", "bird"], [("kwame", "fox"), ("bird",)])
    assert found["kwame"] == 0.0
    # A known name elsewhere in the question does not excuse a missing one.
    apart = term_weights(index, ["fox", "kwame"], [("fox",), ("kwame",)])
    assert apart["kwame"] == pytest.approx(UNKNOWN_NAME * unseen)


def test_common_terms_keep_a_floor_of_the_rarest_terms_weight() -> None:
    index = BM25Index.build(PASSAGES, passage_ids=IDS)
    weights = term_weights(index, ["red", "bird"])
    assert weights["red"] >= COMMON_TERM_FLOOR * weights["bird"] - 1e-12
    assert np.isclose(weights["bird"], index.term_idf("bird"))


def test_a_page_that_has_the_questions_words_in_a_row_holds_its_phrasing() -> None:
    index = BM25Index.build(PASSAGES, passage_ids=IDS)
    together = PassageRow(10, "a", "A", None, "", 1, 1, 0, 1, "x", "red fox red")
    apart = PassageRow(20, "b", "B", None, "", 1, 1, 0, 1, "x", "fox cat red")
    found = phrase_evidence(index, ["red", "fox"], [(together, 1.0), (apart, 1.0)])
    assert found == {"a": 1.0, "b": 0.0}
    # The phrasing lifts a page above one whose passage scores a little higher.
    pages = {"a": PageEvidence(1.0, frozenset()), "b": PageEvidence(1.0, frozenset())}
    ranked = rank_candidates([(apart, 1.2), (together, 1.0)], pages, None, found)
    assert ranked[0].passage.doc_id == "a"


def test_a_question_about_a_language_asks_about_pages_in_it() -> None:
    assert languages_asked("what's the Czech title of the three main points page?") == {"czech"}
    assert languages_asked("how do you say imperialism in German?") == {"german"}
    # A people or a country, not a language: no page is preferred.
    assert languages_asked("does MIM think the Chinese government controls everything?") == set()
    assert written_in("italian/statements/fourcentersITAL", frozenset({"italian"}))
    assert not written_in("wim/threepoints", frozenset({"czech"}))


def test_the_page_in_the_language_asked_about_comes_before_the_english_one() -> None:
    english, czech = _row("wim/threepoints", 1), _row("czech/index", 2)
    candidates = [(english, 1.0), (czech, 1.0)]
    pages = {
        "wim/threepoints": PageEvidence(1.0, frozenset()),
        "czech/index": PageEvidence(0.5, frozenset()),
    }
    plain = rank_candidates(candidates, pages)
    assert [c.passage.doc_id for c in plain] == ["wim/threepoints", "czech/index"]
    question = "what's the Czech title of the three main points page?"
    asked = rank_candidates(candidates, pages, None, None, language_evidence(question, candidates))
    assert [c.passage.doc_id for c in asked] == ["czech/index", "wim/threepoints"]
    # "Czech" for the people or the country prefers no page.
    assert language_evidence("what do Czech workers earn?", candidates) == {}
