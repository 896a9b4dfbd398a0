"""What a chat message asks the archive: a message short enough is searched as written; a long one
is reduced to its telling words (those the archive holds, rarest first), so a claim pasted from a
chat can be checked without retyping it. No Discord types here: mention and emoji tokens are plain
text patterns."""

from __future__ import annotations

import re
from collections.abc import Callable

from .errors import QuestionError
from .query import CHAT_SHORTHAND, MAX_QUESTION_CHARS, clean_question, strip_chatter
from .text import tokenize

# A message of at most this many search terms is searched as written (like a question).
PLAIN_WORDS = 20
# A longer one is searched for this many of its rarest words the index knows.
TELLING_WORDS = 12
_NOISE = re.compile(
    r"https?://\S+|<a?:\w{1,32}:\d{1,20}>|<(?:@[!&]?|#)\d{1,20}>|</[\w -]{1,100}:\d{1,20}>"
    r"|<t:\d{1,13}(?::\w)?>|```.*?```|(?<!\S)(?:in|from|to):\S+",
    re.DOTALL,
)


# Words of chat talk about a claim rather than of the claim (compared to a normalised word).
CHAT_WORDS = CHAT_SHORTHAND | frozenset(
    """
    actually agree already another anybody anyone apparently argue argued arguing argument basically believe bro
    check checked checking claim claimed claims correct dude discord else everyone false fake
    guess guy guys honestly kept mean meant mind okay ok people person please
    pretty probably read reading real really remember right said say saying says seem seemed seems
    server someone somebody something sound sounded sounds source sources stuff sure tell thing
    things think thinks thought told true wait wrong yeah yes
    """.split()
)
# A name: a capitalised word not opening a sentence, or a word in capitals (MIM, RCP).
_NAME = re.compile(r"(?<![.!?]\s)(?<=\s)[A-Z][\w'’-]*|\b[A-Z]{2,}\b")


class NothingToLookUp(QuestionError):
    """The message has no words the archive could be searched for."""


def message_text(text: str) -> str:
    """A message without what cannot be searched: links, mentions, emoji, timestamps, code, and
    words that would read as search filters (``in:faq``)."""
    return strip_chatter(clean_question(_NOISE.sub(" ", text)))


def telling_words(
    text: str, idf: Callable[[str], float | None], limit: int = TELLING_WORDS
) -> tuple[str, bool]:
    """What to search for ``text`` and whether it was reduced.

    A short message is searched as written; a longer one (more than ``PLAIN_WORDS`` words, or
    over the question length limit) becomes its ``limit`` words of highest ``idf`` (the index's
    inverse document frequency; ``None`` for a term it does not hold, which is left out), in the
    order they first appear. Raises :class:`NothingToLookUp` when no word is left.
    """
    plain = message_text(text)
    tokens = tokenize(plain)
    if not tokens:
        raise NothingToLookUp("the message has no words to look up")
    if len(tokens) <= PLAIN_WORDS and len(plain) <= MAX_QUESTION_CHARS:
        return plain, False
    names = {m.start() for m in _NAME.finditer(plain)}
    first: dict[str, tuple[int, str]] = {}
    for token in tokens:
        surface = plain[token.start : token.end]
        if token.term not in first and surface.casefold() not in CHAT_WORDS:
            first[token.term] = (token.start, surface)
    # Names and numbers first (who, where, when), then the rarest words the archive holds.
    weighed = [
        (token_start in names or surface[:1].isdigit(), w, term)
        for term, (token_start, surface) in first.items()
        if (w := idf(term)) is not None
    ]
    if not weighed:
        raise NothingToLookUp("none of the message's words is in the archive")
    kept = sorted(weighed, key=lambda x: (not x[0], -x[1], first[x[2]][0]))[:limit]
    chosen = sorted(first[term] for _, _, term in kept)
    return " ".join(word for _, word in chosen), True
