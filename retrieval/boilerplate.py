"""Site boilerplate: paragraphs that a large share of the pages repeat, and the site's name in titles.

Pure functions: the ingest reads every document, asks :func:`repeated_paragraphs` which paragraphs
are site furniture (banners, "return to the home page" lines, copyright notices), then strips them
from each document with :func:`strip_boilerplate` before structuring it. :func:`clean_title`
takes the site's name off a page's ``<title>`` ("MIM: ...", "... - MIM").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import replace

from .models import SourceDocument

# Longer paragraphs are articles' own text; not counting them keeps memory to the short ones.
MAX_BOILERPLATE_CHARS = 1000

_SITE = (
    r"(?:Maoist\s+Internationalist\s+(?:Movement|Party\s*-\s*Amerika|Ministry\s+of\s+Prisons)"
    r"|MIM\s*\(\s*Prisons\s*\)|MIM|prisoncensorship\.info)"
)
_SEP = r"\s*(?:::|[:|·•»\-–—])+\s*"
_SITE_PREFIX = re.compile(rf"^(?:{_SITE}{_SEP})+", re.IGNORECASE)
_SITE_SUFFIX = re.compile(rf"(?:{_SEP}{_SITE})+$", re.IGNORECASE)
_GENERIC_TITLE = re.compile(
    rf"^(?:{_SITE}|untitled(?: document)?|new page \d*|document|index|home|no title)?$",
    re.IGNORECASE,
)


def normalise(text: str) -> str:
    """The form paragraphs are compared in: case-folded, whitespace collapsed."""
    return " ".join(text.split()).casefold()


def repeated_paragraphs(
    docs: Iterable[SourceDocument], share: float = 0.3, min_docs: int = 5
) -> set[str]:
    """Normalised paragraph texts found in more than ``share`` of ``docs`` and at least ``min_docs``.

    A paragraph counts once per document; headings and notes are not considered (a "Notes" heading
    or an "Ibid." note repeats across articles without being boilerplate).
    """
    counts: Counter[str] = Counter()
    total = 0
    for doc in docs:
        total += 1
        counts.update(
            {
                normalise(b.text)
                for b in doc.blocks
                if b.kind == "paragraph" and len(b.text) <= MAX_BOILERPLATE_CHARS
            }
            - {""}
        )
    return {text for text, n in counts.items() if n >= min_docs and n > share * total}


def strip_boilerplate(doc: SourceDocument, repeated: set[str]) -> tuple[SourceDocument, int]:
    """The document without its repeated paragraphs, and how many blocks were dropped."""
    if not repeated:
        return doc, 0
    kept = tuple(
        b for b in doc.blocks if not (b.kind == "paragraph" and normalise(b.text) in repeated)
    )
    dropped = len(doc.blocks) - len(kept)
    return (replace(doc, blocks=kept) if dropped else doc), dropped


def clean_title(title: str) -> str | None:
    """A page title without the site's name around it; None when nothing specific is left."""
    title = " ".join(title.split())
    title = _SITE_SUFFIX.sub("", _SITE_PREFIX.sub("", title)).strip()
    return None if _GENERIC_TITLE.match(title) else title


__all__ = [
    "MAX_BOILERPLATE_CHARS",
    "clean_title",
    "normalise",
    "repeated_paragraphs",
    "strip_boilerplate",
]
