"""What a question asks for (a date, a number, a name, a reason) and whether a quote holds it.

The sentences that share the question's words are often only the lead-in: the answer to "when"
is the date next to them, to "who" the name. Quote choice rewards a span that holds what the
question asks for, as long as it is not just the question's own words said back.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from enum import Enum

from .query import ParsedQuestion, spelled_initials
from .text import is_stop_word, normalize_word, terms


class Asks(Enum):
    """The kind of thing a question asks for."""

    DATE = "date"
    NUMBER = "number"
    NAME = "name"
    REASON = "reason"
    EXPANSION = "expansion"  # what initials stand for


_ASKS = (
    (
        Asks.DATE,
        re.compile(
            # "when" that asks ("when did...", "so when was...", "when?"), not one that sets the
            # scene ("what happens when the candidate loses?").
            r"^\W*(?:\w+\W+)??when\b|\bwhen\s+(?:\w+\s+)?(?:did|was|were|is|are|does|do|will|"
            r"has|have|had|would|could|can)\b|\bwhen\W*$"
            r"|\bwhat (?:date|year|day|month)\b|\bwhich year\b|\bdated?\b"
        ),
    ),
    (
        Asks.NUMBER,
        re.compile(
            r"\bhow (?:many|much|big|large|old|long|far|often)\b|\bwhat (?:percent|percentage|"
            r"fraction|share|proportion|number|size|frequency)\b|\bhow (?:high|low)\b"
        ),
    ),
    (
        Asks.NAME,
        re.compile(
            r"\bwho(?:m|se)?\b|\bwhere\b|\bwhich (?:\w+ )?(?:person|people|group|"
            r"site|website|organi[sz]ation|party|country|city|author|band|album|"
            r"book|film|movie|prisoner|winner|word|team)\b|\bwhat (?:\w+ )?(?:is|was) "
            r"(?:the )?(?:name|title)\b|\bwhat (?:\w+ )?(?:word|title|name|team|"
            r"station|frequency|address)\b"
            # "what was the alternative group...", "what is X called?", "what does MIM call X?"
            r"|\bwhat (?:is|was|are|were) (?:the |an? )?(?:\w+ )?(?:person|group|site|website|"
            r"organi[sz]ation|party|country|city|author|band|album|book|film|movie)\b"
            r"|\bwhat (?:is|was|are|were)\b[^?]{0,60}\bcalled\b"
            r"|\bwhat (?:do|does|did) (?:[\w'’]+ ){1,3}call\b"
        ),
    ),
    (Asks.REASON, re.compile(r"\bwhy\b|\bwhat (?:\w+ )?reasons?\b|\bhow come\b")),
    (
        # "what does RAIL stand for?", "what is ULK short for?", "what do the initials MIM
        # mean?" (not "what kind of socialism does CPUSA say it stands for?")
        Asks.EXPANSION,
        re.compile(
            r"\bwhat (?:does|do|did) [\"'“‘]?[\w.&]{2,12}[\"'”’]? stand for\b"
            r"|\bwhat (?:does|do|did) the (?:letters?|acronym|abbreviation|initials) "
            r"[\"'“‘]?[\w.&]{2,12}[\"'”’]? (?:stand for|mean)\b"
            r"|\bwhat (?:is|was|are) [\"'“‘]?[\w.&]{2,12}[\"'”’]? (?:short|an? (?:acronym|abbreviation)) for\b"
        ),
    ),
)


class _CaseBlind:
    """A case-insensitive pattern, written in lower case, matched faster: an ASCII text is
    lower-cased (its offsets kept) and matched by the pattern compiled case-sensitive, any other
    text by the pattern with ``IGNORECASE``. ``re`` tries a case-insensitive pattern at each
    position 2-3 times slower (dates and numbers in a quote: 28 -> 12 us). The matches of an
    ASCII text read in lower case."""

    def __init__(self, pattern: str) -> None:
        self._ascii = re.compile(pattern)
        self._any = re.compile(pattern, re.IGNORECASE)

    def _on(self, text: str) -> tuple[re.Pattern[str], str]:
        return (self._ascii, text.lower()) if text.isascii() else (self._any, text)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        """``re.finditer`` of the case-insensitive pattern."""
        pattern, target = self._on(text)
        return pattern.finditer(target)

    def search(self, text: str) -> re.Match[str] | None:
        """``re.search`` of the case-insensitive pattern."""
        pattern, target = self._on(text)
        return pattern.search(target)

    def sub(self, replacement: str, text: str) -> str:
        """``re.sub`` of the case-insensitive pattern (an ASCII text comes back lower-cased)."""
        pattern, target = self._on(text)
        return pattern.sub(replacement, target)


_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_FULL_DATE = _CaseBlind(
    rf"\b{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}\b|\b\d{{1,2}}\s+{_MONTH}\s+\d{{4}}\b"
    rf"|\b{_MONTH}\s+\d{{4}}\b",
)
_DATE = _CaseBlind(
    rf"\b{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}\b|\b\d{{1,2}}\s+{_MONTH}\s+\d{{4}}\b"
    rf"|\b{_MONTH}\s+\d{{4}}\b|\b(?:1[6-9]|20)\d{{2}}\b|\b\d{{1,2}}/\d{{1,2}}/\d{{2,4}}\b",
)
_NUMBER = _CaseBlind(
    r"\d[\d,.]*\d|\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|"
    r"forty|fifty|hundred|thousand|million|billion|half|third|quarter|dozen|percent|"
    r"per cent)\b",
)
# A number right after these numbers a thing ("vol. 1", "No. 196", "#6", "page 3"): it names,
# it does not count.
_NUMBERING = re.compile(
    r"(?:\b(?:vol|volume|no|nos|issue|page|pp?|chapter|ch|part|section|article|number)\.?|[#№º])\s*$",
    re.IGNORECASE,
)
_NUMBERING_WORD = len("chapter.")  # its longest word
_DIGIT = re.compile(r"\d")
_REASON = _CaseBlind(
    r"\b(?:because|since|so that|due to|in order to|reason|thus|therefore|as a result|"
    r"means that|that is why|this is why)\b|:",
)
_BYLINE = re.compile(r"(?:^|\n)\s*(?:by|--|—)\s*[A-Z\"“]", re.MULTILINE)
_AUTHOR_QUESTION = re.compile(
    r"\bwho (?:wrote|writes|authored|signed|penned)\b|\bauthor\b|\bwritten by\b"
)
_OPENERS = frozenset(" \t\"“‘'(")
_CAPITALISED = re.compile(r"(?<![\w$])[A-Z][\w'’.-]*[\w]")


def asks(question: str) -> Asks | None:
    """What ``question`` asks for, or ``None`` when it is not one of the kinds above.

    The question word that comes first decides: "which film does MIM bring up when talking
    about Iran?" asks for a name; its "when" only sets the scene."""
    folded = question.casefold()
    found = [
        (m.start(), i) for i, (_, pattern) in enumerate(_ASKS) if (m := pattern.search(folded))
    ]
    return _ASKS[min(found)[1]][0] if found else None


# Words that only say an EXPANSION question asks for initials written out: not searched for
# (the page that writes out "RAIL" need not say "stand").
_EXPANSION_PHRASING = frozenset(
    terms("stand stands short acronym abbreviation initials letters mean means")
)


# A word written in capitals, as initials are ("NOW", "IT").
_CAPITALS = re.compile(r"\b[A-Z]{2,}\b")


def without_phrasing(question: ParsedQuestion) -> ParsedQuestion:
    """``question`` without the words that only say what kind of answer it wants, when they
    are not all it says: "stand" in "what does RAIL stand for?"."""
    if asks(question.text) is not Asks.EXPANSION:
        return question
    kept = tuple(t for t in question.terms if t not in _EXPANSION_PHRASING)
    if not kept and any(is_stop_word(w.casefold()) for w in _CAPITALS.findall(question.text)):
        # "what does NOW stand for?": the initials are a word search leaves out, and "stand"
        # alone would find "stand on her own two feet". Nothing is searched: not found.
        return replace(question, terms=())
    return replace(question, terms=kept) if kept else question


def from_opening(question: str, kind: Asks | None) -> bool:
    """Whether the answer may stand in a page's opening lines (its dateline or byline) rather
    than beside the question's words: "when" questions and "who wrote" questions."""
    return kind is Asks.DATE or (
        kind is Asks.NAME and _AUTHOR_QUESTION.search(question.casefold()) is not None
    )


def opening_answer(text: str, kind: Asks | None, question_words: frozenset[str]) -> int:
    """How well an opening line answers: for DATE 2 with a full date ("March 6, 1998"), 1 with
    a year alone; for NAME 1 with a byline; else 1 when it holds the kind asked for; 0 for none."""
    if kind is Asks.NAME:
        return int(_BYLINE.search(text) is not None)
    if kind is Asks.DATE and _new(_FULL_DATE.finditer(text), question_words):
        return 2
    return int(holds_answer(text, kind, question_words))


Notable = Callable[[str], bool]


def holds_answer(
    text: str, kind: Asks | None, question_words: frozenset[str], notable: Notable | None = None
) -> bool:
    """Whether ``text`` holds something of ``kind`` that the question does not already say.

    ``question_words`` are the question's normalised words (:func:`retrieval.text.words`);
    ``notable`` tells a name or number worth answering with from one the archive names everywhere
    (the movement's own name answers no "who" question) or the page's own (its issue number
    answers no "how many").
    """
    if kind is None:
        return False
    if kind is Asks.DATE:
        # Every kind of date has a digit: a text without one is settled by a fast scan.
        return _DIGIT.search(text) is not None and _new(_DATE.finditer(text), question_words)
    if kind is Asks.NUMBER:  # a date is no answer to "how many", nor the page's own number
        undated = _DATE.sub(" ", text) if _DIGIT.search(text) else text
        quantities = (m for m in _NUMBER.finditer(undated) if not _numbering(undated, m.start()))
        return _new(quantities, question_words, notable)
    if kind is Asks.REASON:
        return _REASON.search(text) is not None
    if kind is Asks.EXPANSION:  # the name written out whose initials the question asks about
        return any(letters.casefold() in question_words for letters, _ in spelled_initials(text))
    return _new(_names(text), question_words, notable)


def _numbering(text: str, at: int) -> bool:
    """Whether a word that numbers a thing ("vol.", "No.", "#") stands right before ``at``."""
    # A match ends where the text before ``at`` ends once stripped of spaces, and is at most
    # _NUMBERING_WORD long: searching from there finds what searching all of it finds
    # (``\b`` still sees the character before the start).
    end = at
    while end > 0 and text[end - 1].isspace():
        end -= 1
    return _NUMBERING.search(text, max(0, end - _NUMBERING_WORD), at) is not None


def _names(text: str) -> Iterator[re.Match[str]]:
    """Capitalised words that are not the first word of a sentence or line."""
    for match in _CAPITALISED.finditer(text):
        i = match.start()
        while i > 0 and text[i - 1] in _OPENERS:  # step back over spaces and opening quotes
            i -= 1
        if i == 0 or text[i - 1] in ".!?:\n":
            continue
        yield match


def _new(
    matches: Iterable[re.Match[str]], question_words: frozenset[str], notable: Notable | None = None
) -> bool:
    """Whether some match has a word the question does not use (and not only stop words)."""
    for match in matches:
        found = [w for raw in match.group(0).split() for w in normalize_word(raw.strip(".,"))]
        if any(
            w not in question_words and not is_stop_word(w) and (notable is None or notable(w))
            for w in found
        ):
            return True
    return False
