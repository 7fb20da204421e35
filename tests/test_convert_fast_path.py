"""The fast decoding path of ``pumpfun_async._convert`` agrees with the cattrs path.

``_convert._fast_path`` decodes lists of :class:`Reply` and :class:`Coin` without cattrs
when it can, and must give exactly what the cattrs path (``slow`` in ``_with_raw``) gives:
the same objects, field by field and type by type, with the payload as ``raw``; or the same
exception, type and message. These tests generate payloads, decode them both ways and
compare.
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
import pytest
from cattrs.gen import make_dict_structure_fn, override
from hypothesis import given, settings
from hypothesis import strategies as st

from pumpfun_async import Coin, Reply, ReportAction, ReportType, _convert
from pumpfun_async._convert import _coin_list, _fast_path, _reply_list, converter

T = TypeVar("T")

MINT = "CxLHsqvjfisgPAGwcZJsTn6nzZXJLxmVYM7v9pump"
MODELS: tuple[type[Any], ...] = (Reply, Coin)
LIST_FUNCTIONS: dict[type[Any], Callable[[Iterable[Any]], list[Any]]] = {
    Reply: _reply_list,
    Coin: _coin_list,
}
FAST = settings(max_examples=200, deadline=None, derandomize=True, database=None)


# The reference: the cattrs path, built the way ``_convert._with_raw`` builds ``slow``.


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


def _cell(fn: Any, name: str) -> types.CellType:
    """The cell of ``fn``'s closure that holds its free variable ``name``."""
    cell: types.CellType = fn.__closure__[fn.__code__.co_freevars.index(name)]
    return cell


def _closure_value(fn: Any, name: str) -> Any:
    return _cell(fn, name).cell_contents


def _module_slow(list_fn: Callable[[Iterable[Any]], list[Any]]) -> Callable[[Any], Any] | None:
    """The module's own ``slow`` for a list decoder, dug out of the closures (or ``None``)."""
    try:
        slow = _closure_value(_closure_value(list_fn, "one"), "slow")
    except (AttributeError, ValueError, TypeError):
        return None
    return slow if callable(slow) else None


MODULE_SLOW = {cls: _module_slow(LIST_FUNCTIONS[cls]) for cls in MODELS}


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
    """What the cattrs path gives for a list: each item in turn, stopping at the first error.

    The fast path's list decoder runs its items in order too, and every error it raises is
    the one ``slow`` raises for that item; so the first failing item decides.
    """
    slow = REFERENCE[cls]
    return outcome(each, slow, items)


def _same_value(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


def assert_same_object(got: Any, want: Any, payload: Any) -> None:
    assert type(got) is type(want)
    # The same fields, in the same order, with raw last (the fast path fills __dict__).
    assert list(vars(got)) == list(vars(want)), (vars(got), vars(want))
    for name, value in vars(want).items():
        if name == "raw":
            continue
        assert _same_value(getattr(got, name), value), (name, getattr(got, name), value)
    assert got.raw is payload
    assert want.raw is payload
    assert repr(got) == repr(want)
    if not any(isinstance(v, float) and math.isnan(v) for v in vars(want).values()):
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

    # Decoders with empty caches, the first call learning the shapes (so the next calls can
    # take a whole list at once): one as the module's, and one that remembers two shapes
    # only (``_MAX_SHAPES`` is read at each call), so its caches fill from the third on.
    fresh = _fast_path(cls, REFERENCE[cls])
    small = _fast_path(cls, REFERENCE[cls])
    assert fresh is not None
    assert small is not None

    for payloads in (items, decodable):
        want = reference_list(cls, payloads)
        module_slow = MODULE_SLOW[cls]
        if module_slow is not None:
            assert_same_outcome(outcome(each, module_slow, payloads), want, payloads)
        # The module's decoder, whose caches carry over from example to example (and fill).
        list_fn = LIST_FUNCTIONS[cls]
        assert_same_outcome(outcome(list_fn, payloads), want, payloads)
        assert_same_outcome(outcome(list_fn, iter(payloads)), want, payloads)
        for _ in range(2):
            assert_same_outcome(outcome(fresh, payloads), want, payloads)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(_convert, "_MAX_SHAPES", 2)
            for _ in range(2):
                assert_same_outcome(outcome(small, payloads), want, payloads)

    # The converter's hook for one object goes through the fast path too.
    for data, one in zip(items, singles, strict=True):
        got = outcome(converter.structure, data, cls)
        if isinstance(one, Raised) or isinstance(got, Raised):
            assert got == one
        else:
            assert_same_object(got, one, data)

    assert snapshot(items) == before  # nothing decoded in place


@FAST
@given(payload_lists(Reply))
def test_reply_fast_path_matches_cattrs(items: list[Any]) -> None:
    check_list(Reply, items)


@FAST
@given(payload_lists(Coin))
def test_coin_fast_path_matches_cattrs(items: list[Any]) -> None:
    check_list(Coin, items)


# Examples.


def reply_json(**overrides: Any) -> dict[str, Any]:
    return {"id": 1, "mint": MINT, "text": "gm #7", "user": "wallet", "timestamp": 5, **overrides}


def test_the_module_slow_is_reachable() -> None:
    """The property tests compare against the module's own ``slow`` as well as a copy."""
    for cls in MODELS:
        if MODULE_SLOW[cls] is None:
            pytest.skip("_convert's closures changed: only the reference copy is compared")
        slow = MODULE_SLOW[cls]
        assert slow is not None
        data = reply_json() if cls is Reply else {"mint": MINT}
        assert_same_object(slow(data), REFERENCE[cls](data), data)


@pytest.mark.parametrize("cls", MODELS)
def test_empty_list(cls: type[Any]) -> None:
    list_fn = LIST_FUNCTIONS[cls]
    assert list_fn([]) == []
    assert list_fn(iter([])) == []
    assert list_fn(()) == []


def _counting_one(fresh: Callable[[Iterable[Any]], list[Any]]) -> list[Any]:
    """Make ``fresh`` (a decoder of the test's own) record the items it decodes one by one."""
    cell = _cell(fresh, "one")
    one = cell.cell_contents
    calls: list[Any] = []

    def counting(data: Any) -> Any:
        calls.append(data)
        return one(data)

    cell.cell_contents = counting
    return calls


def test_all_valid_items_of_one_shape_go_through_at_once() -> None:
    items = [reply_json(id=i, text=f"reply {i}", hidden=i % 2 == 0) for i in range(50)]
    want = reference_list(Reply, items)
    assert_same_outcome(_reply_list(items), want, items)
    assert_same_outcome(_reply_list(items), want, items)

    fresh = _fast_path(Reply, REFERENCE[Reply])
    assert fresh is not None
    calls = _counting_one(fresh)
    assert_same_outcome(fresh(items), want, items)
    assert len(calls) == len(items)  # shapes unknown yet: one object at a time
    calls.clear()
    assert_same_outcome(fresh(items), want, items)
    assert calls == []  # the whole list at once
    assert_same_outcome(fresh(list(items)), want, items)
    assert calls == []


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
        assert [(type(v), v) for v in vars(g).values()] == [(type(v), v) for v in vars(w).values()]
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
    assert vars(got[0]) is not vars(got[1])


def test_more_shapes_than_remembered() -> None:
    """Past ``_MAX_SHAPES`` signatures, new shapes are worked out afresh every time."""
    optional = [
        name for name, tp in _field_types(Coin).items() if _exact_types(tp) == (str, type(None))
    ]
    shapes = 2 ** len(optional)
    assert shapes > _convert._MAX_SHAPES
    items = [
        {
            "mint": f"{MINT}{i}",
            **{f: None if i >> j & 1 else f"{f}{i}" for j, f in enumerate(optional)},
        }
        for i in range(_convert._MAX_SHAPES + 100)
    ]
    fresh = _fast_path(Coin, REFERENCE[Coin])
    assert fresh is not None
    want = reference_list(Coin, items)
    for _ in range(2):
        assert_same_outcome(fresh(items), want, items)
    late = [{**items[-1], "market_cap": 1}, {**items[-1], "market_cap": 2.5, "reply_count": "3"}]
    for _ in range(2):
        assert_same_outcome(fresh(late), reference_list(Coin, late), late)
