"""Where documents come from: source roots, one stored copy per page, and why documents go.

An ingest reads roots (files and folders). Each document read is checked against what this ingest
already read and what the store holds: the same page again (same text, or the same URL) is merged
into the copy already there and reported; another source claiming a stored document's id is a
collision reported with both sources, never a silent replacement. After reading, the documents an
ingest removes are chosen here, each with its reason. Pure functions and plain data: no I/O but
``os.path`` checks.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ..boilerplate import BlockPrints, block_prints, paragraph_prints
from ..models import (
    MergedSource,
    ReadDocument,
    RemovedDocument,
    SkippedFile,
    SourceDocument,
    SourceRef,
    SourceRoot,
    StoredDocument,
)

# Different ids with identical text are merged only when the text is at least this long: short
# texts ("Page not found", an empty page) are the same by accident, not the same page.
MIN_MERGE_CHARS = 200


def absolute(path: str | Path) -> str:
    """``path`` made absolute and normalised (trailing slash, ``..``), symlinks kept as named."""
    return os.path.abspath(os.path.expanduser(str(path)))


def resolved(path: str | Path) -> str:
    """``path`` with every symlink resolved: how two spellings of one path compare equal."""
    return os.path.realpath(os.path.expanduser(str(path)))


def source_key(source: SourceRef) -> SourceRef:
    """A source with its file resolved, so that two spellings of one source compare equal."""
    return replace(source, file=resolved(source.file))


def is_under(path: str, root: str) -> bool:
    """Whether resolved ``path`` is ``root`` or lies inside it (both resolved)."""
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def text_hash(document: SourceDocument, folded: Sequence[str] | None = None) -> str:
    """A hash of a document's text as read, whitespace folded: the same text has the same hash
    (``folded``: its blocks' texts with whitespace collapsed, if known)."""
    digest = hashlib.sha256()
    for text in folded if folded is not None else _folded(document):
        digest.update(text.encode("utf-8") + b"\n")
    return digest.hexdigest()[:20]


def _folded(document: SourceDocument) -> list[str]:
    return [" ".join(block.text.split()) for block in document.blocks]


def read_document(document: SourceDocument) -> tuple[ReadDocument, BlockPrints]:
    """What an ingest keeps of a document it read (see :class:`~retrieval.models.ReadDocument`),
    and its :func:`~retrieval.boilerplate.block_prints` (for preparing it)."""
    folded = _folded(document)  # once, for the text hash and the fingerprints
    prints = block_prints(document, folded)
    read = ReadDocument(
        doc_id=document.doc_id,
        source=document.source,
        url=document.url,
        content_hash=document.content_hash,
        text_hash=text_hash(document, folded),
        chars=sum(len(b.text) for b in document.blocks),
        prints=paragraph_prints(document, prints),
    )
    return read, prints


def page_key(url: str | None) -> str | None:
    """A URL as a page's identity: no scheme, no ``www.``, no trailing ``/`` or ``index.html``,
    percent-escapes decoded. ``http://x.org/a/`` and ``https://www.x.org/a/index.html`` agree."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    host = parts.netloc.lower().removeprefix("www.")
    path = unquote(parts.path)
    path = re.sub(r"/index\.html?$", "/", path, flags=re.IGNORECASE).rstrip("/")
    query = unquote(parts.query)
    return f"{host}{path}" + (f"?{query}" if query else "")


def merge_roots(recorded: list[SourceRoot], new: Iterable[SourceRoot]) -> list[SourceRoot]:
    """The recorded roots after an ingest of ``new``: a root inside a recorded one adds nothing
    (the same path takes the new base URL); a root around recorded ones replaces them."""
    roots = list(recorded)
    for root in new:
        if any(is_under(root.path, r.path) and r.path != root.path for r in roots):
            continue
        same = next((i for i, r in enumerate(roots) if r.path == root.path), None)
        if same is not None:
            roots[same] = root
            continue
        roots = [r for r in roots if not is_under(r.path, root.path)]
        roots.append(root)
    return roots


@dataclass
class _Read:
    source: SourceRef
    url: str | None
    text_hash: str


@dataclass
class Ledger:
    """The bookkeeping of one ingest: which documents read are stored, merged or refused.

    Feed every document read to :meth:`admit` in reading order; it says whether to store it.
    """

    stored: dict[str, StoredDocument]
    seen: dict[str, _Read] = field(default_factory=dict)
    merged: list[MergedSource] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)
    # stored documents read again from another place (moved, or the path spelled otherwise)
    moved: dict[str, SourceRef] = field(default_factory=dict)
    # stored documents another source was merged into: kept even if their own file says otherwise
    kept: set[str] = field(default_factory=set)
    # resolved files that were read (a document of them not read again is gone from them)
    files_read: set[str] = field(default_factory=set)
    _by_text: dict[str, str] = field(default_factory=dict)
    _stored_by_text: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for doc in sorted(self.stored.values(), key=lambda d: d.doc_id):
            if doc.text_hash:
                self._stored_by_text.setdefault(doc.text_hash, doc.doc_id)

    def admit(self, document: ReadDocument) -> bool:
        """Whether to store ``document`` (new, changed or unchanged); if not, say why."""
        self.files_read.add(resolved(document.source.file))
        digest = document.text_hash
        long_enough = document.chars >= MIN_MERGE_CHARS
        first = self.seen.get(document.doc_id)
        if first is not None:  # read twice in this ingest
            return self._same_page(document, digest, first.source, first.url, first.text_hash)
        other = self._by_text.get(digest) if long_enough else None
        if other is not None:
            kept = self.seen[other]
            self.merged.append(
                MergedSource(other, document.source, document.url, kept.source, kept.url, True)
            )
            return False
        old = self.stored.get(document.doc_id)
        if old is not None and self._elsewhere(old, document):
            return self._same_page(document, digest, old.source, old.url, old.text_hash, old)
        twin = self._stored_by_text.get(digest) if long_enough else None
        if old is None and twin is not None and self._elsewhere(self.stored[twin], document):
            stored = self.stored[twin]
            self.kept.add(twin)
            self.merged.append(
                MergedSource(twin, document.source, document.url, stored.source, stored.url, True)
            )
            return False
        self.seen[document.doc_id] = _Read(document.source, document.url, digest)
        self._by_text.setdefault(digest, document.doc_id)
        if old is not None and old.source != document.source:
            self.moved[document.doc_id] = document.source
        return True

    def _elsewhere(self, old: StoredDocument, document: ReadDocument) -> bool:
        """The stored copy is from another file, which still exists."""
        if resolved(old.source.file) == resolved(document.source.file):
            return False
        return os.path.exists(old.source.file)

    def _same_page(
        self,
        document: ReadDocument,
        digest: str,
        kept_source: SourceRef,
        kept_url: str | None,
        kept_hash: str,
        stored: StoredDocument | None = None,
    ) -> bool:
        """``document`` has the id of a copy read or stored from elsewhere: merge it into that
        copy when it is the same page (same text, or the same URL), else refuse it."""
        doc_id = document.doc_id
        same_text = digest == kept_hash
        if same_text or (page_key(document.url) and page_key(document.url) == page_key(kept_url)):
            if stored is not None:
                self.kept.add(doc_id)
            self.merged.append(
                MergedSource(
                    doc_id, document.source, document.url, kept_source, kept_url, same_text
                )
            )
            return False
        where = "is stored from" if stored is not None else "was also read from"
        advice = (
            "move or delete one of the two files and ingest again"
            if stored is not None
            else "give one of them another name, or its own 'id' or 'url'"
        )
        self.skipped.append(
            SkippedFile(
                document.source,
                f"document id '{doc_id}' {where} {kept_source} with different text; "
                f"not ingested ({advice})",
            )
        )
        return False


@dataclass
class Removals:
    """What an ingest removes, each with its reason; the ids of the documents ``prune`` would
    have removed (kept as it is off: the summary names them); and the folders whose documents
    were kept because nothing could be read there (``kept``)."""

    removed: list[RemovedDocument] = field(default_factory=list)
    unpruned: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)


def emptied_folder(path: str, seen: dict[str, str | None] | None = None) -> str | None:
    """The folder above a missing ``path`` that still exists, when it is empty (a disk not
    mounted, a sync that failed: what it held is out of reach, not deleted); else None.
    ``seen`` keeps the answers by folder for the files of one ingest."""
    seen = {} if seen is None else seen
    folder = os.path.dirname(path)
    if folder not in seen:
        above = folder
        while above and not os.path.exists(above) and os.path.dirname(above) != above:
            above = os.path.dirname(above)
        try:
            empty = os.path.isdir(above) and not any(os.scandir(above))
        except OSError:
            empty = False
        seen[folder] = above if empty else None
    return seen[folder]


def removals(
    stored: dict[str, StoredDocument],
    ledger: Ledger,
    skipped: list[SkippedFile],
    gave: tuple[SourceRoot, ...] | None = None,
    *,
    read: list[SourceRoot],
    prune: bool,
    exact: bool,
    gone: tuple[SourceRoot, ...] = (),
) -> Removals:
    """The stored documents an ingest removes, and what it keeps and says (:class:`Removals`).

    Always: a document not read again from a file that was read (gone from that file). With
    ``prune``: a document under a root read whose file was not read. With ``exact`` (/reindex):
    also a document under a root that no longer exists, or whose own file no longer exists.
    Never: a document read again or merged into, one whose file could not be read this time,
    one under a root read that ``gave`` no document (``gave``: the roots that gave one, all of
    ``read`` when not known), or one under a recorded root out of reach (:func:`emptied_folder`).
    """
    unreadable = {source_key(s.path) for s in skipped}
    # A file skipped whole keeps all its documents; a skipped line or zip entry only its own.
    unreadable_files = {resolved(s.path.file) for s in skipped if s.path.whole_file}
    roots = [resolved(r.path) for r in read]
    # Innermost first: the folder a kept document is said to be kept from.
    empty = sorted(
        (resolved(r.path) for r in read if gave is not None and r not in gave),
        key=len,
        reverse=True,
    )
    gone_roots = [resolved(r.path) for r in gone]
    out = Removals()
    folders: dict[str, str | None] = {}
    kept: dict[str, None] = {}
    for doc_id, doc in sorted(stored.items()):
        if doc_id in ledger.seen or doc_id in ledger.kept:
            continue
        file = resolved(doc.source.file)
        if source_key(doc.source) in unreadable or file in unreadable_files:
            continue
        if file in ledger.files_read:
            out.removed.append(
                RemovedDocument(doc_id, doc.source, f"no longer in {doc.source.file}")
            )
            continue
        # Under a root read that gave nothing (the innermost, when roots nest): kept.
        held = next((r for r in empty if is_under(file, r)), None)
        if held is not None:
            kept[held] = None
            continue
        reason = None
        root = next((r for r in roots if is_under(file, r)), None)
        if root is not None and (prune or exact):
            reason = f"not found under {root}"
        elif root is not None:
            out.unpruned.append(doc_id)
        if root is None and exact:
            gone_root = next((r for r in gone_roots if is_under(file, r)), None)
            if gone_root is not None:
                reason = f"{gone_root} no longer exists"
            elif os.path.isabs(doc.source.file) and not os.path.exists(doc.source.file):
                # Under a recorded root out of reach (a reindex neither reads nor drops one
                # whose folder above is empty: a disk not mounted) the document stays.
                held = emptied_folder(file, folders)
                reason = None if held else f"{doc.source.file} no longer exists"
        if held is not None:
            kept[held] = None
        if reason is not None:
            out.removed.append(RemovedDocument(doc_id, doc.source, reason))
    out.kept = list(kept)
    return out
