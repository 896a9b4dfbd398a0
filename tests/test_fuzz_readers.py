"""Fuzzing the readers: any bytes give documents or the project's own SourceError, quickly."""

from __future__ import annotations

import contextlib
import io
import time
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from retrieval import ArchiveService, SourceError
from retrieval.models import SkippedFile, SourceDocument, SourceRef
from retrieval.sources import read_all, read_source
from retrieval.sources.base import SourceFile

SUFFIXES = [".txt", ".md", ".jsonl", ".html", ".htm", ".php"]
TIME_BOUND = 5.0

html_fragments = st.sampled_from(
    ["<p>", "</p>", "<br>", "<br><br>", "<font size=+1>", "<b>", "<ol>", "<li>", "<a href='#1'>",
     "<sup>1</sup>", "<h2>Notes</h2>", "<table><tr><td>", "<script>", "&amp;", "&#1234;", "\x00",
     "Amerika", "(1)", "[2]", "1. note", "\xe9", "<!--", "<![CDATA[", "<title>MIM: x</title>"]
)  # fmt: skip
inputs = st.one_of(
    st.binary(max_size=3000),
    st.lists(html_fragments, max_size=200).map(
        lambda parts: "".join(parts).encode("utf-8", "replace")
    ),
    st.text(max_size=3000).map(lambda t: t.encode("utf-8", "surrogatepass")),
)


def read(data: bytes, suffix: str) -> list[SourceDocument | SkippedFile]:
    return list(read_source(SourceFile(SourceRef(f"fuzz{suffix}"), f"fuzz{suffix}", lambda: data)))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=inputs, suffix=st.sampled_from(SUFFIXES))
def test_any_bytes_give_documents_or_source_error(data: bytes, suffix: str) -> None:
    began = time.monotonic()
    try:
        documents = read(data, suffix)
    except SourceError as exc:
        assert str(exc)
    else:
        # A .jsonl's unreadable lines are skipped one by one; other files are read whole or not.
        kinds = (SourceDocument, SkippedFile) if suffix == ".jsonl" else (SourceDocument,)
        assert all(isinstance(d, kinds) for d in documents)
    assert time.monotonic() - began < TIME_BOUND


def test_deeply_nested_html_is_read_without_recursion_errors() -> None:
    page = (
        "<div>" * 20_000 + "<p>Deep text about the prison strike.</p>" + "</div>" * 20_000
    ).encode()
    began = time.monotonic()
    documents = read(page, ".html")
    assert time.monotonic() - began < TIME_BOUND
    assert "prison strike" in " ".join(b.text for d in documents for b in d.blocks)


def test_unclosed_tags_and_truncated_pages() -> None:
    page = (
        b"<html><head><title>MIM: Cut</title><body><p>Katayama met Trotsky in New York"
        + b"<font>" * 5000
    )
    documents = read(page, ".html")
    assert documents and documents[0].title == "Cut"
    for cut in (10, 100, 1000):
        with contextlib.suppress(SourceError):
            read(page[:cut], ".html")


def test_huge_file_is_refused_with_its_size(tmp_path: Path) -> None:
    from retrieval.sources import base

    big = tmp_path / "huge.txt"
    big.write_bytes(b"word " * (base.MAX_FILE_BYTES // 5 + 10))
    (item,) = [i for i in read_all([big])]
    assert isinstance(item, SkippedFile) and "limit" in item.reason


@settings(max_examples=60, deadline=None)
@given(data=st.binary(min_size=0, max_size=2000))
def test_random_and_truncated_zips_never_crash(tmp_path_factory, data: bytes) -> None:
    folder = tmp_path_factory.mktemp("z")
    good = io.BytesIO()
    with zipfile.ZipFile(good, "w") as zf:
        zf.writestr("ms/a.txt", "A page\n\nText about the strike.\n")
        zf.writestr("../evil.txt", "escape")
    raw = good.getvalue()
    for name, payload in (("random.zip", data), ("cut.zip", raw[: len(data) % len(raw)])):
        (folder / name).write_bytes(payload)
    began = time.monotonic()
    items = list(read_all([folder]))
    assert time.monotonic() - began < TIME_BOUND
    assert all(isinstance(i, SourceDocument | SkippedFile) for i in items)
    assert not any(isinstance(i, SourceDocument) and "evil" in i.doc_id for i in items)


async def test_disk_full_during_ingest_names_the_file_and_keeps_the_old_index(
    seed_service: ArchiveService, tiny_corpus: Path
) -> None:
    from retrieval import StoreError

    before = await seed_service.ask("Where did Deng Xiaoping become a communist?")
    pages = (await seed_service.store._writer.execute_fetchall("PRAGMA page_count"))[0][0]
    # SQLite reports "database or disk is full" exactly as on a full disk.
    await seed_service.store._writer.execute(f"PRAGMA max_page_count = {pages + 2}")
    with pytest.raises(StoreError) as info:
        await seed_service.ingest([tiny_corpus])
    assert str(seed_service.store.path) in str(info.value) and "full" in str(info.value)
    assert await seed_service.store.integrity_ok()
    after = await seed_service.ask("Where did Deng Xiaoping become a communist?")
    assert after.results[0].quote == before.results[0].quote
    assert [d.doc_id for d in await seed_service.documents()] == ["ms/migrantsincommunisthistory"]
