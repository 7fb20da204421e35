"""The 14 operations of the pump.fun frontend API, each described once.

The client's methods, the transport (route group, idempotency, client key) and the tools
built on top (command line, emulator) all read this table, so an operation is added in one
place.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType
from urllib.parse import quote

import attrs

from ._repr import robust_repr

__all__ = ["ENDPOINTS", "LOGIN", "Endpoint", "RouteGroup"]


class RouteGroup(str, enum.Enum):
    """The groups pump.fun rate-limits separately; every endpoint belongs to one."""

    READS = "reads"
    LIKES = "likes"
    FOLLOWS = "follows"
    BOOKMARKS = "bookmarks"
    REPLIES = "replies"
    REPORTS = "reports"
    AUTH = "auth"


@robust_repr
@attrs.frozen
class Endpoint:
    """One API operation.

    Attributes:
        name: The client method's name.
        method: The HTTP method.
        path: The path template, with ``{name}`` placeholders for path parameters.
        group: The rate-limit route group.
        idempotent: Whether repeating the request cannot change the result (safe to retry
            after an answer was lost).
        client_key: Whether the request carries the ``x-client-key`` header.
        captcha: Where a captcha token goes: ``"query"``, ``"body"`` or ``None``.
        admin: Whether only admin tokens may call it.
        summary: One line saying what it does.
    """

    name: str
    method: str
    path: str
    group: RouteGroup
    idempotent: bool
    summary: str
    client_key: bool = False
    captcha: str | None = None
    admin: bool = False
    has_body: bool = attrs.field(init=False)
    _around: tuple[str, str] | None = attrs.field(init=False, repr=False, eq=False)

    @has_body.default
    def _has_body(self) -> bool:
        return self.method == "POST" and "{" not in self.path

    @_around.default
    def _split_path(self) -> tuple[str, str] | None:
        # What comes before and after the one parameter of a one-parameter path.
        if self.path.count("{") != 1:
            return None
        head, _, rest = self.path.partition("{")
        return head, rest.partition("}")[2]

    def format_path(self, **params: str) -> str:
        """The path with each parameter percent-encoded as one segment."""
        if self._around is not None and len(params) == 1:
            (value,) = params.values()
            return self._around[0] + _segment(value) + self._around[1]
        return self.path.format_map({k: _segment(v) for k, v in params.items()})


def _segment(value: str) -> str:
    # Mints and numeric ids are plain ASCII letters and digits, which need no quoting.
    return value if value.isascii() and value.isalnum() else quote(value, safe="")


_G = RouteGroup

_ALL = (
    Endpoint("like", "POST", "/likes/{target_id}", _G.LIKES, True, "Like a coin or a reply."),
    Endpoint("unlike", "DELETE", "/likes/{target_id}", _G.LIKES, True, "Remove a like."),
    Endpoint(
        "follow",
        "POST",
        "/following/{user_id}",
        _G.FOLLOWS,
        True,
        "Follow a user.",
        captcha="query",
    ),
    Endpoint("unfollow", "DELETE", "/following/{user_id}", _G.FOLLOWS, True, "Unfollow a user."),
    Endpoint(
        "add_bookmark_items",
        "POST",
        "/bookmarks/items/add",
        _G.BOOKMARKS,
        True,
        "Add an item to bookmark collections.",
    ),
    Endpoint(
        "remove_bookmark_items",
        "POST",
        "/bookmarks/items/remove",
        _G.BOOKMARKS,
        True,
        "Remove an item from bookmark collections.",
    ),
    Endpoint(
        "get_bookmark_items",
        "GET",
        "/coins/bookmarks/{bookmark_id}",
        _G.READS,
        True,
        "List the coins in a bookmark collection.",
    ),
    Endpoint(
        "create_reply",
        "POST",
        "/replies",
        _G.REPLIES,
        False,
        "Post a reply to a coin's thread.",
        captcha="body",
    ),
    Endpoint("get_replies", "GET", "/replies/{mint}", _G.READS, True, "Read a coin's replies."),
    Endpoint(
        "create_report", "POST", "/reports", _G.REPORTS, False, "Report a coin, reply or user."
    ),
    Endpoint(
        "report_comment",
        "POST",
        "/reports/reportComment",
        _G.REPORTS,
        False,
        "Report a comment.",
        client_key=True,
    ),
    Endpoint("get_reports", "GET", "/reports", _G.READS, True, "List reports (admin).", admin=True),
    Endpoint(
        "update_report",
        "POST",
        "/reports/update",
        _G.REPORTS,
        True,
        "Resolve or annotate a report (admin).",
        admin=True,
    ),
    Endpoint(
        "delete_report",
        "DELETE",
        "/reports/{report_id}",
        _G.REPORTS,
        True,
        "Delete a report (admin).",
        admin=True,
    ),
)

ENDPOINTS: Mapping[str, Endpoint] = MappingProxyType({e.name: e for e in _ALL})
"""Every operation, by client method name."""

LOGIN = Endpoint("login", "POST", "/auth/login", _G.AUTH, True, "Sign in with a wallet signature.")
"""Wallet sign-in (``POST /auth/login``): not an API operation of its own, so not in
:data:`ENDPOINTS`; the client sends it when it holds a wallet."""
