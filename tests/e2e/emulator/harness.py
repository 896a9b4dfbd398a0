"""Running a real discord.py client against the emulator inside a test."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    import discord

    from .emulator import DiscordEmulator

ClientT = TypeVar("ClientT", bound="discord.Client")


async def _shutdown(
    client: discord.Client, runner: asyncio.Task[None] | None, *, quiet: bool
) -> None:
    """Close the client and collect its connection task (re-raising its error unless quiet)."""
    await client.close()
    if runner is None:
        return
    try:
        await asyncio.wait_for(runner, timeout=5.0)
    except asyncio.CancelledError:
        pass
    except Exception:
        if not quiet:
            raise


@asynccontextmanager
async def run_client(
    emu: DiscordEmulator, client: ClientT, *, ready_timeout: float = 10.0
) -> AsyncIterator[ClientT]:
    """Log ``client`` in, connect it and wait for ``on_ready``; always close it afterwards.

    The client must have been built with ``connector=emu.connector()``.
    Login errors (e.g. ``discord.LoginFailure``) and fatal gateway errors
    (e.g. ``discord.PrivilegedIntentsRequired``) propagate unchanged; so does
    an error that ends the client's connection during the test (at exit).
    """
    runner: asyncio.Task[None] | None = None
    try:
        await client.login(emu.bot_token)
        runner = asyncio.create_task(client.connect(reconnect=True), name="discord-client")
        ready = asyncio.create_task(client.wait_until_ready())
        done, _ = await asyncio.wait(
            {runner, ready}, timeout=ready_timeout, return_when=asyncio.FIRST_COMPLETED
        )
        if ready not in done:
            ready.cancel()
            with suppress(asyncio.CancelledError):
                await ready
            if runner in done:
                runner.result()  # re-raise why the connection ended
            raise TimeoutError(f"client not ready within {ready_timeout}s")
    except BaseException:
        await _shutdown(client, runner, quiet=True)
        raise
    try:
        yield client
    except BaseException:
        await _shutdown(client, runner, quiet=True)  # keep the test's own error
        raise
    await _shutdown(client, runner, quiet=False)
