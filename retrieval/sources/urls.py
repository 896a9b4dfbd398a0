"""Page URLs: one canonical spelling per page, its short document id, and mirrored files' URLs.

The archive's pages are reached as ``http``/``https``, with or without ``www.``, with ``%2F`` or
``/`` in a query string; :func:`canonical_url` gives every spelling of a page the one URL the site
serves it at, and :func:`doc_id_from_url` a short readable id (``mn/mn?issue=049``).

``wget --mirror`` saves a page under its host's folder and writes the query string into the file
name in one of three forms: ``mn.php?issue=049``, ``mn.php?issue=049.html`` (``--adjust-extension``)
and ``mn.php@issue=049`` (``--restrict-file-names=windows``), with a ``/`` inside the query escaped
as ``%2F``. :func:`mirror_url` reads those names back into the page's URL.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import PurePosixPath
from urllib.parse import quote, unquote, unquote_plus, urljoin, urlsplit, urlunsplit

from ..errors import SourceError

ARCHIVE_BASE_URL = "https://www.prisoncensorship.info/archive/etext/"
ARCHIVE_HOST = "www.prisoncensorship.info"
# Other spellings of the archive's host; its pages are served over https.
HOST_ALIASES = {"prisoncensorship.info": ARCHIVE_HOST}
# File name endings a document id drops (``ms/page.html`` -> ``ms/page``).
ID_SUFFIXES = (".html", ".htm", ".shtml", ".xhtml", ".php", ".txt", ".md", ".markdown", ".jsonl")
# Pages wget's --adjust-extension saves as ``NAME.html``: ``page.php.html`` is ``page.php``.
ADJUSTED_SUFFIXES = (".php", ".txt", ".asp", ".aspx", ".cgi", ".jsp", ".pl", ".zip")
# Names whose ``@`` stands for ``?`` under --restrict-file-names=windows.
QUERY_PAGE_SUFFIXES = (".php", ".html", ".htm", ".shtml", ".asp", ".aspx", ".cgi", ".jsp", ".pl")

_PATH_SAFE = "/!$&'()*+,;=:@~-._"
_QUERY_SAFE = "/!$'()*,;:@~-._"
_DEFAULT_PORTS = {"http": 80, "https": 443}
_EXTENSION = re.compile(r"\.[A-Za-z][A-Za-z0-9]{0,4}$")


def canonical_url(url: str, base: str | None = None) -> str:
    """The one spelling of a page's URL that citations use.

    The archive's host is ``https://www.prisoncensorship.info`` whatever the spelling; the host is
    lower case without a default port; percent-escapes are decoded where that is safe (``%2F`` in a
    query is ``/``) and the rest re-escaped the same way every time; an empty query and a fragment
    are dropped. The file name stays as the site serves it (``index.html`` is a real URL).
    A relative URL is resolved against ``base``; anything but http(s) comes back unchanged.
    """
    url = url.strip()
    if base and not urlsplit(url).scheme:
        url = urljoin(base, url)
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return url
    host = parts.hostname.lower().rstrip(".")
    host = HOST_ALIASES.get(host, host)
    try:
        port = parts.port
    except ValueError:
        port = None
    if port == _DEFAULT_PORTS[scheme]:
        port = None
    if host == ARCHIVE_HOST:
        scheme, port = "https", None
    netloc = host if port is None else f"{host}:{port}"
    path = quote(unquote(parts.path), safe=_PATH_SAFE) or "/"
    return urlunsplit((scheme, netloc, path, canonical_query(parts.query), ""))


def canonical_query(query: str) -> str:
    """A query string in one spelling: ``f=long%2Fpatch.txt`` -> ``f=long/patch.txt``.

    Names and values are decoded as a server decodes them (``+`` is a space) and escaped again with
    ``/`` and ``:`` left readable; the order of the parameters is kept.
    """
    pairs = []
    for item in query.split("&"):
        if not item:
            continue
        name, eq, value = item.partition("=")
        name = quote(unquote_plus(name), safe=_QUERY_SAFE)
        pairs.append(f"{name}={quote(unquote_plus(value), safe=_QUERY_SAFE)}" if eq else name)
    return "&".join(pairs)


def page_key(url: str) -> str:
    """What makes two URLs the same page: the canonical URL without scheme, ``index.html`` or
    trailing ``/``."""
    parts = urlsplit(canonical_url(url))
    path = re.sub(r"/index\.(?:html?|php)$", "/", parts.path, flags=re.IGNORECASE).rstrip("/")
    return f"{parts.netloc}{path}" + (f"?{parts.query}" if parts.query else "")


def doc_id_from_url(url: str, base: str = ARCHIVE_BASE_URL) -> str:
    """A short readable id: the page's path below ``base`` without its suffix, plus its query.

    ``…/archive/etext/ms/migrantsincommunisthistory.html`` -> ``ms/migrantsincommunisthistory``;
    ``…/etext/mn/mn.php?issue=049`` -> ``mn/mn?issue=049``. Every spelling of a page
    (:func:`canonical_url`) gets the same id.
    """
    parts = urlsplit(canonical_url(url))
    path = unquote(parts.path)
    base_path = unquote(urlsplit(base).path)
    if base_path and path.startswith(base_path):
        path = path[len(base_path) :]
    elif base_path and path == base_path.rstrip("/"):
        path = ""
    doc_id = doc_id_from_path(path) if path.strip("/") else "index"
    query = unquote(parts.query)
    return f"{doc_id}?{query}" if query else doc_id


def reference_key(ref: str) -> str | None:
    """The :func:`page_key` of a page as a reader may write its address (``http://``, no
    ``www.``, no scheme at all: ``prisoncensorship.info/archive/etext/faq/x.html``), or None
    when ``ref`` is no web address."""
    ref = ref.strip()
    if "://" not in ref:
        host = ref.split("/", 1)[0].lower()
        if "." not in host or " " in ref:
            return None
        ref = "https://" + ref
    if not urlsplit(ref).hostname:
        return None
    return page_key(ref)


def doc_id_from_path(relative: str) -> str:
    """A stable short id from a relative file path: no extension, forward slashes, no leading dots."""
    pure = PurePosixPath(relative.replace("\\", "/").strip("/"))
    parts = [p for p in pure.parts if p not in ("", ".", "..")]
    if not parts:
        raise SourceError(f"{relative}: cannot make a document id from this path")
    last = parts[-1]
    for suffix in ID_SUFFIXES:
        if last.lower().endswith(suffix) and len(last) > len(suffix):
            last = last[: -len(suffix)]
            break
    parts[-1] = last
    if last.lower() == "index" and len(parts) > 1:
        parts.pop()
    return "/".join(parts)


# --- mirrors --------------------------------------------------------------------------------


def split_mirror_name(name: str) -> tuple[str, str | None]:
    """A mirrored file's name -> (the page's file name, its query string or None).

    ``mn.php?issue=049``, ``mn.php?issue=049.html`` and ``mn.php@issue=049`` are all
    ``("mn.php", "issue=049")``; ``review.php?f=long%2Fhigher.txt`` is
    ``("review.php", "f=long/higher.txt")``; ``page.php.html`` is ``("page.php", None)``.
    """
    stem, mark, query = name.partition("?")
    if not mark:
        before, at, after = name.partition("@")
        if at and before.lower().endswith(QUERY_PAGE_SUFFIXES) and after:
            stem, mark, query = before, "?", after
    if not mark:
        lower = name.lower()
        if lower.endswith(".html") and lower[:-5].endswith(ADJUSTED_SUFFIXES):
            return name[:-5], None
        return name, None
    query = unquote(query)
    if query.lower().endswith(".html") and _adjusted_query(query[:-5]):
        query = query[:-5]
    return stem, (query or None)


def _adjusted_query(query: str) -> bool:
    """Whether ``QUERY.html`` was saved by --adjust-extension rather than being the query itself.

    wget adds ``.html`` to a page whose name does not end in it, so ``issue=049.html`` and
    ``f=long/higher.txt.html`` were added to; ``railfile=rail_united_front_policy.html`` is
    the page's own query (wget leaves it as it is), and is kept.
    """
    value = query.rpartition("=")[2]
    return not value or value.isdigit() or bool(_EXTENSION.search(value))


def mirror_url(parts: list[str], base_url: str = ARCHIVE_BASE_URL) -> str | None:
    """The URL of a mirrored file from its path's parts, or None when no mirror root is in them.

    The root is a host folder as ``wget --mirror`` names it (the archive's host, or ``base_url``'s)
    or the ``base_url``'s path (``archive/etext``) in the path. Below the base path the URL is
    ``base_url`` plus the rest, so a ``--base-url`` wins; elsewhere under a host folder it is that
    host's page.
    """
    names = [p for p in parts if p not in ("", ".")]
    if not names:
        return None
    base = urlsplit(base_url)
    base_parts = [p.lower() for p in base.path.split("/") if p]
    archive_parts = [p.lower() for p in urlsplit(ARCHIVE_BASE_URL).path.split("/") if p]
    base_host = (base.hostname or "").lower()
    hosts = {ARCHIVE_HOST, *HOST_ALIASES, base_host, base_host.removeprefix("www.")} - {""}
    lowered = [p.lower() for p in names]
    start = 0
    host: str | None = None
    for i in range(len(names) - 1, -1, -1):
        if i < len(names) - 1 and lowered[i] in hosts:
            host, start = lowered[i], i + 1
            break
    rest = names[start:-1]
    for prefix in (base_parts, archive_parts):
        found = _find(lowered[start:-1], prefix) if prefix else None
        if found is not None:
            return _join(base_url, [*rest[found + len(prefix) :], names[-1]])
    if host is None:
        return None
    host = HOST_ALIASES.get(host, host)
    scheme = base.scheme if host == base_host else "https"
    return _join(f"{scheme}://{host}/", [*rest, names[-1]])


def _find(parts: list[str], prefix: list[str]) -> int | None:
    """Where ``prefix`` last occurs as a run in ``parts``."""
    n = len(prefix)
    for i in range(len(parts) - n, -1, -1):
        if parts[i : i + n] == prefix:
            return i
    return None


def _join(base_url: str, parts: list[str]) -> str:
    name, query = split_mirror_name(parts[-1])
    path = posixpath.join(*parts[:-1], name) if len(parts) > 1 else name
    url = base_url.rstrip("/") + "/" + quote(path, safe=_PATH_SAFE)
    return canonical_url(url + (f"?{quote(query, safe='/=&:@')}" if query else ""))


def page_url(relative: str, base_url: str = ARCHIVE_BASE_URL) -> str:
    """The URL of a mirrored file from its path relative to what was ingested.

    :func:`mirror_url` when a mirror root is in the path; else ``base_url`` plus the path (after a
    leading folder named like the base's last folder: a zip of the archive's own ``etext/``).
    """
    parts = [p for p in relative.replace("\\", "/").split("/") if p not in ("", ".")]
    if not parts:
        raise SourceError(f"{relative!r}: cannot make a URL from this path")
    found = mirror_url(parts, base_url)
    if found is not None:
        return found
    base_parts = [p.lower() for p in urlsplit(base_url).path.split("/") if p]
    if base_parts and len(parts) > 1 and parts[0].lower() == base_parts[-1]:
        parts = parts[1:]
    return _join(base_url, parts)


__all__ = [
    "ARCHIVE_BASE_URL",
    "ARCHIVE_HOST",
    "canonical_query",
    "canonical_url",
    "doc_id_from_path",
    "doc_id_from_url",
    "mirror_url",
    "page_key",
    "page_url",
    "split_mirror_name",
]
