"""Scripted faults and per-route-group rate limits for the emulator."""

from __future__ import annotations

import fnmatch
import math
from collections.abc import Mapping
from typing import Any, Literal

import attrs
import orjson

from pumpfun_async._repr import robust_repr

__all__ = [
    "BLOCK_PAGE",
    "CHALLENGE_PAGE",
    "MAX_LATENCY",
    "MAX_STATUS",
    "MAX_WINDOW",
    "MIN_STATUS",
    "THROTTLED_BODY",
    "Fault",
    "FaultRule",
    "RateLimit",
]

FaultKind = Literal["status", "block", "challenge", "latency", "drop_before", "drop_after"]
_KINDS = ("status", "block", "challenge", "latency", "drop_before", "drop_after")

MIN_STATUS, MAX_STATUS = 100, 599
"""The HTTP statuses a fault may answer with (a three-digit status line)."""

MAX_LATENCY = 3600.0
"""The longest latency fault, in seconds: an hour outlasts any client timeout worth testing."""

MAX_WINDOW = 7 * 24 * 3600.0
"""The longest rate-limit window, in seconds (a week)."""

# A header name or value with one of these would split the response or be refused mid-send.
_HEADER_FORBIDDEN = frozenset("\r\n\x00")

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


def _check_kind(_: Any, __: Any, kind: Any) -> None:
    if kind not in _KINDS:
        raise ValueError(f"fault kind must be one of {', '.join(_KINDS)}, not {kind!r}")


def check_status(status: Any) -> int:
    """An HTTP status a fault can answer with: an int from 100 to 599.

    Raises:
        ValueError: Anything else (a bool, a float, ``99999``), which would make the
            emulator write an invalid status line.
    """
    if isinstance(status, bool) or not isinstance(status, int):
        raise ValueError(f"status must be an integer, not {type(status).__name__}")
    if not MIN_STATUS <= status <= MAX_STATUS:
        raise ValueError(f"status must be from {MIN_STATUS} to {MAX_STATUS}, not {status}")
    return status


def check_seconds(seconds: Any, name: str, *, high: float, zero: bool) -> float:
    """A finite number of seconds up to ``high`` (zero allowed when ``zero``).

    Raises:
        ValueError: A bool, a non-number, NaN, an infinity, or a value out of range.
    """
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        raise ValueError(f"{name} must be a number of seconds, not {type(seconds).__name__}")
    low_ok = seconds >= 0 if zero else seconds > 0
    if not (math.isfinite(seconds) and low_ok and seconds <= high):
        low = "0" if zero else "more than 0"
        raise ValueError(f"{name} must be from {low} to {high:g} seconds, not {seconds!r}")
    return float(seconds)


def _check_status(_: Any, __: Any, status: Any) -> None:
    check_status(status)


def _check_delay(_: Any, __: Any, delay: Any) -> None:
    check_seconds(delay, "latency", high=MAX_LATENCY, zero=True)


def _check_body(_: Any, __: Any, body: Any) -> None:
    try:
        orjson.dumps(body)
    except orjson.JSONEncodeError as exc:
        raise ValueError(f"a fault's body must be JSON-serialisable: {exc}") from None


def _check_headers(_: Any, __: Any, headers: Any) -> None:
    if not isinstance(headers, Mapping):
        raise ValueError(f"headers must be a mapping, not {type(headers).__name__}")
    for name, value in headers.items():
        if not (isinstance(name, str) and name and isinstance(value, str)):
            raise ValueError("header names and values must be strings (names not empty)")
        if _HEADER_FORBIDDEN.intersection(name + value) or not _encodable(name + value):
            raise ValueError(f"header {name!r} contains a line break, NUL or lone surrogate")


def _encodable(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


@robust_repr
@attrs.frozen
class Fault:
    """Something to do instead of (or before) answering normally.

    Build one with the class methods, or from text with :meth:`parse`
    (``"status:503"``, ``"block"``, ``"challenge"``, ``"latency:0.5"``, ``"drop_before"``,
    ``"drop_after"``). Every field is checked when the fault is made, so a bad one fails
    where it is written rather than as a broken answer later.

    Attributes:
        kind: What to do.
        status: The HTTP status to answer with, from 100 to 599 (a 1xx leaves the client
            waiting for a final answer that never comes).
        body: The JSON body of a ``status`` fault (a NestJS error body when ``None``).
        headers: Extra response headers of a ``status`` fault.
        delay: The seconds a ``latency`` fault waits, from 0 to :data:`MAX_LATENCY`.

    Raises:
        ValueError: A field out of range: an unknown kind, a status outside 100-599, a
            delay that is negative, not finite or over :data:`MAX_LATENCY`, a body that is
            not JSON-serialisable, or a header with a line break.
    """

    kind: FaultKind = attrs.field(validator=_check_kind)
    status: int = attrs.field(default=500, validator=_check_status)
    body: Any = attrs.field(default=None, validator=_check_body)
    headers: Mapping[str, str] = attrs.field(factory=dict, validator=_check_headers)
    delay: float = attrs.field(default=0.0, validator=_check_delay)

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
        """Read a fault from text such as ``"status:503"`` or ``"latency:0.25"``.

        Raises:
            ValueError: ``spec`` is not a string, not one of the forms, or out of range
                (``"status:99999"``, ``"latency:inf"``).
        """
        if not isinstance(spec, str):
            raise ValueError(f"a fault is text such as 'status:503', not {type(spec).__name__}")
        kind, _, arg = spec.strip().partition(":")
        problem = ""
        try:
            if kind == "status":
                return cls.http_status(int(arg))
            if kind == "latency":
                return cls.latency(float(arg))
            if kind == "challenge":
                return cls.challenge_page(int(arg) if arg else 403)
            if not arg and kind == "block":
                return cls.block_page()
            if not arg and kind == "drop_before":
                return cls.drop_before()
            if not arg and kind == "drop_after":
                return cls.drop_after()
        except ValueError as exc:
            # int() and float() say "invalid literal ...": only the range checks help here.
            if not str(exc).startswith(("invalid literal", "could not convert")):
                problem = f" ({exc})"
        raise ValueError(
            f"unknown fault {spec[:100]!r}{problem}: use status:CODE, block, challenge[:CODE], "
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


def _check_limit(_: Any, __: Any, limit: Any) -> None:
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        raise ValueError(f"a rate limit is a whole number of requests (0 or more), not {limit!r}")


def _check_window(_: Any, __: Any, window: Any) -> None:
    check_seconds(window, "a rate limit's window", high=MAX_WINDOW, zero=False)


def _check_retry_after(_: Any, __: Any, retry_after: Any) -> None:
    if not isinstance(retry_after, bool):
        raise ValueError(f"retry_after must be True or False, not {retry_after!r}")


@robust_repr
@attrs.define
class RateLimit:
    """At most ``limit`` requests per ``window`` seconds for one route group and client.

    Over the limit the emulator answers 429 with the NestJS throttler body, with a
    ``Retry-After`` header (whole seconds until the window ends) when ``retry_after``.

    Raises:
        ValueError: ``limit`` is not a whole number of 0 or more, ``window`` is not a
            finite number of seconds above 0 and at most :data:`MAX_WINDOW`, or
            ``retry_after`` is not a bool.
    """

    limit: int = attrs.field(validator=_check_limit)
    window: float = attrs.field(default=1.0, validator=_check_window)
    retry_after: bool = attrs.field(default=True, validator=_check_retry_after)
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

    def headers(self, key: str, now: float) -> dict[str, str]:
        """The ``x-ratelimit-*`` headers once :meth:`hit` has let a request of ``key`` through.

        As NestJS's throttler sends them: the limit, what remains with this request
        counted, and the whole seconds (rounded up) until the window resets.
        """
        start, count = self._counts.get(key, (now, 0))
        return {
            "x-ratelimit-limit": str(self.limit),
            "x-ratelimit-remaining": str(max(0, self.limit - count)),
            "x-ratelimit-reset": str(max(0, math.ceil(start + self.window - now))),
        }

    @classmethod
    def parse(cls, spec: str) -> RateLimit:
        """Read ``"N/SECONDS"`` (``"5/1"``: five a second) or ``"N"`` (per second)."""
        if not isinstance(spec, str):
            raise ValueError(f"a rate limit is text such as '5/1', not {type(spec).__name__}")
        count, _, window = spec.strip().partition("/")
        try:
            return cls(int(count), float(window) if window else 1.0)
        except ValueError:
            raise ValueError(f"rate limit {spec[:100]!r} is not N/SECONDS") from None
