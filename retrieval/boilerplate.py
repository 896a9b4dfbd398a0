"""Site boilerplate: paragraphs that a large share of the pages repeat, and the site's name in titles.

Pure functions: the ingest takes the fingerprints of every document's paragraphs
(:func:`paragraph_prints`; the store keeps them, so an unchanged file need not be read again to
count them), asks :func:`repeated_prints` which paragraphs are site furniture (banners, "return to
the home page" lines, copyright notices), then strips them from each document it structures with
:func:`strip_boilerplate`. :func:`clean_title` takes the site's name off a page's ``<title>``
("MIM: ...", "... - MIM").
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator, Sequence, Set
from dataclasses import replace
from itertools import repeat

import numpy as np

from .models import Block, SourceDocument

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


def fingerprint(text: str) -> int:
    """A 64-bit fingerprint of a paragraph's normalised text (signed, as SQLite stores it)."""
    return _fingerprint_folded(" ".join(text.split()))


def _fingerprint_folded(folded: str) -> int:
    digest = hashlib.blake2b(folded.casefold().encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


# Each block's fingerprint, None for a heading or a note (see block_prints).
BlockPrints = list[int | None]


def block_prints(doc: SourceDocument, folded: Sequence[str] | None = None) -> BlockPrints:
    """The fingerprint of each paragraph of ``doc``, None for its other blocks: computed once
    (where it is read) for :func:`paragraph_prints`, :func:`strip_boilerplate` and
    :func:`paragraph_texts`. ``folded``: the blocks' texts with whitespace collapsed, if known."""
    if folded is None:
        return [fingerprint(b.text) if b.kind == "paragraph" else None for b in doc.blocks]
    return [
        _fingerprint_folded(f) if b.kind == "paragraph" else None
        for b, f in zip(doc.blocks, folded, strict=True)
    ]


def _may_repeat(block: Block) -> bool:
    # Headings and notes are not considered: a "Notes" heading or an "Ibid." note repeats
    # across articles without being boilerplate.
    return block.kind == "paragraph" and len(block.text) <= MAX_BOILERPLATE_CHARS


def paragraph_prints(doc: SourceDocument, prints: BlockPrints | None = None) -> bytes:
    """The distinct fingerprints of a document's paragraphs that may be boilerplate, packed
    (little-endian int64s): what the ingest counts, and the store keeps per document read.
    ``prints``: its :func:`block_prints`, if known."""
    prints = block_prints(doc) if prints is None else prints
    distinct = {
        p
        for b, p in zip(doc.blocks, prints, strict=True)
        if p is not None and _may_repeat(b) and b.text.strip()
    }
    return np.array(sorted(distinct), dtype="<i8").tobytes()


def unpack_prints(packed: bytes) -> list[int]:
    """The fingerprints :func:`paragraph_prints` packed."""
    prints: list[int] = np.frombuffer(packed, dtype="<i8").tolist()
    return prints


def repeated_prints(
    prints: Iterable[bytes], share: float = 0.3, min_docs: int = 5
) -> frozenset[int]:
    """The fingerprints found in more than ``share`` of the documents and in at least
    ``min_docs`` of them, given each document's :func:`paragraph_prints` (read once)."""
    every: list[np.ndarray] = []
    for packed in prints:
        every.append(np.frombuffer(packed, dtype="<i8"))
    if not every:
        return frozenset()
    values, counts = np.unique(np.concatenate(every), return_counts=True)
    found = values[(counts >= min_docs) & (counts > share * len(every))]
    return frozenset(found.tolist())


def paragraph_texts(
    docs: Iterable[SourceDocument],
    wanted: Iterable[int],
    prints: Iterable[BlockPrints] | None = None,
) -> dict[int, str]:
    """The normalised texts of the ``wanted`` fingerprints that ``docs`` hold (``prints``:
    their :func:`block_prints`, if known)."""
    missing = set(wanted)
    found: dict[int, str] = {}
    known: Iterator[BlockPrints | None] = iter(prints) if prints is not None else repeat(None)
    for doc in docs:
        doc_prints = next(known)
        for i, block in enumerate(doc.blocks):
            if not missing:
                return found
            if not _may_repeat(block):
                continue
            print_ = doc_prints[i] if doc_prints is not None else None
            if print_ is None:
                print_ = fingerprint(block.text)
            if print_ in missing:
                found[print_] = normalise(block.text)
                missing.discard(print_)
    return found


def strip_boilerplate(
    doc: SourceDocument, repeated: Set[int], prints: BlockPrints | None = None
) -> tuple[SourceDocument, int]:
    """The document without its repeated paragraphs (by fingerprint; ``prints``: its
    :func:`block_prints`, if known), and how many blocks were dropped."""
    if not repeated:
        return doc, 0
    prints = block_prints(doc) if prints is None else prints
    kept = tuple(
        b for b, p in zip(doc.blocks, prints, strict=True) if not (p is not None and p in repeated)
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
    "BlockPrints",
    "block_prints",
    "clean_title",
    "fingerprint",
    "normalise",
    "paragraph_prints",
    "paragraph_texts",
    "repeated_prints",
    "strip_boilerplate",
    "unpack_prints",
]
