"""Whole-page evidence from the passage index, the fused order, and question-term weights."""

from __future__ import annotations

import math

import numpy as np
import pytest

from retrieval.index.bm25 import BM25Index
from retrieval.languages import languages_asked, written_in
from retrieval.pages import NO_PAGE, PageMap
from retrieval.ranking import (
    COMMON_TERM_FLOOR,
    UNKNOWN_NAME,
    UNKNOWN_WORD,
    held_terms,
    language_evidence,
    may_hold_pairs,
    page_evidence,
    phrase_evidence,
    phrase_pairs,
    rank_candidates,
    term_weights,
    terms_held,
)

# Two pages: "a" has passages 10-12, "b" has passages 20-21.
PASSAGES = [["red", "fox", "red"], ["fox"], ["dog", "cat"], ["red"], ["cat", "cat", "bird"]]
IDS = [10, 11, 12, 20, 21]
RANGES = [("a", 10, 12), ("b", 20, 21)]


def test_page_scores_are_bm25_over_the_summed_passages() -> None:
    index = BM25Index.build(PASSAGES, passage_ids=IDS)
    page_map = PageMap.of(index, RANGES, documents=2)
    query = ["red", "cat", "owl"]
    pages = page_evidence(index, query, page_map, np.array([1, 0, 1]))
    assert pages.pages.tolist() == [0, 1]
    k1, b = index.params.k1, index.params.b
    average = sum(map(len, PASSAGES)) / 2
    lengths = {"a": 6, "b": 4}
    counts = {"a": {"red": 2, "cat": 1}, "b": {"red": 1, "cat": 2}}
    for column, doc_id in enumerate(("a", "b")):
        expected = sum(
            index.term_idf(t) * f * (k1 + 1) / (f + k1 * (1 - b + b * lengths[doc_id] / average))
            for t, f in counts[doc_id].items()
        )
        evidence = pages.evidence(column, query)
        assert evidence.score == pytest.approx(expected)
        assert evidence.terms == {"red", "cat"}


def test_the_page_map_knows_each_rows_page_and_skips_passages_no_longer_stored() -> None:
    index = BM25Index.build(PASSAGES, passage_ids=IDS)
    page_map = PageMap.of(index, RANGES, documents=2)
    assert page_map.page_of_row.tolist() == [0, 0, 0, 1, 1]
    assert page_map.lengths.tolist() == [6.0, 4.0]
    assert page_map.average == 5.0
    # Page "a" was replaced after the index was built: its passages now have other ids.
    later = PageMap.of(index, [("a", 30, 32), ("b", 20, 21)], documents=2)
    assert later.page_of_row.tolist() == [NO_PAGE, NO_PAGE, NO_PAGE, 1, 1]
    assert later.nbytes() > later.page_of_row.nbytes


def test_passage_terms_are_the_question_terms_each_passage_holds() -> None:
    index = BM25Index.build(PASSAGES, passage_ids=IDS)
    query = ["red", "cat", "owl"]
    held = terms_held(index, query, np.array([0, 2, 4, 3]))
    assert [held_terms(query, held, n) for n in range(4)] == [
        frozenset({"red"}),
        frozenset({"cat"}),
        frozenset({"cat"}),
        frozenset({"red"}),
    ]


def test_a_passage_on_a_better_page_ranks_first() -> None:
    zeros = np.zeros(2)
    # Candidates: page b's passage 20 (score 5), page a's passage 10 (score 4).
    scores, ids = np.array([5.0, 4.0]), np.array([20, 10])
    _, order = rank_candidates(scores, np.array([2.0, 10.0]), zeros, zeros, ids)
    assert order.tolist() == [1, 0]
    # With equal pages, the passage's own score decides; with equal scores too, reading order.
    _, order = rank_candidates(scores, np.array([1.0, 1.0]), zeros, zeros, ids)
    assert order.tolist() == [0, 1]
    _, order = rank_candidates(np.array([4.0, 4.0]), np.ones(2), zeros, zeros, ids)
    assert order.tolist() == [1, 0]


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


def test_a_known_part_of_two_letters_finds_no_name() -> None:
    # "Kim Jong-un": the archive's French pages say "un"; that finds no Kim Jong-un.
    index = BM25Index.build([*PASSAGES, ["un", "pas"]], passage_ids=[*IDS, 30])
    unseen = math.log((index.size + 0.5) / 0.5)
    weights = term_weights(index, ["kim", "jong", "un"], [("kim", "jong", "un")])
    assert weights["kim"] == weights["jong"] == pytest.approx(UNKNOWN_NAME * unseen)
    assert weights["un"] == pytest.approx(index.term_idf("un"))


def test_common_terms_keep_a_floor_of_the_rarest_terms_weight() -> None:
    index = BM25Index.build(PASSAGES, passage_ids=IDS)
    weights = term_weights(index, ["red", "bird"])
    assert weights["red"] >= COMMON_TERM_FLOOR * weights["bird"] - 1e-12
    assert np.isclose(weights["bird"], index.term_idf("bird"))


def test_a_page_that_has_the_questions_words_in_a_row_holds_its_phrasing() -> None:
    index = BM25Index.build(PASSAGES, passage_ids=IDS)
    pairs = phrase_pairs(index, ["red", "fox"])
    found = phrase_evidence(pairs, [(0, "red fox red"), (1, "fox cat red")])
    assert found == {0: 1.0, 1: 0.0}
    # The phrasing lifts a page above one whose passage scores a little higher.
    zeros = np.zeros(2)
    phrases = np.array([found[1], found[0]])
    _, order = rank_candidates(np.array([1.2, 1.0]), np.ones(2), phrases, zeros, np.array([20, 10]))
    assert order.tolist() == [1, 0]


def test_only_passages_holding_both_words_of_a_pair_are_read_for_phrasing() -> None:
    index = BM25Index.build(PASSAGES, passage_ids=IDS)
    query = ["red", "fox", "cat"]
    held = terms_held(index, query, np.arange(5))
    # Row 0 holds "red" and "fox"; rows 1-4 hold at most one word of each pair.
    assert may_hold_pairs(query, phrase_pairs(index, query), held).tolist() == [
        True,
        False,
        False,
        False,
        False,
    ]


def test_a_question_about_a_language_asks_about_pages_in_it() -> None:
    assert languages_asked("what's the Czech title of the three main points page?") == {"czech"}
    assert languages_asked("how do you say imperialism in German?") == {"german"}
    # A people or a country, not a language: no page is preferred.
    assert languages_asked("does MIM think the Chinese government controls everything?") == set()
    assert written_in("italian/statements/fourcentersITAL", frozenset({"italian"}))
    assert not written_in("wim/threepoints", frozenset({"czech"}))


def test_the_page_in_the_language_asked_about_comes_before_the_english_one() -> None:
    doc_ids = ["wim/threepoints", "czech/index"]
    scores, pages, zeros, ids = np.ones(2), np.array([1.0, 0.5]), np.zeros(2), np.array([1, 2])
    _, plain = rank_candidates(scores, pages, zeros, zeros, ids)
    assert [doc_ids[n] for n in plain] == ["wim/threepoints", "czech/index"]
    question = "what's the Czech title of the three main points page?"
    asked = language_evidence(question, doc_ids)
    assert asked == {"czech/index"}
    languages = np.array([1.0 if d in asked else 0.0 for d in doc_ids])
    _, order = rank_candidates(scores, pages, zeros, languages, ids)
    assert [doc_ids[n] for n in order] == ["czech/index", "wim/threepoints"]
    # "Czech" for the people or the country prefers no page.
    assert language_evidence("what do Czech workers earn?", doc_ids) == frozenset()
