"""Scripted faults and per-route-group rate limits for the emulator."""

from __future__ import annotations

import fnmatch
import math
from collections.abc import Mapping
from typing import Any, Literal

import attrs

from pumpfun_async._repr import robust_repr

__all__ = ["BLOCK_PAGE", "CHALLENGE_PAGE", "THROTTLED_BODY", "Fault", "FaultRule", "RateLimit"]

FaultKind = Literal["status", "block", "challenge", "latency", "drop_before", "drop_after"]

THROTTLED_BODY = {"statusCode": 429, "message": "ThrottlerException: Too Many Requests"}

BLOCK_PAGE = (
    "<!DOCTYPE html><html><head><title>pump.fun</title></head><body>"
    "<p>pump.fun is not available in your region.</p>"
    '<img src="https://static.pump.fun/blocked.png" alt="blocked">'
    '<a href="https://static.pump.fun/blocked">Learn more</a></body></html>'
)
CHALLENGE_PAGE = (
    '<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>'
    '<meta http-equiv="refresh" content="390"></head><body>'
    '<div id="cf-chl-widget"></div>'
    '<script src="/cdn-cgi/challenge-platform/h/b/orchestrate/chl_page/v1?ray=8c1f"></script>'
    "</body></html>"
)


@robust_repr
@attrs.frozen
class Fault:
    """Something to do instead of (or before) answering normally.

    Build one with the class methods, or from text with :meth:`parse`
    (``"status:503"``, ``"block"``, ``"challenge"``, ``"latency:0.5"``, ``"drop_before"``,
    ``"drop_after"``).
    """

    kind: FaultKind
    status: int = 500
    body: Any = None
    headers: Mapping[str, str] = attrs.field(factory=dict)
    delay: float = 0.0

    @classmethod
    def http_status(
        cls, status: int, body: Any = None, headers: Mapping[str, str] | None = None
    ) -> Fault:
        """Answer with ``status`` and ``body`` (JSON; a NestJS error body by default)."""
        return cls("status", status=status, body=body, headers=dict(headers or {}))

    @classmethod
    def block_page(cls) -> Fault:
        """Answer 403 with pump.fun's HTML geo/IP block page."""
        return cls("block", status=403)

    @classmethod
    def challenge_page(cls, status: int = 403) -> Fault:
        """Answer with a Cloudflare "Just a moment..." challenge page."""
        return cls("challenge", status=status)

    @classmethod
    def latency(cls, seconds: float) -> Fault:
        """Wait ``seconds`` before answering normally."""
        return cls("latency", delay=seconds)

    @classmethod
    def drop_before(cls) -> Fault:
        """Drop the connection before the request is processed (it has no effect)."""
        return cls("drop_before")

    @classmethod
    def drop_after(cls) -> Fault:
        """Process the request, then drop the connection instead of answering."""
        return cls("drop_after")

    @classmethod
    def parse(cls, spec: str) -> Fault:
        """Read a fault from text such as ``"status:503"`` or ``"latency:0.25"``."""
        kind, _, arg = spec.strip().partition(":")
        try:
            if kind == "status":
                return cls.http_status(int(arg))
            if kind == "latency":
                seconds = float(arg)
                if not math.isfinite(seconds) or seconds < 0:
                    raise ValueError(arg)
                return cls.latency(seconds)
            if kind == "challenge":
                return cls.challenge_page(int(arg) if arg else 403)
            if not arg and kind == "block":
                return cls.block_page()
            if not arg and kind == "drop_before":
                return cls.drop_before()
            if not arg and kind == "drop_after":
                return cls.drop_after()
        except ValueError:
            pass
        raise ValueError(
            f"unknown fault {spec!r}: use status:CODE, block, challenge[:CODE], "
            "latency:SECONDS, drop_before or drop_after"
        )


@attrs.define
class FaultRule:
    """A fault for the next ``remaining`` requests that match ``route``.

    ``route`` is an endpoint name (``"create_reply"``), ``"*"`` for every request, or
    ``"METHOD /path"`` with shell-style wildcards (``"POST /likes/*"``).
    """

    route: str
    fault: Fault
    remaining: int

    def matches(self, endpoint: str | None, method: str, path: str) -> bool:
        """Whether this rule applies to a request."""
        if self.route in ("*", endpoint):
            return True
        want_method, _, want_path = self.route.partition(" ")
        return bool(want_path) and (
            want_method in ("*", method) and fnmatch.fnmatchcase(path, want_path)
        )


@robust_repr
@attrs.define
class RateLimit:
    """At most ``limit`` requests per ``window`` seconds for one route group and client.

    Over the limit the emulator answers 429 with the NestJS throttler body, with a
    ``Retry-After`` header (whole seconds until the window ends) when ``retry_after``.
    """

    limit: int
    window: float = 1.0
    retry_after: bool = True
    _counts: dict[str, tuple[float, int]] = attrs.field(factory=dict, repr=False)

    def hit(self, key: str, now: float) -> float | None:
        """Count a request; return ``None`` if allowed, else seconds until it would be."""
        start, count = self._counts.get(key, (now, 0))
        if now - start >= self.window:
            start, count = now, 0
        if count >= self.limit:
            return max(0.0, start + self.window - now)
        self._counts[key] = (start, count + 1)
        return None

    @classmethod
    def parse(cls, spec: str) -> RateLimit:
        """Read ``"N/SECONDS"`` (``"5/1"``: five a second) or ``"N"`` (per second)."""
        count, _, window = spec.strip().partition("/")
        try:
            limit, seconds = int(count), float(window) if window else 1.0
        except ValueError:
            raise ValueError(f"rate limit {spec!r} is not N/SECONDS") from None
        if limit < 0 or not math.isfinite(seconds) or seconds <= 0:
            raise ValueError(f"rate limit {spec!r} is not N/SECONDS")
        return cls(limit, seconds)
