"""Read archive files into :class:`SourceDocument` records: text, Markdown, JSONL, HTML, folders, zips.

The registry of readers: a file is read by what it holds. A page (``.html``, ``.php``, ``.txt``, a
mirrored query-string name such as ``mn.php?issue=049``) is HTML when its bytes are markup and plain
text otherwise. A reader gets the file's bytes and returns documents or raises :class:`SourceError`
with the reason; the caller reports that file as skipped and goes on with the rest. A ``.jsonl`` is
read as a stream, a line at a time: a bad line is reported as skipped (``file.jsonl:7``) and the
rest read.

A page found in a mirror (a host folder such as ``www.prisoncensorship.info/`` or the archive's
``archive/etext/`` in its absolute path) gets the URL it has on the site, whether the whole mirror,
a sub-folder or the one file was given; :mod:`retrieval.sources.urls` has the rules.

The modules below: :mod:`.base` (the leaf: :class:`SourceFile`, suffixes, hashes, sidecar metadata),
:mod:`.urls` (URLs and ids), :mod:`.plain` (text, Markdown, JSONL), :mod:`.html` (pages),
:mod:`.zipfiles` (entries of zip files), :mod:`.encoding` (bytes -> text), :mod:`.titles`.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import IO

from ..errors import SourceError
from ..models import SkippedFile, SourceDocument, SourceRef
from .base import (
    HTML_SUFFIXES,
    MAX_FILE_BYTES,
    TEXT_SUFFIXES,
    ZIP_SUFFIX,
    SourceFile,
    file_kind,
    looks_like_html,
    sidecar_path,
    supported,
)
from .html import read_html
from .plain import read_jsonl, read_markdown, read_text
from .urls import ARCHIVE_BASE_URL
from .zipfiles import zip_files

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")


def disk_files(paths: Iterable[str | Path]) -> Iterator[tuple[Path, str] | SkippedFile]:
    """The files under ``paths`` as they lie on disk (a zip is one file), in a stable order,
    each with its name relative to the folder given. A path that is missing or of a type no
    reader knows is reported as skipped."""
    for given in paths:
        path = Path(given)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                rel = child.relative_to(path).as_posix()
                if any(part.startswith(".") for part in PurePosixPath(rel).parts):
                    continue
                if not (child.name.lower().endswith(ZIP_SUFFIX) or supported(child.name)):
                    continue
                if child.is_file():
                    yield child, rel
                elif not child.is_dir():
                    yield SkippedFile(SourceRef(str(child)), _not_a_file(child))
        elif path.is_file():
            if path.name.lower().endswith(ZIP_SUFFIX) or supported(path.name):
                yield path, path.name
            else:
                known = ", ".join((*TEXT_SUFFIXES, *HTML_SUFFIXES, ZIP_SUFFIX))
                yield SkippedFile(SourceRef(str(path)), f"unsupported file type (expected {known})")
        else:
            yield SkippedFile(SourceRef(str(path)), "no such file or folder")


def _not_a_file(path: Path) -> str:
    """Why a name a reader knows in a folder is not read: a link that leads nowhere, or no
    regular file (a pipe waits for a writer that never comes)."""
    if path.is_symlink():
        return "a link to nothing (its target is missing, or it leads back to itself)"
    return "not a regular file (a pipe, socket or device)"


def files_in(path: Path, relative: str) -> Iterator[SourceFile | SkippedFile]:
    """What one file on disk holds to read: itself, or a zip's entries (refused ones as skipped)."""
    if path.name.lower().endswith(ZIP_SUFFIX):
        yield from _zip_or_page(path, relative)
    else:
        yield _file(path, relative)


def source_files(paths: Iterable[str | Path]) -> Iterator[SourceFile | SkippedFile]:
    """The files under ``paths`` (folders recursively, zips entry by entry) in a stable order.

    A path that is missing, and a zip or zip entry that is refused, is reported as skipped.
    """
    for item in disk_files(paths):
        if isinstance(item, SkippedFile):
            yield item
        else:
            yield from files_in(*item)


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
    def stream() -> Iterator[IO[bytes]]:
        try:
            handle = path.open("rb")
        except OSError as exc:
            raise SourceError(f"{path}: cannot read ({exc.strerror or exc})") from exc
        with handle:
            try:
                yield handle
            except OSError as exc:
                raise SourceError(f"{path}: cannot read ({exc.strerror or exc})") from exc

    return SourceFile(SourceRef(str(path)), relative, read, os.path.abspath(path), stream)


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


def read_disk_file(
    path: Path, relative: str, base_url: str = ARCHIVE_BASE_URL
) -> Iterator[SourceDocument | SkippedFile]:
    """The documents of one file on disk (a zip's entries' documents); unreadable files, zip
    entries and ``.jsonl`` lines as :class:`SkippedFile`."""
    for item in files_in(path, relative):
        if isinstance(item, SkippedFile):
            yield item
            continue
        try:
            yield from read_source(item, base_url)
        except SourceError as exc:
            yield SkippedFile(item.ref, str(exc).removeprefix(f"{item.path}: "))


def read_all(
    paths: Iterable[str | Path], base_url: str = ARCHIVE_BASE_URL
) -> Iterator[SourceDocument | SkippedFile]:
    """Every document under ``paths``; unreadable files (and ``.jsonl`` lines) as :class:`SkippedFile`."""
    for item in disk_files(paths):
        if isinstance(item, SkippedFile):
            yield item
        else:
            yield from read_disk_file(*item, base_url)


__all__ = [
    "disk_files",
    "files_in",
    "read_all",
    "read_disk_file",
    "read_source",
    "source_files",
]
