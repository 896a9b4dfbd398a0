"""What every reader shares: the file to read, its kind (by name and by content), metadata sidecars.

A leaf module: the readers (:mod:`retrieval.sources.plain`, :mod:`retrieval.sources.html`) and the zip walker
(:mod:`retrieval.sources.zipfiles`) import it, and it imports none of them.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any, Literal

from ..errors import SourceError
from ..models import SourceRef
from .urls import ARCHIVE_BASE_URL, mirror_url, split_mirror_name

HTML_SUFFIXES = (".html", ".htm", ".shtml", ".xhtml", ".php")
TEXT_SUFFIXES = (".txt", ".md", ".markdown", ".jsonl")
MARKDOWN_SUFFIXES = (".md", ".markdown")
ZIP_SUFFIX = ".zip"
# The most one page (a file, a zip entry, a line of a .jsonl) may hold.
MAX_FILE_BYTES = 20 * 1024 * 1024
META_SUFFIX = ".meta.json"
# How far into a file HTML markup is looked for.
SNIFF_BYTES = 8192

# Markup that only HTML has; a text page that merely mentions "<" does not start with these.
_MARKUP = re.compile(
    rb"<(?:!doctype\s+html|html|head|body|title|meta|!--|p|br|div|table|center|font|h[1-6]"
    rb"|pre|b|i|a|ul|ol|li|hr|img|span|blockquote)(?=[\s>/])",
    re.IGNORECASE,
)
_DOCUMENT_MARKUP = re.compile(rb"<(?:!doctype\s+html|html|head|body)(?=[\s>])", re.IGNORECASE)
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


@dataclass(frozen=True)
class SourceFile:
    """A file to read: where it is, its name relative to the ingested root, how to get its bytes.

    ``location`` is the file's absolute path on disk (None inside a zip), where a mirror's root is
    looked for; ``open`` streams the bytes without the one-page size limit (for a ``.jsonl``).
    """

    ref: SourceRef
    relative: str
    read: Callable[[], bytes]
    location: str | None = None
    open: Callable[[], contextlib.AbstractContextManager[IO[bytes]]] | None = None

    @property
    def path(self) -> str:
        """Where the file is, as messages name it (``x.zip!/entry`` inside a zip)."""
        return str(self.ref)

    def stream(self) -> contextlib.AbstractContextManager[IO[bytes]]:
        """The bytes as a stream: :attr:`open` when there is one, else :attr:`read` in memory."""
        if self.open is not None:
            return self.open()
        return contextlib.closing(io.BytesIO(self.read()))


def content_hash(*parts: bytes) -> str:
    """A short stable hash of a file's bytes (and its metadata sidecar)."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()[:20]


# How a file is read: Markdown, one document per JSONL line, or a page (HTML or plain text).
FileKind = Literal["markdown", "jsonl", "page"]


def file_kind(name: str) -> FileKind | None:
    """How a file is read, from its name: ``"markdown"``, ``"jsonl"``, ``"page"`` or None.

    A page (``.html``, ``.php``, ``.txt``, a query-string name such as ``mn.php?issue=049``) is
    HTML or plain text by its content (:func:`looks_like_html`). Sidecars are not files of their own.
    """
    if name.lower().endswith(META_SUFFIX):
        return None
    page, query = split_mirror_name(name)
    suffix = PurePosixPath(page.lower()).suffix
    if query is None and suffix in MARKDOWN_SUFFIXES:
        return "markdown"
    if query is None and suffix == ".jsonl":
        return "jsonl"
    if suffix in HTML_SUFFIXES or suffix == ".txt":
        return "page"
    return None


def supported(name: str) -> bool:
    """Whether a file name is one the readers know (sidecars are read with their file)."""
    return file_kind(name) is not None


def looks_like_html(data: bytes, name: str) -> bool:
    """Whether a page's bytes are HTML: they open with markup, or (for an HTML-suffixed or
    query-string name) hold markup in their first bytes. A ``.txt`` of HTML is HTML."""
    head = data[:SNIFF_BYTES]
    for bom in _BOMS:
        head = head.removeprefix(bom)
    if head[:2] in (b"<\x00", b"\x00<"):
        head = head.decode("utf-16", "replace").encode("ascii", "replace")
    stripped = head.lstrip()
    if _MARKUP.match(stripped) or _DOCUMENT_MARKUP.search(head[:1024]):
        return True
    page, query = split_mirror_name(PurePosixPath(name.replace("\\", "/")).name)
    htmlish = query is not None or PurePosixPath(page.lower()).suffix in HTML_SUFFIXES
    return htmlish and bool(_MARKUP.search(head))


def sidecar_path(path: Path) -> Path:
    """``page.html`` -> ``page.meta.json``; a query-string name keeps its query: ``mn.php?issue=1.meta.json``."""
    page, query = split_mirror_name(path.name)
    if query is not None:
        return path.with_name(path.name + META_SUFFIX)
    suffix = PurePosixPath(page).suffix
    return path.with_name((page[: -len(suffix)] if suffix else page) + META_SUFFIX)


def read_meta(sidecar: Path | None) -> tuple[dict[str, Any], bytes]:
    """A metadata sidecar's JSON object and its bytes (empty when there is none)."""
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


def file_url(file: SourceFile, base_url: str = ARCHIVE_BASE_URL) -> str | None:
    """The site URL of a mirrored file, or None when no mirror root is in its path.

    The absolute path on disk is looked at first (so a sub-folder or one file of a mirror gets
    its full URL), then the path inside its zip or below the ingested folder.
    """
    if file.location:
        found = mirror_url(list(Path(file.location).parts), base_url)
        if found is None:
            resolved = Path(file.location).resolve()
            found = mirror_url(list(resolved.parts), base_url)
        if found is not None:
            return found
    return mirror_url(file.relative.replace("\\", "/").split("/"), base_url)


def lines(stream: IO[bytes], limit: int = MAX_FILE_BYTES) -> Iterator[tuple[int, bytes | None]]:
    """``(number, line)`` for each line of a stream; a line over ``limit`` bytes is ``None``
    (it is read past, never held whole in memory)."""
    number = 0
    while True:
        line = stream.readline(limit + 1)
        if not line:
            return
        number += 1
        if len(line) > limit and not line.endswith(b"\n"):
            while (rest := stream.readline(1 << 20)) and not rest.endswith(b"\n"):
                pass
            yield number, None
            continue
        yield number, line


__all__ = [
    "HTML_SUFFIXES",
    "MAX_FILE_BYTES",
    "META_SUFFIX",
    "SNIFF_BYTES",
    "TEXT_SUFFIXES",
    "ZIP_SUFFIX",
    "SourceFile",
    "content_hash",
    "file_kind",
    "file_url",
    "lines",
    "looks_like_html",
    "read_meta",
    "sidecar_path",
    "supported",
]
