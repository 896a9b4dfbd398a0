"""The ``archive-bot`` console script: the retrieval CLI plus ``run``, which starts the bot, and
``doctor``, which checks what ``run`` needs."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from retrieval.cli import ExtraCommand
from retrieval.cli import main as retrieval_main


def _configure_run(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--env-file",
        help="file of settings (default: .env when there is one; the environment wins)",
    )


def _run(args: argparse.Namespace) -> int:
    # Imported here: discord.py costs a fifth of a second that the other commands need not pay.
    from .__main__ import main as run_bot

    return run_bot(
        env_file=args.env_file or ".env", db=args.db, file_named=args.env_file is not None
    )


RUN = ExtraCommand(
    "run", "start the Discord bot (settings from the environment or .env)", _configure_run, _run
)


def _doctor(args: argparse.Namespace) -> int:
    from .doctor import run_doctor  # the settings and checks; no discord.py

    return run_doctor(args)


def _configure_doctor(parser: argparse.ArgumentParser) -> None:
    from .doctor import configure_doctor

    configure_doctor(parser)


DOCTOR = ExtraCommand(
    "doctor",
    "check settings, token form, database, index and sources without the network; say what to fix",
    _configure_doctor,
    _doctor,
)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``archive-bot``."""
    return retrieval_main(argv, extra=[RUN, DOCTOR])


if __name__ == "__main__":
    sys.exit(main())
