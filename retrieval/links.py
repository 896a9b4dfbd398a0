"""Deep links that open an archive page at a quoted sentence (URL text fragments)."""

from __future__ import annotations

import re
from urllib.parse import quote

from .markers import TRAILING_MARKER

_EDGE_WORDS = 5
# A line of fewer words than this gives no edge when the quote has a longer one.
_LINE_WORDS = 3
# An edge is also at most this long encoded: text without spaces (Chinese) is one "word", and
# each of its characters takes 9 ("%E5%91%A8"); a whole clause made links of 1,000+ characters.
_EDGE_CHARS = 120
_BREAKS = frozenset(" \t,.;:!?\u3001\u3002\uff0c\uff1b\uff1a\uff01\uff1f")
# Characters the text version of a page has but its HTML may render differently (a "*" that was a
# link bullet, a footnote marker that is a superscript link): kept out of the fragment's edges.
_LEAD = re.compile(r"^[*•\-–—\s]+")


def _encode(text: str) -> str:
    # `-`, `,` and `&` are syntax inside a text directive, so they are always percent-encoded.
    return quote(text, safe="").replace("-", "%2D")


def text_fragment_link(url: str | None, quoted: str) -> str | None:
    """``url#:~:text=...`` that highlights ``quoted`` (start and end words when it is long)."""
    if not url:
        return None
    base = url.split("#", 1)[0]
    pieces = [p.strip() for p in quoted.replace("\u2026", "\n").split("\n") if p.strip()]
    if pieces:
        pieces[0] = _LEAD.sub("", pieces[0])
        pieces[-1] = TRAILING_MARKER.sub("", pieces[-1])
        pieces = [p for p in pieces if p]
    if not pieces:
        return base
    # An edge is taken from one line (a browser may not match across the page's line breaks);
    # a line of a word or two ("MIM" ending a hard-wrapped line) is found first elsewhere on the
    # page (its header), and the highlight would run from there: the first and last lines with
    # enough words give the edges.
    lines = [p.split() for p in pieces]
    at = next((i for i, line in enumerate(lines) if len(line) >= _LINE_WORDS), 0)
    to = next(
        (i for i in range(len(lines) - 1, at - 1, -1) if len(lines[i]) >= _LINE_WORDS),
        len(lines) - 1,
    )
    first, last = lines[at], lines[to]
    whole = _encode(" ".join(first)) if at == to and len(first) <= 2 * _EDGE_WORDS else ""
    if whole and len(whole) <= 2 * _EDGE_CHARS:
        directive = whole
    else:
        start = _edge(" ".join(first[:_EDGE_WORDS]))
        end = _edge(" ".join(last[-_EDGE_WORDS:])[::-1])[::-1]
        directive = f"{_encode(start)},{_encode(end)}"
    return f"{base}#:~:text={directive}"


def _edge(text: str) -> str:
    """The start of ``text`` that encodes to at most ``_EDGE_CHARS``, cut after a space or a
    punctuation mark when one falls in its second half (a browser matches whole words)."""
    if len(_encode(text)) <= _EDGE_CHARS:  # nearly always: five words
        return text
    size = 0
    for i, char in enumerate(text):
        size += len(_encode(char))
        if size > _EDGE_CHARS:
            cut = max((j for j in range(i // 2, i) if text[j] in _BREAKS), default=i - 1)
            return text[: cut + 1].strip()
    return text
