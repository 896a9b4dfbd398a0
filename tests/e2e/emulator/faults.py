"""Fault injection: rate limits, server errors and slow responses."""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass
class FaultRule:
    """One injected fault, applied to the next ``remaining`` matching requests.

    ``pattern`` is a regular expression searched in ``"METHOD /path"`` (path
    without the ``/api/v10`` prefix); ``None`` matches every REST request.
    ``remaining=None`` means "until cleared".
    """

    kind: str  # "rate_limit" | "status" | "delay"
    pattern: re.Pattern[str] | None
    remaining: int | None
    status: int = 0
    retry_after: float = 0.0
    is_global: bool = False
    delay: float = 0.0
    hits: list[str] = field(default_factory=list)

    def matches(self, key: str) -> bool:
        """Whether this rule applies to the request ``key``."""
        if self.remaining is not None and self.remaining <= 0:
            return False
        return self.pattern is None or self.pattern.search(key) is not None

    def consume(self, key: str) -> None:
        """Count one application of the rule."""
        self.hits.append(key)
        if self.remaining is not None:
            self.remaining -= 1


class Faults:
    """The active fault rules of an emulator."""

    def __init__(self) -> None:
        self.rules: list[FaultRule] = []

    def _add(self, rule: FaultRule) -> FaultRule:
        self.rules.append(rule)
        return rule

    @staticmethod
    def _compile(route: str | None) -> re.Pattern[str] | None:
        return re.compile(route) if route is not None else None

    def rate_limit(
        self,
        count: int = 1,
        *,
        route: str | None = None,
        retry_after: float = 0.05,
        is_global: bool = False,
    ) -> FaultRule:
        """Answer the next ``count`` matching requests with 429."""
        return self._add(
            FaultRule("rate_limit", self._compile(route), count, 429, retry_after, is_global)
        )

    def server_error(
        self, count: int = 1, *, status: int = 500, route: str | None = None
    ) -> FaultRule:
        """Answer the next ``count`` matching requests with a 5xx status."""
        return self._add(FaultRule("status", self._compile(route), count, status))

    def delay(
        self, seconds: float, *, route: str | None = None, count: int | None = None
    ) -> FaultRule:
        """Delay matching responses by ``seconds`` (for ``count`` requests, or until cleared)."""
        return self._add(FaultRule("delay", self._compile(route), count, delay=seconds))

    def clear(self) -> None:
        """Remove all rules."""
        self.rules.clear()

    def take(self, method: str, path: str) -> tuple[float, FaultRule | None]:
        """Total delay and the error rule (if any) for this request, consuming them."""
        key = f"{method} {path}"
        delay = 0.0
        failure: FaultRule | None = None
        for rule in self.rules:
            if not rule.matches(key):
                continue
            if rule.kind == "delay":
                delay += rule.delay
                rule.consume(key)
            elif failure is None:
                failure = rule
                rule.consume(key)
        return delay, failure
