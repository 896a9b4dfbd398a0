"""Bytes -> text for archive files: the right encoding, mojibake repaired, never a crash.

Old archive pages are mostly Windows-1252 (or Latin-1, which browsers read as Windows-1252)
without any declaration; newer ones are UTF-8, and some were UTF-8 read once as Windows-1252 and
saved again (``Ã©`` for ``é``, ``â€™`` for ``’``). The order of evidence:

1. a byte-order mark;
2. for HTML, a ``<meta charset>`` / ``http-equiv`` declaration, when the bytes agree with it;
3. strict UTF-8;
4. Windows-1252, unless most letters then come out non-ASCII (a non-Latin script), when
   charset-normalizer picks the code page.

Then ftfy repairs mojibake, and control characters are removed.
"""

from __future__ import annotations

import codecs
import re

import charset_normalizer
import ftfy
import ftfy.bad_codecs  # registers "sloppy-windows-1252": cp1252 that maps every byte

from ..errors import SourceError

# The HTML spec pre-scans 1,024 bytes; old pages put the <meta> after long comments or scripts.
SNIFF_BYTES = 4096
BINARY_SNIFF_BYTES = 8192
# Share of control characters in the first bytes above which a file is not text.
MAX_CONTROL_SHARE = 0.05
# Share of non-ASCII letters in a Windows-1252 reading above which it is probably another script.
NON_LATIN_SHARE = 0.3

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# A byte prescan, as the HTML spec does before any parsing: the markup cannot be parsed until
# its encoding is known. Matches <meta charset=X> and <meta http-equiv content="...charset=X">.
_META_CHARSET = re.compile(
    rb"""<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.IGNORECASE
)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml\b[^>]*\bencoding\s*=\s*["']([A-Za-z0-9_.:\-]+)""")
# Labels browsers read as a superset (WHATWG Encoding Standard).
_SUPERSETS = {
    "ascii": "cp1252",
    "latin_1": "cp1252",
    "iso8859_9": "cp1254",
    "iso8859_11": "cp874",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "utf_16": "utf-8",  # a page that could be read to its <meta> is not UTF-16
    "utf_16_le": "utf-8",
    "utf_16_be": "utf-8",
    "utf_32": "utf-8",
}
_SINGLE_BYTE = re.compile(r"^(cp\d+|iso8859_\d+|koi8_\w+|mac_\w+|latin_1|ascii|tis_620)$")
# Mojibake needs two non-ASCII characters in a row (each UTF-8 byte became one character), or
# a C1 control (Windows-1252 read as Latin-1: `’` -> U+0092); other text is left alone, which
# spares ftfy's slower check on most pages.
_MAYBE_MOJIBAKE = re.compile(r"[^\x00-\x7f]{2}|[\x80-\x9f]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
_NON_ASCII_BYTES = re.compile(rb"[\x80-\xff]")
_CONTROL_BYTES = bytes(sorted(frozenset(range(32)) - {9, 10, 12, 13, 27}))


def _codec(label: str) -> str | None:
    """The Python codec for an encoding label (with browsers' supersets), or None if unknown."""
    try:
        name = codecs.lookup(label.strip().lower()).name.replace("-", "_")
    except LookupError:
        return None
    name = {"iso8859_1": "latin_1", "us_ascii": "ascii"}.get(name, name)
    return _SUPERSETS.get(name, name)


def declared_charset(data: bytes) -> str | None:
    """The codec an HTML page declares in its first bytes (``<meta>`` or ``<?xml``), if known."""
    head = data[:SNIFF_BYTES]
    for pattern in (_XML_ENCODING, _META_CHARSET):
        match = pattern.search(head)
        if match:
            codec = _codec(match.group(1).decode("ascii", "replace"))
            if codec:
                return codec
    return None


def check_text(data: bytes, name: str) -> None:
    """Raise :class:`SourceError` when the bytes are not text (NUL bytes, many control bytes)."""
    head = data[:BINARY_SNIFF_BYTES]
    if b"\x00" in head:
        raise SourceError(f"{name}: binary file (contains NUL bytes), not text")
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))  # counted in C
    if head and controls / len(head) > MAX_CONTROL_SHARE:
        raise SourceError(f"{name}: binary file (control bytes), not text")


def _utf8(data: bytes) -> str | None:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _western(data: bytes) -> str:
    """Windows-1252 the way browsers read it (the five unassigned bytes become C1 controls)."""
    return data.decode("sloppy-windows-1252")


def _looks_non_latin(text: str) -> bool:
    letters = [c for c in text[:20000] if c.isalpha()]
    if not letters:
        return False
    return sum(1 for c in letters if ord(c) > 0x7F) / len(letters) > NON_LATIN_SHARE


def _guess(data: bytes) -> str:
    """Text of undeclared bytes: UTF-8, else Windows-1252, else charset-normalizer's pick."""
    text = _utf8(data)
    if text is not None:
        return text
    text = _western(data)
    if _looks_non_latin(text):
        # charset-normalizer misreads Western text (it picks cp1250 for Spanish Latin-1), so it is
        # only asked when Windows-1252 gives mostly accented letters, i.e. probably another script.
        best = charset_normalizer.from_bytes(data).best()
        if best is not None and best.encoding not in ("cp1250", "cp1252", "latin_1"):
            return str(best)
    return text


def _decode_declared(data: bytes, codec: str) -> str | None:
    """Text in the declared codec, or None when the bytes contradict the declaration."""
    utf8 = _utf8(data)
    if codec in ("utf_8", "utf_8_sig"):
        return utf8
    if _SINGLE_BYTE.match(codec) and utf8 is not None and _NON_ASCII_BYTES.search(data):
        # A page saved as UTF-8 under an old Latin-1 <meta>: non-ASCII bytes that form valid
        # UTF-8 are practically never single-byte text.
        return utf8
    if codec == "cp1252":
        return _western(data)
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        # A few bad bytes in a multi-byte page: keep the declaration, mark what is lost.
        text = data.decode(codec, errors="replace")
        return text if text.count("\ufffd") <= len(text) // 100 else None


def repair(text: str) -> str:
    """Fix mojibake (``Ã©`` -> ``é``, ``â€™`` -> ``’``) and drop control characters."""
    # ASCII text cannot be mojibake, and is told in constant time (most pages are ASCII).
    if not text.isascii() and _MAYBE_MOJIBAKE.search(text):
        text = ftfy.fix_encoding(text)
    # Every control character is unprintable: most texts are told clean in one pass in C.
    return text if text.isprintable() else _CONTROL.sub("", text)


def _decode(data: bytes, name: str, declared: str | None) -> str:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return repair(data.decode(codec))
            except UnicodeDecodeError as exc:
                raise SourceError(f"{name}: not valid {codec} after its byte-order mark") from exc
    check_text(data, name)
    text = _decode_declared(data, declared) if declared else None
    return repair(text if text is not None else _guess(data))


def decode_text(data: bytes, name: str) -> str:
    """Text of a plain-text file (``.txt``, ``.md``, ``.jsonl``): raises :class:`SourceError` if binary."""
    return _decode(data, name, None)


def decode_html(data: bytes, name: str) -> str:
    """Text of an HTML page, honouring its declared charset when the bytes agree with it."""
    return _decode(data, name, declared_charset(data))


__all__ = ["check_text", "declared_charset", "decode_html", "decode_text", "repair"]
