"""Answers -> Discord embeds, within Discord's limits. Pure functions, no I/O.

Archive text and questions are shown as written: markdown is escaped and mentions are defused
(and every send also sets allowed mentions to none), while the matched words are made bold.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import discord

from retrieval import Answer, Citation, DocumentNotes, FootnoteInfo, IndexStats, Result
from retrieval.wording import (
    DASH,
    NOTE_NOT_HERE,
    cut_here,
    missing_notes,
    one_line,
    plural,
    searched_instead,
)

# Discord's documented limits.
EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
EMBED_FIELDS = 25
FIELD_NAME = 256
FIELD_VALUE = 1024
# The longest link a citation carries: a field must hold it whole beside its quote.
MAX_LINK = 600
FOOTER_TEXT = 2048
EMBED_TOTAL = 6000
CHOICE_NAME = 100

BEST_QUOTE_CHARS = 900
OTHER_QUOTE_CHARS = 420
NOTE_CHARS = 300
COLOUR = discord.Colour(0x9B1B1B)
MUTED = discord.Colour(0x5865F2)

_MENTION = re.compile(r"@(everyone|here)|<(@[!&]?|#|/|t:|a?:)")


def escape(text: str) -> str:
    """Text shown as written: markdown escaped, mentions and other ``<...>`` tokens defused."""
    text = discord.utils.escape_markdown(text)
    # A zero-width space keeps the characters visible but stops Discord from parsing them.
    return _MENTION.sub(lambda m: m.group(0)[0] + "\u200b" + m.group(0)[1:], text)


def shorten(text: str, limit: int) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, with ``…`` when cut."""
    if len(text) <= limit:
        return text
    return cut_here(text[: _cut_index(text, limit - 1)].rstrip(" ,;:"))


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
            out.append(_escape_piece(quote[last:a], at_start=last == 0))
            out.append("**" + _escape_inline(_flat_keep(quote[a:b])) + "**")
            last = b
        out.append(_escape_piece(quote[last:end], at_start=last == 0))
        text = cut_here("".join(out)) if end < len(quote) else "".join(out)
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


def _escape_piece(text: str, at_start: bool) -> str:
    """A plain piece of a quote, on one line and escaped for where it stands on that line."""
    if at_start:  # the quote opens its line: a leading "-", "#", ">" or "2." would be markup
        return _NUMBERED.sub(r"\1\\.", escape(_flat_keep(text).lstrip()))
    return _escape_inline(_flat_keep(text))


# "2. MIM upholds…" opening a line is a numbered list item in Discord (escape_markdown leaves it).
_NUMBERED = re.compile(r"^(\d{1,9})\.(?=\s)")


def _escape_inline(text: str) -> str:
    """``escape`` for one line of text that follows other text on its line.

    escape_markdown takes the start of its input for the start of a line, so " - after" would get
    a list-marker escape: a backslash before the space, which Discord shows as written. A letter
    in front keeps those line-start rules from matching; the inline ones are unchanged.
    """
    return escape("x" + text)[1:]


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
    label = " · ".join(
        x for x in (shorten(one_line(c.title), 120), shorten(shown_place(c), 80), paragraphs) if x
    )
    label = escape(label).replace("[", "(").replace("]", ")")
    # A link too long for a field is never cut (a cut one shows as raw "[…](https://…" text):
    # the page's own URL stands in for a long deep link, and a longer one is left out.
    link = next((u for u in (c.link, c.url) if u and len(_safe_url(u)) <= MAX_LINK), None)
    return f"[{label}]({_safe_url(link)})" if link else label


def shown_place(citation: Citation) -> str:
    """The citation's section on one line (sections keep their pages' line breaks and tabs),
    or "" when the title already says it (:attr:`Citation.place`)."""
    return one_line(citation.place)


def _safe_url(url: str) -> str:
    # Markdown links end at ")" and break at spaces; our links are percent-encoded already.
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29")


def note_lines(result: Result, limit: int = NOTE_CHARS) -> list[str]:
    """``[3] note text`` for each footnote cited in the quote that this copy has, then one line
    for those it lacks."""
    lines = [
        f"`[{n.number}]` " + escape(shorten(one_line(n.text), limit))
        for n in result.notes
        if n.text
    ]
    missing = [n.number for n in result.notes if not n.text]
    if missing:
        lines.append(f"*{missing_notes(missing)}*")
    return lines


def results_range(first: int, shown: int) -> str:
    """``Result 4`` or ``Results 1–3``."""
    last = first + shown - 1
    return f"Result {first}" if shown == 1 else f"Results {first}{DASH}{last}"


def footer_text(first: int, shown: int, more: bool, scope: str = "") -> str:
    """Which results are on screen (and where from, when filtered), and how to see more."""
    if not shown:
        return ""
    where = f" {scope}" if scope else ""
    if more:
        text = f"{results_range(first, shown)}{where} · More results shows the next ones"
    else:
        text = f"{results_range(first, shown)} of {first + shown - 1}{where}"
    return shorten(text, FOOTER_TEXT)


def index_footer(stats: IndexStats) -> str:
    """What the index holds and when it was built (for /about, not under every answer)."""
    built = (stats.built_at or "").split("T")[0]
    return f"The index holds {plural(stats.documents, 'document')}" + (
        f", built {built}" if built else ""
    )


def answer_embed(answer: Answer, echo: str | None = None, scope: str = "") -> discord.Embed:
    """The embed of an answer: the best quote first, then shorter excerpts, each cited.

    ``echo`` is the question as people see it (``Q: …``, mentions as names); ``scope`` says which
    part of the archive was searched when the search was narrowed.
    """
    echo = echo or "Q: " + one_line(answer.question)
    if answer.abstained or not answer.results:
        return not_found_embed(answer, echo, scope)
    embed = discord.Embed(title=escape_title(one_line(echo)), colour=COLOUR)
    best, *others = answer.results
    quote = highlighted(best.quote, best.highlights, BEST_QUOTE_CHARS)
    description = [f"> {quote}", f"— {citation_line(best)}"]
    if answer.corrected:  # said first: the quotes answer other words than were typed
        description.insert(0, f"*{escape(shorten(searched_instead(answer.corrected), 1200))}*")
    description.extend(note_lines(best))
    embed.description = "\n".join(description)[:EMBED_DESCRIPTION]
    for number, result in enumerate(others, start=answer.offset + 2):
        value = [f"> {highlighted(result.quote, result.highlights, OTHER_QUOTE_CHARS)}"]
        value.append(f"— {citation_line(result)}")
        value.extend(note_lines(result, 150))
        text = "\n".join(value)
        if len(text) > FIELD_VALUE:  # keep the citation whole; shorten the quote instead
            room = FIELD_VALUE - len(text) + OTHER_QUOTE_CHARS - 5
            value[0] = f"> {highlighted(result.quote, result.highlights, max(room, 60))}"
            text = "\n".join(value[:2])[:FIELD_VALUE]
        embed.add_field(name=f"{number}.", value=text, inline=False)
    embed.set_footer(
        text=footer_text(answer.offset + 1, len(answer.results), answer.has_more, scope)
    )
    return fit_embed(embed)


def escape_title(text: str) -> str:
    """Titles render markdown too; escape them the same way."""
    return shorten(escape(text), EMBED_TITLE)


def not_found_embed(answer: Answer, echo: str, scope: str = "") -> discord.Embed:
    """An honest "not found", with spelling suggestions when the index has close words."""
    embed = discord.Embed(title="No good answer in the archive", colour=MUTED)
    reason = answer.reason or "Nothing in the archive supports an answer."
    if scope:
        reason += f" Searched only documents {scope}."
    lines = [escape(reason), escape(shorten(one_line(echo), 300))]
    if answer.suggestions:
        words = ", ".join(f"**{escape(w)}**" for w in answer.suggestions)
        lines.append(f"Did you mean: {words}?")
    lines.append('Try other words, a name, or a "quoted phrase" that should appear in the text.')
    embed.description = "\n\n".join(lines)[:EMBED_DESCRIPTION]
    return embed


def fit_embed(embed: discord.Embed) -> discord.Embed:
    """Drop trailing fields until the embed is within the 6000-character total."""
    while len(embed) > EMBED_TOTAL and embed.fields:
        embed.remove_field(len(embed.fields) - 1)
    return embed


def footnote_embed(info: FootnoteInfo) -> discord.Embed:
    """A footnote's text (or that this copy lacks it) and each sentence that cites it."""
    embed = discord.Embed(
        title=escape_title(f"Note {info.number} · {one_line(info.title)}"),
        url=info.url or None,
        colour=COLOUR,
    )
    text = (
        escape(shorten(one_line(info.text), 3000))
        if info.text
        else f"*{NOTE_NOT_HERE.capitalize()}.*"
    )
    embed.description = text
    for citing in info.citations[:EMBED_FIELDS]:
        where = f"¶ {citing.paragraph}" + (
            f" · {shorten(one_line(citing.section), 150)}" if citing.section.strip() else ""
        )
        link = f"\n[open at this sentence]({_safe_url(citing.link)})" if citing.link else ""
        room = FIELD_VALUE - len(link) - 4
        embed.add_field(
            name=escape(shorten(where, FIELD_NAME - 10)),
            value=f"> {escape(shorten(one_line(citing.text), room - 40))}{link}",
            inline=False,
        )
    embed.set_footer(text=f"{info.doc_id} · cited {plural(len(info.citations), 'time')}")
    return fit_embed(embed)


def notes_embed(documents: Sequence[DocumentNotes]) -> discord.Embed:
    """The notes of the documents on screen; the notes this copy lacks are named once per
    document, not once per note."""
    embed = discord.Embed(title="Notes of the documents on screen", colour=MUTED)
    if not any(d.notes for d in documents):
        embed.description = "These documents cite no footnotes."
        return embed
    for document in documents[:EMBED_FIELDS]:
        if not document.notes:
            continue
        lines = [
            f"`[{n.number}]` " + escape(shorten(one_line(n.text), 200))
            for n in document.notes
            if n.text
        ]
        missing = [n.number for n in document.notes if not n.text]
        tail = f"*{missing_notes(missing)}*" if missing else ""
        value = ""
        for line in lines:
            if len(value) + len(line) + len(tail) + 4 > FIELD_VALUE:
                value += "\n…"
                break
            value += ("\n" if value else "") + line
        value = (value + "\n" + tail if value else tail) if tail else value
        embed.add_field(
            name=escape(shorten(one_line(document.title), FIELD_NAME - 10)),
            value=value[:FIELD_VALUE],
            inline=False,
        )
    return fit_embed(embed)


def choice_name(doc_id: str, title: str) -> str:
    """An autocomplete label within 1-100 characters."""
    return shorten(f"{title} ({doc_id})", CHOICE_NAME) or doc_id[:CHOICE_NAME]
