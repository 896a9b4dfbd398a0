"""Questions as the search sees them: terms, required phrases, and words to check the spelling of."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from .errors import QuestionError
from .spelling import edit_distance
from .text import STOP_WORDS, is_stop_word, stem, terms, words

MAX_QUESTION_CHARS = 1000
_PHRASE = re.compile(r"[\"“”„«»]([^\"“”„«»]+)[\"“”„«»]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Unicode's invisible format characters (category Cf): zero-width spaces and joiners, the soft
# hyphen, the word joiner, direction marks and overrides, the byte order mark. Text copied from
# a web page carries them inside words ("f\u200bounded"), where they would split the word in two;
# a direction override would show the echoed question reversed.
_FORMAT = re.compile(
    "[\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd"
    "\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001"
    "\U000e0020-\U000e007f]"
)
# What people put around a question in a chat that is not the question: Discord mentions of
# users, roles and channels, @everyone/@here, a greeting or "hey bot", thanks.
_MENTION = re.compile(r"<(?:@[!&]?|#)\d+>|(?<![\w@])@(?:everyone|here)\b")
_GREETING = re.compile(
    r"^(?:(?:hi|hey|hello|hiya|howdy|yo|greetings|good (?:morning|afternoon|evening|day)|ok(?:ay)?"
    r"|so|um+|excuse me|(?:a )?quick (?:q|qn|question)|(?:one more )?q(?:uestion)?(?=\s*[:?])"
    r")(?: there| all| everyone| folks| guys| (?:archive[- ]?)?bot)?"
    r"(?:\s*[,!.:;?\-]+\s*|\s+)|(?:archive[- ]?)?bot\s*[,:!]+\s*)+",
    re.IGNORECASE,
)
# A name: capitalised words in a row, not at the start of a sentence.
_NAME = re.compile(r"(?<![.!?]\s)(?<=\s)[A-Z][\w'’-]*(?:[ \t]+[A-Z][\w'’-]*)*")
# A name of three words or more, small joining words allowed ("League of Revolutionary
# Struggle", "Communist Party USA"): the archive often writes it by its initials (LRS, CPUSA).
_LONG_NAME = re.compile(
    r"[A-Z][\w'’-]*(?:[ \t]+(?:(?:of|for|and|the|de|la|del)[ \t]+)?[A-Z][\w'’-]*)+"
)
_NAME_WORD = re.compile(r"[A-Z][a-z'’]*|[A-Z]+(?![a-z])")
_JOINING = frozenset("of for and the de la del".split())
_THANKS = re.compile(
    r"(?:^|(?<=[\s,.!?;:]))\s*(?:thanks|thank you|thx|ty|cheers|much appreciated|tia)"
    r"(?: (?:so much|very much|a lot|in advance))?\s*[!.]*\s*$"
    r"|^(?:thanks|thank you|thx)(?: (?:so much|a lot))?\s*[,!.:;\-]+\s*",
    re.IGNORECASE,
)

# Chat shorthand inside a question ("what is the mass line lol", "pls"): no word of the archive,
# it would weigh as an unknown word and make a good answer "not found".
CHAT_SHORTHAND = frozenset("lol lmao rofl haha hehe pls plz tysm btw idk imo imho tbh fyi".split())
_FILLER = re.compile(
    rf"(?<![\w'’])(?:{'|'.join(sorted(CHAT_SHORTHAND))})(?![\w'’])[!.,]*", re.IGNORECASE
)
# A question word typed short at the start of a question ("wat does ... mean", "hw many"); not
# before a capitalised word, which makes it a name ("Wat Tyler").
_SHORT_QUESTION_WORD = re.compile(r"^((?i:wat|wut|wht|whn|hw|wy))(?=\s+[^\W\d_A-Z])")
_SPELLED_OUT = {
    "wat": "what",
    "wut": "what",
    "wht": "what",
    "whn": "when",
    "hw": "how",
    "wy": "why",
}


@dataclass(frozen=True)
class ParsedQuestion:
    """A question split into search terms, quoted phrases (as normalised words; a quoted word is
    a phrase of one) and surface words.

    ``names`` are the names the question writes with capitals inside it (``Harry Potter``, each
    a tuple of terms): their absence from the archive says more than a common word's.
    """

    text: str
    terms: tuple[str, ...]
    phrases: tuple[tuple[str, ...], ...]
    surface: tuple[str, ...]
    names: tuple[tuple[str, ...], ...] = ()


def clean_question(question: str) -> str:
    """The question with control and invisible format characters removed and whitespace
    collapsed."""
    return " ".join(_CONTROL.sub(" ", _FORMAT.sub("", question)).split())


def strip_chatter(question: str) -> str:
    """The question without Discord mentions, greetings, "hey bot", thanks and chat shorthand
    ("lol", "pls") around it, and its question word spelled out ("wat" -> "what")."""
    text = " ".join(_FILLER.sub(" ", _MENTION.sub(" ", question)).split())
    for _ in range(2):  # "thanks! hi bot, ..." : each pattern may uncover the other
        text = _THANKS.sub("", _GREETING.sub("", text)).strip()
    return _SHORT_QUESTION_WORD.sub(lambda m: _SPELLED_OUT[m.group(1).casefold()], text)


def parse_question(question: str) -> ParsedQuestion:
    """Parse a question; raise :class:`QuestionError` when it is empty, too long or has no words
    to search for.

    Mentions, greetings and thanks are not part of what is searched (:func:`strip_chatter`).
    """
    if not isinstance(question, str):
        raise QuestionError("the question must be text")
    text = strip_chatter(clean_question(question))
    if not text:
        raise QuestionError("the question is empty: ask something about the archive")
    if len(text) > MAX_QUESTION_CHARS:
        raise QuestionError(
            f"the question is too long ({len(text):,} characters; the limit is "
            f"{MAX_QUESTION_CHARS:,}): ask about one thing at a time"
        )
    searched = tuple(terms(text))
    if not searched:
        raise QuestionError(
            "the question has no words to search for (only punctuation, emoji or words like "
            '"the"): ask about a name, a subject or a phrase from the archive'
        )
    phrases = tuple(tuple(w) for w in (words(m.group(1)) for m in _PHRASE.finditer(text)) if w)
    surface = tuple(dict.fromkeys(w for w in words(text) if not is_stop_word(w)))
    names = tuple(
        found for m in _NAME.finditer(text) if m.start() > 0 and (found := tuple(terms(m.group(0))))
    )
    return ParsedQuestion(text, searched, phrases, surface, names)


def initials(question: str) -> dict[str, frozenset[str]]:
    """The initials of the names a question writes out, as the term they index under, with the
    name's terms: ``{"lr": {"leagu", "revolutionari", "struggl"}}`` for "League of Revolutionary
    Struggle" (LRS); words in capitals keep all their letters ("Communist Party USA": CPUSA) and
    each part of a hyphenated word gives its initial ("Anti-Imperialist": AI)."""
    found: dict[str, frozenset[str]] = {}
    for letters, name in spelled_initials(question):
        if len(letters) >= 3 and (term := terms(letters)):
            found[term[0]] = frozenset(terms(name))
    return found


def spelled_initials(text: str) -> Iterator[tuple[str, str]]:
    """(initials, name) of each name of two words or more that ``text`` writes out:
    ``("RAIL", "Revolutionary Anti-Imperialist League")``, ``("LRS", "League of Revolutionary
    Struggle")`` (see :func:`initials`)."""
    for match in _LONG_NAME.finditer(text):
        parts = [w for w in re.split(r"[ \t-]+", match.group(0)) if w and w not in _JOINING]
        if parts and parts[0] in ("The", "A", "An"):  # "The Revolutionary ... League": RAIL
            parts = parts[1:]
        letters = "".join(
            w if w.isupper() else w[0] for w in parts if _NAME_WORD.fullmatch(w.strip("'’"))
        )
        if len(parts) >= 2 and len(letters) >= 2:
            yield letters, match.group(0)


def contains_phrase(text_words: list[str], phrase: tuple[str, ...]) -> bool:
    """Whether ``phrase`` occurs as consecutive normalised words."""
    n = len(phrase)
    first = phrase[0]
    return any(
        text_words[i] == first and tuple(text_words[i : i + n]) == phrase
        for i in range(len(text_words) - n + 1)
    )


def without_stop_word_typos(
    question: ParsedQuestion, known: Callable[[str], bool]
) -> ParsedQuestion:
    """``question`` without the words the index does not know that are one edit from a stop word
    of four letters or more ("waht", "abut", "becuase"): typos of words search ignores, not
    missing evidence. Shorter words are left alone ("eat" is one edit from "at")."""
    typos = {
        w
        for w in question.surface
        if len(w) >= 4 and not known(stem(w)) and any(_one_edit(w, s) for s in STOP_WORDS)
    }
    if not typos:
        return question
    dropped = {stem(w) for w in typos}
    return replace(
        question,
        terms=tuple(t for t in question.terms if t not in dropped),
        surface=tuple(w for w in question.surface if w not in typos),
    )


def _one_edit(word: str, stop_word: str) -> bool:
    return (
        len(stop_word) >= 4
        and abs(len(word) - len(stop_word)) <= 1
        and edit_distance(word, stop_word, 1) <= 1
    )
