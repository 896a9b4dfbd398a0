"""The archive as people have it: pages inside a ``.zip`` read in place, and mirrors' URLs.

Each entry a reader knows becomes a :class:`SourceFile` named ``archive.zip!/ms/page.html``.
Refused, each with its reason as a :class:`SkippedFile` while the rest goes on: an entry whose path
escapes (``../``, absolute, a drive letter), an encrypted entry, a nested zip, an entry over
:data:`retrieval.sources.base.MAX_FILE_BYTES` or compressed more than :data:`MAX_COMPRESSION_RATIO`
(a bomb); and the whole zip when it is corrupt, has more than :data:`MAX_ZIP_ENTRIES` entries, or
would expand to more than :data:`MAX_ZIP_TOTAL_BYTES`.

A ``.jsonl`` entry is a container too: it is streamed, and the size limit applies to each line.
"""

from __future__ import annotations

import contextlib
import functools
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath
from typing import IO

from ..errors import SourceError
from ..models import SkippedFile, SourceRef
from .base import MAX_FILE_BYTES, ZIP_SUFFIX, SourceFile, file_kind, supported

# Real pages deflate 3-10x; a ratio this high is a bomb made of repeated bytes.
MAX_COMPRESSION_RATIO = 100
# Below this size a high ratio is harmless (a short file of spaces compresses very well).
RATIO_MIN_BYTES = 64 * 1024
# What a whole zip may expand to, summed over the entries that would be read.
MAX_ZIP_TOTAL_BYTES = 2 * 1024 * 1024 * 1024
MAX_ZIP_ENTRIES = 200_000

_DRIVE = re.compile(r"^[A-Za-z]:")
# Errors zipfile and zlib raise on damaged, truncated, encrypted or unsupported entries.
_READ_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    OSError,
    EOFError,
    NotImplementedError,
    RuntimeError,
    ValueError,
)


def unsafe_reason(name: str) -> str | None:
    """Why an entry name is unsafe (it could escape the archive's folder), or None if it is safe."""
    path = name.replace("\\", "/")
    if "\x00" in path:
        return "unsafe path (NUL character)"
    if path.startswith("/"):
        return "unsafe path (absolute)"
    if _DRIVE.match(path):
        return "unsafe path (drive letter)"
    if ".." in path.split("/"):
        return "unsafe path (goes up with '..')"
    return None


def _hidden(name: str) -> bool:
    """Folders' dot files and macOS resource forks (``__MACOSX/._page.html``) are not pages."""
    return any(p.startswith(".") or p == "__MACOSX" for p in PurePosixPath(name).parts)


class _Archive:
    """One zip file, kept open while its entries are listed and reopened for a late read."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.zip: zipfile.ZipFile | None = None

    @contextlib.contextmanager
    def stream(self, info: zipfile.ZipInfo, where: str) -> Iterator[IO[bytes]]:
        """The entry's bytes as a stream, without the one-page size limit (a ``.jsonl``)."""
        try:
            with zipfile.ZipFile(self.path) as archive, archive.open(info) as stream:
                yield stream
        except _READ_ERRORS as exc:
            raise SourceError(f"{where}: cannot read it from the zip ({exc})") from exc

    def read(self, info: zipfile.ZipInfo, where: str) -> bytes:
        try:
            if self.zip is not None:
                return self._read(self.zip, info)
            with zipfile.ZipFile(self.path) as archive:
                return self._read(archive, info)
        except _READ_ERRORS as exc:
            raise SourceError(f"{where}: cannot read it from the zip ({exc})") from exc

    @staticmethod
    def _read(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
        # The declared size was checked; zipfile stops there, and a lying header fails its CRC.
        with archive.open(info) as stream:
            return stream.read(MAX_FILE_BYTES + 1)


def _entry_reason(info: zipfile.ZipInfo) -> str | None:
    """Why an entry a reader knows is refused, or None (a ``.jsonl``'s limit is per line)."""
    if info.flag_bits & 0x1:
        return "encrypted entry"
    container = file_kind(PurePosixPath(info.filename).name) == "jsonl"
    if info.file_size > MAX_FILE_BYTES and not container:
        return f"entry is {info.file_size:,} bytes, over the {MAX_FILE_BYTES:,} limit"
    if info.file_size > RATIO_MIN_BYTES:
        ratio = info.file_size / max(info.compress_size, 1)
        if ratio > MAX_COMPRESSION_RATIO:
            return (
                f"compressed {ratio:,.0f}:1, over the {MAX_COMPRESSION_RATIO}:1 limit (zip bomb?)"
            )
    return None


def zip_files(path: Path) -> Iterator[SourceFile | SkippedFile]:
    """The readable entries of a zip in name order, and the refused ones with their reasons."""
    archive = _Archive(path)
    try:
        archive.zip = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
        yield SkippedFile(SourceRef(str(path)), f"not a readable zip file ({exc})")
        return
    try:
        infos = archive.zip.infolist()
        if len(infos) > MAX_ZIP_ENTRIES:
            yield SkippedFile(
                SourceRef(str(path)), f"{len(infos):,} entries, over the {MAX_ZIP_ENTRIES:,} limit"
            )
            return
        wanted: list[tuple[zipfile.ZipInfo, str]] = []
        for info in sorted(infos, key=lambda i: i.filename):
            name = info.filename.replace("\\", "/")
            where = SourceRef(str(path), name)
            reason = unsafe_reason(info.filename)  # before the dot-file rule, which `..` meets
            if info.is_dir() or (reason is None and _hidden(name)):
                continue
            if reason is None and name.lower().endswith(ZIP_SUFFIX):
                reason = "nested zip archive (not opened)"
            if reason is None and not supported(PurePosixPath(name).name):
                continue  # not a page, as in a folder
            reason = reason or _entry_reason(info)
            if reason:
                yield SkippedFile(where, reason)
                continue
            wanted.append((info, name))
        total = sum(info.file_size for info, _ in wanted)
        if total > MAX_ZIP_TOTAL_BYTES:
            yield SkippedFile(
                SourceRef(str(path)),
                f"expands to {total:,} bytes, over the {MAX_ZIP_TOTAL_BYTES:,} limit (zip bomb?)",
            )
            return
        for info, name in wanted:
            where = SourceRef(str(path), name)
            opener = functools.partial(archive.stream, info, str(where))
            yield SourceFile(where, name, _reader(archive, info, str(where)), open=opener)
    finally:
        archive.zip.close()
        archive.zip = None


def _reader(archive: _Archive, info: zipfile.ZipInfo, where: str) -> Callable[[], bytes]:
    def read() -> bytes:
        data = archive.read(info, where)
        if len(data) > MAX_FILE_BYTES:
            raise SourceError(f"{where}: entry is over the {MAX_FILE_BYTES:,} byte limit")
        return data

    return read


__all__ = [
    "MAX_COMPRESSION_RATIO",
    "MAX_ZIP_ENTRIES",
    "MAX_ZIP_TOTAL_BYTES",
    "RATIO_MIN_BYTES",
    "unsafe_reason",
    "zip_files",
]
