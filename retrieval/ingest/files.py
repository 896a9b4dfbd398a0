"""Files read before: whether one is unchanged since, so that what it gave stands in for it.

An ingest records each file it reads (:class:`~retrieval.models.FileRecord`): its size and
modification time and its metadata sidecar's, a hash of its bytes, the version of the code that
read it and the documents it gave, without their text. A later ingest reads a file again only
when it may have changed: its size or modification time differ and so do its bytes (a file
touched or copied anew with the same bytes is not read again), the reading code changed, it is
read with another base URL, or a document it gave is no longer stored as it was. A file read
again because the reading code changed has its documents stored again, as the new code makes
them, even where its bytes are the same: a fixed parser reaches the pages already stored. Reading
a 10,000-page mirror takes ~30 s; checking it ~1.5 s (``benchmarks/bench_ingest.py``).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from ..models import FileRecord, StoredDocument
from ..sources.base import sidecar_path

_CHUNK = 1 << 20
_NO_SIDECAR = (-1, -1)
# A file written this recently may be written again within the file system's time granularity
# with its size and time unchanged (what git calls racy): its record has the next ingest hash it.
RACY_NS = 2_000_000_000
# The code whose output a record holds: a change to any of these makes every record stale.
_READING_CODE = (
    "sources/*.py",
    "boilerplate.py",
    "layout.py",
    "ingest/provenance.py",
    "models.py",
)


def file_state(path: Path) -> tuple[int, int, int, int] | None:
    """Size and modification time (ns) of a file and of its metadata sidecar (-1 when none);
    ``None`` when the file cannot be looked at (reading it will say why)."""
    try:
        stat = path.stat()
    except OSError:
        return None
    try:
        side = sidecar_path(path).stat()
        sidecar = (side.st_size, side.st_mtime_ns)
    except OSError:
        sidecar = _NO_SIDECAR
    return (stat.st_size, stat.st_mtime_ns, *sidecar)


def settled(state: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    """The state to record: with the times unknown (-1) when the file or its sidecar was
    written too recently for its time to tell a later change."""
    now = time.time_ns()
    size, mtime, sidecar_size, sidecar_mtime = state
    if now - mtime < RACY_NS or (sidecar_mtime >= 0 and now - sidecar_mtime < RACY_NS):
        return (size, -1, sidecar_size, -1)
    return state


def file_digest(path: Path) -> str | None:
    """A hash of a file's bytes and its metadata sidecar's (read in chunks); ``None`` when the
    file cannot be read."""
    digest = hashlib.sha256()
    for part in (path, sidecar_path(path)):
        try:
            with part.open("rb") as handle:
                while chunk := handle.read(_CHUNK):
                    digest.update(chunk)
        except FileNotFoundError:
            digest.update(b"\0none")
        except OSError:
            return None
    return digest.hexdigest()[:20]


@lru_cache(maxsize=1)
def reader_version() -> str:
    """A hash of the code that turns files into documents and their fingerprints."""
    package = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for pattern in _READING_CODE:
        for file in sorted(package.glob(pattern)):
            digest.update(file.name.encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()[:16]


def unchanged_record(
    record: FileRecord | None,
    path: Path,
    base_url: str,
    state: tuple[int, int, int, int] | None,
    stored: Mapping[str, StoredDocument],
) -> FileRecord | None:
    """``record`` (with ``state``) when the file need not be read again, else ``None``.

    Every document it gave must be stored with the content it had: then reading it again would
    find nothing to index, only the same documents to admit and count.
    """
    if record is None or state is None:
        return None
    if record.base_url != base_url or record.reader != reader_version():
        return None
    if record.state != state:
        if file_digest(path) != record.digest:
            return None
        record = replace(record, state=settled(state))
    for document in record.documents:
        old = stored.get(document.doc_id)
        if old is None or old.content_hash != document.content_hash:
            return None
    return record
