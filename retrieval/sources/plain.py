"""Plain readers: a text page, a Markdown file, a JSONL file of one document a line.

Each gets a :class:`SourceFile` (and its ``NAME.meta.json`` sidecar, when there is one) and returns
:class:`SourceDocument` records; the id and URL come from the metadata, the mirror or the path
(:mod:`retrieval.sources.urls`), the title from the metadata or the text (:mod:`.titles`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ..errors import SourceError
from ..layout import NOTES_HEADING
from ..models import Block, SkippedFile, SourceDocument, SourceRef
from .base import MAX_FILE_BYTES, SourceFile, content_hash, file_url, lines, read_meta
from .encoding import check_text, decode_text
from .markdown import front_matter, markdown_blocks
from .titles import fallback_title, guess_title, sends_elsewhere, text_lines
from .urls import ARCHIVE_BASE_URL, canonical_url, doc_id_from_path, doc_id_from_url

# --- plain text ------------------------------------------------------------------------------

# A hard-wrapped paragraph's lines are at least this long (an address's are not).
WRAPPED_LINE = 40
_HEADING_END = re.compile(r"[.!?,;:\"”’)\]]$")
# A dash bullet needs a space after it: "--trite." at the start of a wrapped line is prose.
_LIST_LINE = re.compile(r"^\s*(?:[*•]\s*|[\-–]\s|\d{1,3}[.)]|\(\d{1,3}\)|\[\d{1,3}\])\s*")


_SENTENCE_BREAK = re.compile(r"[a-z]{2}[.!?][\"”’)]?\s+\S")


def looks_like_heading(line: str) -> bool:
    """A short capitalised line without closing punctuation, and not a sentence's tail."""
    words = line.split()
    return (
        0 < len(words) <= 12
        and len(line) <= 90
        and line[0].isupper()
        and not _HEADING_END.search(line)
        and not _LIST_LINE.match(line)
        and not _SENTENCE_BREAK.search(line)
        and line.count("(") == line.count(")")
    )


def _heads_its_paragraph(lines: list[str]) -> bool:
    """Whether a chunk's first line is a heading written right above its hard-wrapped paragraph
    ("Session II" over "In the world as a whole, the numerical majority of..."): a heading-like
    line at most half as long as the paragraph's lines, of which there are two or more, and
    those of ``WRAPPED_LINE`` characters or more."""
    if len(lines) < 3 or not looks_like_heading(lines[0]) or not lines[1][:1].isupper():
        return False
    wrapped = sum(len(line) for line in lines[1:-1]) / (len(lines) - 2)
    return wrapped >= WRAPPED_LINE and len(lines[0]) * 2 <= wrapped


def _list_items(lines: list[str], unwrapped: bool) -> list[str]:
    """A chunk with list lines: each item with its hard-wrapped continuation lines. The lines
    before the first item are a heading-like first line on its own and one hard-wrapped
    paragraph (in unwrapped text, each line on its own)."""
    first = next(i for i, line in enumerate(lines) if _LIST_LINE.match(line))
    lead = lines[:first]
    items: list[str] = []
    if unwrapped:
        items.extend(lead)
    elif lead:
        if len(lead) > 1 and looks_like_heading(lead[0]):
            items.append(lead.pop(0))
        items.append("\n".join(lead))
    for line in lines[first:]:
        if _LIST_LINE.match(line) or unwrapped:
            items.append(line)
        else:
            items[-1] = f"{items[-1]}\n{line}"
    return items


def text_blocks(text: str, sections: Iterable[str] | None = None) -> list[Block]:
    """Split plain text into blocks: blank lines separate blocks; list-like lines stand alone.

    Headings are the given ``sections`` when known, otherwise short capitalised lines without
    closing punctuation that stand on their own.
    """
    known = {s.strip().casefold() for s in sections} if sections is not None else None
    raw_blocks: list[str] = []
    for chunk in re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n").replace("\r", "\n")):
        lines = [ln.strip() for ln in chunk.split("\n") if ln.strip()]
        if not lines:
            continue
        # One paragraph per line when lines are unwrapped paragraphs; one per item in a list.
        unwrapped = sum(len(ln) for ln in lines) / len(lines) > 120
        if len(lines) > 1 and any(_LIST_LINE.match(ln) for ln in lines):
            raw_blocks.extend(_list_items(lines, unwrapped))
        elif len(lines) > 1 and unwrapped:
            raw_blocks.extend(lines)
        elif _heads_its_paragraph(lines):
            raw_blocks.extend((lines[0], "\n".join(lines[1:])))
        else:
            raw_blocks.append("\n".join(lines))
    blocks: list[Block] = []
    for raw in raw_blocks:
        single_line = "\n" not in raw
        if known is not None:
            is_heading = single_line and raw.strip().rstrip(":").casefold() in known
        else:
            is_heading = (
                single_line
                and looks_like_heading(raw)
                and not NOTES_HEADING.match(raw)
                and not sends_elsewhere(raw)  # "See our Iraq web page" heads nothing
            )
        blocks.append(Block("heading" if is_heading else "paragraph", raw))
    return blocks


def _strings(source: str, meta: dict[str, Any]) -> None:
    for key in ("id", "title", "subtitle", "url"):
        if meta.get(key) is not None and not isinstance(meta[key], str):
            raise SourceError(f"{source}: '{key}' must be a string")
    sections = meta.get("sections")
    if sections is not None and not (
        isinstance(sections, list) and all(isinstance(s, str) for s in sections)
    ):
        raise SourceError(f"{source}: 'sections' must be a list of strings")


def _document(
    text: str,
    blocks: list[Block],
    *,
    relative: str,
    source: SourceRef,
    digest: str,
    meta: dict[str, Any],
    url: str | None,
    base_url: str,
) -> SourceDocument:
    """A text or Markdown document: id and URL from the metadata, the mirror or the path."""
    _strings(str(source), meta)
    if not any(b.kind == "paragraph" for b in blocks):
        raise SourceError(f"{source}: no text")
    url = canonical_url(meta["url"], base_url) if meta.get("url") else url
    doc_id = meta.get("id") or (
        doc_id_from_url(url, base_url) if url else doc_id_from_path(relative)
    )
    title, subtitle = meta.get("title"), meta.get("subtitle")
    from_body = False
    if not title:
        title, kicker = guess_title(text_lines(text), url)
        if not title:
            title = fallback_title(b.text for b in blocks if b.kind == "paragraph")
            from_body = title is not None
        title = title or doc_id
        subtitle = subtitle or kicker
    return SourceDocument(
        doc_id=doc_id,
        title=" ".join(title.split()),
        url=url,
        source=source,
        content_hash=digest,
        blocks=tuple(blocks),
        subtitle=subtitle,
        title_from_body=from_body,
    )


def read_text(
    file: SourceFile, sidecar: Path | None = None, *, base_url: str = ARCHIVE_BASE_URL
) -> list[SourceDocument]:
    """A plain-text page, with an optional ``NAME.meta.json`` sidecar (``sections``, ``title``...)."""
    data = file.read()
    meta, meta_raw = read_meta(sidecar)
    text = decode_text(data, file.path)
    sections = meta.get("sections") if isinstance(meta.get("sections"), list) else None
    return [_file_document(file, text, text_blocks(text, sections), data, meta, meta_raw, base_url)]


def read_markdown(
    file: SourceFile, sidecar: Path | None = None, *, base_url: str = ARCHIVE_BASE_URL
) -> list[SourceDocument]:
    """A Markdown file: the title from the sidecar, the front matter or the first heading."""
    data = file.read()
    sidecar_meta, meta_raw = read_meta(sidecar)
    front, body = front_matter(decode_text(data, file.path))
    meta = {**front, **sidecar_meta}
    blocks = markdown_blocks(body)
    if not meta.get("title"):
        heading = next((b for b in blocks if b.kind == "heading"), None)
        if heading is not None:
            meta["title"] = heading.text
            if blocks[0] is heading:
                blocks = blocks[1:]
    text = "\n\n".join(b.text for b in blocks)
    return [_file_document(file, text, blocks, data, meta, meta_raw, base_url)]


def _file_document(
    file: SourceFile,
    text: str,
    blocks: list[Block],
    data: bytes,
    meta: dict[str, Any],
    meta_raw: bytes,
    base_url: str,
) -> SourceDocument:
    """The document of a whole file (its bytes and sidecar make the hash, its path the URL)."""
    return _document(
        text,
        blocks,
        relative=file.relative,
        source=file.ref,
        digest=content_hash(data, meta_raw),
        meta=meta,
        url=file_url(file, base_url),
        base_url=base_url,
    )


def read_jsonl(
    file: SourceFile, sidecar: Path | None = None, *, base_url: str = ARCHIVE_BASE_URL
) -> Iterator[SourceDocument | SkippedFile]:
    """One document per line: ``text`` required; ``url``, ``title``, ``id``, ``sections`` optional.

    Read as a stream: :data:`MAX_FILE_BYTES` applies to each line, not the file. A line that
    cannot be read comes out as a :class:`SkippedFile` named ``file.jsonl:LINE``.
    """
    stem = doc_id_from_path(file.relative)
    with file.stream() as stream:
        for number, line in lines(stream, MAX_FILE_BYTES):
            where = file.ref.at_line(number)
            if number == 1 and line is not None:
                check_text(line[:4096], file.path)
                line = line.removeprefix(b"\xef\xbb\xbf")
            if line is None:
                yield SkippedFile(where, f"line is over the {MAX_FILE_BYTES:,} byte limit")
                continue
            if not line.strip():
                continue
            try:
                yield _jsonl_document(line, where, f"{stem}/{number}", base_url)
            except SourceError as exc:
                yield SkippedFile(where, str(exc).removeprefix(f"{where}: "))
            except (ValueError, UnicodeError, RecursionError) as exc:
                yield SkippedFile(where, f"cannot parse ({exc})")


def _jsonl_document(line: bytes, where: SourceRef, relative: str, base_url: str) -> SourceDocument:
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        text = decode_text(line, str(where))
    try:
        record = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceError(f"{where}: not valid JSON ({exc.msg})") from exc
    if not isinstance(record, dict) or not isinstance(record.get("text"), str):
        raise SourceError(f"{where}: each line needs a JSON object with a 'text' string")
    meta = {k: record[k] for k in ("id", "url", "title", "subtitle", "sections") if record.get(k)}
    _strings(str(where), meta)
    return _document(
        record["text"],
        text_blocks(record["text"], meta.get("sections")),
        relative=relative,
        source=where,
        digest=content_hash(line.rstrip(b"\r\n")),
        meta=meta,
        url=None,
        base_url=base_url,
    )


__all__ = ["read_jsonl", "read_markdown", "read_text", "text_blocks"]
