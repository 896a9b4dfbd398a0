"""The library's errors: one class per condition, translated to messages at the CLI and bot boundary."""

from __future__ import annotations


class RetrievalError(Exception):
    """Base class of every error the retrieval library raises on purpose."""


class SourceError(RetrievalError):
    """A source file or folder cannot be read or parsed (the message says which and why)."""


class QuestionError(RetrievalError):
    """The question cannot be searched as given (empty, too long, ...)."""


class UnknownDocument(RetrievalError):
    """No document has the given id."""


class UnknownNote(RetrievalError):
    """The document has no footnote with the given number."""


class IndexNotReady(RetrievalError):
    """The index is missing or being built and cannot answer yet."""


class StoreError(RetrievalError):
    """The SQLite file cannot be opened or written (the message names the file and what to do)."""


class ReindexInProgress(RetrievalError):
    """A reindex is already running; only one runs at a time."""


class StoreNeedsWrite(StoreError):
    """A database opened read-only must first be written (migrated, filled or rebuilt)."""


class NoDatabase(StoreError):
    """A command that only reads was pointed with ``--db`` at a database that does not exist: a
    usage error, not a new database of the bundled article in its place."""
