"""The operations of the pump.fun frontend API, each described once.

The client's methods, the transport (route group, idempotency, client key) and the tools
built on top (command line, emulator) all read this table, so an operation is added in one
place.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType
from typing import Literal
from urllib.parse import quote

import attrs

from ._repr import robust_repr

__all__ = ["ENDPOINTS", "LOGIN", "Captcha", "Endpoint", "RouteGroup", "Toggle"]


class RouteGroup(str, enum.Enum):
    """The groups pump.fun rate-limits separately; every endpoint belongs to one."""

    READS = "reads"
    LIKES = "likes"
    FOLLOWS = "follows"
    BOOKMARKS = "bookmarks"
    REPLIES = "replies"
    REPORTS = "reports"
    AUTH = "auth"


Captcha = Literal["query", "body"]
"""Where an endpoint wants its captcha token: in the query string or in the JSON body."""

Toggle = Literal["like", "follow", "bookmark"]
"""What kind of per-user state an endpoint switches on or off (see ``StateCache``)."""


@robust_repr
@attrs.frozen(kw_only=True)
class Endpoint:
    """One API operation.

    Attributes:
        name: The client method's name.
        method: The HTTP method.
        path: The path template, with ``{name}`` placeholders for path parameters.
        group: The rate-limit route group.
        idempotent: Whether repeating the request cannot change the result (safe to retry
            after an answer was lost).
        summary: One line saying what it does.
        client_key: Whether the request carries the ``x-client-key`` header.
        captcha: Where a captcha token goes: ``"query"``, ``"body"`` or ``None``.
        admin: Whether only admin tokens may call it.
        toggles: The per-user state it switches (``"like"``, ``"follow"``, ``"bookmark"``),
            which a ``StateCache`` remembers; ``None`` for the others.
        turns_on: With ``toggles``: whether it switches that state on (a like) or off (an
            unlike).
        command: The command line's subcommand; the name in kebab case by default.
        has_body: Whether the request carries a JSON body (by default: a POST whose path
            has no parameter).
    """

    name: str
    method: str
    path: str
    group: RouteGroup
    idempotent: bool
    summary: str
    client_key: bool = False
    captcha: Captcha | None = None
    admin: bool = False
    toggles: Toggle | None = None
    turns_on: bool = True
    command: str = attrs.field()
    has_body: bool = attrs.field()
    _around: tuple[str, str] | None = attrs.field(init=False, repr=False, eq=False)

    @command.default
    def _command(self) -> str:
        return self.name.replace("_", "-")

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
    Endpoint(
        name="like",
        method="POST",
        path="/likes/{target_id}",
        group=_G.LIKES,
        idempotent=True,
        summary="Like a coin or a reply.",
        toggles="like",
    ),
    Endpoint(
        name="unlike",
        method="DELETE",
        path="/likes/{target_id}",
        group=_G.LIKES,
        idempotent=True,
        summary="Remove a like.",
        toggles="like",
        turns_on=False,
    ),
    Endpoint(
        name="follow",
        method="POST",
        path="/following/{user_id}",
        group=_G.FOLLOWS,
        idempotent=True,
        summary="Follow a user.",
        captcha="query",
        toggles="follow",
    ),
    Endpoint(
        name="unfollow",
        method="DELETE",
        path="/following/{user_id}",
        group=_G.FOLLOWS,
        idempotent=True,
        summary="Unfollow a user.",
        toggles="follow",
        turns_on=False,
    ),
    Endpoint(
        name="add_bookmark_items",
        method="POST",
        path="/bookmarks/items/add",
        group=_G.BOOKMARKS,
        idempotent=True,
        summary="Add an item to bookmark collections.",
        toggles="bookmark",
    ),
    Endpoint(
        name="remove_bookmark_items",
        method="POST",
        path="/bookmarks/items/remove",
        group=_G.BOOKMARKS,
        idempotent=True,
        summary="Remove an item from bookmark collections.",
        toggles="bookmark",
        turns_on=False,
    ),
    Endpoint(
        name="get_bookmark_items",
        method="GET",
        path="/coins/bookmarks/{bookmark_id}",
        group=_G.READS,
        idempotent=True,
        summary="List the coins in a bookmark collection.",
    ),
    Endpoint(
        name="create_reply",
        method="POST",
        path="/replies",
        group=_G.REPLIES,
        idempotent=False,
        summary="Post a reply to a coin's thread.",
        captcha="body",
    ),
    Endpoint(
        name="get_replies",
        method="GET",
        path="/replies/{mint}",
        group=_G.READS,
        idempotent=True,
        summary="Read a coin's replies.",
    ),
    Endpoint(
        name="create_report",
        method="POST",
        path="/reports",
        group=_G.REPORTS,
        idempotent=False,
        summary="Report a coin, reply or user.",
    ),
    Endpoint(
        name="report_comment",
        method="POST",
        path="/reports/reportComment",
        group=_G.REPORTS,
        idempotent=False,
        summary="Report a comment.",
        client_key=True,
    ),
    Endpoint(
        name="get_reports",
        method="GET",
        path="/reports",
        group=_G.READS,
        idempotent=True,
        summary="List reports (admin).",
        admin=True,
    ),
    Endpoint(
        name="update_report",
        method="POST",
        path="/reports/update",
        group=_G.REPORTS,
        idempotent=True,
        summary="Resolve or annotate a report (admin).",
        admin=True,
    ),
    Endpoint(
        name="delete_report",
        method="DELETE",
        path="/reports/{report_id}",
        group=_G.REPORTS,
        idempotent=True,
        summary="Delete a report (admin).",
        admin=True,
    ),
    # The social graph: read routes pump.fun's own web app calls (public captures), beyond
    # the official docs.
    Endpoint(
        name="get_user",
        method="GET",
        path="/users/{user_id}",
        group=_G.READS,
        idempotent=True,
        summary="Read a user's profile.",
        command="user",
    ),
    Endpoint(
        name="get_followers",
        method="GET",
        path="/following/followers/{user_id}",
        group=_G.READS,
        idempotent=True,
        summary="List the users who follow a user.",
        command="followers",
    ),
    Endpoint(
        name="get_following",
        method="GET",
        path="/following/{user_id}",
        group=_G.READS,
        idempotent=True,
        summary="List the users a user follows.",
        command="following",
    ),
    Endpoint(
        name="get_coin",
        method="GET",
        path="/coins/{mint}",
        group=_G.READS,
        idempotent=True,
        summary="Read one coin.",
        command="coin",
    ),
    Endpoint(
        name="get_user_replies",
        method="GET",
        path="/replies/user-replies/{user_id}",
        group=_G.READS,
        idempotent=True,
        summary="Read a user's replies, across coins.",
        command="user-replies",
    ),
)

ENDPOINTS: Mapping[str, Endpoint] = MappingProxyType({e.name: e for e in _ALL})
"""Every operation, by client method name."""

LOGIN = Endpoint(
    name="login",
    method="POST",
    path="/auth/login",
    group=_G.AUTH,
    idempotent=True,
    summary="Sign in with a wallet signature.",
)
"""Wallet sign-in (``POST /auth/login``): not an API operation of its own, so not in
:data:`ENDPOINTS`; the client sends it when it holds a wallet."""
