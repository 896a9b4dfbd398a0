"""A temporary file of pickled records, read back in the order written: what an ingest keeps on
disk instead of in memory (documents read, waiting to be prepared; rows waiting for the commit).

The file has no name (it is gone when closed, or when the process dies) and lies beside the
database, on a disk rather than in a memory-backed ``/tmp``.
"""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Generic, TypeVar

T = TypeVar("T")


class Spool(Generic[T]):
    """Records appended one at a time, each read back by the place :meth:`append` returned."""

    def __init__(self, folder: Path | None = None) -> None:
        # Closed by close(): the spool outlives any one block of the caller's.
        self._file: IO[bytes] = tempfile.TemporaryFile(dir=folder, prefix="ingest-spool-")  # noqa: SIM115
        self._end = 0

    def append(self, record: T) -> tuple[int, int]:
        """Write a record; returns its place (offset, length)."""
        return self.append_bytes(pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL))

    def append_bytes(self, data: bytes) -> tuple[int, int]:
        """Write a record already pickled (by a worker process); returns its place."""
        self._file.seek(self._end)
        self._file.write(data)
        place = (self._end, len(data))
        self._end += len(data)
        return place

    def read_bytes(self, place: tuple[int, int]) -> bytes:
        """The pickled record at ``place``."""
        self._file.seek(place[0])
        return self._file.read(place[1])

    def read(self, place: tuple[int, int]) -> T:
        """The record at ``place``."""
        record: T = pickle.loads(self.read_bytes(place))
        return record

    def records(self, places: list[tuple[int, int]]) -> Iterator[T]:
        """The records at ``places``, in that order."""
        for place in places:
            yield self.read(place)

    def close(self) -> None:
        """Delete the file."""
        self._file.close()

    def __enter__(self) -> Spool[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
