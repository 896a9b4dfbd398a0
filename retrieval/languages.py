"""Questions about the archive's pages in other languages ("what's the Czech title of ...?").

The archive keeps its translations in folders named for their language (``czech/``,
``german/``, ``italian/statements/``...). A question that uses a language's name for a language
("the Czech title", "the German word", "in Italian"), not for a people or a country ("the
Chinese government"), asks about the pages in that folder, which share few words with an
English question.
"""

from __future__ import annotations

import re

LANGUAGES = (
    "czech german italian french spanish portuguese chinese russian turkish arabic farsi "
    "persian hindi japanese korean dutch swedish greek polish tagalog vietnamese".split()
)
_NAMES = "|".join(LANGUAGES)
_USED_AS_LANGUAGE = re.compile(
    rf"\b({_NAMES})\s+(?:title|translation|translations|version|word|words|term|page|pages|"
    rf"text|edition|name|language|original|site)\b|\bin\s+({_NAMES})\b",
    re.IGNORECASE,
)


def languages_asked(question: str) -> frozenset[str]:
    """The languages ``question`` asks about as languages (lower case), often none."""
    return frozenset(
        (m.group(1) or m.group(2)).lower() for m in _USED_AS_LANGUAGE.finditer(question)
    )


def written_in(doc_id: str, languages: frozenset[str]) -> bool:
    """Whether a document lies in the folder of one of ``languages``."""
    folders = doc_id.split("?", 1)[0].split("/")
    return any(folder.lower() in languages for folder in folders)
