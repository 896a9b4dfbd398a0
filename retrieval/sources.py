"""Read archive files into :class:`SourceDocument` records: text, Markdown, JSONL, HTML, folders, zips.

A file is read by what it holds: a page (``.html``, ``.php``, ``.txt``, a mirrored query-string
name such as ``mn.php?issue=049``) is HTML when its bytes are markup and plain text otherwise.
A reader gets the file's bytes and returns documents or raises :class:`SourceError` with the
reason; the caller reports that file as skipped and goes on with the rest. A ``.jsonl`` is read as
a stream, a line at a time: a bad line is reported as skipped (``file.jsonl:7``) and the rest read.

A page found in a mirror (a host folder such as ``www.prisoncensorship.info/`` or the archive's
``archive/etext/`` in its absolute path) gets the URL it has on the site, whether the whole mirror,
a sub-folder or the one file was given; :mod:`retrieval.urls` has the rules.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path, PurePosixPath

from .archives import zip_files
from .encoding import check_text, decode_text
from .errors import SourceError
from .html import read_html
from .layout import NOTES_HEADING
from .markdown import front_matter, markdown_blocks
from .models import Block, SkippedFile, SourceDocument
from .source_base import (
    HTML_SUFFIXES,
    MAX_FILE_BYTES,
    TEXT_SUFFIXES,
    ZIP_SUFFIX,
    SourceFile,
    content_hash,
    file_kind,
    file_url,
    lines,
    looks_like_html,
    read_meta,
    sidecar_path,
    supported,
)
from .titles import fallback_title, guess_title, text_lines
from .urls import ARCHIVE_BASE_URL, canonical_url, doc_id_from_path, doc_id_from_url

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")


def decode(data: bytes, name: str) -> str:
    """Decode a text file (see :func:`retrieval.encoding.decode_text`); refuse binary files."""
    return decode_text(data, name)


# --- plain text ------------------------------------------------------------------------------

_HEADING_END = re.compile(r"[.!?,;:\"”’)\]]$")
# A dash bullet needs a space after it: "--trite." at the start of a wrapped line is prose.
_LIST_LINE = re.compile(r"^\s*(?:[*•]\s*|[\-–]\s|\d{1,3}[.)]|\(\d{1,3}\)|\[\d{1,3}\])\s*")


_SENTENCE_BREAK = re.compile(r"[a-z]{2}[.!?][\"”’)]?\s+\S")


def _looks_like_heading(line: str) -> bool:
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
        if len(lead) > 1 and _looks_like_heading(lead[0]):
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
        else:
            raw_blocks.append("\n".join(lines))
    blocks: list[Block] = []
    for raw in raw_blocks:
        single_line = "\n" not in raw
        if known is not None:
            is_heading = single_line and raw.strip().rstrip(":").casefold() in known
        else:
            is_heading = single_line and _looks_like_heading(raw) and not NOTES_HEADING.match(raw)
        blocks.append(Block("heading" if is_heading else "paragraph", raw))
    return blocks


def _strings(source: str, meta: dict) -> None:
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
    source: str,
    digest: str,
    meta: dict,
    url: str | None,
    base_url: str,
) -> SourceDocument:
    """A text or Markdown document: id and URL from the metadata, the mirror or the path."""
    _strings(source, meta)
    url = canonical_url(meta["url"], base_url) if meta.get("url") else url
    doc_id = meta.get("id") or (
        doc_id_from_url(url, base_url) if url else doc_id_from_path(relative)
    )
    title, subtitle = meta.get("title"), meta.get("subtitle")
    if not title:
        title, kicker = guess_title(text_lines(text), url)
        paragraphs = (b.text for b in blocks if b.kind == "paragraph")
        title = title or fallback_title(paragraphs) or doc_id
        subtitle = subtitle or kicker
    return SourceDocument(
        doc_id=doc_id,
        title=" ".join(title.split()),
        url=url,
        source=source,
        content_hash=digest,
        blocks=tuple(blocks),
        subtitle=subtitle,
    )


def read_text(
    file: SourceFile, sidecar: Path | None = None, *, base_url: str = ARCHIVE_BASE_URL
) -> list[SourceDocument]:
    """A plain-text page, with an optional ``NAME.meta.json`` sidecar (``sections``, ``title``...)."""
    data = file.read()
    meta, meta_raw = read_meta(sidecar)
    text = decode(data, file.path)
    sections = meta.get("sections") if isinstance(meta.get("sections"), list) else None
    doc = _document(
        text,
        text_blocks(text, sections),
        relative=file.relative,
        source=file.path,
        digest=content_hash(data, meta_raw),
        meta=meta,
        url=file_url(file, base_url),
        base_url=base_url,
    )
    return [doc]


def read_markdown(
    file: SourceFile, sidecar: Path | None = None, *, base_url: str = ARCHIVE_BASE_URL
) -> list[SourceDocument]:
    """A Markdown file: the title from the sidecar, the front matter or the first heading."""
    data = file.read()
    sidecar_meta, meta_raw = read_meta(sidecar)
    front, body = front_matter(decode(data, file.path))
    meta = {**front, **sidecar_meta}
    blocks = markdown_blocks(body)
    if not meta.get("title"):
        heading = next((b for b in blocks if b.kind == "heading"), None)
        if heading is not None:
            meta["title"] = heading.text
            if blocks[0] is heading:
                blocks = blocks[1:]
    doc = _document(
        "\n\n".join(b.text for b in blocks),
        blocks,
        relative=file.relative,
        source=file.path,
        digest=content_hash(data, meta_raw),
        meta=meta,
        url=file_url(file, base_url),
        base_url=base_url,
    )
    return [doc]


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
            where = f"{file.path}:{number}"
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


def _jsonl_document(line: bytes, where: str, relative: str, base_url: str) -> SourceDocument:
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        text = decode(line, where)
    try:
        record = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceError(f"{where}: not valid JSON ({exc.msg})") from exc
    if not isinstance(record, dict) or not isinstance(record.get("text"), str):
        raise SourceError(f"{where}: each line needs a JSON object with a 'text' string")
    meta = {k: record[k] for k in ("id", "url", "title", "subtitle", "sections") if record.get(k)}
    _strings(where, meta)
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


# --- finding and dispatching files ---------------------------------------------------------


def source_files(paths: Iterable[str | Path]) -> Iterator[SourceFile | SkippedFile]:
    """The files under ``paths`` (folders recursively, zips entry by entry) in a stable order.

    A path that is missing, and a zip or zip entry that is refused, is reported as skipped.
    """
    for given in paths:
        path = Path(given)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                rel = child.relative_to(path).as_posix()
                if any(part.startswith(".") for part in PurePosixPath(rel).parts):
                    continue
                if child.is_file() and child.name.lower().endswith(ZIP_SUFFIX):
                    yield from _zip_or_page(child, rel)
                elif child.is_file() and supported(child.name):
                    yield _file(child, rel)
        elif path.is_file():
            if path.name.lower().endswith(ZIP_SUFFIX):
                yield from _zip_or_page(path, path.name)
            elif supported(path.name):
                yield _file(path, path.name)
            else:
                known = ", ".join((*TEXT_SUFFIXES, *HTML_SUFFIXES, ZIP_SUFFIX))
                yield SkippedFile(str(path), f"unsupported file type (expected {known})")
        else:
            yield SkippedFile(str(path), "no such file or folder")


def _zip_or_page(path: Path, relative: str) -> Iterator[SourceFile | SkippedFile]:
    """A zip's entries; a mirror's page saved under a ``.zip`` name but holding HTML is a page."""
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError:
        head = b""
    if head and not head.startswith(_ZIP_MAGIC) and looks_like_html(head, path.name):
        yield _file(path, relative)
    else:
        yield from zip_files(path)


def _file(path: Path, relative: str) -> SourceFile:
    def read() -> bytes:
        try:
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:
                raise SourceError(
                    f"{path}: file is {size:,} bytes, over the {MAX_FILE_BYTES:,} limit"
                )
            return path.read_bytes()
        except OSError as exc:
            raise SourceError(f"{path}: cannot read ({exc.strerror or exc})") from exc

    @contextlib.contextmanager
    def stream() -> Iterator:
        try:
            handle = path.open("rb")
        except OSError as exc:
            raise SourceError(f"{path}: cannot read ({exc.strerror or exc})") from exc
        with handle:
            try:
                yield handle
            except OSError as exc:
                raise SourceError(f"{path}: cannot read ({exc.strerror or exc})") from exc

    return SourceFile(str(path), relative, read, os.path.abspath(path), stream)


def read_source(
    file: SourceFile, base_url: str = ARCHIVE_BASE_URL
) -> Iterator[SourceDocument | SkippedFile]:
    """The documents of one file, by its kind and content (raises :class:`SourceError`).

    ``base_url`` is where the archive was published: a mirrored page's URL is ``base_url`` plus
    its path below the mirror's root, and document ids are URL paths below it. A ``.jsonl`` line
    that cannot be read comes out as a :class:`SkippedFile`, and the file goes on.
    """
    name = PurePosixPath(file.relative.replace("\\", "/")).name
    kind = "page" if name.lower().endswith(ZIP_SUFFIX) else file_kind(name)
    if kind is None:
        raise SourceError(f"{file.path}: unsupported file type")
    sidecar = sidecar_path(Path(file.path))
    found = sidecar if sidecar.is_file() else None
    try:
        if kind == "jsonl":
            yield from read_jsonl(file, found, base_url=base_url)
        elif kind == "markdown":
            yield from read_markdown(file, found, base_url=base_url)
        else:
            data = file.read()
            page = replace(file, read=lambda: data)
            reader = read_html if looks_like_html(data, name) else read_text
            yield from reader(page, found, base_url=base_url)
    except SourceError:
        raise
    except (ValueError, UnicodeError, RecursionError) as exc:
        raise SourceError(f"{file.path}: cannot parse ({exc})") from exc


def read_all(
    paths: Iterable[str | Path], base_url: str = ARCHIVE_BASE_URL
) -> Iterator[SourceDocument | SkippedFile]:
    """Every document under ``paths``; unreadable files (and ``.jsonl`` lines) as :class:`SkippedFile`."""
    for item in source_files(paths):
        if isinstance(item, SkippedFile):
            yield item
            continue
        try:
            yield from read_source(item, base_url)
        except SourceError as exc:
            yield SkippedFile(item.path, str(exc).removeprefix(f"{item.path}: "))


__all__ = [
    "ARCHIVE_BASE_URL",
    "MAX_FILE_BYTES",
    "SourceFile",
    "content_hash",
    "decode",
    "doc_id_from_path",
    "doc_id_from_url",
    "file_url",
    "read_all",
    "read_jsonl",
    "read_markdown",
    "read_source",
    "read_text",
    "source_files",
    "supported",
    "text_blocks",
]
