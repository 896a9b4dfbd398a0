"""Limits for application commands and non-message interaction callbacks.

Same error-tree conventions as :mod:`.validation`.
"""

from __future__ import annotations

import re
from typing import Any

from .validation import Errors, bad_len, check_len, error, max_len, required

# Chat-input names: Discord's regex is ^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$
_CHAT_NAME = re.compile(r"^[-_'\w]{1,32}$")


def _validate_option(opt: dict[str, Any], depth: int) -> Errors:
    errors: Errors = {}
    name = opt.get("name")
    if not isinstance(name, str) or not _CHAT_NAME.match(name) or name != name.lower():
        errors["name"] = error("APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
    check_len(errors, "description", opt.get("description") or "", 1, 100)
    choices = opt.get("choices") or []
    if len(choices) > 25:
        errors["choices"] = max_len(25)
    for i, choice in enumerate(choices):
        ce: Errors = {}
        check_len(ce, "name", choice.get("name"), 1, 100)
        if isinstance(choice.get("value"), str):
            check_len(ce, "value", choice["value"], 1, 100)
        if ce:
            errors.setdefault("choices", {})[str(i)] = ce
    if choices and opt.get("autocomplete"):
        errors["autocomplete"] = error(
            "APPLICATION_COMMAND_OPTION_CHOICES_AND_AUTOCOMPLETE",
            "Autocomplete cannot be set with choices",
        )
    if opt.get("type") in (1, 2):  # sub-command / group
        if depth >= 2:
            errors["type"] = error(
                "APPLICATION_COMMAND_OPTIONS_TOO_DEEP", "Options nested too deeply"
            )
        nested = _validate_options(opt.get("options") or [], depth + 1)
        if nested:
            errors["options"] = nested
    return errors


def _validate_options(options: list[dict[str, Any]], depth: int) -> Errors:
    if len(options) > 25:
        return max_len(25)
    errors: Errors = {}
    seen_optional = False
    for i, opt in enumerate(options):
        oe = _validate_option(opt, depth)
        if opt.get("required") and seen_optional:
            oe["required"] = error(
                "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                "Required options must be placed before non-required options",
            )
        seen_optional = seen_optional or not opt.get("required")
        if oe:
            errors[str(i)] = oe
    return errors


def _command_chars(cmd: dict[str, Any]) -> int:
    total = len(cmd.get("name") or "") + len(cmd.get("description") or "")
    for opt in cmd.get("options") or []:
        total += _command_chars(opt)
        for choice in opt.get("choices") or []:
            total += len(str(choice.get("name"))) + len(str(choice.get("value")))
    return total


def validate_command(cmd: dict[str, Any]) -> Errors:
    """One application command (chat input, user or message)."""
    errors: Errors = {}
    ctype = cmd.get("type", 1)
    name = cmd.get("name")
    if ctype == 1:
        if not isinstance(name, str) or not _CHAT_NAME.match(name) or name != name.lower():
            errors["name"] = error("APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
        check_len(errors, "description", cmd.get("description") or "", 1, 100)
        options = _validate_options(cmd.get("options") or [], 0)
        if options:
            errors["options"] = options
        if _command_chars(cmd) > 4000:
            errors["_errors"] = error(
                "APPLICATION_COMMAND_TOO_LARGE", "Command exceeds maximum size (4000)"
            )["_errors"]
    else:
        check_len(errors, "name", name, 1, 32)
        if cmd.get("description"):
            errors["description"] = error(
                "APPLICATION_COMMAND_DESCRIPTION_NOT_ALLOWED", "Description must be empty"
            )
    return errors


def validate_commands(commands: list[dict[str, Any]]) -> Errors:
    """A bulk overwrite: per-command limits, unique names, per-type counts."""
    errors: Errors = {}
    names: set[tuple[int, str]] = set()
    counts: dict[int, int] = {}
    for i, cmd in enumerate(commands):
        ce = validate_command(cmd)
        key = (cmd.get("type", 1), str(cmd.get("name")))
        if key in names:
            ce["name"] = error(
                "APPLICATION_COMMANDS_DUPLICATE_NAME", "Application command names must be unique"
            )
        names.add(key)
        counts[key[0]] = counts.get(key[0], 0) + 1
        if ce:
            errors[str(i)] = ce
    if counts.get(1, 0) > 100 or counts.get(2, 0) > 5 or counts.get(3, 0) > 5:
        errors["_errors"] = max_len(100)["_errors"]
    return errors


def validate_autocomplete(data: dict[str, Any]) -> Errors:
    """An autocomplete result (callback type 8)."""
    choices = data.get("choices")
    if choices is None:
        return {"choices": required()}
    if len(choices) > 25:
        return {"choices": max_len(25)}
    errors: Errors = {}
    for i, choice in enumerate(choices):
        ce: Errors = {}
        check_len(ce, "name", choice.get("name"), 1, 100)
        if isinstance(choice.get("value"), str):
            check_len(ce, "value", choice["value"], 1, 100)
        elif choice.get("value") is None:
            ce["value"] = required()
        if ce:
            errors.setdefault("choices", {})[str(i)] = ce
    return errors


def validate_modal(data: dict[str, Any]) -> Errors:
    """A modal (callback type 9): title, custom_id and 1-5 top-level components."""
    errors: Errors = {}
    check_len(errors, "title", data.get("title"), 1, 45)
    check_len(errors, "custom_id", data.get("custom_id"), 1, 100)
    if not 1 <= len(data.get("components") or []) <= 5:
        errors["components"] = bad_len(1, 5)
    return errors
