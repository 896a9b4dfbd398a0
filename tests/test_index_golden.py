"""Golden test: our scores and top-10 equal rank_bm25.BM25Okapi run directly on the same tokens."""

from __future__ import annotations

import random

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from retrieval.chunking import passages_for
from retrieval.index.bm25 import BM25Index, BM25Params
from retrieval.layout import structure
from retrieval.service import bundled_corpus
from retrieval.sources import read_all
from retrieval.text import terms


def _seed_passages() -> list[list[str]]:
    source = next(d for d in read_all([bundled_corpus()]) if not hasattr(d, "reason"))
    document, _ = structure(source)
    return [list(p.terms) for p in passages_for(document)]


def _top10(scores: np.ndarray) -> list[int]:
    order = sorted(range(len(scores)), key=lambda i: (-scores[i], i))
    return [i for i in order[:10] if scores[i] > 0]


def _same_up_to_ties(ours: list[int], theirs: list[int], scores: np.ndarray) -> bool:
    if [round(scores[i], 9) for i in ours] != [round(scores[i], 9) for i in theirs]:
        return False
    boundary = scores[theirs[-1]] if theirs else 0
    return set(i for i in ours if scores[i] > boundary) == set(
        i for i in theirs if scores[i] > boundary
    )


SEED_QUESTIONS = [
    "Where did Deng Xiaoping become a communist?",
    "How many foreign students were in the United States?",
    "Amerikan intelligence Ghana Nkrumah",
    "communist communist France",  # repeated terms count each time
    "brain drain migrant workers",
    "zzzunknown words only",
    "Marx Engels Lenin Stalin Mao",
]


def test_seed_scores_equal_rank_bm25() -> None:
    corpus = _seed_passages()
    reference = BM25Okapi(corpus)
    ours = BM25Index.build(corpus)
    for question in SEED_QUESTIONS:
        query = terms(question)
        expected = reference.get_scores(query)
        got = ours.scores(query)
        np.testing.assert_allclose(got, expected, rtol=1e-9, atol=0)
        top = [row for row, _ in ours.top(query, 10)]
        assert top == _top10(expected) or _same_up_to_ties(top, _top10(expected), expected)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_corpora_scores_equal_rank_bm25(seed: int) -> None:
    rng = random.Random(seed)
    vocabulary = [f"w{i}" for i in range(400)]
    weights = [
        1 / (i + 1) for i in range(len(vocabulary))
    ]  # Zipf-like: common words get negative IDF
    corpus = [rng.choices(vocabulary, weights, k=rng.randint(0, 80)) for _ in range(600)]
    reference = BM25Okapi(corpus)
    ours = BM25Index.build(corpus)
    assert (ours.idf < 0).sum() == 0  # negative IDFs were floored as rank-bm25 does
    for _ in range(60):
        query = [*rng.choices(vocabulary, weights, k=rng.randint(1, 8)), "never-seen"]
        expected = reference.get_scores(query)
        got = ours.scores(query)
        np.testing.assert_allclose(got, expected, rtol=1e-9, atol=0)
        top = [row for row, _ in ours.top(query, 10)]
        assert _same_up_to_ties(top, _top10(expected), expected)


def test_other_parameters_follow_rank_bm25() -> None:
    rng = random.Random(7)
    corpus = [rng.choices("abcdefghij", k=rng.randint(1, 30)) for _ in range(200)]
    params = BM25Params(k1=1.2, b=0.5, epsilon=0.1)
    reference = BM25Okapi(corpus, k1=1.2, b=0.5, epsilon=0.1)
    ours = BM25Index.build(corpus, params=params)
    np.testing.assert_allclose(
        ours.scores(list("abc")), reference.get_scores(list("abc")), rtol=1e-9
    )


def test_index_survives_a_round_trip_through_blobs() -> None:
    corpus = _seed_passages()
    index = BM25Index.build(corpus, passage_ids=range(100, 100 + len(corpus)))
    again = BM25Index.from_blobs(index.to_blobs(), index.params)
    query = terms("Deng France communist")
    assert np.array_equal(index.scores(query), again.scores(query))
    assert list(again.passage_ids) == list(range(100, 100 + len(corpus)))


def test_inconsistent_blobs_are_refused() -> None:
    blobs = BM25Index.build([["a", "b"], ["b"]]).to_blobs()
    blobs["rows"] = blobs["rows"][:4]
    with pytest.raises(ValueError):
        BM25Index.from_blobs(blobs, BM25Params())
