"""What the emulator records for tests to inspect, and a waiting primitive."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .messages import StoredMessage
    from .model import User

# Interaction types (Discord docs: "Interaction Type").
PING = 1
APPLICATION_COMMAND = 2
MESSAGE_COMPONENT = 3
AUTOCOMPLETE = 4
MODAL_SUBMIT = 5

# Interaction callback types.
PONG = 1
CHANNEL_MESSAGE = 4
DEFERRED_CHANNEL_MESSAGE = 5
DEFERRED_UPDATE_MESSAGE = 6
UPDATE_MESSAGE = 7
AUTOCOMPLETE_RESULT = 8
MODAL = 9


class Waiters:
    """Futures resolved when a predicate over emulator state becomes truthy.

    Everything that changes emulator state calls :meth:`notify`, which
    re-evaluates predicates at once; a short poll also catches predicates
    over state the emulator does not own (e.g. the bot's).
    """

    POLL_INTERVAL = 0.02

    def __init__(self) -> None:
        self._pending: list[tuple[Callable[[], Any], asyncio.Future[Any]]] = []

    def notify(self) -> None:
        """Re-check all pending predicates."""
        for entry in list(self._pending):
            predicate, future = entry
            if future.done():
                self._pending.remove(entry)
                continue
            try:
                value = predicate()
            except Exception as exc:  # surface predicate bugs in the test
                future.set_exception(exc)
                self._pending.remove(entry)
                continue
            if value:
                future.set_result(value)
                self._pending.remove(entry)

    async def wait_for(
        self, predicate: Callable[[], Any], timeout: float = 5.0, what: str = "condition"
    ) -> Any:
        """Wait until ``predicate()`` is truthy and return its value."""
        value = predicate()
        if value:
            return value
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        entry = (predicate, future)
        self._pending.append(entry)
        deadline = loop.time() + timeout
        try:
            while True:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
                try:
                    # Also re-check now and then: predicates may read the bot's own state.
                    return await asyncio.wait_for(
                        asyncio.shield(future), min(remaining, self.POLL_INTERVAL)
                    )
                except TimeoutError:
                    value = predicate()
                    if value:
                        return value
        finally:
            if entry in self._pending:
                self._pending.remove(entry)
            if not future.done():
                future.cancel()


@dataclass
class RequestRecord:
    """One HTTP request received by the emulator."""

    method: str
    path: str  # without the /api/v10 prefix
    query: dict[str, str]
    json: Any
    host: str
    at: float  # event-loop time
    route: str | None = None  # matched template, e.g. "/channels/{channel_id}/messages"
    status: int = 0
    response: Any = None
    fault: str | None = None  # "429", "500", ... when injected

    @property
    def key(self) -> str:
        """``"METHOD /path"`` - handy for asserts and route patterns."""
        return f"{self.method} {self.path}"


@dataclass
class ValidationFailure:
    """A payload rejected because it breaks one of Discord's limits."""

    method: str
    path: str
    payload: Any
    errors: dict[str, Any]
    code: int


@dataclass
class GatewayEvent:
    """A notable gateway happening (connect, identify, resume, close...)."""

    kind: str
    at: float
    session_id: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class CallbackRecord:
    """One ``POST /interactions/{id}/{token}/callback`` attempt."""

    type: int
    data: dict[str, Any] | None
    latency: float  # seconds between INTERACTION_CREATE dispatch and the callback
    status: int
    error_code: int | None = None

    @property
    def accepted(self) -> bool:
        """Whether the emulator acknowledged the interaction with it."""
        return self.status == 200


@dataclass
class InteractionRecord:
    """An interaction the emulator dispatched, and everything done with it."""

    id: int
    token: str
    type: int
    payload: dict[str, Any]
    user: User
    channel_id: int
    guild_id: int | None
    dispatched_at: float  # event-loop time
    created_wall: float  # time.time(), for the 15-minute token lifetime
    waiters: Waiters
    lookup: Callable[[int], StoredMessage | None]
    source_message_id: int | None = None  # component / modal source message
    attempts: list[CallbackRecord] = field(default_factory=list)
    original_message_id: int | None = None
    followup_ids: list[int] = field(default_factory=list)
    # Edits made through the webhook token after the callback (@original or id).
    webhook_edits: int = 0

    @property
    def callback(self) -> CallbackRecord | None:
        """The accepted callback, if any."""
        return next((a for a in self.attempts if a.accepted), None)

    @property
    def acknowledged(self) -> bool:
        """Whether a callback was accepted."""
        return self.callback is not None

    @property
    def response_type(self) -> int | None:
        """Type of the accepted callback."""
        cb = self.callback
        return cb.type if cb else None

    @property
    def latency(self) -> float | None:
        """Seconds from dispatch to the accepted callback."""
        cb = self.callback
        return cb.latency if cb else None

    @property
    def original(self) -> StoredMessage | None:
        """The message ``@original`` refers to (may still be loading)."""
        if self.original_message_id is None:
            return None
        return self.lookup(self.original_message_id)

    @property
    def followups(self) -> list[StoredMessage]:
        """Messages created with ``POST /webhooks/{app}/{token}``."""
        found = (self.lookup(i) for i in self.followup_ids)
        return [m for m in found if m is not None]

    @property
    def choices(self) -> list[dict[str, Any]] | None:
        """Autocomplete choices returned by the bot."""
        cb = self.callback
        if cb is None or cb.type != AUTOCOMPLETE_RESULT or cb.data is None:
            return None
        return list(cb.data.get("choices", []))

    @property
    def modal(self) -> dict[str, Any] | None:
        """Modal the bot opened in response, if any."""
        cb = self.callback
        return cb.data if cb is not None and cb.type == MODAL else None

    def final_message(self) -> StoredMessage | None:
        """The visible answer, once it is no longer a placeholder."""
        cb = self.callback
        msg = self.original
        if cb is None or msg is None:
            return None
        if msg.loading:
            return None
        if cb.type == DEFERRED_UPDATE_MESSAGE and self.webhook_edits == 0:
            return None  # the source message has not been edited yet
        return msg

    async def wait_for_response(self, timeout: float = 3.0) -> CallbackRecord:
        """Wait for the interaction callback (any accepted type)."""
        return await self.waiters.wait_for(
            lambda: self.callback, timeout, f"a callback to interaction {self.id}"
        )

    async def wait_for_message(self, timeout: float = 5.0) -> StoredMessage:
        """Wait until the original response is a real (non-loading) message."""
        return await self.waiters.wait_for(
            self.final_message, timeout, f"the response message of interaction {self.id}"
        )

    async def wait_for_followups(self, count: int = 1, timeout: float = 5.0) -> list[StoredMessage]:
        """Wait until at least ``count`` follow-up messages were created."""
        return await self.waiters.wait_for(
            lambda: self.followups if len(self.followups) >= count else None,
            timeout,
            f"{count} follow-up(s) to interaction {self.id}",
        )
