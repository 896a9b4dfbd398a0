"""REST plumbing: routing, auth, body parsing, fault injection, recording, errors."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
import traceback
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .faults import FaultRule
from .messages import UploadedFile
from .records import RequestRecord, ValidationFailure
from .validation import Errors, is_empty_message, validate_message

if TYPE_CHECKING:
    from .emulator import DiscordEmulator

log = logging.getLogger(__name__)

API_PREFIX = re.compile(r"^/api/v(\d+)(/.*)$")
REST_HOSTS = ("discord.com", "127.0.0.1", "localhost")
MAX_FILES, MAX_UPLOAD_BYTES = 10, 10 * 1024 * 1024


class ApiError(Exception):
    """An error answered the way Discord does (``{"code", "message"[, "errors"]}``)."""

    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        errors: Errors | None = None,
        *,
        validation: bool = False,
    ) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status, self.code, self.message = status, code, message
        self.errors = errors
        self.validation = validation  # recorded as a limit violation when True

    def body(self) -> dict[str, Any]:
        """The JSON error body."""
        body: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors is not None:
            body["errors"] = self.errors
        return body


def invalid_form(errors: Errors) -> ApiError:
    """400 / 50035 "Invalid Form Body" with Discord's nested error tree."""
    return ApiError(400, 50035, "Invalid Form Body", errors, validation=True)


def unknown(what: str) -> ApiError:
    """404 for a missing resource, with Discord's error code."""
    codes = {
        "Application": 10002,
        "Channel": 10003,
        "Guild": 10004,
        "Member": 10007,
        "Message": 10008,
        "User": 10013,
        "Webhook": 10015,
        "interaction": 10062,
        "application command": 10063,
    }
    return ApiError(404, codes[what], f"Unknown {what}")


@dataclass
class Call:
    """A parsed REST request handed to a route handler."""

    request: web.Request
    record: RequestRecord
    params: dict[str, str]
    body: Any
    files: list[UploadedFile] = field(default_factory=list)

    @property
    def query(self) -> Mapping[str, str]:
        """Query string parameters."""
        return self.request.query

    def snowflake(self, name: str) -> int:
        """A path parameter as an id (400 if it is not a snowflake)."""
        raw = self.params[name]
        if not raw.isdigit():
            raise invalid_form(
                {
                    name: {
                        "_errors": [
                            {
                                "code": "NUMBER_TYPE_COERCE",
                                "message": f'Value "{raw}" is not snowflake.',
                            }
                        ]
                    }
                }
            )
        return int(raw)


Handler = Callable[[Call], Awaitable[tuple[int, Any]]]


@dataclass
class Route:
    """One REST route."""

    method: str
    template: str
    regex: re.Pattern[str]
    handler: Handler
    auth: bool


class Router:
    """Maps ``(method, path)`` to handlers using ``{param}`` templates."""

    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(self, method: str, template: str, handler: Handler, *, auth: bool = True) -> None:
        """Register a route; ``auth=False`` for token-in-URL routes (interactions, webhooks)."""
        pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
        self.routes.append(Route(method, template, re.compile(f"^{pattern}$"), handler, auth))

    def match(self, method: str, path: str) -> tuple[Route | None, dict[str, str], bool]:
        """The route, its params, and whether the path exists under another method."""
        other_method = False
        for route in self.routes:
            m = route.regex.match(path)
            if m is None:
                continue
            if route.method == method:
                return route, m.groupdict(), False
            other_method = True
        return None, {}, other_method


def json_response(status: int, body: Any, headers: Mapping[str, str] | None = None) -> web.Response:
    """A response whose Content-Type is exactly ``application/json``.

    discord.py only decodes JSON when the header equals that string, so
    aiohttp's ``json_response`` (which appends ``; charset=utf-8``) can't be used.
    """
    if body is None:
        return web.Response(status=status, headers=dict(headers or {}))
    raw = json.dumps(body, separators=(",", ":")).encode()
    return web.Response(
        status=status, body=raw, headers={**(headers or {}), "Content-Type": "application/json"}
    )


def fault_response(rule: FaultRule) -> web.Response:
    """The response for an injected fault."""
    if rule.kind == "rate_limit":
        retry = rule.retry_after
        body = {
            "message": "You are being rate limited.",
            "retry_after": retry,
            "global": rule.is_global,
        }
        headers = {
            "Retry-After": f"{retry:g}",
            # Without Via discord.py assumes a Cloudflare ban and gives up.
            "Via": "1.1 google",
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": f"{time.time() + retry:.3f}",
            "X-RateLimit-Reset-After": f"{retry:.3f}",
            "X-RateLimit-Bucket": "emulator-injected",
            "X-RateLimit-Scope": "global" if rule.is_global else "user",
        }
        if rule.is_global:
            headers["X-RateLimit-Global"] = "true"
        return json_response(429, body, headers)
    if rule.status == 500:
        return json_response(500, {"message": "500: Internal Server Error", "code": 0})
    # 502/503/504 come from Cloudflare as HTML pages, not JSON.
    html = f"<html><body><h1>{rule.status} Server Error</h1></body></html>"
    return web.Response(status=rule.status, text=html, content_type="text/html")


def check_message(
    payload: dict[str, Any], files: list[UploadedFile], current: dict[str, Any] | None = None
) -> None:
    """Validate a create (``current`` None) or edit payload; raise :class:`ApiError`."""
    errors = validate_message(payload)
    if errors:
        raise invalid_form(errors)
    if len(files) > MAX_FILES:
        raise invalid_form(
            {
                "files": {
                    "_errors": [
                        {
                            "code": "BASE_TYPE_MAX_LENGTH",
                            "message": "Must be 10 or fewer in length.",
                        }
                    ]
                }
            }
        )
    if sum(len(f.data) for f in files) > MAX_UPLOAD_BYTES:
        raise ApiError(413, 40005, "Request entity too large", validation=True)
    state = dict(current or {})
    for key in ("content", "embeds", "components", "attachments", "poll", "sticker_ids"):
        if key in payload:
            state[key] = payload[key]
    if files:
        state["attachments"] = [f.filename for f in files]
    if is_empty_message(state):
        raise ApiError(400, 50006, "Cannot send an empty message", validation=True)


class RestFront:
    """The HTTP side of the emulator."""

    def __init__(self, emu: DiscordEmulator) -> None:
        self.emu = emu
        self.router = Router()

    async def _parse_body(self, request: web.Request) -> tuple[Any, list[UploadedFile]]:
        if request.content_type == "multipart/form-data":
            payload: Any = None
            files: list[UploadedFile] = []
            reader = await request.multipart()
            async for part in reader:
                if part.name == "payload_json":
                    payload = json.loads(await part.text())
                else:
                    data = bytes(await part.read())
                    files.append(
                        UploadedFile(
                            part.name or "",
                            part.filename or "file",
                            part.headers.get("Content-Type"),
                            data,
                        )
                    )
            return payload, files
        raw = await request.read()
        if not raw:
            return None, []
        try:
            return json.loads(raw), []
        except ValueError:
            raise ApiError(400, 50109, "The request body contains invalid JSON.") from None

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Answer one REST request and record it."""
        emu = self.emu
        host = (request.host or "").split(":")[0]
        m = API_PREFIX.match(request.path)
        path = m.group(2) if m else request.path
        record = RequestRecord(request.method, path, dict(request.query), None, host, emu.now())
        emu.requests.append(record)
        response = await self._answer(request, record, m is not None and host in REST_HOSTS)
        record.status = response.status
        log.debug("%s %s -> %s", request.method, path, response.status)
        emu.waiters.notify()
        return response

    async def _answer(
        self, request: web.Request, record: RequestRecord, is_api: bool
    ) -> web.Response:
        emu = self.emu
        try:
            body, files = await self._parse_body(request)
            record.json = body
            route, params, other = (
                self.router.match(request.method, record.path) if is_api else (None, {}, False)
            )
            record.route = route.template if route is not None else None
            delay, fault = emu.faults.take(request.method, record.path)
            if delay:
                await asyncio.sleep(delay)
            if fault is not None:
                record.fault = "429" if fault.kind == "rate_limit" else str(fault.status)
                return fault_response(fault)
            if route is None:
                emu.unknown_routes.append(record)
                if other:
                    raise ApiError(405, 0, "405: Method Not Allowed")
                raise ApiError(404, 0, "404: Not Found")
            if route.auth and request.headers.get("Authorization") != f"Bot {emu.bot_token}":
                raise ApiError(401, 0, "401: Unauthorized")
            status, result = await route.handler(Call(request, record, params, body, files))
            record.response = result
            return json_response(status, result)
        except ApiError as exc:
            if exc.validation:
                emu.validation_failures.append(
                    ValidationFailure(
                        request.method, record.path, record.json, exc.errors or {}, exc.code
                    )
                )
            record.response = exc.body()
            return json_response(exc.status, exc.body())
        except Exception as exc:
            # An emulator bug: answer 400 (discord.py retries 5xx for ~25 s) and keep the trace.
            emu.internal_errors.append(traceback.format_exc())
            log.exception("emulator error on %s %s", request.method, record.path)
            body = {"message": f"emulator internal error: {exc!r}", "code": -1}
            record.response = body
            return json_response(400, body)
