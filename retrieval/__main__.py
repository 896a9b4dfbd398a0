"""``python -m retrieval``: the command line without the bot's ``run`` command."""

import sys

from .cli import main

sys.exit(main())
