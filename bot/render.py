"""Answers -> Discord embeds, within Discord's limits. Pure functions, no I/O.

Archive text and questions are shown as written: markdown is escaped and mentions are defused
(and every send also sets allowed mentions to none), while the matched words are made bold.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import discord

from retrieval import Answer, FootnoteInfo, IndexStats, Result

# Discord's documented limits.
EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
EMBED_FIELDS = 25
FIELD_NAME = 256
FIELD_VALUE = 1024
FOOTER_TEXT = 2048
EMBED_TOTAL = 6000
CONTENT = 2000
CHOICE_NAME = 100

ELLIPSIS = "…"
BEST_QUOTE_CHARS = 900
OTHER_QUOTE_CHARS = 420
NOTE_CHARS = 300
COLOUR = discord.Colour(0x9B1B1B)
MUTED = discord.Colour(0x5865F2)
NO_NOTE = "note text not in this copy of the archive"

_MENTION = re.compile(r"@(everyone|here)|<(@[!&]?|#|/|t:|a?:)")


def escape(text: str) -> str:
    """Text shown as written: markdown escaped, mentions and other ``<...>`` tokens defused."""
    text = discord.utils.escape_markdown(text)
    # A zero-width space keeps the characters visible but stops Discord from parsing them.
    return _MENTION.sub(lambda m: m.group(0)[0] + "\u200b" + m.group(0)[1:], text)


def _flat(text: str) -> str:
    return " ".join(text.split())


def shorten(text: str, limit: int) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, with ``…`` when cut."""
    if len(text) <= limit:
        return text
    return text[: _cut_index(text, limit)].rstrip(" ,;:") + ELLIPSIS


def highlighted(quote: str, highlights: Sequence[tuple[int, int]], limit: int) -> str:
    """The quote escaped, its matched words in bold, cut at a word boundary to fit ``limit``."""
    spans = _merge_adjacent(
        quote, sorted((a, b) for a, b in highlights if 0 <= a < b <= len(quote))
    )
    # Cut the plain quote first so that bold markers are never split.
    plain_limit = limit
    while True:
        end = len(quote) if len(quote) <= plain_limit else _cut_index(quote, plain_limit)
        out: list[str] = []
        last = 0
        for a, b in spans:
            if a < last or b > end:
                continue
            out.append(_flat_keep(escape(quote[last:a])))
            out.append("**" + escape(quote[a:b]) + "**")
            last = b
        out.append(_flat_keep(escape(quote[last:end])))
        text = "".join(out) + (ELLIPSIS if end < len(quote) else "")
        if len(text) <= limit or plain_limit < 20:
            return text[:limit]
        plain_limit -= max(len(text) - limit, 10)


def _merge_adjacent(quote: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Join highlights separated only by spaces, so "Deng Xiaoping" is bold as one."""
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        if merged and (quote[merged[-1][1] : a].isspace() or merged[-1][1] == a):
            merged[-1] = (merged[-1][0], b)
        elif not merged or a >= merged[-1][1]:
            merged.append((a, b))
    return merged


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def _flat_keep(text: str) -> str:
    """Collapse whitespace runs without trimming (keeps the spaces around bold words)."""
    return re.sub(r"\s+", " ", text)


def _cut_index(text: str, limit: int) -> int:
    """Where to cut ``text`` so that it and a ``…`` fit in ``limit``: the last space in the
    second half of that room, else the room's end."""
    cut = text.rfind(" ", 0, max(limit - 1, 0))
    return cut if cut > limit // 2 else max(limit - 1, 0)


def citation_line(result: Result) -> str:
    """``Title · Section · ¶ 18`` as a link that opens the page at the quote."""
    c = result.citation
    paragraphs = "¶ " + ", ".join(str(p) for p in c.paragraphs)
    label = " · ".join(x for x in (shorten(c.title, 120), shorten(c.section, 80), paragraphs) if x)
    label = escape(label).replace("[", "(").replace("]", ")")
    link = c.link or c.url
    return f"[{label}]({_safe_url(link)})" if link else label


def _safe_url(url: str) -> str:
    # Markdown links end at ")" and break at spaces; our links are percent-encoded already.
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29")


def note_lines(result: Result, limit: int = NOTE_CHARS) -> list[str]:
    """``[3] note text`` for each footnote cited in the quote."""
    return [
        f"`[{n.number}]` " + (escape(shorten(_flat(n.text), limit)) if n.text else f"*{NO_NOTE}*")
        for n in result.notes
    ]


def footer_text(stats: IndexStats | None, first: int, shown: int, more: bool) -> str:
    """What the index holds and which results are on screen."""
    parts = []
    if shown:
        parts.append(f"Results {first}–{first + shown - 1}" + (" (more available)" if more else ""))
    if stats is not None:
        built = (stats.built_at or "unknown").replace("T", " ").replace("+00:00", " UTC")
        parts.append(
            f"Index: {stats.documents:,} documents, {stats.passages:,} passages, built {built}"
        )
    return shorten(" · ".join(parts), FOOTER_TEXT)


@dataclass(frozen=True)
class Page:
    """Which slice of the ranking an embed shows."""

    offset: int
    more: bool


def answer_embed(answer: Answer, stats: IndexStats | None, page: Page) -> discord.Embed:
    """The embed of an answer: the best quote first, then shorter excerpts, each cited."""
    title = shorten("Q: " + _flat(answer.question), EMBED_TITLE)
    if answer.abstained or not answer.results:
        return not_found_embed(answer, stats)
    embed = discord.Embed(title=escape_title(title), colour=COLOUR)
    best, *others = answer.results
    quote = highlighted(best.quote, best.highlights, BEST_QUOTE_CHARS)
    description = [f"> {quote}", f"— {citation_line(best)}"]
    description.extend(note_lines(best))
    embed.description = "\n".join(description)[:EMBED_DESCRIPTION]
    for number, result in enumerate(others, start=page.offset + 2):
        value = [f"> {highlighted(result.quote, result.highlights, OTHER_QUOTE_CHARS)}"]
        value.append(f"— {citation_line(result)}")
        value.extend(note_lines(result, 150))
        text = "\n".join(value)
        if len(text) > FIELD_VALUE:  # keep the citation whole; shorten the quote instead
            room = FIELD_VALUE - len(text) + OTHER_QUOTE_CHARS - 5
            value[0] = f"> {highlighted(result.quote, result.highlights, max(room, 60))}"
            text = "\n".join(value[:2])[:FIELD_VALUE]
        embed.add_field(name=f"{number}.", value=text, inline=False)
    embed.set_footer(text=footer_text(stats, page.offset + 1, len(answer.results), page.more))
    return fit_embed(embed)


def escape_title(text: str) -> str:
    """Titles render markdown too; escape them the same way."""
    return shorten(escape(text), EMBED_TITLE)


def not_found_embed(answer: Answer, stats: IndexStats | None) -> discord.Embed:
    """An honest "not found", with spelling suggestions when the index has close words."""
    embed = discord.Embed(
        title=escape_title("No good answer in the archive"),
        colour=MUTED,
    )
    lines = [escape(answer.reason or "Nothing in the archive supports an answer.")]
    lines.append(f"Question: {escape(shorten(_flat(answer.question), 300))}")
    if answer.suggestions:
        words = ", ".join(f"**{escape(w)}**" for w in answer.suggestions)
        lines.append(f"Did you mean: {words}?")
    lines.append('Try other words, a name, or a "quoted phrase" that should appear in the text.')
    embed.description = "\n\n".join(lines)[:EMBED_DESCRIPTION]
    embed.set_footer(text=footer_text(stats, 0, 0, False))
    return embed


def fit_embed(embed: discord.Embed) -> discord.Embed:
    """Drop trailing fields until the embed is within the 6000-character total."""
    while len(embed) > EMBED_TOTAL and embed.fields:
        embed.remove_field(len(embed.fields) - 1)
    return embed


def footnote_embed(info: FootnoteInfo) -> discord.Embed:
    """A footnote's text (or that this copy lacks it) and each sentence that cites it."""
    embed = discord.Embed(
        title=escape_title(f"Note {info.number} · {info.title}"),
        url=info.url or None,
        colour=COLOUR,
    )
    text = escape(shorten(_flat(info.text), 3000)) if info.text else f"*Cited, but the {NO_NOTE}.*"
    embed.description = text
    for citing in info.citations[:EMBED_FIELDS]:
        where = f"¶ {citing.paragraph}" + (
            f" · {shorten(citing.section, 150)}" if citing.section else ""
        )
        link = f"\n[open at this sentence]({_safe_url(citing.link)})" if citing.link else ""
        room = FIELD_VALUE - len(link) - 4
        embed.add_field(
            name=escape(shorten(where, FIELD_NAME - 10)),
            value=f"> {escape(shorten(_flat(citing.text), room - 40))}{link}",
            inline=False,
        )
    embed.set_footer(text=f"{info.doc_id} · cited {len(info.citations)} time(s)")
    return fit_embed(embed)


def notes_embed(
    documents: Sequence[tuple[str, str, Sequence[tuple[int, str | None]]]],
) -> discord.Embed:
    """The notes of the documents on screen: (title, url, [(number, text or None)])."""
    embed = discord.Embed(title="Notes of the documents on screen", colour=MUTED)
    if not any(notes for _, _, notes in documents):
        embed.description = "These documents cite no footnotes."
        return embed
    for title, _url, notes in documents[:EMBED_FIELDS]:
        if not notes:
            continue
        lines = [
            f"`[{n}]` " + (escape(shorten(_flat(t), 200)) if t else f"*{NO_NOTE}*")
            for n, t in notes
        ]
        value = ""
        for line in lines:
            if len(value) + len(line) + 1 > FIELD_VALUE - 2:
                value += "\n…"
                break
            value += ("\n" if value else "") + line
        embed.add_field(name=escape(shorten(title, FIELD_NAME - 10)), value=value, inline=False)
    return fit_embed(embed)


def choice_name(doc_id: str, title: str) -> str:
    """An autocomplete label within 1-100 characters."""
    return shorten(f"{title} ({doc_id})", CHOICE_NAME) or doc_id[:CHOICE_NAME]
