"""What choosing a question's quotes needs, as plain data, and the choice itself.

Choosing the quotes (:func:`retrieval.answer.select_results`) is about half of what an answer
costs, all of it Python code. A :class:`QuoteJob` holds only data (the candidates, their
paragraphs and notes: no index, no connection), so that the choice can run on the search thread
or, with the search, in a worker process (:mod:`retrieval.workers`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .answer import Selection, select_results
from .models import Paragraph, PassageRow
from .query import ParsedQuestion
from .ranking import Candidate, NotableNames


@dataclass(frozen=True)
class QuoteJob:
    """What :func:`~retrieval.answer.select_results` needs to answer one question."""

    question: ParsedQuestion
    candidates: list[Candidate]
    paragraphs: Mapping[str, list[Paragraph]]
    notes: Mapping[str, Mapping[int, str | None]]
    weights: Mapping[str, float]
    wanted: int
    per_document: int
    openings: Mapping[str, list[PassageRow]]
    notable: NotableNames


def quote(job: QuoteJob) -> Selection:
    """The results of a job, and whether more would follow (blocking)."""
    return select_results(
        job.question,
        job.candidates,
        job.paragraphs,
        job.notes,
        job.weights,
        job.wanted,
        job.per_document,
        job.openings,
        job.notable,
    )
