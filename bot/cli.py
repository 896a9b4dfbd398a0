"""The ``archive-bot`` console script: the retrieval CLI plus ``run``, which starts the bot."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from retrieval.cli import ExtraCommand
from retrieval.cli import main as retrieval_main


def _configure_run(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--env-file", default=".env", help="file of settings (default: .env; the environment wins)"
    )


def _run(args: argparse.Namespace) -> int:
    # Imported here: discord.py costs a fifth of a second that the other commands need not pay.
    from .__main__ import main as run_bot

    return run_bot(env_file=args.env_file, db=args.db)


RUN = ExtraCommand(
    "run", "start the Discord bot (settings from the environment or .env)", _configure_run, _run
)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``archive-bot``."""
    return retrieval_main(argv, extra=[RUN])


if __name__ == "__main__":
    sys.exit(main())
