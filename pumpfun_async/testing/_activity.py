"""What the emulator adds for watchers: ETags on reads, and activity by other users.

A read (``GET``) is answered with a weak ``ETag`` computed from its body, so it changes
whenever the answer does; a request whose ``If-None-Match`` names it gets ``304 Not
Modified`` and no body, as pump.fun's servers answer. Tests make other users post replies
and file reports (:meth:`Emulator.post_reply`, :meth:`Emulator.post_report`, or the control
API's ``POST /_emulator/replies`` and ``POST /_emulator/reports``), so that a watcher sees
activity it did not cause.
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson
from aiohttp import web

from ._state import REPORT_TYPES, EmulatorState, NestError

__all__ = ["OTHER_USER", "conditional_answer", "other_reply", "other_report", "read_activity"]

OTHER_USER = "user-someone-else"
"""Who posts the replies and files the reports of :func:`other_reply` by default."""


def etag_of(body: bytes) -> str:
    """A weak ETag for a JSON body: it changes when the body does."""
    return f'W/"{hashlib.blake2b(body, digest_size=12).hexdigest()}"'


def _names(header: str, etag: str) -> bool:
    """Whether an ``If-None-Match`` value names ``etag`` (weak comparison, or ``*``)."""
    opaque = etag.removeprefix("W/")
    for candidate in header.split(","):
        tag = candidate.strip()
        if tag == "*" or tag.removeprefix("W/") == opaque:
            return True
    return False


def conditional_answer(request: web.Request, status: int, body: bytes) -> web.Response:
    """The answer to an operation: a read gets an ``ETag``, or a ``304`` when it matches."""
    if request.method != "GET":
        return web.Response(status=status, body=body, content_type="application/json")
    etag = etag_of(body)
    if _names(request.headers.get("If-None-Match", ""), etag):
        return web.Response(status=304, headers={"ETag": etag})
    return web.Response(
        status=status, body=body, content_type="application/json", headers={"ETag": etag}
    )


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name} must be a non-empty string, not {value!r:.50}")
    return value


def other_reply(state: EmulatorState, mint: Any, text: Any, user: Any) -> dict[str, Any]:
    """Post a reply as ``user``, as if through the API (no captcha, no limit, not logged).

    Raises:
        ValueError: An argument is not a non-empty string, or the coin is unknown.
    """
    mint, text, user = _text(mint, "mint"), _text(text, "text"), _text(user, "user")
    try:
        return state.create_reply(user, mint, text)
    except NestError as exc:
        raise ValueError(str(exc.message)) from None


def other_report(
    state: EmulatorState, target_id: Any, report_type: Any, reason: Any, user: Any
) -> dict[str, Any]:
    """File a pending report as ``user``.

    Raises:
        ValueError: An argument is not a non-empty string, or the type is unknown.
    """
    target, reason, user = (
        _text(target_id, "target_id"),
        _text(reason, "reason"),
        _text(user, "user"),
    )
    if report_type not in (*REPORT_TYPES, "comment"):
        raise ValueError(
            f"type must be one of {', '.join(REPORT_TYPES)} or comment, not {report_type!r:.50}"
        )
    return state.create_report(user, target, report_type, reason)


async def read_activity(request: web.Request) -> dict[str, Any]:
    """A control request's JSON object (``POST /_emulator/replies`` or ``/reports``)."""
    raw = await request.read()
    try:
        body = orjson.loads(raw) if raw else None
    except orjson.JSONDecodeError as exc:
        raise NestError(400, f"the body is not JSON: {exc}", "Bad Request") from None
    if not isinstance(body, dict):
        raise NestError(400, ["the body must be a JSON object"], "Bad Request")
    return body
