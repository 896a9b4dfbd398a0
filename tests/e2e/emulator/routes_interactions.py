"""Interaction callbacks and the interaction webhook (follow-ups, @original)."""

from __future__ import annotations

import copy
import time
from typing import TYPE_CHECKING, Any

from .command_validation import validate_autocomplete, validate_modal
from .messages import EPHEMERAL, LOADING, StoredMessage
from .records import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    AUTOCOMPLETE_RESULT,
    CHANNEL_MESSAGE,
    DEFERRED_CHANNEL_MESSAGE,
    DEFERRED_UPDATE_MESSAGE,
    MESSAGE_COMPONENT,
    MODAL,
    MODAL_SUBMIT,
    PING,
    PONG,
    UPDATE_MESSAGE,
    CallbackRecord,
    InteractionRecord,
)
from .rest import ApiError, Call, Router, check_message, invalid_form, unknown
from .validation import error

if TYPE_CHECKING:
    from .emulator import DiscordEmulator

# Which callback types each interaction type accepts (Discord docs).
ALLOWED_CALLBACKS = {
    PING: {PONG},
    APPLICATION_COMMAND: {CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, MODAL},
    MESSAGE_COMPONENT: {
        CHANNEL_MESSAGE,
        DEFERRED_CHANNEL_MESSAGE,
        DEFERRED_UPDATE_MESSAGE,
        UPDATE_MESSAGE,
        MODAL,
    },
    AUTOCOMPLETE: {AUTOCOMPLETE_RESULT},
    MODAL_SUBMIT: {
        CHANNEL_MESSAGE,
        DEFERRED_CHANNEL_MESSAGE,
        DEFERRED_UPDATE_MESSAGE,
        UPDATE_MESSAGE,
    },
}


def register(router: Router, emu: DiscordEmulator) -> None:
    """Add this module's routes to ``router``."""
    world = emu.world
    store = world.messages

    def metadata(rec: InteractionRecord) -> dict[str, Any]:
        """Fields Discord puts on messages created through an interaction."""
        app = str(world.application_id)
        meta: dict[str, Any] = {
            "id": str(rec.id),
            "type": rec.type,
            "user": rec.user.payload(),
            "authorizing_integration_owners": rec.payload.get("authorizing_integration_owners", {}),
        }
        extra: dict[str, Any] = {
            "webhook_id": app,
            "application_id": app,
            "interaction_metadata": meta,
        }
        if rec.type == APPLICATION_COMMAND:
            name = rec.payload["data"]["name"]
            meta["name"] = name
            meta["command_type"] = rec.payload["data"].get("type", 1)
            # The deprecated "interaction" field; discord.py requires its "name".
            user = rec.user.payload()
            extra["interaction"] = {"id": str(rec.id), "type": rec.type, "name": name, "user": user}
        if rec.source_message_id is not None:
            meta["interacted_message_id"] = str(rec.source_message_id)
        return extra

    def answer(rec: InteractionRecord, ctype: int, msg: StoredMessage | None) -> dict[str, Any]:
        """The Interaction Callback Response object (``?with_response=1``)."""
        result: dict[str, Any] = {"interaction": {"id": str(rec.id), "type": rec.type}}
        if msg is not None:
            result["interaction"].update(
                response_message_id=str(msg.id),
                response_message_loading=msg.loading,
                response_message_ephemeral=msg.ephemeral,
            )
            result["resource"] = {"type": ctype, "message": copy.deepcopy(msg.data)}
        return result

    async def respond(
        rec: InteractionRecord, ctype: int, data: dict[str, Any], call: Call
    ) -> StoredMessage | None:
        """Apply the effect of an accepted callback type."""
        if ctype in (CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE):
            if ctype == CHANNEL_MESSAGE:
                emu.record_allowed_mentions(call.record, data)
                check_message(data, call.files)
                payload = data
            else:  # the "<bot> is thinking..." placeholder
                payload = {"content": "", "flags": int(data.get("flags") or 0) & EPHEMERAL}
            # CHAT_INPUT_COMMAND (20) / CONTEXT_MENU_COMMAND (23) / DEFAULT for components.
            msg_type = 0
            if rec.type == APPLICATION_COMMAND:
                msg_type = 20 if rec.payload["data"].get("type", 1) == 1 else 23
            msg = store.create(
                channel_id=rec.channel_id,
                author=world.bot,
                payload=payload,
                message_type=msg_type,
                extra=metadata(rec),
                files=call.files,
                interaction_id=rec.id,
            )
            if ctype == DEFERRED_CHANNEL_MESSAGE:
                msg.data["flags"] |= LOADING
            rec.original_message_id = msg.id
            await emu.message_created(msg)
            return msg
        if ctype in (DEFERRED_UPDATE_MESSAGE, UPDATE_MESSAGE):
            source = store.get(rec.source_message_id or 0)
            if source is None:
                raise unknown("Message")
            rec.original_message_id = source.id
            if ctype == UPDATE_MESSAGE:
                emu.record_allowed_mentions(call.record, data)
                check_message(data, call.files, source.data)
                store.edit(source, data, call.files)
                await emu.message_updated(source)
                return source
            return None
        if ctype == AUTOCOMPLETE_RESULT:
            errors = validate_autocomplete(data)
            if errors:
                raise invalid_form({"data": errors})
        elif ctype == MODAL:
            errors = validate_modal(data)
            if errors:
                raise invalid_form({"data": errors})
        return None

    async def callback(call: Call) -> tuple[int, Any]:
        rec = emu.interaction(call.snowflake("interaction_id"))
        if rec is None or rec.token != call.params["token"]:
            raise unknown("interaction")
        body = call.body or {}
        ctype = body.get("type")
        data = body.get("data") or {}
        attempt = CallbackRecord(ctype, copy.deepcopy(data), emu.now() - rec.dispatched_at, 0)
        rec.attempts.append(attempt)
        try:
            if any(a.accepted for a in rec.attempts):
                raise ApiError(400, 40060, "Interaction has already been acknowledged.")
            if attempt.latency > emu.interaction_timeout:
                raise unknown("interaction")
            if ctype not in ALLOWED_CALLBACKS.get(rec.type, set()):
                raise invalid_form(
                    {
                        "type": error(
                            "BASE_TYPE_CHOICES", "Value must be one of a valid callback type."
                        )
                    }
                )
            msg = await respond(rec, ctype, data, call)
        except ApiError as exc:
            attempt.status, attempt.error_code = exc.status, exc.code
            raise
        attempt.status = 200
        return 200, answer(rec, ctype, msg)

    def webhook_interaction(call: Call) -> InteractionRecord:
        if call.snowflake("application_id") != world.application_id:
            raise unknown("Webhook")
        rec = emu.interaction_by_token(call.params["token"])
        if rec is None:
            raise unknown("Webhook")
        if time.time() - rec.created_wall > emu.token_ttl:
            raise ApiError(401, 50027, "Invalid Webhook Token")
        if not rec.acknowledged:
            raise unknown("Webhook")  # what Discord answers before the callback
        return rec

    def webhook_message(call: Call, rec: InteractionRecord) -> StoredMessage:
        raw = call.params["message_id"]
        if raw == "@original":
            msg = rec.original
        else:
            msg_id = call.snowflake("message_id")
            owned = msg_id == rec.original_message_id or msg_id in rec.followup_ids
            msg = store.get(msg_id) if owned else None
        if msg is None or msg.deleted:
            raise unknown("Message")
        return msg

    async def execute(call: Call) -> tuple[int, Any]:
        rec = webhook_interaction(call)
        payload = dict(call.body or {})
        emu.record_allowed_mentions(call.record, payload)
        check_message(payload, call.files)
        original = rec.original
        if (
            original is not None
            and original.loading
            and rec.response_type == DEFERRED_CHANNEL_MESSAGE
        ):
            # After a deferred response the first follow-up replaces the
            # "thinking" placeholder (it keeps the placeholder's ephemerality).
            store.edit(original, payload, call.files, clear_loading=True)
            rec.webhook_edits += 1
            await emu.message_updated(original)
            msg = original
        else:
            msg = store.create(
                channel_id=rec.channel_id,
                author=world.bot,
                payload=payload,
                extra=metadata(rec),
                files=call.files,
                interaction_id=rec.id,
            )
            rec.followup_ids.append(msg.id)
            await emu.message_created(msg)
        wait = call.query.get("wait", "false").lower() in ("1", "true")
        return (200, copy.deepcopy(msg.data)) if wait else (204, None)

    async def get_msg(call: Call) -> tuple[int, Any]:
        rec = webhook_interaction(call)
        return 200, copy.deepcopy(webhook_message(call, rec).data)

    async def edit_msg(call: Call) -> tuple[int, Any]:
        rec = webhook_interaction(call)
        msg = webhook_message(call, rec)
        payload = dict(call.body or {})
        emu.record_allowed_mentions(call.record, payload)
        check_message(payload, call.files, msg.data)
        store.edit(msg, payload, call.files, clear_loading=msg.loading)
        if msg.id == rec.original_message_id:
            rec.webhook_edits += 1
        await emu.message_updated(msg)
        return 200, copy.deepcopy(msg.data)

    async def delete_msg(call: Call) -> tuple[int, Any]:
        rec = webhook_interaction(call)
        await emu.message_deleted(webhook_message(call, rec))
        return 204, None

    router.add("POST", "/interactions/{interaction_id}/{token}/callback", callback, auth=False)
    router.add("POST", "/webhooks/{application_id}/{token}", execute, auth=False)
    hook_msg = "/webhooks/{application_id}/{token}/messages/{message_id}"
    router.add("GET", hook_msg, get_msg, auth=False)
    router.add("PATCH", hook_msg, edit_msg, auth=False)
    router.add("DELETE", hook_msg, delete_msg, auth=False)
