"""Search an archive of texts and answer with verbatim quotes and citations; no Discord here."""

from __future__ import annotations

from .errors import (
    IndexNotReady,
    QuestionError,
    ReindexInProgress,
    RetrievalError,
    SourceError,
    StoreError,
    UnknownDocument,
    UnknownNote,
)
from .filters import Catalogue, FilterError, Filters, Part, split_filters
from .index.bm25 import BM25Index, BM25Params
from .ingest.pipeline import IngestProgress
from .lookup import NothingToLookUp
from .models import (
    Answer,
    Citation,
    DocumentInfo,
    DocumentNotes,
    FeedbackCount,
    FeedbackSummary,
    FootnoteInfo,
    IndexStats,
    IngestReport,
    NoteRef,
    Result,
    SavedQuestion,
    SkippedFile,
    SourceRef,
    Vote,
)
from .query import MAX_QUESTION_CHARS
from .service import ArchiveService, bundled_corpus, default_db_path
from .text import terms, tokenize

__all__ = [
    "MAX_QUESTION_CHARS",
    "Answer",
    "ArchiveService",
    "BM25Index",
    "BM25Params",
    "Catalogue",
    "Citation",
    "DocumentInfo",
    "DocumentNotes",
    "FeedbackCount",
    "FeedbackSummary",
    "FilterError",
    "Filters",
    "FootnoteInfo",
    "IndexNotReady",
    "IndexStats",
    "IngestProgress",
    "IngestReport",
    "NoteRef",
    "NothingToLookUp",
    "Part",
    "QuestionError",
    "ReindexInProgress",
    "Result",
    "RetrievalError",
    "SavedQuestion",
    "SkippedFile",
    "SourceError",
    "SourceRef",
    "StoreError",
    "UnknownDocument",
    "UnknownNote",
    "Vote",
    "bundled_corpus",
    "default_db_path",
    "split_filters",
    "terms",
    "tokenize",
]
