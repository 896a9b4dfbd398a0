"""Markdown is read as the text a reader sees: no markup in quotes, front matter as metadata."""

from __future__ import annotations

from pathlib import Path

from retrieval.layout import structure
from retrieval.models import SourceDocument
from retrieval.sources import read_all
from retrieval.sources.markdown import front_matter, markdown_blocks

PAGE = """---
title: "On the labor aristocracy"
url: http://prisoncensorship.info/archive/etext/faq/laborarist.html
author: MC5
---

# The labor aristocracy

Intro with **bold**, _emphasis_, `code` and a [link to MIM](https://example.org/mim).
It wraps onto a second line.

## Why wages are high

> Imperialism extracts super-profits
> from the Third World.(1)

- first point, with *stars*
- second point

3. third in a numbered list
4. fourth

![A picket line](picket.png)

| Year | Wage |
| ---- | ---- |
| 1992 | $0.35 |

[^2]: Michigan Department of Corrections, 1992.

Text citing a note.[^2]
"""


def _blocks() -> list[tuple[str, str]]:
    _, body = front_matter(PAGE)
    return [(b.kind, b.text) for b in markdown_blocks(body)]


def test_quotes_are_the_rendered_text() -> None:
    blocks = _blocks()
    assert blocks[:3] == [
        ("heading", "The labor aristocracy"),
        (
            "paragraph",
            "Intro with bold, emphasis, code and a link to MIM. It wraps onto a second line.",
        ),
        ("heading", "Why wages are high"),
    ]
    texts = [t for _, t in blocks]
    assert "Imperialism extracts super-profits from the Third World.(1)" in texts
    assert "first point, with stars" in texts and "second point" in texts
    assert "3. third in a numbered list" in texts and "4. fourth" in texts
    assert "A picket line" in texts
    assert "1992  $0.35" in texts
    assert ("note", "Michigan Department of Corrections, 1992.") in blocks
    assert "Text citing a note.[2]" in texts
    for text in texts:
        assert not any(mark in text for mark in ("**", "](", "> ", "- ", "`", "---", "[^"))


def test_front_matter_is_metadata_not_text(tmp_path: Path) -> None:
    path = tmp_path / "laborarist.md"
    path.write_text(PAGE, encoding="utf-8")
    (doc,) = read_all([path])
    assert isinstance(doc, SourceDocument)
    assert doc.title == "On the labor aristocracy"
    assert doc.url == "https://www.prisoncensorship.info/archive/etext/faq/laborarist.html"
    assert doc.doc_id == "faq/laborarist"
    assert not any("author" in b.text or "title:" in b.text for b in doc.blocks)
    document, _ = structure(doc)
    assert document.sections == ["The labor aristocracy", "Why wages are high"]
    assert document.notes == {2: "Michigan Department of Corrections, 1992."}


def test_without_front_matter_the_first_heading_is_the_title(tmp_path: Path) -> None:
    path = tmp_path / "notes" / "reading.md"
    path.parent.mkdir()
    path.write_text("# Reading notes\n\nA *plain* page.\n\n## Later\n\nMore text.\n")
    (doc,) = read_all([tmp_path])
    assert (doc.doc_id, doc.title, doc.url) == ("notes/reading", "Reading notes", None)
    assert [(b.kind, b.text) for b in doc.blocks] == [
        ("paragraph", "A plain page."),
        ("heading", "Later"),
        ("paragraph", "More text."),
    ]


def test_text_that_only_looks_like_front_matter_stays_text() -> None:
    meta, body = front_matter("Intro\n---\ntitle: x\n---\n")
    assert meta == {} and body.startswith("Intro")
