"""The facade the CLI and the bot call: ask, footnote, documents, stats, ingest (atomic swap).

The service owns the serving index in memory. An ingest (:class:`~retrieval.ingest.indexer.Indexer`,
here or in a child process) builds the new passages and index off the event loop and commits them in
one short SQLite write transaction; the service swaps the new index in only after the commit. Until
then (and forever, if it fails) questions are answered from the old one.
"""

from __future__ import annotations

import asyncio
import difflib
import gc
import hashlib
import hmac
import json
import logging
import os
import secrets
import time
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from .chunking import DEFAULT_CHUNKING, ChunkSettings
from .errors import (
    IndexNotReady,
    ReindexInProgress,
    SourceError,
    StoreError,
    StoreNeedsWrite,
    UnknownDocument,
    UnknownNote,
)
from .expect import without_phrasing
from .filters import OPENING_CHARS, Catalogue, Filters
from .index.bm25 import DEFAULT_PARAMS, BM25Index, BM25Params
from .ingest.child import ingest_in_child
from .ingest.indexer import Indexer
from .ingest.pipeline import ProgressCallback, corpus_digest
from .layout import MARKERS_VERSION, markers_in
from .links import text_fragment_link
from .lookup import telling_words
from .models import (
    Answer,
    Citation,
    CitingSentence,
    DocumentInfo,
    DocumentNotes,
    FeedbackCount,
    FeedbackSummary,
    FootnoteInfo,
    IndexStats,
    IngestReport,
    Marker,
    NoteRef,
    Paragraph,
    ReindexPlan,
    Result,
    SavedQuestion,
    Vote,
)
from .pages import PageMap
from .query import ParsedQuestion, clean_question, parse_question, without_stop_word_typos
from .ranking import term_weights
from .searcher import Found, Search, Searcher, answer, load_pages, suggestions
from .sources.urls import ARCHIVE_BASE_URL, doc_id_from_path, page_key, reference_key
from .store import Store, utc_now
from .text import stem, terms
from .usage import (
    DEFAULT_REPORT_DAYS,
    DEFAULT_REPORT_TOP,
    LoggedQuestion,
    QuestionReport,
    every_day,
    iso_time,
    window_start,
)
from .wording import plural
from .workers import Answerer, AnswerJob

log = logging.getLogger(__name__)

# How many BM25 candidates are ranked with their pages' evidence and quoted.
RERANK_DEPTH = 100
DEFAULT_RESULTS = 3
MAX_RESULTS = 10
PER_DOCUMENT = 1
_REFRESH_SECONDS = 1.0
_FEEDBACK_KEY = "feedback_key"  # app_state: the key of the voters' hashes


def default_db_path() -> Path:
    """``$ARCHIVE_BOT_DB``, else ``$XDG_DATA_HOME/archive-bot/archive.sqlite3`` (outside the checkout)."""
    configured = os.environ.get("ARCHIVE_BOT_DB")
    if configured:
        return Path(configured).expanduser()
    data_home = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data_home) / "archive-bot" / "archive.sqlite3"


def _path_id(ref: str) -> str:
    """The document id a file path gives (``faq/freecoun.html`` -> ``faq/freecoun``), or ``ref``."""
    try:
        return doc_id_from_path(ref)
    except SourceError:
        return ref


def _address_tail(ref: str) -> str | None:
    """How the :func:`page_key` of a page's URL ends when ``ref`` is the end of its address
    (``mn/mn.php?issue=135`` -> ``/mn/mn.php?issue=135``), or None when ``ref`` is no path."""
    ref = ref.strip().lstrip("/")
    if not ref or " " in ref or "://" in ref:
        return None
    return "/" + page_key("https://host.invalid/" + ref).partition("/")[2]


def _closest(ref: str, docs: list[DocumentInfo]) -> list[str]:
    """The ids of the documents whose id or title is most like ``ref`` (at most 5)."""
    by_name = {d.doc_id.casefold(): d.doc_id for d in docs}
    by_name.update({d.title.casefold(): d.doc_id for d in docs if d.title})
    close = difflib.get_close_matches(ref.casefold(), list(by_name), n=5, cutoff=0.6)
    return list(dict.fromkeys(by_name[c] for c in close))


def _markers_changed(
    documents: list[tuple[str, str, list[Paragraph], list[Marker]]],
) -> dict[str, list[Marker]]:
    """The markers this version finds in those of ``documents`` (id, text, paragraphs, stored
    markers) where it finds others than are stored."""
    changed = {}
    for doc_id, text, paragraphs, stored in documents:
        found = [m for p in paragraphs for m in markers_in(text, p)]
        if set(found) != set(stored):
            changed[doc_id] = found
    return changed


def bundled_corpus() -> Path:
    """The folder of the bundled corpus (``data/``), in a checkout or an installed package."""
    try:
        import archive_data  # the top-level data/ folder, installed under this name

        return Path(archive_data.__file__).resolve().parent
    except ImportError:
        return Path(__file__).resolve().parent.parent / "data"


class ArchiveService:
    """Search, footnotes and ingest over one store. Create with :meth:`open`."""

    def __init__(
        self,
        store: Store,
        *,
        params: BM25Params = DEFAULT_PARAMS,
        chunking: ChunkSettings = DEFAULT_CHUNKING,
        answer_workers: int = 0,
    ) -> None:
        self.store = store
        self.params = params
        self.chunking = chunking
        self._index: BM25Index | None = None
        self._pages: PageMap | None = None  # the serving index's pages: swapped with it
        self._build_id: str | None = None
        self._ingest_lock = asyncio.Lock()
        self._checked_at = 0.0
        self._counts: tuple[str | None, dict[str, int]] | None = None
        self._searcher = Searcher(store)
        self._answerer = Answerer(answer_workers)
        self._catalogue: tuple[str | None, Catalogue] | None = None
        self._indexer = Indexer(store, params=params, chunking=chunking, install=self._install)

    # --- life cycle -------------------------------------------------------------------------

    @classmethod
    async def open(
        cls,
        db_path: str | Path | None = None,
        *,
        seed: Iterable[str | Path] | None = None,
        params: BM25Params = DEFAULT_PARAMS,
        chunking: ChunkSettings = DEFAULT_CHUNKING,
        read_only: bool = False,
        answer_workers: int = 0,
    ) -> ArchiveService:
        """Open the store; a new one is filled from ``seed`` (default: the bundled corpus).

        ``read_only`` opens an existing database without ever writing to it (for commands that
        only read); it raises :class:`StoreNeedsWrite` when the database must first be filled,
        upgraded or rebuilt, which a read-write open does. ``answer_workers`` processes search
        and quote (see :mod:`retrieval.workers`; 0: the service's own search thread does).
        """
        store = await Store.open(db_path or default_db_path(), read_only=read_only)
        service = cls(store, params=params, chunking=chunking, answer_workers=answer_workers)
        try:
            meta = await store.meta()
            if "created_at" not in meta and read_only:
                raise StoreNeedsWrite(f"database {store.path} has not been filled yet")
            if "created_at" not in meta:
                sources = list(seed) if seed is not None else [bundled_corpus()]
                report = await service.ingest(sources)
                for skipped in report.skipped:
                    log.warning("not ingested: %s: %s", skipped.path, skipped.reason)
                async with store.transaction() as w:
                    # Its markers were found by this version: none to find again.
                    await w.set_meta({"created_at": utc_now(), "markers_version": MARKERS_VERSION})
            await service._ensure_current()
        except BaseException:
            await service.close()
            raise
        return service

    async def close(self) -> None:
        """Close the store (and the searches' connection to it)."""
        await self._searcher.close()
        await self.store.close()

    async def _ensure_current(self) -> None:
        """Rebuild what the code would build differently; load the index."""
        meta = await self.store.meta()
        if meta.get("markers_version") != MARKERS_VERSION and not self.store.read_only:
            try:
                await self._find_markers_again()
            except StoreError as exc:  # busy with another process's ingest: at the next open
                log.warning("footnote markers not found again yet: %s", exc)
        expected = self._indexer.expected_meta()
        stale_passages = any(meta.get(k) != expected[k] for k in ("tokenizer_version", "chunking"))
        hashes = await self.store.document_hashes()
        corpus = corpus_digest({d: h for d, (h, _) in hashes.items()})
        stale = stale_passages or any(meta.get(k) != v for k, v in expected.items())
        if self.store.read_only and (stale or meta.get("corpus_hash") != corpus):
            raise StoreNeedsWrite(f"the index in {self.store.path} must be rebuilt by this version")
        if stale_passages or any(meta.get(k) != v for k, v in expected.items()):
            log.info("index settings changed (%s); rebuilding", _diff(meta, expected))
            await self._rebuild(rechunk=stale_passages)
            return
        if meta.get("corpus_hash") != corpus or not meta.get("build_id"):
            log.info("index does not match the stored documents; rebuilding")
            await self._rebuild(rechunk=False)
            return
        try:
            await self._load(meta["build_id"])
        except (ValueError, KeyError) as exc:
            log.warning("stored index is unreadable (%s); rebuilding", exc)
            await self._rebuild(rechunk=False)

    async def _find_markers_again(self) -> None:
        """Find the stored documents' footnote markers again, as this version finds them, from
        their stored texts: unchanged pages are not read again. (Only documents with markers
        are looked at: a version finds fewer, never more. A read-only open leaves them.)"""
        changed: dict[str, list[Marker]] = {}
        # Read inside the write transaction: no ingest can replace a document meanwhile.
        async with self.store.transaction() as w:
            async for documents in self.store.marked_documents():
                changed.update(await asyncio.to_thread(_markers_changed, documents))
            for doc_id, found in changed.items():
                await w.replace_markers(doc_id, found)
            await w.set_meta({"markers_version": MARKERS_VERSION})
        if changed:
            log.info("footnote markers found again in %s", plural(len(changed), "document"))

    async def index_freshness(self) -> tuple[str, ...]:
        """Why the next read-write open would rebuild the stored index (empty when it is
        current): the code's settings against the store's ``meta``, and the stored documents
        against the ones the index was built from. Reads only; loads nothing."""
        meta = await self.store.meta()
        if "created_at" not in meta:
            return ("the database has not been filled yet",)
        reasons = [
            f"{key} {meta.get(key, 'unset')} -> {value}"
            for key, value in self._indexer.expected_meta().items()
            if meta.get(key) != value
        ]
        hashes = await self.store.document_hashes()
        if not meta.get("build_id"):
            reasons.append("no index was built")
        elif meta.get("corpus_hash") != corpus_digest({d: h for d, (h, _) in hashes.items()}):
            reasons.append("the stored documents changed after the index was built")
        return tuple(reasons)

    async def _load(self, build_id: str) -> None:
        blobs = await self.store.load_blobs(build_id)
        index = await asyncio.to_thread(BM25Index.from_blobs, blobs, self.params)
        await self._install(index, build_id)

    async def _install(self, index: BM25Index, build_id: str) -> None:
        """Swap in a new index with its page map (its speller is built when first needed)."""
        pages = await self._searcher.run(lambda reader: load_pages(reader, index))
        # Both at once, with no await between: a question never sees one without the other.
        self._index, self._pages = index, pages
        self._build_id = build_id
        self._answerer.prepare(self.store.address, build_id, self.params)
        _settle()

    async def _rebuild(self, *, rechunk: bool) -> None:
        """Rebuild the index (and, after a tokenizer or chunking change, the passages)."""
        async with self._ingest_lock:
            await self._indexer.rebuild(rechunk=rechunk)

    async def refresh(self) -> None:
        """Pick up an index another process (e.g. the CLI) committed since we loaded ours."""
        now = time.monotonic()
        if now - self._checked_at < _REFRESH_SECONDS or self._ingest_lock.locked():
            return
        self._checked_at = now
        build_id = (await self.store.meta()).get("build_id")
        if build_id and build_id != self._build_id:
            log.info("a new index was committed elsewhere; loading it")
            await self._load(build_id)

    # --- questions -----------------------------------------------------------------------------

    def _require_index(self) -> BM25Index:
        return self._serving()[0]

    def _serving(self) -> tuple[BM25Index, PageMap]:
        if self._index is None or self._pages is None:
            raise IndexNotReady("the index is not loaded yet; try again in a moment")
        return self._index, self._pages

    def check_question(self, question: str) -> str:
        """The question as it will be searched; raises :class:`QuestionError` when unusable."""
        return parse_question(question).text

    async def ask(
        self,
        question: str,
        limit: int = DEFAULT_RESULTS,
        *,
        offset: int = 0,
        per_document: int = PER_DOCUMENT,
        filters: Filters | None = None,
    ) -> Answer:
        """Answer a question with verbatim quotes, or abstain when the archive has no good answer.

        ``filters`` narrows the search to a part of the archive and/or years (see :meth:`catalogue`).
        """
        parsed = parse_question(question)
        await self.refresh()
        index, pages = self._serving()
        build_id = self._build_id
        parsed = without_phrasing(without_stop_word_typos(parsed, index.vocab.__contains__))
        limit = max(1, min(limit, MAX_RESULTS))
        offset = max(0, offset)
        unknown = tuple(w for w in parsed.surface if w.isalpha() and stem(w) not in index.vocab)
        if not parsed.terms:
            # Rarely any: a typo of a stop word may take a known word's term with it.
            suggested = (
                await self._searcher.run(lambda r: suggestions(r, index, unknown))
                if unknown
                else ()
            )
            return Answer(
                parsed.text,
                (),
                suggested,
                True,
                "The question has no words to search for.",
                offset=offset,
            )
        weights = term_weights(index, parsed.terms, parsed.names)
        allowed = self._phrase_rows(parsed, index)
        if filters:
            allowed = await self._filter_rows(filters, index, allowed)
        wanted = offset + limit
        depth = max(RERANK_DEPTH, (wanted + 1) * 4)
        # Searching, ranking, reading and quoting run in one call in a worker process or on
        # the search thread, so the event loop stays free (see retrieval.workers).
        job = Search(parsed, weights, allowed, depth, wanted, per_document, unknown)
        found = await self._answerer.run(
            AnswerJob(self.store.address, build_id or "", self.params, job),
            lambda: self._searcher.run(lambda reader: answer(reader, index, pages, job)),
        )
        results = found.results
        if not results:
            return Answer(
                parsed.text,
                (),
                found.suggestions,
                True,
                "The archive has no passage that answers this question well.",
                offset=offset,
            )
        shown = tuple(results[offset:])
        return Answer(
            parsed.text,
            shown,
            found.suggestions,
            False,
            offset=offset,
            has_more=found.more,
            documents=_documents_quoted(shown, found),
            corrected=found.corrected,
        )

    async def _notes_of_documents(self, doc_ids: Iterable[str]) -> dict[str, tuple[NoteRef, ...]]:
        """Every note each document cites or lists, with its text when this copy has it."""
        ids = list(doc_ids)
        texts = await self.store.notes_of_documents(ids)
        numbers = await self.store.cited_notes_of_documents(ids)
        return {d: tuple(NoteRef(n, texts[d].get(n)) for n in numbers[d]) for d in ids}

    def _phrase_rows(self, parsed: ParsedQuestion, index: BM25Index) -> np.ndarray | None:
        if not parsed.phrases:
            return None
        allowed: np.ndarray | None = None
        for phrase in parsed.phrases:
            for term in terms(" ".join(phrase)):
                rows = index.postings(term)
                allowed = rows if allowed is None else np.intersect1d(allowed, rows)
        return allowed if allowed is not None else np.zeros(0, dtype=np.int32)

    # --- filters (in:, from:, to:) -------------------------------------------------------------

    async def catalogue(self) -> Catalogue:
        """The parts and years of the serving index's documents (built once per index)."""
        await self.refresh()
        if self._catalogue is None or self._catalogue[0] != self._build_id:
            build_id, (_, pages) = self._build_id, self._serving()
            rows = await self.store.document_openings(OPENING_CHARS)
            ranges = pages.passage_ranges()
            self._catalogue = (build_id, await asyncio.to_thread(Catalogue, rows, ranges))
        return self._catalogue[1]

    async def _filter_rows(
        self, filters: Filters, index: BM25Index, allowed: np.ndarray | None
    ) -> np.ndarray:
        """The index rows ``filters`` keeps, within ``allowed`` when a phrase already narrowed."""
        catalogue = await self.catalogue()
        rows = catalogue.rows(catalogue.check(filters), index.passage_ids)
        return rows if allowed is None else np.intersect1d(allowed, rows)

    # --- chat messages (the bot's "Find in archive") ------------------------------------------

    def message_query(self, text: str) -> tuple[str, bool]:
        """What to search for a chat message, and whether it was reduced to its telling words;
        raises :class:`~retrieval.lookup.NothingToLookUp` when it has no usable words."""
        return telling_words(text, self._require_index().term_idf)

    # --- footnotes and documents ---------------------------------------------------------------

    async def resolve_document(self, ref: str) -> DocumentInfo:
        """A document by id (or its file's path: ``faq/freecoun.html``), exact title
        (case-insensitive) or URL, in any spelling of it (``http://``, without ``www.`` or the
        scheme)."""
        ref = ref.strip()
        for doc_id in dict.fromkeys((ref.strip("/"), _path_id(ref))):
            info = await self.store.document_info(doc_id)
            if info is not None:
                return info
        docs = await self.store.document_infos()
        folded, key = ref.casefold(), reference_key(ref)
        for doc in docs:
            if folded in (doc.title.casefold(), (doc.url or "").casefold()) or (
                key and doc.url and page_key(doc.url) == key
            ):
                return doc
        # The end of a page's address, as its URL shows it (``mn/mn.php?issue=135``), when one
        # page alone has it.
        tail = _address_tail(ref)
        ending = [d for d in docs if tail and d.url and page_key(d.url).endswith(tail)]
        if len(ending) == 1:
            return ending[0]
        close = _closest(ref, docs)
        if close:
            raise UnknownDocument(f"no document '{ref}'. Did you mean: {', '.join(close)}?")
        if not docs:
            raise UnknownDocument(f"no document '{ref}': the archive holds none yet")
        raise UnknownDocument(
            f"no document '{ref}': a document is named by its id, the end of its page's address "
            f"(such as {docs[0].doc_id}), or by its title"
        )

    async def footnote(self, doc_ref: str, number: int) -> FootnoteInfo:
        """A footnote's text (or that this copy lacks it) and the sentences that cite it."""
        doc = await self.resolve_document(doc_ref)
        cited = await self.store.cited_notes(doc.doc_id)
        if number not in cited:
            if not cited:
                raise UnknownNote(f"{doc.doc_id} cites no footnotes")
            listed = ", ".join(str(n) for n in cited)
            raise UnknownNote(f"{doc.doc_id} has no note {number}. Its notes: {listed}")
        notes = await self.store.notes(doc.doc_id)
        citing: list[CitingSentence] = []
        for marker in await self.store.markers(doc.doc_id, number):
            sentence = await self.store.text_slice(
                doc.doc_id, marker.sentence_start, marker.sentence_end
            )
            paragraph = (
                await self.store.paragraphs(doc.doc_id, marker.paragraph, marker.paragraph)
            )[0]
            citing.append(
                CitingSentence(
                    marker.paragraph,
                    paragraph.section,
                    sentence,
                    text_fragment_link(doc.url, sentence),
                )
            )
        return FootnoteInfo(
            doc.doc_id, doc.title, number, notes.get(number), tuple(citing), doc.url
        )

    async def documents(self) -> list[DocumentInfo]:
        """Every stored document."""
        return await self.store.document_infos()

    async def stats(self) -> IndexStats:
        """Sizes and provenance of the serving index."""
        meta = await self.store.meta()
        # Counting scans the tables; the counts only change when a new index is installed.
        if self._counts is None or self._counts[0] != self._build_id:
            self._counts = (self._build_id, await self.store.counts())
        counts = self._counts[1]
        index = self._index
        settings = {k: meta[k] for k in self._indexer.expected_meta() if k in meta}
        return IndexStats(
            documents=counts["documents"],
            passages=counts["passages"],
            notes=counts["notes"],
            terms=len(index.terms) if index else 0,
            built_at=meta.get("built_at"),
            db_path=str(self.store.path),
            settings=settings,
        )

    # --- saved questions and front-end state -----------------------------------------------

    async def save_question(self, question: str, owner: str, shown: str | None = None) -> int:
        """Remember a question (and who asked it) so its answer can be paged later; ``shown`` is
        how it is echoed to people when that differs from what is searched."""
        return await self.store.save_question(
            clean_question(question), owner, time.time(), clean_question(shown) if shown else None
        )

    async def saved_question(self, question_id: int) -> SavedQuestion | None:
        """A remembered question, or ``None`` when it was never saved or was forgotten."""
        row = await self.store.saved_question(question_id)
        return SavedQuestion(question_id, *row) if row else None

    async def save_answer_page(self, question_id: int, answer: Answer) -> None:
        """Remember which documents a page of a saved question's answer quoted, so that their
        notes can be shown later (:meth:`answer_page_notes`) without searching again."""
        await self.store.save_answer_page(
            question_id, answer.offset, [d.doc_id for d in answer.documents]
        )

    async def answer_page_notes(
        self, question_id: int, offset: int
    ) -> tuple[DocumentNotes, ...] | None:
        """The documents a saved page quoted, with their notes (a document removed since is left
        out), or ``None`` when that page was never saved (an answer given by an older version)."""
        doc_ids = await self.store.answer_page(question_id, offset)
        if doc_ids is None:
            return None
        infos = [i for i in [await self.store.document_info(d) for d in doc_ids] if i is not None]
        notes = await self._notes_of_documents(i.doc_id for i in infos)
        return tuple(DocumentNotes(i.doc_id, i.title, i.url, notes[i.doc_id]) for i in infos)

    async def forget_questions_older_than(self, seconds: float) -> None:
        """Drop remembered questions older than ``seconds``."""
        await self.store.forget_questions_before(time.time() - seconds)

    # --- feedback ------------------------------------------------------------------------------

    async def vote(
        self, question_id: int, person: str, helpful: bool, question: str, documents: list[str]
    ) -> Vote:
        """Record one person's vote on an answer (a second vote replaces the first).

        The person is stored only as a keyed hash of who and which answer, enough to find their
        vote again and never to tie votes on different answers together.
        """
        key = await self.store.app_state_or(_FEEDBACK_KEY, secrets.token_hex(32))
        voter = hmac.new(
            key.encode(), f"{question_id}:{person}".encode(), hashlib.sha256
        ).hexdigest()[:32]
        previous = await self.store.vote(
            question_id, voter, helpful, question, json.dumps(documents), time.time()
        )
        counts = next((v for v in await self.store.votes() if v[0] == question_id), None)
        up, down = (counts[3], counts[4]) if counts else (0, 0)
        return Vote(helpful, previous, up, down)

    async def feedback(self) -> FeedbackSummary:
        """Votes per answered question and per quoted document (for the admins' usage view)."""
        rows = await self.store.votes()
        per_document: dict[str, list[int]] = {}
        for _, _, documents, up, down in rows:
            for doc_id in dict.fromkeys(json.loads(documents)):
                counts = per_document.setdefault(doc_id, [0, 0])
                counts[0] += up
                counts[1] += down
        return FeedbackSummary(
            tuple(FeedbackCount(question, up, down) for _, question, _, up, down in rows),
            tuple(
                FeedbackCount(doc_id, up, down)
                for doc_id, (up, down) in sorted(
                    per_document.items(), key=lambda x: (-(x[1][0] + x[1][1]), x[0])
                )
            ),
        )

    # --- the question log (usage insight for admins; no user ids) -----------------------------

    async def log_question(self, answer: Answer, front_end: str) -> None:
        """Add an answered question to the question log (its text, the time, whether it was
        found, how many excerpts were shown; never who asked)."""
        await self.store.log_question(LoggedQuestion.of(answer, front_end, time.time()))

    async def forget_logged_questions_older_than(self, seconds: float) -> None:
        """Drop question-log entries older than ``seconds``."""
        await self.store.forget_logged_questions_before(time.time() - seconds)

    async def question_report(
        self,
        days: int = DEFAULT_REPORT_DAYS,
        top: int = DEFAULT_REPORT_TOP,
        *,
        now: float | None = None,
    ) -> QuestionReport:
        """The question log over the last ``days`` UTC days: per day, the ``top`` most asked,
        the ``top`` most recently not found."""
        now = time.time() if now is None else now
        since = window_start(days, now)
        counted = await self.store.questions_per_day(since)
        return QuestionReport(
            days=days,
            since=iso_time(since),
            asked=sum(a for a, _ in counted.values()),
            not_found=sum(n for _, n in counted.values()),
            per_day=every_day(days, now, counted),
            most_asked=tuple(await self.store.most_asked(since, top)),
            recent_not_found=tuple(await self.store.most_asked(since, top, not_found_only=True)),
        )

    async def state(self, key: str) -> str | None:
        """A value a front end stored with :meth:`set_state`."""
        return await self.store.app_state(key)

    async def set_state(self, key: str, value: str) -> None:
        """Store a small value for a front end (e.g. the hash of the bot's commands)."""
        await self.store.set_app_state(key, value)

    # --- ingest -------------------------------------------------------------------------------

    @property
    def reindexing(self) -> bool:
        """Whether an ingest is running."""
        return self._ingest_lock.locked()

    async def reindex_plan(
        self, configured: Iterable[str | Path], base_url: str = ARCHIVE_BASE_URL
    ) -> ReindexPlan:
        """What a reindex of ``configured`` reads: the recorded roots that exist (each with the
        base URL it was ingested with), then the configured sources they do not cover."""
        return await self._indexer.reindex_plan(configured, base_url)

    async def ingest(
        self,
        paths: Iterable[str | Path],
        *,
        prune: bool = False,
        exact: bool = False,
        progress: ProgressCallback | None = None,
        isolated: bool = False,
        base_url: str = ARCHIVE_BASE_URL,
    ) -> IngestReport:
        """Read ``paths`` and bring the store and index up to date; one ingest at a time.

        Unchanged files are skipped; changed ones replace their document; a document no longer
        in a file read again is removed. The same page read twice (same text, or the same URL) is
        stored once and reported as merged; another file claiming a stored document's id is
        refused with both named. With ``prune``, documents whose source lies under ``paths`` but
        was not read are removed. With ``exact`` (the bot's /reindex, see :meth:`reindex_plan`),
        every recorded root is read again besides ``paths``; the documents of a recorded root that
        no longer exists, or whose own file is gone, are removed; a missing path in ``paths`` is
        an error instead. A document whose file could not be read this time is kept. Every root
        that gave documents is recorded. Nothing changes unless the whole ingest commits.
        ``isolated`` runs the work in a child process (what a server should do: its event loop
        stays responsive). ``base_url`` is where mirrored pages of ``paths`` were published
        (their URLs and ids derive from it).
        """
        paths = list(paths)
        if exact:
            missing = [str(p) for p in paths if not Path(p).expanduser().exists()]
            if missing:
                raise SourceError(
                    f"configured source {', '.join(missing)} does not exist; nothing was changed"
                )
        if self._ingest_lock.locked():
            raise ReindexInProgress("a reindex is already running; wait for it to finish")
        progress = progress or (lambda p: None)
        async with self._ingest_lock:
            if not isolated:
                return await self._indexer.ingest(paths, prune, exact, progress, base_url)
            report = await ingest_in_child(
                self.store.path,
                paths,
                prune=prune,
                exact=exact,
                base_url=base_url,
                chunking=self.chunking,
                params=self.params,
                progress=progress,
            )
            build_id = (await self.store.meta()).get("build_id")
            if build_id and build_id != self._build_id:
                await self._load(build_id)
            return report


def _settle() -> None:
    """Move what is alive now (an index's vocabulary: hundreds of thousands of
    objects that live as long as the index) out of the garbage collector's full collections,
    which would otherwise walk them all and hold the event loop 30-40 ms (benchmarks/bench_loop.py).
    Instant: nothing is collected here."""
    gc.freeze()


def _documents_quoted(results: tuple[Result, ...], found: Found) -> tuple[DocumentNotes, ...]:
    """The documents ``results`` quote, in order of first quote, with their notes."""
    cited: dict[str, Citation] = {}
    for result in results:
        cited.setdefault(result.citation.doc_id, result.citation)
    return tuple(
        DocumentNotes(
            d,
            c.title,
            c.url,
            tuple(NoteRef(n, found.notes[d].get(n)) for n in found.cited[d]),
        )
        for d, c in cited.items()
    )


def _diff(meta: dict[str, str], expected: dict[str, str]) -> str:
    return ", ".join(f"{k}: {meta.get(k)} -> {v}" for k, v in expected.items() if meta.get(k) != v)
