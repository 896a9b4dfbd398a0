"""Ingest: readers, ids, notes, incremental updates, skipped files, and nothing lost on failure."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from retrieval import ArchiveService, SkippedFile
from retrieval.layout import structure
from retrieval.sources import doc_id_from_url, read_all


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


async def test_prune_removes_documents_whose_files_are_gone(
    tiny_service: ArchiveService, tiny_corpus: Path
) -> None:
    (tiny_corpus / "guide.md").unlink()
    kept = await tiny_service.ingest([tiny_corpus])
    assert kept.removed == ()
    pruned = await tiny_service.ingest([tiny_corpus], prune=True)
    assert pruned.removed == ("guide",)
    assert "guide" not in [d.doc_id for d in await tiny_service.documents()]


async def test_unreadable_files_are_skipped_with_a_reason(
    seed_service: ArchiveService, tmp_path: Path
) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "good.txt").write_text("A page\n\nKatayama met Trotsky in New York.\n")
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02PNG")
    (folder / "broken.jsonl").write_text('{"text": "ok"}\nnot json\n')
    (folder / "nameless.jsonl").write_text('{"title": "no text"}\n')
    report = await seed_service.ingest([folder, tmp_path / "missing.txt"])
    reasons = {Path(s.path).name: s.reason for s in report.skipped}
    assert "binary" in reasons["binary.txt"]
    assert "not valid JSON" in reasons["broken.jsonl"]
    assert "'text'" in reasons["nameless.jsonl"]
    assert "no such file" in reasons["missing.txt"]
    assert report.added == ("good",)
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
    assert (await seed_service.ingest([tmp_path])).added == ("ms/one",)
    archive.unlink()
    assert (await seed_service.ingest([tmp_path], prune=True)).removed == ("ms/one",)


def test_worker_processes_prepare_exactly_what_this_process_would(
    tiny_corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from retrieval import ingest as service
    from retrieval.chunking import DEFAULT_CHUNKING

    sources = [d for d in read_all([tiny_corpus]) if not isinstance(d, SkippedFile)] * 3
    inline = [service.prepare_document(s, set(), DEFAULT_CHUNKING) for s in sources]
    monkeypatch.setattr(service, "PARALLEL_FROM", 1)
    monkeypatch.setattr(service.os, "cpu_count", lambda: 2)
    assert list(service.prepare_all(sources, set(), DEFAULT_CHUNKING)) == inline


async def test_exact_ingest_holds_exactly_its_sources(
    seed_service: ArchiveService, tiny_corpus: Path
) -> None:
    from retrieval import SourceError

    with pytest.raises(SourceError, match="does not exist; nothing was changed"):
        await seed_service.ingest([tiny_corpus / "gone"], exact=True)
    report = await seed_service.ingest([tiny_corpus], exact=True)
    assert report.removed == ("ms/migrantsincommunisthistory",)
    (tiny_corpus / "guide.md").write_bytes(b"\x00\x01binary now")
    again = await seed_service.ingest([tiny_corpus], exact=True)
    assert again.removed == () and "guide" in [d.doc_id for d in await seed_service.documents()]


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
