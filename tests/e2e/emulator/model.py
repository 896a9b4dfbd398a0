"""Discord entities (users, roles, guilds, channels) and their JSON payloads.

The emulator keeps its own small model of the world instead of reusing
discord.py's classes: the point is to check discord.py against *Discord's*
wire format, so the payloads here follow the API documentation.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import IntFlag
from typing import Any

DISCORD_EPOCH_MS = 1_420_070_400_000


class Perm(IntFlag):
    """Permission bits (subset of Discord's documented flags)."""

    CREATE_INSTANT_INVITE = 1 << 0
    KICK_MEMBERS = 1 << 1
    BAN_MEMBERS = 1 << 2
    ADMINISTRATOR = 1 << 3
    MANAGE_CHANNELS = 1 << 4
    MANAGE_GUILD = 1 << 5
    ADD_REACTIONS = 1 << 6
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    MENTION_EVERYONE = 1 << 17
    USE_EXTERNAL_EMOJIS = 1 << 18
    CONNECT = 1 << 20
    SPEAK = 1 << 21
    CHANGE_NICKNAME = 1 << 26
    MANAGE_ROLES = 1 << 28
    USE_APPLICATION_COMMANDS = 1 << 31
    CREATE_PUBLIC_THREADS = 1 << 35
    SEND_MESSAGES_IN_THREADS = 1 << 38


# Everything a fresh guild grants @everyone (close to Discord's defaults).
DEFAULT_EVERYONE = (
    Perm.CREATE_INSTANT_INVITE
    | Perm.ADD_REACTIONS
    | Perm.VIEW_CHANNEL
    | Perm.SEND_MESSAGES
    | Perm.EMBED_LINKS
    | Perm.ATTACH_FILES
    | Perm.READ_MESSAGE_HISTORY
    | Perm.MENTION_EVERYONE
    | Perm.USE_EXTERNAL_EMOJIS
    | Perm.CONNECT
    | Perm.SPEAK
    | Perm.CHANGE_NICKNAME
    | Perm.USE_APPLICATION_COMMANDS
    | Perm.CREATE_PUBLIC_THREADS
    | Perm.SEND_MESSAGES_IN_THREADS
)
ALL_PERMISSIONS = (1 << 51) - 1

GUILD_TEXT = 0
DM = 1
PUBLIC_THREAD = 11
# auto_archive_duration values Discord accepts (minutes), and its default.
ARCHIVE_DURATIONS = (60, 1440, 4320, 10080)


def now_iso() -> str:
    """Current UTC time as Discord's ISO-8601 timestamp."""
    return datetime.now(UTC).isoformat()


class Snowflakes:
    """Generates monotonically increasing snowflakes based on the wall clock.

    discord.py derives ``created_at`` (and interaction expiry) from the id,
    so ids must encode the real current time.
    """

    def __init__(self) -> None:
        self._last_ms = 0
        self._increment = 0

    def next(self) -> int:
        """Return a fresh snowflake."""
        ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        if ms <= self._last_ms:
            ms = self._last_ms
            self._increment += 1
            if self._increment > 0xFFF:
                ms += 1
                self._increment = 0
        else:
            self._increment = 0
        self._last_ms = ms
        return (ms << 22) | (1 << 17) | (1 << 12) | self._increment


@dataclass
class User:
    """A Discord user (human or bot)."""

    id: int
    username: str
    global_name: str | None = None
    bot: bool = False
    locale: str = "en-US"

    def payload(self) -> dict[str, Any]:
        """The public user object."""
        return {
            "id": str(self.id),
            "username": self.username,
            "discriminator": "0",
            "global_name": self.global_name,
            "avatar": None,
            "avatar_decoration_data": None,
            "banner": None,
            "accent_color": None,
            "public_flags": 0,
            "bot": self.bot,
            "system": False,
        }

    def me_payload(self) -> dict[str, Any]:
        """The user object as returned by ``GET /users/@me``."""
        return {
            **self.payload(),
            "flags": 0,
            "mfa_enabled": False,
            "verified": True,
            "locale": self.locale,
            "email": None,
            "premium_type": 0,
        }

    @property
    def mention(self) -> str:
        """The ``<@id>`` mention markup."""
        return f"<@{self.id}>"


@dataclass
class Role:
    """A guild role; the @everyone role shares the guild's id."""

    id: int
    guild_id: int
    name: str
    permissions: int
    position: int = 0
    managed: bool = False
    bot_id: int | None = None

    def payload(self) -> dict[str, Any]:
        """The role object."""
        data: dict[str, Any] = {
            "id": str(self.id),
            "name": self.name,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": self.position,
            "permissions": str(self.permissions),
            "managed": self.managed,
            "mentionable": False,
            "flags": 0,
        }
        if self.bot_id is not None:
            data["tags"] = {"bot_id": str(self.bot_id)}
        return data

    @property
    def mention(self) -> str:
        """The ``<@&id>`` mention markup."""
        return f"<@&{self.id}>"


@dataclass
class Member:
    """A user's membership in a guild."""

    user: User
    guild_id: int
    role_ids: list[int] = field(default_factory=list)
    nick: str | None = None
    joined_at: str = field(default_factory=now_iso)

    def payload(self, *, with_user: bool = True) -> dict[str, Any]:
        """The guild member object (optionally without the nested user)."""
        data: dict[str, Any] = {
            "nick": self.nick,
            "avatar": None,
            "banner": None,
            "roles": [str(r) for r in self.role_ids],
            "joined_at": self.joined_at,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }
        if with_user:
            data["user"] = self.user.payload()
        return data


@dataclass
class Channel:
    """A guild text channel, a DM channel, or a public thread (``parent_id``: the text channel
    it was started in; its id is the id of the message it was started from)."""

    id: int
    type: int
    name: str | None = None
    guild_id: int | None = None
    position: int = 0
    topic: str | None = None
    recipients: list[User] = field(default_factory=list)
    last_message_id: int | None = None
    parent_id: int | None = None
    owner_id: int | None = None
    auto_archive_duration: int = 1440
    rate_limit_per_user: int = 0
    message_count: int = 0
    total_message_sent: int = 0
    created_at: str = field(default_factory=now_iso)

    @property
    def is_thread(self) -> bool:
        """Whether this is a thread (messages in it need SEND_MESSAGES_IN_THREADS)."""
        return self.type == PUBLIC_THREAD

    def payload(self) -> dict[str, Any]:
        """The channel object."""
        last = str(self.last_message_id) if self.last_message_id else None
        if self.is_thread:
            return self._thread_payload(last)
        if self.type == DM:
            return {
                "id": str(self.id),
                "type": DM,
                "last_message_id": last,
                "flags": 0,
                "recipients": [u.payload() for u in self.recipients],
            }
        return {
            "id": str(self.id),
            "type": self.type,
            "guild_id": str(self.guild_id),
            "name": self.name,
            "position": self.position,
            "permission_overwrites": [],
            "parent_id": None,
            "nsfw": False,
            "topic": self.topic,
            "last_message_id": last,
            "rate_limit_per_user": 0,
            "flags": 0,
        }

    def _thread_payload(self, last: str | None) -> dict[str, Any]:
        # Discord docs, "Threads": the channel fields a thread re-uses, plus its own.
        return {
            "id": str(self.id),
            "type": self.type,
            "guild_id": str(self.guild_id),
            "parent_id": str(self.parent_id),
            "owner_id": str(self.owner_id),
            "name": self.name,
            "last_message_id": last,
            "rate_limit_per_user": self.rate_limit_per_user,
            "message_count": self.message_count,
            "member_count": 1,
            "total_message_sent": self.total_message_sent,
            "flags": 0,
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": self.auto_archive_duration,
                "archive_timestamp": self.created_at,
                "locked": False,
                "create_timestamp": self.created_at,
            },
        }

    @property
    def mention(self) -> str:
        """The ``<#id>`` mention markup."""
        return f"<#{self.id}>"


@dataclass
class Guild:
    """A guild with its roles, channels and members."""

    id: int
    name: str
    owner_id: int
    locale: str = "en-US"
    roles: dict[int, Role] = field(default_factory=dict)
    channels: dict[int, Channel] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)
    joined_at: str = field(default_factory=now_iso)

    @property
    def everyone(self) -> Role:
        """The @everyone role."""
        return self.roles[self.id]

    @property
    def threads(self) -> list[Channel]:
        """Active threads (none is ever archived here), oldest first."""
        return sorted((c for c in self.channels.values() if c.is_thread), key=lambda c: c.id)

    @property
    def text_channels(self) -> list[Channel]:
        """Text channels in position order."""
        return sorted(
            (c for c in self.channels.values() if c.type == GUILD_TEXT),
            key=lambda c: c.position,
        )

    def permissions_for(self, user_id: int) -> int:
        """Guild-level permissions of a member (no channel overwrites exist here)."""
        if user_id == self.owner_id:
            return ALL_PERMISSIONS
        member = self.members.get(user_id)
        perms = self.everyone.permissions
        if member is not None:
            for role_id in member.role_ids:
                role = self.roles.get(role_id)
                if role is not None:
                    perms |= role.permissions
        if perms & Perm.ADMINISTRATOR:
            return ALL_PERMISSIONS
        return perms

    def partial_payload(self) -> dict[str, Any]:
        """The partial guild sent inside interactions."""
        return {"id": str(self.id), "locale": self.locale, "features": []}

    def payload(self) -> dict[str, Any]:
        """The full guild object as sent in GUILD_CREATE."""
        first = self.text_channels[0].id if self.text_channels else None
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(self.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 1,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "premium_progress_bar_enabled": False,
            "preferred_locale": self.locale,
            "system_channel_id": str(first) if first else None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "vanity_url_code": None,
            "features": [],
            "max_members": 500000,
            "max_video_channel_users": 25,
            "roles": [r.payload() for r in self.roles.values()],
            "emojis": [],
            "stickers": [],
            "joined_at": self.joined_at,
            "large": False,
            "unavailable": False,
            "member_count": len(self.members),
            "members": [m.payload() for m in self.members.values()],
            "channels": [c.payload() for c in self.channels.values() if not c.is_thread],
            # Discord docs, "Guild Create": every active thread the bot can view.
            "threads": [t.payload() for t in self.threads],
            "presences": [],
            "voice_states": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "application_id": None,
            "incidents_data": None,
        }
