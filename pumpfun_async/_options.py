"""Every client option, its default and its check, in one place.

The constructor and ``with_options()`` of both clients read their options through the
functions here; the transport keeps the results. Environment variables are read here only.
"""

from __future__ import annotations

import enum
import math
import os

import aiohttp
import attrs
from yarl import URL

from ._ratelimit import RateLimiter, RateLimitSetting, default_rate_limits, normalize_rate_limits
from ._repr import robust_repr
from ._retry import RetryPolicy
from ._validate import check_int, check_utf8
from .errors import ValidationError

__all__ = [
    "DEFAULT",
    "DEFAULT_BASE_URL",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "Timeout",
    "base_url_option",
    "max_response_bytes_option",
    "rate_limit_option",
    "retry_option",
    "secret_option",
]

DEFAULT_BASE_URL = "https://frontend-api-v3.pump.fun"

#: The largest response body a client reads by default: 16 MiB, far above any page the
#: API sends (a 1,000-reply page is about 1 MB), far below what hurts a small machine.
DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024


class _Default(enum.Enum):
    DEFAULT = "DEFAULT"

    def __repr__(self) -> str:
        return "DEFAULT"


DEFAULT = _Default.DEFAULT
"""Marks an option left at its default (``rate_limit=DEFAULT`` is pump.fun's observed limits)."""


@robust_repr
@attrs.frozen
class Timeout:
    """How long a request may take.

    Args:
        total: Seconds for the whole request, answer included; ``None`` for no limit.
        connect: Seconds to open a new connection (TCP and TLS); ``None`` for no separate
            limit. A request waiting for a pooled connection is bounded by ``total``.
    """

    total: float | None = 30.0
    connect: float | None = 10.0

    def __attrs_post_init__(self) -> None:
        for name in ("total", "connect"):
            value = getattr(self, name)
            if value is not None and (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or not 0 < value < math.inf
            ):
                raise ValidationError("timeout", f"{name} must be a positive number, got {value!r}")

    @classmethod
    def coerce(cls, value: float | Timeout | None) -> Timeout:
        """A ``Timeout`` from what ``timeout=`` takes: seconds in total, a ``Timeout``, or None."""
        if isinstance(value, Timeout):
            return value
        if value is None:
            return cls(None, None)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
            raise ValidationError(
                "timeout", f"expected a positive number of seconds or a Timeout, got {value!r}"
            )
        return cls(total=value, connect=min(value, 10.0) if math.isfinite(value) else None)

    def to_aiohttp(self) -> aiohttp.ClientTimeout:
        """The equivalent ``aiohttp.ClientTimeout``.

        ``connect`` maps to aiohttp's ``sock_connect``, which only runs while a new
        connection is opened: aiohttp's ``connect`` would arm one more timer on every
        request, pooled connection or not, which costs a few percent in bulk throughput.
        """
        return aiohttp.ClientTimeout(total=self.total, sock_connect=self.connect)


def secret_option(value: str | None, env: str, field: str) -> str | None:
    """A token or client key: the argument, else the environment variable ``env``.

    Surrounding white space is dropped; an empty value is ``None``. The value itself never
    appears in an error: it is a secret.
    """
    if value is None:
        value = os.environ.get(env)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError(field, f"expected a string, got {type(value).__name__}")
    value = value.strip()
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        raise ValidationError(field, "contains control characters")
    check_utf8(value, field)  # which never echoes it either
    return value or None


def base_url_option(value: str | None) -> str:
    """The API root: the argument, else ``$PUMPFUN_BASE_URL``, else pump.fun's; no trailing /."""
    if value is None:
        value = os.environ.get("PUMPFUN_BASE_URL") or DEFAULT_BASE_URL
    if not isinstance(value, str):
        raise ValidationError("base_url", f"expected a string, got {type(value).__name__}")
    check_utf8(value, "base_url")  # yarl would drop a lone surrogate from the path silently
    try:
        url = URL(value.strip())
    except (TypeError, ValueError) as exc:
        raise ValidationError("base_url", f"{value!r} is not a URL") from exc
    if url.scheme not in ("http", "https") or not url.host:
        raise ValidationError("base_url", f"{value!r} is not an http(s) URL with a host")
    if url.query_string or url.fragment or url.user or url.password:
        raise ValidationError("base_url", "must not carry a query, a fragment or credentials")
    return str(url).rstrip("/")


def retry_option(value: int | RetryPolicy) -> RetryPolicy:
    """``max_retries=``: a number of retries or a whole :class:`RetryPolicy`."""
    if isinstance(value, RetryPolicy):
        return value
    return RetryPolicy(max_retries=check_int(value, "max_retries", low=0))


def max_response_bytes_option(value: int) -> int:
    """``max_response_bytes=``: a positive whole number of bytes."""
    return check_int(value, "max_response_bytes", low=1)


def rate_limit_option(value: RateLimitSetting | _Default) -> dict[str, RateLimiter]:
    """``rate_limit=``: ``DEFAULT`` for pump.fun's observed limits, else as given."""
    return default_rate_limits() if isinstance(value, _Default) else normalize_rate_limits(value)
