"""Bytes -> text: declared and undeclared encodings, mojibake repair, binary refusal, no crashes."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retrieval.errors import SourceError
from retrieval.sources.encoding import declared_charset, decode_html, decode_text, repair

SEED = Path(__file__).parent.parent / "data" / "000_3b9707020bd53a84.txt"
HTML = Path(__file__).parent / "data" / "html"
SPANISH = "La revolución del campesinado en el Perú, señaló el compañero, es la vía."


def test_undeclared_windows_1252_bytes_are_read_as_windows_1252() -> None:
    text = "MIM’s line on “Ho Chí Minh” — café"
    assert decode_text(text.encode("cp1252"), "x.txt") == text


def test_undeclared_latin_1_page_is_read_right() -> None:
    text = decode_html((HTML / "old_latin1.html").read_bytes(), "old_latin1.html")
    assert "Ho Chí Minh" in text and "MIM’s line" in text and "“rehabilitation,”" in text


def test_spanish_latin_1_is_not_mistaken_for_another_code_page() -> None:
    assert decode_text(SPANISH.encode("latin-1"), "x.txt") == SPANISH


def test_utf8_with_and_without_bom() -> None:
    text = "Mao Zedong — 毛泽东 — café"
    assert decode_text(text.encode("utf-8"), "x") == text
    assert decode_text(b"\xef\xbb\xbf" + text.encode("utf-8"), "x") == text


def test_utf16_with_bom_is_text_not_binary() -> None:
    assert decode_text("Amerika and café".encode("utf-16"), "x") == "Amerika and café"


@pytest.mark.parametrize(
    ("head", "codec"),
    [
        (b'<meta charset="utf-8">', "utf_8"),
        (b"<META HTTP-EQUIV=Content-Type CONTENT='text/html; charset=windows-1251'>", "cp1251"),
        (b'<meta http-equiv="content-type" content="text/html;charset=ISO-8859-1">', "cp1252"),
        (b'<?xml version="1.0" encoding="koi8-r"?><html>', "koi8_r"),
        (b'<meta charset="gb2312">', "gb18030"),
        (b'<meta charset="no-such-charset">', None),
        (b"<p>no declaration</p>", None),
    ],
)
def test_declared_charset(head: bytes, codec: str | None) -> None:
    assert declared_charset(head + b"<html><head><title>MIM</title></head>") == codec


def test_declared_charset_is_honoured() -> None:
    body = "Маоистское интернациональное движение"
    page = b'<meta charset="windows-1251"><p>' + body.encode("cp1251") + b"</p>"
    assert body in decode_html(page, "ru.html")


def test_latin_1_declaration_over_utf8_bytes_is_not_believed() -> None:
    page = '<meta charset="iso-8859-1"><p>Perú and café</p>'.encode()
    assert "Perú and café" in decode_html(page, "x.html")


def test_utf8_declaration_over_windows_1252_bytes_is_not_believed() -> None:
    page = '<meta charset="utf-8"><p>MIM’s café</p>'.encode("cp1252")
    assert "MIM’s café" in decode_html(page, "x.html")


def test_undeclared_cyrillic_is_detected() -> None:
    body = "Маоистское интернациональное движение и рабочая аристократия. " * 5
    assert body.strip() in decode_text(body.encode("cp1251"), "ru.txt")


@pytest.mark.parametrize(
    ("broken", "fixed"),
    [
        ("cafÃ©", "café"),
        ("MIMâ€™s line", "MIM’s line"),
        ("â€œbackward,â€\x9d they said", "“backward,” they said"),
        ("Ho ChÃ­ Minh â€” in Paris", "Ho Chí Minh — in Paris"),
        ("MIM\x92s line", "MIM’s line"),  # Windows-1252 once read as Latin-1
    ],
)
def test_mojibake_is_repaired(broken: str, fixed: str) -> None:
    assert repair(broken) == fixed
    assert decode_text(broken.encode("utf-8"), "x") == fixed


def test_mojibake_page_is_repaired() -> None:
    text = decode_html((HTML / "mojibake_utf8.html").read_bytes(), "mojibake_utf8.html")
    assert "café society" in text and "It’s a campaign" in text and "“backward,”" in text
    assert "Ã" not in text and "â€" not in text


@pytest.mark.parametrize(
    "text",
    [SPANISH, "“Quoted” — ‘single’ … 1968", "Â is a letter in Vietnamese and Portuguese: Âu Lạc"],
)
def test_correct_text_is_left_alone(text: str) -> None:
    assert decode_text(text.encode("utf-8"), "x") == text


def test_seed_text_is_unchanged() -> None:
    data = SEED.read_bytes()
    assert decode_text(data, str(SEED)) == data.decode("utf-8")


def test_control_characters_are_dropped() -> None:
    text = "A line of ordinary text, long enough to be text. " * 4
    data = text.encode() + b"one\x01two\x7fthree\r\n"
    assert decode_text(data, "x") == text + "onetwothree\r\n"


@pytest.mark.parametrize(
    "data",
    [
        b"GIF89a\x01\x00\x01\x00\x00\xff",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        bytes(range(32)) * 4,
    ],
)
def test_binary_files_are_refused(data: bytes) -> None:
    with pytest.raises(SourceError, match=r"^pic: binary file"):
        decode_text(data, "pic")
    with pytest.raises(SourceError, match="binary file"):
        decode_text(data, "pic")


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_any_bytes_decode_or_raise_source_error(data: bytes) -> None:
    for decoder in (decode_text, decode_html):
        try:
            text = decoder(data, "fuzz")
        except SourceError:
            continue
        assert isinstance(text, str)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200))
def test_any_text_in_any_common_encoding_decodes(text: str) -> None:
    for codec in ("utf-8", "cp1252", "latin-1"):
        try:
            data = ("<meta charset=" + codec + ">" + text).encode(codec)
        except UnicodeEncodeError:
            continue
        with contextlib.suppress(SourceError):  # control characters read as binary
            assert isinstance(decode_html(data, "fuzz"), str)


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("plain words", "plain words"),
        ("tab\there\x07 bell\x1b", "tab\there bell"),
        ("soft\u00adhyphen and\u2028line", "soft\u00adhyphen and\u2028line"),
        ("del\x7f and nul\x00", "del and nul"),
    ],
)
def test_repair_drops_control_characters_only(text: str, kept: str) -> None:
    assert repair(text) == kept
