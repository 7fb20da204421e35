"""The emulator's in-memory world: coins, likes, follows, bookmarks, replies and reports.

Each operation takes the acting user and already-parsed arguments, and either returns the
JSON the API answers with or raises :class:`NestError`, which the server renders as a
NestJS error body.
"""

from __future__ import annotations

import functools
import hashlib
import math
import time
import typing
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timezone
from typing import Any

import attrs
import orjson

from pumpfun_async._repr import robust_repr
from pumpfun_async._validate import check_id, check_mint
from pumpfun_async.errors import ValidationError
from pumpfun_async.models import Coin

from ._catalogue import default_coins

__all__ = [
    "REPORT_ACTIONS",
    "REPORT_TYPES",
    "EmulatorState",
    "NestError",
    "check_coin",
    "check_user",
    "json_body",
    "user_id_for",
]

REPORT_TYPES = ("scam", "offensive", "spam", "nsfw", "copyright", "impersonation", "other")
REPORT_ACTIONS = ("banned", "hidden", "ignored", "no_action")
_UUID_LENGTH = 36
# The profile fields a user object may set (strings or null); follower counts are counted.
_PROFILE_FIELDS = ("username", "profile_image", "header_image_url", "bio", "x_username")
_COUNTED = ("followers", "following")
_MAX_FOLLOW_ROWS = 1000  # pump.fun's follower lists stop at 1,000 rows


class NestError(Exception):
    """An error the emulator answers with, in NestJS's shape."""

    def __init__(self, status: int, message: str | list[str], error: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.error = error

    def body(self) -> dict[str, Any]:
        """The JSON body NestJS sends for this error."""
        out: dict[str, Any] = {"statusCode": self.status, "message": self.message}
        if self.error:
            out["error"] = self.error
        return out


def json_body(raw: bytes) -> Any:
    """A request body decoded as pump.fun reads it: ``None`` when empty, else strict JSON.

    Raises:
        NestError: A 400, as NestJS answers malformed JSON.
    """
    try:
        return orjson.loads(raw) if raw else None
    except orjson.JSONDecodeError:
        raise NestError(400, "Unexpected token in JSON body", "Bad Request") from None


def user_id_for(token: str) -> str:
    """The user id the emulator assigns to a bearer token (stable for the same token)."""
    return "user-" + hashlib.sha256(token.encode()).hexdigest()[:16]


@functools.cache
def _coin_field_types() -> dict[str, type]:
    """Each field of :class:`~pumpfun_async.models.Coin` and the type its value must have."""
    hints = typing.get_type_hints(Coin)
    types = {}
    for field in attrs.fields(Coin):
        if field.name == "raw":
            continue
        arms = [arm for arm in typing.get_args(hints[field.name]) if arm is not type(None)]
        types[field.name] = arms[0] if arms else hints[field.name]
    return types


def check_coin(coin: Any) -> dict[str, Any]:
    """A coin object to add to the emulator, checked so that the client can read it back.

    ``mint`` must be a base58 mint address (32 to 44 characters); every other field the
    SDK's :class:`~pumpfun_async.models.Coin` knows must have its type or be ``null``
    (``reply_count``, which the emulator counts up, a whole number of 0 or more); fields
    it does not know are kept as they are. The whole object must be serialisable as JSON.

    Returns:
        A copy of ``coin`` as a plain dict.

    Raises:
        ValueError: The object breaks one of those rules; the message says which.
    """
    if not isinstance(coin, Mapping):
        raise ValueError(f"a coin must be a JSON object, not {type(coin).__name__}")
    try:
        check_mint(coin.get("mint"))
    except ValidationError as exc:
        raise ValueError(str(exc)[:200]) from None
    types = _coin_field_types()
    for name, value in coin.items():
        if not isinstance(name, str):
            raise ValueError(f"field names must be strings, not {name!r:.50}")
        want = types.get(name)
        problem = None if want is None else _coin_field_problem(name, value, want)
        if problem:
            raise ValueError(f"{name} must be {problem}, not {value!r:.50}")
    try:
        orjson.dumps(dict(coin))
    except orjson.JSONEncodeError as exc:
        raise ValueError(f"cannot be sent as JSON: {exc}") from None
    return dict(coin)


def _coin_field_problem(name: str, value: Any, want: type) -> str | None:
    """What a known coin field's value should be, or ``None`` when it is fine."""
    if name == "reply_count":  # counted up by the emulator: never null
        return None if type(value) is int and value >= 0 else "a whole number of 0 or more"
    if value is None:
        return None
    if want is bool or want is str:
        ok = isinstance(value, want)
    elif want is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    else:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        ok = ok and math.isfinite(value)
    if ok:
        return None
    what = {bool: "true or false", str: "a string", int: "a whole number"}
    return what.get(want, "a finite number") + " or null"


def check_user(user: Any) -> dict[str, Any]:
    """A user profile to add to the emulator, checked so that the client can read it back.

    ``address`` must be an id the SDK accepts (a wallet address, or the ``user-…`` id the
    emulator gives a plain token); ``username``, ``profile_image``, ``header_image_url``,
    ``bio`` and ``x_username`` must be strings or ``null``; ``followers`` and ``following``
    are counted from the follows, so they may not be set; other fields are served as they
    are. The whole object must be serialisable as JSON.

    Returns:
        A copy of ``user`` as a plain dict.

    Raises:
        ValueError: The object breaks one of those rules; the message says which.
    """
    if not isinstance(user, Mapping):
        raise ValueError(f"a user must be a JSON object, not {type(user).__name__}")
    if not isinstance(user.get("address"), str):
        raise ValueError("address must be a string")
    try:
        check_id(user["address"], "address")
    except ValidationError as exc:
        raise ValueError(str(exc)[:200]) from None
    for name, value in user.items():
        if not isinstance(name, str):
            raise ValueError(f"field names must be strings, not {name!r:.50}")
        if name in _COUNTED:
            raise ValueError(f"{name} is counted from the follows and cannot be set")
        if name in _PROFILE_FIELDS and not (value is None or isinstance(value, str)):
            raise ValueError(f"{name} must be a string or null, not {value!r:.50}")
    try:
        orjson.dumps(dict(user))
    except orjson.JSONEncodeError as exc:
        raise ValueError(f"cannot be sent as JSON: {exc}") from None
    return dict(user)


def _iso(ms: int) -> str:
    moment = datetime.fromtimestamp(ms / 1000, tz=timezone.utc)
    return moment.replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"


def _posted(reply: dict[str, Any]) -> tuple[int, int]:
    # Replies in creation order: by timestamp, then id (the emulator numbers them upwards).
    stamp, reply_id = reply.get("timestamp"), reply.get("id")
    return (
        stamp if isinstance(stamp, int) else 0,
        reply_id if isinstance(reply_id, int) else 0,
    )


def _page(items: list[Any], limit: int, offset: int) -> tuple[list[Any], bool]:
    return items[offset : offset + limit], offset + limit < len(items)


@robust_repr
@attrs.define
class EmulatorState:
    """Everything the emulator knows. Tests may read it, and arrange it, directly.

    Attributes:
        coins: Coin objects by mint (the catalogue, plus any added with :meth:`add_coin`).
        likes: The targets (mints and reply ids, as strings) each user likes.
        follows: The user ids each user follows.
        users: Profiles by user id (address), as added with :meth:`add_user`. A user with
            no profile exists too once it has liked, followed, replied or reported.
        bookmarks: Each user's collections: collection id -> item ids, in the order added.
        replies: Reply objects by mint, oldest first.
        reports: Report objects by id.
        used_captchas: Captcha tokens already spent.
        now_ms: The clock, in milliseconds since the epoch (injectable).
    """

    coins: dict[str, dict[str, Any]] = attrs.field(
        factory=lambda: {c["mint"]: c for c in default_coins()}
    )
    likes: dict[str, set[str]] = attrs.Factory(dict)
    follows: dict[str, set[str]] = attrs.Factory(dict)
    users: dict[str, dict[str, Any]] = attrs.Factory(dict)
    bookmarks: dict[str, dict[str, list[str]]] = attrs.Factory(dict)
    replies: dict[str, list[dict[str, Any]]] = attrs.Factory(dict)
    reports: dict[str, dict[str, Any]] = attrs.Factory(dict)
    used_captchas: set[str] = attrs.Factory(set)
    now_ms: Callable[[], int] = lambda: time.time_ns() // 1_000_000
    _like_counts: dict[str, int] = attrs.Factory(dict)
    _replies_by_id: dict[str, dict[str, Any]] = attrs.Factory(dict)
    _next_reply_id: int = 1000
    _followed_at: dict[tuple[str, str], int] = attrs.Factory(dict)

    # ------------------------------------------------------------------ arranging

    def add_coin(self, mint: str, **fields: Any) -> dict[str, Any]:
        """Add (or replace) a coin; fields not given take neutral defaults."""
        coin = {"mint": mint, "name": mint[:6], "symbol": mint[:4].upper(), "nsfw": False}
        coin.update(reply_count=0, is_currently_live=False, created_timestamp=self.now_ms())
        coin.update(fields)
        self.coins[mint] = coin
        return coin

    def spend_captcha(self, token: str | None) -> None:
        """Accept a captcha token once; a missing or reused one is a 400."""
        if not token:
            raise NestError(400, "captcha token is required", "Bad Request")
        if token in self.used_captchas:
            raise NestError(400, "captcha token is invalid or was already used", "Bad Request")
        self.used_captchas.add(token)

    # ------------------------------------------------------------------ likes and follows

    def like(self, user: str, target: str) -> dict[str, Any]:
        """Like a coin or reply; liking twice counts once."""
        self._require_target(target)
        mine = self.likes.setdefault(user, set())
        if target not in mine:
            mine.add(target)
            self._like_counts[target] = self._like_counts.get(target, 0) + 1
        return {"targetId": target, "liked": True, "totalLikes": self._like_counts[target]}

    def unlike(self, user: str, target: str) -> dict[str, Any]:
        """Remove a like; removing one that is not there changes nothing."""
        self._require_target(target)
        mine = self.likes.setdefault(user, set())
        if target in mine:
            mine.discard(target)
            self._like_counts[target] -= 1
        return {"targetId": target, "liked": False, "totalLikes": self._like_counts.get(target, 0)}

    def _require_target(self, target: str) -> None:
        if target not in self.coins and target not in self._replies_by_id:
            raise NestError(404, f"Target {target} not found", "Not Found")

    def follow(self, user: str, other: str) -> dict[str, Any]:
        """Follow a user (set-like)."""
        if other == user:
            raise NestError(400, "You cannot follow yourself", "Bad Request")
        self.follows.setdefault(user, set()).add(other)
        self._followed_at.setdefault((user, other), self.now_ms())
        return {"userId": other, "following": True}

    def unfollow(self, user: str, other: str) -> dict[str, Any]:
        """Unfollow a user (set-like)."""
        self.follows.setdefault(user, set()).discard(other)
        self._followed_at.pop((user, other), None)
        return {"userId": other, "following": False}

    # ------------------------------------------------------------------ social graph

    def add_user(self, address: str, /, **fields: Any) -> dict[str, Any]:
        """Add (or replace) a user's profile; the user exists from then on.

        The fields are those of ``GET /users/{id}`` (see :func:`check_user`).
        """
        profile = {"address": address, **fields}
        self.users[address] = profile
        return profile

    def has_user(self, user: str) -> bool:
        """Whether ``user`` has a profile, or has liked, followed, replied or reported."""
        return (
            user in self.users
            or user in self.likes
            or user in self.follows
            or any(r.get("user") == user for rs in self.replies.values() for r in rs)
            or any(r.get("reporter") == user for r in self.reports.values())
        )

    def user_profile(self, user: str) -> dict[str, Any]:
        """``GET /users/{id}``: the profile, with follower counts; 404 for an unknown user."""
        if not self.has_user(user):
            raise NestError(404, f"User {user} not found", "Not Found")
        profile: dict[str, Any] = dict.fromkeys(_PROFILE_FIELDS)
        profile.update(self.users.get(user, {}), address=user, userId=user)
        return {**profile, **self._follow_counts(user)}

    def followers_of(self, user: str) -> list[dict[str, Any]]:
        """The users following ``user``, newest follow first (at most 1,000 rows)."""
        return self._follow_rows([(f, user) for f, ts in self.follows.items() if user in ts], 0)

    def following_of(self, user: str) -> list[dict[str, Any]]:
        """The users ``user`` follows, newest follow first (at most 1,000 rows)."""
        return self._follow_rows([(user, t) for t in self.follows.get(user, ())], 1)

    def _follow_counts(self, user: str) -> dict[str, int]:
        followers = sum(user in targets for targets in self.follows.values())
        return {"followers": followers, "following": len(self.follows.get(user, ()))}

    def _follow_rows(self, pairs: list[tuple[str, str]], side: int) -> list[dict[str, Any]]:
        # side: which end of each (follower, followed) pair the rows describe.
        def newest_first(pair: tuple[str, str]) -> tuple[int, str]:
            return (-self._followed_at.get(pair, 0), pair[side])

        rows = []
        for pair in sorted(pairs, key=newest_first)[:_MAX_FOLLOW_ROWS]:
            other = pair[side]
            profile = self.users.get(other, {})
            rows.append({
                "username": profile.get("username"),
                "profile_image": profile.get("profile_image"),
                "address": other,
                "timestamp": self._followed_at.get(pair),
                "followers": self._follow_counts(other)["followers"],
            })  # fmt: skip
        return rows

    def coin(self, mint: str) -> dict[str, Any]:
        """``GET /coins/{mint}``: the coin; 404 for an unknown mint."""
        coin = self.coins.get(mint)
        if coin is None:
            raise NestError(404, f"Coin {mint} not found", "Not Found")
        return dict(coin)

    def user_reply_page(self, viewer: str, user: str, limit: int, offset: int) -> dict[str, Any]:
        """One page of the replies ``user`` posted, on every coin, oldest first."""
        mine = [r for rs in self.replies.values() for r in rs if r.get("user") == user]
        mine.sort(key=_posted)
        items, has_more = _page(mine, limit, offset)
        return {
            "replies": [self._reply_view(viewer, r) for r in items],
            "hasMore": has_more,
            "offset": offset,
        }

    # ------------------------------------------------------------------ bookmarks

    def _collections(self, user: str) -> dict[str, list[str]]:
        return self.bookmarks.setdefault(user, {"default": []})

    def add_bookmark_items(self, user: str, item: str, ids: Iterable[str]) -> dict[str, Any]:
        """Add an item to collections, creating a collection on first use."""
        collections = self._collections(user)
        ids = list(ids)
        for bookmark_id in ids:
            items = collections.setdefault(bookmark_id, [])
            if item not in items:
                items.append(item)
        return {"itemId": item, "bookmarkIds": ids, "success": True}

    def remove_bookmark_items(self, user: str, item: str, ids: Iterable[str]) -> dict[str, Any]:
        """Remove an item from collections; unknown collections are ignored."""
        collections = self._collections(user)
        ids = list(ids)
        for bookmark_id in ids:
            if item in collections.get(bookmark_id, ()):
                collections[bookmark_id].remove(item)
        return {"itemId": item, "bookmarkIds": ids, "success": True}

    def bookmark_coins(
        self, user: str, bookmark_id: str, limit: int, offset: int, include_nsfw: bool
    ) -> Any:
        """The coins of a collection; an unknown non-UUID id gets the database error body."""
        collections = self._collections(user)
        if bookmark_id not in collections:
            if len(bookmark_id) != _UUID_LENGTH:
                return {
                    "code": "22P02",
                    "details": None,
                    "hint": None,
                    "message": f'invalid input syntax for type uuid: "{bookmark_id}"',
                }
            return []
        coins = [self.coins[m] for m in collections[bookmark_id] if m in self.coins]
        if not include_nsfw:
            coins = [c for c in coins if not c.get("nsfw")]
        return _page(coins, limit, offset)[0]

    # ------------------------------------------------------------------ replies

    def create_reply(self, user: str, mint: str, text: str) -> dict[str, Any]:
        """Post a reply with the next integer id and a millisecond timestamp."""
        coin = self.coins.get(mint)
        if coin is None:
            raise NestError(404, f"Coin {mint} not found", "Not Found")
        now = self.now_ms()
        reply_id = self._next_reply_id
        self._next_reply_id += 1
        reply = {
            "id": reply_id,
            "mint": mint,
            "file_uri": None,
            "text": text,
            "user": user,
            "timestamp": now,
            "total_likes": 0,
            "hidden": False,
            "username": None,
            "profile_image": None,
        }
        self.replies.setdefault(mint, []).append(reply)
        self._replies_by_id[str(reply_id)] = reply
        coin["reply_count"] = coin.get("reply_count", 0) + 1
        coin["last_reply"] = now
        return self._reply_view(user, reply)

    def reply_page(self, user: str, mint: str, limit: int, offset: int) -> dict[str, Any]:
        """One page of a coin's replies, oldest first."""
        if mint not in self.coins:
            raise NestError(404, f"Coin {mint} not found", "Not Found")
        items, has_more = _page(self.replies.get(mint, []), limit, offset)
        return {
            "replies": [self._reply_view(user, r) for r in items],
            "hasMore": has_more,
            "offset": offset,
        }

    def _reply_view(self, user: str, reply: dict[str, Any]) -> dict[str, Any]:
        key = str(reply["id"])
        return {
            **reply,
            "total_likes": self._like_counts.get(key, 0),
            "liked_by_user": key in self.likes.get(user, ()),
        }

    # ------------------------------------------------------------------ reports

    def create_report(
        self, user: str, target: str, report_type: str, reason: str
    ) -> dict[str, Any]:
        """File a report; it starts pending."""
        now = self.now_ms()
        coin = self.coins.get(target)
        report: dict[str, Any] = {
            "id": str(uuid.uuid4()),
            "targetId": target,
            "type": report_type,
            "reason": reason,
            "reporter": user,
            "done": False,
            "action": None,
            "notes": None,
            "isCurrentlyLive": bool(coin and coin.get("is_currently_live")),
            "createdAt": _iso(now),
            "updatedAt": _iso(now),
        }
        self.reports[report["id"]] = report
        return dict(report)

    def report_page(
        self,
        *,
        limit: int,
        offset: int,
        report_type: str,
        done: bool,
        created_from: datetime | None,
        created_to: datetime | None,
        live_only: bool,
    ) -> dict[str, Any]:
        """Filtered reports, newest first, with the total that matched."""

        def keep(report: dict[str, Any]) -> bool:
            created = datetime.fromisoformat(report["createdAt"].replace("Z", "+00:00"))
            return (
                (report_type == "all" or report["type"] == report_type)
                and report["done"] is done
                and (created_from is None or created >= created_from)
                and (created_to is None or created <= created_to)
                and (not live_only or report["isCurrentlyLive"])
            )

        matched = [dict(r) for r in reversed(self.reports.values()) if keep(r)]
        items, has_more = _page(matched, limit, offset)
        return {"reports": items, "total": len(matched), "hasMore": has_more}

    def update_report(
        self, report_id: str, done: bool, action: str, notes: str | None
    ) -> dict[str, Any]:
        """Resolve or annotate a report."""
        report = self._report(report_id)
        report.update(done=done, action=action, updatedAt=_iso(self.now_ms()))
        if notes is not None:
            report["notes"] = notes
        return dict(report)

    def delete_report(self, report_id: str) -> dict[str, Any]:
        """Delete a report for good."""
        self._report(report_id)
        del self.reports[report_id]
        return {"id": report_id, "deleted": True}

    def _report(self, report_id: str) -> dict[str, Any]:
        report = self.reports.get(report_id)
        if report is None:
            raise NestError(404, f"Report {report_id} not found", "Not Found")
        return report
