"""The pruned top-k equals brute force (every passage scored, then sorted) on random corpora."""

from __future__ import annotations

import random

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from retrieval.index.bm25 import BM25Index, BM25Params


def _brute_force(
    index: BM25Index, query: list[str], k: int, allowed: np.ndarray | None = None
) -> list[tuple[int, float]]:
    scores = index.scores(query)
    rows = range(index.size) if allowed is None else sorted(set(allowed.tolist()))
    ranked = sorted((r for r in rows if scores[r] > 0), key=lambda r: (-scores[r], r))
    return [(r, float(scores[r])) for r in ranked[:k]]


def _corpus(seed: int, docs: int = 1500, words: int = 300) -> list[list[str]]:
    """Zipf-like passages; every tenth passage repeats an earlier one, so exact ties abound."""
    rng = random.Random(seed)
    vocabulary = [f"w{i}" for i in range(words)]
    weights = [1 / (i + 3) for i in range(words)]
    corpus: list[list[str]] = []
    for i in range(docs):
        if i % 10 == 9:
            corpus.append(list(corpus[rng.randrange(i)]))
        else:
            corpus.append(rng.choices(vocabulary, weights, k=rng.randint(1, 60)))
    return corpus


def _queries(seed: int, words: int = 300, count: int = 80) -> list[list[str]]:
    rng = random.Random(seed + 1000)
    out = []
    for _ in range(count):
        size = rng.randint(1, 8)
        query = [f"w{int(words * rng.random() ** 2.5)}" for _ in range(size)]
        if rng.random() < 0.3:
            query.append(rng.choice(query))  # repeated terms count each time
        if rng.random() < 0.2:
            query.append("never-seen")
        out.append(query)
    return out


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_top_equals_brute_force(seed: int) -> None:
    index = BM25Index.build(_corpus(seed))
    for query in _queries(seed):
        for k in (1, 3, 10, 40, 200):
            assert index.top(query, k) == _brute_force(index, query, k), (query, k)


@pytest.mark.parametrize("seed", [5, 6])
def test_allowed_rows_restrict_the_answer(seed: int) -> None:
    index = BM25Index.build(_corpus(seed))
    rng = np.random.default_rng(seed)
    for query in _queries(seed, count=40):
        for share in (0.002, 0.05, 0.6):
            allowed = rng.choice(index.size, int(index.size * share) + 1).astype(np.int32)
            for k in (1, 10, 50):
                assert index.top(query, k, allowed) == _brute_force(index, query, k, allowed)
    assert index.top(["w1"], 10, np.zeros(0, dtype=np.int32)) == []


def test_k_larger_than_the_matches_returns_every_match() -> None:
    index = BM25Index.build([["a", "b"], ["b", "c"], ["c"], ["d"], ["e"]] * 3)
    hits = index.top(["a", "c"], 100)
    assert hits == _brute_force(index, ["a", "c"], 100)
    assert len(hits) == 9


def test_empty_and_unknown_queries_find_nothing() -> None:
    index = BM25Index.build(_corpus(7))
    assert index.top([], 10) == []
    assert index.top(["nowhere", "nothing"], 10) == []
    assert index.top(["w1"], 0) == []


def test_ties_are_broken_by_the_lower_row() -> None:
    index = BM25Index.build([["x", "filler"]] * 50 + [["y"]] * 100)
    assert [row for row, _ in index.top(["x"], 5)] == [0, 1, 2, 3, 4]
    assert index.top(["x"], 5) == _brute_force(index, ["x"], 5)


def test_scores_of_top_equal_rank_bm25_bit_for_bit() -> None:
    corpus = _corpus(8)
    reference = BM25Okapi(corpus)
    index = BM25Index.build(corpus)
    for query in _queries(8, count=20):
        expected = reference.get_scores(query)
        for row, score in index.top(query, 10):
            assert score == expected[row]


def test_negative_idf_falls_back_to_scoring_everything() -> None:
    # With most words in most passages, rank-bm25's IDF floor (eps * mean IDF) is negative.
    rng = random.Random(9)
    corpus = [rng.sample("abcdefgh", 7) + rng.choices("xyz", k=2) for _ in range(300)]
    index = BM25Index.build(corpus)
    assert (index.idf < 0).any()
    for query in (["a"], ["a", "x"], ["x", "y", "z"], ["b", "b", "y"]):
        assert index.top(query, 10) == _brute_force(index, query, 10)


def test_other_parameters_and_a_blob_round_trip_keep_top_exact() -> None:
    params = BM25Params(k1=0.9, b=0.4, epsilon=0.1)
    index = BM25Index.build(_corpus(10), params=params)
    again = BM25Index.from_blobs(index.to_blobs(), params)
    for query in _queries(10, count=30):
        assert again.top(query, 10) == _brute_force(index, query, 10)


def test_long_passages_with_large_term_frequencies() -> None:
    corpus = [["a"] * 300 + ["b"] * i for i in range(1, 80)] + [["a", "c"]] * 10
    index = BM25Index.build(corpus)
    assert index.tf.dtype == np.uint16
    for query in (["a"], ["a", "b"], ["c", "a"]):
        assert index.top(query, 7) == _brute_force(index, query, 7)


@pytest.mark.parametrize("seed", [11, 12])
def test_every_pruning_path_stays_exact(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    # Thresholds sized for a million passages would leave some paths unused on a small corpus:
    # shrink them so that long lists, refinement by lookups and small batches all happen.
    import retrieval.index.build as index_build
    import retrieval.index.topk as index_topk

    monkeypatch.setattr(index_build, "CHAMPIONS", 4)
    monkeypatch.setattr(index_build, "BLOCK", 8)
    monkeypatch.setattr(index_topk, "BLOCK", 8)
    monkeypatch.setattr(index_topk, "_HUGE_MIN", 0)
    monkeypatch.setattr(index_topk, "_HUGE_SHARE", 1)
    monkeypatch.setattr(index_topk, "_ACCUMULATE_MIN", 0)
    monkeypatch.setattr(index_topk, "_REFINE_AT", 0)
    monkeypatch.setattr(index_topk, "_FIRST_BATCH", 2)
    monkeypatch.setattr(index_topk, "_CLEAR_SHARE", seed - 11)  # 0: never clear the whole array
    index = BM25Index.build(_corpus(seed, docs=3000))
    rng = np.random.default_rng(seed)
    for query in _queries(seed, count=60):
        for k in (1, 5, 30):
            assert index.top(query, k) == _brute_force(index, query, k), (query, k)
        allowed = rng.choice(index.size, 2500).astype(np.int32)
        assert index.top(query, 10, allowed) == _brute_force(index, query, 10, allowed)


def test_a_build_from_term_ids_equals_one_from_strings() -> None:
    from retrieval.index.build import IndexBuilder

    corpus = _corpus(13, docs=400)
    words = sorted({t for passage in corpus for t in passage})
    number = {w: i for i, w in enumerate(words)}
    builder = IndexBuilder(1.5, 0.75, 0.25)
    builder.add_ids(
        np.array([len(p) for p in corpus]), np.array([number[t] for p in corpus for t in p]), words
    )
    by_ids = BM25Index.from_builder(builder)
    by_strings = BM25Index.build(corpus)
    assert by_ids.terms == by_strings.terms
    for name, blob in by_strings.to_blobs().items():
        assert by_ids.to_blobs()[name] == blob, name


def test_an_empty_corpus_answers_nothing() -> None:
    index = BM25Index.build([])
    assert index.size == 0
    assert index.top(["a"], 10) == []
    again = BM25Index.from_blobs(index.to_blobs(), BM25Params())
    assert again.top(["a"], 10) == []


def test_a_term_in_exactly_half_the_passages_weighs_nothing_and_breaks_nothing() -> None:
    # IDF log((N - n + 0.5) / (n + 0.5)) is exactly 0 when n = N / 2: no negative IDF to floor.
    corpus = [["half", "alpha"], ["half", "beta"], ["gamma"], ["delta"]]
    index = BM25Index.build(corpus)
    for query in (["half"], ["half", "alpha"], ["half", "half", "gamma"]):
        for k in (1, 3):
            assert index.top(query, k) == _brute_force(index, query, k), query
    assert index.top(["half"], 3) == []


def test_many_allowed_rows_are_filtered_during_the_search() -> None:
    # Too many allowed rows to score them directly: the search itself skips the others.
    index = BM25Index.build(_corpus(14, docs=12000))
    allowed = np.random.default_rng(14).permutation(index.size)[:9000].astype(np.int32)
    for query in _queries(14, count=20):
        for k in (1, 10, 50):
            assert index.top(query, k, allowed) == _brute_force(index, query, k, allowed)


def test_negative_idf_with_allowed_rows_and_scores_below_one() -> None:
    # Common letters weigh a negative IDF; with all of them asked for, the passages with the
    # rare "r" still score above zero, but below one.
    rng = random.Random(15)
    corpus = [rng.sample("abcdefgh", 7) + (["r"] if i % 30 == 0 else []) for i in range(300)]
    index = BM25Index.build(corpus)
    allowed = np.arange(0, 300, 60, dtype=np.int32)
    for query in (["r", "a"], list("rabcdefgh")):
        everything = index.top(query, 1000)
        assert len(everything) == 10
        assert everything == _brute_force(index, query, 1000)
        assert index.top(query, 1000, allowed) == _brute_force(index, query, 1000, allowed)


def test_negative_idf_with_too_many_allowed_rows_to_score_directly() -> None:
    rng = random.Random(16)
    corpus = [rng.sample("abcdefgh", 7) + (["r"] if i % 30 == 0 else []) for i in range(6000)]
    index = BM25Index.build(corpus)
    allowed = np.arange(60, 6000, dtype=np.int32)
    for k in (5, 1000):
        found = index.top(["r", "a"], k, allowed)
        assert found == _brute_force(index, ["r", "a"], k, allowed)
        assert len(found) == min(k, 198)


def _common_word_corpus(seed: int, docs: int = 3000) -> list[list[str]]:
    """Like the archive: a few words in nearly every passage (their IDF is floored, and weighs
    as much as a fairly rare word's), Zipf words, many rare words; repeated passages tie."""
    rng = random.Random(seed)
    everywhere = ["comrad", "write", "page"]
    vocabulary = [f"w{i}" for i in range(2000)]
    weights = [1 / (i + 5) for i in range(2000)]
    corpus: list[list[str]] = []
    for i in range(docs):
        if i % 13 == 12:
            corpus.append(list(corpus[rng.randrange(i)]))
            continue
        words = rng.choices(vocabulary, weights, k=rng.randint(5, 80))
        words += [w for w in everywhere if rng.random() < 0.95] * rng.choice((1, 1, 1, 2, 3))
        words += [f"rare{rng.randrange(3000)}" for _ in range(rng.randint(0, 3))]
        corpus.append(words)
    return corpus


def _common_word_queries(seed: int, count: int = 60) -> list[list[str]]:
    rng = random.Random(seed + 2000)
    out = []
    for _ in range(count):
        query = [f"w{int(2000 * rng.random() ** 3)}" for _ in range(rng.randint(0, 5))]
        query += rng.sample(["comrad", "write", "page"], rng.randint(0, 3))
        if rng.random() < 0.3:
            query.append(f"rare{rng.randrange(3000)}")
        if query and rng.random() < 0.2:
            query.append(rng.choice(query))  # repeated terms count each time
        rng.shuffle(query)
        out.append(query or ["write"])
    return out


@pytest.mark.parametrize(
    ("seed", "dense_share", "spread", "split_exact", "probe_min"),
    [(21, 4, 16, 10, 0), (22, 1000, 0, 10, 0), (23, 4, 10**9, 0, 10**9), (24, 2, 16, 2, 0)],
)
def test_common_words_and_large_k_stay_exact(
    seed: int,
    dense_share: int,
    spread: int,
    split_exact: int,
    probe_min: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Dense arrays for many terms or almost none, lookups by spreading or by binary search,
    # the split over every subset or by ub prefix, with a probe or without: each path against
    # brute force.
    import retrieval.index.build as index_build
    import retrieval.index.postings as index_postings
    import retrieval.index.topk as index_topk

    monkeypatch.setattr(index_build, "DENSE_SHARE", dense_share)
    monkeypatch.setattr(index_postings, "_SPREAD_RATIO", spread)
    monkeypatch.setattr(index_topk, "_SPLIT_EXACT", split_exact)
    monkeypatch.setattr(index_topk, "_PROBE_MIN", probe_min)
    index = BM25Index.build(_common_word_corpus(seed))
    assert index.idf[index.vocab["write"]] > 0
    rng = np.random.default_rng(seed)
    for query in _common_word_queries(seed):
        for k in (1, 10, 64, 100, 250, 1000):
            assert index.top(query, k) == _brute_force(index, query, k), (query, k)
        allowed = rng.choice(index.size, 2600).astype(np.int32)
        for k in (10, 100):
            assert index.top(query, k, allowed) == _brute_force(index, query, k, allowed)


@pytest.mark.parametrize("seed", [25, 26])
def test_common_words_with_small_blocks_and_batches_stay_exact(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Small blocks make the floor from block maxima and the scans above a threshold matter on a
    # small corpus; small batches and early refinement exercise the lookups of dense terms.
    import retrieval.index.build as index_build
    import retrieval.index.topk as index_topk

    monkeypatch.setattr(index_build, "CHAMPIONS", 4)
    monkeypatch.setattr(index_build, "BLOCK", 8)
    monkeypatch.setattr(index_topk, "BLOCK", 8)
    monkeypatch.setattr(index_topk, "_HUGE_MIN", 0)
    monkeypatch.setattr(index_topk, "_HUGE_SHARE", 1 + seed % 2)
    monkeypatch.setattr(index_topk, "_ACCUMULATE_MIN", 0)
    monkeypatch.setattr(index_topk, "_REFINE_AT", 0)
    monkeypatch.setattr(index_topk, "_FIRST_BATCH", 2)
    monkeypatch.setattr(index_topk, "_PROBE_MIN", 0)
    monkeypatch.setattr(index_build, "DENSE_TOP_SHARE", 1 + seed % 2 * 7)  # whole lists, or 1/8
    index = BM25Index.build(_common_word_corpus(seed))
    for query in _common_word_queries(seed):
        for k in (1, 7, 100, 400):
            assert index.top(query, k) == _brute_force(index, query, k), (query, k)


def test_dense_terms_equal_their_lists() -> None:
    index = BM25Index.build(_common_word_corpus(27, docs=500))
    assert index.dense, "the everywhere words are dense"
    for t, term in index.dense.items():
        lo, hi = index.indptr[t], index.indptr[t + 1]
        expected = np.zeros(index.size, dtype=np.uint8)
        expected[index.rows[lo:hi]] = index.impact[lo:hi]
        assert np.array_equal(term.impact, expected)
        assert (hi - lo) * 4 >= index.size
        # The top postings: the highest impacts, highest first, holding every posting from
        # ``covered`` up, and ``at_least`` counts them.
        impact_of = dict(zip(index.rows[lo:hi].tolist(), index.impact[lo:hi].tolist(), strict=True))
        assert [impact_of[r] for r in term.top_rows.tolist()] == term.top_impact.tolist()
        assert (np.diff(term.top_impact.astype(int)) <= 0).all()
        for level in range(max(term.covered, 1), 256):
            assert term.at_least[level] == np.count_nonzero(index.impact[lo:hi] >= level)
