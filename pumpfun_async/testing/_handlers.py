"""The emulator's operation handlers: one function per ``ENDPOINTS`` entry.

The server (:mod:`pumpfun_async.testing._emulator`) authenticates a request, reads its
body and hands a :class:`Call` to ``HANDLERS[endpoint name]``. A handler checks its inputs
as pump.fun does (a :class:`NestError` 400 naming the field otherwise), asks the
:class:`EmulatorState` and returns the JSON to answer with.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import attrs
from aiohttp import web

from pumpfun_async._validate import check_id
from pumpfun_async.errors import ValidationError

from ._state import REPORT_ACTIONS, REPORT_TYPES, EmulatorState, NestError

__all__ = ["HANDLERS", "Call", "Handler"]

_MAX_TEXT = 2000
_MAX_PAGE = 1000
_MAX_OFFSET = 10**9


@attrs.define
class Call:
    """What a handler gets: the request, its user, its parsed body and the emulator's world.

    Attributes:
        request: The request.
        user: The user it acts as.
        admin: Whether its token is an admin token.
        body: The decoded JSON body (``None`` for an operation without one).
        state: The emulator's state, which the handler reads and changes.
        require_captcha: Whether follows and replies need a captcha token.
        client_key: The ``x-client-key`` that ``reportComment`` requires.
    """

    request: web.Request
    user: str
    admin: bool
    body: Any
    state: EmulatorState
    require_captcha: bool
    client_key: str

    def query_int(self, name: str, default: int, low: int, high: int) -> int:
        """A whole-number query parameter in ``low..high``, ``default`` when absent."""
        raw = self.request.query.get(name)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            raise NestError(400, f"{name} must be an integer", "Bad Request") from None
        if not low <= value <= high:
            raise NestError(400, f"{name} must be between {low} and {high}", "Bad Request")
        return value

    def query_bool(self, name: str, default: bool) -> bool:
        """A ``true``/``false`` query parameter, ``default`` when absent."""
        raw = self.request.query.get(name)
        if raw is None or raw == "":
            return default
        if raw not in ("true", "false"):
            raise NestError(400, f"{name} must be 'true' or 'false'", "Bad Request")
        return raw == "true"

    def query_date(self, name: str) -> datetime | None:
        """An ISO 8601 query parameter (naive means UTC), ``None`` when absent."""
        raw = self.request.query.get(name, "")
        if not raw:
            return None
        try:
            moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            raise NestError(400, f"{name} must be an ISO 8601 date", "Bad Request") from None
        return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)

    def page(self) -> dict[str, int]:
        """The ``limit`` and ``offset`` query parameters, as the paged operations take them."""
        return {
            "limit": self.query_int("limit", 50, 1, _MAX_PAGE),
            "offset": self.query_int("offset", 0, 0, _MAX_OFFSET),
        }

    def field(self, name: str, *, required: bool = True, kind: type = str) -> Any:
        """A body field of ``kind``: a non-blank string, a boolean or a non-empty id list."""
        if not isinstance(self.body, dict):
            raise NestError(400, "request body must be a JSON object", "Bad Request")
        value = self.body.get(name)
        if value is None and not required:
            return None
        if kind is str and isinstance(value, str) and value.strip():
            return value
        if kind is bool and isinstance(value, bool):
            return value
        if kind is list and isinstance(value, list) and value:
            if all(isinstance(v, str) and v for v in value):
                return [_body_id(name, v) for v in value]
            raise NestError(400, [f"each value in {name} must be a string"], "Bad Request")
        article = {str: "a non-empty string", bool: "a boolean", list: "a non-empty array"}[kind]
        raise NestError(400, [f"{name} must be {article}"], "Bad Request")

    def id_field(self, name: str) -> str:
        """A body field holding an id: a string the SDK's own id check accepts."""
        return _body_id(name, self.field(name))

    def match(self, name: str) -> str:
        """A path parameter."""
        return self.request.match_info[name]

    def spend_captcha(self, token: str | None) -> None:
        """Use up a captcha token, when the emulator requires one."""
        if self.require_captcha:
            self.state.spend_captcha(token)


Handler = Callable[[Call], Any]
"""An operation's handler: the JSON to answer with, or a :class:`NestError`."""

HANDLERS: dict[str, Handler] = {}
"""The handler of each operation, by its ``ENDPOINTS`` name."""


def _handles(handler: Handler) -> Handler:
    HANDLERS[handler.__name__] = handler
    return handler


@_handles
def like(call: Call) -> Any:
    return call.state.like(call.user, call.match("target_id"))


@_handles
def unlike(call: Call) -> Any:
    return call.state.unlike(call.user, call.match("target_id"))


@_handles
def follow(call: Call) -> Any:
    call.spend_captcha(call.request.query.get("captchaToken"))
    return call.state.follow(call.user, call.match("user_id"))


@_handles
def unfollow(call: Call) -> Any:
    return call.state.unfollow(call.user, call.match("user_id"))


@_handles
def add_bookmark_items(call: Call) -> Any:
    item, ids = call.id_field("itemId"), call.field("bookmarkIds", kind=list)
    return call.state.add_bookmark_items(call.user, item, ids)


@_handles
def remove_bookmark_items(call: Call) -> Any:
    item, ids = call.id_field("itemId"), call.field("bookmarkIds", kind=list)
    return call.state.remove_bookmark_items(call.user, item, ids)


@_handles
def get_bookmark_items(call: Call) -> Any:
    return call.state.bookmark_coins(
        call.user,
        call.match("bookmark_id"),
        **call.page(),
        include_nsfw=call.query_bool("includeNsfw", False),
    )


@_handles
def create_reply(call: Call) -> Any:
    mint, text = call.id_field("mint"), call.field("text")
    if len(text) > _MAX_TEXT:
        raise NestError(
            400, [f"text must be shorter than or equal to {_MAX_TEXT} characters"], "Bad Request"
        )
    captcha = call.body.get("captchaToken")
    if captcha is not None and not isinstance(captcha, str):
        raise NestError(400, ["captchaToken must be a string"], "Bad Request")
    call.spend_captcha(captcha)
    return call.state.create_reply(call.user, mint, text)


@_handles
def get_replies(call: Call) -> Any:
    return call.state.reply_page(call.user, call.match("mint"), **call.page())


@_handles
def create_report(call: Call) -> Any:
    target, kind, reason = call.id_field("targetId"), call.field("type"), call.field("reason")
    if kind not in REPORT_TYPES:
        raise NestError(400, [f"type must be one of: {', '.join(REPORT_TYPES)}"], "Bad Request")
    return call.state.create_report(call.user, target, kind, reason)


@_handles
def report_comment(call: Call) -> Any:
    if call.request.headers.get("x-client-key") != call.client_key:
        raise NestError(401, "Invalid client key", "Unauthorized")
    comment, reason = call.id_field("commentId"), call.field("reason")
    return call.state.create_report(call.user, comment, "comment", reason)


@_handles
def get_reports(call: Call) -> Any:
    kind = call.request.query.get("type") or "all"
    if kind != "all" and kind not in (*REPORT_TYPES, "comment"):
        raise NestError(400, f"type must be 'all' or a report type, not {kind!r}")
    return call.state.report_page(
        **call.page(),
        report_type=kind,
        done=call.query_bool("done", False),
        created_from=call.query_date("createdAtFrom"),
        created_to=call.query_date("createdAtTo"),
        live_only=call.query_bool("isCurrentlyLive", False),
    )


@_handles
def update_report(call: Call) -> Any:
    report_id, done = call.id_field("reportId"), call.field("done", kind=bool)
    action, notes = call.field("action"), call.field("notes", required=False)
    if action not in REPORT_ACTIONS:
        raise NestError(400, [f"action must be one of: {', '.join(REPORT_ACTIONS)}"], "Bad Request")
    return call.state.update_report(report_id, done, action, notes)


@_handles
def delete_report(call: Call) -> Any:
    return call.state.delete_report(call.match("report_id"))


@_handles
def get_user(call: Call) -> Any:
    return call.state.user_profile(call.match("user_id"))


@_handles
def get_followers(call: Call) -> Any:
    return call.state.followers_of(call.match("user_id"))


@_handles
def get_following(call: Call) -> Any:
    return call.state.following_of(call.match("user_id"))


@_handles
def get_coin(call: Call) -> Any:
    return call.state.coin(call.match("mint"))


@_handles
def get_user_replies(call: Call) -> Any:
    return call.state.user_reply_page(call.user, call.match("user_id"), **call.page())


def _body_id(name: str, value: str) -> str:
    """An id from a request body, or a NestJS 400 naming the field."""
    try:
        return check_id(value, name)
    except ValidationError as exc:
        raise NestError(400, [str(exc)[:300]], "Bad Request") from None
