"""The one cattrs converter that turns decoded JSON into the public models.

Everything here is built once, at import. Decoding is lenient in the ways pump.fun's
responses vary (numbers as strings, ids as ints or strings, camelCase or snake_case report
fields, new fields, new enum values) and strict where a value makes no sense, in which case
the caller turns the exception into an :class:`~pumpfun_async.APIError`.

Replies and coins come by the thousand, and almost always well typed: msgspec builds those
(see :func:`_with_raw`), and the cattrs hooks fix the rest.
"""

from __future__ import annotations

import enum
import re
import types
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar, Union, get_args, get_origin

import cattrs
import msgspec
from cattrs.gen import make_dict_structure_fn, override

from .models import Coin, Follower, RepliesPage, Reply, Report, ReportsPage, User

__all__ = [
    "converter",
    "structure_coin",
    "structure_coins",
    "structure_followers",
    "structure_optional",
    "structure_replies_page",
    "structure_reports_page",
    "structure_user",
]

T = TypeVar("T")

converter = cattrs.Converter(detailed_validation=False)

# Seconds-or-milliseconds cut-off: 10**11 ms is 1973, 10**11 s is the year 5138.
_MS_THRESHOLD = 10**11
_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MAX_MS = 253_402_300_799_999  # 9999-12-31T23:59:59.999Z, the last moment a datetime holds


def _structure_bool(value: Any, _: Any) -> bool:
    if value is True or value is False:
        return value
    if isinstance(value, (int, float)):
        return bool(value)
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("true", "1", "yes"):
            return True
        if lowered in ("false", "0", "no", ""):
            return False
    raise ValueError(f"not a boolean: {value!r}")


def _structure_int(value: Any, _: Any) -> int:
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            as_float = float(value)
            if as_float.is_integer():
                return int(as_float)
    raise ValueError(f"not an integer: {value!r}")


def _structure_float(value: Any, _: Any) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        return float(value)
    raise ValueError(f"not a number: {value!r}")


def _structure_str(value: Any, _: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise ValueError(f"not a string: {value!r}")


def _structure_datetime(value: Any, _: Any) -> datetime:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = value / 1000 if value >= _MS_THRESHOLD else value
        return datetime.fromtimestamp(seconds, tz=timezone.utc)
    if isinstance(value, str):
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        parsed = datetime.fromisoformat(text)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
    raise ValueError(f"not a date: {value!r}")


def _is_enum_or_str_union(tp: Any) -> bool:
    if get_origin(tp) not in (Union, types.UnionType):
        return False
    args = get_args(tp)
    return str in args and any(isinstance(a, type) and issubclass(a, enum.Enum) for a in args)


def _make_enum_or_str_hook(tp: Any) -> Callable[[Any, Any], Any]:
    enum_type = next(a for a in get_args(tp) if isinstance(a, type) and issubclass(a, enum.Enum))
    allows_none = type(None) in get_args(tp)

    def hook(value: Any, _: Any) -> Any:
        if value is None and allows_none:
            return None
        text = _structure_str(value, str)
        try:
            return enum_type(text)
        except ValueError:
            return text

    return hook


converter.register_structure_hook(bool, _structure_bool)
converter.register_structure_hook(int, _structure_int)
converter.register_structure_hook(float, _structure_float)
converter.register_structure_hook(str, _structure_str)
converter.register_structure_hook(datetime, _structure_datetime)
converter.register_structure_hook_factory(_is_enum_or_str_union, _make_enum_or_str_hook)


def _with_raw(
    cls: type[T], prepare: Callable[[Mapping[str, Any]], Mapping[str, Any]] | None = None
) -> Callable[[Iterable[Any]], list[T]]:
    """Register a hook for ``cls`` that ignores unknown keys and keeps the payload in ``raw``.

    Returns a function decoding a list of ``cls``. Without ``prepare``, msgspec builds the
    objects when every value already has its field's type (``msgspec.convert`` in strict
    mode: what a well-formed answer holds); a list it refuses goes through the cattrs hooks
    above, object by object, and an object they refuse too raises what they raise. The
    strict mode matters: msgspec's own lax coercions differ from these hooks', so it only
    takes what both would keep unchanged, and the result is the same either way.
    """
    lenient = make_dict_structure_fn(
        cls, converter, _cattrs_forbid_extra_keys=False, raw=override(omit=True)
    )

    def slow(data: Any) -> T:
        if not isinstance(data, Mapping):
            raise TypeError(f"expected a JSON object for {cls.__name__}, got {type(data).__name__}")
        obj = lenient(prepare(data) if prepare else data, cls)
        object.__setattr__(obj, "raw", data)
        return obj

    if prepare:
        converter.register_structure_hook(cls, lambda data, _: slow(data))
        return lambda items: [slow(data) for data in items]
    many = list[cls]  # type: ignore[valid-type]

    def one(data: Any) -> T:
        try:
            obj: T = msgspec.convert(data, cls)
        except msgspec.ValidationError:
            return slow(data)
        object.__setattr__(obj, "raw", data)
        return obj

    def structure_list(items: Iterable[Any]) -> list[T]:
        items = items if type(items) is list else list(items)
        try:
            objs: list[T] = msgspec.convert(items, many)
        except msgspec.ValidationError:
            return [one(data) for data in items]
        for obj, data in zip(objs, items, strict=True):
            object.__setattr__(obj, "raw", data)  # frozen: as attrs' own __init__ sets it
        return objs

    converter.register_structure_hook(cls, lambda data, _: one(data))
    return structure_list


def _snake_case_report(data: Mapping[str, Any]) -> Mapping[str, Any]:
    out = {_CAMEL.sub("_", key).lower(): value for key, value in data.items()}
    if "id" not in out:
        for alias in ("report_id", "_id"):
            if alias in out:
                out["id"] = out[alias]
                break
    return out


def _profile_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    # Users: snake_case keys, and the address read from userId when missing.
    out = {
        key if key.islower() else _CAMEL.sub("_", key).lower(): value for key, value in data.items()
    }
    if out.get("address") is None:
        out["address"] = out.get("user_id", out.get("id"))
    return out


def _follower_fields(data: Mapping[str, Any]) -> Mapping[str, Any]:
    # A follow's timestamp comes in seconds, milliseconds or ISO 8601: kept in milliseconds.
    out = _profile_fields(data)
    if out.get("timestamp") is not None:
        out["timestamp"] = _milliseconds(out["timestamp"])
    return out


def _milliseconds(value: Any) -> int:
    """A moment in seconds, milliseconds or ISO 8601, as whole milliseconds since the epoch."""
    if type(value) is int and 0 <= value <= _MAX_MS:  # the usual case: nothing to check
        return value if value >= _MS_THRESHOLD else value * 1000
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            moment = _structure_datetime(value, datetime)
            return (moment - _EPOCH) // timedelta(milliseconds=1)
    _structure_datetime(value, datetime)  # refuses what no datetime can hold
    number: float = value
    return round(number if number >= _MS_THRESHOLD else number * 1000)


_reply_list = _with_raw(Reply)
_coin_list = _with_raw(Coin)
_report_list = _with_raw(Report, _snake_case_report)
_user_list = _with_raw(User, _profile_fields)
_follower_list = _with_raw(Follower, _follower_fields)


def structure_replies_page(data: Any, *, offset: int, limit: int) -> RepliesPage:
    """Decode ``GET /replies/{mint}``: a ``{"replies", "hasMore", "offset"}`` object or a list.

    An empty body is an empty page.
    """
    if data is None:
        return RepliesPage(offset=offset, raw=None)
    if isinstance(data, list):
        replies = _reply_list(data)
        return RepliesPage(replies, has_more=len(replies) >= limit, offset=offset, raw=data)
    if not isinstance(data, Mapping) or not isinstance(data.get("replies"), list):
        raise TypeError("expected a list of replies or an object with a 'replies' list")
    replies = _reply_list(data["replies"])
    has_more = data.get("hasMore", data.get("has_more"))
    server_offset = data.get("offset")
    return RepliesPage(
        replies,
        has_more=len(replies) >= limit if has_more is None else _structure_bool(has_more, bool),
        offset=offset if server_offset is None else _structure_int(server_offset, int),
        raw=data,
    )


def _unwrap_list(data: Any, keys: tuple[str, ...]) -> list[Any]:
    if isinstance(data, list):
        return data
    if isinstance(data, Mapping):
        for key in keys:
            value = data.get(key)
            if isinstance(value, list):
                return value
    raise TypeError(f"expected a list, or an object with one of {', '.join(keys)}")


def structure_coins(data: Any) -> list[Coin]:
    """Decode a list of coins (bare, or wrapped in ``coins``/``items``/``data``)."""
    if data is None:
        return []
    return _coin_list(_unwrap_list(data, ("coins", "items", "data")))


def _unwrap_object(data: Any, key: str, wrappers: tuple[str, ...]) -> Any:
    # One object, bare or wrapped ({"user": {...}}, {"data": {...}}).
    if isinstance(data, Mapping) and key not in data:
        for wrapper in wrappers:
            if isinstance(data.get(wrapper), Mapping):
                return data[wrapper]
    return data


def structure_user(data: Any) -> User:
    """Decode ``GET /users/{userId}``: a user object, bare or wrapped in ``user``/``data``."""
    return _user_list([_unwrap_object(data, "address", ("user", "data"))])[0]


def structure_followers(data: Any) -> list[Follower]:
    """Decode ``GET /following/…``: user rows, bare or wrapped (``followers``, ``data``, …)."""
    if data is None:
        return []
    keys = ("followers", "following", "users", "data", "items", "results")
    return _follower_list(_unwrap_list(data, keys))


def structure_coin(data: Any) -> Coin:
    """Decode ``GET /coins/{mint}``: a coin object, bare or wrapped in ``coin``/``data``."""
    return _coin_list([_unwrap_object(data, "mint", ("coin", "data"))])[0]


def structure_reports_page(data: Any) -> ReportsPage:
    """Decode ``GET /reports``: a bare list or an object holding the list and its counts."""
    if data is None:
        return ReportsPage()
    reports = _report_list(_unwrap_list(data, ("reports", "data", "items", "results")))
    if not isinstance(data, Mapping):
        return ReportsPage(reports, raw=data)
    total = data.get("total", data.get("count"))
    has_more = data.get("hasMore", data.get("has_more"))
    return ReportsPage(
        reports,
        total=None if total is None else _structure_int(total, int),
        has_more=None if has_more is None else _structure_bool(has_more, bool),
        raw=data,
    )


def structure_optional(data: Any, cls: type[T]) -> T | None:
    """Decode the body of a create or update call into ``cls``, or ``None``.

    Those calls have succeeded once the server answered 2xx, so a body that is empty or not
    shaped like ``cls`` must not turn the success into an exception (a caller could then
    repeat a reply that was already posted). Such a body gives ``None``.
    """
    if not isinstance(data, Mapping) or not data:
        return None
    try:
        return converter.structure(data, cls)
    except Exception:  # any shape problem means "not a cls"
        return None
