"""The gateway: a websocket speaking Discord's v10 JSON protocol with zlib-stream.

One :class:`Session` is the bot's logical gateway session (id, sequence,
buffer of every dispatch for RESUME replay); a :class:`Connection` is one
websocket.  A bot may identify as several shards (``shard: [id, count]``), as
Discord allows: each shard is its own session and gets the events of the
guilds with ``(guild_id >> 22) % count == id``; DMs go to shard 0.
"""

from __future__ import annotations

import asyncio
import copy
import json
import secrets
import traceback
import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from .records import GatewayEvent

try:  # discord.py prefers zstd-stream whenever zstandard is importable
    import zstandard
except ImportError:  # pragma: no cover - depends on the environment
    zstandard = None

if TYPE_CHECKING:
    from .emulator import DiscordEmulator
    from .messages import StoredMessage

# Intent bits (Discord docs, "Gateway Intents").
GUILDS = 1 << 0
GUILD_MEMBERS = 1 << 1
GUILD_PRESENCES = 1 << 8
GUILD_MESSAGES = 1 << 9
DIRECT_MESSAGES = 1 << 12
MESSAGE_CONTENT = 1 << 15
PRIVILEGED_INTENTS = GUILD_MEMBERS | GUILD_PRESENCES | MESSAGE_CONTENT
# Application flags telling the client which privileged intents it was granted.
INTENT_APP_FLAGS = {GUILD_PRESENCES: 1 << 13, GUILD_MEMBERS: 1 << 15, MESSAGE_CONTENT: 1 << 19}
# Fields hidden from apps without the MESSAGE_CONTENT intent.
_CONTENT_FIELDS = {"content": "", "embeds": [], "attachments": [], "components": []}
RESUME_URL = "wss://gateway.discord.gg"
COMPRESSIONS = {None, "zlib-stream"} | ({"zstd-stream"} if zstandard is not None else set())


class Connection:
    """One gateway websocket, with its own zlib stream."""

    def __init__(
        self, ws: web.WebSocketResponse, request: web.Request, compress: str | None
    ) -> None:
        self.ws = ws
        self.request = request
        self.compress = compress
        self._zlib = zlib.compressobj() if compress == "zlib-stream" else None
        self._zstd = None
        if compress == "zstd-stream" and zstandard is not None:
            self._zstd = zstandard.ZstdCompressor().compressobj()
        self.session: Session | None = None

    async def send(self, payload: dict[str, Any]) -> bool:
        """Send one gateway payload; False if the socket is gone."""
        if self.ws.closed:
            return False
        raw = json.dumps(payload, separators=(",", ":"))
        try:
            if self._zlib is not None:
                # One shared stream per connection; Z_SYNC_FLUSH ends each
                # message with 00 00 ff ff, which discord.py waits for.
                data = self._zlib.compress(raw.encode()) + self._zlib.flush(zlib.Z_SYNC_FLUSH)
                await self.ws.send_bytes(data)
            elif self._zstd is not None:
                # One zstd stream per connection, each message flushed as a block.
                flush = zstandard.COMPRESSOBJ_FLUSH_BLOCK
                await self.ws.send_bytes(
                    self._zstd.compress(raw.encode()) + self._zstd.flush(flush)
                )
            else:
                await self.ws.send_str(raw)
        except (ConnectionError, RuntimeError):
            return False
        return True

    async def close(self, code: int, reason: str = "") -> None:
        """Close with a gateway close code."""
        if not self.ws.closed:
            await self.ws.close(code=code, message=reason.encode())


@dataclass
class Session:
    """A gateway session that can be resumed."""

    id: str
    intents: int
    seq: int = 0
    buffer: list[dict[str, Any]] = field(default_factory=list)
    connection: Connection | None = None
    shard: tuple[int, int] = (0, 1)


def _valid_shard(shard: Any) -> bool:
    """``[shard_id, shard_count]`` with ``0 <= shard_id < shard_count``."""
    return (
        isinstance(shard, list)
        and len(shard) == 2
        and all(isinstance(n, int) and not isinstance(n, bool) for n in shard)
        and 0 <= shard[0] < shard[1]
    )


class Gateway:
    """Gateway server side, plus controls for tests."""

    def __init__(self, emu: DiscordEmulator) -> None:
        self.emu = emu
        self.session: Session | None = None  # the last to identify or resume
        self.sessions: dict[str, Session] = {}
        self.shards: dict[int, Session] = {}  # shard id -> its current session
        self.shard_count = 1
        self.connections: list[Connection] = []
        self.events: list[GatewayEvent] = []
        self.heartbeats = 0
        self.presence_updates: list[dict[str, Any]] = []
        self._last_mark = 0
        self._tasks: set[asyncio.Task[None]] = set()

    # -- bookkeeping -------------------------------------------------------

    def _event(self, kind: str, session: Session | None = None, **detail: Any) -> None:
        sid = session.id if session else None
        self.events.append(GatewayEvent(kind, self.emu.now(), sid, detail))
        self.emu.waiters.notify()

    def mark(self) -> int:
        """Position in :attr:`events`; pass to :meth:`wait_for` as ``since``."""
        return len(self.events)

    def count(self, kind: str) -> int:
        """How many events of ``kind`` happened."""
        return sum(1 for e in self.events if e.kind == kind)

    async def wait_for(
        self, kind: str, *, since: int | None = None, timeout: float = 5.0
    ) -> GatewayEvent:
        """Wait for an event of ``kind`` after ``since`` (default: the last control call)."""
        start = self._last_mark if since is None else since
        return await self.emu.waiters.wait_for(
            lambda: next((e for e in self.events[start:] if e.kind == kind), None),
            timeout,
            f"gateway event {kind!r}",
        )

    @property
    def connected(self) -> bool:
        """Whether the current session has a live websocket."""
        return bool(
            self.session and self.session.connection and not self.session.connection.ws.closed
        )

    # -- the websocket handler --------------------------------------------

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Serve one gateway connection."""
        compress = request.query.get("compress")
        if request.query.get("encoding", "json") != "json" or compress not in COMPRESSIONS:
            # etf is unsupported; zstd-stream only when zstandard is installed.
            self._event("rejected", query=dict(request.query))
            return web.Response(status=400, text="unsupported encoding/compression")
        ws = web.WebSocketResponse(max_msg_size=0, autoping=True)
        await ws.prepare(request)
        conn = Connection(ws, request, compress)
        self.connections.append(conn)
        self._event("connect", query=dict(request.query))
        await conn.send(
            {
                "op": 10,
                "s": None,
                "t": None,
                "d": {"heartbeat_interval": self.emu.heartbeat_interval},
            }
        )
        try:
            async for msg in ws:
                if msg.type is WSMsgType.TEXT:
                    try:
                        await self._on_message(conn, msg.data)
                    except Exception:  # an emulator bug: record it, fail the connection
                        self.emu.internal_errors.append(traceback.format_exc())
                        await conn.close(4000, "Unknown error.")
                elif msg.type is WSMsgType.BINARY:
                    await conn.close(4002, "Error while decoding payload.")
        finally:
            self.connections.remove(conn)
            if conn.session is not None and conn.session.connection is conn:
                conn.session.connection = None
            self._event("closed", conn.session, code=ws.close_code)
        return ws

    async def _on_message(self, conn: Connection, raw: str) -> None:
        try:
            payload = json.loads(raw)
            op, data = payload["op"], payload.get("d")
        except (ValueError, KeyError, TypeError):
            await conn.close(4002, "Error while decoding payload.")
            return
        if op == 1:
            self.heartbeats += 1
            await conn.send({"op": 11, "s": None, "t": None, "d": None})
        elif op == 2:
            await self._identify(conn, data or {})
        elif op == 6:
            await self._resume(conn, data or {})
        elif conn.session is None and op in (3, 4, 8):
            await conn.close(4003, "Not authenticated.")
        elif op == 3:
            self.presence_updates.append(data)
        elif op == 8:
            await self._request_members(conn.session, data or {})
        elif op != 4:  # voice state updates are accepted and ignored
            await conn.close(4001, "Unknown opcode.")

    async def _identify(self, conn: Connection, data: dict[str, Any]) -> None:
        if conn.session is not None:
            await conn.close(4005, "Already authenticated.")
            return
        if data.get("token") != self.emu.bot_token:
            self._event("auth_failed")
            await conn.close(4004, "Authentication failed.")
            return
        intents = data.get("intents")
        if not isinstance(intents, int) or intents < 0:
            await conn.close(4013, "Invalid intent(s).")
            return
        if intents & PRIVILEGED_INTENTS & ~self.emu.privileged_intents:
            self._event("disallowed_intents", intents=intents)
            await conn.close(4014, "Disallowed intent(s).")
            return
        shard = data.get("shard", [0, 1])
        if not _valid_shard(shard):
            await conn.close(4010, "Invalid shard.")
            return
        shard_id, count = shard
        if count != self.shard_count:  # the bot was started again with another shard count
            self.shards.clear()
        session = Session(
            id=secrets.token_hex(16), intents=intents, connection=conn, shard=(shard_id, count)
        )
        conn.session = session
        self.session = session
        self.sessions[session.id] = session
        self.shards[shard_id] = session
        self.shard_count = count
        self._event(
            "identify", session, intents=intents, properties=data.get("properties"), shard=shard
        )
        guilds = [g for g in self.emu.world.guilds.values() if self.shard_of(g.id) == shard_id]
        await self._dispatch_to(session, "READY", self._ready_payload(session, guilds))
        if intents & GUILDS:
            for guild in guilds:
                await self._dispatch_to(session, "GUILD_CREATE", guild.payload())
        self._event("ready", session)

    def shard_of(self, guild_id: int | None) -> int:
        """The shard that gets a guild's events (DMs: shard 0), as Discord computes it."""
        return (guild_id >> 22) % self.shard_count if guild_id else 0

    def _ready_payload(self, session: Session, guilds: list[Any]) -> dict[str, Any]:
        world = self.emu.world
        return {
            "v": 10,
            "user": world.bot.me_payload(),
            "user_settings": {},
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": ["emulator"],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": RESUME_URL,
            "application": {"id": str(world.application_id), "flags": self.emu.application_flags()},
            "auth": {},
            "shard": list(session.shard),
        }

    async def _resume(self, conn: Connection, data: dict[str, Any]) -> None:
        if data.get("token") != self.emu.bot_token:
            self._event("auth_failed")
            await conn.close(4004, "Authentication failed.")
            return
        session = self.sessions.get(str(data.get("session_id")))
        if session is None:
            self._event("resume_failed", session_id=data.get("session_id"))
            await conn.send({"op": 9, "s": None, "t": None, "d": False})
            return
        seq = data.get("seq") or 0
        if seq > session.seq:
            await conn.close(4007, "Invalid seq.")
            return
        previous = session.connection
        session.connection = conn
        conn.session = session
        self.session = session
        self.shards[session.shard[0]] = session
        if previous is not None and previous is not conn:
            previous.session = None
            await previous.close(4000, "Session resumed elsewhere.")
        self._event("resume", session, seq=seq)
        missed = [p for p in session.buffer if p["s"] > seq]
        for payload in missed:
            await conn.send(payload)
        await self._dispatch_to(session, "RESUMED", {})
        self._event("resumed", session, replayed=len(missed))

    async def _request_members(self, session: Session | None, data: dict[str, Any]) -> None:
        guild = self.emu.world.guilds.get(int(data.get("guild_id") or 0))
        if session is None or guild is None:
            return
        query = (data.get("query") or "").lower()
        wanted = {int(u) for u in data.get("user_ids") or []}
        members = [
            m.payload()
            for m in guild.members.values()
            if (not wanted or m.user.id in wanted) and m.user.username.lower().startswith(query)
        ]
        limit = data.get("limit") or 0
        chunk = {
            "guild_id": str(guild.id),
            "members": members[:limit] if limit else members,
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
        }
        if data.get("nonce") is not None:
            chunk["nonce"] = data["nonce"]
        await self._dispatch_to(session, "GUILD_MEMBERS_CHUNK", chunk)

    # -- dispatching -------------------------------------------------------

    async def _dispatch_to(self, session: Session, event: str, data: dict[str, Any]) -> int:
        session.seq += 1
        payload = {"op": 0, "t": event, "s": session.seq, "d": data}
        # Buffered even while disconnected, so RESUME can replay it.
        session.buffer.append(payload)
        if session.connection is not None:
            await session.connection.send(payload)
        return session.seq

    async def dispatch(self, event: str, data: dict[str, Any], intent: int = 0) -> int | None:
        """Dispatch an event to the session of the shard its guild belongs to (DMs and events
        of no guild: shard 0); None if its intents filter it out."""
        guild_id = data.get("guild_id") if isinstance(data, dict) else None
        session = self.shards.get(self.shard_of(int(guild_id) if guild_id else None))
        if session is None:
            raise RuntimeError("no gateway session: the bot has not identified")
        if intent and not session.intents & intent:
            return None
        return await self._dispatch_to(session, event, data)

    async def dispatch_message(self, event: str, msg: StoredMessage) -> int | None:
        """MESSAGE_CREATE/UPDATE, honouring message intents and MESSAGE_CONTENT redaction."""
        store = self.emu.world.messages
        data = store.gateway_payload(msg)
        guild_id = data.get("guild_id")
        session = self.shards.get(self.shard_of(int(guild_id) if guild_id else None))
        if msg.ephemeral or session is None:
            return None
        is_dm = store.is_dm(msg)
        bot_id = self.emu.world.bot.id
        readable = (
            session.intents & MESSAGE_CONTENT
            or is_dm
            or msg.author.id == bot_id
            or bot_id in msg.mentions
        )
        if not readable:
            data.update(copy.deepcopy(_CONTENT_FIELDS))
            data.pop("poll", None)
        return await self.dispatch(event, data, DIRECT_MESSAGES if is_dm else GUILD_MESSAGES)

    # -- controls ----------------------------------------------------------

    def _current(self) -> Connection:
        if self.session is None or self.session.connection is None:
            raise RuntimeError("the bot is not connected to the gateway")
        return self.session.connection

    async def send_reconnect(self) -> int:
        """Send op 7 RECONNECT; returns the event mark before it."""
        self._last_mark = self.mark()
        await self._current().send({"op": 7, "s": None, "t": None, "d": None})
        self._event("reconnect_sent", self.session)
        return self._last_mark

    async def invalidate_session(self, resumable: bool) -> int:
        """Send op 9; a non-resumable invalidation forgets the session."""
        self._last_mark = self.mark()
        conn = self._current()
        session = self.session
        if not resumable and session is not None:
            self.sessions.pop(session.id, None)
            self.shards.pop(session.shard[0], None)
            self.session = None
        await conn.send({"op": 9, "s": None, "t": None, "d": resumable})
        self._event("invalidate_sent", session, resumable=resumable)
        return self._last_mark

    async def drop_connection(self, code: int | None = 4000) -> int:
        """Close the bot's socket with ``code``, or abort TCP/TLS when ``code`` is None."""
        self._last_mark = self.mark()
        conn = self._current()
        self._event("drop_sent", self.session, code=code)
        if code is None:
            transport = conn.request.transport
            if transport is not None:
                transport.abort()
        else:
            # Closing waits for the client's close frame; don't block the test on it.
            task = asyncio.get_running_loop().create_task(conn.close(code, "emulator drop"))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return self._last_mark

    async def close_all(self) -> None:
        """Close every websocket (server shutdown)."""
        for conn in list(self.connections):
            await conn.close(1001, "emulator shutting down")
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
