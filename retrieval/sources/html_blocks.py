"""Sorting the blocks extracted from an HTML page: the notes list and navigation.

The walker in :mod:`retrieval.sources.html` turns the DOM into :class:`RawBlock` records in reading order;
here a trailing notes list (after a "Notes" heading, ``<ol>`` items, anchors that markers point
to, or a numbered run that the body cites) becomes note blocks, and paragraphs, headings and lists
that are mostly links are dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from ..layout import NOTES_HEADING
from ..markers import MARKER, NOTE_START

# A paragraph, heading or list whose text is more than this share links is navigation.
LINK_SHARE = 0.5
# An unnumbered paragraph inside a notes list continues the previous note when this short.
NOTE_CONTINUATION_CHARS = 600
_BARE_NUMBER = re.compile(r"(\d{1,3})\s+(?=\S)")


# A block's kind as extracted; "drop" marks navigation and other furniture, left out.
RawKind = Literal["heading", "paragraph", "note", "drop"]


@dataclass
class RawBlock:
    """A block as extracted, before notes, navigation and the title are sorted out."""

    kind: RawKind
    text: str
    level: int = 0  # 1-6 for <hN>, 7 for a bold line, 8 for a plain line that looks like one
    chars: int = 0
    link_chars: int = 0
    list_id: int | None = None
    list_number: int | None = None
    anchors: tuple[str, ...] = ()
    number: int | None = None
    lines: tuple[str, ...] = ()  # the block's lines as <br> breaks them

    @property
    def navigation(self) -> bool:
        return bool(self.chars) and self.link_chars / self.chars > LINK_SHARE


def _note_start(raw: RawBlock, bare: bool = False) -> tuple[int | None, str]:
    match = NOTE_START.match(raw.text) or (_BARE_NUMBER.match(raw.text) if bare else None)
    if not match:
        return None, raw.text
    return int(next(g for g in match.groups() if g)), raw.text[match.end() :]


def find_notes(raws: list[RawBlock], targets: dict[str, tuple[int, int]]) -> None:
    """Turn the notes list into note blocks: after a notes heading, or targets of markers."""
    in_notes = False
    last: RawBlock | None = None
    for index, raw in enumerate(raws):
        heading_like = raw.kind in ("heading", "paragraph") and len(raw.text) < 40
        if heading_like and NOTES_HEADING.match(raw.text):
            raw.kind, in_notes, last = "drop", True, None
            continue
        if raw.kind == "heading":
            in_notes = False
            continue
        cited = [targets[a] for a in raw.anchors if a in targets and targets[a][1] < index]
        number, text = _note_start(raw, bare=bool(cited))
        if raw.list_number is not None and (in_notes or cited):
            if number != raw.list_number:
                text = raw.text
            number = raw.list_number
        elif number is None and cited:
            number = cited[0][0]
        if number is not None and (in_notes or cited):
            raw.kind, raw.number, raw.text = "note", number, text
            last = raw
        elif in_notes and raw.navigation:
            continue  # navigation inside or after the list: dropped later, the list goes on
        elif in_notes and last is not None and len(raw.text) < NOTE_CONTINUATION_CHARS:
            last.text = f"{last.text} {raw.text}"
            raw.kind = "drop"
        else:
            in_notes = False
    if not any(r.kind == "note" for r in raws):
        _trailing_notes(raws)


def _trailing_notes(raws: list[RawBlock]) -> None:
    """A numbered run ``1..n`` ending the page, without a heading, whose numbers the body cites."""
    run: list[tuple[RawBlock, int, str]] = []
    for raw in reversed(raws):
        if raw.kind == "drop" or raw.navigation:
            continue
        number, text = _note_start(raw)
        number = raw.list_number or number
        if raw.kind != "paragraph" or number is None:
            break
        run.append((raw, number, text))
    run.reverse()
    if not run or [n for _, n, _ in run] != list(range(1, len(run) + 1)):
        return
    in_run = {id(r) for r, _, _ in run}
    body = "\n".join(r.text for r in raws if r.kind == "paragraph" and id(r) not in in_run)
    cited = {int(a or b) for a, b in MARKER.findall(body)}
    if 2 * len(cited & set(range(1, len(run) + 1))) >= len(run):
        for raw, number, text in run:
            raw.kind, raw.number, raw.text = "note", number, text


def drop_navigation(raws: list[RawBlock]) -> None:
    """Drop paragraphs, headings and whole lists whose text is mostly links."""
    lists: dict[int, list[RawBlock]] = {}
    for raw in raws:
        if raw.kind in ("heading", "paragraph") and raw.list_id is not None:
            lists.setdefault(raw.list_id, []).append(raw)
    for items in lists.values():
        chars = sum(r.chars for r in items)
        if chars and sum(r.link_chars for r in items) / chars > LINK_SHARE:
            for raw in items:
                raw.kind = "drop"
    for raw in raws:
        empty = not any(map(str.isalnum, raw.text))
        if raw.kind in ("heading", "paragraph") and (raw.navigation or empty):
            raw.kind = "drop"
