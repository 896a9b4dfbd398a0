"""Building the index: the arrays do not depend on how the work is cut up, term frequencies of any
size score as rank-bm25 does, the pruning bounds hold, and damaged blobs are refused."""

from __future__ import annotations

import random

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

import retrieval.index.build as index_build
from retrieval.index.bm25 import BM25Index, BM25Params
from retrieval.index.build import QUANT_LEVELS, IndexBuilder


def _corpus(seed: int, docs: int = 400) -> list[list[str]]:
    rng = random.Random(seed)
    vocabulary = [f"w{i}" for i in range(120)]
    weights = [1 / (i + 2) for i in range(120)]
    return [rng.choices(vocabulary, weights, k=rng.randint(1, 40)) for _ in range(docs)]


def _arrays(index: BM25Index) -> dict[str, object]:
    return {"terms": index.terms, **{k: bytes(v) for k, v in index.to_blobs().items()}}


def _by_ids(corpus: list[list[str]]) -> BM25Index:
    words = sorted({t for passage in corpus for t in passage})
    number = {w: i for i, w in enumerate(words)}
    builder = IndexBuilder(1.5, 0.75, 0.25)
    lengths = np.array([len(p) for p in corpus])
    builder.add_ids(lengths, np.array([number[t] for p in corpus for t in p]), words)
    return BM25Index.from_builder(builder)


@pytest.mark.parametrize(("chunk", "block"), [(1, 1), (7, 50), (64, 1000)])
def test_the_index_does_not_depend_on_chunk_or_block_sizes(
    chunk: int, block: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A real archive has more passages than one chunk and more postings than one block of the
    # bounds' computation; small sizes make a small corpus cross both boundaries many times.
    corpus = _corpus(1)
    expected = _arrays(BM25Index.build(corpus))
    monkeypatch.setattr(index_build, "CHUNK_PASSAGES", chunk)
    monkeypatch.setattr(index_build, "_BLOCK_POSTINGS", block)
    assert _arrays(BM25Index.build(corpus)) == expected
    assert _arrays(_by_ids(corpus)) == expected


@pytest.mark.parametrize("most", [255, 256, 65_535, 65_536])
def test_term_frequencies_past_one_and_two_bytes_score_as_rank_bm25(most: int) -> None:
    corpus = [["a"] * 200, ["a"] * most + ["b"], ["b", "c"], ["c"], ["d"]]
    reference = BM25Okapi(corpus)
    index = BM25Index.build(corpus)
    again = BM25Index.from_blobs(index.to_blobs(), BM25Params())
    for query in (["a"], ["b", "a"], ["c"]):
        assert list(index.scores(query)) == list(reference.get_scores(query)), query
        assert list(again.scores(query)) == list(reference.get_scores(query)), query


def test_a_term_in_exactly_half_the_passages_weighs_nothing_as_in_rank_bm25() -> None:
    corpus = [["a", "b"], ["a", "c"], ["b", "c"], ["b", "d"], ["e"], ["f", "e"]]
    reference = BM25Okapi(corpus)
    index = BM25Index.build(corpus)
    assert index.term_idf("b") == reference.idf["b"] == 0.0  # in 3 of the 6
    assert list(index.scores(["a", "b"])) == list(reference.get_scores(["a", "b"]))


def test_pruning_bounds_hold_for_every_posting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(index_build, "CHAMPIONS", 5)
    monkeypatch.setattr(index_build, "BLOCK", 8)
    index = BM25Index.build(_corpus(2))
    champions = index_build.CHAMPIONS
    for tid in range(len(index.terms)):
        lo, hi = int(index.indptr[tid]), int(index.indptr[tid + 1])
        contrib = index.contributions(tid)
        top = float(index.max_contrib[tid])
        assert top == contrib.max() > 0
        # Each posting's one-byte bound is the least level at or above its contribution.
        bound = index.impact[lo:hi] * (top / QUANT_LEVELS)
        assert (bound >= contrib * (1 - 1e-12)).all()
        assert (bound - top / QUANT_LEVELS < contrib * (1 + 1e-12)).all()
        # The champions are the term's best passages, best first.
        champ = index.champ_rows[index.champ_indptr[tid] : index.champ_indptr[tid + 1]]
        of_row = dict(zip(index.rows[lo:hi].tolist(), contrib.tolist(), strict=True))
        scores = [of_row[row] for row in champ.tolist()]
        assert len(set(champ.tolist())) == len(champ) == min(hi - lo, champions)
        assert scores == sorted(contrib, reverse=True)[: len(champ)]
        # Each block keeps the largest bound of its postings.
        blocks = index.block_max[index.block_offsets[tid] : index.block_offsets[tid + 1]]
        assert blocks.tolist() == [
            int(index.impact[b : min(b + 8, hi)].max()) for b in range(lo, hi, 8)
        ]


def test_passage_ids_must_match_the_passages() -> None:
    builder = IndexBuilder(1.5, 0.75, 0.25)
    builder.add([["a"], ["b"]])
    with pytest.raises(ValueError, match=r"^passage_ids and corpus differ in length$"):
        BM25Index.from_builder(builder, [1, 2, 3])
    with pytest.raises(ValueError, match=r"^lengths do not add up to the number of ids$"):
        IndexBuilder(1.5, 0.75, 0.25).add_ids(np.array([2]), np.array([0]), ["a"])


@pytest.mark.parametrize(
    "name",
    [
        "terms",
        "idf",
        "indptr",
        "rows",
        "tf",
        "impact",
        "max_contrib",
        "champ_indptr",
        "champ_rows",
        "block_max",
        "doc_len",
        "passage_ids",
    ],
)
def test_a_blob_cut_short_is_refused(name: str) -> None:
    blobs = BM25Index.build(_corpus(3, docs=50)).to_blobs()
    if name == "terms":
        blobs[name] = b"\n".join(blobs[name].split(b"\n")[:-1])
    else:
        itemsize = {"rows": 4, "champ_rows": 4, "doc_len": 4, "tf": 1, "impact": 1}
        blobs[name] = blobs[name][: -itemsize.get(name, 1 if name == "block_max" else 8)]
    with pytest.raises(ValueError, match=r"^index arrays are inconsistent$"):
        BM25Index.from_blobs(blobs, BM25Params())


def test_blobs_that_disagree_on_the_number_of_postings_are_refused() -> None:
    blobs = BM25Index.build(_corpus(4, docs=50)).to_blobs()
    # Every array of postings one shorter: only the list offsets still count the old total.
    shorter = {
        **blobs,
        **{k: blobs[k][: -(4 if k == "rows" else 1)] for k in ("rows", "tf", "impact")},
    }
    # The offsets without their leading 0: one too few, though they end at the right total.
    headless = {**blobs, "indptr": blobs["indptr"][8:]}
    for damaged in (shorter, headless):
        with pytest.raises(ValueError, match=r"^index arrays are inconsistent$"):
            BM25Index.from_blobs(damaged, BM25Params())


@pytest.mark.parametrize("corpus", [[["a"]], [[], ["a"], [], ["b", "a"]]])
def test_passages_with_no_terms_and_a_chunk_of_one_term(
    corpus: list[list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(index_build, "CHUNK_PASSAGES", 1)  # chunks with no term at all
    index = BM25Index.build(corpus)
    assert index.size == len(corpus)
    assert list(index.scores(["a"])) == list(BM25Okapi(corpus).get_scores(["a"]))


def test_range_counts_count_each_term_in_each_range() -> None:
    corpus = [["a", "b", "a"], ["b"], ["c"], ["a", "a", "c"], ["b", "a"], ["c"], ["e"]]
    index = BM25Index.build(corpus)
    lo, hi = np.array([0, 3, 2]), np.array([2, 6, 3])  # row 6, the only "e", is in no range
    asked = ["zzz", "e", "c", "a", "b"]
    expected = [
        [sum(corpus[r].count(t) for r in range(a, z)) for a, z in zip(lo, hi, strict=True)]
        for t in asked
    ]
    assert index.range_counts(asked, lo, hi).tolist() == expected
