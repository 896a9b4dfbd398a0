"""Deep links that open an archive page at a quoted sentence (URL text fragments)."""

from __future__ import annotations

import re
from urllib.parse import quote

from .markers import TRAILING_MARKER

_EDGE_WORDS = 5
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
    first = pieces[0].split()
    last = pieces[-1].split()
    if len(pieces) == 1 and len(first) <= 2 * _EDGE_WORDS:
        directive = _encode(" ".join(first))
    else:
        start = " ".join(first[:_EDGE_WORDS])
        end = " ".join(last[-_EDGE_WORDS:])
        directive = f"{_encode(start)},{_encode(end)}"
    return f"{base}#:~:text={directive}"
