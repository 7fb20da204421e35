"""The objects the API returns, as frozen attrs classes, and the report enums.

Responses vary in the wild, so every model is lenient: fields the server leaves out take
their default, fields this SDK does not know are ignored, and an enum value it has not seen
stays a plain ``str``. Whatever the server sent is kept, untouched, in each model's ``raw``
attribute.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator, Mapping
from datetime import datetime, timezone
from typing import Any

import attrs

from ._display import ModelMixin, PageMixin
from ._repr import robust_repr

__all__ = [
    "Coin",
    "Follower",
    "RepliesPage",
    "Reply",
    "Report",
    "ReportAction",
    "ReportType",
    "ReportsPage",
    "User",
]

_MENTION = re.compile(r"#(\d+)")


class ReportType(str, enum.Enum):
    """What a report says is wrong with its target.

    Methods that take a report type accept a member or its plain string value.
    """

    SCAM = "scam"
    OFFENSIVE = "offensive"
    SPAM = "spam"
    NSFW = "nsfw"
    COPYRIGHT = "copyright"
    IMPERSONATION = "impersonation"
    OTHER = "other"

    def __str__(self) -> str:
        return self.value


class ReportAction(str, enum.Enum):
    """What an admin did about a report.

    Methods that take an action accept a member or its plain string value.
    """

    BANNED = "banned"
    HIDDEN = "hidden"
    IGNORED = "ignored"
    NO_ACTION = "no_action"

    def __str__(self) -> str:
        return self.value


def _ms_to_datetime(value: int | None) -> datetime | None:
    if value is None:
        return None
    return datetime.fromtimestamp(value / 1000, tz=timezone.utc)


# Not slotted: msgspec builds a dict class faster when fields are left out, as the optional
# ones of most replies are (it probes each field; an unset slot raises, a missing key does not).
@robust_repr
@attrs.frozen(slots=False)
class Reply(ModelMixin):
    """A reply in a coin's thread.

    Attributes:
        id: The reply id; other replies mention it as ``#<id>``, and it can be liked.
        mint: The mint of the coin whose thread holds the reply.
        text: The reply's text.
        user: The wallet address of its author.
        timestamp: When it was posted, in milliseconds since the epoch.
        file_uri: An attached image, if any.
        total_likes: How many users like it.
        hidden: Whether moderators hid it.
        username: The author's profile name, if set.
        profile_image: The author's profile image, if set.
        liked_by_user: Whether the signed-in user likes it (sent by some servers only).
        is_buy: Whether the author bought the coin with this reply (some servers only).
        sol_amount: The SOL amount of that buy (some servers only).
        raw: The JSON object the server sent.
    """

    id: int
    mint: str
    text: str
    user: str | None = None
    timestamp: int | None = None
    file_uri: str | None = None
    total_likes: int = 0
    hidden: bool = False
    username: str | None = None
    profile_image: str | None = None
    liked_by_user: bool | None = None
    is_buy: bool | None = None
    sol_amount: float | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, repr=False, eq=False, kw_only=True)

    @property
    def created_at(self) -> datetime | None:
        """``timestamp`` as an aware UTC datetime, or ``None`` when the server sent none."""
        return _ms_to_datetime(self.timestamp)

    @property
    def mentions(self) -> list[int]:
        """The ids of the replies this one mentions with ``#<id>``, in order of appearance."""
        return [int(m) for m in _MENTION.findall(self.text)]


@robust_repr
@attrs.frozen
class RepliesPage(PageMixin):
    """One page of a coin's reply thread, as returned by ``get_replies``.

    Iterating over the page, or taking its ``len()``, works on ``replies``.

    Attributes:
        replies: The replies on this page.
        has_more: Whether the server has replies beyond this page. For servers that answer
            with a bare list, it is true when the page came back full.
        offset: The offset the server reported (the requested offset for a bare list).
        raw: The JSON value the server sent.
    """

    replies: list[Reply] = attrs.field(factory=list)
    has_more: bool = False
    offset: int = 0
    raw: Any = attrs.field(factory=dict, repr=False, eq=False, kw_only=True)

    def __iter__(self) -> Iterator[Reply]:
        return iter(self.replies)

    def __len__(self) -> int:
        return len(self.replies)


@robust_repr
@attrs.frozen
class Coin(ModelMixin):
    """A coin (token) as the API describes it; all but ``mint`` may be missing.

    Timestamps ending in ``_timestamp`` and ``last_reply`` are in milliseconds since the
    epoch, ``updated_at`` is in seconds; ``market_cap`` is in SOL.

    Attributes:
        mint: The coin's mint address.
        raw: The JSON object the server sent, with every field, including new ones.
    """

    mint: str
    name: str | None = None
    symbol: str | None = None
    description: str | None = None
    image_uri: str | None = None
    metadata_uri: str | None = None
    twitter: str | None = None
    telegram: str | None = None
    website: str | None = None
    creator: str | None = None
    bonding_curve: str | None = None
    associated_bonding_curve: str | None = None
    raydium_pool: str | None = None
    complete: bool | None = None
    virtual_sol_reserves: int | None = None
    virtual_token_reserves: int | None = None
    real_sol_reserves: int | None = None
    real_token_reserves: int | None = None
    total_supply: int | None = None
    created_timestamp: int | None = None
    last_trade_timestamp: int | None = None
    king_of_the_hill_timestamp: int | None = None
    last_reply: int | None = None
    market_cap: float | None = None
    usd_market_cap: float | None = None
    reply_count: int | None = None
    nsfw: bool | None = None
    is_banned: bool | None = None
    is_currently_live: bool | None = None
    hidden: bool | None = None
    show_name: bool | None = None
    video_uri: str | None = None
    banner_uri: str | None = None
    program: str | None = None
    updated_at: int | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, repr=False, eq=False, kw_only=True)

    @property
    def created_at(self) -> datetime | None:
        """``created_timestamp`` as an aware UTC datetime, or ``None``."""
        return _ms_to_datetime(self.created_timestamp)


@robust_repr
@attrs.frozen
class Report(ModelMixin):
    """A content report, as created by a user and reviewed by admins.

    The server's report object has not been seen in public captures, so only ``id`` is
    required and the server's camelCase names (``targetId``, ``createdAt``, …) are read as
    well as snake_case ones. ``type`` and ``action`` are enum members when known, plain
    strings otherwise.

    Attributes:
        id: The report id, as a string whatever type the server used.
        target_id: The mint, reply id or user the report is about.
        type: The report type.
        reason: The reporter's explanation.
        done: Whether an admin resolved it.
        action: What the admin did.
        notes: The admin's notes.
        created_at: When it was filed (aware datetime).
        updated_at: When it was last updated (aware datetime).
        reporter: Who filed it, when the server says.
        is_currently_live: Whether the target is live right now, when the server says.
        raw: The JSON object the server sent.
    """

    id: str
    target_id: str | None = None
    type: ReportType | str | None = None
    reason: str | None = None
    done: bool | None = None
    action: ReportAction | str | None = None
    notes: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    reporter: str | None = None
    is_currently_live: bool | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, repr=False, eq=False, kw_only=True)


@robust_repr
@attrs.frozen
class ReportsPage(PageMixin):
    """One page of the admin report queue, as returned by ``get_reports``.

    Iterating over the page, or taking its ``len()``, works on ``reports``.

    Attributes:
        reports: The reports on this page.
        total: The number of matching reports, when the server says.
        has_more: Whether more reports follow, when the server says.
        raw: The JSON value the server sent.
    """

    reports: list[Report] = attrs.field(factory=list)
    total: int | None = None
    has_more: bool | None = None
    raw: Any = attrs.field(factory=dict, repr=False, eq=False, kw_only=True)

    def __iter__(self) -> Iterator[Report]:
        return iter(self.reports)

    def __len__(self) -> int:
        return len(self.reports)


@robust_repr
@attrs.frozen
class User(ModelMixin):
    """A user's public profile, as returned by ``get_user``.

    ``GET /users/{userId}`` is not in pump.fun's official docs; its shape comes from public
    captures of pump.fun's web app. Only ``address`` is required (read from ``userId`` when
    ``address`` is missing); everything else the server sent is in ``raw``
    (``header_image_url``, ``is_pump_user``, …).

    Attributes:
        address: The user's wallet address (or user id).
        username: The profile name, if set.
        profile_image: The profile image's URL, if set.
        bio: The profile's text, if set.
        followers: How many users follow this one, when the server says.
        following: How many users this one follows, when the server says.
        x_username: The linked X (Twitter) account, if any.
        raw: The JSON object the server sent.
    """

    address: str
    username: str | None = None
    profile_image: str | None = None
    bio: str | None = None
    followers: int | None = None
    following: int | None = None
    x_username: str | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, repr=False, eq=False, kw_only=True)


@robust_repr
@attrs.frozen
class Follower(ModelMixin):
    """One row of ``get_followers`` or ``get_following``: a user at one end of a follow.

    The shape comes from public captures of pump.fun's web app (``GET
    /following/followers/{userId}`` and ``GET /following/{userId}``). Only ``address`` is
    required; ``timestamp`` is read in seconds or milliseconds (or ISO 8601) and kept in
    milliseconds.

    Attributes:
        address: The user's wallet address (or user id).
        username: The profile name, if set.
        profile_image: The profile image's URL, if set.
        followers: How many users follow this user, when the server says.
        timestamp: When the follow was made, in milliseconds since the epoch, if known.
        raw: The JSON object the server sent.
    """

    address: str
    username: str | None = None
    profile_image: str | None = None
    followers: int | None = None
    timestamp: int | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, repr=False, eq=False, kw_only=True)

    @property
    def followed_at(self) -> datetime | None:
        """``timestamp`` as an aware UTC datetime, or ``None``."""
        return _ms_to_datetime(self.timestamp)
