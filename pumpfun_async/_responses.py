"""Turning an HTTP answer into decoded JSON, or into the right exception.

Pure functions of (status, headers, body): no I/O, so every branch is unit-testable.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from datetime import timezone
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from typing import Any

import orjson

from .errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    BlockedError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
)

__all__ = ["decode_response", "parse_retry_after"]

_BODY_TEXT_LIMIT = 2000
_STATUS_ERRORS: dict[int, type[APIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
}
_CHALLENGE_MARKERS = ("challenge-platform", "cf-chl", "just a moment")
_BLOCK_MARKERS = ("static.pump.fun/blocked",)


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Read a ``Retry-After`` header as seconds to wait.

    Accepts delta-seconds (``"120"``, also fractional) or an HTTP date; a date in the past
    gives ``0.0``. Anything unreadable gives ``None``, as if the header were absent: that
    includes dates no ``datetime`` can hold (the year 99999999999, a time-zone offset of
    thousands of hours) and numbers that are not finite.
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
            if when.tzinfo is None:  # "-0000" means UTC with no zone information
                when = when.replace(tzinfo=timezone.utc)
            at = when.timestamp()
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        current = time.time() if now is None else now
        return max(0.0, at - current)
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


def decode_response(
    status: int, headers: Mapping[str, str], body: bytes | bytearray, *, method: str, path: str
) -> Any:
    """Return the decoded JSON of a success (``None`` for an empty body) or raise.

    Raises:
        BlockedError: an HTML block page or Cloudflare challenge, whatever the status.
        APIError: a non-2xx status (as its subclass), a 2xx database-error body, or a 2xx
            body that is not JSON.
    """
    if 200 <= status < 300 and body[:1] == b"{":
        # The common case, a JSON object answering a success, without the general checks.
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError:
            pass
        else:
            if "code" not in data:
                return data
    where = {"method": method, "path": path}
    data, is_json = _parse(body)
    if not is_json:
        text = body[:_BODY_TEXT_LIMIT].decode("utf-8", "replace")
        _raise_if_blocked(status, headers, text, where)
        if 200 <= status < 300:
            raise APIError("the server's answer is not JSON", status=status, body=text, **where)
        raise _status_error(status, headers, text, None, where)
    if 200 <= status < 300:
        if _is_database_error(data):
            raise APIError(
                _message(data) or "database error",
                status=status,
                body=data,
                code=str(data["code"]),
                **where,
            )
        return data
    raise _status_error(status, headers, data, _message(data), where)


def _parse(body: bytes | bytearray) -> tuple[Any, bool]:
    if not body or body.isspace():  # no copy of a large body, as strip() would make
        return None, True
    try:
        return orjson.loads(body), True
    except orjson.JSONDecodeError:
        return None, False


def _is_database_error(data: Any) -> bool:
    return (
        isinstance(data, dict)
        and "code" in data
        and "message" in data
        and ("details" in data or "hint" in data)
    )


def _message(data: Any) -> str | None:
    if not isinstance(data, dict):
        return None
    message = data.get("message")
    if isinstance(message, list):
        return "; ".join(str(m) for m in message) or None
    if isinstance(message, str) and message:
        return message
    error = data.get("error")
    return error if isinstance(error, str) and error else None


def _raise_if_blocked(
    status: int, headers: Mapping[str, str], text: str, where: dict[str, str]
) -> None:
    lowered = text.lower()
    if any(marker in lowered for marker in _CHALLENGE_MARKERS) or headers.get("cf-mitigated"):
        raise BlockedError(
            "a Cloudflare challenge page answered instead of the API; "
            "slow down or sign in from a browser-trusted network",
            kind="challenge",
            status=status,
            body=text,
            **where,
        )
    looks_html = "html" in headers.get("Content-Type", "").lower() or lowered.lstrip().startswith(
        "<"
    )
    if any(marker in lowered for marker in _BLOCK_MARKERS) or (status == 403 and looks_html):
        raise BlockedError(
            "pump.fun blocked this request (geo/IP block page)",
            kind="blocked",
            status=status,
            body=text,
            **where,
        )


def _status_error(
    status: int,
    headers: Mapping[str, str],
    body: Any,
    message: str | None,
    where: dict[str, str],
) -> APIError:
    text = message or _default_message(status)
    if status == 429:
        return RateLimitError(
            text,
            retry_after=parse_retry_after(headers.get("Retry-After")),
            status=status,
            body=body,
            **where,
        )
    error_type = _STATUS_ERRORS.get(status)
    if error_type is None:
        error_type = ServerError if status >= 500 else APIError
    return error_type(text, status=status, body=body, **where)


def _default_message(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "unexpected HTTP status"
