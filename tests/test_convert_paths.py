"""The two decoding paths of ``pumpfun_async._convert`` agree.

Lists of :class:`Reply` and :class:`Coin` (and single objects, through the converter's
hook) are decoded by ``msgspec.convert`` in strict mode when every value already has its
field's type, and otherwise by the lenient cattrs hooks, object by object. Whichever path
decodes a payload, the result must be what the lenient path alone gives: the same objects,
field by field and type by type, with the payload as ``raw``; or the same exception, type
and message. These tests generate payloads, decode them both ways and compare.
"""

from __future__ import annotations

import enum
import math
import types
from collections import OrderedDict, UserDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime, timezone
from typing import Any, TypeVar, Union, get_args, get_origin

import attrs
import msgspec
import orjson
import pytest
from cattrs.gen import make_dict_structure_fn, override
from hypothesis import given, settings
from hypothesis import strategies as st

from pumpfun_async import Coin, Reply, ReportAction, ReportType, _convert
from pumpfun_async._convert import _coin_list, _reply_list, converter

T = TypeVar("T")

MINT = "CxLHsqvjfisgPAGwcZJsTn6nzZXJLxmVYM7v9pump"
MODELS: tuple[type[Any], ...] = (Reply, Coin)
LIST_FUNCTIONS: dict[type[Any], Callable[[Iterable[Any]], list[Any]]] = {
    Reply: _reply_list,
    Coin: _coin_list,
}
FAST = settings(max_examples=200, deadline=None, derandomize=True, database=None)


# The reference: the lenient path alone, built the way ``_convert._with_raw`` builds it.


def reference_slow(cls: type[T]) -> Callable[[Any], T]:
    generated = make_dict_structure_fn(
        cls, converter, _cattrs_forbid_extra_keys=False, raw=override(omit=True)
    )

    def slow(data: Any) -> T:
        if not isinstance(data, Mapping):
            raise TypeError(f"expected a JSON object for {cls.__name__}, got {type(data).__name__}")
        obj = generated(data, cls)
        object.__setattr__(obj, "raw", data)
        return obj

    return slow


REFERENCE: dict[type[Any], Callable[[Any], Any]] = {cls: reference_slow(cls) for cls in MODELS}


def strict(data: Any, cls: type[T]) -> T:
    """The strict path alone, as ``_convert`` runs it on one object."""
    obj = msgspec.convert(data, cls)
    object.__setattr__(obj, "raw", data)
    return obj


# Outcomes and their comparison.


@attrs.frozen
class Raised:
    type: type[BaseException]
    message: str


def outcome(fn: Callable[..., T], *args: Any) -> T | Raised:
    try:
        return fn(*args)
    except Exception as exc:
        return Raised(type(exc), str(exc))


def each(slow: Callable[[Any], T], items: Iterable[Any]) -> list[T]:
    return [slow(data) for data in items]


def reference_list(cls: type[Any], items: Iterable[Any]) -> list[Any] | Raised:
    """What the lenient path gives for a list: each item in turn, stopping at the first error.

    The module's list decoder falls back to the items in order too, and every error it
    raises is the one the lenient path raises for that item; so the first failing item
    decides.
    """
    return outcome(each, REFERENCE[cls], items)


def _same_value(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


def _fields(obj: Any) -> dict[str, Any]:
    return {a.name: getattr(obj, a.name) for a in attrs.fields(type(obj))}


def assert_same_object(got: Any, want: Any, payload: Any) -> None:
    assert type(got) is type(want)
    for name, value in _fields(want).items():
        if name == "raw":
            continue
        assert _same_value(getattr(got, name), value), (name, getattr(got, name), value)
    assert got.raw is payload
    assert want.raw is payload
    assert repr(got) == repr(want)
    if not any(isinstance(v, float) and math.isnan(v) for v in _fields(want).values()):
        assert got == want
        assert hash(got) == hash(want)


def assert_same_outcome(got: Any, want: Any, items: list[Any]) -> None:
    if isinstance(want, Raised) or isinstance(got, Raised):
        assert got == want
        return
    assert isinstance(got, list)
    assert len(got) == len(want) == len(items)
    for g, w, payload in zip(got, want, items, strict=True):
        assert_same_object(g, w, payload)


# Payloads.


def _field_types(cls: type[Any]) -> dict[str, Any]:
    model: Any = attrs.resolve_types(cls)
    return {a.name: a.type for a in attrs.fields(model) if a.name != "raw"}


def _required(cls: type[Any]) -> list[str]:
    return [a.name for a in attrs.fields(cls) if a.name != "raw" and a.default is attrs.NOTHING]


def _exact_types(tp: Any) -> tuple[Any, ...]:
    if get_origin(tp) in (Union, types.UnionType):
        return get_args(tp)
    return (tp,)


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 10**12


class MyStr(str):
    pass


class MyDict(dict[str, Any]):
    pass


EXACT: dict[Any, st.SearchStrategy[Any]] = {
    int: st.integers(),
    str: st.text(max_size=8),
    bool: st.booleans(),
    float: st.floats(),
    type(None): st.none(),
}
LENIENT_STRINGS = (
    "0",
    "1",
    "-7",
    " 12 ",
    "1.0",
    "1.5",
    "1e3",
    "-0",
    "0x10",
    "1_000",
    "nan",
    "NaN",
    "inf",
    "-Infinity",
    "true",
    "False",
    " yes ",
    "no",
    "",
    "2024-05-01T10:00:00Z",
    "2024-05-01T10:00:00.123+02:00",
    "1714557600000",
    "scam",
    "no_action",
    "some_new_type",
    "garbage",
    "#123 gm",
)
TIMESTAMPS = st.datetimes(
    min_value=datetime(1970, 1, 2),
    max_value=datetime(2100, 1, 1),
    timezones=st.just(timezone.utc),
)
SCALARS: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(-(2**62), 2**62).map(float),  # floats that are integers
    st.floats(),  # NaN and infinities too
    st.text(max_size=6),
    st.integers().map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(str),
    st.sampled_from(LENIENT_STRINGS),
    TIMESTAMPS.map(lambda d: d.isoformat()),
    TIMESTAMPS.map(lambda d: int(d.timestamp() * 1000)),  # milliseconds
    st.sampled_from([*ReportType, *ReportAction, *Level]),  # str and int subclasses
    st.text(max_size=4).map(MyStr),
)
WRONG: st.SearchStrategy[Any] = st.one_of(
    st.lists(SCALARS, max_size=2),
    st.dictionaries(st.text(max_size=3), SCALARS, max_size=2),
    st.tuples(SCALARS),
    st.frozensets(st.integers(), max_size=2),
    st.binary(max_size=3),
)
ANY_VALUE: st.SearchStrategy[Any] = st.one_of(SCALARS, WRONG)
# Per type, values of other types that its hook accepts (and converts).
LENIENT: dict[Any, st.SearchStrategy[Any]] = {
    int: st.one_of(
        st.booleans(),
        st.integers(-(2**62), 2**62).map(float),
        st.integers().map(str),
        st.sampled_from(["1.0", "1e3", " 12 ", "-0", "1_000", "+5", "1E2"]),
        st.sampled_from(list(Level)),
    ),
    str: st.one_of(
        st.integers(),
        st.floats(),
        st.text(max_size=4).map(MyStr),
        st.sampled_from([*ReportType, *ReportAction]),
    ),
    bool: st.one_of(
        st.integers(),
        st.floats(),
        st.sampled_from(["true", "False", " yes ", "NO", "", "1", "0", " TRUE "]),
        st.sampled_from(list(Level)),
    ),
    float: st.one_of(
        st.integers(),
        st.floats().map(str),
        st.integers().map(str),
        st.sampled_from(["nan", "-inf", " 1.5 ", "1e-3", "Infinity"]),
        st.sampled_from(list(Level)),
    ),
    type(None): st.none(),
}
EXTRA_KEYS = st.one_of(
    st.sampled_from(["raw", "Raw", "__dict__", "mintAddress", "replies", "id_", "0"]),
    st.text(max_size=5),
)


def exact_value(tp: Any) -> st.SearchStrategy[Any]:
    """Values the field keeps as they are: its own types, exactly."""
    return st.one_of(*(EXACT[t] for t in _exact_types(tp)))


def lenient_value(tp: Any) -> st.SearchStrategy[Any]:
    """Values the field's hook accepts: its own types, or others it converts."""
    return st.one_of(exact_value(tp), *(LENIENT[t] for t in _exact_types(tp)))


def field_value(tp: Any) -> st.SearchStrategy[Any]:
    """Anything at all, though mostly values of the field's own types."""
    return st.one_of(exact_value(tp), SCALARS, WRONG)


@st.composite
def with_extras(draw: st.DrawFn, fields: st.SearchStrategy[dict[Any, Any]]) -> dict[Any, Any]:
    """Unknown keys, before and after the fields (which may overwrite or be overwritten)."""
    before = draw(st.dictionaries(EXTRA_KEYS, ANY_VALUE, max_size=2))
    middle = draw(fields)
    after = draw(st.dictionaries(EXTRA_KEYS, ANY_VALUE, max_size=2))
    return {**before, **middle, **after}


def fitting_item(cls: type[Any]) -> st.SearchStrategy[dict[Any, Any]]:
    """A dict the fast path can take as it is: required keys, exact types, maybe extras."""
    types_ = _field_types(cls)
    required = _required(cls)
    plain = st.fixed_dictionaries(
        {name: exact_value(types_[name]) for name in required},
        optional={name: exact_value(tp) for name, tp in types_.items() if name not in required},
    )
    return st.one_of(plain, with_extras(plain))


def lenient_item(cls: type[Any]) -> st.SearchStrategy[dict[Any, Any]]:
    """A dict that decodes, though some of its values need their hooks: maybe extras."""
    types_ = _field_types(cls)
    required = _required(cls)
    plain = st.fixed_dictionaries(
        {name: lenient_value(types_[name]) for name in required},
        optional={name: lenient_value(tp) for name, tp in types_.items() if name not in required},
    )
    return st.one_of(plain, with_extras(plain))


def messy_item(cls: type[Any]) -> st.SearchStrategy[dict[Any, Any]]:
    """A dict with any subset of the fields, any values, and unknown keys."""
    types_ = _field_types(cls)
    required = _required(cls)
    anything = {name: field_value(tp) for name, tp in types_.items()}
    # Required keys present (each value anything), or all keys optional (required ones
    # missing about half the time).
    mostly_complete = st.fixed_dictionaries(
        {name: anything[name] for name in required},
        optional={name: s for name, s in anything.items() if name not in required},
    )
    any_subset = st.fixed_dictionaries({}, optional=anything)
    return with_extras(st.one_of(mostly_complete, any_subset))


def not_a_dict(cls: type[Any]) -> st.SearchStrategy[Any]:
    """Items whose type is not ``dict``: mappings of other kinds, and non-mappings."""
    fitting = fitting_item(cls)
    return st.one_of(
        SCALARS,
        st.lists(SCALARS, max_size=2),
        fitting.map(MyDict),
        fitting.map(OrderedDict),
        fitting.map(types.MappingProxyType),
        fitting.map(UserDict),
        fitting.map(lambda d: list(d.items())),
    )


# The kinds of value a homogeneous list gives a field, the same for every item.
KINDS = ("absent", "exact", "lenient", "none", "int_float", "number_string", "bool", "any")


def kind_strategy(kind: str, tp: Any) -> st.SearchStrategy[Any]:
    return {
        "exact": exact_value(tp),
        "lenient": lenient_value(tp),
        "none": st.none(),
        "int_float": st.integers(-(2**53), 2**53).map(float),
        "number_string": st.integers(-(10**6), 10**6).map(str),
        "bool": st.booleans(),
        "any": field_value(tp),
    }[kind]


@st.composite
def homogeneous_list(draw: st.DrawFn, cls: type[Any]) -> list[Any]:
    """Items all of one shape: the same keys, each with the same kind of value.

    Mostly they fit as they are, so the fast path handles the whole list at once.
    """
    types_ = _field_types(cls)
    fitting_only = draw(st.booleans())
    shape: dict[str, st.SearchStrategy[Any]] = {}
    for name, tp in types_.items():
        kinds: tuple[str, ...] = ("absent", "exact") if fitting_only else KINDS
        if name in _required(cls):
            kinds = tuple(k for k in kinds if k != "absent") if draw(st.booleans()) else kinds
        kind = draw(st.sampled_from(kinds))
        if kind != "absent":
            shape[name] = kind_strategy(kind, tp)
    return draw(st.lists(st.fixed_dictionaries(shape), max_size=30))


def payload_lists(cls: type[Any]) -> st.SearchStrategy[list[Any]]:
    fitting, lenient, messy = fitting_item(cls), lenient_item(cls), messy_item(cls)
    return st.one_of(
        st.lists(st.one_of(fitting, lenient, messy, not_a_dict(cls)), max_size=30),
        st.lists(st.one_of(fitting, lenient, messy), max_size=30),
        st.lists(st.one_of(fitting, lenient), max_size=30),
        st.lists(fitting, max_size=30),
        homogeneous_list(cls),
    )


# The differential check.


def snapshot(items: list[Any]) -> list[Any]:
    """Each item, and for a mapping its keys and the identity of their values, in order."""
    return [
        (id(x), [(k, id(v)) for k, v in x.items()] if isinstance(x, Mapping) else None)
        for x in items
    ]


def check_list(cls: type[Any], items: list[Any]) -> None:
    before = snapshot(items)
    singles = [outcome(REFERENCE[cls], data) for data in items]
    # The items that decode on their own, as a list too: in ``items`` a failing item
    # would hide the others' results behind its exception.
    decodable = [data for data, one in zip(items, singles, strict=True) if type(one) is not Raised]

    for payloads in (items, decodable):
        want = reference_list(cls, payloads)
        list_fn = LIST_FUNCTIONS[cls]
        assert_same_outcome(outcome(list_fn, payloads), want, payloads)
        assert_same_outcome(outcome(list_fn, iter(payloads)), want, payloads)

    for data, one in zip(items, singles, strict=True):
        # The strict path, wherever it takes an object, gives what the lenient path gives.
        fast = outcome(strict, data, cls)
        if not isinstance(fast, Raised):
            assert not isinstance(one, Raised), (data, fast, one)
            assert_same_object(fast, one, data)
        # The converter's hook for one object: the same as the lenient path.
        got = outcome(converter.structure, data, cls)
        if isinstance(one, Raised) or isinstance(got, Raised):
            assert got == one
        else:
            assert_same_object(got, one, data)

    assert snapshot(items) == before  # nothing decoded in place


@FAST
@given(payload_lists(Reply))
def test_reply_paths_agree(items: list[Any]) -> None:
    check_list(Reply, items)


@FAST
@given(payload_lists(Coin))
def test_coin_paths_agree(items: list[Any]) -> None:
    check_list(Coin, items)


# Arbitrary JSON: what a server can send, parsed as the client parses it.

JSON_SCALARS: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**64 - 1),  # what a JSON parser gives back as an int
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
    st.sampled_from(LENIENT_STRINGS),
)
JSON_VALUES: st.SearchStrategy[Any] = st.recursive(
    JSON_SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=6,
)


def json_object(cls: type[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """A JSON object with any of ``cls``'s keys (and others), each holding any JSON value."""
    types_ = _field_types(cls)
    keys = st.one_of(st.sampled_from([*types_, "raw"]), st.text(max_size=5))
    return st.one_of(
        st.dictionaries(keys, JSON_VALUES, max_size=len(types_) + 2),
        fitting_item(cls),
        lenient_item(cls),
        messy_item(cls),
    )


def json_payload(cls: type[Any]) -> st.SearchStrategy[list[Any]]:
    """A list of objects (and sometimes of other JSON values), as the client parses it."""
    items = st.lists(st.one_of(json_object(cls), json_object(cls), JSON_VALUES), max_size=20)
    return items.map(lambda value: orjson.loads(orjson.dumps(_as_json(value))))


def _as_json(value: Any) -> Any:
    """``value`` with what JSON cannot hold made into what a server could send instead."""
    if isinstance(value, Mapping):
        return {str(k): _as_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_as_json(v) for v in value]
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value) if -(2**63) <= value < 2**64 else str(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    return str(value)


@FAST
@given(json_payload(Reply))
def test_reply_json_decodes_as_the_lenient_path(items: list[Any]) -> None:
    check_list(Reply, items)


@FAST
@given(json_payload(Coin))
def test_coin_json_decodes_as_the_lenient_path(items: list[Any]) -> None:
    check_list(Coin, items)


# Which path runs.


class ConvertSpy:
    """Counts ``msgspec.convert`` calls by target type, passing each through."""

    def __init__(self, convert: Callable[..., Any]) -> None:
        self.convert = convert
        self.calls: list[Any] = []

    def __call__(self, data: Any, type: Any, **kwargs: Any) -> Any:
        self.calls.append(type)
        return self.convert(data, type, **kwargs)


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> ConvertSpy:
    spy = ConvertSpy(msgspec.convert)
    monkeypatch.setattr(msgspec, "convert", spy)  # _convert looks it up at each call
    return spy


def reply_json(**overrides: Any) -> dict[str, Any]:
    return {"id": 1, "mint": MINT, "text": "gm #7", "user": "wallet", "timestamp": 5, **overrides}


def test_a_well_typed_list_is_one_msgspec_call(spy: ConvertSpy) -> None:
    items = [reply_json(id=i, text=f"reply {i}", hidden=i % 2 == 0, extra=[i]) for i in range(50)]
    got = _reply_list(items)
    assert spy.calls == [list[Reply]]
    assert_same_outcome(got, reference_list(Reply, items), items)


def test_a_list_needing_fixes_falls_back_object_by_object(spy: ConvertSpy) -> None:
    items = [reply_json(), reply_json(id="2"), reply_json(id=3)]
    got = _reply_list(items)
    # The list, then each object: the second one by the lenient path after msgspec refused.
    assert spy.calls == [list[Reply], Reply, Reply, Reply]
    assert_same_outcome(got, reference_list(Reply, items), items)
    assert [r.id for r in got] == [1, 2, 3]


def test_reports_take_the_lenient_path_only(spy: ConvertSpy) -> None:
    report = _convert.structure_reports_page([{"reportId": 7, "type": "scam"}]).reports[0]
    assert spy.calls == []
    assert report.id == "7"
    assert report.type is ReportType.SCAM


# Examples.


@pytest.mark.parametrize("cls", MODELS)
def test_empty_list(cls: type[Any]) -> None:
    list_fn = LIST_FUNCTIONS[cls]
    assert list_fn([]) == []
    assert list_fn(iter([])) == []
    assert list_fn(()) == []


def test_valid_and_lenient_items_mixed() -> None:
    items: list[Any] = [
        reply_json(),
        reply_json(id="2", total_likes=3.0, hidden="true", sol_amount=1),
        reply_json(id=3, timestamp="1714557600000", liked_by_user=0, extra=[1], raw="x"),
        {"text": 4, "mint": 5, "id": 6.0},
        MyDict(reply_json(id=7)),
        types.MappingProxyType(reply_json(id=8)),
        reply_json(id=True, is_buy=None, user=None),
    ]
    want = reference_list(Reply, items)
    assert isinstance(want, list)
    assert [r.id for r in want] == [1, 2, 3, 6, 7, 8, 1]
    for _ in range(2):
        assert_same_outcome(_reply_list(items), want, items)
        assert_same_outcome(_reply_list(iter(items)), want, items)


@pytest.mark.parametrize(
    ("bad", "error"),
    [
        ({"mint": MINT, "text": "no id"}, KeyError),
        (reply_json(id="one"), ValueError),
        (reply_json(total_likes=[1]), ValueError),
        (reply_json(sol_amount="lots"), ValueError),
        (reply_json(timestamp=1.5), ValueError),
        (reply_json(hidden="maybe"), ValueError),
        ("not an object", TypeError),
        (None, TypeError),
        ([("id", 1)], TypeError),
    ],
)
def test_valid_and_invalid_items_mixed(bad: Any, error: type[Exception]) -> None:
    later_bad = reply_json(id=None)  # fails too, but after the first failure
    for items in (
        [reply_json(), bad, reply_json(id=2), later_bad],
        [bad, later_bad],
        [reply_json(id=i) for i in range(5)] + [bad],
    ):
        want = reference_list(Reply, items)
        assert isinstance(want, Raised)
        assert want.type is error
        for _ in range(2):
            assert_same_outcome(outcome(_reply_list, items), want, items)
            assert_same_outcome(outcome(_reply_list, iter(items)), want, items)
        assert outcome(converter.structure, bad, Reply) == outcome(REFERENCE[Reply], bad)


@pytest.mark.parametrize(
    "wrap",
    [MyDict, OrderedDict, types.MappingProxyType, UserDict],
    ids=["dict-subclass", "OrderedDict", "MappingProxyType", "UserDict"],
)
@pytest.mark.parametrize("cls", MODELS)
def test_mappings_that_are_not_dicts(cls: type[Any], wrap: Callable[[Any], Any]) -> None:
    base = reply_json(extra=1) if cls is Reply else {"mint": MINT, "market_cap": "2.5"}
    items = [wrap(base), base, wrap(dict(base))]
    want = reference_list(cls, items)
    assert isinstance(want, list)
    assert_same_outcome(LIST_FUNCTIONS[cls](items), want, items)
    for data in items:
        assert_same_object(converter.structure(data, cls), REFERENCE[cls](data), data)
    # A required key missing from a mapping that is not a dict: the same KeyError.
    broken = wrap({k: v for k, v in base.items() if k != "mint"})
    assert outcome(LIST_FUNCTIONS[cls], [broken]) == reference_list(cls, [broken])


@pytest.mark.parametrize("cls", MODELS)
def test_generator_input(cls: type[Any]) -> None:
    def payloads() -> Iterator[dict[str, Any]]:
        for i in range(10):
            yield reply_json(id=i) if cls is Reply else {"mint": f"{MINT}{i}", "complete": i > 5}

    items = list(payloads())
    want = reference_list(cls, items)
    got = LIST_FUNCTIONS[cls](payloads())
    assert isinstance(want, list)
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert g == w
        assert [(type(v), v) for v in _fields(g).values()] == [
            (type(v), v) for v in _fields(w).values()
        ]
    # A generator with a failing item raises what the reference raises.
    failing = (x for x in [*items, 42])
    assert outcome(LIST_FUNCTIONS[cls], failing) == reference_list(cls, [*items, 42])


def test_the_same_payload_twice_in_a_list() -> None:
    data = reply_json()
    items = [data, data, reply_json(id="3"), data]
    want = reference_list(Reply, items)
    assert_same_outcome(_reply_list(items), want, items)
    got = _reply_list(items)
    assert got[0] is not got[1]
