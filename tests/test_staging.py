"""Staging: documents staged with their terms as positions in their own term lists give the index
and the rows that adding every passage's terms one by one gives."""

from __future__ import annotations

import random

import numpy as np
import pytest

import retrieval.index.build as index_build
import retrieval.ingest.staging as staging_module
from retrieval.index.bm25 import DEFAULT_PARAMS, BM25Index
from retrieval.ingest.staging import StagedDocuments, Staging
from retrieval.models import Document, Paragraph, Passage, SourceRef
from retrieval.store import Rows


def _document(number: int, rng: random.Random) -> tuple[Document, list[Passage]]:
    doc_id = f"d{number}"
    vocabulary = [f"w{i}" for i in range(60)] + [f"only{number}x{i}" for i in range(3)]
    passages = [
        Passage(doc_id, k, "", 1, 1, 0, 4, tuple(rng.choices(vocabulary, k=rng.randint(0, 12))))
        for k in range(rng.randint(0, 5))
    ]
    document = Document(
        doc_id,
        f"Doc {number}",
        None,
        SourceRef(f"{doc_id}.txt"),
        "h",
        "text",
        (Paragraph(1, "", 0, 4),),
    )
    return document, passages


def _arrays(index: BM25Index) -> dict[str, bytes]:
    return {k: bytes(v) for k, v in index.to_blobs().items() if k != "passage_ids"}


@pytest.mark.parametrize("chunk", [1, 3, 8192])
def test_staged_documents_index_as_their_passages_terms_one_by_one(
    chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(chunk)
    documents = [_document(n, rng) for n in range(40)]
    stored = [(n + 1, " ".join(rng.choices(["w1", "w2", "old"], k=3))) for n in range(5)]
    every = [t.split() for _, t in stored] + [list(p.terms) for _, ps in documents for p in ps]
    expected = BM25Index.build(every)
    monkeypatch.setattr(staging_module, "CHUNK_PASSAGES", chunk)
    monkeypatch.setattr(index_build, "CHUNK_PASSAGES", chunk)
    with Staging(DEFAULT_PARAMS, 100) as staging:
        staging.add_stored([stored[:2], stored[2:]])
        for first in range(0, len(documents), 7):  # batches across the chunks' ends
            staging.add_documents(
                StagedDocuments.of(documents[first : first + 7], staging.ingested_at)
            )
        index = staging.finish()
    assert list(index.passage_ids) == [1, 2, 3, 4, 5, *range(100, 100 + len(every) - 5)]
    assert _arrays(index) == _arrays(expected)


def test_staged_rows_are_the_rows_of_the_documents_and_their_numbered_passages() -> None:
    rng = random.Random(3)
    documents = [_document(1, rng), _document(2, rng)]
    passages = [p for _, ps in documents for p in ps]
    staged = StagedDocuments.of(documents, "now")
    assert staged.counts == [len(ps) for _, ps in documents]
    assert [staged.terms[i] for i in staged.term_ids] == [t for p in passages for t in p.terms]
    assert list(staged.lengths) == [len(p.terms) for p in passages]
    rows = Rows()
    first = 7
    for document_rows, count in zip(staged.rows, staged.counts, strict=True):
        rows.add(document_rows, range(first, first + count))
        first += count
    assert rows.documents == [
        (f"d{n}", f"Doc {n}", None, None, f"d{n}.txt", "h", "text", "now", "") for n in (1, 2)
    ]
    assert rows.paragraphs == [("d1", 1, "", 0, 4), ("d2", 1, "", 0, 4)]
    assert rows.passages == [
        (7 + k, p.doc_id, p.ordinal, "", 1, 1, 0, 4, " ".join(p.terms))
        for k, p in enumerate(passages)
    ]


def test_documents_without_terms_or_with_one_stage_as_their_terms() -> None:
    document, _ = _document(2, random.Random(1))
    empty = StagedDocuments.of([(document, [Passage("d2", 0, "", 1, 1, 0, 4, ())])], "now")
    assert empty.terms == [] and len(empty.term_ids) == 0 and list(empty.lengths) == [0]
    single = StagedDocuments.of([(document, [Passage("d2", 0, "", 1, 1, 0, 4, ("a",))])], "now")
    assert single.terms == ["a"] and list(single.term_ids) == [0]


def test_more_distinct_terms_than_two_bytes_number_index_alike() -> None:
    document, _ = _document(3, random.Random(2))
    terms = (*(f"t{i}" for i in range(70_000)), "t5", "t69999")
    passages = [Passage("d3", 0, "", 1, 1, 0, 4, terms), Passage("d3", 1, "", 1, 1, 0, 4, ("t1",))]
    staged = StagedDocuments.of([(document, passages)], "now")
    assert staged.term_ids.dtype == np.int32
    with Staging(DEFAULT_PARAMS, 1) as staging:
        staging.add_documents(staged)
        index = staging.finish()
    assert _arrays(index) == _arrays(BM25Index.build([list(terms), ["t1"]]))
