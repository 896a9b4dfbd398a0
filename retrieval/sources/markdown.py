"""Markdown -> blocks of the text a reader sees, with markdown-it-py (CommonMark, plus tables).

Quotes come from these blocks, so they hold rendered text: no ``**``, ``_`` or backticks, a link
is its text, an image its alt text, and list and quote markers (``- ``, ``> ``) are gone; an
ordered list item keeps its number (``2. ...``) as a reader sees it. Headings are ``heading``
blocks (sections). YAML front matter is metadata (title, id, url, subtitle), never body text.
Footnotes written ``[^3]`` become the marker ``[3]``, and their ``[^3]: ...`` definitions notes.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.token import Token
from selectolax.lexbor import LexborHTMLParser

from ..models import Block

# A YAML front matter block: `---` on the first line, up to a `---` or `...` line.
_FRONT_MATTER = re.compile(
    r"\A\ufeff?---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S
)
_META_LINE = re.compile(r"^([A-Za-z_][\w-]*)\s*:\s*(.*?)\s*$")
_FOOTNOTE_REF = re.compile(r"\[\^(\d{1,3})\]")
_FOOTNOTE_DEF = re.compile(r"^\[\^(\d{1,3})\]:\s*(\S.*)$", re.S)
# Front matter keys a document takes, and the names people give them.
_META_KEYS = {
    "title": "title",
    "subtitle": "subtitle",
    "id": "id",
    "url": "url",
    "permalink": "url",
}

_PARSER = MarkdownIt("commonmark", {"html": True}).enable("table")


def front_matter(text: str) -> tuple[dict[str, str], str]:
    """The front matter's simple ``key: value`` pairs, and the text after it.

    Only the keys a document uses (title, subtitle, id, url) are kept; quoted values are unquoted.
    Text without front matter comes back unchanged with an empty dict.
    """
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    meta: dict[str, str] = {}
    for line in match.group(1).splitlines():
        found = _META_LINE.match(line)
        if not found or found.group(1).lower() not in _META_KEYS:
            continue
        value = found.group(2)
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        if value:
            meta[_META_KEYS[found.group(1).lower()]] = value
    return meta, text[match.end() :]


def _inline(token: Token) -> str:
    """The rendered text of an inline token: markup gone, links as their text."""
    out: list[str] = []
    for child in token.children or ():
        if child.type in ("text", "code_inline"):
            out.append(child.content)
        elif child.type == "softbreak":
            out.append(" ")
        elif child.type == "hardbreak":
            out.append("\n")
        elif child.type == "image":
            out.append(_inline(child) or str(child.attrGet("alt") or ""))
    return "".join(out)


def markdown_blocks(text: str) -> list[Block]:
    """The blocks of a Markdown text (without its front matter) in reading order."""
    blocks: list[Block] = []
    numbers: list[int | None] = []  # per open list: the next item's number (None: bullets)
    row: list[str] | None = None
    pending_number: int | None = None
    heading = False
    for token in _PARSER.parse(text):
        kind = token.type
        if kind in ("heading_open", "heading_close"):
            heading = kind == "heading_open"
        elif kind == "ordered_list_open":
            numbers.append(int(token.attrGet("start") or 1))
        elif kind == "bullet_list_open":
            numbers.append(None)
        elif kind in ("ordered_list_close", "bullet_list_close"):
            numbers.pop()
        elif kind == "list_item_open" and numbers and numbers[-1] is not None:
            pending_number = int(token.info) if token.info.isdigit() else numbers[-1]
            numbers[-1] = pending_number + 1
        elif kind == "tr_open":
            row = []
        elif kind == "tr_close" and row is not None:
            line = "  ".join(cell for cell in row if cell)
            if line:
                blocks.append(Block("paragraph", line))
            row = None
        elif kind == "inline":
            content = _inline(token).strip()
            if not content:
                continue
            if row is not None:
                row.append(_markers(content))
            elif heading:
                blocks.append(Block("heading", _markers(" ".join(content.split()))))
            else:
                if pending_number is not None:
                    content, pending_number = f"{pending_number}. {content}", None
                blocks.append(_paragraph(content))
        elif kind in ("fence", "code_block", "html_block"):
            content = token.content.strip("\n")
            if kind == "html_block":
                content = _html_text(content)
            if content.strip():
                blocks.append(Block("paragraph", content))
    return blocks


def _paragraph(content: str) -> Block:
    note = _FOOTNOTE_DEF.match(content)
    if note:
        return Block("note", _markers(note.group(2).strip()), int(note.group(1)))
    return Block("paragraph", _markers(content))


def _markers(text: str) -> str:
    """Footnote references ``[^3]`` as the marker ``[3]`` a reader sees."""
    return _FOOTNOTE_REF.sub(r"[\1]", text)


def _html_text(html: str) -> str:
    node = LexborHTMLParser(html).body
    return " ".join((node.text(separator=" ") if node is not None else "").split())


__all__ = ["front_matter", "markdown_blocks"]
