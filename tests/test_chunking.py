"""Passages: each one's terms are its labels' terms and the terms of its own text."""

from __future__ import annotations

from retrieval.chunking import label_terms, passages_for
from retrieval.layout import structure
from retrieval.models import Block, SourceDocument, SourceRef
from retrieval.service import bundled_corpus
from retrieval.sources import read_all
from retrieval.text import terms


def _documents() -> list[SourceDocument]:
    seed = [d for d in read_all([bundled_corpus()]) if isinstance(d, SourceDocument)]
    # A heading repeated in one section lies inside a passage; markers end sentences.
    blocks = (
        Block("heading", "Part one"),
        Block("paragraph", "The U.S. said so.(1) Then 1,000 more came[2]. Dr. Who's there?"),
        Block("heading", "Part one"),
        Block("paragraph", "u.$. wimmin (3) and Amerikkka. " * 30),
    )
    made = SourceDocument("made/up", "Made up", None, SourceRef("made/up.txt"), "hash", blocks)
    return [*seed, made]


def test_passage_terms_are_labels_and_own_text() -> None:
    for source in _documents():
        document, _ = structure(source)
        labels = label_terms(document.title, document.subtitle, document.doc_id)
        for p in passages_for(document):
            section = terms(p.section) if p.section else []
            body = terms(document.text[p.start : p.end])
            assert list(p.terms) == labels + section + body
