"""REST routes for channels and channel messages (the bot acting as itself)."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from .gateway import GUILDS
from .messages import StoredMessage
from .model import ARCHIVE_DURATIONS, DM, GUILD_TEXT, Channel, Perm
from .rest import ApiError, Call, Router, check_message, invalid_form, unknown
from .validation import Errors, check_len, error, required

HAS_THREAD = 1 << 5  # message flag: a thread was started from this message

if TYPE_CHECKING:
    from .emulator import DiscordEmulator


def register(router: Router, emu: DiscordEmulator) -> None:
    """Add this module's routes to ``router``."""
    world = emu.world
    store = world.messages

    def channel_of(call: Call) -> Channel:
        channel = world.channels.get(call.snowflake("channel_id"))
        if channel is None:
            raise unknown("Channel")
        return channel

    def bot_perms(channel: Channel) -> int:
        if channel.type == DM or channel.guild_id is None:
            return int(
                Perm.VIEW_CHANNEL
                | Perm.SEND_MESSAGES
                | Perm.EMBED_LINKS
                | Perm.ATTACH_FILES
                | Perm.READ_MESSAGE_HISTORY
                | Perm.ADD_REACTIONS
            )
        return world.guilds[channel.guild_id].permissions_for(world.bot.id)

    def require(channel: Channel, perms: int) -> None:
        have = bot_perms(channel)
        if not have & Perm.VIEW_CHANNEL:
            raise ApiError(403, 50001, "Missing Access")
        if have & perms != perms:
            raise ApiError(403, 50013, "Missing Permissions")

    def send_permission(channel: Channel) -> int:
        # Discord docs, "Threads": SEND_MESSAGES has no effect in threads.
        return int(Perm.SEND_MESSAGES_IN_THREADS if channel.is_thread else Perm.SEND_MESSAGES)

    def message_of(call: Call, channel: Channel) -> StoredMessage:
        msg = store.get(call.snowflake("message_id"))
        if msg is None or msg.deleted or msg.ephemeral or msg.channel_id != channel.id:
            raise unknown("Message")
        return msg

    async def get_channel(call: Call) -> tuple[int, Any]:
        return 200, channel_of(call).payload()

    async def list_messages(call: Call) -> tuple[int, Any]:
        channel = channel_of(call)
        require(channel, Perm.READ_MESSAGE_HISTORY)
        limit = max(1, min(100, int(call.query.get("limit", "50"))))
        msgs = sorted(store.in_channel(channel.id), key=lambda m: m.id, reverse=True)
        if "before" in call.query:
            msgs = [m for m in msgs if m.id < int(call.query["before"])]
        if "after" in call.query:
            msgs = [m for m in msgs if m.id > int(call.query["after"])]
        return 200, [copy.deepcopy(m.data) for m in msgs[:limit]]

    async def get_message(call: Call) -> tuple[int, Any]:
        channel = channel_of(call)
        require(channel, Perm.READ_MESSAGE_HISTORY)
        return 200, copy.deepcopy(message_of(call, channel).data)

    async def create_message(call: Call) -> tuple[int, Any]:
        channel = channel_of(call)
        require(channel, send_permission(channel))
        payload = dict(call.body or {})
        emu.record_allowed_mentions(call.record, payload)
        check_message(payload, call.files)
        ref = payload.get("message_reference")
        if ref and ref.get("message_id"):
            target = store.get(int(ref["message_id"]))
            if (
                target is None
                or target.deleted
                or target.channel_id != int(ref.get("channel_id") or channel.id)
            ):
                if ref.get("fail_if_not_exists", True):
                    raise invalid_form(
                        {
                            "message_reference": {
                                "_errors": [
                                    {
                                        "code": "MESSAGE_REFERENCE_UNKNOWN_MESSAGE",
                                        "message": "Unknown message",
                                    }
                                ]
                            }
                        }
                    )
                payload.pop("message_reference")
        if payload.get("embeds") and not bot_perms(channel) & Perm.EMBED_LINKS:
            payload["embeds"] = []  # Discord silently drops embeds without EMBED_LINKS
        if payload.get("flags", 0) & (1 << 6):
            raise invalid_form(
                {
                    "flags": {
                        "_errors": [
                            {
                                "code": "MESSAGE_FLAGS_INVALID",
                                "message": "Ephemeral messages need an interaction",
                            }
                        ]
                    }
                }
            )
        msg = store.create(
            channel_id=channel.id, author=world.bot, payload=payload, files=call.files
        )
        await emu.message_created(msg)
        return 200, copy.deepcopy(msg.data)

    async def edit_message(call: Call) -> tuple[int, Any]:
        channel = channel_of(call)
        msg = message_of(call, channel)
        if msg.author.id != world.bot.id:
            payload = call.body or {}
            if set(payload) - {"flags"}:
                raise ApiError(403, 50005, "Cannot edit a message authored by another user")
        payload = dict(call.body or {})
        emu.record_allowed_mentions(call.record, payload)
        check_message(payload, call.files, msg.data)
        store.edit(msg, payload, call.files)
        await emu.message_updated(msg)
        return 200, copy.deepcopy(msg.data)

    async def delete_message(call: Call) -> tuple[int, Any]:
        channel = channel_of(call)
        msg = message_of(call, channel)
        if msg.author.id != world.bot.id:
            require(channel, Perm.MANAGE_MESSAGES)
        await emu.message_deleted(msg)
        return 204, None

    async def typing(call: Call) -> tuple[int, Any]:
        channel = channel_of(call)
        require(channel, send_permission(channel))
        emu.typing.append((channel.id, emu.now()))
        return 204, None

    async def react(call: Call) -> tuple[int, Any]:
        channel = channel_of(call)
        require(channel, Perm.ADD_REACTIONS | Perm.READ_MESSAGE_HISTORY)
        msg = message_of(call, channel)
        emoji = call.params["emoji"]
        reactions = msg.data.setdefault("reactions", [])
        entry = next((r for r in reactions if r["emoji"]["name"] == emoji), None)
        if entry is None:
            entry = {
                "count": 0,
                "me": False,
                "emoji": {"id": None, "name": emoji},
                "burst_colors": [],
            }
            reactions.append(entry)
        if call.record.method == "PUT" and not entry["me"]:
            entry["me"], entry["count"] = True, entry["count"] + 1
        elif call.record.method == "DELETE" and entry["me"]:
            entry["me"], entry["count"] = False, entry["count"] - 1
            if entry["count"] == 0:
                reactions.remove(entry)
        return 204, None

    async def start_thread(call: Call) -> tuple[int, Any]:
        # Discord docs, "Start Thread from Message": a GUILD_TEXT channel gets a PUBLIC_THREAD
        # with the message's id (so one thread a message); THREAD_CREATE and MESSAGE_UPDATE fire.
        channel = channel_of(call)
        if channel.type != GUILD_TEXT:
            raise ApiError(400, 50024, "Cannot execute action on this channel type")
        require(channel, Perm.CREATE_PUBLIC_THREADS)
        msg = message_of(call, channel)
        body = call.body if isinstance(call.body, dict) else {}
        errors = thread_errors(body)
        if errors:
            raise invalid_form(errors)
        if msg.id in world.channels:
            raise ApiError(400, 160004, "A thread has already been created for this message")
        thread = world.add_thread(
            channel,
            msg.id,
            world.bot,
            body["name"],
            auto_archive_duration=body.get("auto_archive_duration") or 1440,
            rate_limit_per_user=body.get("rate_limit_per_user") or 0,
        )
        await emu.gateway.dispatch(
            "THREAD_CREATE", {**thread.payload(), "newly_created": True}, GUILDS
        )
        msg.data["thread"] = thread.payload()
        msg.data["flags"] = msg.flags | HAS_THREAD
        await emu.message_updated(msg)
        return 201, thread.payload()

    router.add("GET", "/channels/{channel_id}", get_channel)
    router.add("GET", "/channels/{channel_id}/messages", list_messages)
    router.add("POST", "/channels/{channel_id}/messages", create_message)
    router.add("GET", "/channels/{channel_id}/messages/{message_id}", get_message)
    router.add("PATCH", "/channels/{channel_id}/messages/{message_id}", edit_message)
    router.add("DELETE", "/channels/{channel_id}/messages/{message_id}", delete_message)
    router.add("POST", "/channels/{channel_id}/typing", typing)
    router.add("POST", "/channels/{channel_id}/messages/{message_id}/threads", start_thread)
    reaction = "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me"
    router.add("PUT", reaction, react)
    router.add("DELETE", reaction, react)


def thread_errors(body: dict[str, Any]) -> Errors:
    """The "Start Thread from Message" JSON params checked against Discord's documented limits."""
    errors: Errors = {}
    if body.get("name") is None:
        errors["name"] = required()
    else:
        check_len(errors, "name", body["name"], 1, 100)
    duration = body.get("auto_archive_duration")
    if duration is not None and duration not in ARCHIVE_DURATIONS:
        errors["auto_archive_duration"] = error(
            "BASE_TYPE_CHOICES", f"Value must be one of {set(ARCHIVE_DURATIONS)}."
        )
    slowmode = body.get("rate_limit_per_user")
    if slowmode is not None and not (isinstance(slowmode, int) and 0 <= slowmode <= 21600):
        errors["rate_limit_per_user"] = error(
            "NUMBER_TYPE_MAX", "int value should be <= 21600 and >= 0."
        )
    return errors
