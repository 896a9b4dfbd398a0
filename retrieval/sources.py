"""Read archive files into :class:`SourceDocument` records: text, Markdown, JSONL, HTML, folders, zips.

A reader gets the file's bytes and returns documents or raises :class:`SourceError` with the reason;
the caller reports that file as skipped and goes on with the rest.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from .encoding import decode_text
from .errors import SourceError
from .layout import NOTE_ITEM, NOTES_HEADING, is_site_boilerplate
from .models import Block, SkippedFile, SourceDocument

ARCHIVE_BASE_URL = "https://www.prisoncensorship.info/archive/etext/"
HTML_SUFFIXES = (".html", ".htm", ".shtml", ".xhtml", ".php")
TEXT_SUFFIXES = (".txt", ".md", ".markdown", ".jsonl")
ZIP_SUFFIX = ".zip"
MAX_FILE_BYTES = 20 * 1024 * 1024
META_SUFFIX = ".meta.json"


@dataclass(frozen=True)
class SourceFile:
    """A file to read: where it is, its name relative to the ingested root, and how to get its bytes."""

    path: str
    relative: str
    read: Callable[[], bytes]


def content_hash(*parts: bytes) -> str:
    """A short stable hash of a file's bytes (and its metadata sidecar)."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()[:20]


def doc_id_from_url(url: str, base: str = ARCHIVE_BASE_URL) -> str:
    """``.../archive/etext/ms/migrantsincommunisthistory.html`` -> ``ms/migrantsincommunisthistory``."""
    parts = urlsplit(url)
    path = unquote(parts.path)
    base_path = urlsplit(base).path
    if base_path and path.startswith(base_path):
        path = path[len(base_path) :]
    doc_id = doc_id_from_path(path)
    # Many archive pages live behind a query string (mn.php?issue=049): each is its own page.
    query = unquote(parts.query).strip()
    return f"{doc_id}?{query}" if query else doc_id


def doc_id_from_path(relative: str) -> str:
    """A stable short id from a relative file path: no extension, forward slashes, no leading dots."""
    pure = PurePosixPath(relative.replace("\\", "/").strip("/"))
    parts = [p for p in pure.parts if p not in ("", ".", "..")]
    if not parts:
        raise SourceError(f"{relative}: cannot make a document id from this path")
    last = parts[-1]
    for suffix in (*HTML_SUFFIXES, *TEXT_SUFFIXES):
        if last.lower().endswith(suffix):
            last = last[: -len(suffix)]
            break
    parts[-1] = last
    if last.lower() == "index" and len(parts) > 1:
        parts.pop()
    return "/".join(parts)


def decode(data: bytes, name: str) -> str:
    """Decode a text file (see :func:`retrieval.encoding.decode_text`); refuse binary files."""
    return decode_text(data, name)


# --- plain text ------------------------------------------------------------------------------

_HEADING_END = re.compile(r"[.!?,;:\"”’)\]]$")
_LIST_LINE = re.compile(r"^\s*(?:[*•\-–]|\d{1,3}[.)]|\(\d{1,3}\)|\[\d{1,3}\])\s*")


def _looks_like_heading(line: str) -> bool:
    words = line.split()
    return (
        0 < len(words) <= 12
        and len(line) <= 90
        and line[0].isupper()
        and not _HEADING_END.search(line)
        and not _LIST_LINE.match(line)
    )


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
        # One paragraph per line when lines are list items, notes or unwrapped paragraphs.
        unwrapped = sum(len(ln) for ln in lines) / len(lines) > 120
        if len(lines) > 1 and (unwrapped or any(_LIST_LINE.match(ln) for ln in lines)):
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


def _guess_title(blocks: list[Block], fallback: str) -> tuple[str, str | None]:
    """Title (and subtitle) of an archive text page: the first short line after the boilerplate."""
    candidates = [b for b in blocks if not is_site_boilerplate(b.text)][:3]
    for i, block in enumerate(candidates):
        line = block.text
        if "\n" in line or len(line) > 160 or _LIST_LINE.match(line):
            break
        if line.endswith(":") and i + 1 < len(candidates):
            nxt = candidates[i + 1].text
            if "\n" not in nxt and len(nxt) <= 160 and not nxt.endswith((".", ":")):
                return nxt, line.rstrip(":").strip()
            continue
        if not line.endswith("."):
            return line, None
    return fallback, None


def _read_meta(file: SourceFile, sidecar: Path | None) -> tuple[dict, bytes]:
    if sidecar is None or not sidecar.is_file():
        return {}, b""
    raw = sidecar.read_bytes()
    try:
        meta = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SourceError(f"{sidecar}: metadata is not valid JSON ({exc})") from exc
    if not isinstance(meta, dict):
        raise SourceError(f"{sidecar}: metadata must be a JSON object")
    return meta, raw


def _document(
    text: str,
    *,
    relative: str,
    source: str,
    digest: str,
    meta: dict,
    markdown: bool = False,
    base_url: str = ARCHIVE_BASE_URL,
) -> SourceDocument:
    sections = meta.get("sections")
    if sections is not None and not (
        isinstance(sections, list) and all(isinstance(s, str) for s in sections)
    ):
        raise SourceError(f"{source}: 'sections' must be a list of strings")
    blocks = markdown_blocks(text) if markdown else text_blocks(text, sections)
    url = meta.get("url") or None
    doc_id = meta.get("id") or (
        doc_id_from_url(url, base_url) if url else doc_id_from_path(relative)
    )
    title = meta.get("title")
    subtitle = meta.get("subtitle")
    if not title:
        heading = next((b.text for b in blocks if b.kind == "heading"), None) if markdown else None
        title, guessed_subtitle = (heading, None) if heading else _guess_title(blocks, doc_id)
        subtitle = subtitle or guessed_subtitle
    for field_name, value in (("id", doc_id), ("title", title), ("url", url)):
        if value is not None and not isinstance(value, str):
            raise SourceError(f"{source}: '{field_name}' must be a string")
    return SourceDocument(
        doc_id=doc_id,
        title=" ".join(str(title).split()),
        url=url,
        source=source,
        content_hash=digest,
        blocks=tuple(blocks),
        subtitle=subtitle,
    )


def markdown_blocks(text: str) -> list[Block]:
    """Blocks of a Markdown file: ``#`` lines are headings, blank lines separate paragraphs."""
    blocks: list[Block] = []
    for block in text_blocks(text, sections=()):
        if block.text.startswith("#") and "\n" not in block.text:
            heading = block.text.lstrip("#").strip()
            if heading:
                blocks.append(Block("heading", heading))
            continue
        blocks.append(block)
    return blocks


def read_text(
    file: SourceFile, sidecar: Path | None = None, *, base_url: str = ARCHIVE_BASE_URL
) -> list[SourceDocument]:
    """A ``.txt`` page (archive layout), with an optional ``NAME.meta.json`` sidecar."""
    data = file.read()
    meta, meta_raw = _read_meta(file, sidecar)
    text = decode(data, file.path)
    doc = _document(
        text,
        relative=file.relative,
        source=file.path,
        digest=content_hash(data, meta_raw),
        meta=meta,
        base_url=base_url,
    )
    return [doc]


def read_markdown(
    file: SourceFile, sidecar: Path | None = None, *, base_url: str = ARCHIVE_BASE_URL
) -> list[SourceDocument]:
    """A ``.md`` file: the first heading is the title unless the sidecar gives one."""
    data = file.read()
    meta, meta_raw = _read_meta(file, sidecar)
    text = decode(data, file.path)
    doc = _document(
        text,
        relative=file.relative,
        source=file.path,
        digest=content_hash(data, meta_raw),
        meta=meta,
        base_url=base_url,
        markdown=True,
    )
    if doc.blocks and doc.blocks[0].kind == "heading" and doc.blocks[0].text == doc.title:
        doc = SourceDocument(**{**doc.__dict__, "blocks": doc.blocks[1:]})
    return [doc]


def read_jsonl(
    file: SourceFile, sidecar: Path | None = None, *, base_url: str = ARCHIVE_BASE_URL
) -> list[SourceDocument]:
    """One document per line: ``text`` required; ``url``, ``title``, ``id``, ``sections`` optional."""
    data = file.read()
    text = decode(data, file.path)
    docs: list[SourceDocument] = []
    stem = doc_id_from_path(file.relative)
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{file.path}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise SourceError(f"{where}: not valid JSON ({exc.msg})") from exc
        if not isinstance(record, dict) or not isinstance(record.get("text"), str):
            raise SourceError(f"{where}: each line needs a JSON object with a 'text' string")
        meta = {
            k: record[k] for k in ("id", "url", "title", "subtitle", "sections") if record.get(k)
        }
        docs.append(
            _document(
                record["text"],
                relative=f"{stem}/{number}",
                source=where,
                digest=content_hash(line.encode("utf-8")),
                meta=meta,
                base_url=base_url,
            )
        )
    return docs


def read_html(
    file: SourceFile, sidecar: Path | None = None, *, base_url: str = ARCHIVE_BASE_URL
) -> list[SourceDocument]:
    """An HTML page: see :func:`retrieval.html.read_html`."""
    from .html import read_html as read_page  # html.py imports this module

    return read_page(file, sidecar, base_url=base_url)


READERS: dict[str, Callable[..., list[SourceDocument]]] = {
    ".txt": read_text,
    ".md": read_markdown,
    ".markdown": read_markdown,
    ".jsonl": read_jsonl,
    **dict.fromkeys(HTML_SUFFIXES, read_html),
}


def supported(name: str) -> bool:
    """Whether a file name has an extension the readers know (sidecars are read with their file)."""
    lower = name.lower()
    return not lower.endswith(META_SUFFIX) and PurePosixPath(lower).suffix in READERS


def source_files(paths: Iterable[str | Path]) -> Iterator[SourceFile | SkippedFile]:
    """The files under ``paths`` (folders recursively, zips entry by entry) in a stable order.

    A path that is missing, and a zip or zip entry that is refused, is reported as skipped.
    """
    from .archives import zip_files  # archives.py imports this module

    for given in paths:
        path = Path(given)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                rel = child.relative_to(path).as_posix()
                if any(part.startswith(".") for part in PurePosixPath(rel).parts):
                    continue
                if child.is_file() and child.name.lower().endswith(ZIP_SUFFIX):
                    yield from zip_files(child)
                elif child.is_file() and supported(child.name):
                    yield _file(child, rel)
        elif path.is_file():
            if path.name.lower().endswith(ZIP_SUFFIX):
                yield from zip_files(path)
            elif supported(path.name):
                yield _file(path, path.name)
            else:
                known = ", ".join((*TEXT_SUFFIXES, *HTML_SUFFIXES, ZIP_SUFFIX))
                yield SkippedFile(str(path), f"unsupported file type (expected {known})")
        else:
            yield SkippedFile(str(path), "no such file or folder")


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

    return SourceFile(str(path), relative, read)


def read_source(file: SourceFile, base_url: str = ARCHIVE_BASE_URL) -> list[SourceDocument]:
    """Read one file with the reader for its extension (raises :class:`SourceError`).

    ``base_url`` is where the archive was published: a mirrored page's URL is ``base_url`` plus
    its path, and document ids are URL paths below it.
    """
    suffix = PurePosixPath(file.relative.lower()).suffix
    reader = READERS.get(suffix)
    if reader is None:
        raise SourceError(f"{file.path}: unsupported file type")
    path = Path(file.path)
    sidecar = path.with_name(path.name[: -len(suffix)] + META_SUFFIX)
    try:
        return reader(file, sidecar if sidecar.exists() else None, base_url=base_url)
    except SourceError:
        raise
    except (ValueError, UnicodeError, RecursionError) as exc:
        raise SourceError(f"{file.path}: cannot parse ({exc})") from exc


def read_all(
    paths: Iterable[str | Path], base_url: str = ARCHIVE_BASE_URL
) -> Iterator[SourceDocument | SkippedFile]:
    """Every document under ``paths``; unreadable files come out as :class:`SkippedFile`."""
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
    "SourceFile",
    "content_hash",
    "decode",
    "doc_id_from_path",
    "doc_id_from_url",
    "read_all",
    "read_source",
    "source_files",
    "supported",
    "text_blocks",
]

_ = NOTE_ITEM  # re-exported for readers that recognise note lines
