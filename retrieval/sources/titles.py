"""A page's title as a reader knows it: what the page calls itself, never its masthead or links.

Old archive pages open with ASCII-art mastheads (``I N T E R N E T ' S  M A O I S T  M O N T H L Y``,
blocks of ``X`` letters), site-name lines and link lines ("See our Iraq web page"); none of those
is a title. A MIM Notes issue page is titled like its masthead says: "MIM Notes 49, January 18,
1991" (number and date from the masthead, the number from the URL when the masthead lacks it).
A page without a title line gets the opening words of its text, which a reader recognises.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import unquote, urlsplit

from ..layout import NOTES_HEADING, is_site_boilerplate, link_bar, without_site_header
from ..text import sentence_spans

# A title is one line: longer lines are the text itself.
MAX_TITLE_CHARS = 160
MAX_TITLE_WORDS = 25
# How many lines after the site header a title may be found in.
TITLE_SEARCH_LINES = 8
# A fallback title: the text's opening words, cut at a word.
FALLBACK_CHARS = 70

_MONTHS = (
    "january february march april may june july august september october november december".split()
)
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_DATE = re.compile(
    rf"\b({_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+(?:19|20)\d\d"  # April 1, 1999
    rf"|{_MONTH},?\s+(?:19|20)\d\d"  # SEPTEMBER, 1992
    r"|\d{1,2}/\d{1,2}/(?:19|20)?\d\d)\b",  # 01/12/85
    re.IGNORECASE,
)
_ISSUE = re.compile(
    r"\bMIM\s+Notes\s*(?:No\.?|N[º°o]\.?|#|Issue)?\s*(\d{1,3})\b"
    r"|\bIssue\s*(?:No\.?|#)\s*(\d{1,3})\b"
    r"|\bN[º°]\s*(\d{1,3})\b",
    re.IGNORECASE,
)
# Issue pages of MIM Notes: mn/mn.php?issue=049, mn/html/mn263.html.
_ISSUE_URL = re.compile(r"/mn/(?:mn\.php\?issue=0*(\d{1,3})|html/mn0*(\d{1,3})\.html?)$")
_LINK_LINE = re.compile(
    r"^[*•\-–\s\[]*(?:see\b|see also\b|click\b|back to\b|return to\b|go to\b|go back\b|"
    r"read more\b|more on\b|home\b|top\b|next\b|previous\b)",
    re.IGNORECASE,
)
_ELSEWHERE = re.compile(
    r"^[*•\-–\s\[]*(?:see|click|back to|return to|go to|go back|read more)\b", re.IGNORECASE
)
_SALUTATION = re.compile(r"^(?:dear|to)\b.{0,40},$", re.IGNORECASE)
_BYLINE = re.compile(r"^(?:by|from|published|updated|reviewed|posted)\b", re.IGNORECASE)
_LIST_LINE = re.compile(r"^\s*(?:[*•\-–]|\d{1,3}[.)]|\(\d{1,3}\)|\[\d{1,3}\])\s+")
_GLUED_HEADER = re.compile(
    r"\s*This is an archive of the former website of the Maoist Internationalist Movement\b"
)
_SITE_NAME = re.compile(
    r"^(?:(?:the\s+)?Maoist\s+Internationalist(?:\s+Movement)?|Movement)$", re.IGNORECASE
)
# A series label that a headline follows ("MIM Theory #6" over "The Stalin Issue").
_LABEL = re.compile(r"\d|#")
# A sentence that ends inside the line and goes on: the line is text, not a title.
_SENTENCE_BREAK = re.compile(r"[a-z]{2}[.!]\s+[A-Z][a-z]")
_SLASH_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})$")


def is_masthead(line: str) -> bool:
    """ASCII art and letter-spaced banners: ``I N T E R N E T ' S``, ``XX XX  XXX``, ``= = =``."""
    tokens = line.split()
    if not tokens:
        return False
    # Counted in C: this runs on the opening paragraphs of every page.
    letters = sum(map(str.isalpha, line))
    visible = sum(map(len, tokens))  # the characters that are not spaces
    if visible >= 8 and letters < visible / 2:
        return True  # rules and frames: `= = =`, `|    |`, `* * *`
    if len(tokens) >= 5 and sum(len(t) <= 2 for t in tokens) / len(tokens) > 0.6:
        return True  # letter-spaced, or art made of short runs
    # `XXX  X X  XXX`; the distinct letters are those of the distinct characters
    return letters >= 8 and len({c.lower() for c in set(line) if c.isalpha()}) <= 3


def is_link_line(line: str) -> bool:
    """A line that points elsewhere ("See our Iraq web page", "[Home]"), not a title."""
    return bool(_LINK_LINE.match(line)) or link_bar(line.strip(), links=2)  # [About] [Home]


def sends_elsewhere(line: str) -> bool:
    """A line that sends the reader to another page ("See our Iraq web page", "Back to the
    index"): it heads no section. (Narrower than :func:`is_link_line`: "Next steps" and "Home
    front" may well head one.)"""
    return bool(_ELSEWHERE.match(line))


def _is_date_line(line: str) -> bool:
    match = _DATE.search(line)
    return match is not None and len(line.split()) <= len(match.group(0).split()) + 2


def title_line(line: str) -> bool:
    """Whether a line can be a page's title: short, no masthead, link, site name or salutation."""
    words = line.split()
    return (
        0 < len(words) <= MAX_TITLE_WORDS
        and len(line) <= MAX_TITLE_CHARS
        and any(c.isalpha() for c in line)
        and not is_masthead(line)
        and not is_link_line(line)
        and not is_site_boilerplate(line)
        and not _SITE_NAME.match(line)
        and not _SALUTATION.match(line)
        and not _BYLINE.match(line)
        and not _LIST_LINE.match(line)
        and not NOTES_HEADING.match(line)
        and not _is_date_line(line)
        and not _SENTENCE_BREAK.search(line)
    )


def clean_date(text: str) -> str:
    """A masthead's date as people write it: ``NOVEMBER 15, 1997`` -> ``November 15, 1997``,
    ``SEPTEMBER, 1992`` -> ``September 1992``, ``01/12/85`` -> ``January 12, 1985``."""
    slash = _SLASH_DATE.match(text.strip())
    if slash:
        month, day, year = (int(g) for g in slash.groups())
        if 1 <= month <= 12 and 1 <= day <= 31:
            year += 1900 if year < 100 and year >= 30 else 2000 if year < 100 else 0
            return f"{_MONTHS[month - 1].capitalize()} {day}, {year}"
        return text
    words = text.split()
    if words and words[0].rstrip(".,").lower() in _MONTHS:
        words[0] = words[0].rstrip(",").capitalize() if len(words) == 2 else words[0].capitalize()
    return " ".join(words)


def title_furniture(line: str) -> bool:
    """A line that opens a page without being its text: masthead, site name, link, salutation."""
    return bool(
        is_masthead(line)
        or is_site_boilerplate(line)
        or _SITE_NAME.match(line)
        or is_link_line(line)
        or _SALUTATION.match(line)
    )


def issue_title(lines: list[str], url: str | None = None) -> str | None:
    """ "MIM Notes 49, January 18, 1991" for a MIM Notes issue page, or a page that opens with an
    issue's masthead: number and date from the masthead, the number from the URL when it has one.
    """
    from_url = _issue_from_url(url)
    number: int | None = None
    date: str | None = None
    heads = [ln[:200] for ln in lines if ln.strip() and not is_site_boilerplate(ln)]
    for i, head in enumerate(heads[: TITLE_SEARCH_LINES + 12]):
        issue = _ISSUE.search(head) if number is None else None
        # Elsewhere than an issue page, only a masthead opening the page names the issue.
        if issue and (
            from_url is not None or (i == _first_words_line(heads) and issue.start() < 5)
        ):
            number = int(next(g for g in issue.groups() if g))
            after = _DATE.search(head, issue.end())
            if after and after.start() - issue.end() < 40:
                date = clean_date(after.group(0))
        elif date is None and (number is not None or from_url is not None):
            found = _DATE.search(head)
            if found and (_is_date_line(head) or "|" in head):
                date = clean_date(found.group(0))
        if (number is not None or from_url is not None) and date is not None:
            break
    number = from_url if from_url is not None else number
    if number is None:
        return None
    return f"MIM Notes {number}, {date}" if date else f"MIM Notes {number}"


def is_issue_page(url: str | None) -> bool:
    """Whether a URL is a MIM Notes issue page (``mn/mn.php?issue=049``, ``mn/html/mn263.html``)."""
    return _issue_from_url(url) is not None


def _issue_from_url(url: str | None) -> int | None:
    if not url:
        return None
    parts = urlsplit(url)
    found = _ISSUE_URL.search(unquote(parts.path) + (f"?{parts.query}" if parts.query else ""))
    return next((int(g) for g in found.groups() if g), None) if found else None


def _first_words_line(heads: list[str]) -> int:
    """The index of the first line that is not a masthead or the site's name."""
    return next(
        (i for i, h in enumerate(heads) if not is_masthead(h) and not _SITE_NAME.match(h.strip())),
        -1,
    )


# A dateline a headline runs into ("...in Boston rain BOSTON, MASSACHUSETTS--500 people...").
_DATELINE = re.compile(r"\s+(?=[A-Z][A-Z.'’]+(?:[ ,]+[A-Z][A-Z.'’]+)*\s*(?:--|—))")
# A headline cut off there has at least this many words.
_HEADLINE_WORDS = 3


def opening_words(text: str, limit: int = FALLBACK_CHARS) -> str | None:
    """The text's first words up to ``limit`` characters (cut at a word, with ``…``), or its
    headline when one runs into the text within them (a page saved as one long line): up to a
    dateline, or the end of its first sentence ("Letters MIM Notes audience among whites?")."""
    words = text.split()
    if not words:
        return None
    flat = " ".join(words)
    if len(flat) > limit:
        ends = [m.start() for m in _DATELINE.finditer(flat, 0, limit + 1)]
        ends += [end for _, end in sentence_spans(flat, 0, limit + 1)[:-1]]
        for end in sorted(ends):
            headline = flat[:end].rstrip(".")
            if len(headline.split()) >= _HEADLINE_WORDS:
                return headline
    out = ""
    for word in words:
        if out and len(out) + 1 + len(word) > limit:
            return out.rstrip(",;:-–—") + "…"
        out = f"{out} {word}" if out else word
    return out


def fallback_title(paragraphs: Iterable[str]) -> str | None:
    """The opening words of the first paragraph with words of its own (not the site header, a
    masthead, a link line or a salutation), for a page that names no title."""
    for paragraph in paragraphs:
        lines = [ln for ln in text_lines(paragraph) if not title_furniture(ln)]
        if lines:
            return opening_words(" ".join(lines))
    return None


def guess_title(
    lines: list[str], url: str | None = None, fallback: str | None = None
) -> tuple[str | None, str | None]:
    """Title and subtitle of a page from its opening lines (site header and mastheads skipped).

    A line ending in ``:`` right above the title is its subtitle ("A review of the book
    recommended by Osama Bin Laden:" over "U.$. interventions subvert self-rule globally").
    Two short title lines make one title ("1996 MIM Congress: Gender Theory Resolutions").
    """
    issue = issue_title(lines, url)
    if issue:
        return issue, None
    kicker: str | None = None
    candidates = [" ".join(ln.split()) for ln in lines]
    candidates = [
        ln
        for ln in candidates
        if ln and not is_masthead(ln) and not is_site_boilerplate(ln) and not _SITE_NAME.match(ln)
    ][:TITLE_SEARCH_LINES]
    for i, line in enumerate(candidates):
        following = candidates[i + 1] if i + 1 < len(candidates) else ""
        if len(line) > MAX_TITLE_CHARS:
            break
        if not title_line(line):
            if is_link_line(line) or _SALUTATION.match(line):
                continue
            break
        if line.endswith(":") and following[:1].islower() and title_line(following):
            return f"{line} {following}", kicker  # one title hard-wrapped after its colon
        if line.endswith(":") and kicker is None:
            kicker = line.rstrip(":").strip()
            continue
        if line.endswith((".", ",")) and not line.endswith("..."):
            break
        if (
            _LABEL.search(line)
            and ":" not in line
            and title_line(following)
            and not following.endswith((":", ".", ","))
        ):
            return f"{line}: {following}", kicker  # "MIM Theory #6: The Stalin Issue"
        return line, kicker
    return (kicker, None) if kicker is not None else (fallback, None)


def text_lines(text: str) -> list[str]:
    """The non-empty lines of a text without the site header, as the title is looked for in.

    A line with the header glued after the page's own words ("Brezhnevites This is an archive
    of ...") keeps those words.
    """
    out: list[str] = []
    for line in without_site_header(text.lstrip()).splitlines():
        glued = _GLUED_HEADER.search(line)
        line = (line[: glued.start()] if glued else line).strip()
        if line:
            out.append(line)
    return out


__all__ = [
    "clean_date",
    "fallback_title",
    "guess_title",
    "is_issue_page",
    "is_link_line",
    "is_masthead",
    "issue_title",
    "opening_words",
    "text_lines",
    "title_furniture",
    "title_line",
]
