"""Every setting, from the environment or a ``.env`` file; all problems are reported at once.

The token is only ever read from here and is never part of a repr, a log line or an error message.
"""

from __future__ import annotations

import codecs
import difflib
import io
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from dotenv.parser import parse_stream

from retrieval.usage import DEFAULT_RETENTION_DAYS, retention_days
from retrieval.workers import DEFAULT_WORKERS

# Name -> what it is; `.env.example` lists exactly these (a test checks both ways).
SETTINGS: dict[str, str] = {
    "DISCORD_TOKEN": "the bot token from the Discord developer portal (required)",
    "ARCHIVE_BOT_DB": "SQLite file of the index",
    "ARCHIVE_SOURCES": "files or folders /reindex reads, separated by commas",
    "ARCHIVE_BASE_URL": "where the mirrored pages were published",
    "ADMIN_USER_IDS": "user ids allowed to run /reindex, separated by commas",
    "ADMIN_ROLE_IDS": "role ids allowed to run /reindex, separated by commas",
    "ANSWER_CHANNEL_IDS": "channel ids, separated by commas, where questions are answered in threads",
    "DEV_GUILD_ID": "a server id to sync commands to at once while testing",
    "RATE_LIMIT_QUESTIONS": "questions a user may ask per window",
    "RATE_LIMIT_SECONDS": "length of the rate-limit window in seconds",
    "ANSWER_EXPIRY_HOURS": "how long the buttons under an answer keep working",
    "LOG_LEVEL": "DEBUG, INFO, WARNING or ERROR",
    "LOG_FORMAT": "text (a line a record) or json (one JSON object a line)",
    "HEALTH_FILE": "a file touched every 30 s while connected to Discord (for health checks)",
    "QUESTION_RETENTION_DAYS": "days the question log (no user ids) keeps each question; 0: none",
    "SHARD_COUNT": "gateway shards: empty for one connection, auto or a number (big bots)",
}


_TOKEN_PART = re.compile(r"[A-Za-z0-9_-]+")
# A settings file is a few lines; anything bigger is another file named by mistake.
MAX_SETTINGS_BYTES = 64 * 1024
# A Discord id (a snowflake) is a 64-bit number: at most 20 digits.
MAX_ID_DIGITS = 20


class SettingsError(Exception):
    """One or more settings are missing or malformed (the message names each)."""


@dataclass(frozen=True)
class Settings:
    """The bot's configuration."""

    token: str = field(repr=False)
    db_path: Path
    sources: tuple[Path, ...]
    base_url: str = "https://www.prisoncensorship.info/archive/etext/"
    admin_user_ids: frozenset[int] = frozenset()
    admin_role_ids: frozenset[int] = frozenset()
    # Channels where every message that asks something is answered in a thread started on it
    # (needs the privileged Message Content intent).
    answer_channel_ids: frozenset[int] = frozenset()
    dev_guild_id: int | None = None
    rate_limit_questions: int = 5
    rate_limit_seconds: float = 30.0
    answer_expiry_hours: float = 24.0
    log_level: str = "INFO"
    log_format: str = "text"
    health_file: Path | None = None
    question_retention_days: float = DEFAULT_RETENTION_DAYS
    # None: one gateway connection (discord.py's Bot); "auto": as many shards as Discord
    # recommends; a number: that many (discord.py's AutoShardedBot either way).
    shard_count: int | Literal["auto"] | None = None
    # Processes that choose the quotes beside the search thread (one fewer than the cores).
    answer_workers: int = DEFAULT_WORKERS


COPY_ID = (
    "in Discord turn on User Settings -> Advanced -> Developer Mode, then right-click the "
    "channel -> Copy Channel ID"
)


def _numeric(text: str) -> bool:
    """Whether ``text`` is a Discord id: a whole number in at most ``MAX_ID_DIGITS`` ASCII
    digits ("²" is a digit to ``isdigit``)."""
    return text.isascii() and text.isdigit() and len(text) <= MAX_ID_DIGITS


def _ids(name: str, raw: str, problems: list[str], hint: str = "") -> frozenset[int]:
    values = [v.strip() for v in raw.split(",") if v.strip()]
    bad = [v for v in values if not _numeric(v)]
    if bad:
        problems.append(
            f"{name} must be numeric Discord ids separated by commas (got {bad[0]!r})"
            + (f": {hint}" if hint else "")
        )
        return frozenset()
    return frozenset(int(v) for v in values)


def _number(name: str, raw: str, default: float, problems: list[str], *, whole: bool) -> float:
    if not raw.strip():
        return default
    try:
        value = int(raw) if whole else float(raw)
    except ValueError:
        problems.append(f"{name} must be a {'whole ' if whole else ''}number (got {raw!r})")
        return default
    if not value > 0 or not math.isfinite(value):  # "nan" and "inf" are floats too
        problems.append(f"{name} must be a finite number greater than 0 (got {raw!r})")
        return default
    return value


def _shards(raw: str, problems: list[str]) -> int | Literal["auto"] | None:
    raw = raw.strip().lower()
    if not raw:
        return None
    if raw == "auto":
        return "auto"
    if not _numeric(raw) or int(raw) < 1:
        problems.append(f"SHARD_COUNT must be auto or a whole number of 1 or more (got {raw!r})")
        return None
    return int(raw)


def token_problem(token: str) -> str | None:
    """What is wrong with the token's form (missing, or not three dot-separated base64url
    parts), or None; never names the token. ``run`` refuses such a token and ``doctor`` reports it.
    """
    if not token:
        return "DISCORD_TOKEN is not set (put it in .env or the environment)"
    parts = token.split(".")
    if len(parts) != 3 or not all(_TOKEN_PART.fullmatch(p) for p in parts):
        return (
            "DISCORD_TOKEN does not look like a bot token (three parts separated by dots); "
            "copy it again from the developer portal (Bot -> Reset Token), without 'Bot ' or quotes"
        )
    return None


def load_settings(
    environ: Mapping[str, str] | None = None,
    env_file: str | Path | None = ".env",
    *,
    default_db: Path,
    default_sources: tuple[Path, ...],
    db: Path | None = None,
) -> Settings:
    """Read settings; the environment wins over ``env_file``, and ``db`` (the command line's
    ``--db``) over both. Raises :class:`SettingsError`."""
    settings, problems = read_settings(
        environ, env_file, default_db=default_db, default_sources=default_sources, db=db
    )
    if problems:
        raise SettingsError("; ".join(problems))
    return settings


def read_settings(
    environ: Mapping[str, str] | None = None,
    env_file: str | Path | None = ".env",
    *,
    default_db: Path,
    default_sources: tuple[Path, ...],
    db: Path | None = None,
) -> tuple[Settings, list[str]]:
    """Settings as :func:`load_settings` reads them, with every problem found instead of an
    error (a malformed value is replaced by its default): for ``archive-bot doctor``."""
    problems: list[str] = []
    values: dict[str, str] = {}
    if env_file is not None:
        values.update(read_env_file(Path(env_file), problems))
    values.update(os.environ if environ is None else environ)
    if db is not None:
        values["ARCHIVE_BOT_DB"] = str(db)

    token = values.get("DISCORD_TOKEN", "").strip()
    if problem := token_problem(token):
        problems.append(problem)

    dev_guild = values.get("DEV_GUILD_ID", "").strip()
    if dev_guild and not _numeric(dev_guild):
        problems.append(f"DEV_GUILD_ID must be a numeric server id (got {dev_guild!r})")

    level = values.get("LOG_LEVEL", "INFO").strip().upper() or "INFO"
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        problems.append(f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR (got {level!r})")

    log_format = values.get("LOG_FORMAT", "text").strip().lower() or "text"
    if log_format not in ("text", "json"):
        problems.append(f"LOG_FORMAT must be text or json (got {log_format!r})")

    raw_sources = values.get("ARCHIVE_SOURCES", "").strip()
    sources = (
        tuple(Path(s.strip()).expanduser() for s in raw_sources.split(",") if s.strip())
        if raw_sources
        else default_sources
    )
    if raw_sources and not sources:
        problems.append(f"ARCHIVE_SOURCES names no path (got {raw_sources!r})")
    missing = [str(s) for s in sources if not s.exists()]
    if missing:
        problems.append(f"ARCHIVE_SOURCES names paths that do not exist: {', '.join(missing)}")

    base_url = values.get("ARCHIVE_BASE_URL", "").strip() or Settings.base_url
    if not base_url.startswith(("http://", "https://")):
        problems.append(f"ARCHIVE_BASE_URL must start with http:// or https:// (got {base_url!r})")

    try:
        retention = retention_days(values.get("QUESTION_RETENTION_DAYS"))
    except ValueError as exc:
        problems.append(str(exc))
        retention = DEFAULT_RETENTION_DAYS

    health = values.get("HEALTH_FILE", "").strip()
    if health and Path(health).expanduser().is_dir():
        problems.append(f"HEALTH_FILE: {health} is a folder; name a file in it")
    elif health and not Path(health).expanduser().parent.is_dir():
        problems.append(f"HEALTH_FILE: no folder {Path(health).expanduser().parent} to write it in")

    settings = Settings(
        token=token,
        base_url=base_url,
        db_path=Path(values.get("ARCHIVE_BOT_DB", "").strip() or default_db).expanduser(),
        sources=sources,
        admin_user_ids=_ids("ADMIN_USER_IDS", values.get("ADMIN_USER_IDS", ""), problems),
        admin_role_ids=_ids("ADMIN_ROLE_IDS", values.get("ADMIN_ROLE_IDS", ""), problems),
        answer_channel_ids=_ids(
            "ANSWER_CHANNEL_IDS", values.get("ANSWER_CHANNEL_IDS", ""), problems, COPY_ID
        ),
        dev_guild_id=int(dev_guild) if _numeric(dev_guild) else None,
        rate_limit_questions=int(
            _number(
                "RATE_LIMIT_QUESTIONS",
                values.get("RATE_LIMIT_QUESTIONS", ""),
                5,
                problems,
                whole=True,
            )
        ),
        rate_limit_seconds=_number(
            "RATE_LIMIT_SECONDS", values.get("RATE_LIMIT_SECONDS", ""), 30.0, problems, whole=False
        ),
        answer_expiry_hours=_number(
            "ANSWER_EXPIRY_HOURS",
            values.get("ANSWER_EXPIRY_HOURS", ""),
            24.0,
            problems,
            whole=False,
        ),
        log_level=level,
        log_format=log_format,
        health_file=Path(health).expanduser() if health else None,
        question_retention_days=retention,
        shard_count=_shards(values.get("SHARD_COUNT", ""), problems),
    )
    return settings, problems


def read_env_file(path: Path, problems: list[str]) -> dict[str, str]:
    """The settings a ``.env`` file sets (none when there is no such file), and in ``problems``
    what keeps it from being read: a folder, no permission, not UTF-8 text (a UTF-16 file, as
    Windows' Notepad saves "Unicode", is read), a line that is no ``NAME=value``. A line is named
    by its number only: it may hold the token."""
    text = _env_text(path, problems)
    if text is None:
        return {}
    values: dict[str, str] = {}
    for binding in parse_stream(io.StringIO(text)):
        if binding.error:
            original = binding.original.string
            blank = original[: len(original) - len(original.lstrip())].count("\n")
            problems.append(f"{path} line {binding.original.line + blank}: not a NAME=value line")
        elif binding.key is not None and binding.value is not None:
            values[binding.key] = binding.value
    return values


def _env_text(path: Path, problems: list[str]) -> str | None:
    """The text of a settings file, or None (no file, or a problem said why)."""
    if not path.exists():
        return None
    if path.is_dir():
        problems.append(f"{path} is a folder, not a settings file")
        return None
    try:
        with path.open("rb") as file:
            data = file.read(MAX_SETTINGS_BYTES + 1)  # /dev/zero never ends
    except OSError as exc:
        problems.append(f"{path} cannot be read ({exc.strerror}): check its owner and mode")
        return None
    if len(data) > MAX_SETTINGS_BYTES:
        problems.append(f"{path} is over {MAX_SETTINGS_BYTES // 1024} KB: not a settings file")
        return None
    utf16 = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    try:
        return data.decode("utf-16" if utf16 else "utf-8-sig")
    except UnicodeDecodeError as exc:
        problems.append(f"{path} is not UTF-8 text (byte {exc.start}): save it as UTF-8")
        return None


_EXPORT = re.compile(r"\s*export\s+[A-Za-z_]")
_ASSIGNMENT = re.compile(r"\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)")


def env_file_notes(path: Path) -> list[str]:
    """What in a settings file this program reads otherwise than systemd's ``EnvironmentFile=``
    does (an ``export`` line, a comment after a value), and names that are no setting (a typo:
    "RATE_LIMT_SECONDS"). Lines are named by number: they may hold the token."""
    text = _env_text(path, [])
    if text is None:
        return []
    notes: list[str] = []
    for number, line in enumerate(text.splitlines(), 1):
        found = _ASSIGNMENT.match(line)
        if found is None:
            continue
        name, value = found.groups()
        where = f"{path} line {number}"
        if _EXPORT.match(line):
            notes.append(f"{where}: systemd's EnvironmentFile= skips a line opening with export")
        if value[:1] not in ("'", '"') and " #" in value:
            notes.append(
                f"{where}: systemd keeps ' #...' after a value as part of it; put the comment "
                "on a line of its own"
            )
        if name not in SETTINGS and name.isupper():
            close = difflib.get_close_matches(name, list(SETTINGS), n=1, cutoff=0.8)
            hint = f" (did you mean {close[0]}?)" if close else ""
            notes.append(f"{where}: {name} is no setting of archive-bot{hint}")
    return notes
