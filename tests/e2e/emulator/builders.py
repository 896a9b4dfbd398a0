"""Builds INTERACTION_CREATE payloads the way Discord's client and API would."""

from __future__ import annotations

import copy
from typing import Any

from .messages import StoredMessage
from .model import DM, Channel, Guild, Perm, Role, User
from .world import World

ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024
# What an app may do in a DM with a user.
DM_APP_PERMISSIONS = int(
    Perm.VIEW_CHANNEL
    | Perm.SEND_MESSAGES
    | Perm.EMBED_LINKS
    | Perm.ATTACH_FILES
    | Perm.READ_MESSAGE_HISTORY
    | Perm.ADD_REACTIONS
    | Perm.USE_EXTERNAL_EMOJIS
)
# Option types (Discord docs, "Application Command Option Type").
SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER = 3, 4, 5, 6, 7, 8, 9, 10


def interaction_payload(
    world: World,
    *,
    interaction_id: int,
    token: str,
    itype: int,
    data: dict[str, Any],
    user: User,
    channel: Channel,
    message: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The common interaction envelope (guild member or DM user, channel, permissions)."""
    payload: dict[str, Any] = {
        "id": str(interaction_id),
        "application_id": str(world.application_id),
        "type": itype,
        "data": data,
        "token": token,
        "version": 1,
        "channel_id": str(channel.id),
        "channel": channel.payload(),
        "locale": user.locale,
        "entitlements": [],
        "entitlement_sku_ids": [],
        "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
    }
    if channel.guild_id is not None:
        guild = world.guilds[channel.guild_id]
        member = guild.members.get(user.id)
        if member is None:
            raise ValueError(f"{user.username} is not a member of guild {guild.name}")
        payload.update(
            guild_id=str(guild.id),
            guild=guild.partial_payload(),
            guild_locale=guild.locale,
            member={**member.payload(), "permissions": str(guild.permissions_for(user.id))},
            app_permissions=str(guild.permissions_for(world.bot.id)),
            authorizing_integration_owners={"0": str(guild.id)},
            context=0,
        )
    else:
        payload.update(
            user=user.payload(),
            app_permissions=str(DM_APP_PERMISSIONS),
            authorizing_integration_owners={"0": "0"},
            context=1,
        )
    if message is not None:
        payload["message"] = message
    return payload


def _resolve(
    world: World, guild: Guild | None, opt_type: int, value: Any, resolved: dict[str, Any]
) -> str:
    """Put a user/channel/role option into ``resolved`` and return its id string."""
    if opt_type == MENTIONABLE:
        opt_type = ROLE if isinstance(value, Role) else USER
    obj_id = value.id if isinstance(value, (User, Channel, Role)) else int(value)
    key = str(obj_id)
    if opt_type == USER:
        user = world.users[obj_id]
        resolved.setdefault("users", {})[key] = user.payload()
        member = guild.members.get(obj_id) if guild else None
        if member is not None and guild is not None:
            entry = {
                **member.payload(with_user=False),
                "permissions": str(guild.permissions_for(obj_id)),
            }
            resolved.setdefault("members", {})[key] = entry
    elif opt_type == CHANNEL:
        ch = world.channels[obj_id]
        entry = {
            "id": key,
            "name": ch.name,
            "type": ch.type,
            "permissions": str(Perm.VIEW_CHANNEL | Perm.SEND_MESSAGES),
        }
        if ch.guild_id is not None:
            entry["guild_id"] = str(ch.guild_id)
        resolved.setdefault("channels", {})[key] = entry
    elif opt_type == ROLE:
        if guild is None or obj_id not in guild.roles:
            raise ValueError(f"role {obj_id} is not in this guild")
        resolved.setdefault("roles", {})[key] = guild.roles[obj_id].payload()
    return key


def _convert(
    world: World, guild: Guild | None, spec: dict[str, Any], value: Any, resolved: dict[str, Any]
) -> Any:
    """Coerce a test-provided value to what Discord sends for this option type."""
    otype = spec["type"]
    if otype in (USER, CHANNEL, ROLE, MENTIONABLE):
        return _resolve(world, guild, otype, value, resolved)
    if otype == STRING:
        value = str(value)
        low, high = spec.get("min_length", 0), spec.get("max_length", 6000)
        if not low <= len(value) <= high:
            raise ValueError(f"option {spec['name']!r}: length must be in [{low}, {high}]")
    elif otype in (INTEGER, NUMBER):
        value = int(value) if otype == INTEGER else float(value)
        low, high = spec.get("min_value"), spec.get("max_value")
        if (low is not None and value < low) or (high is not None and value > high):
            raise ValueError(f"option {spec['name']!r}: {value} is outside [{low}, {high}]")
    elif otype == BOOLEAN:
        value = bool(value)
    else:
        raise NotImplementedError(f"option type {otype} is not supported by the emulator")
    choices = spec.get("choices")
    if choices and value not in [c["value"] for c in choices]:
        raise ValueError(f"option {spec['name']!r}: {value!r} is not one of the command's choices")
    return value


def command_data(
    world: World,
    cmd: dict[str, Any],
    path: list[str],
    options: dict[str, Any],
    guild: Guild | None,
    focused: str | None = None,
) -> dict[str, Any]:
    """``data`` of an APPLICATION_COMMAND or AUTOCOMPLETE interaction.

    ``path`` holds sub-command group / sub-command names below the command.
    The Discord client enforces choices and required options, so violating
    them here raises ``ValueError`` (the test is wrong, not the bot).
    """
    data: dict[str, Any] = {"id": cmd["id"], "name": cmd["name"], "type": cmd["type"]}
    if "guild_id" in cmd:
        data["guild_id"] = cmd["guild_id"]
    specs: list[dict[str, Any]] = cmd.get("options") or []
    container = data
    for name in path:
        spec = next(
            (
                o
                for o in specs
                if o["name"] == name and o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP)
            ),
            None,
        )
        if spec is None:
            raise ValueError(f"/{cmd['name']} has no sub-command {name!r}")
        entry: dict[str, Any] = {"name": name, "type": spec["type"], "options": []}
        container.setdefault("options", []).append(entry)
        container, specs = entry, spec.get("options") or []
    if any(o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP) for o in specs):
        raise ValueError(f"/{cmd['name']} needs a sub-command; pass 'name sub' to the helper")
    by_name = {o["name"]: o for o in specs}
    resolved: dict[str, Any] = {}
    values = []
    for name, value in options.items():
        spec = by_name.get(name)
        if spec is None:
            raise ValueError(f"/{cmd['name']} has no option {name!r}")
        if name == focused:
            if not spec.get("autocomplete"):
                raise ValueError(f"option {name!r} does not have autocomplete enabled")
            values.append(
                {"name": name, "type": spec["type"], "value": str(value), "focused": True}
            )
        else:
            values.append(
                {
                    "name": name,
                    "type": spec["type"],
                    "value": _convert(world, guild, spec, value, resolved),
                }
            )
    missing = [o["name"] for o in specs if o.get("required") and o["name"] not in options]
    if missing and focused is None:
        raise ValueError(f"/{cmd['name']}: missing required option(s) {missing}")
    if values or container is not data:
        container["options"] = values
    if resolved:
        data["resolved"] = resolved
    return data


def context_menu_data(
    world: World, cmd: dict[str, Any], target: User | StoredMessage, guild: Guild | None
) -> dict[str, Any]:
    """``data`` of a user (type 2) or message (type 3) context-menu command."""
    data: dict[str, Any] = {
        "id": cmd["id"],
        "name": cmd["name"],
        "type": cmd["type"],
        "target_id": str(target.id),
    }
    if "guild_id" in cmd:
        data["guild_id"] = cmd["guild_id"]
    resolved: dict[str, Any] = {}
    if isinstance(target, StoredMessage):
        resolved["messages"] = {str(target.id): copy.deepcopy(target.data)}
    else:
        _resolve(world, guild, USER, target, resolved)
    data["resolved"] = resolved
    return data


def component_data(msg: StoredMessage, custom_id: str, values: list[str] | None) -> dict[str, Any]:
    """``data`` of a MESSAGE_COMPONENT interaction (button click or select)."""
    comp = msg.find_component(custom_id)
    if comp is None:
        raise ValueError(f"message {msg.id} has no component with custom_id {custom_id!r}")
    if comp.get("disabled"):
        raise ValueError(f"component {custom_id!r} is disabled; a user cannot use it")
    data: dict[str, Any] = {"custom_id": custom_id, "component_type": comp["type"]}
    if comp["type"] == 2:
        if values is not None:
            raise ValueError("buttons take no values")
    else:
        chosen = list(values or [])
        low, high = comp.get("min_values", 1), comp.get("max_values", 1)
        if not low <= len(chosen) <= high:
            raise ValueError(f"select {custom_id!r} needs between {low} and {high} values")
        if comp["type"] == 3:
            allowed = {o["value"] for o in comp.get("options", [])}
            if not set(chosen) <= allowed:
                raise ValueError(f"values {chosen} are not options of {custom_id!r}")
        data["values"] = chosen
    return data


def modal_submit_data(modal: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """``data`` of a MODAL_SUBMIT for a modal the bot opened (callback type 9)."""

    def submitted(comp: dict[str, Any]) -> dict[str, Any]:
        cid = comp.get("custom_id")
        out: dict[str, Any] = {"type": comp["type"], "id": comp.get("id", 0), "custom_id": cid}
        if comp["type"] == 4:  # text input
            value = str(values.get(cid, comp.get("value") or ""))
            if comp.get("required", True) and not value:
                raise ValueError(f"text input {cid!r} is required")
            out["value"] = value
        else:
            out["values"] = list(values.get(cid, []))
        return out

    components = []
    for top in copy.deepcopy(modal.get("components") or []):
        if top["type"] == 1:
            children = [submitted(c) for c in top.get("components", [])]
            components.append({"type": 1, "id": top.get("id", 0), "components": children})
        elif top["type"] == 18:  # label wrapping one input
            components.append(
                {"type": 18, "id": top.get("id", 0), "component": submitted(top["component"])}
            )
        else:
            components.append({"type": top["type"], "id": top.get("id", 0)})
    return {"custom_id": modal["custom_id"], "components": components}


def is_dm(channel: Channel) -> bool:
    """Whether ``channel`` is a DM."""
    return channel.type == DM
