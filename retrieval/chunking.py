"""Documents -> passages: sentence-aligned windows inside one section, with a small overlap.

Each passage's terms are its body terms plus the terms that name its document (title, subtitle,
path) and its section heading, so a question that names the article, the part of the archive or the
section finds the passages under it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

from .models import Document, Passage
from .text import TextWords, sentence_spans, terms, text_words, word_count


@dataclass(frozen=True)
class ChunkSettings:
    """Window sizes in words; part of the index's metadata (a change rebuilds the passages)."""

    min_words: int = 60
    target_words: int = 120
    max_words: int = 200
    overlap_sentences: int = 1

    def describe(self) -> str:
        """A stable string for the index metadata."""
        return (
            f"min={self.min_words},target={self.target_words},"
            f"max={self.max_words},overlap={self.overlap_sentences},labels=title+subtitle+path"
        )


DEFAULT_CHUNKING = ChunkSettings()


class _Sentence(NamedTuple):  # a tuple: a hundred of them a document, made quickly
    start: int
    end: int
    paragraph: int
    words: int


def _sections(document: Document) -> list[tuple[str, list[_Sentence]]]:
    sections: list[tuple[str, list[_Sentence]]] = []
    for paragraph in document.paragraphs:
        if not sections or sections[-1][0] != paragraph.section:
            sections.append((paragraph.section, []))
        for start, end in sentence_spans(document.text, paragraph.start, paragraph.end):
            words = word_count(document.text[start:end])
            sections[-1][1].append(_Sentence(start, end, paragraph.number, words))
    return sections


def _windows(sentences: list[_Sentence], settings: ChunkSettings) -> list[list[_Sentence]]:
    """Greedy windows of about ``target_words``; the last sentence(s) open the next window."""
    windows: list[list[_Sentence]] = []
    i = 0
    while i < len(sentences):
        window = [sentences[i]]
        count = sentences[i].words
        j = i + 1
        while j < len(sentences) and count < settings.target_words:
            if count + sentences[j].words > settings.max_words:
                break
            window.append(sentences[j])
            count += sentences[j].words
            j += 1
        # A short tail joins the previous window when that stays under the maximum.
        if j >= len(sentences) and windows and count < settings.min_words:
            previous = windows[-1]
            extra = [s for s in window if s not in previous]
            if sum(s.words for s in previous) + sum(s.words for s in extra) <= settings.max_words:
                previous.extend(extra)
                break
        windows.append(window)
        if j >= len(sentences):
            break
        i = max(j - settings.overlap_sentences, i + 1)
    return windows


def label_terms(title: str, subtitle: str | None, doc_id: str) -> list[str]:
    """Terms that name the whole document: its title, subtitle and the words of its id.

    The id is the page's path in the archive (``faq/failure``, ``czech/index``,
    ``movies/review?f=long/higher``): its folders say what part of the archive a page belongs to
    (FAQ, film reviews, a language), which questions often name.
    """
    path_words = " ".join(re.findall(r"[^\W\d_]+|\d+", doc_id))
    return terms(f"{title}\n{subtitle or ''}\n{path_words}")


def passages_for(
    document: Document,
    settings: ChunkSettings = DEFAULT_CHUNKING,
    words: TextWords | None = None,
) -> list[Passage]:
    """The passages of one document, in reading order (``words``: its text's, when known)."""
    words = words or text_words(document.text)
    title_terms = label_terms(document.title, document.subtitle, document.doc_id)
    passages: list[Passage] = []
    for section, sentences in _sections(document):
        section_terms = terms(section) if section else []
        for window in _windows(sentences, settings):
            start, end = window[0].start, window[-1].end
            body = words.terms_between(start, end)
            passages.append(
                Passage(
                    doc_id=document.doc_id,
                    ordinal=len(passages),
                    section=section,
                    para_first=window[0].paragraph,
                    para_last=window[-1].paragraph,
                    start=start,
                    end=end,
                    terms=tuple(title_terms + section_terms + body),
                )
            )
    return passages
