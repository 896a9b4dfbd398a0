"""Narrowing a search: ``in:`` a part of the archive (a folder of the site: MIM Notes, the FAQ,
film reviews, congress documents…) and ``from:``/``to:`` years.

The parts are the top folders of the document ids (plus a few well-known sub-folders), with their
document counts. A document's year is read from a date written out in its title or its opening
("MIM Notes 49, January 18, 1991", "by PIRAO Chief, July 1, 2004"), else from a year opening a
title ("1996 MIM Congress: …"), else from a date in its id ("notefromchair092207"). A document
without a date is kept unless a year is asked for. Pure functions and a catalogue built from what
the store holds; no SQL here.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from .errors import QuestionError
from .wording import DASH, plural

# Folders people know by name; any other part is shown by its folder name.
LABELS = {
    "mn": "MIM Notes",
    "mt": "MIM Theory",
    "faq": "FAQ",
    "movies": "Film reviews",
    "wim/cong": "MIM Congress documents",
    "ulk": "Under Lock & Key",
    "bookstore": "Book and music reviews",
    "gender": "Gender",
}
# How much of a document's opening is read for a dateline.
OPENING_CHARS = 400
EARLIEST, LATEST = 1960, 2039
_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
_WRITTEN_DATE = re.compile(
    rf"\b{_MONTH}\.?,?\s+(?:\d{{1,2}}(?:st|nd|rd|th)?,?\s+)?((?:19|20)\d\d)\b", re.IGNORECASE
)
_TITLE_YEAR = re.compile(r"^((?:19|20)\d\d)\s+[A-Z]")
_ID_DATE = re.compile(r"(?<!\d)(\d\d)(\d\d)(\d\d(?:\d\d)?)(?!\d)")
_INLINE = re.compile(r"(?<!\S)(in|from|to):(\S+)(?!\S)", re.IGNORECASE)


class FilterError(QuestionError):
    """A filter names no part of the archive, or years that cannot be (the message says which)."""


@dataclass(frozen=True)
class Filters:
    """What a search is narrowed to: a part (a folder path such as ``mn`` or ``wim/cong``) and
    years, both ends included."""

    part: str | None = None
    year_from: int | None = None
    year_to: int | None = None

    def __bool__(self) -> bool:
        return any(x is not None for x in (self.part, self.year_from, self.year_to))

    @property
    def dated(self) -> bool:
        """Whether a year is asked for (documents without a date are then left out)."""
        return self.year_from is not None or self.year_to is not None

    def joined(self, typed: Filters) -> Filters:
        """These filters (a command's options) with those ``typed`` in its question text; one
        given both ways must say the same (raises :class:`FilterError`)."""
        pairs = (
            ("in", self.part, typed.part),
            ("from", self.year_from, typed.year_from),
            ("to", self.year_to, typed.year_to),
        )
        for name, option, text in pairs:
            if (
                option is not None
                and text is not None
                and str(option).casefold() != str(text).casefold().strip("/")
            ):
                raise FilterError(
                    f"the question says {name}:{text} and the {name} option says {option}; "
                    "give it one way"
                )
        return Filters(
            self.part if self.part is not None else typed.part,
            self.year_from if self.year_from is not None else typed.year_from,
            self.year_to if self.year_to is not None else typed.year_to,
        )

    def inline(self) -> str:
        """The filters as typed in a question (``in:mn from:1990 to:1995``)."""
        out = []
        if self.part:
            out.append(f"in:{self.part}")
        if self.year_from is not None:
            out.append(f"from:{self.year_from}")
        if self.year_to is not None:
            out.append(f"to:{self.year_to}")
        return " ".join(out)


@dataclass(frozen=True)
class Part:
    """A part of the archive: its folder path, the name people know it by, its documents."""

    path: str
    label: str
    documents: int
    dated: int

    @property
    def name(self) -> str:
        """``MIM Notes (mn)``, or just the folder when it has no better name."""
        return self.label if self.label == self.path else f"{self.label} ({self.path})"


def top_part(doc_id: str) -> str:
    """The top folder of a document id (a page at the top is a part of its own)."""
    return doc_id.split("/", 1)[0]


def _in_part(doc_id: str, path: str) -> bool:
    return doc_id == path or doc_id.startswith(path + "/")


def year_of(doc_id: str, title: str, opening: str = "") -> int | None:
    """The year a document was written, when its title, opening or id says so."""
    for text in (title, opening[:OPENING_CHARS]):
        for match in _WRITTEN_DATE.finditer(text):
            if EARLIEST <= int(match[1]) <= LATEST:
                return int(match[1])
    leading = _TITLE_YEAR.match(title)
    if leading and EARLIEST <= int(leading[1]) <= LATEST:
        return int(leading[1])
    for match in _ID_DATE.finditer(doc_id.rsplit("/", 1)[-1]):
        month, day, year = int(match[1]), int(match[2]), match[3]
        if 1 <= month <= 12 and 1 <= day <= 31:
            full = int(year) if len(year) == 4 else 2000 + int(year)
            if len(year) == 2 and full > LATEST:
                full -= 100
            if EARLIEST <= full <= LATEST:
                return full
    return None


def split_filters(question: str) -> tuple[str, Filters]:
    """A question typed with filters (``in:faq from:1990 who…``) -> the question and the filters.

    Raises :class:`FilterError` for a year that is not a year; whether a part exists is checked
    by :meth:`Catalogue.check`.
    """
    found: dict[str, str] = {}
    for match in _INLINE.finditer(question):
        found[match[1].lower()] = match[2]
    if not found:
        return question, Filters()
    rest = " ".join(_INLINE.sub(" ", question).split())
    years = {}
    for key in ("from", "to"):
        if key in found:
            if not re.fullmatch(r"\d{4}", found[key]):
                raise FilterError(f"{key}: must be a year such as 1995 (got '{found[key]}')")
            years[key] = int(found[key])
    return rest, Filters(found.get("in"), years.get("from"), years.get("to"))


def rows_in_ranges(passage_ids: np.ndarray, ranges: Iterable[tuple[int, int]]) -> np.ndarray:
    """Index rows whose passage id lies in one of the (first, last) ranges (both included);
    ``passage_ids`` is the index's row -> passage id array, ascending."""
    spans = sorted(ranges)
    if not spans or not len(passage_ids):
        return np.zeros(0, dtype=np.int32)
    firsts = np.fromiter((a for a, _ in spans), dtype=np.int64, count=len(spans))
    lasts = np.fromiter((b for _, b in spans), dtype=np.int64, count=len(spans))
    which = np.searchsorted(firsts, passage_ids, side="right") - 1
    inside = (which >= 0) & (passage_ids <= lasts[np.maximum(which, 0)])
    return np.nonzero(inside)[0].astype(np.int32)


class Catalogue:
    """The parts and years of the indexed documents, and which documents a filter keeps.

    Built from ``(doc_id, title, opening)`` rows and each document's passage id range.
    """

    def __init__(
        self,
        documents: Iterable[tuple[str, str, str]],
        passage_ranges: dict[str, tuple[int, int]],
    ) -> None:
        self.years: dict[str, int | None] = {
            doc_id: year_of(doc_id, title, opening) for doc_id, title, opening in documents
        }
        self.passage_ranges = passage_ranges
        tops = Counter(top_part(d) for d in self.years)
        paths = set(tops) | {
            p for p in LABELS if "/" in p and any(_in_part(d, p) for d in self.years)
        }
        self.parts: list[Part] = sorted(
            (self._part(path) for path in paths), key=lambda p: (-p.documents, p.path)
        )

    def _part(self, path: str) -> Part:
        docs = [d for d in self.years if _in_part(d, path)]
        dated = sum(1 for d in docs if self.years[d] is not None)
        return Part(path, LABELS.get(path, path), len(docs), dated)

    def year_counts(self) -> dict[int, int]:
        """Year -> how many documents are dated that year, oldest first."""
        counts = Counter(y for y in self.years.values() if y is not None)
        return dict(sorted(counts.items()))

    def part(self, typed: str) -> Part:
        """The part named ``typed`` (its folder path or its name, any case)."""
        wanted = typed.strip().strip("/").casefold()
        for part in self.parts:
            if wanted in (part.path.casefold(), part.label.casefold(), part.name.casefold()):
                return part
        known = ", ".join(p.name for p in self.parts[:12]) + (" …" if len(self.parts) > 12 else "")
        raise FilterError(f"no part of the archive is called '{typed}'. Parts: {known}")

    def check(self, filters: Filters) -> Filters:
        """``filters`` with the part as its folder path; raises :class:`FilterError` when a part
        is unknown, the years are reversed, or no document is left."""
        part = self.part(filters.part).path if filters.part else None
        checked = Filters(part, filters.year_from, filters.year_to)
        low, high = filters.year_from, filters.year_to
        if low is not None and high is not None and low > high:
            raise FilterError(f"the first year, {low}, is after the last, {high}")
        if checked and not self.matching(checked):
            raise FilterError(f"no document of the archive is {self.describe(checked)}")
        return checked

    def matching(self, filters: Filters) -> list[str]:
        """Ids of the documents ``filters`` keeps."""
        low = filters.year_from if filters.year_from is not None else -1
        high = filters.year_to if filters.year_to is not None else 10_000
        out = []
        for doc_id, year in self.years.items():
            if filters.part and not _in_part(doc_id, filters.part):
                continue
            if filters.dated and (year is None or not low <= year <= high):
                continue
            out.append(doc_id)
        return out

    def rows(self, filters: Filters, passage_ids: np.ndarray) -> np.ndarray:
        """The index rows of the passages of the documents ``filters`` keeps."""
        ranges = (
            self.passage_ranges[d] for d in self.matching(filters) if d in self.passage_ranges
        )
        return rows_in_ranges(passage_ids, ranges)

    def describe(self, filters: Filters) -> str:
        """``in MIM Notes (mn), dated 1990–1995`` / ``dated 1990 or later`` / ``dated 1995 or
        earlier``, and how many undated documents a year leaves out, when any."""
        parts = []
        if filters.part:
            found = next((p for p in self.parts if p.path == filters.part), None)
            parts.append(f"in {found.name if found else filters.part}")
        low, high = filters.year_from, filters.year_to
        if low is not None and high is not None:
            parts.append(f"dated {low}" if low == high else f"dated {low}{DASH}{high}")
        elif low is not None:
            parts.append(f"dated {low} or later")
        elif high is not None:
            parts.append(f"dated {high} or earlier")
        said = ", ".join(parts)
        if filters.dated:
            # Why a year leaves out documents that may well be about it: they carry no date.
            undated = sum(
                1
                for doc_id, year in self.years.items()
                if year is None and (not filters.part or _in_part(doc_id, filters.part))
            )
            if undated:
                said += f" ({plural(undated, 'undated document')} left out)"
        return said

    def summary(self) -> str:
        """One line: how many documents, parts and dated documents."""
        dated = sum(1 for y in self.years.values() if y is not None)
        return (
            f"{plural(len(self.years), 'document')} in {plural(len(self.parts), 'part')}, "
            f"{dated:,} of them dated"
        )
