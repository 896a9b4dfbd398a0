"""Normalisation, tokenising and sentence splitting: one versioned tokenizer for passages and questions.

The same :func:`terms` runs at index time and at query time, so the archive's own spellings
(``Amerika``, ``u.$.``, ``united $tates``, ``wimmin``, ``persyn``) and the spellings users type
meet on the same terms.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain

import Stemmer

from .markers import ANY_MARKER, list_items

# Bump whenever the output of `terms` or of `sentence_spans` (where passages are cut) can change:
# a stored index built with another version is rebuilt, its passages cut again.
TOKENIZER_VERSION = "4"

_STEMMER = Stemmer.Stemmer("english")

STOP_WORDS = frozenset(
    """
    a about above after again against all also am an and any are aren't as at be because been before
    being below between both but by can cannot could couldn't did didn't do does doesn't doing don't
    down during each either else ever every few for from further get gets got had hadn't has hasn't
    have haven't having he he'd he'll he's her here here's hers herself him himself his how how's i
    i'd i'll i'm i've if in into is isn't it it's its itself just let's many may me might more most
    much must mustn't my myself neither no nor not now of off on once only or other ought our ours
    ourselves out over own same shall shan't she she'd she'll she's should shouldn't so some such
    than that that's the their theirs them themselves then there there's these they they'd they'll
    they're they've this those through to too under until up upon us very was wasn't we we'd we'll
    we're we've were weren't what what's when when's where where's whether which while who who's
    whom whose why why's will with won't would wouldn't yes yet you you'd you'll you're you've your
    yours yourself yourselves tell say says said please know one ones anyone something
    happen happened happens explain describe mention mentioned mean means meaning define
    definition info information
    """.replace("'", "").split()
)

# The archive's spellings, after case folding and reading `$` as `s`, mapped to ordinary ones.
_ARCHIVE_SPELLINGS = {
    "wimmin": "women",
    "womyn": "women",
    "wimyn": "women",
}
# The same spellings inside any word: "humyn", "humynity", "persynally", "chairpersyn".
_WRITTEN_WITH_YN = re.compile(r"humyn|persyn")
_WITHOUT_YN = {"humyn": "human", "persyn": "person"}
# Irregular forms the stemmer cannot relate to their base form ("became" vs "become").
_IRREGULAR = {
    form: base
    for base, forms in {
        "become": "became",
        "begin": "began begun",
        "bring": "brought",
        "build": "built",
        "buy": "bought",
        "choose": "chose chosen",
        "come": "came",
        "drive": "drove driven",
        "fight": "fought",
        # "found" is far more often the past of "find" than "to found" (whose own forms,
        # "founded", "founding", "founder", stem to "found"): "when was MIM founded?"
        "find": "found",
        "fly": "flew flown",
        "forget": "forgot forgotten",
        "give": "gave given",
        "go": "went gone",
        "grow": "grew grown",
        "know": "knew known",
        "lead": "led",
        "lose": "lost",
        "meet": "met",
        "rise": "rose risen",
        "run": "ran",
        "see": "saw seen",
        "seek": "sought",
        "send": "sent",
        "speak": "spoke spoken",
        "spend": "spent",
        "stand": "stood",
        "take": "took taken",
        "teach": "taught",
        "think": "thought",
        "win": "won",
        "write": "wrote written",
    }.items()
    for form in forms.split()
}
_AMERIKA = re.compile(r"^amerik+a(ns?|s)?$")

# A word: the U.S. abbreviation (any spelling), a number with thousands separators, or a run of
# word characters and `$` with inner apostrophes. Combining marks are word characters here so that
# decomposed accents do not split a word.
_WORD_CHARS = r"[\w$\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"
#
# Written as one word character, then the rest by kind: a pattern that opens on a character class
# lets the regex engine skip the gaps between words in C. The ordinary word is taken first unless
# it ends in `u` or a digit (only then may the U.S. or the number kind match instead). The matches
# are those of `(?<![\w.$])[uU]\.[sS$]\.(?:[aA]\.)?|\d{1,3}(?:,\d{3})+(?!\d)|W+(?:['’]W+)*`
# (tests/test_text_words.py) in two thirds of the time.
_WORD = re.compile(
    rf"{_WORD_CHARS}(?:"
    rf"{_WORD_CHARS}*+(?:['’]{_WORD_CHARS}++)*+(?<![uU\d])"
    r"|(?<=[uU])(?<![\w.$][uU])\.[sS$]\.(?:[aA]\.)?"
    r"|(?<=\d)\d{0,2}(?:,\d{3})+(?!\d)"
    rf"|{_WORD_CHARS}*+(?:['’]{_WORD_CHARS}++)*+)"
)
_USA = ("united", "states")


@dataclass(frozen=True)
class Token:
    """A term and the span of the source text it came from."""

    term: str
    start: int
    end: int


def fold(word: str) -> str:
    """Case-fold a word and drop its accents (``Énlai`` -> ``enlai``)."""
    decomposed = unicodedata.normalize("NFKD", word)
    return unicodedata.normalize(
        "NFKC", "".join(c for c in decomposed if not unicodedata.combining(c))
    ).casefold()


@lru_cache(maxsize=1 << 18)
def normalize_word(raw: str) -> tuple[str, ...]:
    """Map one word as written to its normalised words (before stop words and stemming).

    Returns several words for abbreviations (``U.$.`` -> ``united states``) and none for a word that
    is only punctuation or currency.
    """
    if raw == "US":  # upper-case US is the country, lower-case us the pronoun
        return _USA
    word = fold(raw)
    if word[:2] == "u." and len(word) <= 6:
        return _USA
    if "," in word and word.replace(",", "").isdigit():
        return (word.replace(",", ""),)
    word = word.replace("’", "'")
    if "'" in word:
        head, _, tail = word.partition("'")
        # possessives and contractions: Deng's -> deng, don't -> dont
        word = head if tail in ("s", "") else head + tail.replace("'", "")
    if "$" in word:
        word = re.sub(r"(?<=[^\W\d_])\$|\$(?=[^\W\d_])", "s", word).replace("$", "")
    word = word.strip("_")
    if not word:
        return ()
    if word == "usa":
        return _USA
    if word in _ARCHIVE_SPELLINGS:
        return (_ARCHIVE_SPELLINGS[word],)
    if "yn" in word:
        word = _WRITTEN_WITH_YN.sub(lambda m: _WITHOUT_YN[m.group(0)], word)
    if word in _IRREGULAR:
        return (_IRREGULAR[word],)
    match = _AMERIKA.match(word)
    if match:
        return ("america" + (match.group(1) or ""),)
    return (word,)


@lru_cache(maxsize=1 << 18)
def _terms_of_word(raw: str) -> tuple[str, ...]:
    out = []
    for word in normalize_word(raw):
        if word in STOP_WORDS:
            continue
        out.append(_STEMMER.stemWord(word))
    return tuple(out)


class _Spellings:
    """The pieces of text (runs without whitespace: ``war,`` ``(Deng``) met so far, by the term
    each gives: the pieces of a few terms in a text are then found with set operations, not a
    Python step per word."""

    LIMIT = 1 << 18

    def __init__(self) -> None:
        self.met: set[str] = set()
        self.of_term: dict[str, set[str]] = {}

    def of_terms(self, pieces: set[str], wanted: AbstractSet[str]) -> set[str]:
        """Those of ``pieces`` that give a term of ``wanted``."""
        for piece in pieces - self.met:
            for term in _PIECE_TERMS[piece]:
                self.of_term.setdefault(term, set()).add(piece)
            self.met.add(piece)  # after its terms: another thread reading `met` finds them
        found: set[str] = set()
        for term in wanted:
            found.update(self.of_term.get(term, ()))
        return found & pieces


# Replaced (never emptied in place, so a thread still using the old one stays consistent) once
# it holds ``_Spellings.LIMIT`` pieces.
_SPELLINGS = _Spellings()


def tokenize(text: str, only: AbstractSet[str] | None = None) -> list[Token]:
    """Terms of ``text`` with their character spans (footnote markers are not words); with
    ``only``, just the tokens of those terms (quoting looks for a question's few terms)."""
    global _SPELLINGS
    masked = _masked(text)
    if only is None:
        return [
            Token(term, match.start(), match.end())
            for match in _WORD.finditer(masked)
            for term in _terms_of_word(match.group(0))
        ]
    # Cut at whitespace (in C, several times faster than the word pattern; the words inside a
    # piece are those the whole text has there, see _terms_of_piece), keep the pieces that give
    # a wanted term, and find only those: a few, each in one or two places.
    spellings = _SPELLINGS
    if len(spellings.met) > _Spellings.LIMIT:
        _SPELLINGS = spellings = _Spellings()
    kept = spellings.of_terms(set(masked.split()), only)
    found: list[tuple[int, int, str, int]] = []
    end = len(masked)
    for piece in kept:
        words = [
            (match.start(), match.end(), of_word)
            for match in _WORD.finditer(piece)
            if (of_word := [term for term in _terms_of_word(match.group(0)) if term in only])
        ]
        size = len(piece)
        at = masked.find(piece)
        while at >= 0:
            after = at + size
            if (at == 0 or masked[at - 1].isspace()) and (after == end or masked[after].isspace()):
                for start, stop, of_word in words:
                    found.extend((at + start, k, term, at + stop) for k, term in enumerate(of_word))
                at = masked.find(piece, after)
            else:  # inside a longer piece
                at = masked.find(piece, at + 1)
    found.sort()  # reading order; a word's terms in their order
    return [Token(term, start, end) for start, _, term, end in found]


def _masked(text: str) -> str:
    """``text`` with its footnote markers blanked, offsets kept."""
    if "(" not in text and "[" not in text:
        return text
    return ANY_MARKER.sub(lambda m: " " * len(m.group(0)), text)


def terms(text: str) -> list[str]:
    """Terms of ``text`` in order: the tokenizer used for passages and questions alike."""
    masked = ANY_MARKER.sub(" ", text)
    out: list[str] = []
    for raw in _WORD.findall(masked):
        out.extend(_terms_of_word(raw))
    return out


def words(text: str) -> list[str]:
    """Normalised words of ``text`` with stop words kept and no stemming (for phrase matching)."""
    masked = ANY_MARKER.sub(" ", text)
    out: list[str] = []
    for raw in _WORD.findall(masked):
        out.extend(normalize_word(raw))
    return out


def surface_words(text: str) -> list[str]:
    """Normalised non-stop words as a reader would type them (for spelling suggestions)."""
    return [w for w in words(text) if w not in STOP_WORDS and not w.isdigit()]


@lru_cache(maxsize=1 << 18)
def _surface_of_word(raw: str) -> tuple[str, ...]:
    return tuple(w for w in normalize_word(raw) if w not in STOP_WORDS and not w.isdigit())


def _terms_of_piece(piece: str) -> tuple[str, ...]:
    # A word never holds whitespace nor does a marker, so a whitespace-separated piece gives the
    # words tokenizing the whole text gives inside it (the pattern's look-arounds see whitespace
    # or nothing past the piece's ends, alike to them).
    return tuple(chain.from_iterable(map(_terms_of_word, _WORD.findall(_masked(piece)))))


def _surface_of_piece(piece: str) -> tuple[str, ...]:
    return tuple(chain.from_iterable(map(_surface_of_word, _WORD.findall(_masked(piece)))))


class _Remembered(dict[str, tuple[str, ...]]):
    """``make(piece)`` by piece, remembered: a hit is a plain dict lookup in C (an LRU cache
    takes twice as long to keep its order). Forgets everything at ``LIMIT`` pieces."""

    LIMIT = 1 << 17

    def __init__(self, make: Callable[[str], tuple[str, ...]]) -> None:
        super().__init__()
        self._make = make

    def __missing__(self, piece: str) -> tuple[str, ...]:
        if len(self) >= self.LIMIT:
            self.clear()
        value = self[piece] = self._make(piece)
        return value


_PIECE_TERMS = _Remembered(_terms_of_piece)
_PIECE_SURFACE = _Remembered(_surface_of_piece)


class TextWords:
    """A text tokenized once, for the terms of many parts of it (the passages of a document,
    which overlap) and its surface words: no part is tokenized again.

    The text is cut at whitespace (in C, several times faster than the word pattern), and each
    piece's terms are remembered across texts: most pieces (``war,`` ``The``) recur.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.pieces: list[str] = text.split()
        self.terms: list[tuple[str, ...]] = list(map(_PIECE_TERMS.__getitem__, self.pieces))
        # Positions between pieces whose piece index is known, ascending (see _pieces_before).
        self._at = [0]
        self._before = [0]

    def terms_between(self, start: int, end: int) -> list[str]:
        """:func:`terms` of ``text[start:end]``."""
        text = self.text
        if (start > 0 and not text[start - 1].isspace()) or (
            end < len(text) and not text[end].isspace()
        ):
            # A word or a marker may cross an end: only an end beside whitespace (or the text's
            # own end) is sure to cut between words exactly as tokenizing the part alone does.
            return terms(text[start:end])
        lo = self._pieces_before(start)
        hi = self._pieces_before(end) if end > start else lo
        return list(chain.from_iterable(self.terms[lo:hi]))

    def _pieces_before(self, at: int) -> int:
        """How many pieces lie before ``at``, a position beside whitespace (no piece crosses it).

        Counted from the nearest position already known: the parts asked for come in reading
        order, so the text is split about twice in all, not once per part.
        """
        i = bisect_right(self._at, at) - 1
        known = self._at[i]
        if known == at:
            return self._before[i]
        before = self._before[i] + len(self.text[known:at].split())
        self._at.insert(i + 1, at)
        self._before.insert(i + 1, before)
        return before

    def surface(self) -> frozenset[str]:
        """The distinct :func:`surface_words` of the text."""
        return frozenset(chain.from_iterable(map(_PIECE_SURFACE.__getitem__, self.pieces)))


def text_words(text: str) -> TextWords:
    """``text`` tokenized once (footnote markers are not words), for :class:`TextWords`."""
    return TextWords(text)


def stem(word: str) -> str:
    """The term a normalised word is indexed under."""
    term: str = _STEMMER.stemWord(word)
    return term


def is_stop_word(word: str) -> bool:
    """Whether a normalised word is ignored by search."""
    return word in STOP_WORDS


# --- sentences -------------------------------------------------------------------------------

# A sentence's end, with the footnote marker after it ("...Belgium.(3)").
_SENTENCE_END = re.compile(r"[.!?]+[\"”’')\]]*(?:\s?(?P<marker>[(\[]\d{1,3}[)\]]))?(?=\s|$)")
# A list item's bare number ("16." of "16. SPORTS PLAYERS ARE BOURGEOISIE"): no sentence.
_ITEM_NUMBER = re.compile(r"\s*\d{1,3}\.")
_ABBREVIATIONS = frozenset(
    """
    dr mr mrs ms st jr sr vs no nos gen col lt sgt capt prof rev gov sen rep
    fig vol pp ed eds inc ltd co corp jan feb mar apr jun jul aug sep sept oct nov dec ca cf al approx
    avg dept univ
    """.split()
)
_NEXT_STARTS_SENTENCE = re.compile(r"\s+[\"“‘'(\[*]?[A-Z0-9À-ÖØ-Þ]")


def sentence_spans(
    text: str, start: int = 0, end: int | None = None, cut: bool = False
) -> list[tuple[int, int]]:
    """Spans of the sentences of ``text[start:end]``, trimmed of surrounding whitespace
    (``cut``: it is a paragraph's part cut at its start; see
    :func:`~retrieval.markers.list_items`)."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    begin = start
    items: set[int] | None = None  # where the numbers of a list in running text stand
    for match in _SENTENCE_END.finditer(text, start, end):
        stop = match.end()
        if not _NEXT_STARTS_SENTENCE.match(text, stop, end) and stop < end:
            continue
        if _ends_with_abbreviation(text, begin, match.start()):
            continue
        if _ITEM_NUMBER.fullmatch(text, begin, stop):
            continue  # "16." opens the item it numbers
        if match.group("marker"):
            items = list_items(text, start, end, cut) if items is None else items
            if match.start("marker") in items:
                stop = match.start("marker")  # "...in 1976. (2) MIM upholds...": (2) opens the next
        spans.append((begin, stop))
        begin = stop
    spans.append((begin, end))
    trimmed = []
    for a, b in spans:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if a < b:
            trimmed.append((a, b))
    return trimmed


def _ends_with_abbreviation(text: str, begin: int, dot: int) -> bool:
    """Whether the period at ``dot`` closes an abbreviation (``Dr.``, ``U.S.``, ``W.E.B.``)."""
    if text[dot] != ".":
        return False
    before = text[begin:dot]
    if not before or before[-1].isspace():
        return False
    word = before.rsplit(None, 1)[-1].lstrip("\"“‘'(")
    if not word:
        return False
    if "." in word or len(word) == 1:  # U.S. / W.E.B. / initials
        return word.replace(".", "").replace("$", "s").isalpha() and len(word) <= 8
    return word.casefold() in _ABBREVIATIONS


def word_count(text: str) -> int:
    """Number of whitespace-separated words."""
    return len(text.split())
