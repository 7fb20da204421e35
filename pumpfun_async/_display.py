"""Models as plain data and as tables: ``to_dict()``, HTML in Jupyter, aligned text elsewhere.

Everything here is driven by the attrs fields of a model class, so a new model gets it by
inheriting :class:`ModelMixin` (or :class:`PageMixin` for a page of items). The columns of a
model are its fields, except ``raw`` and fields declared ``repr=False`` (bodies, secrets),
followed by its public properties that return a ``datetime`` (``Reply.created_at``).

Text comes from the server and from other users, so it is untrusted: every piece of it is
HTML-escaped in tables for Jupyter, and control characters (terminal escapes, bidirectional
overrides) are shown as escapes, never sent through, in every table.
"""

from __future__ import annotations

import enum
import re
import types
import typing
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime
from typing import Any, Union

import attrs

from .errors import ValidationError

__all__ = [
    "DEFAULT_MAX_ROWS",
    "ModelMixin",
    "PageMixin",
    "Table",
    "TableMixin",
    "clean",
    "columns_of",
    "field_types",
    "item_class",
    "items_of",
    "jsonable",
    "row_values",
    "table",
    "to_dict",
    "without_none",
]


def _escape(text: str, quote: bool = True) -> str:
    """``html.escape``, imported on first use: tables are rarely shown outside notebooks."""
    import html

    return html.escape(text, quote=quote)


DEFAULT_MAX_ROWS = 50
"""How many rows a table shows unless told otherwise; the rest are counted below it."""

_HTML_CELL = 120  # characters shown in an HTML cell; its title (tooltip) holds up to:
_HTML_TITLE = 2000
_TEXT_CELL = 44  # a Solana address, the longest id, fits whole
_SEP = " · "

# Control characters, zero-width and bidirectional formatting, lone surrogates (which no
# encoder accepts, so they would fail the whole output).
_UNSAFE = re.compile(
    r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ud800-\udfff]"
)
_SPACES = {"\n": " ", "\r": " ", "\t": " "}


# ------------------------------------------------------------------ fields and values


_FIELD_TYPES: dict[type, Mapping[str, Any]] = {}
_COLUMNS: dict[type, tuple[str, ...]] = {}


def field_types(cls: type) -> Mapping[str, Any]:
    """The resolved type hints of ``cls``'s fields and datetime properties (may be partial)."""
    cached = _FIELD_TYPES.get(cls)
    if cached is None:
        cached = _FIELD_TYPES[cls] = _field_types(cls)
    return cached


def _field_types(cls: type) -> Mapping[str, Any]:
    hints: dict[str, Any] = {}
    try:
        hints.update(typing.get_type_hints(cls))
    except Exception:  # a hint that cannot be resolved only loses dtypes
        hints.update({f.name: f.type for f in attrs.fields(cls) if not isinstance(f.type, str)})
    for name, prop in _properties(cls):
        try:
            hints[name] = typing.get_type_hints(prop.fget).get("return")
        except Exception:
            continue
    return types.MappingProxyType(hints)


def _properties(cls: type) -> Iterator[tuple[str, property]]:
    seen: set[str] = set()
    for klass in cls.__mro__:
        for name, value in vars(klass).items():
            if isinstance(value, property) and not name.startswith("_") and name not in seen:
                seen.add(name)
                yield name, value


def without_none(hint: Any) -> tuple[Any, ...]:
    """The members of a union hint other than ``None`` (the hint itself if not a union)."""
    if typing.get_origin(hint) in (Union, types.UnionType):
        return tuple(a for a in typing.get_args(hint) if a is not type(None))
    return (hint,)


def _is_datetime(hint: Any) -> bool:
    members = without_none(hint)
    return bool(members) and all(m is datetime for m in members)


def columns_of(cls: type) -> tuple[str, ...]:
    """The column names of an attrs class: see the module's docstring."""
    cached = _COLUMNS.get(cls)
    if cached is None:
        cached = _COLUMNS[cls] = _columns_of(cls)
    return cached


def _columns_of(cls: type) -> tuple[str, ...]:
    fields = [f.name for f in attrs.fields(cls) if f.repr is not False and f.name != "raw"]
    hints = field_types(cls)
    extra = [
        name for name, _ in _properties(cls) if name not in fields and _is_datetime(hints.get(name))
    ]
    return (*fields, *extra)


def _error_text(error: BaseException) -> str:
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def jsonable(value: Any, *, raw: bool = False) -> Any:  # noqa: PLR0911
    """``value`` as JSON-ready data.

    Enums become their values, datetimes ISO 8601 strings, models dicts (:func:`to_dict`),
    errors ``"ClassName: message"``, bytes text, and anything else unknown its ``str()``.
    """
    if isinstance(value, enum.Enum):  # before str and int: ReportType is a str
        return jsonable(value.value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if attrs.has(type(value)):
        return to_dict(value, raw=raw)
    if isinstance(value, BaseException):
        return _error_text(value)
    if isinstance(value, Mapping):
        return {str(k): jsonable(v, raw=raw) for k, v in value.items()}
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).decode("utf-8", "replace")
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v, raw=raw) for v in value]
    to_dict_method = getattr(value, "to_dict", None)
    if callable(to_dict_method):  # a BulkResult
        return to_dict_method(raw=raw)
    return str(value)


def to_dict(obj: Any, *, raw: bool = False) -> dict[str, Any]:
    """An attrs instance's fields as JSON-ready data (see :func:`jsonable`).

    Fields declared ``repr=False`` stay out; so does ``raw`` unless ``raw`` is true, in which
    case the server's payload comes last, under ``"raw"``, for objects that have one.
    """
    cls = type(obj)
    names = [f.name for f in attrs.fields(cls) if f.repr is not False and f.name != "raw"]
    data = {name: jsonable(getattr(obj, name), raw=raw) for name in names}
    if raw and hasattr(obj, "raw"):
        data["raw"] = jsonable(getattr(obj, "raw"), raw=raw)  # noqa: B009  # may be a property
    return data


# ------------------------------------------------------------------ what a table holds


def item_class(container: Any) -> type | None:
    """The item class of a page (from its ``list[X]`` field's hint), when it has one."""
    for hint in field_types(type(container)).values():
        if typing.get_origin(hint) is list:
            (arg,) = typing.get_args(hint) or (None,)
            if isinstance(arg, type) and attrs.has(arg):
                return arg
    return None


def items_of(items: Any) -> tuple[list[Any], type | None, str]:
    """The rows ``items`` stands for, their class if known (for empty input), and a caption.

    Raises:
        ValidationError: ``items`` is neither a model, a page, a bulk result nor an iterable.
    """
    from ._bulk import BulkItem, BulkResult

    if isinstance(items, BulkResult):
        failed = len(items.failed)
        caption = f"BulkResult: {len(items) - failed} succeeded, {failed} failed"
        return list(items), BulkItem, caption
    if attrs.has(type(items)):
        cls = type(items)
        if isinstance(items, Iterable):  # a page
            rows = list(items)
            info = [
                f"{name}={getattr(items, name)!r}"
                for name in columns_of(cls)
                if not isinstance(getattr(items, name), (list, tuple))
            ]
            caption = _SEP.join([f"{cls.__name__}: {_count(len(rows))}", *info])
            return rows, item_class(items), caption
        return [items], cls, cls.__name__
    if isinstance(items, (str, bytes, Mapping)) or not isinstance(items, Iterable):
        raise ValidationError(
            "items",
            "expected a model, a page, a BulkResult or an iterable of models, "
            f"not {type(items).__name__}",
        )
    rows = list(items)
    return rows, None, _count(len(rows))


def _count(n: int) -> str:
    return f"{n} row" if n == 1 else f"{n} rows"


def row_values(item: Any) -> dict[str, Any]:
    """One item's cells by column name.

    Those are an attrs instance's columns, a mapping's items, or anything else as ``value``.
    """
    if attrs.has(type(item)):
        return {name: getattr(item, name) for name in columns_of(type(item))}
    if isinstance(item, Mapping):
        return {str(k): v for k, v in item.items()}
    return {"value": item}


# ------------------------------------------------------------------ the table


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, BaseException):
        return _error_text(value)
    return repr(value)


def _escape_unsafe(match: re.Match[str]) -> str:
    char = match.group()
    if char in _SPACES:
        return _SPACES[char]
    if "\ud800" <= char <= "\udfff":
        return "\ufffd"
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clean(text: str) -> str:
    """``text`` on one line, with control and formatting characters shown as escapes."""
    return _UNSAFE.sub(_escape_unsafe, text)


def _char_width(char: str) -> int:
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in "WF" else 1


def _width(text: str) -> int:
    return sum(_char_width(c) for c in text)


def _fit(text: str, width: int) -> str:
    """``text`` cut to ``width`` terminal columns, ending with ``…`` when cut."""
    if _width(text) <= width:
        return text
    out, used = [], 0
    for char in text:
        w = _char_width(char)
        if used + w > width - 1:
            break
        out.append(char)
        used += w
    return "".join(out) + "…"


class Table:
    """Rows of models (or mappings): an HTML table in Jupyter, aligned text in ``str()``.

    Made by :func:`pumpfun_async.table`. Columns that are empty (``None``) in every shown
    row are left out and named below the table; at most ``max_rows`` rows are shown, and
    the rest are counted.

    Attributes:
        caption: What the rows are (``"RepliesPage: 3 rows · has_more=False · offset=0"``).
        columns: The column names shown.
        rows: The shown rows' cell values, as the models hold them, one tuple per row.
        total_rows: How many rows there are, shown or not.
        hidden_columns: The columns left out because they are empty in every shown row.
    """

    __slots__ = ("caption", "columns", "hidden_columns", "rows", "total_rows")

    def __init__(self, items: Any, *, max_rows: int | None = DEFAULT_MAX_ROWS) -> None:
        from ._validate import check_int

        if max_rows is not None:
            check_int(max_rows, "max_rows", low=0)
        all_items, cls, caption = items_of(items)
        shown = all_items if max_rows is None else all_items[:max_rows]
        cells = [row_values(item) for item in shown]
        names: dict[str, None] = dict.fromkeys(columns_of(cls) if cls is not None else ())
        for row in cells:
            names.update(dict.fromkeys(row))
        columns = list(names)
        hidden = [c for c in columns if all(row.get(c) is None for row in cells)] if cells else []
        self.caption = caption
        self.columns: tuple[str, ...] = tuple(c for c in columns if c not in hidden)
        self.hidden_columns: tuple[str, ...] = tuple(hidden)
        self.rows: list[tuple[Any, ...]] = [
            tuple(row.get(c) for c in self.columns) for row in cells
        ]
        self.total_rows = len(all_items)

    def __repr__(self) -> str:
        rows = getattr(self, "rows", None)
        if rows is None:
            return "Table(<not initialised>)"  # made with __new__ alone
        return f"Table({_count(self.total_rows)}, {len(self.columns)} columns)"

    def _notes(self) -> list[str]:
        notes = []
        if self.total_rows > len(self.rows):
            notes.append(f"… {self.total_rows - len(self.rows)} more rows not shown")
        if self.hidden_columns:
            notes.append("empty in every row: " + ", ".join(self.hidden_columns))
        return notes

    def __str__(self) -> str:
        if getattr(self, "rows", None) is None:
            return repr(self)
        header = [_fit(clean(c), _TEXT_CELL) for c in self.columns]
        body = [[_fit(clean(_cell_text(v)), _TEXT_CELL) for v in row] for row in self.rows]
        widths = [max(_width(r[i]) for r in [header, *body]) for i in range(len(header))]
        lines = [clean(self.caption)]
        if header:
            for index, row in enumerate([header, *body]):
                pads = (c + " " * (w - _width(c)) for c, w in zip(row, widths, strict=True))
                lines.append("  ".join(pads).rstrip())
                if index == 0:
                    lines.append("  ".join("-" * w for w in widths))
        lines.extend(clean(note) for note in self._notes())
        return "\n".join(lines)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self) if cycle else str(self))

    def _repr_html_(self) -> str:
        if getattr(self, "rows", None) is None:
            return f"<pre>{_escape(repr(self))}</pre>"
        parts = [
            '<div class="pumpfun-table"><table>',
            f"<caption>{_html(self.caption)}</caption>",
            "<thead><tr>",
            *(f"<th>{_html(c)}</th>" for c in self.columns),
            "</tr></thead><tbody>",
        ]
        for row in self.rows:
            parts.append("<tr>")
            parts.extend(_html_cell(value) for value in row)
            parts.append("</tr>")
        parts.append("</tbody></table>")
        parts.extend(f"<p>{_html(note)}</p>" for note in self._notes())
        parts.append("</div>")
        return "".join(parts)


def _html(text: str) -> str:
    return _escape(clean(text), quote=True)


def _html_cell(value: Any) -> str:
    text = clean(_cell_text(value))
    if len(text) <= _HTML_CELL:
        return f"<td>{_escape(text, quote=True)}</td>"
    title = _escape(_fit(text, _HTML_TITLE), quote=True)
    return f'<td title="{title}">{_escape(_fit(text, _HTML_CELL), quote=True)}</td>'


def table(items: Any, *, max_rows: int | None = DEFAULT_MAX_ROWS) -> Table:
    """Show models as a table: HTML in Jupyter, aligned text from ``print()`` or IPython.

    Pages and bulk results display this way by themselves; ``table()`` is for what cannot,
    such as the plain list ``get_bookmark_items`` returns::

        from pumpfun_async import table

        table(client.get_bookmark_items("default"))  # the last line of a notebook cell
        print(table(coins, max_rows=10))

    Every piece of text is HTML-escaped, and control characters are shown as escapes.

    Args:
        items: A model, a page, a :class:`~pumpfun_async.BulkResult`, or an iterable of
            models or mappings (a row each).
        max_rows: How many rows to show (the rest are counted below the table); ``None``
            shows them all.

    Raises:
        ValidationError: ``items`` is none of those, or ``max_rows`` is not a whole number
            of 0 or more.
    """
    return Table(items, max_rows=max_rows)


# ------------------------------------------------------------------ the mixins


def _display_or_repr(obj: Any, render: str) -> str:
    """``table(obj)`` rendered, or the repr when ``obj`` is not fully built (``__new__``)."""
    try:
        shown = Table(obj)
    except AttributeError:
        text = repr(obj)
        return f"<pre>{_escape(text)}</pre>" if render == "html" else text
    return shown._repr_html_() if render == "html" else str(shown)


class TableMixin:
    """Shows a sequence of models as a table: HTML in Jupyter, aligned text in ``str()``.

    ``repr()`` is left alone.
    """

    __slots__ = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # IPython's pretty printer prefers a class's own __repr__ (attrs and robust_repr
        # give each model one) to an inherited _repr_pretty_: so each class gets its own.
        cls._repr_pretty_ = TableMixin._repr_pretty_  # type: ignore[method-assign]

    def __str__(self) -> str:
        return _display_or_repr(self, "text")

    def _repr_html_(self) -> str:
        return _display_or_repr(self, "html")

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self) if cycle else str(self))


class ModelMixin:
    """``to_dict()`` and a one-row HTML table in Jupyter, for the attrs models."""

    __slots__ = ()

    def to_dict(self, *, raw: bool = False) -> dict[str, Any]:
        """The model's fields as JSON-ready data, ``raw`` left out unless asked for.

        Enums become their values, datetimes ISO 8601 strings, nested models dicts; the
        result can go straight to ``json.dumps``.

        Args:
            raw: Also include what the server sent, under ``"raw"`` (nested models too).
        """
        return to_dict(self, raw=raw)

    def _repr_html_(self) -> str:
        return _display_or_repr(self, "html")


class PageMixin(TableMixin, ModelMixin):
    """A page of models: ``to_dict()``, and its items as a table (see :class:`TableMixin`)."""

    __slots__ = ()
