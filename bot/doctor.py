"""``archive-bot doctor``: check what the bot needs before it runs, without the network, and say
what to fix.

It reads the settings as ``archive-bot run`` would, then checks the token's form (never sending
it anywhere, never printing it), the database (opened read-only: nothing is written), its schema,
integrity and whether the stored index matches this version's settings, and that every source
the index was built from and every ``ARCHIVE_SOURCES`` path can be read.

Exit codes: 0 nothing to fix (notes may be printed), 1 something to fix, 2 a usage error.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import binascii
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from retrieval import ArchiveService, RetrievalError, bundled_corpus, default_db_path
from retrieval.errors import StoreError
from retrieval.store import MIGRATIONS, Store
from retrieval.wording import plural

from .settings import Settings, env_file_notes, read_settings, token_problem

OK, NOTE, PROBLEM = "ok", "note", "PROBLEM"
EXIT_OK, EXIT_PROBLEMS = 0, 1
_UNREADABLE_SHOWN = 5
ANSWER_CHANNELS_NEED = (
    "ANSWER_CHANNEL_IDS needs the Message Content intent (Developer Portal -> your application -> "
    "Bot -> Privileged Gateway Intents -> Message Content Intent) and, in those channels, the "
    "Create Public Threads and Send Messages in Threads permissions; doctor cannot check either "
    "without the network (without the intent the bot says so at start-up and answer channels "
    "stay off)"
)


@dataclass(frozen=True)
class Finding:
    """One check's outcome: ``level`` is ok, note (worth knowing) or PROBLEM (to fix)."""

    level: str
    topic: str
    message: str

    def line(self) -> str:
        """The finding as doctor prints it."""
        return f"{self.level:<8} {self.topic}: {self.message}"


def token_finding(token: str) -> Finding:
    """Whether the token has a bot token's form: three dot-separated base64url parts, the first
    the bot's user id. Says nothing of the token but that id (which is public)."""
    if problem := token_problem(token):
        return Finding(PROBLEM, "token", problem)
    # Only doctor checks the id: `run` leaves a well-formed token for Discord to judge.
    parts = token.split(".")
    try:
        user_id = base64.urlsafe_b64decode(parts[0] + "=" * (-len(parts[0]) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError):
        user_id = ""
    if not user_id.isdigit():
        return Finding(
            PROBLEM,
            "token",
            "DISCORD_TOKEN's first part is not a bot's user id: it is not a bot token "
            "(a client secret or a user token is not one); copy the token from the Bot page",
        )
    return Finding(
        OK, "token", f"well-formed, for the bot user {user_id} (not checked with Discord)"
    )


def setting_findings(
    settings: Settings, problems: list[str], env_file: Path | None, file_named: bool = False
) -> list[Finding]:
    """Each settings problem, the env file's permissions, admins, answer channels, the health
    file."""
    out = [
        Finding(PROBLEM, "settings", problem)
        for problem in problems
        if "DISCORD_TOKEN" not in problem
    ]
    unread = env_file is not None and any(str(env_file) in problem for problem in problems)
    if env_file is None or env_file.is_dir():
        pass  # a folder is one of the problems above
    elif env_file.is_file():
        out.extend(Finding(NOTE, "settings", note) for note in env_file_notes(env_file))
        if env_file.stat().st_mode & 0o004:
            out.append(
                Finding(
                    PROBLEM,
                    "settings",
                    f"{env_file} (it holds the token) can be read by every user: chmod 600 {env_file}",
                )
            )
        elif not unread:  # else it was not read as it should be: a problem above, not "ok"
            out.append(Finding(OK, "settings", f"read from the environment and {env_file}"))
    elif env_file.exists():  # /dev/null, as the deployments pass it: nothing from a file
        out.append(Finding(OK, "settings", f"read from the environment and {env_file}"))
    elif file_named:
        out.append(Finding(PROBLEM, "settings", f"--env-file {env_file}: no such file"))
    else:
        out.append(
            Finding(NOTE, "settings", f"no {env_file}: settings come from the environment only")
        )
    if not settings.admin_user_ids and not settings.admin_role_ids:
        out.append(
            Finding(
                NOTE,
                "settings",
                "no ADMIN_USER_IDS or ADMIN_ROLE_IDS: /reindex and /stats refuse everyone",
            )
        )
    if settings.answer_channel_ids:
        out.append(Finding(NOTE, "settings", ANSWER_CHANNELS_NEED))
    if settings.health_file is not None:
        folder = settings.health_file.parent
        if folder.is_dir() and not os.access(folder, os.W_OK):  # no folder: a problem above
            out.append(
                Finding(
                    PROBLEM,
                    "settings",
                    f"HEALTH_FILE: cannot write in {folder}; pick a writable folder",
                )
            )
    log = (
        f"kept {settings.question_retention_days:g} days"
        if settings.question_retention_days > 0
        else "off"
    )
    named: dict[int | str | None, str] = {
        None: "one gateway connection",
        "auto": "as many shards as Discord recommends",
    }
    shards = named.get(settings.shard_count, f"{settings.shard_count} shards")
    out.append(Finding(OK, "settings", f"question log {log}; {shards}"))
    return out


async def database_findings(path: Path) -> list[Finding]:
    """The database: there, writable by the bot, sound, of this version's schema, its index
    current; and the source roots recorded in it still readable."""
    if path.is_dir():
        return [
            Finding(
                PROBLEM, "database", f"{path} is a folder; point ARCHIVE_BOT_DB or --db at a file"
            )
        ]
    if not path.exists():
        folder = next((p for p in path.parents if p.exists()), None)
        if folder is None or not (folder.is_dir() and os.access(folder, os.W_OK)):
            return [
                Finding(
                    PROBLEM,
                    "database",
                    f"{path} does not exist and cannot be created (folder {folder} is not writable)",
                )
            ]
        return [
            Finding(
                NOTE,
                "database",
                f"{path} does not exist yet: the first start builds it from the bundled article "
                "(or run `archive-bot ingest PATH` first)",
            )
        ]
    out: list[Finding] = []
    unwritable = [p for p in (path, path.parent) if not os.access(p, os.W_OK)]
    if unwritable:
        out.append(
            Finding(
                PROBLEM,
                "database",
                f"{', '.join(map(str, unwritable))} not writable by this user (uid {os.getuid()}): "
                "the bot writes saved questions and the question log; give the bot's user the file "
                "and its folder",
            )
        )
    try:
        store = await Store.open(path, read_only=True, any_schema=True)
    except StoreError as exc:
        return [*out, Finding(PROBLEM, "database", str(exc))]
    try:
        version = await store.schema_version()
        if version > len(MIGRATIONS):
            out.append(
                Finding(
                    PROBLEM,
                    "database",
                    f"schema version {version} is newer than this program knows ({len(MIGRATIONS)}): "
                    "install the newer version again, or restore a backup made before the upgrade",
                )
            )
            return out
        if not await store.integrity_ok():
            out.append(
                Finding(
                    PROBLEM,
                    "database",
                    f"{path} fails PRAGMA integrity_check: restore a backup, or move it aside and "
                    "run `archive-bot ingest` to rebuild it",
                )
            )
            return out
        if version < len(MIGRATIONS):
            out.append(
                Finding(
                    NOTE,
                    "database",
                    f"{path}: integrity ok; schema version {version}, the next start upgrades it "
                    f"to {len(MIGRATIONS)} (take a backup first: `archive-bot backup DIR`)",
                )
            )
            return out
        out.append(Finding(OK, "database", f"{path}: integrity ok, schema version {version}"))
        service = ArchiveService(store)
        stale = await service.index_freshness()
        if stale:
            out.append(
                Finding(
                    NOTE,
                    "index",
                    "the next start rebuilds it (" + "; ".join(stale) + "); "
                    "questions wait for the rebuild",
                )
            )
        else:
            meta = await store.meta()
            documents = await store.document_count()
            out.append(
                Finding(
                    OK,
                    "index",
                    f"current (documents: {documents}, built {meta.get('built_at', '?')})",
                )
            )
        for root in await store.source_roots():
            out.append(_root_finding(Path(root.path)))
    except RetrievalError as exc:
        out.append(Finding(PROBLEM, "database", str(exc)))
    finally:
        await store.close()
    return out


def _root_finding(root: Path) -> Finding:
    if not root.exists():
        return Finding(
            NOTE,
            "sources",
            f"{root} (recorded by an earlier ingest) is gone: /reindex removes its documents; "
            "restore it to keep them",
        )
    return _readable(root, "recorded by an ingest")


def source_findings(sources: Iterable[Path]) -> list[Finding]:
    """ARCHIVE_SOURCES (or the bundled article): each path there and readable (missing paths are
    a settings problem already)."""
    return [_readable(path, "ARCHIVE_SOURCES") for path in sources if path.exists()]


def _readable(path: Path, what: str) -> Finding:
    """Whether this user can read ``path`` and, for a folder, every folder and file inside."""
    unreadable: list[str] = []
    files = 0
    if path.is_dir():
        if not os.access(path, os.R_OK | os.X_OK):
            unreadable.append(str(path))
        else:
            for folder, dirs, names in os.walk(
                path, onerror=lambda e: unreadable.append(e.filename)
            ):
                for name in dirs:
                    if not os.access(os.path.join(folder, name), os.R_OK | os.X_OK):
                        unreadable.append(os.path.join(folder, name))
                for name in names:
                    files += 1
                    if not os.access(os.path.join(folder, name), os.R_OK):
                        unreadable.append(os.path.join(folder, name))
    else:
        files = 1
        if not os.access(path, os.R_OK):
            unreadable.append(str(path))
    if unreadable:
        shown = ", ".join(sorted(set(unreadable))[:_UNREADABLE_SHOWN])
        more = len(set(unreadable)) - _UNREADABLE_SHOWN
        return Finding(
            PROBLEM,
            "sources",
            f"{path} ({what}): this user cannot read {shown}"
            + (f" and {more} more" if more > 0 else "")
            + "; /reindex keeps their old documents: give the bot's user read access",
        )
    return Finding(OK, "sources", f"{path} ({what}) readable, {plural(files, 'file')}")


async def diagnose(
    env_file: Path | None, db: Path | None, file_named: bool = False
) -> list[Finding]:
    """Every check, in the order an admin fixes things (``file_named``: the settings file was
    named on the command line, and must exist)."""
    settings, problems = read_settings(
        env_file=env_file, default_db=default_db_path(), default_sources=(bundled_corpus(),), db=db
    )
    findings = setting_findings(settings, problems, env_file, file_named)
    findings.insert(0, token_finding(settings.token))
    findings += await database_findings(settings.db_path)
    findings += source_findings(settings.sources)
    return findings


def run_doctor(args: argparse.Namespace) -> int:
    """The ``doctor`` command: print every finding, then what to do; exit 1 if any is a problem."""
    env_file = Path(args.env_file or ".env")
    findings = asyncio.run(diagnose(env_file, args.db, file_named=args.env_file is not None))
    for finding in findings:
        print(finding.line())
    problems = sum(f.level == PROBLEM for f in findings)
    if problems:
        print(
            f"\n{plural(problems, 'problem')} to fix (the PROBLEM lines); `archive-bot run` may fail or answer wrongly until then"
        )
        return EXIT_PROBLEMS
    print("\nnothing to fix")
    return EXIT_OK


def configure_doctor(parser: argparse.ArgumentParser) -> None:
    """The ``doctor`` command's options."""
    parser.add_argument(
        "--env-file",
        help="file of settings (default: .env when there is one; the environment wins)",
    )
