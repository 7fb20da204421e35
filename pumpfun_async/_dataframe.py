"""Models, pages and bulk results as a pandas ``DataFrame`` (the ``pandas`` extra).

pandas is imported when :func:`to_dataframe` is first called, never at package import.
"""

from __future__ import annotations

import enum
import types
import typing
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Union

from ._display import columns_of, field_types, items_of, jsonable, row_values, without_none
from ._extras import require

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["to_dataframe"]


def to_dataframe(items: Any, *, raw: bool = False) -> pd.DataFrame:
    """A pandas ``DataFrame`` of models, one row each, with typed columns.

    Columns are the models' fields (the same as in their tables, see
    :func:`~pumpfun_async.table`), typed from the fields' annotations, so an empty page
    still has them:

    - datetimes (``Report.created_at``, ``Reply.created_at``) as ``datetime64`` in UTC;
    - ``int`` as ``int64``, ``int | None`` as pandas' nullable ``Int64``;
    - ``bool`` as ``bool``, ``bool | None`` as the nullable ``boolean``;
    - ``float`` as ``float64`` (``None`` becomes ``NaN``), ``str`` as ``string``;
    - enums (``Report.type``, ``Report.action``) as a ``category`` of the enum's values,
      plus any value the server sent that the enum does not know.

    Other columns keep pandas' inference; nested models become dicts and errors
    ``"ClassName: message"`` strings, as in :meth:`~pumpfun_async.Reply.to_dict`.
    Needs the ``pandas`` extra (``pip install 'pumpfun-async[pandas]'``)::

        from pumpfun_async import to_dataframe

        df = to_dataframe(client.get_replies(mint, limit=1000))
        df.groupby(df.created_at.dt.hour).size()

    Args:
        items: A model, a page, a :class:`~pumpfun_async.BulkResult`, or an iterable of
            models or mappings.
        raw: Add a ``raw`` column holding what the server sent for each row.

    Raises:
        ImportError: pandas is not installed; the message names the extra.
        ValidationError: ``items`` is none of those.
    """
    require("to_dataframe()", "pandas", "pandas")
    import pandas as pd

    rows, cls, _ = items_of(items)
    names: dict[str, None] = dict.fromkeys(columns_of(cls) if cls is not None else ())
    cells = []
    hints: dict[str, Any] = {}
    for item in rows:
        values = row_values(item)
        cells.append(values)
        names.update(dict.fromkeys(values))
        for name, hint in field_types(type(item)).items():
            hints.setdefault(name, hint)
    if cls is not None:
        for name, hint in field_types(cls).items():
            hints.setdefault(name, hint)
    columns = {
        name: _column([row.get(name) for row in cells], hints.get(name), raw) for name in names
    }
    if raw:
        columns["raw"] = _series(
            [jsonable(getattr(item, "raw", None), raw=True) for item in rows], object
        )
    frame: pd.DataFrame = pd.DataFrame(columns, index=pd.RangeIndex(len(rows)))
    return frame


def _series(values: Any, dtype: Any = None) -> pd.Series[Any]:
    import pandas as pd

    series: pd.Series[Any] = pd.Series(values, dtype=dtype)
    return series


def _column(values: list[Any], hint: Any, raw: bool) -> pd.Series[Any]:
    members = without_none(hint) if hint is not None else ()
    optional = typing.get_origin(hint) in (Union, types.UnionType) and type(
        None
    ) in typing.get_args(hint)
    try:
        series = _typed(values, members, optional)
    except (TypeError, ValueError, OverflowError):  # a value its annotation does not allow
        series = None
    if series is not None:
        return series
    plain = [_plain(v, raw) for v in values]
    present = [v for v in plain if v is not None]
    if present and all(isinstance(v, str) for v in present):
        return _series(plain, "string")
    return _series(plain, object if not present else None)


def _typed(values: list[Any], members: Sequence[Any], optional: bool) -> pd.Series[Any] | None:
    """A series typed after the annotation's ``members``, or ``None`` for no known type.

    Raises:
        TypeError: A value does not fit the annotation (a model built by hand).
    """
    import pandas as pd

    enums = [m for m in members if isinstance(m, type) and issubclass(m, enum.Enum)]
    if enums:
        known = [str(member.value) for e in enums for member in e]
        plain = [
            None if v is None else str(v.value if isinstance(v, enum.Enum) else v) for v in values
        ]
        extra = sorted({v for v in plain if v is not None} - set(known))
        return _series(pd.Categorical(plain, categories=[*known, *extra]))
    if not members or not all(isinstance(m, type) for m in members):
        return None
    kinds = frozenset(members)
    dtype = _DTYPES.get(kinds)
    if dtype is None:
        return None
    for value in values:
        if value is None:
            if not optional:
                raise TypeError("None in a column that does not allow it")
        elif not _fits(value, kinds):
            raise TypeError(f"{value!r} does not fit {sorted(k.__name__ for k in kinds)}")
    if kinds == {datetime}:
        # microseconds: what a Python datetime holds, the same on pandas 2 and 3
        return _series(pd.to_datetime(values, utc=True).as_unit("us"))
    if kinds == {bool} and optional:
        dtype = "boolean"
    elif kinds == {int} and optional:
        dtype = "Int64"
    if dtype == "float64":
        values = [float("nan") if v is None else float(v) for v in values]
    return _series(values, dtype)


_DTYPES = {
    frozenset({datetime}): "datetime",
    frozenset({bool}): "bool",
    frozenset({int}): "int64",
    frozenset({float}): "float64",
    frozenset({int, float}): "float64",
    frozenset({str}): "string",
}


def _fits(value: Any, kinds: frozenset[type]) -> bool:
    if isinstance(value, bool):  # an int too, but only a bool column takes it
        return bool in kinds
    return isinstance(value, tuple(kinds))


def _plain(value: Any, raw: bool) -> Any:
    if value is None or isinstance(value, (bool, int, float, str, datetime)):
        return value
    return jsonable(value, raw=raw)
