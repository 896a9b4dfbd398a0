"""How counts and lists of numbers are said, the same way in every front end (bot and CLI)."""

from __future__ import annotations

import re
from collections.abc import Iterable

DASH = "–"  # an en dash joins the ends of a range
ELLIPSIS = "\u2026"  # marks where a quote or a label was cut
_SENTENCE_END = re.compile(r"[.!?][\"”’')\]]*$")
# What a footnote whose text this copy lacks says in its place.
NOTE_NOT_HERE = "cited, but the note text is not in this copy of the archive"


def searched_instead(corrected: str) -> str:
    """What an answer says when the question's typos were corrected before it was searched."""
    return f"Nothing matched the words as typed; showing results for “{one_line(corrected)}”."


def cut_here(text: str) -> str:
    """``text`` and the ``…`` that says more followed it: spaced after a sentence's end
    ("…the strike ended. …"), where a ``…`` touching the full stop reads as ".…"."""
    return text + (" " + ELLIPSIS if _SENTENCE_END.search(text) else ELLIPSIS)


def one_line(text: str) -> str:
    """``text`` with each run of whitespace as one space: pages are hard-wrapped, and their line
    breaks inside a quote, a title or a section would start lines of their own."""
    return " ".join(text.split())


def plural(count: int, word: str, many: str | None = None) -> str:
    """``1 document``, ``2 documents``, ``3 copies`` (``many`` when adding an "s" is wrong)."""
    return f"{count:,} " + (word if count == 1 else many or word + "s")


def number_list(numbers: Iterable[int]) -> str:
    """Numbers as a reader says them: runs of three or more become ranges.

    ``[1, 2, 3, 4]`` -> ``1–4``; ``[2, 3]`` -> ``2 and 3``; ``[1, 3, 4, 5, 9]`` -> ``1, 3–5 and 9``.
    """
    ordered = sorted(set(numbers))
    runs: list[list[int]] = []
    for n in ordered:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    parts: list[str] = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{run[0]}{DASH}{run[-1]}")
        else:
            parts.extend(str(n) for n in run)
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def missing_notes(numbers: Iterable[int]) -> str:
    """One sentence for every note a page cites whose text this copy of the archive lacks."""
    ordered = sorted(set(numbers))
    if not ordered:
        return ""
    if len(ordered) == 1:
        return f"Note {ordered[0]} is cited but not in this copy of the archive."
    return f"Notes {number_list(ordered)} are cited but not in this copy of the archive."
