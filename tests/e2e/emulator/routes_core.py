"""REST routes for users, the gateway URL, the application, its commands and guilds."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from .command_validation import validate_command, validate_commands
from .rest import ApiError, Call, Router, invalid_form, unknown

if TYPE_CHECKING:
    from .emulator import DiscordEmulator

GATEWAY_URL = "wss://gateway.discord.gg"


def register(router: Router, emu: DiscordEmulator) -> None:
    """Add this module's routes to ``router``."""
    world = emu.world

    async def get_me(call: Call) -> tuple[int, Any]:
        return 200, world.bot.me_payload()

    async def get_user(call: Call) -> tuple[int, Any]:
        user = world.users.get(call.snowflake("user_id"))
        if user is None:
            raise unknown("User")
        return 200, user.payload()

    async def open_dm(call: Call) -> tuple[int, Any]:
        user = world.users.get(int((call.body or {}).get("recipient_id") or 0))
        if user is None:
            raise unknown("User")
        return 200, world.dm_channel(user).payload()

    async def get_gateway(call: Call) -> tuple[int, Any]:
        return 200, {"url": GATEWAY_URL}

    async def get_gateway_bot(call: Call) -> tuple[int, Any]:
        limit = {"total": 1000, "remaining": 999, "reset_after": 14_400_000, "max_concurrency": 1}
        return 200, {
            "url": GATEWAY_URL,
            "shards": emu.recommended_shards,
            "session_start_limit": limit,
        }

    async def get_application(call: Call) -> tuple[int, Any]:
        return 200, {
            "id": str(world.application_id),
            "name": world.bot.username,
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "flags": emu.application_flags(),
            "owner": world.owner.payload(),
            "team": None,
            "bot": world.bot.payload(),
            "rpc_origins": [],
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "install_params": None,
            "integration_types_config": {"0": {}},
            "approximate_guild_count": len(world.guilds),
            "tags": [],
        }

    def scope(call: Call) -> int | None:
        """Check the application id and return the guild id (None = global)."""
        if call.snowflake("application_id") != world.application_id:
            raise ApiError(403, 50001, "Missing Access")
        if "guild_id" not in call.params:
            return None
        guild_id = call.snowflake("guild_id")
        if guild_id not in world.guilds:
            raise ApiError(403, 50001, "Missing Access")
        return guild_id

    async def list_commands(call: Call) -> tuple[int, Any]:
        return 200, copy.deepcopy(world.commands.get(scope(call), []))

    async def overwrite_commands(call: Call) -> tuple[int, Any]:
        guild_id = scope(call)
        payloads = call.body
        if not isinstance(payloads, list):
            raise invalid_form(
                {"_errors": [{"code": "BASE_TYPE_ARRAY", "message": "Must be an array."}]}
            )
        errors = validate_commands(payloads)
        if errors:
            raise invalid_form(errors)
        emu.command_syncs.append((guild_id, copy.deepcopy(payloads)))
        return 200, world.put_commands(guild_id, payloads)

    async def create_command(call: Call) -> tuple[int, Any]:
        guild_id = scope(call)
        errors = validate_command(call.body or {})
        if errors:
            raise invalid_form(errors)
        existed = world.find_command(call.body["name"], guild_id, call.body.get("type", 1))
        return (200 if existed else 201), world.upsert_command(guild_id, call.body)

    def find(call: Call) -> dict[str, Any]:
        guild_id = scope(call)
        command_id = call.params["command_id"]
        for cmd in world.commands.get(guild_id, []):
            if cmd["id"] == command_id:
                return cmd
        raise unknown("application command")

    async def get_command(call: Call) -> tuple[int, Any]:
        return 200, copy.deepcopy(find(call))

    async def edit_command(call: Call) -> tuple[int, Any]:
        cmd = find(call)
        merged = {**cmd, **(call.body or {})}
        errors = validate_command(merged)
        if errors:
            raise invalid_form(errors)
        return 200, world.upsert_command(scope(call), merged)

    async def delete_command(call: Call) -> tuple[int, Any]:
        cmd = find(call)
        world.commands[scope(call)].remove(cmd)
        return 204, None

    def guild_of(call: Call) -> Any:
        guild = world.guilds.get(call.snowflake("guild_id"))
        if guild is None:
            raise unknown("Guild")
        return guild

    async def get_guild(call: Call) -> tuple[int, Any]:
        guild = guild_of(call)
        data = guild.payload()
        for key in (
            "members",
            "channels",
            "threads",
            "presences",
            "voice_states",
            "joined_at",
            "large",
        ):
            data.pop(key, None)
        if call.query.get("with_counts") in ("1", "true", "True"):
            data["approximate_member_count"] = len(guild.members)
            data["approximate_presence_count"] = 0
        return 200, data

    async def get_member(call: Call) -> tuple[int, Any]:
        member = guild_of(call).members.get(call.snowflake("user_id"))
        if member is None:
            raise unknown("Member")
        return 200, member.payload()

    async def get_channels(call: Call) -> tuple[int, Any]:
        # Discord docs, "Get Guild Channels": threads are not included.
        channels = guild_of(call).channels.values()
        return 200, [c.payload() for c in channels if not c.is_thread]

    async def get_roles(call: Call) -> tuple[int, Any]:
        return 200, [r.payload() for r in guild_of(call).roles.values()]

    router.add("GET", "/users/@me", get_me)
    router.add("GET", "/users/{user_id}", get_user)
    router.add("POST", "/users/@me/channels", open_dm)
    router.add("GET", "/gateway", get_gateway, auth=False)
    router.add("GET", "/gateway/bot", get_gateway_bot)
    router.add("GET", "/oauth2/applications/@me", get_application)
    router.add("GET", "/applications/@me", get_application)
    for base in (
        "/applications/{application_id}",
        "/applications/{application_id}/guilds/{guild_id}",
    ):
        router.add("GET", f"{base}/commands", list_commands)
        router.add("PUT", f"{base}/commands", overwrite_commands)
        router.add("POST", f"{base}/commands", create_command)
        router.add("GET", f"{base}/commands/{{command_id}}", get_command)
        router.add("PATCH", f"{base}/commands/{{command_id}}", edit_command)
        router.add("DELETE", f"{base}/commands/{{command_id}}", delete_command)
    router.add("GET", "/guilds/{guild_id}", get_guild)
    router.add("GET", "/guilds/{guild_id}/members/{user_id}", get_member)
    router.add("GET", "/guilds/{guild_id}/channels", get_channels)
    router.add("GET", "/guilds/{guild_id}/roles", get_roles)
