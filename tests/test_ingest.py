"""Ingest: readers, ids, notes, incremental updates, skipped files, and nothing lost on failure."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable
from pathlib import Path

import pytest

from retrieval import ArchiveService, RetrievalError, SkippedFile, SourceRef
from retrieval.cli import format_report
from retrieval.errors import UnknownDocument
from retrieval.ingest.staging import Staging
from retrieval.layout import structure
from retrieval.sources import read_all
from retrieval.sources.urls import ARCHIVE_BASE_URL, doc_id_from_url


def test_doc_ids_come_from_urls_and_paths() -> None:
    url = "https://www.prisoncensorship.info/archive/etext/ms/migrantsincommunisthistory.html"
    assert doc_id_from_url(url) == "ms/migrantsincommunisthistory"
    assert doc_id_from_url("https://example.org/a/b/index.html") == "a/b"


def test_seed_document_structure() -> None:
    (source,) = [d for d in read_all(["data"]) if not isinstance(d, SkippedFile)]
    document, dropped = structure(source)
    assert dropped == 2  # the archive header paragraph and the site-name line
    assert document.doc_id == "ms/migrantsincommunisthistory"
    assert document.sections == [
        "Our own teachers",
        "Ghana and Zanzibar",
        "What Western communists should not give to future Ho Chi Minhs",
        "Brain Drain",
    ]
    assert "This is an archive" not in document.text
    assert not document.text.startswith("Maoist Internationalist Movement")
    assert document.notes == {}  # this copy has no notes list
    cited = sorted({m.number for m in document.markers})
    assert cited == [1, 2, 3, 4, 5, 6, 7]
    assert sum(m.number == 7 for m in document.markers) == 3
    assert sum(m.number == 5 for m in document.markers) == 2


def test_bundled_text_is_kept_byte_for_byte() -> None:
    seed = Path(__file__).parents[2] / "shared" / "seeds" / "000_3b9707020bd53a84.txt"
    bundled = Path("data/000_3b9707020bd53a84.txt")
    if seed.exists():
        assert bundled.read_bytes() == seed.read_bytes()
    meta = json.loads(Path("data/000_3b9707020bd53a84.meta.json").read_text())
    assert meta["url"].endswith("ms/migrantsincommunisthistory.html")


async def test_tiny_corpus_reads_every_format(tiny_service: ArchiveService) -> None:
    ids = [d.doc_id for d in await tiny_service.documents()]
    assert ids == ["faq/whoweare", "guide", "ms/prisons", "reviews/film"]
    info = await tiny_service.footnote("ms/prisons", 1)
    assert info.text == "Bureau of Justice Statistics, 2004."
    assert len(info.citations) == 2
    assert info.citations[0].text.startswith("The prison population")
    second = await tiny_service.footnote("ms/prisons", 2)
    assert second.text == "MIM Notes 300."
    with pytest.raises(RetrievalError, match=r"^guide cites no footnotes$"):
        await tiny_service.footnote("guide", 1)
    with pytest.raises(RetrievalError, match=r"^no document 'zzz': a document is named by its id"):
        await tiny_service.footnote("zzz", 1)


async def test_a_document_is_found_by_any_spelling_of_its_address(
    seed_service: ArchiveService,
) -> None:
    url = (await seed_service.resolve_document("ms/migrantsincommunisthistory")).url
    assert url is not None and url.startswith("https://www.")
    bare = url.removeprefix("https://www.")
    path = "ms/migrantsincommunisthistory.html"
    for written in (url, "http://www." + bare, "https://" + bare, "www." + bare, bare, path):
        info = await seed_service.resolve_document(written)
        assert info.doc_id == "ms/migrantsincommunisthistory"


async def test_a_document_is_found_by_the_end_of_its_address_or_offered_by_likeness(
    pages_service,
) -> None:
    page = "MIM Notes {n}, May 1, 1997\n\nThe rally was held in May.(1)\n\nNotes:\n1. A source.\n"
    pages = {"issues.jsonl": "\n".join(
        json.dumps({"url": f"{ARCHIVE_BASE_URL}mn/mn.php?issue={n}", "text": page.format(n=n)})
        for n in ("135", "136")
    )}  # fmt: skip
    service = await pages_service(pages)
    # The path in the page's address, as its URL shows it (the id is mn/mn?issue=135).
    for written in ("mn/mn.php?issue=135", "/mn/mn.php?issue=135"):
        assert (await service.resolve_document(written)).doc_id == "mn/mn?issue=135"
    assert (await service.footnote("mn/mn.php?issue=136", 1)).text == "A source."
    with pytest.raises(UnknownDocument, match=r"Did you mean: mn/mn\?issue=13[56]"):
        await service.resolve_document("mn/mn?issue=137")


async def test_notes_list_is_not_searchable_body(tiny_service: ArchiveService) -> None:
    answer = await tiny_service.ask("Bureau of Justice Statistics")
    assert answer.abstained


async def test_quote_carries_note_text(tiny_service: ArchiveService) -> None:
    answer = await tiny_service.ask("How did the prison population of the United States grow?")
    best = answer.results[0]
    assert "united $tates" in best.quote
    assert (1, "Bureau of Justice Statistics, 2004.") in [(n.number, n.text) for n in best.notes]
    assert best.citation.section == ""
    assert best.citation.title == "Prisons in Amerika"


async def test_unchanged_reingest_changes_nothing(
    tiny_service: ArchiveService, tiny_corpus: Path
) -> None:
    before = await tiny_service.store.meta()
    report = await tiny_service.ingest([tiny_corpus])
    assert (report.added, report.changed, report.removed) == ((), (), ())
    assert len(report.unchanged) == 4
    assert await tiny_service.store.meta() == before  # same build, same time stamp


async def test_changed_file_replaces_its_document(
    tiny_service: ArchiveService, tiny_corpus: Path
) -> None:
    (tiny_corpus / "guide.md").write_text("# Reading guide\n\nRead about wimmin in prison.\n")
    report = await tiny_service.ingest([tiny_corpus])
    assert report.changed == ("guide",)
    answer = await tiny_service.ask("women prisoners reading")
    assert any("wimmin" in r.quote for r in answer.results)
    assert (await tiny_service.ask("labor aristocracy theory")).abstained


async def test_the_summary_says_whether_the_index_changed_and_caps_the_merged_pages(
    tiny_service: ArchiveService, tiny_corpus: Path, tmp_path: Path
) -> None:
    again = format_report(await tiny_service.ingest([tiny_corpus])).splitlines()
    assert again[1].startswith("index unchanged; ")  # not "passages 0, notes 0"
    copies = tmp_path / "copies.jsonl"
    page = {"url": "https://example.org/x.html", "text": "Copy\n\nThe same page again."}
    copies.write_text("\n".join(json.dumps(page) for _ in range(30)) + "\n")
    summary = format_report(await tiny_service.ingest([copies])).splitlines()
    assert summary[1].startswith("index rebuilt: ")
    assert sum(line.startswith("merged ") for line in summary) == 20
    assert "… and 9 more merged" in summary


async def test_prune_removes_documents_whose_files_are_gone(
    tiny_service: ArchiveService, tiny_corpus: Path
) -> None:
    (tiny_corpus / "guide.md").unlink()
    kept = await tiny_service.ingest([tiny_corpus])
    assert kept.removed == ()
    assert kept.unpruned == ("guide",)  # said, with what removes it
    assert "kept 1 document whose file is no longer there (ingest --prune removes it): guide" in (
        format_report(kept)
    )
    pruned = await tiny_service.ingest([tiny_corpus], prune=True)
    assert pruned.removed == ("guide",) and pruned.unpruned == ()
    assert format_report(pruned).splitlines()[1].startswith("index rebuilt: ")
    assert "guide" not in [d.doc_id for d in await tiny_service.documents()]


@pytest.mark.parametrize("how", ["prune", "reindex"])
async def test_an_empty_folder_removes_nothing(
    tiny_service: ArchiveService, tiny_corpus: Path, tmp_path: Path, how: str
) -> None:
    # A mount point whose disk is not mounted: the folder is there, and empty.
    before = [d.doc_id for d in await tiny_service.documents()]
    away = tmp_path / "away"
    tiny_corpus.rename(away)
    tiny_corpus.mkdir()
    if how == "prune":
        report = await tiny_service.ingest([tiny_corpus], prune=True)
    else:
        report = await tiny_service.ingest([tiny_corpus], exact=True)
    assert report.removed == () and report.read == 0
    assert report.kept_unreadable == (str(tiny_corpus),)
    assert "kept the documents stored from" in format_report(report)
    assert [d.doc_id for d in await tiny_service.documents()] == before
    assert not (await tiny_service.ask("labor aristocracy theory")).abstained
    # Mounted again, nothing was lost and nothing is said.
    tiny_corpus.rmdir()
    away.rename(tiny_corpus)
    again = await tiny_service.ingest([tiny_corpus], prune=True)
    assert again.removed == () and again.kept_unreadable == ()


async def test_a_reindex_keeps_a_recorded_folder_below_a_mount_point_that_reads_empty(
    seed_service: ArchiveService, tmp_path: Path
) -> None:
    from retrieval import bundled_corpus

    mirror = tmp_path / "mnt" / "mim"
    mirror.mkdir(parents=True)
    (mirror / "zebra.txt").write_text("Zebras\n\nThe zebra crossing was painted in 1951.\n")
    await seed_service.ingest([mirror])
    mirror.rename(tmp_path / "elsewhere")  # the disk mounted at mnt/ is not mounted: mnt/ is empty
    plan = await seed_service.reindex_plan([bundled_corpus()])
    assert plan.gone == ()  # out of reach, not gone: nothing announced as removed
    report = await seed_service.ingest([bundled_corpus()], exact=True)
    assert report.removed == () and report.kept_unreadable == (str(tmp_path / "mnt"),)
    assert "zebra" in [d.doc_id for d in await seed_service.documents()]
    # A folder deleted from one that still holds something is gone: its documents go.
    (tmp_path / "mnt" / "other").mkdir()
    assert (await seed_service.ingest([bundled_corpus()], exact=True)).removed == ("zebra",)


async def test_a_nested_root_that_reads_empty_keeps_its_documents(
    tiny_service: ArchiveService, tiny_corpus: Path, tmp_path: Path
) -> None:
    sub = tiny_corpus / "ms"
    (sub / "prisons.txt").rename(tmp_path / "prisons.txt")  # ms/ is left empty
    report = await tiny_service.ingest([tiny_corpus, sub], prune=True)
    assert report.removed == () and report.kept_unreadable == (str(sub.resolve()),)
    # Pruned as the one root it is under, the emptied subfolder's document goes.
    assert (await tiny_service.ingest([tiny_corpus], prune=True)).removed == ("ms/prisons",)


async def test_unreadable_files_are_skipped_with_a_reason(
    seed_service: ArchiveService, tmp_path: Path
) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "good.txt").write_text("A page\n\nKatayama met Trotsky in New York.\n")
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02PNG")
    (folder / "broken.jsonl").write_text('{"text": "ok"}\nnot json\n')
    (folder / "nameless.jsonl").write_text('{"title": "no text"}\n')
    (folder / "blank.jsonl").write_text('{"text": " ", "url": "https://x.org/b"}\n{"text": "ok"}\n')
    (folder / "empty.txt").write_text("")
    (folder / "spaces.md").write_text("  \n\n \n")
    report = await seed_service.ingest([folder, tmp_path / "missing.txt"])
    reasons = {Path(str(s.path)).name: s.reason for s in report.skipped}
    assert "binary" in reasons["binary.txt"]
    assert "not valid JSON" in reasons["broken.jsonl:2"]  # that line, not the whole file
    assert "'text'" in reasons["nameless.jsonl:1"]
    # Nothing to search: skipped, not stored as a document of 0 paragraphs.
    assert reasons["blank.jsonl:1"] == reasons["empty.txt"] == reasons["spaces.md"] == "no text"
    assert "blank/2" in report.added
    assert "no such file" in reasons["missing.txt"]
    assert "good" in report.added
    assert (await seed_service.ask("Where did Katayama meet Trotsky?")).results


async def test_failed_ingest_keeps_the_old_index(
    seed_service: ArchiveService, tiny_corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = await seed_service.ask("Where did Deng Xiaoping become a communist?")
    meta = await seed_service.store.meta()

    def explode(*args, **kwargs):
        raise OSError("disk on fire")

    monkeypatch.setattr("retrieval.service.BM25Index.from_builder", explode)
    with pytest.raises(OSError):
        await seed_service.ingest([tiny_corpus])
    assert await seed_service.store.meta() == meta
    assert [d.doc_id for d in await seed_service.documents()] == ["ms/migrantsincommunisthistory"]
    after = await seed_service.ask("Where did Deng Xiaoping become a communist?")
    assert after.results[0].quote == before.results[0].quote


async def test_reopening_a_store_reuses_its_index(tmp_path: Path) -> None:
    db = tmp_path / "a.sqlite3"
    first = await ArchiveService.open(db)
    build = (await first.store.meta())["build_id"]
    await first.close()
    again = await ArchiveService.open(db)
    assert (await again.store.meta())["build_id"] == build
    assert (await again.ask("Deng Xiaoping France")).results
    await again.close()


async def test_settings_mismatch_rebuilds_the_index(tmp_path: Path) -> None:
    db = tmp_path / "b.sqlite3"
    first = await ArchiveService.open(db)
    async with first.store.transaction() as w:
        await w.set_meta({"tokenizer_version": "0-old", "bm25": "k1=9"})
    build = (await first.store.meta())["build_id"]
    await first.close()
    again = await ArchiveService.open(db)
    meta = await again.store.meta()
    assert meta["build_id"] != build
    assert meta["tokenizer_version"] != "0-old"
    assert (await again.ask("Where did Deng Xiaoping become a communist?")).results
    await again.close()


async def test_damaged_index_blobs_are_rebuilt(tmp_path: Path) -> None:
    db = tmp_path / "c.sqlite3"
    first = await ArchiveService.open(db)
    async with first.store.transaction() as w:
        await w.execute("UPDATE index_blobs SET data = x'00' WHERE name = 'rows'")
    await first.close()
    again = await ArchiveService.open(db)
    assert (await again.ask("Deng Xiaoping France")).results
    await again.close()


async def test_a_second_process_ingest_is_picked_up(tmp_path: Path, tiny_corpus: Path) -> None:
    db = tmp_path / "d.sqlite3"
    bot_side = await ArchiveService.open(db)
    cli_side = await ArchiveService.open(db)
    await cli_side.ingest([tiny_corpus])
    await cli_side.close()
    bot_side._checked_at = 0.0  # skip the once-a-second throttle
    answer = await bot_side.ask("prison population united states")
    assert answer.results and answer.results[0].citation.doc_id == "ms/prisons"
    await bot_side.close()


async def test_an_ingest_another_process_committed_under_is_refused(
    tmp_path: Path, tiny_corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "race.sqlite3"
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    ours.mkdir(), theirs.mkdir()
    (ours / "zebra.txt").write_text("Zebras\n\nThe zebra crossing was painted in 1951.\n")
    (ours / "yak.txt").write_text("Yaks\n\nThe yak herd wintered in the valley.\n")
    (theirs / "quokka.txt").write_text("Quokkas\n\nThe quokka lives on Rottnest Island.\n")
    service = await ArchiveService.open(db, seed=[tiny_corpus, ours])
    add_stored = Staging.add_stored

    async def ingest_elsewhere() -> None:
        other = await ArchiveService.open(db)
        try:
            await other.ingest([theirs])
        finally:
            await other.close()

    def overtaken(self: Staging, batches: Iterable[list[tuple[int, str]]]) -> None:
        # Runs while our ingest stages the index outside any transaction: another writer
        # commits its own ingest meanwhile (once; its own staging passes straight through).
        monkeypatch.setattr(Staging, "add_stored", add_stored)
        asyncio.run(ingest_elsewhere())
        add_stored(self, batches)

    # Ours only removes a document, so its index (staged before theirs committed) would commit
    # cleanly and leave their new document stored but never found.
    (ours / "zebra.txt").unlink()
    monkeypatch.setattr(Staging, "add_stored", overtaken)
    try:
        with pytest.raises(RetrievalError, match="another process changed the index"):
            await service.ingest([ours], prune=True)
    finally:
        await service.close()
    again = await ArchiveService.open(db)
    try:
        found = await again.ask("quokka Rottnest")
        assert [r.citation.doc_id for r in found.results][:1] == ["quokka"]
        assert {"quokka", "zebra"} <= {d.doc_id for d in await again.documents()}
    finally:
        await again.close()


async def test_repeated_paragraphs_are_found_from_the_corpus_and_dropped(
    seed_service: ArchiveService, tmp_path: Path
) -> None:
    folder = tmp_path / "site"
    folder.mkdir()
    banner = (
        "Return to the MIM Prison Ministry home page and read the latest issue of Under Lock & Key."
    )
    topics = ["strike", "censorship", "isolation", "grievance", "parole", "visits", "labor"]
    for i, topic in enumerate(topics):
        (folder / f"p{i}.txt").write_text(
            f"Page about {topic}\n\n{banner}\n\nPrisoners wrote about the {topic} in {1990 + i}.\n"
        )
    report = await seed_service.ingest([folder])
    assert report.boilerplate_paragraphs == (" ".join(banner.split()).casefold(),)
    assert report.boilerplate_dropped >= len(topics)
    assert (await seed_service.ask("prison ministry home page latest issue")).abstained
    answer = await seed_service.ask("What did prisoners write about the parole?")
    assert "parole" in answer.results[0].quote and "Return to" not in answer.results[0].quote


async def test_documents_from_a_zip_are_pruned_with_it(
    seed_service: ArchiveService, tmp_path: Path
) -> None:
    import zipfile

    archive = tmp_path / "pages.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("ms/one.txt", "One\n\nKatayama met Trotsky in New York.\n")
    (tmp_path / "two.txt").write_text("Two\n\nSen Katayama wrote from Moscow.\n")
    assert (await seed_service.ingest([tmp_path])).added == ("ms/one", "two")
    archive.unlink()
    assert (await seed_service.ingest([tmp_path], prune=True)).removed == ("ms/one",)


async def test_reindex_reads_recorded_roots_and_keeps_their_documents(
    seed_service: ArchiveService, tiny_corpus: Path
) -> None:
    from retrieval import SourceError, bundled_corpus

    await seed_service.ingest([tiny_corpus])  # what `archive-bot ingest` does
    roots = [r.path for r in await seed_service.store.source_roots()]
    assert roots == [str(bundled_corpus()), str(tiny_corpus.resolve())]
    with pytest.raises(SourceError, match="does not exist; nothing was changed"):
        await seed_service.ingest([tiny_corpus / "gone"], exact=True)
    (tiny_corpus / "guide.md").write_text("# Reading guide\n\nRead about wimmin in prison.\n")
    (tiny_corpus / "ms" / "prisons.txt").unlink()
    # /reindex with the default ARCHIVE_SOURCES: the bundled corpus only
    report = await seed_service.ingest([bundled_corpus()], exact=True)
    assert report.changed == ("guide",)  # the recorded root was read again
    assert report.removed == ("ms/prisons",)
    assert report.removals[0].reason == f"not found under {tiny_corpus.resolve()}"
    ids = [d.doc_id for d in await seed_service.documents()]
    assert ids == ["faq/whoweare", "guide", "ms/migrantsincommunisthistory", "reviews/film"]
    (tiny_corpus / "guide.md").write_bytes(b"\x00\x01binary now")
    again = await seed_service.ingest([bundled_corpus()], exact=True)
    assert again.removed == () and "guide" in [d.doc_id for d in await seed_service.documents()]


async def test_reindex_removes_the_documents_of_a_root_that_is_gone(
    seed_service: ArchiveService, tiny_corpus: Path
) -> None:
    import shutil

    from retrieval import bundled_corpus

    await seed_service.ingest([tiny_corpus])
    shutil.rmtree(tiny_corpus)
    plan = await seed_service.reindex_plan([bundled_corpus()])
    assert [r.path for r in plan.read] == [str(bundled_corpus())]
    assert [r.path for r in plan.gone] == [str(tiny_corpus.resolve())]
    report = await seed_service.ingest([bundled_corpus()], exact=True)
    assert report.removed == ("faq/whoweare", "guide", "ms/prisons", "reviews/film")
    assert {r.reason for r in report.removals} == {f"{tiny_corpus.resolve()} no longer exists"}
    assert [r.path for r in await seed_service.store.source_roots()] == [str(bundled_corpus())]
    assert report.unchanged == ("ms/migrantsincommunisthistory",)


def _notes(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "notes.txt").write_text(text, encoding="utf-8")
    return folder


NOTES_A = "Notes from Ann Arbor\n\nKatayama met Trotsky in New York in 1917.\n"
NOTES_B = "Notes from Boston\n\nDeng worked in a Renault factory near Paris.\n"


async def test_same_relative_name_in_another_folder_does_not_replace_a_document(
    seed_service: ArchiveService, tmp_path: Path
) -> None:
    a = _notes(tmp_path / "a", NOTES_A)
    b = _notes(tmp_path / "b", NOTES_B)
    assert (await seed_service.ingest([a])).added == ("notes",)
    report = await seed_service.ingest([b])
    assert (report.added, report.changed, report.read) == ((), (), 0)
    (skipped,) = report.skipped
    assert skipped.path == SourceRef(str(b / "notes.txt"))
    assert str(a / "notes.txt") in skipped.reason and "different text" in skipped.reason
    assert (
        "Katayama" in (await seed_service.ask("Where did Katayama meet Trotsky?")).results[0].quote
    )
    assert (await seed_service.ask("Renault factory near Paris")).abstained
    # in one ingest, too: the first read is stored, the second refused with both named
    both = await seed_service.ingest([b, a])
    assert both.unchanged == ("ms/migrantsincommunisthistory", "notes") or "notes" in both.unchanged
    assert [s.path for s in both.skipped] == [SourceRef(str(b / "notes.txt"))]
    assert str(a / "notes.txt") in both.skipped[0].reason


async def test_same_file_in_another_folder_is_merged_and_a_moved_folder_takes_over(
    seed_service: ArchiveService, tmp_path: Path
) -> None:
    a = _notes(tmp_path / "a", NOTES_A)
    copy = _notes(tmp_path / "copy", NOTES_A)
    await seed_service.ingest([a])
    report = await seed_service.ingest([copy])
    assert report.skipped == () and report.read == 1
    (merged,) = report.merged
    assert (merged.doc_id, merged.source, merged.kept, merged.same_text) == (
        "notes", SourceRef(str(copy / "notes.txt")), SourceRef(str(a / "notes.txt")), True,
    )  # fmt: skip
    moved = tmp_path / "moved"
    a.rename(moved)
    (moved / "notes.txt").write_text(NOTES_B)
    taken = await seed_service.ingest([moved])  # the old file is gone: not a collision
    assert taken.changed == ("notes",) and taken.skipped == ()
    assert (await seed_service.store.load_document("notes")).source == SourceRef(
        str(moved / "notes.txt")
    )


async def test_one_page_under_http_https_and_www_is_stored_once_and_reported(
    seed_service: ArchiveService, tmp_path: Path
) -> None:
    text = (
        "Who is a Communist\n\nCommunism is the abolition of power of people over people. This "
        "means abolishing oppression, whether of nations by nations, classes by classes or women "
        "by men. Communism is based on mutual cooperation, peace and justice instead of oppression."
    )
    page = "prisoncensorship.info/archive/etext/wim/whocomm.html"
    lines = [
        {"url": f"https://www.{page}", "text": text},
        {"url": f"http://{page}", "text": text},
        {"url": f"https://{page}", "text": text.replace("Communism is based", "It is based")},
        {"url": "https://www.prisoncensorship.info/archive/etext/wim/copy.html", "text": text},
        {"url": "https://www.prisoncensorship.info/archive/etext/faq/short.html", "text": "Hi."},
        {"url": "https://www.prisoncensorship.info/archive/etext/faq/other.html", "text": "Hi."},
    ]
    pages = tmp_path / "pages.jsonl"
    pages.write_text("".join(json.dumps(line) + "\n" for line in lines))
    report = await seed_service.ingest([pages])
    assert report.added == ("faq/other", "faq/short", "wim/whocomm")  # short texts stay apart
    assert report.skipped == ()
    merged = [(m.doc_id, str(m.source), str(m.kept), m.same_text) for m in report.merged]
    assert merged == [
        ("wim/whocomm", f"{pages}:2", f"{pages}:1", True),
        ("wim/whocomm", f"{pages}:3", f"{pages}:1", False),  # same URL, text differs
        ("wim/whocomm", f"{pages}:4", f"{pages}:1", True),  # another URL, same text
    ]
    assert report.merged[2].url.endswith("/wim/copy.html")
    assert {m.kept_url for m in report.merged} == {f"https://www.{page}"}
    again = await seed_service.ingest([pages])
    assert (again.added, again.changed, again.removed, len(again.merged)) == ((), (), (), 3)


async def test_same_id_with_different_text_and_url_in_one_file_is_refused(
    seed_service: ArchiveService, tmp_path: Path
) -> None:
    pages = tmp_path / "pages.jsonl"
    pages.write_text(
        json.dumps({"id": "faq/one", "text": "One\n\nThe first page says one thing."}) + "\n"
        + json.dumps({"id": "faq/one", "text": "Two\n\nThe second page says another."}) + "\n"
    )  # fmt: skip
    report = await seed_service.ingest([pages])
    assert report.added == ("faq/one",)
    (skipped,) = report.skipped
    assert skipped.path == SourceRef(str(pages), line=2)
    assert f"'faq/one' was also read from {pages}:1 with different text" in skipped.reason


async def test_a_file_read_again_stands_for_exactly_its_documents(
    seed_service: ArchiveService, tmp_path: Path
) -> None:
    pages = tmp_path / "pages.jsonl"
    first = {"id": "a/one", "text": "One\n\nKatayama met Trotsky in New York."}
    second = {"id": "a/two", "text": "Two\n\nDeng became a communist in France."}
    pages.write_text(json.dumps(first) + "\n" + json.dumps(second) + "\n")
    await seed_service.ingest([pages])
    pages.write_text(json.dumps(second) + "\n")  # a line removed (or its id changed)
    report = await seed_service.ingest([pages])
    assert report.removed == ("a/one",)
    assert report.removals[0].reason == f"no longer in {pages}"
    assert report.unchanged == ("a/two",)


@pytest.mark.parametrize("spelling", ["relative", "absolute", "trailing slash", "symlink"])
async def test_prune_works_with_the_path_spelled_any_way(
    seed_service: ArchiveService,
    tiny_corpus: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    spelling: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "link").symlink_to(tiny_corpus)
    ingested, pruned = {
        "relative": ("corpus", str(tiny_corpus)),
        "absolute": (str(tiny_corpus), "corpus"),
        "trailing slash": ("corpus/", str(tiny_corpus) + "/"),
        "symlink": ("link", "./corpus"),
    }[spelling]
    assert len((await seed_service.ingest([ingested])).added) == 4
    (tiny_corpus / "guide.md").unlink()
    report = await seed_service.ingest([pruned], prune=True)
    assert report.removed == ("guide",)
    assert report.unchanged == ("faq/whoweare", "ms/prisons", "reviews/film")


async def test_roots_are_recorded_resolved_and_once(
    seed_service: ArchiveService, tiny_corpus: Path, tmp_path: Path
) -> None:
    from retrieval import bundled_corpus

    await seed_service.ingest([tiny_corpus / "ms"])
    await seed_service.ingest([tiny_corpus / "guide.md"])
    await seed_service.ingest([str(tiny_corpus) + "/"])  # covers both: replaces them
    await seed_service.ingest([tiny_corpus / "ms" / "prisons.txt"])  # inside: adds nothing
    empty = tmp_path / "empty"
    empty.mkdir()
    assert (await seed_service.ingest([empty])).read == 0  # nothing read: not recorded
    roots = [r.path for r in await seed_service.store.source_roots()]
    assert roots == [str(bundled_corpus()), str(tiny_corpus.resolve())]


async def test_isolated_ingest_runs_in_a_child_and_swaps_the_index(
    seed_service: ArchiveService, tiny_corpus: Path
) -> None:
    seen: list[str] = []
    report = await seed_service.ingest(
        [tiny_corpus], isolated=True, progress=lambda p: seen.append(p.stage)
    )
    assert report.added == ("faq/whoweare", "guide", "ms/prisons", "reviews/film")
    assert "read" in seen
    answer = await seed_service.ask("prison population united states")
    assert answer.results[0].citation.doc_id == "ms/prisons"  # the parent serves the new index
    from retrieval import SourceError

    with pytest.raises(SourceError):
        await seed_service.ingest([tiny_corpus / "gone"], exact=True, isolated=True)


async def test_a_bad_line_keeps_only_its_own_document(
    seed_service: ArchiveService, tmp_path: Path
) -> None:
    pages = tmp_path / "pages.jsonl"
    lines = [
        {"id": "a/one", "text": "One\n\nKatayama met Trotsky in New York."},
        {"id": "a/two", "text": "Two\n\nDeng became a communist in France."},
        {"id": "a/three", "text": "Three\n\nHoxha studied briefly in France."},
    ]
    pages.write_text("".join(json.dumps(line) + "\n" for line in lines))
    await seed_service.ingest([pages])
    pages.write_text(json.dumps(lines[0]) + "\n{not json\n")  # line 2 broken, line 3 deleted
    report = await seed_service.ingest([pages])
    assert [s.path for s in report.skipped] == [SourceRef(str(pages), line=2)]
    assert report.removed == ("a/three",)  # a/two's line could not be read: it stays
    assert report.unchanged == ("a/one",)
