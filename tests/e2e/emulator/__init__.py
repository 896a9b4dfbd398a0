"""A test-only emulator of Discord's REST API (v10) and gateway.

Start it in the test's event loop and point an unmodified discord.py client
at it through public options only (a connector whose resolver sends every
host to the emulator's port, with TLS verified against a test CA)::

    async with DiscordEmulator() as emu:
        bot = commands.Bot(command_prefix="!", intents=discord.Intents.default(),
                           connector=emu.connector(), guild_ready_timeout=0.05)
        async with run_client(emu, bot):          # login + connect + on_ready
            rec = await emu.invoke_slash("ask", {"question": "hi"})
            msg = await rec.wait_for_message()    # the visible answer
            await emu.click_button(msg, "more")
        emu.assert_clean()                        # no unknown routes / limit violations

Modules: ``emulator`` (facade, lifecycle, records), ``actions`` (acting as
users, waiting), ``gateway``, ``rest`` (HTTP plumbing) with ``routes_*``,
``builders`` (interaction payloads), ``messages``, ``world``/``model``
(state), ``validation``/``command_validation`` (Discord's limits),
``faults``, ``records``, ``tls``, ``harness``.
"""

from __future__ import annotations

from .emulator import DiscordEmulator
from .faults import FaultRule
from .gateway import GUILD_MEMBERS, GUILD_PRESENCES, MESSAGE_CONTENT
from .harness import run_client
from .messages import EPHEMERAL, LOADING, StoredMessage
from .model import Channel, Guild, Member, Perm, Role, User
from .records import (
    CallbackRecord,
    GatewayEvent,
    InteractionRecord,
    RequestRecord,
    ValidationFailure,
)

__all__ = [
    "EPHEMERAL",
    "GUILD_MEMBERS",
    "GUILD_PRESENCES",
    "LOADING",
    "MESSAGE_CONTENT",
    "CallbackRecord",
    "Channel",
    "DiscordEmulator",
    "FaultRule",
    "GatewayEvent",
    "Guild",
    "InteractionRecord",
    "Member",
    "Perm",
    "RequestRecord",
    "Role",
    "StoredMessage",
    "User",
    "ValidationFailure",
    "run_client",
]
