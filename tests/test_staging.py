"""Staging: documents staged with their terms as positions in their own term lists give the index
and the rows that adding every passage's terms one by one gives."""

from __future__ import annotations

import random

import numpy as np
import pytest

import retrieval.index.build as index_build
import retrieval.ingest.staging as staging_module
from retrieval.index.bm25 import DEFAULT_PARAMS, BM25Index
from retrieval.ingest.staging import StagedDocument, Staging
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
        for document, passages in documents:
            staging.add_staged(StagedDocument.of(document, passages, staging.ingested_at))
        index = staging.finish()
    assert list(index.passage_ids) == [1, 2, 3, 4, 5, *range(100, 100 + len(every) - 5)]
    assert _arrays(index) == _arrays(expected)


def test_staged_rows_are_the_rows_of_the_document_and_its_numbered_passages() -> None:
    document, passages = _document(1, random.Random(3))
    staged = StagedDocument.of(document, passages, "now")
    assert staged.passages == len(passages)
    assert [staged.terms[i] for i in staged.term_ids] == [t for p in passages for t in p.terms]
    assert list(staged.lengths) == [len(p.terms) for p in passages]
    rows = Rows()
    rows.add(staged.rows, range(7, 7 + len(passages)))
    assert rows.documents == [
        (document.doc_id, "Doc 1", None, None, "d1.txt", "h", "text", "now", "")
    ]
    assert rows.paragraphs == [(document.doc_id, 1, "", 0, 4)]
    assert rows.passages == [
        (7 + k, p.doc_id, p.ordinal, "", 1, 1, 0, 4, " ".join(p.terms))
        for k, p in enumerate(passages)
    ]


def test_a_document_without_terms_stages_empty_arrays() -> None:
    document, _ = _document(2, random.Random(1))
    passage = Passage(document.doc_id, 0, "", 1, 1, 0, 4, ())
    staged = StagedDocument.of(document, [passage], "now")
    assert staged.terms == [] and staged.term_ids.dtype == np.int32 and len(staged.term_ids) == 0
    single = StagedDocument.of(
        document, [Passage(document.doc_id, 0, "", 1, 1, 0, 4, ("a",))], "now"
    )
    assert single.terms == ["a"] and list(single.term_ids) == [0]
