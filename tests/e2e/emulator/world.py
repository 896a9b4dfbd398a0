"""The emulated world: users, guilds, channels, roles, messages and commands."""

from __future__ import annotations

import copy
from typing import Any

from .messages import MessageStore
from .model import (
    DEFAULT_EVERYONE,
    DM,
    GUILD_TEXT,
    PUBLIC_THREAD,
    Channel,
    Guild,
    Member,
    Perm,
    Role,
    Snowflakes,
    User,
)

# What the bot's managed role grants: enough to answer in channels.
BOT_ROLE_PERMISSIONS = (
    Perm.VIEW_CHANNEL
    | Perm.SEND_MESSAGES
    | Perm.EMBED_LINKS
    | Perm.ATTACH_FILES
    | Perm.READ_MESSAGE_HISTORY
    | Perm.ADD_REACTIONS
    | Perm.USE_APPLICATION_COMMANDS
    | Perm.SEND_MESSAGES_IN_THREADS
)


class World:
    """Mutable state shared by the REST and gateway sides."""

    def __init__(self, *, bot_name: str) -> None:
        self.ids = Snowflakes()
        self.users: dict[int, User] = {}
        self.guilds: dict[int, Guild] = {}
        self.channels: dict[int, Channel] = {}
        self.messages = MessageStore(self)
        self.bot = self._new_user(bot_name, bot=True)
        # Modern applications share the bot user's id.
        self.application_id = self.bot.id
        self.owner = self._new_user("owner")
        # Registered application commands: None -> global, else guild id.
        self.commands: dict[int | None, list[dict[str, Any]]] = {None: []}

    def _new_user(self, name: str, *, bot: bool = False, locale: str = "en-US") -> User:
        user = User(
            id=self.ids.next(),
            username=name,
            global_name=None if bot else name.title(),  # bot users have no display name
            bot=bot,
            locale=locale,
        )
        self.users[user.id] = user
        return user

    # -- guilds, channels, roles, members ---------------------------------

    def add_guild(self, name: str, *, channels: tuple[str, ...] = ("general",)) -> Guild:
        """Create a guild with @everyone, the bot (with its managed role) and the owner."""
        guild_id = self.ids.next()
        guild = Guild(id=guild_id, name=name, owner_id=self.owner.id)
        guild.roles[guild_id] = Role(
            id=guild_id, guild_id=guild_id, name="@everyone", permissions=int(DEFAULT_EVERYONE)
        )
        self.guilds[guild_id] = guild
        bot_role = Role(
            id=self.ids.next(),
            guild_id=guild_id,
            name=self.bot.username,
            permissions=int(BOT_ROLE_PERMISSIONS),
            position=1,
            managed=True,
            bot_id=self.bot.id,
        )
        guild.roles[bot_role.id] = bot_role
        guild.members[self.bot.id] = Member(self.bot, guild_id, [bot_role.id])
        guild.members[self.owner.id] = Member(self.owner, guild_id, [])
        for channel_name in channels:
            self.add_channel(guild, channel_name)
        return guild

    def add_channel(self, guild: Guild, name: str, *, topic: str | None = None) -> Channel:
        """Add a text channel to a guild."""
        channel = Channel(
            id=self.ids.next(),
            type=GUILD_TEXT,
            name=name,
            guild_id=guild.id,
            position=len(guild.channels),
            topic=topic,
        )
        guild.channels[channel.id] = channel
        self.channels[channel.id] = channel
        return channel

    def add_thread(
        self,
        parent: Channel,
        message_id: int,
        owner: User,
        name: str,
        *,
        auto_archive_duration: int = 1440,
        rate_limit_per_user: int = 0,
    ) -> Channel:
        """Start a public thread on a message of ``parent``: it takes the message's id."""
        assert parent.guild_id is not None
        thread = Channel(
            id=message_id,
            type=PUBLIC_THREAD,
            name=name,
            guild_id=parent.guild_id,
            parent_id=parent.id,
            owner_id=owner.id,
            auto_archive_duration=auto_archive_duration,
            rate_limit_per_user=rate_limit_per_user,
        )
        self.guilds[parent.guild_id].channels[thread.id] = thread
        self.channels[thread.id] = thread
        return thread

    def add_role(self, guild: Guild, name: str, permissions: int = 0) -> Role:
        """Add a role to a guild."""
        role = Role(
            id=self.ids.next(),
            guild_id=guild.id,
            name=name,
            permissions=int(permissions),
            position=len(guild.roles),
        )
        guild.roles[role.id] = role
        return role

    def add_user(
        self,
        name: str,
        *,
        guild: Guild | None,
        roles: list[Role] | None = None,
        permissions: int | None = None,
        nick: str | None = None,
        bot: bool = False,
        locale: str = "en-US",
    ) -> User:
        """Create a user; join ``guild`` with ``roles`` (and a role granting ``permissions``)."""
        user = self._new_user(name, bot=bot, locale=locale)
        if guild is not None:
            role_ids = [r.id for r in roles or []]
            if permissions is not None:
                role_ids.append(self.add_role(guild, f"{name}-perms", permissions).id)
            guild.members[user.id] = Member(user, guild.id, role_ids, nick=nick)
        return user

    def dm_channel(self, user: User) -> Channel:
        """The DM channel between the bot and ``user`` (created on first use)."""
        for channel in self.channels.values():
            if channel.type == DM and channel.recipients and channel.recipients[0].id == user.id:
                return channel
        channel = Channel(id=self.ids.next(), type=DM, recipients=[user])
        self.channels[channel.id] = channel
        return channel

    # -- application commands --------------------------------------------

    def put_commands(
        self, guild_id: int | None, payloads: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """Bulk overwrite; commands keep their id when name and type match (as Discord does)."""
        old = {(c["type"], c["name"]): c for c in self.commands.get(guild_id, [])}
        stored = []
        for payload in payloads:
            ctype = payload.get("type", 1)
            previous = old.get((ctype, payload["name"]))
            stored.append(self._command(guild_id, payload, previous))
        self.commands[guild_id] = stored
        return copy.deepcopy(stored)

    def upsert_command(self, guild_id: int | None, payload: dict[str, Any]) -> dict[str, Any]:
        """Create or replace a single command."""
        commands = self.commands.setdefault(guild_id, [])
        ctype = payload.get("type", 1)
        previous = next(
            (c for c in commands if (c["type"], c["name"]) == (ctype, payload["name"])), None
        )
        cmd = self._command(guild_id, payload, previous)
        if previous is not None:
            commands[commands.index(previous)] = cmd
        else:
            commands.append(cmd)
        return copy.deepcopy(cmd)

    def _command(
        self, guild_id: int | None, payload: dict[str, Any], previous: dict[str, Any] | None
    ) -> dict[str, Any]:
        ctype = payload.get("type", 1)
        cmd = {
            "id": previous["id"] if previous else str(self.ids.next()),
            "application_id": str(self.application_id),
            "version": str(self.ids.next()),
            "type": ctype,
            "name": payload["name"],
            "name_localizations": payload.get("name_localizations"),
            "description": payload.get("description", "") if ctype == 1 else "",
            "description_localizations": payload.get("description_localizations"),
            "options": copy.deepcopy(payload.get("options") or []),
            "default_member_permissions": payload.get("default_member_permissions"),
            "dm_permission": payload.get("dm_permission", True),
            "nsfw": payload.get("nsfw", False),
            "contexts": payload.get("contexts"),
            "integration_types": payload.get("integration_types", [0]),
        }
        if guild_id is not None:
            cmd["guild_id"] = str(guild_id)
        return cmd

    def find_command(
        self, name: str, guild_id: int | None, ctype: int = 1
    ) -> dict[str, Any] | None:
        """A registered command visible in ``guild_id`` (guild commands shadow global ones)."""
        scopes = [guild_id, None] if guild_id is not None else [None]
        for scope in scopes:
            for cmd in self.commands.get(scope, []):
                if cmd["name"] == name and cmd["type"] == ctype:
                    return cmd
        return None
