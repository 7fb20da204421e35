"""Printing results: JSON with orjson for ``--json``, tables for people.

Tables are drawn with rich when it is installed (the ``cli`` extra) and as plain aligned
text otherwise. rich is imported only when a table is printed, so importing the command
line stays light.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from datetime import datetime, timezone
from typing import Any, TextIO, cast

import attrs
import orjson

from pumpfun_async.models import Coin, Follower, RepliesPage, Reply, Report, ReportsPage, User

__all__ = [
    "one_line",
    "plain_table",
    "plural",
    "print_human",
    "print_json",
    "rich_available",
    "shorten",
    "to_json",
]

_TEXT_WIDTH = 60
_PIPE_WIDTH = 200
_NUMERIC = frozenset({"likes", "usd market cap", "followers", "following"})
_NONE = "-"
# Control characters (terminal escapes) and bidirectional overrides: never sent to a terminal.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]+")


def rich_available() -> bool:
    """Whether rich can be imported; called only when a table is about to be printed."""
    try:
        import rich  # noqa: F401
    except ImportError:
        return False
    return True


def one_line(text: str) -> str:
    """``text`` safe for a terminal, on one line: controls become spaces, spaces collapse."""
    return " ".join(_UNSAFE.sub(" ", text).split())


def shorten(value: str, keep: int = 4) -> str:
    """``CxLHsqvj…v9pump`` -> ``CxLH…pump``: long ids cut to their ends."""
    return value if len(value) <= 2 * keep + 4 else f"{value[:keep]}…{value[-keep:]}"


def to_json(result: object) -> Any:
    """A result as JSON-ready data.

    ``None`` becomes ``{"ok": true}``; a model becomes the payload the server sent (or its
    fields when it sent none); a page becomes its fields, with its items as models.
    """
    return {"ok": True} if result is None else _jsonable(result)


def _jsonable(value: object) -> Any:
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    if not attrs.has(type(value)):
        return value
    fields = attrs.fields(cast("type[attrs.AttrsInstance]", type(value)))
    values = {f.name: getattr(value, f.name) for f in fields}
    raw = values.pop("raw", None)
    if any(isinstance(item, list) for item in values.values()):  # a page
        return {name: _jsonable(item) for name, item in values.items()}
    return raw if raw else values


def print_json(result: object, out: TextIO) -> None:
    """Print a result as indented JSON (datetimes in ISO 8601, enums as their values)."""
    data = orjson.dumps(to_json(result), option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS)
    out.write(data.decode() + "\n")


def print_human(
    result: object, out: TextIO, confirmation: str, *, item_type: type | None = None
) -> None:
    """Print a result for people: a table, or ``confirmation`` when there is no result.

    Tables are drawn with rich when it is installed, as plain aligned text otherwise.
    ``item_type`` says what a list result holds, so that an empty one is named right.
    """
    if result is None:
        print(confirmation, file=out)
        return
    described = _describe(result, item_type)
    if described is None:  # a result type this module does not know yet
        print_json(result, out)
        return
    columns, rows, summary = described
    if rich_available():
        _print_rich(out, columns, rows, summary)
        return
    if rows:
        print("\n".join(plain_table(columns, rows, numeric=_NUMERIC)), file=out)
    if summary:
        print(summary, file=out)


def plain_table(
    header: Sequence[str], rows: Sequence[Sequence[object]], *, numeric: Collection[str] = ()
) -> list[str]:
    """A table as lines of aligned text: the header, a rule of dashes, then one line per row.

    Cells are made safe for a terminal (:func:`one_line`); ``None`` shows as ``-``. Columns
    named in ``numeric`` are right-aligned.
    """
    cells = [[one_line(str(c)) for c in header]] + [
        [_NONE if c is None else one_line(str(c)) for c in row] for row in rows
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    right = [name in numeric for name in header]
    lines = []
    for index, row in enumerate(cells):
        aligned = (
            c.rjust(w) if r else c.ljust(w) for c, w, r in zip(row, widths, right, strict=True)
        )
        lines.append("  ".join(aligned).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    return lines


def plural(count: int, singular: str, plural: str | None = None) -> str:
    """``count`` and the noun that agrees with it: ``1 coin``, ``0 coins``, ``2 replies``."""
    return f"{count} {singular if count == 1 else plural or singular + 's'}"


_Described = tuple[tuple[str, ...], list[tuple[object, ...]], str | None]


def _describe(result: object, item_type: type | None = None) -> _Described | None:
    """A result as (columns, rows, summary line), or ``None`` for an unknown result type."""
    more = "; more after this page" if getattr(result, "has_more", False) else ""
    if isinstance(result, RepliesPage):
        summary = f"{plural(len(result), 'reply', 'replies')} from offset {result.offset}{more}"
        return _REPLY_COLUMNS, _reply_rows(result.replies), summary
    if isinstance(result, ReportsPage):
        if result.total is None:
            counted = plural(len(result), "report")
        else:  # "1 of 3 reports": the noun agrees with the total
            counted = f"{len(result)} of {plural(result.total, 'report')}"
        return _REPORT_COLUMNS, _report_rows(result.reports), counted + more
    table = _TABLES.get(type(result))
    if table is not None:  # one object: a table of one row
        return table[0], table[1]([result]), None
    return _describe_list(result, item_type) if isinstance(result, list) else None


def _describe_list(result: list[Any], item_type: type | None) -> _Described | None:
    kind = item_type or (type(result[0]) if result else Coin)
    nouns = {Coin: "coin", Follower: "user"}
    if kind not in nouns or not all(isinstance(item, kind) for item in result):
        return None
    columns, rows = _TABLES[kind]
    return columns, rows(result), plural(len(result), nouns[kind])


def _print_rich(
    out: TextIO, columns: Sequence[str], rows: Sequence[Sequence[object]], summary: str | None
) -> None:
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text  # Text: server strings are never read as rich markup

    # Piped output is not cut to 80 columns: ids and mints must stay whole to be reused.
    width = None if out.isatty() else _PIPE_WIDTH
    console = Console(file=out, width=width, highlight=False, emoji=False, markup=False)
    if rows:
        table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
        for column in columns:
            table.add_column(
                column, justify="right" if column in _NUMERIC else "left", overflow="fold"
            )
        for row in rows:
            table.add_row(*(Text(_NONE if c is None else one_line(str(c))) for c in row))
        console.print(table)
    if summary:
        console.print(summary)


_REPLY_COLUMNS = ("id", "user", "likes", "text")
_COIN_COLUMNS = ("mint", "name", "symbol", "usd market cap")
_REPORT_COLUMNS = ("id", "type", "target", "done", "action", "created (UTC)")
_USER_COLUMNS = ("address", "username", "followers", "following", "x", "bio")
_FOLLOWER_COLUMNS = ("address", "username", "followers", "since (UTC)")


def _reply_rows(replies: Sequence[Reply]) -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = []
    for reply in replies:
        user = reply.username or (shorten(reply.user) if reply.user else None)
        rows.append((reply.id, user, reply.total_likes, _truncate(reply.text)))
    return rows


def _coin_rows(coins: Sequence[Coin]) -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = []
    for coin in coins:
        cap = None if coin.usd_market_cap is None else f"${coin.usd_market_cap:,.2f}"
        rows.append((coin.mint, coin.name, coin.symbol, cap))
    return rows


def _user_rows(users: Sequence[User]) -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = []
    for user in users:
        bio = None if user.bio is None else _truncate(user.bio)
        x = None if user.x_username is None else "@" + user.x_username
        rows.append((user.address, user.username, user.followers, user.following, x, bio))
    return rows


def _follower_rows(users: Sequence[Follower]) -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = []
    for user in users:
        rows.append((user.address, user.username, user.followers, _when(user.followed_at)))
    return rows


def _report_rows(reports: Sequence[Report]) -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = []
    for report in reports:
        done = None if report.done is None else ("yes" if report.done else "no")
        created = _when(report.created_at)
        rows.append((report.id, report.type, report.target_id, done, report.action, created))
    return rows


_TABLES: dict[type, tuple[tuple[str, ...], Callable[[Sequence[Any]], list[tuple[object, ...]]]]] = {
    Reply: (_REPLY_COLUMNS, _reply_rows),
    Report: (_REPORT_COLUMNS, _report_rows),
    Coin: (_COIN_COLUMNS, _coin_rows),
    User: (_USER_COLUMNS, _user_rows),
    Follower: (_FOLLOWER_COLUMNS, _follower_rows),
}
"""The columns of each model's table, and the rows of a list of such models."""


def _truncate(text: str) -> str:
    flat = one_line(text)
    return flat if len(flat) <= _TEXT_WIDTH else flat[: _TEXT_WIDTH - 1] + "…"


def _when(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    try:
        # isoformat, not strftime: %Y is not zero-padded everywhere (year 1 -> "1").
        return moment.astimezone(timezone.utc).isoformat(sep=" ", timespec="minutes")[:16]
    except (OverflowError, ValueError):
        # A moment near the ends of the calendar (year 1 at +01:00, year 9999 at -01:00)
        # has no UTC equivalent a datetime can hold: show it as the server gave it.
        return moment.isoformat()
