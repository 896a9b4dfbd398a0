"""Checks payloads against Discord's documented limits.

Each validator returns Discord's nested "Invalid Form Body" error tree
(``{"field": {"_errors": [{"code": ..., "message": ...}]}}``); an empty dict
means the payload is valid.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

Errors = dict[str, Any]

COMPONENTS_V2_FLAG = 1 << 15
BUTTON, ACTION_ROW, TEXT_INPUT = 2, 1, 4
SELECT_TYPES = {3, 5, 6, 7, 8}
LINK_STYLE, PREMIUM_STYLE = 5, 6


def error(code: str, message: str) -> Errors:
    """A leaf error node."""
    return {"_errors": [{"code": code, "message": message}]}


def max_len(limit: int) -> Errors:
    """Error for a string or array longer than ``limit``."""
    return error("BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")


def bad_len(low: int, high: int) -> Errors:
    """Error for a length outside ``[low, high]``."""
    return error("BASE_TYPE_BAD_LENGTH", f"Must be between {low} and {high} in length.")


def required() -> Errors:
    """A missing required field."""
    return error("BASE_TYPE_REQUIRED", "This field is required")


def check_len(errors: Errors, key: str, value: Any, low: int, high: int) -> None:
    """Record a length error for a string field if present and out of range."""
    if value is None:
        return
    if not isinstance(value, str):
        errors[key] = error("BASE_TYPE_STRING", "Could not interpret value as string.")
    elif not low <= len(value) <= high:
        errors[key] = max_len(high) if low == 0 else bad_len(low, high)


def _check_url(errors: Errors, key: str, url: Any, schemes: tuple[str, ...]) -> None:
    if url is None:
        return
    scheme = urlparse(str(url)).scheme
    if scheme not in schemes:
        errors[key] = error(
            "URL_TYPE_INVALID_SCHEME",
            f'Scheme "{scheme}" is not supported. Scheme must be one of {schemes}.',
        )


def embed_text_length(embed: dict[str, Any]) -> int:
    """Characters that count towards the 6000 total (Discord docs, "Embed Limits")."""
    total = len(embed.get("title") or "") + len(embed.get("description") or "")
    for f in embed.get("fields") or []:
        total += len(f.get("name") or "") + len(f.get("value") or "")
    total += len((embed.get("footer") or {}).get("text") or "")
    total += len((embed.get("author") or {}).get("name") or "")
    return total


def validate_embed(embed: dict[str, Any]) -> Errors:
    """Per-embed limits."""
    errors: Errors = {}
    check_len(errors, "title", embed.get("title"), 0, 256)
    check_len(errors, "description", embed.get("description"), 0, 4096)
    _check_url(errors, "url", embed.get("url"), ("http", "https"))
    color = embed.get("color")
    if color is not None and not (isinstance(color, int) and 0 <= color <= 0xFFFFFF):
        errors["color"] = error("NUMBER_TYPE_MAX", "int value should be <= 16777215.")
    fields = embed.get("fields") or []
    if len(fields) > 25:
        errors["fields"] = max_len(25)
    else:
        field_errors: Errors = {}
        for i, f in enumerate(fields):
            fe: Errors = {}
            for key, limit in (("name", 256), ("value", 1024)):
                if not f.get(key):
                    fe[key] = required()
                else:
                    check_len(fe, key, f.get(key), 1, limit)
            if fe:
                field_errors[str(i)] = fe
        if field_errors:
            errors["fields"] = field_errors
    for part, key, limit in (("footer", "text", 2048), ("author", "name", 256)):
        sub = embed.get(part)
        if sub is not None:
            se: Errors = {}
            if not sub.get(key):
                se[key] = required()
            else:
                check_len(se, key, sub.get(key), 1, limit)
            if se:
                errors[part] = se
    for part in ("image", "thumbnail"):
        sub = embed.get(part)
        if sub is not None:
            se = {}
            _check_url(se, "url", sub.get("url"), ("http", "https", "attachment"))
            if se:
                errors[part] = se
    return errors


def validate_embeds(embeds: list[dict[str, Any]]) -> Errors:
    """Limits for a message's embeds, including the 6000-character total."""
    if len(embeds) > 10:
        return max_len(10)
    errors: Errors = {}
    for i, embed in enumerate(embeds):
        e = validate_embed(embed)
        if e:
            errors[str(i)] = e
    if not errors and sum(embed_text_length(e) for e in embeds) > 6000:
        return error("MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000")
    return errors


def _validate_interactive(comp: dict[str, Any], seen: set[str]) -> Errors:
    """Checks for a button or select menu (custom_id, labels, options)."""
    errors: Errors = {}
    ctype = comp.get("type")
    custom_id = comp.get("custom_id")
    if ctype == BUTTON:
        style = comp.get("style")
        if style not in (1, 2, 3, 4, 5, 6):
            errors["style"] = error("BASE_TYPE_CHOICES", "Value must be one of {1, 2, 3, 4, 5, 6}.")
        check_len(errors, "label", comp.get("label"), 0, 80)
        if style == LINK_STYLE:
            if not comp.get("url"):
                errors["url"] = error("BUTTON_COMPONENT_URL_REQUIRED", "A url is required")
            else:
                _check_url(errors, "url", comp["url"], ("http", "https", "discord"))
            if custom_id is not None:
                errors["custom_id"] = error(
                    "BUTTON_COMPONENT_NOT_ALLOWED_CUSTOM_ID",
                    "A custom id is not allowed for link buttons",
                )
            return errors
        if style == PREMIUM_STYLE:
            return errors
        if custom_id is None:
            errors["custom_id"] = error(
                "BUTTON_COMPONENT_CUSTOM_ID_REQUIRED", "A custom id is required"
            )
            return errors
    elif ctype in SELECT_TYPES:
        check_len(errors, "placeholder", comp.get("placeholder"), 0, 150)
        if ctype == 3:
            options = comp.get("options") or []
            if not 1 <= len(options) <= 25:
                errors["options"] = bad_len(1, 25)
            for i, opt in enumerate(options):
                oe: Errors = {}
                check_len(oe, "label", opt.get("label"), 1, 100)
                check_len(oe, "value", opt.get("value"), 1, 100)
                check_len(oe, "description", opt.get("description"), 0, 100)
                if oe:
                    errors.setdefault("options", {})[str(i)] = oe
        for key, low in (("min_values", 0), ("max_values", 1)):
            value = comp.get(key)
            if value is not None and not low <= value <= 25:
                errors[key] = error("NUMBER_TYPE_MAX", f"{key} must be between {low} and 25.")
    if custom_id is not None:
        check_len(errors, "custom_id", custom_id, 1, 100)
        if custom_id in seen:
            errors["custom_id"] = error(
                "COMPONENT_CUSTOM_ID_DUPLICATED", "Component custom id cannot be duplicated"
            )
        seen.add(custom_id)
    return errors


def _validate_v2(components: list[dict[str, Any]], seen: set[str]) -> Errors:
    """Loose checks for Components V2 layouts (custom ids are still unique)."""
    errors: Errors = {}
    for i, comp in enumerate(components):
        ce: Errors = {}
        if comp.get("type") in SELECT_TYPES or comp.get("type") == BUTTON:
            ce = _validate_interactive(comp, seen)
        children = list(comp.get("components") or [])
        for key in ("accessory", "component"):
            if isinstance(comp.get(key), dict):
                children.append(comp[key])
        if children:
            nested = _validate_v2(children, seen)
            if nested:
                ce["components"] = nested
        if ce:
            errors[str(i)] = ce
    return errors


def validate_components(components: list[dict[str, Any]], flags: int = 0) -> Errors:
    """Action-row rules (or Components V2 when the flag is set)."""
    seen: set[str] = set()
    if flags & COMPONENTS_V2_FLAG:
        return _validate_v2(components, seen)
    if len(components) > 5:
        return max_len(5)
    errors: Errors = {}
    for i, row in enumerate(components):
        re_: Errors = {}
        if row.get("type") != ACTION_ROW:
            errors[str(i)] = error(
                "UNION_TYPE_CHOICES", "Top-level components must be action rows (type 1)."
            )
            continue
        children = row.get("components") or []
        has_select = any(c.get("type") in SELECT_TYPES for c in children)
        if not 1 <= len(children) <= 5:
            re_["components"] = bad_len(1, 5)
        elif has_select and len(children) > 1:
            re_["components"] = error(
                "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                "The specified component exceeds the maximum width",
            )
        else:
            child_errors: Errors = {}
            for j, comp in enumerate(children):
                ce = _validate_interactive(comp, seen)
                if ce:
                    child_errors[str(j)] = ce
            if child_errors:
                re_["components"] = child_errors
        if re_:
            errors[str(i)] = re_
    return errors


def validate_allowed_mentions(am: Any) -> Errors:
    """``allowed_mentions`` shape rules."""
    if am is None:
        return {}
    errors: Errors = {}
    parse = am.get("parse") or []
    for value in parse:
        if value not in ("roles", "users", "everyone"):
            errors["parse"] = error(
                "BASE_TYPE_CHOICES", "Value must be one of roles, users, everyone."
            )
    for kind in ("users", "roles"):
        if kind in parse and am.get(kind):
            errors[kind] = error(
                "SET_TYPE_ALREADY_CONTAINS_VALUE",
                f"parse:{kind} and {kind}: [ids...] are mutually exclusive.",
            )
        if len(am.get(kind) or []) > 100:
            errors[kind] = max_len(100)
    return errors


def validate_message(payload: dict[str, Any]) -> Errors:
    """Field limits of a create/edit message payload (emptiness is checked separately)."""
    errors: Errors = {}
    flags = payload.get("flags") or 0
    check_len(errors, "content", payload.get("content"), 0, 2000)
    if payload.get("embeds"):
        e = validate_embeds(payload["embeds"])
        if e:
            errors["embeds"] = e
    if payload.get("components"):
        c = validate_components(payload["components"], flags)
        if c:
            errors["components"] = c
    if flags & COMPONENTS_V2_FLAG and (payload.get("content") or payload.get("embeds")):
        errors["content"] = error(
            "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
            "The 'content' and 'embeds' fields cannot be used when using MessageFlags.IS_COMPONENTS_V2",
        )
    am = validate_allowed_mentions(payload.get("allowed_mentions"))
    if am:
        errors["allowed_mentions"] = am
    return errors


def is_empty_message(state: dict[str, Any]) -> bool:
    """Discord refuses messages without content, embeds, components, files, stickers or poll."""
    return not any(
        state.get(k)
        for k in ("content", "embeds", "components", "attachments", "sticker_ids", "poll")
    )
