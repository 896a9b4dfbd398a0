"""Test helpers acting as Discord users: messages, slash commands, clicks, modals, waits.

Mixed into :class:`~.emulator.DiscordEmulator`; payloads come from :mod:`.builders`.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .builders import (
    command_data,
    component_data,
    context_menu_data,
    interaction_payload,
    modal_submit_data,
)
from .messages import StoredMessage
from .model import Channel, Guild, User
from .records import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    MESSAGE_COMPONENT,
    MODAL_SUBMIT,
    InteractionRecord,
    Waiters,
)

if TYPE_CHECKING:
    from .gateway import Gateway
    from .world import World

MessageRef = StoredMessage | int


class UserActions:
    """What users do in the emulated Discord, and ways to wait for the bot's reaction."""

    # Provided by DiscordEmulator.
    world: World
    guild: Guild
    channel: Channel
    user: User
    gateway: Gateway
    waiters: Waiters
    interactions: list[InteractionRecord]
    _by_id: dict[int, InteractionRecord]
    _by_token: dict[str, InteractionRecord]

    if TYPE_CHECKING:

        def now(self) -> float: ...

        async def message_created(self, msg: StoredMessage) -> None: ...

    @property
    def bot_user(self) -> User:
        """The bot's user."""
        return self.world.bot

    async def send_message(
        self,
        content: str,
        *,
        author: User | None = None,
        channel: Channel | None = None,
        mentions: list[User] | None = None,
        reply_to: StoredMessage | None = None,
        ping_reply: bool = True,
        embeds: list[dict[str, Any]] | None = None,
    ) -> StoredMessage:
        """A user posts a message; users in ``mentions`` are @-mentioned at the start of it."""
        author = author or self.user
        channel = channel or self.channel
        prefix = "".join(f"{u.mention} " for u in mentions or [] if u.mention not in content)
        payload: dict[str, Any] = {"content": prefix + content, "embeds": embeds or []}
        if reply_to is not None:
            payload["message_reference"] = {
                "message_id": str(reply_to.id),
                "channel_id": str(reply_to.channel_id),
            }
            if not ping_reply:
                payload["allowed_mentions"] = {
                    "parse": ["users", "roles", "everyone"],
                    "replied_user": False,
                }
        msg = self.world.messages.create(channel_id=channel.id, author=author, payload=payload)
        await self.message_created(msg)
        return msg

    async def _dispatch_interaction(
        self,
        itype: int,
        data: dict[str, Any],
        *,
        user: User | None,
        channel: Channel | None,
        source: StoredMessage | None = None,
    ) -> InteractionRecord:
        user = user or self.user
        channel = channel or self.channel
        interaction_id = self.world.ids.next()
        token = "aW50ZXJhY3Rpb246" + secrets.token_urlsafe(96)
        message = dict(source.data) if source is not None else None
        payload = interaction_payload(
            self.world,
            interaction_id=interaction_id,
            token=token,
            itype=itype,
            data=data,
            user=user,
            channel=channel,
            message=message,
        )
        rec = InteractionRecord(
            id=interaction_id,
            token=token,
            type=itype,
            payload=payload,
            user=user,
            channel_id=channel.id,
            guild_id=channel.guild_id,
            dispatched_at=self.now(),
            created_wall=time.time(),
            waiters=self.waiters,
            lookup=self.world.messages.get,
            source_message_id=source.id if source is not None else None,
        )
        self.interactions.append(rec)
        self._by_id[interaction_id] = rec
        self._by_token[token] = rec
        await self.gateway.dispatch("INTERACTION_CREATE", payload)
        return rec

    def _find_command(
        self, name: str, channel: Channel | None, ctype: int = 1
    ) -> tuple[dict[str, Any], list[str]]:
        top, *path = name.split() if ctype == 1 else [name]
        guild_id = (channel or self.channel).guild_id
        cmd = self.world.find_command(top, guild_id, ctype)
        if cmd is None:
            raise LookupError(f"{top!r} is not registered (did the bot sync its command tree?)")
        return cmd, path

    async def invoke_context_menu(
        self,
        name: str,
        target: User | StoredMessage,
        *,
        user: User | None = None,
        channel: Channel | None = None,
    ) -> InteractionRecord:
        """Run a user (target: User) or message (target: StoredMessage) context-menu command."""
        ctype = 3 if isinstance(target, StoredMessage) else 2
        if isinstance(target, StoredMessage) and channel is None:
            channel = self.world.channels[target.channel_id]
        cmd, _ = self._find_command(name, channel, ctype)
        guild = self.world.guilds.get((channel or self.channel).guild_id or 0)
        data = context_menu_data(self.world, cmd, target, guild)
        return await self._dispatch_interaction(
            APPLICATION_COMMAND, data, user=user, channel=channel
        )

    async def invoke_slash(
        self,
        name: str,
        options: dict[str, Any] | None = None,
        *,
        user: User | None = None,
        channel: Channel | None = None,
    ) -> InteractionRecord:
        """Run a chat-input command; ``name`` may include sub-commands (``"archive search"``)."""
        cmd, path = self._find_command(name, channel)
        guild = self.world.guilds.get((channel or self.channel).guild_id or 0)
        data = command_data(self.world, cmd, path, options or {}, guild)
        return await self._dispatch_interaction(
            APPLICATION_COMMAND, data, user=user, channel=channel
        )

    async def autocomplete(
        self,
        name: str,
        options: dict[str, Any],
        *,
        focused: str,
        user: User | None = None,
        channel: Channel | None = None,
    ) -> InteractionRecord:
        """Ask for autocomplete of option ``focused`` (its value is the partial input)."""
        cmd, path = self._find_command(name, channel)
        guild = self.world.guilds.get((channel or self.channel).guild_id or 0)
        data = command_data(self.world, cmd, path, options, guild, focused=focused)
        return await self._dispatch_interaction(AUTOCOMPLETE, data, user=user, channel=channel)

    def _message(self, ref: MessageRef) -> StoredMessage:
        msg = self.world.messages.get(ref if isinstance(ref, int) else ref.id)
        if msg is None or msg.deleted:
            raise LookupError(f"no live message {ref!r}")
        return msg

    async def click_button(
        self, message: MessageRef, custom_id: str, *, user: User | None = None
    ) -> InteractionRecord:
        """Click a button on a stored message."""
        msg = self._message(message)
        data = component_data(msg, custom_id, None)
        channel = self.world.channels[msg.channel_id]
        return await self._dispatch_interaction(
            MESSAGE_COMPONENT, data, user=user, channel=channel, source=msg
        )

    async def select(
        self, message: MessageRef, custom_id: str, values: list[str], *, user: User | None = None
    ) -> InteractionRecord:
        """Choose ``values`` in a select menu on a stored message."""
        msg = self._message(message)
        data = component_data(msg, custom_id, values)
        channel = self.world.channels[msg.channel_id]
        return await self._dispatch_interaction(
            MESSAGE_COMPONENT, data, user=user, channel=channel, source=msg
        )

    async def submit_modal(
        self, opener: InteractionRecord, values: dict[str, Any], *, user: User | None = None
    ) -> InteractionRecord:
        """Submit the modal the bot opened in answer to ``opener``."""
        if opener.modal is None:
            raise LookupError(f"interaction {opener.id} was not answered with a modal")
        data = modal_submit_data(opener.modal, values)
        channel = self.world.channels[opener.channel_id]
        source = self.world.messages.get(opener.source_message_id or 0)
        return await self._dispatch_interaction(
            MODAL_SUBMIT, data, user=user or opener.user, channel=channel, source=source
        )

    # -- waiting -----------------------------------------------------------

    async def wait_for(
        self, predicate: Callable[[], Any], timeout: float = 5.0, what: str = "condition"
    ) -> Any:
        """Wait until ``predicate()`` is truthy (re-checked on every emulator event)."""
        return await self.waiters.wait_for(predicate, timeout, what)

    async def wait_for_message(
        self,
        predicate: Callable[[StoredMessage], bool] | None = None,
        *,
        author: User | None = None,
        channel: Channel | None = None,
        after: MessageRef | None = None,
        timeout: float = 5.0,
    ) -> StoredMessage:
        """First live message (default author: the bot) matching all filters."""
        author = author or self.bot_user
        floor = 0 if after is None else (after if isinstance(after, int) else after.id)

        def find() -> StoredMessage | None:
            for msg in self.world.messages.by_id.values():
                if msg.deleted or msg.id <= floor or msg.author.id != author.id:
                    continue
                if channel is not None and msg.channel_id != channel.id:
                    continue
                if predicate is None or predicate(msg):
                    return msg
            return None

        return await self.waiters.wait_for(find, timeout, f"a message by {author.username}")

    async def wait_for_reply(self, to: StoredMessage, *, timeout: float = 5.0) -> StoredMessage:
        """The bot's reply (message_reference) to ``to``."""
        return await self.wait_for_message(
            lambda m: (m.data.get("message_reference") or {}).get("message_id") == str(to.id),
            after=to,
            timeout=timeout,
        )
