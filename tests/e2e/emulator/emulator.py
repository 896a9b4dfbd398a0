"""The :class:`DiscordEmulator` facade: server lifecycle, records and test helpers."""

from __future__ import annotations

import asyncio
import base64
import secrets
import socket
from typing import Any

import aiohttp
from aiohttp import web

from . import routes_channels, routes_core, routes_interactions
from .actions import UserActions
from .faults import Faults
from .gateway import (
    DIRECT_MESSAGES,
    GUILD_MEMBERS,
    GUILD_MESSAGES,
    GUILDS,
    INTENT_APP_FLAGS,
    Gateway,
)
from .messages import StoredMessage
from .model import Channel, Guild, Role, User
from .records import (
    GatewayEvent,
    InteractionRecord,
    RequestRecord,
    ValidationFailure,
    Waiters,
)
from .rest import RestFront
from .tls import make_connector, server_ssl_context
from .world import World


class DiscordEmulator(UserActions):
    """Discord REST v10 + gateway on 127.0.0.1 over TLS, for end-to-end tests.

    Use ``async with DiscordEmulator() as emu:`` and give the client
    ``connector=emu.connector()`` and ``emu.bot_token``.
    """

    def __init__(
        self,
        *,
        bot_name: str = "archive-bot",
        guild_name: str = "Emulated Guild",
        channels: tuple[str, ...] = ("general",),
        heartbeat_interval: int = 41250,
        interaction_timeout: float = 3.0,
        token_ttl: float = 15 * 60.0,
        privileged_intents: int = 0,
        recommended_shards: int = 1,
    ) -> None:
        self.world = World(bot_name=bot_name)
        self.guild: Guild = self.world.add_guild(guild_name, channels=channels)
        self.channel: Channel = self.guild.text_channels[0]
        self.user: User = self.world.add_user("alice", guild=self.guild)
        raw_id = base64.b64encode(str(self.world.bot.id).encode()).decode().rstrip("=")
        self.bot_token = f"{raw_id}.{secrets.token_urlsafe(5)}.{secrets.token_urlsafe(28)}"
        self.heartbeat_interval = heartbeat_interval
        self.interaction_timeout = interaction_timeout
        self.token_ttl = token_ttl
        self.privileged_intents = privileged_intents
        self.recommended_shards = recommended_shards  # GET /gateway/bot's "shards"
        self.waiters = Waiters()
        self.faults = Faults()
        self.gateway = Gateway(self)
        self.rest = RestFront(self)
        for module in (routes_core, routes_channels, routes_interactions):
            module.register(self.rest.router, self)
        # Records for assertions.
        self.requests: list[RequestRecord] = []
        self.unknown_routes: list[RequestRecord] = []
        self.validation_failures: list[ValidationFailure] = []
        self.internal_errors: list[str] = []
        self.command_syncs: list[tuple[int | None, list[dict[str, Any]]]] = []
        self.allowed_mentions_log: list[tuple[str, Any]] = []
        self.typing: list[tuple[int, float]] = []
        self.interactions: list[InteractionRecord] = []
        self.resolved_hosts: list[str] = []
        self._by_id: dict[int, InteractionRecord] = {}
        self._by_token: dict[str, InteractionRecord] = {}
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- lifecycle ---------------------------------------------------------

    async def start(self) -> None:
        """Start the HTTPS server on a free 127.0.0.1 port."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock, ssl_context=server_ssl_context()).start()

    async def close(self) -> None:
        """Close gateway sockets and stop the server."""
        await self.gateway.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> DiscordEmulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        # The gateway is the websocket upgrade; everything else is REST.
        if request.headers.get("Upgrade", "").lower() == "websocket":
            return await self.gateway.handle(request)
        return await self.rest.handle(request)

    def connector(self) -> aiohttp.TCPConnector:
        """A fresh connector sending discord.com / gateway.discord.gg here (the client owns it)."""
        if not self.port:
            raise RuntimeError("start the emulator first")
        return make_connector(self.port, self.resolved_hosts)

    def now(self) -> float:
        """Event-loop time used in all records."""
        return asyncio.get_running_loop().time()

    # -- state shortcuts ---------------------------------------------------

    @property
    def application_id(self) -> int:
        """The application id (same as the bot user id)."""
        return self.world.application_id

    @property
    def messages(self) -> list[StoredMessage]:
        """Every message ever created (including ephemeral and deleted), oldest first."""
        return list(self.world.messages.by_id.values())

    def message(self, message_id: int) -> StoredMessage | None:
        """A stored message by id."""
        return self.world.messages.get(message_id)

    def commands(self, guild: Guild | None = None) -> list[dict[str, Any]]:
        """Registered commands: global, or of ``guild``."""
        return list(self.world.commands.get(guild.id if guild else None, []))

    def command(
        self, name: str, *, guild: Guild | None = None, type: int = 1
    ) -> dict[str, Any] | None:
        """The command the Discord client would show under ``name`` in ``guild``."""
        return self.world.find_command(name, (guild or self.guild).id, type)

    def application_flags(self) -> int:
        """Application flags for the privileged intents enabled on the "portal"."""
        return sum(
            flag for intent, flag in INTENT_APP_FLAGS.items() if self.privileged_intents & intent
        )

    def interaction(self, interaction_id: int) -> InteractionRecord | None:
        """An interaction record by id."""
        return self._by_id.get(interaction_id)

    def interaction_by_token(self, token: str) -> InteractionRecord | None:
        """An interaction record by its token."""
        return self._by_token.get(token)

    def record_allowed_mentions(self, record: RequestRecord, payload: dict[str, Any]) -> None:
        """Log the ``allowed_mentions`` of a message-sending payload (None when absent)."""
        self.allowed_mentions_log.append((record.key, payload.get("allowed_mentions")))

    def requests_matching(
        self, method: str | None = None, route: str | None = None
    ) -> list[RequestRecord]:
        """Recorded requests by method and/or route template (e.g. ``/channels/{channel_id}/messages``)."""
        return [
            r
            for r in self.requests
            if (method is None or r.method == method) and (route is None or r.route == route)
        ]

    def problems(self) -> list[str]:
        """Everything a clean test run should not have produced."""
        found = [f"unknown route: {r.key}" for r in self.unknown_routes]
        found += [
            f"limit violated on {v.method} {v.path}: {v.errors or v.code}"
            for v in self.validation_failures
        ]
        found += [f"emulator error: {e}" for e in self.internal_errors]
        for rec in self.interactions:
            for a in rec.attempts:
                if not a.accepted:
                    found.append(
                        f"interaction {rec.id}: callback type {a.type} rejected ({a.error_code})"
                    )
        return found

    def assert_clean(self) -> None:
        """Fail if there were unknown routes, limit violations or rejected callbacks."""
        found = self.problems()
        assert not found, "Discord emulator problems:\n" + "\n".join(found)

    # -- world changes (dispatched when the bot is connected) --------------

    async def _dispatch_if_connected(self, event: str, data: dict[str, Any], intent: int) -> None:
        if self.gateway.session is not None:
            await self.gateway.dispatch(event, data, intent)

    async def add_role(
        self, name: str, *, permissions: int = 0, guild: Guild | None = None
    ) -> Role:
        """Create a role (GUILD_ROLE_CREATE is dispatched if the bot is connected)."""
        guild = guild or self.guild
        role = self.world.add_role(guild, name, permissions)
        await self._dispatch_if_connected(
            "GUILD_ROLE_CREATE", {"guild_id": str(guild.id), "role": role.payload()}, GUILDS
        )
        return role

    async def add_user(
        self,
        name: str,
        *,
        roles: list[Role] | None = None,
        permissions: int | None = None,
        guild: Guild | None = None,
        nick: str | None = None,
        locale: str = "en-US",
        bot: bool = False,
    ) -> User:
        """Create a guild member; ``permissions`` adds a role granting exactly those bits."""
        guild = guild or self.guild
        before = set(guild.roles)
        user = self.world.add_user(
            name,
            guild=guild,
            roles=roles,
            permissions=permissions,
            nick=nick,
            bot=bot,
            locale=locale,
        )
        for role_id in set(guild.roles) - before:
            role = guild.roles[role_id].payload()
            await self._dispatch_if_connected(
                "GUILD_ROLE_CREATE", {"guild_id": str(guild.id), "role": role}, GUILDS
            )
        member = {**guild.members[user.id].payload(), "guild_id": str(guild.id)}
        await self._dispatch_if_connected("GUILD_MEMBER_ADD", member, GUILD_MEMBERS)
        return user

    async def add_channel(
        self, name: str, *, guild: Guild | None = None, topic: str | None = None
    ) -> Channel:
        """Create a text channel (CHANNEL_CREATE is dispatched if the bot is connected)."""
        channel = self.world.add_channel(guild or self.guild, name, topic=topic)
        await self._dispatch_if_connected("CHANNEL_CREATE", channel.payload(), GUILDS)
        return channel

    def thread_of(self, message: StoredMessage) -> Channel | None:
        """The thread started from ``message``, if any (a thread takes its message's id)."""
        channel = self.world.channels.get(message.id)
        return channel if channel is not None and channel.is_thread else None

    def dm_channel(self, user: User) -> Channel:
        """The DM channel between the bot and ``user``."""
        return self.world.dm_channel(user)

    # -- message events (called by the REST routes too) --------------------

    async def message_created(self, msg: StoredMessage) -> None:
        """Dispatch MESSAGE_CREATE for a new message."""
        await self.gateway.dispatch_message("MESSAGE_CREATE", msg)
        self.waiters.notify()

    async def message_updated(self, msg: StoredMessage) -> None:
        """Dispatch MESSAGE_UPDATE for an edited message."""
        await self.gateway.dispatch_message("MESSAGE_UPDATE", msg)
        self.waiters.notify()

    async def message_deleted(self, msg: StoredMessage) -> None:
        """Mark deleted and dispatch MESSAGE_DELETE."""
        msg.deleted = True
        if not msg.ephemeral and self.gateway.session is not None:
            data = {"id": str(msg.id), "channel_id": str(msg.channel_id)}
            if msg.guild_id is not None:
                data["guild_id"] = str(msg.guild_id)
            await self.gateway.dispatch(
                "MESSAGE_DELETE", data, GUILD_MESSAGES if msg.guild_id else DIRECT_MESSAGES
            )
        self.waiters.notify()

    # -- gateway controls --------------------------------------------------

    async def send_reconnect(self) -> int:
        """Send op 7 RECONNECT; returns a gateway event mark."""
        return await self.gateway.send_reconnect()

    async def invalidate_session(self, resumable: bool = False) -> int:
        """Send op 9 INVALID_SESSION."""
        return await self.gateway.invalidate_session(resumable)

    async def drop_connection(self, code: int | None = 4000) -> int:
        """Close the bot's websocket with ``code`` (None: abort the TCP/TLS connection)."""
        return await self.gateway.drop_connection(code)

    async def wait_for_resume(
        self, *, since: int | None = None, timeout: float = 5.0
    ) -> GatewayEvent:
        """Wait for a successful RESUME (after the last control call by default)."""
        return await self.gateway.wait_for("resumed", since=since, timeout=timeout)

    async def wait_for_identify(
        self, *, since: int | None = None, timeout: float = 5.0
    ) -> GatewayEvent:
        """Wait for an IDENTIFY answered with READY (after the last control call by default)."""
        return await self.gateway.wait_for("ready", since=since, timeout=timeout)
