"""Logging for the bot process: level and format from settings, one line per event, no secrets.

``LOG_FORMAT=text`` writes ``time level logger: message`` (coloured only on a terminal);
``LOG_FORMAT=json`` writes one JSON object a line, for journald and Docker log drivers. discord.py's
voice warnings are dropped (this bot has no voice) and its reconnect tracebacks become one line.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from datetime import UTC, datetime
from typing import TextIO

import aiohttp
import discord

LOG_FORMATS = ("text", "json")
_TEXT_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
_DATE_FORMAT = "%Y-%m-%d %H:%M:%S"

# Failures of the network or of Discord's servers: worth one line, never a traceback.
NETWORK_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    aiohttp.ClientError,
    asyncio.TimeoutError,
    discord.GatewayNotFound,
    discord.ConnectionClosed,
    discord.DiscordServerError,
)


def describe_network_error(exc: BaseException) -> str:
    """What went wrong, in a few words (no traceback, no request details)."""
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return f"cannot resolve {exc.host}: {exc.strerror or exc.os_error}"
    if isinstance(exc, aiohttp.ClientConnectorError):
        return f"cannot connect to {exc.host}:{exc.port}: {exc.strerror or exc.os_error}"
    if isinstance(exc, asyncio.TimeoutError):
        return "timed out"
    if isinstance(exc, discord.DiscordServerError):
        return f"Discord answered {exc.status}"
    if isinstance(exc, discord.ConnectionClosed):
        return f"the gateway closed the connection (code {exc.code})"
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class DiscordNoise(logging.Filter):
    """Drops discord.py's voice warnings; turns its network tracebacks into one line."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith("discord"):
            return True
        if "voice will NOT be supported" in record.getMessage():
            return False
        if record.exc_info and isinstance(record.exc_info[1], NETWORK_ERRORS):
            reason = describe_network_error(record.exc_info[1])
            record.msg = f"{record.getMessage()} ({reason})"
            record.args = ()
            record.exc_info = None
            record.exc_text = None
            if record.levelno > logging.WARNING:  # the network, not this program, failed
                record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


class Redact(logging.Filter):
    """Replaces a secret (the bot token) wherever it would appear in a log line."""

    def __init__(self, secret: str) -> None:
        super().__init__()
        self.secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secret and self.secret in record.getMessage():
            record.msg = record.getMessage().replace(self.secret, "[token]")
            record.args = ()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message and, if any, error."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def colour_wanted(stream: TextIO) -> bool:
    """Colour on a terminal only (discord.py also colours in any Docker container, where logs
    go to files and log drivers), and never when ``NO_COLOR`` is set."""
    return stream.isatty() and not os.environ.get("NO_COLOR")


def setup_logging(
    level: str = "INFO", fmt: str = "text", *, secret: str = "", stream: TextIO | None = None
) -> logging.Handler:
    """Send every log record at ``level`` or above to ``stream`` (default stderr); returns the
    handler (replacing any this function installed before)."""
    stream = stream or sys.stderr
    handler = logging.StreamHandler(stream)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    elif colour_wanted(stream):
        handler.setFormatter(discord.utils._ColourFormatter())
    else:
        handler.setFormatter(logging.Formatter(_TEXT_FORMAT, _DATE_FORMAT))
    handler.addFilter(DiscordNoise())
    handler.addFilter(Redact(secret))
    handler.set_name("archive-bot")
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == "archive-bot"]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(getattr(logging, level))
    return handler
