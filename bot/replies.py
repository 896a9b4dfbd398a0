"""Where a reply goes: an interaction (answered exactly once, then with follow-ups; errors as
ephemeral replies), a reply to a message, or a thread started on a message. Never a ping."""

from __future__ import annotations

import contextlib
import logging
import secrets
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from typing import Protocol

import discord

log = logging.getLogger(__name__)

NO_PINGS = discord.AllowedMentions.none()


async def send(
    interaction: discord.Interaction,
    content: str | None = None,
    *,
    embed: discord.Embed | None = None,
    view: discord.ui.View | None = None,
    ephemeral: bool = False,
) -> None:
    """Respond if nothing was sent yet, else send a follow-up; never pings anyone."""
    kwargs: dict = {"content": content, "embed": embed, "ephemeral": ephemeral}
    kwargs["allowed_mentions"] = NO_PINGS
    if view is not None:
        kwargs["view"] = view
    if interaction.response.is_done():
        await interaction.followup.send(**{k: v for k, v in kwargs.items() if v is not None})
    else:
        await interaction.response.send_message(**kwargs)


async def tell(interaction: discord.Interaction, message: str) -> None:
    """A short ephemeral message to the user (errors, hints, refusals)."""
    await send(interaction, message[:2000], ephemeral=True)


def new_ref() -> str:
    """A short reference that ties a user's error message to the logged traceback."""
    return secrets.token_hex(3).upper()


async def report_unexpected(interaction: discord.Interaction, error: BaseException) -> None:
    """Log the traceback with a reference and tell the user only the reference."""
    ref = new_ref()
    log.error("unexpected error (ref %s) in %s", ref, _where(interaction), exc_info=error)
    try:
        await tell(interaction, f"Something went wrong (ref {ref}). Please try again later.")
    except discord.HTTPException:
        log.warning("could not tell the user about error ref %s", ref)


def _where(interaction: discord.Interaction) -> str:
    command = interaction.command.qualified_name if interaction.command else "component"
    return f"{command} (guild {interaction.guild_id}, user {interaction.user.id})"


class Reply(Protocol):
    """Where a question's answer goes (an interaction, a message, a thread on a message)."""

    async def say(self, text: str) -> None:
        """A short message instead of an answer: a hint, a refusal, when to ask again."""

    def working(self) -> AbstractAsyncContextManager[None]:
        """Shows that an answer is coming while the block runs (a deferral, typing)."""

    async def answer(self, embed: discord.Embed, view: discord.ui.View) -> None:
        """The answer itself."""


class InteractionReply:
    """The reply to a slash command: hints are private, the answer private when asked so."""

    def __init__(self, interaction: discord.Interaction, *, ephemeral: bool = False) -> None:
        self.interaction = interaction
        self.ephemeral = ephemeral

    async def say(self, text: str) -> None:
        await tell(self.interaction, text)

    @contextlib.asynccontextmanager
    async def working(self) -> AsyncIterator[None]:
        await self.interaction.response.defer(thinking=True, ephemeral=self.ephemeral)
        yield

    async def answer(self, embed: discord.Embed, view: discord.ui.View) -> None:
        await send(self.interaction, embed=embed, view=view, ephemeral=self.ephemeral)


class MessageReply:
    """A reply to a message, in the message's channel or thread (without pinging its author)."""

    def __init__(self, message: discord.Message) -> None:
        self.message = message

    async def say(self, text: str) -> None:
        await self.message.reply(text, allowed_mentions=NO_PINGS, mention_author=False)

    def working(self) -> AbstractAsyncContextManager[None]:
        return self.message.channel.typing()

    async def answer(self, embed: discord.Embed, view: discord.ui.View) -> None:
        await self.message.reply(
            embed=embed, view=view, allowed_mentions=NO_PINGS, mention_author=False
        )


class InThread:
    """Messages posted in a thread."""

    def __init__(self, thread: discord.Thread) -> None:
        self.thread = thread

    async def say(self, text: str) -> None:
        await self.thread.send(text, allowed_mentions=NO_PINGS)

    def working(self) -> AbstractAsyncContextManager[None]:
        return self.thread.typing()

    async def answer(self, embed: discord.Embed, view: discord.ui.View) -> None:
        await self.thread.send(embed=embed, view=view, allowed_mentions=NO_PINGS)


class ThreadReply:
    """Answers in a thread started on a message (named ``name``), so that the channel the
    message was posted in stays readable. A hint or refusal with no answer (asked too quickly,
    nothing to search) is a reply to the message: a thread for each refused question would
    flood the channel with threads. Where the bot may not start threads it replies to the
    message instead, and logs the permission it lacks."""

    def __init__(self, message: discord.Message, name: str) -> None:
        self.message = message
        self.name = name
        self._reply: Reply | None = None

    async def _started(self) -> Reply:
        if self._reply is None:
            try:
                self._reply = InThread(await self.message.create_thread(name=self.name))
            except discord.Forbidden:
                log.warning(
                    "cannot start a thread in #%s (the bot needs the Create Public Threads "
                    "permission there); replying in the channel instead",
                    getattr(self.message.channel, "name", self.message.channel.id),
                )
                self._reply = MessageReply(self.message)
        return self._reply

    async def say(self, text: str) -> None:
        await (self._reply or MessageReply(self.message)).say(text)

    @contextlib.asynccontextmanager
    async def working(self) -> AsyncIterator[None]:
        async with (await self._started()).working():
            yield

    async def answer(self, embed: discord.Embed, view: discord.ui.View) -> None:
        await (await self._started()).answer(embed, view)
