"""Boilerplate found from the corpus: paragraphs a large share of pages repeat."""

from __future__ import annotations

from retrieval.boilerplate import (
    block_prints,
    fingerprint,
    normalise,
    paragraph_prints,
    paragraph_texts,
    repeated_prints,
    strip_boilerplate,
)
from retrieval.layout import structure
from retrieval.models import Block, SourceDocument, SourceRef

BANNER = "Go back to the MIM homepage"


def _doc(n: int, *blocks: Block) -> SourceDocument:
    return SourceDocument(f"d{n}", f"Doc {n}", None, SourceRef(f"d{n}.html"), "h", tuple(blocks))


def _corpus(with_banner: int, total: int) -> list[SourceDocument]:
    docs = []
    for n in range(total):
        blocks = [Block("heading", "Notes"), Block("paragraph", f"Article {n} says something.")]
        blocks.append(Block("note", "Ibid.", 1))
        if n < with_banner:
            # Spacing and case vary between pages; the banner is still the same paragraph.
            blocks.append(Block("paragraph", BANNER.upper() if n % 2 else f"  {BANNER} "))
        docs.append(_doc(n, *blocks))
    return docs


def repeated_paragraphs(
    docs: list[SourceDocument], share: float = 0.3, min_docs: int = 5
) -> set[str]:
    """The texts of the paragraphs ``docs`` repeat (one pass over ``docs`` to count)."""
    docs = list(docs)
    found = repeated_prints((paragraph_prints(d) for d in docs), share, min_docs)
    texts = paragraph_texts(docs, found)
    assert set(texts) == found
    return set(texts.values())


def test_a_paragraph_most_pages_repeat_is_boilerplate() -> None:
    assert repeated_paragraphs(_corpus(8, 10)) == {normalise(BANNER)}


def test_headings_and_notes_are_never_boilerplate() -> None:
    found = repeated_paragraphs(_corpus(0, 10))
    assert found == set()


def test_share_and_min_docs_both_apply() -> None:
    assert repeated_paragraphs(_corpus(3, 10)) == set()  # 30% is not more than 30%
    assert repeated_paragraphs(_corpus(4, 10), min_docs=4) == {normalise(BANNER)}
    assert repeated_paragraphs(_corpus(4, 10)) == set()  # fewer than min_docs
    assert repeated_paragraphs(_corpus(4, 4), min_docs=4) == {normalise(BANNER)}
    assert repeated_paragraphs(_corpus(5, 10), share=0.5) == set()


def test_a_paragraph_counts_once_per_document() -> None:
    docs = [_doc(0, *([Block("paragraph", BANNER)] * 6)), *_corpus(0, 9)]
    assert repeated_paragraphs(docs) == set()


def test_it_reads_a_generator_once() -> None:
    prints = (paragraph_prints(doc) for doc in _corpus(10, 10))
    assert repeated_prints(prints) == {fingerprint(BANNER)}


def test_fingerprints_are_of_the_normalised_text() -> None:
    assert fingerprint(f"  {BANNER} ") == fingerprint(BANNER.upper()) != fingerprint("Other")
    assert paragraph_prints(_corpus(0, 1)[0]) != paragraph_prints(_corpus(1, 1)[0])
    assert repeated_prints([]) == frozenset()


def test_strip_boilerplate_drops_repeated_paragraphs_only() -> None:
    doc = _corpus(1, 1)[0]
    stripped, dropped = strip_boilerplate(doc, {fingerprint(BANNER)})
    assert dropped == 1
    assert [b.text for b in stripped.blocks] == ["Notes", "Article 0 says something.", "Ibid."]
    assert stripped.doc_id == doc.doc_id and stripped.title == doc.title


def test_strip_boilerplate_returns_the_same_document_when_nothing_repeats() -> None:
    doc = _corpus(0, 1)[0]
    assert strip_boilerplate(doc, {fingerprint(BANNER)}) == (doc, 0)
    assert strip_boilerplate(doc, set())[0] is doc


HEADER = (
    "This is an archive of the former website of the Maoist Internationalist Movement, which was "
    "run by the now defunct Maoist Internationalist Party - Amerika. MIM(Prisons) serves these "
    "documents as a service to and reference for the anti-imperialist movement worldwide."
)


def test_the_site_header_glued_to_a_page_is_cut_off_and_the_page_kept() -> None:
    # Hard-wrapped text pages have no blank line after the header: the whole page is one block.
    glued = f"{HEADER}\nMIM Notes 288 · October 1, 2003\nThe Maoists set up a radio station."
    document, dropped = structure(_doc(1, Block("paragraph", glued)))
    assert "archive of the former website" not in document.text
    assert document.text.startswith("MIM Notes 288")
    assert "radio station" in document.text
    assert dropped == 0


def test_a_header_glued_after_a_title_line_is_cut_out() -> None:
    glued = f"Indiana RAIL homepage {HEADER}\nRAIL group in Bloomington Indiana"
    document, _ = structure(_doc(1, Block("paragraph", glued)))
    assert "former website" not in document.text
    assert "Indiana RAIL homepage" in document.text and "Bloomington" in document.text


def test_a_header_paragraph_on_its_own_is_dropped() -> None:
    document, dropped = structure(
        _doc(1, Block("paragraph", HEADER), Block("paragraph", "Body text."))
    )
    assert document.text == "Body text."
    assert dropped == 1


def test_a_bar_of_links_is_dropped_but_bracketed_text_is_kept() -> None:
    bar = "[About]  [Contact]  [Home]  [Art]  [Movies]  [Black Panthers]  [News]  [RAIL]"
    kept = ["[In January, 1998, MIM] wrote to the forum.", "[1] A source.", "[Home] [Art]"]
    document, dropped = structure(
        _doc(1, Block("paragraph", bar), *(Block("paragraph", k) for k in kept))
    )
    assert document.text == "\n\n".join(kept)
    assert dropped == 1


def test_fingerprints_computed_once_give_what_computing_them_again_gives() -> None:
    long = "Word " * 300  # past MAX_BOILERPLATE_CHARS: stripped when repeated, never counted
    doc = _doc(
        1,
        Block("heading", BANNER),
        Block("paragraph", f"  {BANNER}\n"),
        Block("paragraph", " \n "),
        Block("paragraph", long),
        Block("note", BANNER, 1),
        Block("paragraph", "Its own text."),
    )
    prints = block_prints(doc)
    assert prints[0] is None and prints[4] is None
    assert block_prints(doc, [" ".join(b.text.split()) for b in doc.blocks]) == prints
    assert paragraph_prints(doc, prints) == paragraph_prints(doc)
    for repeated in ({fingerprint(BANNER)}, {fingerprint(long)}, {fingerprint(" ")}, set()):
        assert strip_boilerplate(doc, repeated, prints) == strip_boilerplate(doc, repeated)
        assert paragraph_texts([doc], repeated, [prints]) == paragraph_texts([doc], repeated)
