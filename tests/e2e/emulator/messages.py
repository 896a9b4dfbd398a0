"""Stored messages: creation, edits with history, mentions and gateway views."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .model import DM, User, now_iso

if TYPE_CHECKING:
    from .world import World

EPHEMERAL = 1 << 6
LOADING = 1 << 7
# Flags a sender may set on a message; the rest are Discord-controlled.
SETTABLE_FLAGS = (1 << 2) | (1 << 12) | (1 << 15) | EPHEMERAL
_USER_MENTION = re.compile(r"<@!?(\d+)>")
_ROLE_MENTION = re.compile(r"<@&(\d+)>")
# Fields a sender controls; edits replace exactly the ones present.
_EDITABLE = ("content", "embeds", "components", "attachments", "poll", "sticker_ids")


@dataclass
class UploadedFile:
    """A file part of a multipart request."""

    field: str
    filename: str
    content_type: str | None
    data: bytes


@dataclass
class StoredMessage:
    """A message as Discord stores it; ``data`` is the current API object."""

    id: int
    channel_id: int
    guild_id: int | None
    author: User
    data: dict[str, Any]
    history: list[dict[str, Any]] = field(default_factory=list)
    ephemeral: bool = False
    deleted: bool = False
    interaction_id: int | None = None
    allowed_mentions: Any = None
    files: dict[str, bytes] = field(default_factory=dict)

    @property
    def content(self) -> str:
        """Current text content."""
        return self.data.get("content") or ""

    @property
    def embeds(self) -> list[dict[str, Any]]:
        """Current embeds."""
        return list(self.data.get("embeds") or [])

    @property
    def components(self) -> list[dict[str, Any]]:
        """Current top-level components."""
        return list(self.data.get("components") or [])

    @property
    def flags(self) -> int:
        """Current message flags."""
        return int(self.data.get("flags") or 0)

    @property
    def loading(self) -> bool:
        """True for a deferred "thinking" placeholder."""
        return bool(self.flags & LOADING)

    @property
    def edits(self) -> int:
        """Number of edits so far."""
        return len(self.history)

    @property
    def mentions(self) -> list[int]:
        """Ids of users the message actually pinged."""
        return [int(u["id"]) for u in self.data.get("mentions", [])]

    def walk_components(self) -> list[dict[str, Any]]:
        """All components, depth first (rows, sections, accessories...)."""
        out: list[dict[str, Any]] = []
        stack = list(reversed(self.components))
        while stack:
            comp = stack.pop()
            out.append(comp)
            children = list(comp.get("components") or [])
            for key in ("accessory", "component"):
                if isinstance(comp.get(key), dict):
                    children.append(comp[key])
            stack.extend(reversed(children))
        return out

    def find_component(self, custom_id: str) -> dict[str, Any] | None:
        """The component with this custom_id, if present."""
        return next((c for c in self.walk_components() if c.get("custom_id") == custom_id), None)

    @property
    def custom_ids(self) -> list[str]:
        """custom_ids of all interactive components."""
        return [c["custom_id"] for c in self.walk_components() if "custom_id" in c]


def _number_components(components: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Copy components, adding the sequential ``id`` Discord assigns when absent."""
    result = copy.deepcopy(components)
    counter = 0
    stack = list(reversed(result))
    while stack:
        comp = stack.pop()
        counter += 1
        comp.setdefault("id", counter)
        children = list(comp.get("components") or [])
        for key in ("accessory", "component"):
            if isinstance(comp.get(key), dict):
                children.append(comp[key])
        stack.extend(reversed(children))
    return result


def _normalise_embeds(embeds: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for embed in copy.deepcopy(embeds):
        embed.setdefault("type", "rich")
        embed["content_scan_version"] = 0
        out.append(embed)
    return out


class MessageStore:
    """All messages, plus the logic Discord applies when storing them."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.by_id: dict[int, StoredMessage] = {}

    def get(self, message_id: int) -> StoredMessage | None:
        """A message by id (deleted ones included)."""
        return self.by_id.get(message_id)

    def in_channel(self, channel_id: int) -> list[StoredMessage]:
        """Live, non-ephemeral messages of a channel, oldest first."""
        return [
            m
            for m in self.by_id.values()
            if m.channel_id == channel_id and not m.deleted and not m.ephemeral
        ]

    def _mentions(
        self, content: str, allowed: Any, guild_id: int | None, replied: User | None
    ) -> tuple[list[dict[str, Any]], list[str], bool]:
        """Who is pinged, honouring allowed_mentions (default: everything)."""
        if allowed is None:
            parse, users, roles, reply_ping = ["users", "roles", "everyone"], [], [], True
        else:
            parse = allowed.get("parse") or []
            users = [str(u) for u in allowed.get("users") or []]
            roles = [str(r) for r in allowed.get("roles") or []]
            reply_ping = bool(allowed.get("replied_user", False))
        pinged: dict[int, User] = {}
        for raw in _USER_MENTION.findall(content):
            user = self.world.users.get(int(raw))
            if user is not None and ("users" in parse or raw in users):
                pinged[user.id] = user
        if replied is not None and reply_ping:
            pinged[replied.id] = replied
        guild = self.world.guilds.get(guild_id) if guild_id else None
        role_ids = [
            raw
            for raw in _ROLE_MENTION.findall(content)
            if guild is not None and int(raw) in guild.roles and ("roles" in parse or raw in roles)
        ]
        everyone = "everyone" in parse and ("@everyone" in content or "@here" in content)
        return [u.payload() for u in pinged.values()], role_ids, everyone

    def create(
        self,
        *,
        channel_id: int,
        author: User,
        payload: dict[str, Any],
        message_type: int = 0,
        extra: dict[str, Any] | None = None,
        files: list[UploadedFile] | None = None,
        interaction_id: int | None = None,
    ) -> StoredMessage:
        """Store a new message built from a (validated) send payload."""
        channel = self.world.channels[channel_id]
        guild_id = channel.guild_id
        message_id = self.world.ids.next()
        flags = int(payload.get("flags") or 0) & SETTABLE_FLAGS
        data: dict[str, Any] = {
            "id": str(message_id),
            "channel_id": str(channel_id),
            "author": author.payload(),
            "content": payload.get("content") or "",
            "timestamp": now_iso(),
            "edited_timestamp": None,
            "tts": bool(payload.get("tts", False)),
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": _normalise_embeds(payload.get("embeds") or []),
            "components": _number_components(payload.get("components") or []),
            "pinned": False,
            "type": message_type,
            "flags": flags,
        }
        if payload.get("nonce") is not None:
            data["nonce"] = payload["nonce"]
        if payload.get("poll") is not None:
            data["poll"] = copy.deepcopy(payload["poll"])
        data.update(extra or {})
        replied: User | None = None
        ref = payload.get("message_reference")
        if ref and ref.get("message_id"):
            target = self.get(int(ref["message_id"]))
            if target is not None:
                replied = target.author
                data["type"] = 19 if message_type == 0 else message_type
                data["message_reference"] = {
                    "type": 0,
                    "message_id": str(target.id),
                    "channel_id": str(target.channel_id),
                    **({"guild_id": str(target.guild_id)} if target.guild_id else {}),
                }
                data["referenced_message"] = copy.deepcopy(target.data)
        stored = StoredMessage(
            id=message_id,
            channel_id=channel_id,
            guild_id=guild_id,
            author=author,
            data=data,
            ephemeral=bool(flags & EPHEMERAL),
            interaction_id=interaction_id,
            allowed_mentions=payload.get("allowed_mentions"),
        )
        self._set_attachments(stored, payload, files or [])
        self._set_mentions(stored, payload.get("allowed_mentions"), replied)
        self.by_id[message_id] = stored
        if not stored.ephemeral:
            channel.last_message_id = message_id
            if channel.is_thread:
                channel.message_count += 1
                channel.total_message_sent += 1
        return stored

    def _set_mentions(self, msg: StoredMessage, allowed: Any, replied: User | None) -> None:
        users, roles, everyone = self._mentions(msg.content, allowed, msg.guild_id, replied)
        msg.data["mentions"], msg.data["mention_roles"] = users, roles
        msg.data["mention_everyone"] = everyone

    def _set_attachments(
        self, msg: StoredMessage, payload: dict[str, Any], files: list[UploadedFile]
    ) -> None:
        """Turn uploaded parts into attachment objects (``files[n]`` <-> ``attachments[n]``)."""
        if not files:
            if "attachments" in payload and not payload["attachments"]:
                msg.data["attachments"] = []
            return
        described = {str(a.get("id")): a for a in payload.get("attachments") or []}
        attachments = []
        for upload in files:
            index = upload.field.removeprefix("files[").rstrip("]")
            meta = described.get(index, {})
            attachment_id = self.world.ids.next()
            url = f"https://cdn.discordapp.com/attachments/{msg.channel_id}/{attachment_id}/{upload.filename}"
            attachments.append(
                {
                    "id": str(attachment_id),
                    "filename": upload.filename,
                    "size": len(upload.data),
                    "url": url,
                    "proxy_url": url.replace("cdn.discordapp.com", "media.discordapp.net"),
                    "content_type": upload.content_type,
                    "description": meta.get("description"),
                    "ephemeral": msg.ephemeral,
                }
            )
            msg.files[upload.filename] = upload.data
        msg.data["attachments"] = attachments

    def edit(
        self,
        msg: StoredMessage,
        payload: dict[str, Any],
        files: list[UploadedFile] | None = None,
        *,
        clear_loading: bool = False,
    ) -> StoredMessage:
        """Apply an edit: present fields replace, absent fields stay; history is kept."""
        msg.history.append(copy.deepcopy(msg.data))
        data = msg.data
        if "content" in payload:
            data["content"] = payload["content"] or ""
        if "embeds" in payload:
            data["embeds"] = _normalise_embeds(payload["embeds"] or [])
        if "components" in payload:
            data["components"] = _number_components(payload["components"] or [])
        if "poll" in payload:
            data["poll"] = payload["poll"]
        if "flags" in payload and payload["flags"] is not None:
            # Only SUPPRESS_EMBEDS / IS_COMPONENTS_V2 can change on edit.
            changeable = (1 << 2) | (1 << 15)
            data["flags"] = (data["flags"] & ~changeable) | (int(payload["flags"]) & changeable)
        if clear_loading:
            data["flags"] = data["flags"] & ~LOADING
        if "allowed_mentions" in payload:
            msg.allowed_mentions = payload["allowed_mentions"]
        self._set_attachments(msg, payload, files or [])
        if "content" in payload or "allowed_mentions" in payload:
            replied = None
            ref = data.get("referenced_message")
            if ref is not None:
                replied = self.world.users.get(int(ref["author"]["id"]))
            self._set_mentions(msg, msg.allowed_mentions, replied)
        data["edited_timestamp"] = now_iso()
        return msg

    def gateway_payload(self, msg: StoredMessage) -> dict[str, Any]:
        """The message as sent in MESSAGE_CREATE / MESSAGE_UPDATE (adds guild/member data)."""
        data = copy.deepcopy(msg.data)
        if msg.guild_id is None:
            return data
        guild = self.world.guilds[msg.guild_id]
        data["guild_id"] = str(msg.guild_id)
        member = guild.members.get(msg.author.id)
        if member is not None and "webhook_id" not in data:
            data["member"] = member.payload(with_user=False)
        for mention in data.get("mentions", []):
            m = guild.members.get(int(mention["id"]))
            if m is not None:
                mention["member"] = m.payload(with_user=False)
        return data

    def is_dm(self, msg: StoredMessage) -> bool:
        """Whether the message lives in a DM channel."""
        channel = self.world.channels.get(msg.channel_id)
        return channel is not None and channel.type == DM
