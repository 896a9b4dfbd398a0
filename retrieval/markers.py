"""Footnote markers and note numbers: the one place their patterns are written (a leaf).

A marker is a note's number, one to three digits, in square brackets or parentheses: ``[3]``,
``(3)``. In running text it is attached to the word or punctuation before it (:data:`MARKER`);
at the start of a note the number may also stand bare with a dot or a parenthesis (``3.``,
``3)``); a superscript link may hold the bare number alone (:data:`MARKER_TEXT`).
"""

from __future__ import annotations

import re

_NUMBER = r"(\d{1,3})"
_IN_BRACKETS = rf"\[{_NUMBER}\]"
_IN_PARENS = rf"\({_NUMBER}\)"
# The number that opens a note: `[1]`, `(1)`, `1.`, `1)`; groups: bracketed, parenthesised, bare.
_NOTE_NUMBER = rf"(?:{_IN_BRACKETS}|{_IN_PARENS}|{_NUMBER}[.)])"

# A marker is attached to the text before it: `Belgium.(3)`, `fields." (1)`, `France[2]`.
# Groups: parenthesised, bracketed.
MARKER = re.compile(rf"(?<=[\w.,;:!?\"”’')\]])\s?(?:{_IN_PARENS}|{_IN_BRACKETS})")
# A marker ending a text, with the space around it.
TRAILING_MARKER = re.compile(rf"\s*(?:{_IN_PARENS}|{_IN_BRACKETS})\s*$")
# Any bracketed number, brackets matched or not (`(3]`): what the tokenizer masks out of words.
ANY_MARKER = re.compile(rf"[(\[]{_NUMBER}[)\]]")
# The whole text of a superscript or a back-link: `[3]`, `(3)` or `3`.
MARKER_TEXT = re.compile(rf"{_IN_BRACKETS}|{_IN_PARENS}|{_NUMBER}")
# A note item: its number, then its text (group 4).
NOTE_ITEM = re.compile(rf"^\s*{_NOTE_NUMBER}\s*(\S.*)$", re.DOTALL)
# The number that opens a note in a page: `1.`, `1)`, `(1)`, `[1]`, `(1).` (a converted back-link).
NOTE_START = re.compile(rf"{_NOTE_NUMBER}[.:]?\s*(?=\S)")

# A number in parentheses, as a numbered list in running text writes it.
_LIST_NUMBER = re.compile(rf"{_IN_PARENS}")


def list_items(text: str, start: int, end: int, cut: bool = False) -> set[int]:
    """Where the numbers of a list written in running text stand in ``text[start:end]`` (one
    paragraph): a ``(1)`` that opens the paragraph or follows a colon, and the ``(2)``, ``(3)``...
    after it, in order. They are no footnote markers, though "...1976. (2) MIM upholds..." reads
    like one ("MIM differs from other communist parties on three main questions: (1) MIM holds
    that...", the masthead of MIM Notes). The positions of their opening parentheses.

    ``cut``: the text is a part of its paragraph cut at its start (a passage), so a list may have
    opened before it: a number after a space that the next one follows, after a space too
    ("...1976. (2) MIM upholds ... history. (3) MIM believes"), goes on one."""
    items: set[int] = set()
    following = 0  # the number the list goes on with, once one has opened
    numbers = list(_LIST_NUMBER.finditer(text, start, end))
    for i, match in enumerate(numbers):
        number = int(match.group(1))
        before = text[start : match.start()].rstrip()
        if number == 1 and (not before or before.endswith(":")):
            items.add(match.start())
            following = 2
        elif following and number == following:
            items.add(match.start())
            following += 1
        elif (
            cut
            and not following
            and i + 1 < len(numbers)
            and int(numbers[i + 1].group(1)) == number + 1
            and _after_space(text, match.start())
            and _after_space(text, numbers[i + 1].start())
        ):
            items.add(match.start())
            following = number + 1
    return items


def _after_space(text: str, at: int) -> bool:
    """Whether whitespace stands right before ``at`` (a list's number does; a marker mostly
    follows its word or full stop at once: "Belgium.(3)")."""
    return at > 0 and text[at - 1].isspace()


__all__ = [
    "ANY_MARKER",
    "MARKER",
    "MARKER_TEXT",
    "NOTE_ITEM",
    "NOTE_START",
    "TRAILING_MARKER",
    "list_items",
]
