"""Questions as people ask them in Discord: which messages in an answer channel ask something,
what the thread an answer goes in is called, and example questions for /help.

In a channel set aside for questions the bot answers without being mentioned, so it must tell a
question ("who founded MIM?", "Deng Xiaoping France 1920s") from the chat around it ("thanks",
"ok", an emoji, a link). Pure functions: no Discord here.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

from retrieval import terms
from retrieval.lookup import CHAT_WORDS as CLAIM_TALK

from .render import shorten

THREAD_NAME = 100  # Discord's limit for a channel or thread name
FALLBACK_THREAD_NAME = "Question"
# Enough words the archive could be searched for make a question even without "?" or a question
# word: people type keywords ("Deng Xiaoping France communist") into a channel meant for asking.
MIN_SEARCH_WORDS = 3

_LINK = re.compile(r"<?\bhttps?://\S+>?", re.IGNORECASE)
# Mentions, custom emoji, command mentions and timestamps; code is not a question either.
_MARKUP = re.compile(
    r"<(?:@[!&]?|#)\d+>|<a?:\w+:\d+>|</[\w -]+:\d+>|<t:-?\d+(?::\w)?>|```.*?```|`[^`\n]*`",
    re.DOTALL,
)
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
QUESTION_WORDS = frozenset(
    "who whom whose what which when where why how is are was were do does did can could would "
    "should will has have had tell explain describe define compare summarise summarize list "
    "name show find".split()
)
# Words of chat around a question: a message made only of these asks nothing, and they are not
# counted as searchable words ("great answer" is praise, not a search).
CHAT_WORDS = frozenset(
    "thanks thank thx ty tysm tyvm cheers ok okay k kk yes yeah yep yup ya no nope nah lol lmao "
    "rofl haha hahaha hehe heh nice cool great awesome wow oh ah aha hmm hm mm agreed agree same "
    "true right sure please pls plz np welcome hi hello hey hiya yo bye gm gn good morning night "
    "evening well done answer bot archive love much so and but also um uh anyway gotcha interesting "
    "appreciated appreciate helpful".split()
)


def _searchable(text: str) -> tuple[str, list[str], list[str]]:
    """A message without links, mentions, emoji and code; its words that are not chat
    ("thanks", "right"); and their search terms."""
    plain = _MARKUP.sub(" ", _LINK.sub(" ", text))
    words = [w.casefold() for w in _WORD.findall(plain)]
    topical = [w for w in words if w not in CHAT_WORDS]
    return plain, topical, terms(" ".join(topical))


def asks_something(text: str) -> bool:
    """Whether a chat message asks something the archive could answer: it has a word worth
    searching, and a question mark, or opens with a question word ("who", "tell me"), or holds
    at least :data:`MIN_SEARCH_WORDS` searchable words. Links, mentions, emoji, code and chat
    words ("thanks", "ok", "lol") count for nothing."""
    plain, topical, searchable = _searchable(text)
    if not searchable:
        return False
    if "?" in plain or topical[0] in QUESTION_WORDS:
        return True
    return len(searchable) >= MIN_SEARCH_WORDS


def asks_about_the_reply(text: str) -> bool:
    """Whether a mention that replies to someone's message asks about that message ("is this
    right?", "source?", "can you check this claim?", nothing at all) rather than a question of
    its own ("where did Hoxha study?"): it has no searchable word but talk about a claim."""
    _, topical, _ = _searchable(text)
    return not terms(" ".join(w for w in topical if w not in CLAIM_TALK))


def message_echo(author: str, searched: str, reduced: bool, said: str) -> str:
    """How a lookup of someone's message is shown: the message itself, or the words a long one
    was reduced to."""
    if reduced:
        return f"From @{author}'s message, searched for: {searched}"
    return f"From @{author}'s message: “{shorten(said, 200)}”"


def thread_name(question: str) -> str:
    """The name of the thread an answer channel's question is answered in: the question on one
    line, cut at a word boundary to Discord's 100 characters."""
    return shorten(" ".join(question.split()), THREAD_NAME) or FALLBACK_THREAD_NAME


EXAMPLES = 3
# Shown when the index holds no title that makes a good example (an empty index, say).
FIXED_EXAMPLES = (
    "Where did Deng Xiaoping become a communist?",
    "Who studied in France?",
    "Why does MIM write Amerika?",
)
EXAMPLE_TITLE = 80  # longer titles make examples nobody would type
_TITLE_EDGES = " \t\"'“”‘’«».,;:!-–—*_~|"


def example_title(title: str) -> str | None:
    """``title`` as it can stand in an example question, or None when it would make a poor one:
    too short or long, no word worth searching, a file path, opening words cut off, or
    characters that break the example's code span."""
    flat = " ".join(title.split()).strip(_TITLE_EDGES)
    if not 3 <= len(flat) <= EXAMPLE_TITLE or "`" in flat or "<" in flat or "@" in flat:
        return None
    if flat.endswith("…"):
        return None  # a page's opening words cut off, standing in for a title it lacks
    if " " not in flat and ("/" in flat or "." in flat):
        return None  # a path or a file name standing in for a missing title
    return flat if terms(flat) else None


def example_question(title: str) -> str:
    """An example question about a document with this (usable) title."""
    return title if title.endswith("?") else f"What does the archive say about {title}?"


def example_questions(
    titles: Sequence[str], rng: random.Random | None = None, count: int = EXAMPLES
) -> list[str]:
    """Up to ``count`` example questions about documents the index really holds, picked at
    random among titles that make good examples (different ones each time help is asked);
    :data:`FIXED_EXAMPLES` when none does."""
    usable = list({t.casefold(): t for t in filter(None, map(example_title, titles))}.values())
    if not usable:
        return list(FIXED_EXAMPLES[:count])
    picked = (rng or random).sample(usable, min(count, len(usable)))
    return [example_question(t) for t in picked]
