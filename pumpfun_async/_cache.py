"""StateCache: what this user has liked, followed and bookmarked, learned from calls."""

from __future__ import annotations

import asyncio
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, Final, Literal

from ._validate import check_id, check_int
from .errors import ValidationError

__all__ = ["StateCache"]

Kind = Literal["like", "follow", "bookmark"]
_KINDS: Final = ("like", "follow", "bookmark")
_SNAPSHOT_KEYS: Final = {"like": "likes", "follow": "follows", "bookmark": "bookmarks"}
_BOOKMARK_SEP: Final = "\x00"  # check_id refuses control characters, so this never clashes


class StateCache:
    """What this user liked, followed and bookmarked, remembered from successful calls.

    Hand one to the client and a like, follow or bookmark that is already known to be in
    place is skipped without a request (and so is an unlike, unfollow or removal already
    known to be done)::

        cache = StateCache()
        async with AsyncPumpFunClient(token="…", state_cache=cache) as client:
            await client.like(mint)   # one request
            await client.like(mint)   # none: the cache knows it is liked
            await client.like_many([mint] * 100)   # none either

    The cache only learns from calls that succeeded, and from what you tell it with
    :meth:`record_like`, :meth:`record_follow` and :meth:`record_bookmark`. It only ever
    skips a whole call; it never changes a request that is sent. Calls for the same target
    made at the same time go one after another, so a batch with duplicates sends one
    request per target. Something changed elsewhere (in the browser, say) is not seen: call
    :meth:`forget` or :meth:`clear` when the cache may be stale.

    One cache describes one account: its facts are keyed by target alone. It is safe to
    share between threads and between clients of that account (views from
    ``with_options``, a sync and an async client), never between accounts.
    :meth:`snapshot` and :meth:`from_snapshot` carry it across runs.

    Args:
        max_entries: Keep at most this many facts, dropping the least recently used;
            ``None`` (the default) for no bound.
    """

    def __init__(self, *, max_entries: int | None = None) -> None:
        if max_entries is not None:
            check_int(max_entries, "max_entries", low=1)
        self._max_entries = max_entries
        self._facts: OrderedDict[tuple[str, str], bool] = OrderedDict()
        self._lock = threading.Lock()
        self._inflight: dict[tuple[object, str, str], asyncio.Future[None]] = {}
        self._skipped = 0

    # ------------------------------------------------------------------ reading

    @property
    def max_entries(self) -> int | None:
        """The most facts kept, or ``None`` for no bound."""
        return self._max_entries

    @property
    def skipped(self) -> int:
        """How many calls the cache has answered without a request."""
        return self._skipped

    def is_liked(self, target_id: str | int) -> bool | None:
        """``True`` if known liked, ``False`` if known not liked, ``None`` if unknown."""
        return self._get("like", check_id(target_id, "target_id"))

    def is_following(self, user_id: str) -> bool | None:
        """``True`` if known followed, ``False`` if known not followed, ``None`` if unknown."""
        return self._get("follow", check_id(user_id, "user_id"))

    def is_bookmarked(self, item_id: str, bookmark_id: str) -> bool | None:
        """Whether ``item_id`` is known to be in collection ``bookmark_id`` (``None``: unknown)."""
        return self._get("bookmark", _bookmark_key(item_id, bookmark_id))

    def __len__(self) -> int:
        return len(self._facts)

    def __repr__(self) -> str:
        if not all(hasattr(self, name) for name in ("_facts", "_lock", "_skipped")):
            return "StateCache(<not initialised>)"  # a constructor raised; reporters call this
        counts = dict.fromkeys(_KINDS, 0)
        with self._lock:
            for kind, _ in self._facts:
                counts[kind] += 1
        return (
            f"StateCache(likes={counts['like']}, follows={counts['follow']}, "
            f"bookmarks={counts['bookmark']}, skipped={self._skipped})"
        )

    # ------------------------------------------------------------------ writing

    def record_like(self, target_id: str | int, liked: bool = True) -> None:
        """Record that ``target_id`` is (or, with ``liked=False``, is not) liked."""
        self._set("like", check_id(target_id, "target_id"), _flag(liked, "liked"))

    def record_follow(self, user_id: str, following: bool = True) -> None:
        """Record that ``user_id`` is (or, with ``following=False``, is not) followed."""
        self._set("follow", check_id(user_id, "user_id"), _flag(following, "following"))

    def record_bookmark(
        self, item_id: str, bookmark_ids: Iterable[str], present: bool = True
    ) -> None:
        """Record that ``item_id`` is (or is not) in each of the ``bookmark_ids`` collections."""
        value = _flag(present, "present")
        for bookmark_id in _bookmark_ids(bookmark_ids):
            self._set("bookmark", _bookmark_key(item_id, bookmark_id), value)

    def forget(
        self,
        *,
        target_id: str | int | None = None,
        user_id: str | None = None,
        item_id: str | None = None,
    ) -> None:
        """Drop what is known of a like target, a followed user, or an item's bookmarks."""
        with self._lock:
            if target_id is not None:
                self._facts.pop(("like", check_id(target_id, "target_id")), None)
            if user_id is not None:
                self._facts.pop(("follow", check_id(user_id, "user_id")), None)
            if item_id is not None:
                prefix = check_id(item_id, "item_id") + _BOOKMARK_SEP
                for fact in [f for f in self._facts if f[0] == "bookmark"]:
                    if fact[1].startswith(prefix):
                        del self._facts[fact]

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._facts.clear()

    # ------------------------------------------------------------------ persistence

    def snapshot(self) -> dict[str, dict[str, Any]]:
        """Everything known, as plain JSON-ready data for :meth:`from_snapshot`.

        ``{"likes": {id: bool}, "follows": {id: bool}, "bookmarks": {item: {collection:
        bool}}}``, oldest first.
        """
        out: dict[str, dict[str, Any]] = {"likes": {}, "follows": {}, "bookmarks": {}}
        with self._lock:
            facts = list(self._facts.items())
        for (kind, key), value in facts:
            if kind == "bookmark":
                item, collection = key.split(_BOOKMARK_SEP, 1)
                out["bookmarks"].setdefault(item, {})[collection] = value
            else:
                out[_SNAPSHOT_KEYS[kind]][key] = value
        return out

    @classmethod
    def from_snapshot(
        cls, data: Mapping[str, Any], *, max_entries: int | None = None
    ) -> StateCache:
        """A cache holding what :meth:`snapshot` returned (from this or an earlier run)."""
        if not isinstance(data, Mapping):
            raise ValidationError("data", "expected the mapping that snapshot() returns")
        cache = cls(max_entries=max_entries)
        for name, record in (("likes", cache.record_like), ("follows", cache.record_follow)):
            for key, value in _section(data, name).items():
                record(key, value)
        for item, collections in _section(data, "bookmarks").items():
            if not isinstance(collections, Mapping):
                raise ValidationError("data", f"bookmarks[{item!r}] is not a mapping")
            for collection, value in collections.items():
                cache.record_bookmark(item, [collection], value)
        return cache

    # ------------------------------------------------------------------ the client's side

    async def apply(
        self,
        kind: Kind,
        keys: list[str],
        desired: bool,
        send: Callable[[], Awaitable[None]],
        *,
        force: bool = False,
    ) -> bool:
        """Run ``send`` unless every key is already known to be ``desired``; then record it.

        With ``force`` (a raw call, which must have an answer to show) it always sends.

        Calls on the same event loop that touch a key in common wait for one another, so
        the second of two concurrent likes of one coin finds the first one's result, and an
        item's bookmark changes land in the cache in the order the server got them. A call
        takes every one of its keys at once, or waits: it never holds some while waiting
        for others, so two calls cannot deadlock. Returns whether a request was sent.
        """
        loop = asyncio.get_running_loop()
        slots = [(loop, kind, key) for key in dict.fromkeys(keys)]
        inflight = self._inflight
        while True:
            busy = next((f for slot in slots if (f := inflight.get(slot)) is not None), None)
            if busy is None:
                break
            await asyncio.shield(busy)
        # No await between the check above and the claim below: the claim is all or nothing.
        if not force and all(self._get(kind, key) is desired for key in keys):
            with self._lock:
                self._skipped += 1
            return False
        done: asyncio.Future[None] = loop.create_future()
        for slot in slots:
            inflight[slot] = done
        try:
            await send()
            for key in keys:
                self._set(kind, key, desired)
        finally:
            for slot in slots:
                del inflight[slot]
            done.set_result(None)
        return True

    def _get(self, kind: Kind, key: str) -> bool | None:
        with self._lock:
            value = self._facts.get((kind, key))
            if value is not None:
                self._facts.move_to_end((kind, key))
            return value

    def _set(self, kind: Kind, key: str, value: bool) -> None:
        with self._lock:
            self._facts[(kind, key)] = value
            self._facts.move_to_end((kind, key))
            if self._max_entries is not None:
                while len(self._facts) > self._max_entries:
                    self._facts.popitem(last=False)


def _flag(value: object, field: str) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(field, f"expected True or False, got {value!r}")
    return value


def _bookmark_ids(values: Iterable[str]) -> list[str]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise ValidationError("bookmark_ids", "expected a list of collection ids")
    return [check_id(value, "bookmark_ids") for value in values]


def _bookmark_key(item_id: str, bookmark_id: str) -> str:
    return check_id(item_id, "item_id") + _BOOKMARK_SEP + check_id(bookmark_id, "bookmark_id")


def _section(data: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    section = data.get(name, {})
    if not isinstance(section, Mapping):
        raise ValidationError("data", f"{name!r} is not a mapping")
    return section


def bookmark_keys(item_id: str, bookmark_ids: list[str]) -> list[str]:
    """The cache keys of one item in several collections (ids already checked)."""
    return [item_id + _BOOKMARK_SEP + bookmark_id for bookmark_id in bookmark_ids]
