"""Zips read in place: good entries become documents, unsafe ones are refused with a reason."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from retrieval import ArchiveService
from retrieval.models import SkippedFile, SourceDocument, SourceRef
from retrieval.sources import read_all, source_files, zipfiles
from retrieval.sources.base import SourceFile
from retrieval.sources.urls import ARCHIVE_BASE_URL
from retrieval.sources.zipfiles import unsafe_reason, zip_files

HTML = Path(__file__).parent / "data" / "html"
PAGE = b"<html><title>MIM: A page</title><body><p>Some article text.</p></body></html>"


def _zip(path: Path, entries: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in entries.items():
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=compression)
    return path


def _good_zip(path: Path) -> Path:
    return _zip(
        path,
        {
            "www.prisoncensorship.info/archive/etext/ms/prisonlabor.html": (
                HTML / "old_latin1.html"
            ).read_bytes(),
            "pcp.html": (HTML / "canonical.html").read_bytes(),
            "notes/readme.txt": b"Reading notes\n\nA plain text page in the zip.\n",
            "images/logo.gif": b"GIF89a",
            "__MACOSX/._pcp.html": b"\x00\x05\x16\x07",
        },
    )


def _skipped(items: list) -> dict[str, str]:
    return {str(i.path): i.reason for i in items if isinstance(i, SkippedFile)}


def test_good_zip_entries_are_read_in_place(tmp_path: Path) -> None:
    path = _good_zip(tmp_path / "archive.zip")
    files = list(zip_files(path))
    assert [f.relative for f in files] == [
        "notes/readme.txt",
        "pcp.html",
        "www.prisoncensorship.info/archive/etext/ms/prisonlabor.html",
    ]
    assert all(
        isinstance(f, SourceFile) and f.ref == SourceRef(str(path), f.relative) for f in files
    )
    assert files[1].read() == (HTML / "canonical.html").read_bytes()  # after the zip was closed


def test_zip_documents_get_urls_from_their_paths_or_canonical_links(tmp_path: Path) -> None:
    docs = {d.doc_id: d for d in read_all([_good_zip(tmp_path / "a.zip")])}
    assert sorted(docs) == ["countries/peru/pcp", "ms/prisonlabor", "notes/readme"]
    assert docs["ms/prisonlabor"].url == ARCHIVE_BASE_URL + "ms/prisonlabor.html"
    assert str(docs["ms/prisonlabor"].source).endswith(
        "a.zip!/www.prisoncensorship.info/archive/etext/ms/prisonlabor.html"
    )
    assert docs["countries/peru/pcp"].url == ARCHIVE_BASE_URL + "countries/peru/pcp.html"
    assert docs["notes/readme"].title == "Reading notes"


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("../evil.txt", "unsafe path (goes up with '..')"),
        ("ms/../../evil.txt", "unsafe path (goes up with '..')"),
        ("..\\evil.txt", "unsafe path (goes up with '..')"),
        ("/etc/evil.txt", "unsafe path (absolute)"),
        ("C:/evil.txt", "unsafe path (drive letter)"),
        ("c:evil.txt", "unsafe path (drive letter)"),
        ("ms/fine..name.txt", None),
    ],
)
def test_unsafe_reason(name: str, reason: str | None) -> None:
    assert unsafe_reason(name) == reason


def test_escaping_entries_are_refused_and_the_rest_is_read(tmp_path: Path) -> None:
    path = _zip(
        tmp_path / "evil.zip",
        {"../evil.txt": b"x", "/abs/evil.txt": b"x", "C:/evil.txt": b"x", "ok.html": PAGE},
    )
    items = list(read_all([path]))
    assert _skipped(items) == {
        f"{path}!/../evil.txt": "unsafe path (goes up with '..')",
        f"{path}!//abs/evil.txt": "unsafe path (absolute)",
        f"{path}!/C:/evil.txt": "unsafe path (drive letter)",
    }
    assert [d.doc_id for d in items if isinstance(d, SourceDocument)] == ["ok"]


def test_highly_compressed_entry_is_refused_as_a_bomb(tmp_path: Path) -> None:
    path = _zip(tmp_path / "bomb.zip", {"bomb.html": b"a" * 5_000_000, "ok.html": PAGE})
    items = list(zip_files(path))
    [reason] = _skipped(items).values()
    assert reason.startswith("compressed ") and "zip bomb" in reason
    assert [f.relative for f in items if isinstance(f, SourceFile)] == ["ok.html"]


def test_zip_expanding_past_the_total_limit_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(zipfiles, "MAX_ZIP_TOTAL_BYTES", 150)
    path = _zip(tmp_path / "big.zip", {"a.html": PAGE, "b.html": PAGE})
    assert _skipped(list(zip_files(path))) == {
        str(path): f"expands to {2 * len(PAGE)} bytes, over the 150 limit (zip bomb?)"
    }


def test_too_many_entries_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(zipfiles, "MAX_ZIP_ENTRIES", 1)
    path = _zip(tmp_path / "many.zip", {"a.html": PAGE, "b.html": PAGE})
    assert _skipped(list(zip_files(path))) == {str(path): "2 entries, over the 1 limit"}


def test_entry_over_the_size_limit_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(zipfiles, "MAX_FILE_BYTES", 50)
    path = _zip(tmp_path / "large.zip", {"large.html": PAGE, "small.txt": b"Small"})
    items = list(zip_files(path))
    assert _skipped(items) == {
        f"{path}!/large.html": f"entry is {len(PAGE)} bytes, over the 50 limit"
    }
    assert [f.relative for f in items if isinstance(f, SourceFile)] == ["small.txt"]


def test_encrypted_entry_is_refused(tmp_path: Path) -> None:
    path = _zip(tmp_path / "secret.zip", {"secret.html": PAGE}, zipfile.ZIP_STORED)
    data = bytearray(path.read_bytes())
    # zipfile cannot write encrypted entries: set the "encrypted" flag in both headers.
    data[data.find(b"PK\x01\x02") + 8] |= 1
    data[data.find(b"PK\x03\x04") + 6] |= 1
    path.write_bytes(bytes(data))
    assert _skipped(list(zip_files(path))) == {f"{path}!/secret.html": "encrypted entry"}


def test_nested_zip_is_refused(tmp_path: Path) -> None:
    inner = _zip(tmp_path / "inner.zip", {"a.html": PAGE}).read_bytes()
    path = _zip(tmp_path / "outer.zip", {"inner.zip": inner, "a.html": PAGE})
    items = list(zip_files(path))
    assert _skipped(items) == {f"{path}!/inner.zip": "nested zip archive (not opened)"}
    assert len([f for f in items if isinstance(f, SourceFile)]) == 1


def test_binary_entry_is_refused_with_its_reason(tmp_path: Path) -> None:
    path = _zip(tmp_path / "bin.zip", {"image.html": b"\x89PNG\r\n\x1a\n\x00\x00", "a.html": PAGE})
    items = list(read_all([path]))
    assert _skipped(items) == {f"{path}!/image.html": "binary file (contains NUL bytes), not text"}


def test_corrupt_zip_is_refused_and_the_folder_goes_on(tmp_path: Path) -> None:
    (tmp_path / "corrupt.zip").write_bytes(b"PK\x03\x04 this is not really a zip file")
    (tmp_path / "truncated.zip").write_bytes(_good_zip(tmp_path / "t.zip").read_bytes()[:300])
    (tmp_path / "t.zip").unlink()
    (tmp_path / "page.html").write_bytes(PAGE)
    items = list(read_all([tmp_path]))
    skipped = _skipped(items)
    assert set(skipped) == {str(tmp_path / "corrupt.zip"), str(tmp_path / "truncated.zip")}
    assert all(r.startswith("not a readable zip file") for r in skipped.values())
    assert [d.doc_id for d in items if isinstance(d, SourceDocument)] == ["page"]


def test_damaged_entry_is_refused_when_read(tmp_path: Path) -> None:
    path = _zip(tmp_path / "crc.zip", {"a.html": PAGE, "b.html": PAGE}, zipfile.ZIP_STORED)
    data = path.read_bytes()
    at = data.find(b"Some article text")
    path.write_bytes(data[:at] + b"X" + data[at + 1 :])  # the first entry's CRC no longer matches
    items = list(read_all([path]))
    assert list(_skipped(items)) == [f"{path}!/a.html"]
    assert "Bad CRC-32" in _skipped(items)[f"{path}!/a.html"]
    assert [d.doc_id for d in items if isinstance(d, SourceDocument)] == ["b"]


def test_zips_inside_folders_are_walked(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    _zip(tmp_path / "sub" / "pages.zip", {"ms/a.html": PAGE})
    (tmp_path / "b.txt").write_text("A text page\n\nWith a paragraph.\n")
    assert [f.path for f in source_files([tmp_path])] == [
        str(tmp_path / "b.txt"),
        f"{tmp_path / 'sub' / 'pages.zip'}!/ms/a.html",
    ]


async def test_service_answers_from_a_zip(tmp_path: Path) -> None:
    path = _good_zip(tmp_path / "archive.zip")
    service = await ArchiveService.open(tmp_path / "db.sqlite3", seed=[path])
    try:
        answer = await service.ask("When was Chairman Gonzalo captured?")
        best = answer.results[0]
        assert "Chairman Gonzalo was captured in Lima in September 1992.[1]" in best.quote
        assert best.citation.title == "The Communist Party of Peru"
        assert best.citation.url == ARCHIVE_BASE_URL + "countries/peru/pcp.html"
        assert best.citation.section == "The capture of Gonzalo"
        assert [(n.number, n.text) for n in best.notes] == [
            (1, "Simon Strong, Shining Path, 1992.")
        ]
    finally:
        await service.close()


def test_zipped_mirror_keeps_query_pages_and_their_urls(tmp_path: Path) -> None:
    site = "www.prisoncensorship.info/archive/etext/"
    path = _zip(
        tmp_path / "mirror.zip",
        {
            site + "mn/mn.php@issue=049": PAGE,
            site + "mn/mn.php?issue=068.html": PAGE.replace(b"Some", b"Other"),
            site + "movies/review.php?f=long%2Fhigher.txt": PAGE.replace(b"Some", b"Third"),
        },
    )
    urls = sorted(d.url for d in read_all([path]))
    assert urls == [
        ARCHIVE_BASE_URL + "mn/mn.php?issue=049",
        ARCHIVE_BASE_URL + "mn/mn.php?issue=068",
        ARCHIVE_BASE_URL + "movies/review.php?f=long/higher.txt",
    ]


def test_a_page_saved_under_a_zip_name_is_read_as_a_page(tmp_path: Path) -> None:
    folder = tmp_path / "www.prisoncensorship.info" / "archive"
    folder.mkdir(parents=True)
    (folder / "textonly.zip").write_bytes(PAGE)  # the site served HTML at this URL
    (doc,) = read_all([tmp_path])
    assert doc.url == "https://www.prisoncensorship.info/archive/textonly.zip"


def test_links_to_nothing_and_pipes_in_a_folder_are_reported_skipped(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text("A text page\n\nWith a paragraph.\n")
    (tmp_path / "gone.html").symlink_to(tmp_path / "missing.html")
    (tmp_path / "loop.html").symlink_to(tmp_path / "loop.html")
    os.mkfifo(tmp_path / "pipe.txt")
    found = list(source_files([tmp_path]))
    assert [f.path for f in found if not isinstance(f, SkippedFile)] == [str(tmp_path / "good.txt")]
    skipped = {Path(f.path.file).name: f.reason for f in found if isinstance(f, SkippedFile)}
    assert skipped.keys() == {"gone.html", "loop.html", "pipe.txt"}
    assert skipped["gone.html"].startswith("a link to nothing")
    assert skipped["loop.html"].startswith("a link to nothing")
    assert skipped["pipe.txt"].startswith("not a regular file")
