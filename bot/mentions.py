"""Mentions in a question shown as names (``@alice``, ``@Moderators``, ``#general``) when the bot
echoes it. The search never sees them (the library strips mention tokens before searching); a
reader should see who and what was meant, not ``<@1576939749355028485>``."""

from __future__ import annotations

import re
from collections.abc import Iterable

import discord

MAX_FETCHED = 5  # a question naming more people than this shows the rest as @unknown-user
_TOKEN = re.compile(r"<(@!?|@&|#)(\d{1,20})>|</([\w -]{1,100}):\d{1,20}>|<a?(:\w{1,32}:)\d{1,20}>")


def unknown_ids(text: str) -> list[int]:
    """Ids of the user mentions in ``text`` (to look up those not cached)."""
    return [int(m[2]) for m in _TOKEN.finditer(text) if m[1] in ("@", "@!")]


def named(
    text: str,
    guild: discord.Guild | None,
    users: Iterable[discord.abc.User] = (),
    client: discord.Client | None = None,
) -> str:
    """``text`` with every mention token replaced by the name Discord would show for it.

    ``users`` are users known to be mentioned (a message's ``mentions``, or fetched); others are
    looked up in the guild's and the client's caches. What cannot be named is said plainly.
    """
    known = {u.id: u for u in users}

    def name(match: re.Match[str]) -> str:
        kind, raw, command, emoji = match[1], match[2], match[3], match[4]
        if command:
            return f"/{command}"
        if emoji:
            return emoji
        snowflake = int(raw)
        if kind in ("@", "@!"):
            user = known.get(snowflake) or (guild.get_member(snowflake) if guild else None)
            if user is None and client is not None:
                user = client.get_user(snowflake)
            return f"@{user.display_name}" if user is not None else "@unknown-user"
        if kind == "@&":
            role = guild.get_role(snowflake) if guild else None
            return f"@{role.name}" if role is not None else "@unknown-role"
        channel: object = guild.get_channel_or_thread(snowflake) if guild else None
        if channel is None and client is not None:
            channel = client.get_channel(snowflake)
        found = getattr(channel, "name", None)
        return f"#{found}" if found else "#unknown-channel"

    return _TOKEN.sub(name, text)


async def fetch_mentioned(client: discord.Client, guild: discord.Guild | None, text: str) -> list:
    """The users mentioned in ``text`` that no cache holds, fetched (a slash command's text option
    carries bare ids); a user Discord does not know is left out."""
    found = []
    for snowflake in list(dict.fromkeys(unknown_ids(text)))[:MAX_FETCHED]:
        if (guild and guild.get_member(snowflake)) or client.get_user(snowflake):
            continue
        try:
            found.append(await client.fetch_user(snowflake))
        except discord.HTTPException:  # unknown or unreachable: shown as @unknown-user
            continue
    return found
