"""The one cattrs converter that turns decoded JSON into the public models.

Everything here is built once, at import. Decoding is lenient in the ways pump.fun's
responses vary (numbers as strings, ids as ints or strings, camelCase or snake_case report
fields, new fields, new enum values) and strict where a value makes no sense, in which case
the caller turns the exception into an :class:`~pumpfun_async.APIError`.
"""

from __future__ import annotations

import enum
import re
import types
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timezone
from functools import partial
from itertools import chain, islice, repeat
from operator import is_, or_
from typing import Any, TypeVar, Union, get_args, get_origin

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, override

from .models import Coin, RepliesPage, Reply, Report, ReportsPage

__all__ = [
    "converter",
    "structure_coins",
    "structure_optional",
    "structure_replies_page",
    "structure_reports_page",
]

T = TypeVar("T")

converter = cattrs.Converter(detailed_validation=False)

# Seconds-or-milliseconds cut-off: 10**11 ms is 1973, 10**11 s is the year 5138.
_MS_THRESHOLD = 10**11
_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


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


class _Required:
    """Stands in for a required field the payload left out (no field accepts its type)."""


_REQUIRED = _Required()
_NONE_TYPE = type(None)
# The types whose values the hooks above return as they are (a bool is no int here: the int
# hook turns True into 1).
_AS_IS = (str, int, float, bool)
_MAX_SHAPES = 1024  # type signatures remembered per model
_Fix = tuple[str, Callable[[Any, Any], Any], Any]  # a field, its hook, its type
_consume: Callable[[Iterable[Any]], object] = partial(deque, maxlen=0)  # runs an iterator out


def _as_is_types(tp: Any) -> frozenset[type]:
    """The exact types of the values the converter turns into ``tp`` unchanged."""
    if tp in _AS_IS:
        return frozenset((tp,))
    if get_origin(tp) in (Union, types.UnionType):
        args = get_args(tp)
        if len(args) == 2 and _NONE_TYPE in args:  # X | None: None, and X as X allows
            (other,) = (a for a in args if a is not _NONE_TYPE)
            return frozenset((_NONE_TYPE,)) | _as_is_types(other)
    return frozenset()


def _plain_fields(cls: type) -> list[attrs.Attribute[Any]] | None:
    """``cls``'s fields but ``raw``, if its instances are nothing more than their ``__dict__``.

    That is: not slotted, no validators, converters, factory defaults (``raw`` aside), init
    hooks or aliases, and every default one its field's hook would return unchanged.
    """
    model: Any = attrs.resolve_types(cls)
    fields = [a for a in attrs.fields(model) if a.name != "raw"]
    plain = (
        "__slots__" not in vars(cls)
        and not hasattr(cls, "__attrs_pre_init__")
        and not hasattr(cls, "__attrs_post_init__")
        and all(
            a.init
            and a.validator is None
            and a.converter is None
            and a.alias == a.name
            and not isinstance(a.default, attrs.Factory)  # type: ignore[arg-type]
            and (a.default is attrs.NOTHING or type(a.default) in _as_is_types(a.type))
            for a in fields
        )
    )
    return fields if plain else None


def _fast_path(cls: type[T], slow: Callable[[Any], T]) -> Callable[[Iterable[Any]], list[T]] | None:
    """A function decoding a list of ``cls`` that runs the hooks only on values that need them.

    Models come by the thousand (a replies page, a coin list), and their values are mostly
    what the model keeps already: strings for ``str``, ints for ``int`` and so on, for which
    a field's hook returns the value unchanged. So an object's values are looked at all at
    once, by their types in field order (a signature, whose plan is worked out once): when
    they all fit, they go into the instance's ``__dict__`` as they are, the payload into
    ``raw``; otherwise only the fields that do not fit go through their hooks. For a list
    whose objects all fit, each step runs over the whole list in C. An object that is not
    a dict, lacks a required key, or has a value its hook rejects goes to ``slow``, the
    cattrs path: the result, or the exception, is the same either way.

    ``None`` when ``cls`` is not shaped for this (see :func:`_plain_fields`).
    """
    fields = _plain_fields(cls)
    if fields is None:
        return None
    allowed = tuple(_as_is_types(a.type) for a in fields)
    # Field order; a required field's placeholder fits no field, so its absence goes slow.
    template = {a.name: _REQUIRED if a.default is attrs.NOTHING else a.default for a in fields}
    size = len(template)
    hooks = [(a.name, converter.get_structure_hook(a.type), a.type) for a in fields]
    # Per type signature: () when every value fits, else the fields to convert, or None
    # when the object must go slow.
    plans: dict[tuple[type, ...], tuple[_Fix, ...] | None] = {}
    fitting: set[tuple[type, ...]] = set()  # the signatures whose plan is ()
    new = object.__new__
    set_attr = object.__setattr__

    def plan_for(kinds: tuple[type, ...]) -> tuple[_Fix, ...] | None:
        if kinds in plans:
            return plans[kinds]
        plan: tuple[_Fix, ...] | None = tuple(
            fix for fix, kind, ok in zip(hooks, kinds, allowed, strict=True) if kind not in ok
        )
        if _Required in kinds:
            plan = None
        if len(plans) < _MAX_SHAPES:
            plans[kinds] = plan
            if plan == ():
                fitting.add(kinds)
        return plan

    def drop_unknown(values: dict[str, Any]) -> dict[str, Any]:
        for key in tuple(islice(values, size, None)):  # after the fields, from the payload
            del values[key]
        return values

    def build(values: dict[str, Any], data: dict[str, Any]) -> T:
        values["raw"] = data
        obj: T = new(cls)
        set_attr(obj, "__dict__", values)
        return obj

    def one(data: Any) -> T:
        if type(data) is dict:
            values = template | data
            if len(values) != size:
                drop_unknown(values)
            plan = plan_for(tuple(map(type, values.values())))
            if plan is not None:
                try:
                    for name, hook, tp in plan:
                        values[name] = hook(values[name], tp)
                except Exception:  # the cattrs path raises it, as it would have
                    return slow(data)
                return build(values, data)
        return slow(data)

    def structure_list(items: Iterable[Any]) -> list[T]:
        # What one() does, a step at a time over the whole list (the loops run in C).
        items = items if type(items) is list else list(items)
        n = len(items)
        if not all(map(is_, map(type, items), repeat(dict, n))):
            return [one(data) for data in items]
        merged = list(map(or_, repeat(template, n), items))
        if not all(map(size.__eq__, map(len, merged))):
            for values in merged:
                if len(values) != size:
                    drop_unknown(values)
        # Every value's type, then those grouped into each object's signature, in one pass.
        types_of_all = map(type, chain.from_iterable(map(dict.values, merged)))
        fits = list(map(fitting.__contains__, zip(*[types_of_all] * size, strict=True)))
        if not all(fits):
            return [
                build(values, data) if ok else one(data)
                for ok, values, data in zip(fits, merged, items, strict=True)
            ]
        _consume(map(dict.__setitem__, merged, repeat("raw", n), items))
        objs: list[T] = list(map(new, repeat(cls, n)))
        _consume(map(set_attr, objs, repeat("__dict__", n), merged))
        return objs

    return structure_list


def _with_raw(
    cls: type[T], prepare: Callable[[Mapping[str, Any]], Mapping[str, Any]] | None = None
) -> Callable[[Iterable[Any]], list[T]]:
    """Register a hook for ``cls`` that ignores unknown keys and keeps the payload in ``raw``.

    Returns a function decoding a list of ``cls``, faster than the converter's when it can.
    """
    generated = make_dict_structure_fn(
        cls, converter, _cattrs_forbid_extra_keys=False, raw=override(omit=True)
    )

    def slow(data: Any) -> T:
        if not isinstance(data, Mapping):
            raise TypeError(f"expected a JSON object for {cls.__name__}, got {type(data).__name__}")
        obj = generated(prepare(data) if prepare else data, cls)
        object.__setattr__(obj, "raw", data)
        return obj

    fast = None if prepare else _fast_path(cls, slow)
    if fast is None:
        converter.register_structure_hook(cls, lambda data, _: slow(data))
        return lambda items: [slow(data) for data in items]
    structure_list = fast
    converter.register_structure_hook(cls, lambda data, _: structure_list((data,))[0])
    return structure_list


def _snake_case_report(data: Mapping[str, Any]) -> Mapping[str, Any]:
    out = {_CAMEL.sub("_", key).lower(): value for key, value in data.items()}
    if "id" not in out:
        for alias in ("report_id", "_id"):
            if alias in out:
                out["id"] = out[alias]
                break
    return out


_reply_list = _with_raw(Reply)
_coin_list = _with_raw(Coin)
_report_list = _with_raw(Report, _snake_case_report)


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
