"""Turn a source's blocks into a structured document: sections, numbered paragraphs, notes, markers.

Site-wide boilerplate, the title and subtitle lines and the notes list are taken out of the body;
what remains is numbered ``1..n`` in reading order, and that number is the ``¶`` of a citation.
"""

from __future__ import annotations

import re

from .markers import MARKER, NOTE_ITEM, list_items
from .models import Block, Document, Marker, Paragraph, SourceDocument
from .text import sentence_spans

# Paragraphs every page of the archive repeats (the issue-4 ingest also finds them from the corpus).
SITE_BOILERPLATE = (
    re.compile(
        r"^This is an archive of the former website of the Maoist Internationalist Movement"
    ),
    re.compile(r"^Maoist\s+Internationalist\s+Movement\s*$"),
)

NOTES_HEADING = re.compile(
    r"^\s*(?:end\s*)?(?:notes?|foot\s*notes?|references|sources|endnotes)\s*:?\s*$", re.IGNORECASE
)

_JOIN = "\n\n"

# The site header as it opens (often glued to the page's first lines): its sentences up to
# "... worldwide." (or the end of its line), and the site-name line after it.
_SITE_HEADER_OPENING = (
    "This is an archive of the former website of the Maoist Internationalist Movement"
)
_SITE_HEADER = re.compile(
    rf"\s*{_SITE_HEADER_OPENING}\b"
    r"(?:[^\n]{0,600}?worldwide\.|[^\n]*)"
    # The site's name on the next line, or hard-wrapped over the next two.
    r"(?:\s*\n\s*Maoist[ \t]+Internationalist[ \t]*\n?[ \t]*Movement[ \t]*(?=\n|$))?\s*"
)


_SITE_NAME_START = re.compile(r"^\s*Maoist\s+Internationalist\s*$")
_SITE_NAME_END = re.compile(r"^\s*Movement\s*$")


# One link of a bar of links as a text extractor writes it: "[About]  [Contact]  [Home]".
_BAR_LINK = re.compile(r"[ \t]*\[[^\[\]\n]{1,30}\][ \t]*[|·•]?")


def link_bar(text: str, links: int = 3) -> bool:
    """Whether ``text`` is only a bar of at least ``links`` bracketed links."""
    count = 0
    at = 0
    while at < len(text) and (found := _BAR_LINK.match(text, at)) is not None:
        count, at = count + 1, found.end()
    return at == len(text) and count >= links


def is_site_boilerplate(text: str) -> bool:
    """Whether a paragraph is one of the archive's site-wide lines, or a bar of links."""
    return any(p.match(text) for p in SITE_BOILERPLATE) or (text[:1] == "[" and link_bar(text))


def without_site_header(text: str) -> str:
    """``text`` without the site header paragraph wherever it stands in it (often glued to the
    page's title line before it or its first lines after it); the page's own lines stay."""
    if _SITE_HEADER_OPENING not in text:
        # The pattern opens with spaces, so searching for it tries every character: most
        # paragraphs are ruled out far quicker by its opening words.
        return text.strip()
    return _SITE_HEADER.sub("\n", text).strip()


def _same_line(a: str, b: str | None) -> bool:
    if not b:
        return False
    return a.strip().rstrip(":").strip().casefold() == b.strip().rstrip(":").strip().casefold()


def split_notes(blocks: list[Block]) -> tuple[list[Block], dict[int, str]]:
    """Separate a trailing notes list (heading plus numbered items, or note blocks) from the body."""
    notes: dict[int, str] = {}
    body: list[Block] = []
    in_notes = False
    last_number: int | None = None
    for block in blocks:
        if block.kind == "note" and block.number is not None:
            notes[block.number] = block.text.strip()
            last_number = block.number
            continue
        if NOTES_HEADING.match(block.text) and len(block.text) < 40:
            in_notes = True
            continue
        if in_notes:
            item = NOTE_ITEM.match(block.text)
            if item:
                number = int(next(g for g in item.groups()[:3] if g))
                notes[number] = item.group(4).strip()
                last_number = number
                continue
            if block.kind == "paragraph" and last_number is not None and len(block.text) < 600:
                notes[last_number] = notes[last_number] + " " + block.text.strip()
                continue
            in_notes = False  # the list ended; whatever follows is body again
        body.append(block)
    return body, notes


def structure(source: SourceDocument) -> tuple[Document, int]:
    """Build the structured document; also return how many boilerplate blocks were dropped."""
    blocks = list(source.blocks)
    dropped = 0
    kept: list[Block] = []
    for block in blocks:
        text = without_site_header(block.text.strip())
        if not text or is_site_boilerplate(text):
            dropped += 1
            continue
        if kept and _SITE_NAME_END.match(text) and _SITE_NAME_START.match(kept[-1].text):
            kept.pop()  # the site's name, hard-wrapped over two lines read as two blocks
            dropped += 2
            continue
        kept.append(block if text == block.text.strip() else Block(block.kind, text, block.number))
    # The title and subtitle lines open the page; they are metadata, not body. A title made of
    # the text's opening words (a page that names none) is no line of its own: the text stays.
    title = None if source.title_from_body else source.title
    head = 0
    while head < min(len(kept), 4) and (
        _same_line(kept[head].text, title) or _same_line(kept[head].text, source.subtitle)
    ):
        head += 1
    body, notes = split_notes(kept[head:])

    parts: list[str] = []
    paragraphs: list[Paragraph] = []
    markers: list[Marker] = []
    offset = 0
    section = ""
    for block in body:
        text = block.text.strip()
        if not text:
            continue
        if parts:
            offset += len(_JOIN)
        start = offset
        parts.append(text)
        offset += len(text)
        if block.kind == "heading":
            section = text
            continue
        paragraph = Paragraph(len(paragraphs) + 1, section, start, offset)
        paragraphs.append(paragraph)
    full = _JOIN.join(parts)
    for paragraph in paragraphs:
        markers.extend(markers_in(full, paragraph))
    document = Document(
        doc_id=source.doc_id,
        title=source.title,
        url=source.url,
        source=source.source,
        content_hash=source.content_hash,
        text=full,
        paragraphs=tuple(paragraphs),
        notes=notes,
        markers=tuple(markers),
        subtitle=source.subtitle,
    )
    return document, dropped


# Bump when markers_in finds other markers than before: a store's markers are then found again
# from its stored texts when it is opened (ArchiveService._ensure_current).
MARKERS_VERSION = "3"


def markers_in(text: str, paragraph: Paragraph) -> list[Marker]:
    """Footnote markers of one paragraph, each with the sentence that carries it."""
    found: list[Marker] = []
    # A marker opens with a bracket; finding none is much quicker than searching for a marker
    # (its pattern opens with a look-behind, tried at every character).
    if text.find("(", paragraph.start, paragraph.end) < 0 and (
        text.find("[", paragraph.start, paragraph.end) < 0
    ):
        return found
    if not MARKER.search(text, paragraph.start, paragraph.end):
        return found
    spans = sentence_spans(text, paragraph.start, paragraph.end)
    items = list_items(text, paragraph.start, paragraph.end)
    for match in MARKER.finditer(text, paragraph.start, paragraph.end):
        number = int(match.group(1) or match.group(2))
        if number == 0 or (match.group(1) and match.start(1) - 1 in items):
            continue
        at = match.start()
        sentence = next(((a, b) for a, b in spans if a <= at < b), (paragraph.start, paragraph.end))
        found.append(Marker(number, paragraph.number, sentence[0], sentence[1]))
    return found
