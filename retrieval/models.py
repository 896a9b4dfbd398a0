"""Records passed between the library's modules; all frozen dataclasses."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Literal

# How a location is written: ``file.zip!/entry`` for an entry of a zip file, ``file.jsonl:N`` for
# a line of a JSONL file (also inside a zip). Only these suffixes take these parts, so a name
# such as ``mn.php?time=10:30`` or a folder ``wow!`` is read as a plain path.
_ZIP_ENTRY = re.compile(r"\.zip!/", re.IGNORECASE)
_JSONL_LINE = re.compile(r"\.jsonl:(\d+)$", re.IGNORECASE)
# A word of a title or section, to compare the two whatever their punctuation.
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class SourceRef:
    """Where a document (or a skipped one) was read: a file or folder, an ``entry`` of a zip
    file, or a ``line`` (from 1) of a JSONL file or JSONL zip entry."""

    file: str
    entry: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = self.file if self.entry is None else f"{self.file}!/{self.entry}"
        return where if self.line is None else f"{where}:{self.line}"

    @classmethod
    def parse(cls, text: str) -> SourceRef:
        """The location ``str()`` wrote as ``text`` (as the store keeps it)."""
        line = None
        numbered = _JSONL_LINE.search(text)
        if numbered:
            line = int(numbered[1])
            text = text[: numbered.start(1) - 1]
        zipped = _ZIP_ENTRY.search(text)
        if zipped:
            return cls(text[: zipped.end() - 2], text[zipped.end() :], line)
        return cls(text, None, line)

    @property
    def whole_file(self) -> bool:
        """Whether this names a whole file (or folder), not an entry or a line of one."""
        return self.entry is None and self.line is None

    def at_line(self, line: int) -> SourceRef:
        """The ``line`` of this JSONL file."""
        return replace(self, line=line)


# A note is a note list item whose ``number`` is known from the markup.
BlockKind = Literal["heading", "paragraph", "note"]


@dataclass(frozen=True)
class Block:
    """One unit of a source's reading order, as a reader found it.

    ``text`` is a verbatim slice of the source (for HTML, of its extracted text).
    """

    kind: BlockKind
    text: str
    number: int | None = None


@dataclass(frozen=True)
class SourceDocument:
    """A document as read from a file, before it is structured and indexed."""

    doc_id: str
    title: str
    url: str | None
    source: SourceRef
    content_hash: str
    blocks: tuple[Block, ...]
    subtitle: str | None = None
    # The title is the text's opening words (the page names none): they stay in the body.
    title_from_body: bool = False


@dataclass(frozen=True)
class Paragraph:
    """A body paragraph: ``text[start:end]`` of its document, numbered from 1."""

    number: int
    section: str
    start: int
    end: int


@dataclass(frozen=True)
class Marker:
    """A footnote marker such as ``(3)`` and the sentence that carries it."""

    number: int
    paragraph: int
    sentence_start: int
    sentence_end: int


@dataclass(frozen=True)
class Document:
    """A structured document: its text, body paragraphs, notes and note markers."""

    doc_id: str
    title: str
    url: str | None
    source: SourceRef
    content_hash: str
    text: str
    paragraphs: tuple[Paragraph, ...]
    notes: dict[int, str] = field(default_factory=dict)
    markers: tuple[Marker, ...] = ()
    subtitle: str | None = None
    # A hash of the text as read (before boilerplate is dropped): identical text under another
    # URL or id is the same page, stored once.
    text_hash: str = ""

    @property
    def sections(self) -> list[str]:
        """Section headings in reading order (the unnamed lead section excluded)."""
        seen: list[str] = []
        for p in self.paragraphs:
            if p.section and p.section not in seen:
                seen.append(p.section)
        return seen


@dataclass(frozen=True)
class Passage:
    """A window of sentences inside one section of one document."""

    doc_id: str
    ordinal: int
    section: str
    para_first: int
    para_last: int
    start: int
    end: int
    terms: tuple[str, ...]


@dataclass(frozen=True)
class PassageRow:
    """A stored passage with what an answer needs from its document (``text`` is its slice)."""

    passage_id: int
    doc_id: str
    title: str
    url: str | None
    section: str
    para_first: int
    para_last: int
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class NoteRef:
    """A footnote cited by a quote: its number and text (``None``: not in this copy)."""

    number: int
    text: str | None


@dataclass(frozen=True)
class Citation:
    """Where a quote comes from."""

    doc_id: str
    title: str
    section: str
    paragraphs: tuple[int, ...]
    url: str | None
    link: str | None

    @property
    def place(self) -> str:
        """The section, unless the title already says it in the same words, whatever their case,
        punctuation or line breaks ("1998 MIM Congress: Clarity on what gender is" over the
        section "Clarity on what gender is"; "MIM Notes 68, September 1992" over "MIM Notes 68
        SEPTEMBER, 1992"): what a reader needs beside the title to find the quote."""
        said = " ".join(_WORD.findall(self.section.casefold()))
        if said and f" {said} " in " " + " ".join(_WORD.findall(self.title.casefold())) + " ":
            return ""
        return self.section


@dataclass(frozen=True)
class Result:
    """One quoted excerpt of an answer."""

    quote: str
    highlights: tuple[tuple[int, int], ...]
    citation: Citation
    score: float
    notes: tuple[NoteRef, ...]


@dataclass(frozen=True)
class DocumentNotes:
    """Every note a quoted document cites or lists (what an answer's Notes button shows)."""

    doc_id: str
    title: str
    url: str | None
    notes: tuple[NoteRef, ...]


@dataclass(frozen=True)
class Answer:
    """What the archive says about a question: one page of results, or an abstention with
    suggestions."""

    question: str
    results: tuple[Result, ...]
    suggestions: tuple[str, ...]
    abstained: bool
    reason: str = ""
    offset: int = 0  # the rank of the first result, counted from 0
    has_more: bool = False  # more results rank after these
    documents: tuple[DocumentNotes, ...] = ()  # the documents quoted, in order, with their notes
    # The question as searched, its typos corrected, when the words as typed found nothing.
    corrected: str | None = None


@dataclass(frozen=True)
class CitingSentence:
    """A sentence that cites a footnote."""

    paragraph: int
    section: str
    text: str
    link: str | None


@dataclass(frozen=True)
class FootnoteInfo:
    """A footnote of a document with the sentences that cite it."""

    doc_id: str
    title: str
    number: int
    text: str | None
    citations: tuple[CitingSentence, ...]
    url: str | None


@dataclass(frozen=True)
class DocumentInfo:
    """A summary line for a stored document."""

    doc_id: str
    title: str
    url: str | None
    source: SourceRef
    paragraphs: int
    notes_cited: int


@dataclass(frozen=True)
class IndexStats:
    """Size and provenance of the serving index."""

    documents: int
    passages: int
    notes: int
    terms: int
    built_at: str | None
    db_path: str
    settings: dict[str, str]


@dataclass(frozen=True)
class SkippedFile:
    """A file (or zip entry, or JSONL line) that was not ingested, and why."""

    path: SourceRef
    reason: str


@dataclass(frozen=True)
class StoredDocument:
    """What an ingest needs to know of a stored document to decide what a source read now is."""

    doc_id: str
    content_hash: str
    source: SourceRef
    url: str | None
    text_hash: str


@dataclass(frozen=True)
class ReadDocument:
    """What an ingest keeps of a document it read, without its text: enough to decide again
    whether to store, merge or refuse it, and to count its paragraphs toward the boilerplate.

    ``chars`` is the length of its text as read (short texts are never merged); ``prints`` the
    fingerprints of its paragraphs that may be boilerplate (distinct, little-endian int64s).
    """

    doc_id: str
    source: SourceRef
    url: str | None
    content_hash: str
    text_hash: str
    chars: int
    prints: bytes


@dataclass(frozen=True)
class FileRecord:
    """A file on disk as an ingest last read it, so that a later one need not read it again
    while it is unchanged: its state (size and modification time, its metadata sidecar's), a
    hash of its bytes, the version of the code that read it, and the documents it gave."""

    path: str
    base_url: str
    state: tuple[int, int, int, int]
    digest: str
    reader: str
    documents: tuple[ReadDocument, ...]


@dataclass(frozen=True)
class SourceRoot:
    """A file or folder an index was built from (a resolved absolute path) and its base URL."""

    path: str
    base_url: str


@dataclass(frozen=True)
class ReindexPlan:
    """What a reindex will read, and the recorded roots that no longer exist.

    ``read`` holds the recorded roots (oldest first) and then the configured sources they do not
    already cover; ``gone`` the recorded roots whose path is missing (their documents are removed);
    ``missing`` the configured sources that do not exist (the reindex refuses to run).
    """

    read: tuple[SourceRoot, ...]
    configured: tuple[str, ...]
    gone: tuple[SourceRoot, ...]
    missing: tuple[str, ...]


@dataclass(frozen=True)
class MergedSource:
    """A document read but not stored on its own: it is the page already stored as ``doc_id``.

    ``same_text`` is false when the two copies claim the same page (URL) with different text;
    the copy from ``kept`` is the one stored.
    """

    doc_id: str
    source: SourceRef
    url: str | None
    kept: SourceRef
    kept_url: str | None
    same_text: bool


@dataclass(frozen=True)
class RemovedDocument:
    """A document an ingest removed, and why."""

    doc_id: str
    source: SourceRef
    reason: str


@dataclass(frozen=True)
class IngestReport:
    """What an ingest changed."""

    added: tuple[str, ...]
    changed: tuple[str, ...]
    removed: tuple[str, ...]
    unchanged: tuple[str, ...]
    skipped: tuple[SkippedFile, ...]
    boilerplate_dropped: int
    passages: int
    notes: int
    seconds: float
    boilerplate_paragraphs: tuple[str, ...] = ()
    merged: tuple[MergedSource, ...] = ()
    removals: tuple[RemovedDocument, ...] = ()
    roots: tuple[SourceRoot, ...] = ()
    roots_gone: tuple[SourceRoot, ...] = ()
    # Documents under the paths read whose files were not found there, kept (no ``prune``).
    unpruned: tuple[str, ...] = ()
    # Folders where stored documents' files were and nothing could be read now (a path read that
    # gave no document, or an empty folder above a missing file): their documents are kept (an
    # unmounted disk removes nothing, even with ``prune`` or a reindex).
    kept_unreadable: tuple[str, ...] = ()

    @property
    def read(self) -> int:
        """How many documents were read (stored, unchanged or merged into another)."""
        return len(self.added) + len(self.changed) + len(self.unchanged) + len(self.merged)


@dataclass(frozen=True)
class SavedQuestion:
    """A question remembered for paging its answer later."""

    question_id: int
    question: str
    owner: str
    created_at: float
    # How the question is echoed to people (``None``: as searched).
    shown: str | None = None


@dataclass(frozen=True)
class Vote:
    """One person's vote on an answer as recorded: what it is now, what it was before (``None``:
    a first vote), and the answer's counts after it."""

    helpful: bool
    previous: bool | None
    helpful_count: int
    not_helpful_count: int


@dataclass(frozen=True)
class FeedbackCount:
    """Votes on something: an answered question, or a document quoted in answers."""

    subject: str
    helpful: int
    not_helpful: int


@dataclass(frozen=True)
class FeedbackSummary:
    """Votes per answered question and per quoted document, most votes first."""

    questions: tuple[FeedbackCount, ...]
    documents: tuple[FeedbackCount, ...]
