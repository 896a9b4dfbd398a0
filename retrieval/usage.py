"""The question log's records: what admins may see of what was asked, and never who asked it.

An entry is the question's text, when it was asked, through which front end, whether it ended in
"not found" and how many excerpts were shown. The store keeps entries for a retention period
(``QUESTION_RETENTION_DAYS``); a report sums them up per day, by question, and lists the recent
questions the archive had no answer to (its gaps, or the index's).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from .models import Answer

RETENTION_SETTING = "QUESTION_RETENTION_DAYS"
DEFAULT_RETENTION_DAYS = 30.0
DEFAULT_REPORT_DAYS = 14
MAX_REPORT_DAYS = 366
DEFAULT_REPORT_TOP = 10
_EDGE_PUNCTUATION = re.compile(r"^[\s\"'“”‘’¿¡.,;:!?-]+|[\s\"'“”‘’.,;:!?-]+$")


def question_key(question: str) -> str:
    """What makes two logged questions the same: case, spacing and end punctuation aside."""
    return _EDGE_PUNCTUATION.sub("", " ".join(question.casefold().split()))


def retention_days(raw: str | None) -> float:
    """``QUESTION_RETENTION_DAYS`` as a number of days (0: keep no log); the default when empty.
    Raises ``ValueError`` with a message naming the setting."""
    if raw is None or not raw.strip():
        return DEFAULT_RETENTION_DAYS
    try:
        days = float(raw)
    except ValueError:
        raise ValueError(
            f"QUESTION_RETENTION_DAYS must be a number of days (got {raw!r})"
        ) from None
    if days < 0 or days != days or days == float("inf"):
        raise ValueError(f"QUESTION_RETENTION_DAYS must be 0 or more days (got {raw!r})")
    return days


@dataclass(frozen=True)
class LoggedQuestion:
    """One question as the log keeps it (``asked_at`` is UNIX time)."""

    question: str
    asked_at: float
    not_found: bool
    results: int
    front_end: str

    @classmethod
    def of(cls, answer: Answer, front_end: str, asked_at: float) -> LoggedQuestion:
        """The entry for an answer just given (its question is already free of mentions)."""
        return cls(answer.question, asked_at, answer.abstained, len(answer.results), front_end)

    @property
    def key(self) -> str:
        """See :func:`question_key`."""
        return question_key(self.question)


@dataclass(frozen=True)
class DayCount:
    """Questions asked on one UTC day, and how many of them ended in "not found"."""

    day: str
    asked: int
    not_found: int


@dataclass(frozen=True)
class AskedQuestion:
    """A question (as last written) and how often it was asked and not found."""

    question: str
    times: int
    not_found: int
    last_asked: str


@dataclass(frozen=True)
class QuestionReport:
    """The question log summed up over the last ``days`` UTC days (today included)."""

    days: int
    since: str
    asked: int
    not_found: int
    per_day: tuple[DayCount, ...]
    most_asked: tuple[AskedQuestion, ...]
    recent_not_found: tuple[AskedQuestion, ...]

    def to_json(self) -> dict[str, Any]:
        """The documented ``archive-bot stats --questions --json`` structure."""
        return asdict(self)


def window_start(days: int, now: float) -> float:
    """UNIX time of the start of the UTC day ``days - 1`` days before ``now``'s."""
    today = datetime.fromtimestamp(now, UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return (today - timedelta(days=days - 1)).timestamp()


def every_day(days: int, now: float, counted: dict[str, tuple[int, int]]) -> tuple[DayCount, ...]:
    """One :class:`DayCount` for each of the last ``days`` days, oldest first (zeros included)."""
    first = datetime.fromtimestamp(window_start(days, now), UTC)
    out = []
    for n in range(days):
        day = (first + timedelta(days=n)).date().isoformat()
        asked, not_found = counted.get(day, (0, 0))
        out.append(DayCount(day, asked, not_found))
    return tuple(out)


def iso_time(unix: float) -> str:
    """UNIX time as ISO 8601 (seconds, UTC)."""
    return datetime.fromtimestamp(unix, UTC).replace(microsecond=0).isoformat()
