"""HTML pages -> :class:`SourceDocument`: title, section headings, paragraphs and notes in reading order.

Parsed with selectolax's lexbor backend, an HTML5 parser: old markup with unclosed ``<p>`` and
``<font>`` tags comes out as a browser shows it. Scripts, styles, navigation and paragraphs or lists
that are mostly links are dropped. Footnote markers come out as ``(3)`` / ``[3]`` so that
:data:`retrieval.markers.MARKER` finds them, and the notes list as ``note`` blocks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from ..boilerplate import clean_title
from ..errors import SourceError
from ..layout import NOTES_HEADING, is_site_boilerplate
from ..markers import MARKER_TEXT, NOTE_START
from ..models import Block, SourceDocument
from .base import SourceFile, content_hash, file_url, read_meta
from .encoding import decode_html, repair
from .html_blocks import RawBlock, RawKind, drop_navigation, find_notes
from .plain import looks_like_heading
from .titles import (
    fallback_title,
    guess_title,
    is_issue_page,
    is_link_line,
    is_masthead,
    issue_title,
    text_lines,
)
from .urls import ARCHIVE_BASE_URL, canonical_url, doc_id_from_url, page_url

# A line that stands alone in bold (or a large <font>) is a heading when it is this short.
BOLD_HEADING_WORDS = 15
BOLD_HEADING_CHARS = 120
# An <hN> longer than this is a paragraph set in a heading's type (old pages do that).
HEADING_MAX_WORDS = 30
# A plain line that looks like a heading (short, capitalised, no closing punctuation: the rule
# plain text follows) is one when a paragraph follows it; it ranks below <hN> and bold headings.
PLAIN_HEADING_LEVEL = 8
# How many blocks from the top a title is looked for in, when the page names none.
OPENING_BLOCKS = 12
# A table cell this short, without blocks inside, is data: its row reads as one line.
DATA_CELL_CHARS = 100

_SKIP = frozenset(
    "script style noscript template head title iframe frame frameset object embed applet select "
    "option textarea button input svg math nav map audio video canvas".split()
)
_BLOCK = frozenset(
    "address article aside blockquote body caption center dd details dialog dir div dl dt "
    "fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr html legend li "
    "main menu ol p pre section summary table tbody td tfoot th thead tr ul".split()
)
_CELLS = frozenset({"td", "th"})
_CELL_BLOCKS = "p, div, br, table, ul, ol, dl, li, h1, h2, h3, h4, h5, h6, blockquote, pre, center"
_LISTS = frozenset({"ol", "ul", "menu", "dir", "dl"})
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_BOLD_STYLE = re.compile(r"font-weight\s*:\s*(?:bold|[6-9]00)", re.IGNORECASE)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_BACKLINKS = frozenset({"↩", "↩︎", "^", "↑", "back", "[back]", "return", "top", "[top]"})
_INVISIBLE = str.maketrans("", "", "\u00ad\u200b\u200c\u200d\u2060\ufeff")


@dataclass
class _Seg:
    """A run of inline text (or, with ``anchor``, a link target that has no text)."""

    text: str
    link: bool = False
    strong: bool = False
    anchor: str | None = None
    br: bool = False  # the end of a line (a <br>) inside a block


@dataclass
class _List:
    id: int
    ordered: bool
    counter: int
    pending: int | None = None  # the number of an <ol> item not yet given to a block


@dataclass(frozen=True)
class HtmlPage:
    """What a page says: its title, subtitle, ``<link rel=canonical>``, blocks, and its opening
    lines as the reader sees them (a block's ``<br>`` lines apart), where a title is looked for."""

    title: str | None
    subtitle: str | None
    canonical: str | None
    blocks: tuple[Block, ...]
    lines: tuple[str, ...] = ()


def _norm(text: str) -> str:
    if not text.isascii():  # the invisible characters are not ASCII; most text is
        text = text.translate(_INVISIBLE)
    return " ".join(text.split())


def _words(normed: str) -> int:
    """How many words a text made by :func:`_norm` has (its words are one space apart)."""
    return normed.count(" ") + 1 if normed else 0


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


@dataclass
class _Walker:
    """Walks the DOM in document order and cuts its text into raw blocks."""

    raws: list[RawBlock] = field(default_factory=list)
    # Fragment targets of footnote markers: id -> (number, index of the block citing it).
    targets: dict[str, tuple[int, int]] = field(default_factory=dict)
    buf: list[_Seg | None] = field(default_factory=list)  # None is a <br>
    lists: list[_List] = field(default_factory=list)
    saved: list[tuple[bool, bool, bool, int, bool]] = field(default_factory=list)
    link: bool = False
    strong: bool = False
    pre: bool = False
    level: int = 0
    row: bool = False  # inside a table row of short cells, read as one line
    list_count: int = 0

    def walk(self, root: LexborNode) -> list[RawBlock]:
        # Iterative, since old pages nest unclosed <font> tags deeper than Python's recursion.
        stack: list[tuple[LexborNode, bool]] = [(root, False)]
        while stack:
            node, leaving = stack.pop()
            tag = node.tag or ""
            if leaving:
                self._leave(tag)
            elif tag == "-text":
                self._text(node.text_content or "")
            elif not tag.startswith(("-", "!")) and self._enter(node):
                stack.append((node, True))
                children = list(node.iter(include_text=True))
                stack.extend((child, False) for child in reversed(children))
        self.flush()
        return self.raws

    def _enter(self, node: LexborNode) -> bool:
        """Handle an opening tag; False when its content is done with (skipped or consumed)."""
        tag, attrs = node.tag, node.attributes
        hidden = "hidden" in attrs or _HIDDEN_STYLE.search(attrs.get("style") or "")
        if tag in _SKIP or hidden or (attrs.get("role") or "") == "navigation":
            return False
        if tag == "br":
            self.buf.append(None)
            return False
        if tag in _BLOCK and not (self.row and tag in _CELLS):
            self.flush()
        if tag in ("hr", "img"):
            return False
        for key in ("id", "name"):
            if attrs.get(key):
                self.buf.append(_Seg("", anchor=attrs[key]))
        if tag in ("a", "sup") and self._marker(node, tag):
            return False
        self.saved.append((self.link, self.strong, self.pre, self.level, self.row))
        if tag == "a" and attrs.get("href"):
            self.link = True
        elif tag in ("b", "strong", "big") or _BOLD_STYLE.search(attrs.get("style") or ""):
            self.strong = True
        elif tag == "font":
            size = (attrs.get("size") or "").strip()
            self.strong = self.strong or size.startswith("+") or (_int(size) or 0) >= 4
        elif tag == "pre":
            self.pre = True
        elif tag == "tr":
            self.row = _data_row(node)
        elif tag in _HEADINGS:
            self.level = _HEADINGS[tag]
        elif tag in _LISTS:
            start = _int(attrs.get("start")) if tag == "ol" else None
            self.list_count += 1
            self.lists.append(_List(self.list_count, tag == "ol", (start or 1) - 1))
        elif tag == "li" and self.lists:
            current = self.lists[-1]
            current.counter = _int(attrs.get("value")) or current.counter + 1
            current.pending = current.counter if current.ordered else None
        return True

    def _leave(self, tag: str) -> None:
        if tag in _BLOCK and not (self.row and tag in _CELLS):
            self.flush()
        elif tag in _CELLS:
            self.buf.append(_Seg(" "))
        if tag in _LISTS and self.lists:
            self.lists.pop()
        self.link, self.strong, self.pre, self.level, self.row = self.saved.pop()

    def _marker(self, node: LexborNode, tag: str) -> bool:
        """Emit a footnote marker (`<sup>3</sup>`, `<a href="#fn3">3</a>`) as ``(3)``/``[3]``."""
        link = node if tag == "a" else node.css_first("a[href]")
        href = (link.attributes.get("href") or "") if link is not None else ""
        if tag == "a" and "#" not in href:
            return False
        text = node.text(deep=True).strip()
        if tag == "a" and text.casefold() in _BACKLINKS:
            return True  # a "back to the text" link inside a note: not text
        match = MARKER_TEXT.fullmatch(text)
        if not match:
            return False
        number = int(next(g for g in match.groups() if g))
        if "#" in href:
            self.targets.setdefault(href.split("#", 1)[1], (number, len(self.raws)))
        self.buf.append(_Seg(f"[{number}]" if match.group(1) else f"({number})"))
        return True

    def _text(self, raw: str) -> None:
        if not self.pre:
            self.buf.append(_Seg(raw, self.link, self.strong))
            return
        for i, line in enumerate(raw.split("\n")):
            if i:
                self.buf.append(None)
            self.buf.append(_Seg(line, self.link, self.strong))

    def flush(self) -> None:
        """Cut the buffered inline text into blocks: at blank lines, note items and bold lines."""
        buf, self.buf = self.buf, []
        if not any(s is not None and s.text.strip() for s in buf):
            # Targets such as <a name="1"></a> before a <p> belong to the block that follows.
            self.buf = [s for s in buf if s is not None and s.anchor]
            return
        lines: list[list[_Seg]] = [[]]
        for seg in buf:
            if seg is None:
                lines.append([])
            else:
                lines[-1].append(seg)
        groups: list[list[_Seg]] = []
        current: list[_Seg] = []
        pending: list[_Seg] = []
        for line in lines:
            text = _norm("".join(s.text for s in line))
            if not text:  # an empty line (`<br><br>`) ends a paragraph
                pending.extend(s for s in line if s.anchor)
                if current:
                    groups.append(current)
                    current = []
                continue
            alone = bool(NOTES_HEADING.match(text)) or (self._plain() and _bold(line, text))
            if current and (alone or NOTE_START.match(text)):
                groups.append(current)
                current = []
            current.extend([*pending, *line, _Seg(" ", br=True)])
            pending = []
            if alone:
                groups.append(current)
                current = []
        if current:
            groups.append(current)
        for segs in groups:
            self._add(segs)

    def _plain(self) -> bool:
        """Outside headings and lists, where a bold line can stand for a heading."""
        return not self.level and not self.lists

    def _add(self, segs: list[_Seg]) -> None:
        joined = "".join(s.text for s in segs)
        text = _norm(joined)
        # The characters that are not spaces, counted once over the joined text, not per segment
        # (in ASCII text, _norm only turned each run of spaces into one).
        chars = len(text) - text.count(" ") if joined.isascii() else len("".join(joined.split()))
        link_chars = len("".join("".join(s.text for s in segs if s.link).split()))
        kind: RawKind = "paragraph"
        level = 0
        if self.level and _words(text) <= HEADING_MAX_WORDS:
            kind, level = "heading", self.level
        elif self._plain() and _bold(segs, text):
            kind, level = "heading", 7
        elif (
            self._plain() and not self.row and sum(s.br for s in segs) <= 1
        ) and looks_like_heading(text):
            kind, level = "heading", PLAIN_HEADING_LEVEL
        current = self.lists[-1] if self.lists else _List(0, False, 0)
        number, current.pending = current.pending, None  # an item's later paragraphs continue it
        anchors = tuple(s.anchor for s in segs if s.anchor)
        list_id = current.id or None
        lines: list[list[str]] = [[]]
        for seg in segs:
            if seg.br:
                lines.append([])
            else:
                lines[-1].append(seg.text)
        line_texts = tuple(t for t in (_norm("".join(ln)) for ln in lines) if t)
        if kind == "paragraph" and len(line_texts) > 1 and not self.row:
            text = "\n".join(line_texts)  # lines broken with <br>, as a text file keeps them
        self.raws.append(
            RawBlock(
                kind, text, level, chars, link_chars, list_id, number, anchors, lines=line_texts
            )
        )


def _data_row(row: LexborNode) -> bool:
    """A row of short cells without blocks (a data table): one line, not a block per cell.

    Layout tables put whole columns (a menu, the article) in cells; those stay blocks.
    """
    cells = [c for c in row.iter() if c.tag in _CELLS]
    return bool(cells) and all(
        c.css_first(_CELL_BLOCKS) is None and len(c.text(deep=True)) <= DATA_CELL_CHARS
        for c in cells
    )


def _bold(segs: list[_Seg], text: str) -> bool:
    """A short line wholly in bold or a large font, without closing punctuation: a heading
    (``text``: the line as :func:`_norm` makes it; the cheap tests first, most lines are long)."""
    if len(text) > BOLD_HEADING_CHARS or text.endswith((".", ",", ";")):
        return False
    words = [s for s in segs if s.text.strip()]
    return (
        bool(words)
        and all(s.strong for s in words)
        and _words(text) <= BOLD_HEADING_WORDS
        and any(c.isalpha() for c in text)
    )


def _similar(a: str, b: str) -> bool:
    wa, wb = set(re.findall(r"\w+", a.casefold())), set(re.findall(r"\w+", b.casefold()))
    return bool(wa and wb) and (wa <= wb or wb <= wa)


def _not_a_title(text: str) -> bool:
    """Site furniture in a page's opening: the site's name, a masthead, a link line."""
    return is_site_boilerplate(text) or is_masthead(text) or is_link_line(text)


def _title_and_subtitle(
    raws: list[RawBlock], page_title: str | None
) -> tuple[str | None, str | None]:
    """The title (``<title>`` or the page's own leading heading) and a subtitle with it.

    A leading line ending in ``:`` above the title is the subtitle, as on the seed article
    ("Properly assessing ...:" over "Migrants in communist history"). A second heading right
    below the title is its subtitle only when no other heading of its level follows (else it
    is the first section). Mastheads and link lines are never the title.
    """
    if page_title and (is_masthead(page_title) or is_link_line(page_title)):
        page_title = None
    # A plain line that only looks like a heading is read as the text reader reads it: the
    # title then comes from the opening lines (guess_title), as for a text file.
    marked = [r for r in raws if r.level != PLAIN_HEADING_LEVEL]
    lead: list[RawBlock] = []
    for raw in raws:
        if _not_a_title(raw.text):
            continue
        if raw.kind == "paragraph" or raw.level == PLAIN_HEADING_LEVEL:
            break
        if raw.kind == "heading":
            lead.append(raw)
    if not lead:
        headings = (r.text for r in marked if r.kind == "heading" and not _not_a_title(r.text))
        return page_title or next(headings, None), None
    kicker = None
    if lead[0].text.endswith(":") and len(lead) > 1:
        kicker, lead = lead[0].text.rstrip(":").strip(), lead[1:]
    title = page_title
    if title is None or _similar(title, lead[0].text):
        title = lead[0].text  # the heading the reader sees is the fuller form
    if kicker or len(lead) < 2 or lead[0].text != title:
        return title, kicker
    same_level = sum(1 for r in raws if r.kind == "heading" and r.level == lead[1].level)
    return title, (lead[1].text if same_level == 1 else None)


def extract(html: str) -> HtmlPage:
    """Title, subtitle, canonical link and blocks of an HTML page's text."""
    tree = LexborHTMLParser(html)
    title_node = tree.css_first("title")
    page_title = None
    if title_node is not None:
        page_title = clean_title(repair(title_node.text(deep=True)))
    link = tree.css_first('link[rel~="canonical" i][href]')
    canonical = ((link.attributes.get("href") or "").strip() or None) if link is not None else None
    walker = _Walker()
    root = tree.body or tree.root
    raws = walker.walk(root) if root is not None else []
    find_notes(raws, walker.targets)
    drop_navigation(raws)
    raws = [r for r in raws if r.kind != "drop" and r.text]
    for i, raw in enumerate(raws):
        after = raws[i + 1] if i + 1 < len(raws) else None
        if raw.level == PLAIN_HEADING_LEVEL and (after is None or after.kind != "paragraph"):
            raw.kind, raw.level = "paragraph", 0  # a heading by its look only heads text
    for raw in raws:
        # Entities can spell mojibake too (`&Atilde;&copy;`), which only shows after parsing.
        cleaned = (_norm(repair(line)) for line in raw.text.split("\n"))
        raw.text = "\n".join(line for line in cleaned if line)
    title, subtitle = _title_and_subtitle(raws, page_title)
    blocks = tuple(Block(r.kind, r.text, r.number) for r in raws if r.text and r.kind != "drop")
    opening = [r for r in raws if r.kind != "note" and r.text][:OPENING_BLOCKS]
    lines = tuple(_norm(repair(line)) for r in opening for line in (r.lines or (r.text,)))
    return HtmlPage(title, subtitle, canonical, blocks, lines)


def read_html(
    file: SourceFile, sidecar: Path | None = None, *, base_url: str = ARCHIVE_BASE_URL
) -> list[SourceDocument]:
    """An HTML page (``.html``, ``.htm``, ``.php``), with an optional ``NAME.meta.json`` sidecar.

    Its URL: the sidecar's, else the page's ``<link rel=canonical>``, else where it lies in a
    mirror (:func:`retrieval.sources.base.file_url`), else ``base_url`` plus its path; always in
    the canonical spelling. Its title: the sidecar's, "MIM Notes N, date" for an issue page, the
    page's own title or headline (:func:`extract`), else its opening lines (:mod:`retrieval.sources.titles`).
    """
    data = file.read()
    meta, meta_raw = read_meta(sidecar)
    page = extract(decode_html(data, file.path))
    if not any(b.kind == "paragraph" for b in page.blocks):
        raise SourceError(f"{file.path}: no article text (only navigation or markup)")
    if not all(isinstance(meta.get(k), str | None) for k in ("id", "title", "subtitle", "url")):
        raise SourceError(f"{file.path}: 'id', 'title', 'subtitle' and 'url' must be strings")
    url = file_url(file, base_url) or page_url(file.relative, base_url)
    canonical = urlsplit(urljoin(url, page.canonical or ""))
    if page.canonical and canonical.scheme in ("http", "https") and canonical.path.strip("/"):
        url = canonical.geturl()  # a site-root canonical is a CMS default, not this page
    url = canonical_url(meta.get("url") or url, base_url)
    doc_id = meta.get("id") or doc_id_from_url(url, base_url)
    lines = text_lines("\n".join(page.lines))
    title, subtitle = meta.get("title"), meta.get("subtitle") or page.subtitle
    if not title and is_issue_page(url):
        title = issue_title(lines, url)
    if not title:
        title = page.title
    if not title:
        title, kicker = guess_title(lines, url)
        subtitle = subtitle or kicker
    from_body = False
    if not title:
        paragraphs = (b.text for b in page.blocks if b.kind == "paragraph")
        title = fallback_title(paragraphs)
        from_body = title is not None
        title = title or doc_id
    return [
        SourceDocument(
            doc_id=doc_id,
            title=_norm(title),
            url=url,
            source=file.ref,
            content_hash=content_hash(data, meta_raw),
            blocks=page.blocks,
            subtitle=subtitle,
            title_from_body=from_body,
        )
    ]


__all__ = ["HtmlPage", "extract", "read_html"]
