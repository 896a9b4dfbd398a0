"""Questions as the search sees them: terms, required phrases, and words to check the spelling of."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import QuestionError
from .text import is_stop_word, terms, words

MAX_QUESTION_CHARS = 1000
_PHRASE = re.compile(r"[\"“”„«»]([^\"“”„«»]+)[\"“”„«»]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class ParsedQuestion:
    """A question split into search terms, quoted phrases (as normalised words) and surface words."""

    text: str
    terms: tuple[str, ...]
    phrases: tuple[tuple[str, ...], ...]
    surface: tuple[str, ...]


def clean_question(question: str) -> str:
    """The question with control characters removed and whitespace collapsed."""
    return " ".join(_CONTROL.sub(" ", question).split())


def parse_question(question: str) -> ParsedQuestion:
    """Parse a question; raise :class:`QuestionError` when it is empty or too long."""
    if not isinstance(question, str):
        raise QuestionError("the question must be text")
    text = clean_question(question)
    if not text:
        raise QuestionError("the question is empty: ask something about the archive")
    if len(text) > MAX_QUESTION_CHARS:
        raise QuestionError(
            f"the question is too long ({len(text):,} characters; the limit is "
            f"{MAX_QUESTION_CHARS:,}): ask about one thing at a time"
        )
    phrases = tuple(
        tuple(w) for w in (words(m.group(1)) for m in _PHRASE.finditer(text)) if len(w) > 1
    )
    surface = tuple(dict.fromkeys(w for w in words(text) if not is_stop_word(w)))
    return ParsedQuestion(text, tuple(terms(text)), phrases, surface)


def contains_phrase(text_words: list[str], phrase: tuple[str, ...]) -> bool:
    """Whether ``phrase`` occurs as consecutive normalised words."""
    n = len(phrase)
    first = phrase[0]
    return any(
        text_words[i] == first and tuple(text_words[i : i + n]) == phrase
        for i in range(len(text_words) - n + 1)
    )
