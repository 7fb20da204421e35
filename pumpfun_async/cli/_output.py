"""Printing results: JSON with orjson for ``--json``, tables with rich for people.

rich is imported only when a table is printed, so ``--json`` works without it and importing
the command line stays light.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, TextIO, cast

import attrs
import orjson

from pumpfun_async.models import Coin, RepliesPage, Reply, Report, ReportsPage

if TYPE_CHECKING:
    from rich.table import Table

__all__ = [
    "RICH_MISSING",
    "one_line",
    "print_human",
    "print_json",
    "rich_available",
    "shorten",
    "to_json",
]

RICH_MISSING = "tables need rich: pip install 'pumpfun-async[cli]' (or use --json for JSON output)"
_TEXT_WIDTH = 60
_PIPE_WIDTH = 200
_NUMERIC = frozenset({"likes", "usd market cap"})
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


def print_human(result: object, out: TextIO, confirmation: str) -> None:
    """Print a result for people: a table, or ``confirmation`` when there is no result."""
    if result is None:
        print(confirmation, file=out)
        return
    from rich.console import Console

    # Piped output is not cut to 80 columns: ids and mints must stay whole to be reused.
    width = None if out.isatty() else _PIPE_WIDTH
    console = Console(file=out, width=width, highlight=False, emoji=False, markup=False)
    more = "; more after this page" if getattr(result, "has_more", False) else ""
    if isinstance(result, RepliesPage):
        _print_table(console, _replies_table(result.replies))
        console.print(f"{len(result)} replies from offset {result.offset}{more}")
    elif isinstance(result, ReportsPage):
        _print_table(console, _reports_table(result.reports))
        total = "" if result.total is None else f" of {result.total}"
        console.print(f"{len(result)}{total} reports{more}")
    elif isinstance(result, Reply):
        _print_table(console, _replies_table([result]))
    elif isinstance(result, Report):
        _print_table(console, _reports_table([result]))
    elif isinstance(result, list) and all(isinstance(item, Coin) for item in result):
        _print_table(console, _coins_table(result))
        console.print(f"{len(result)} coins")
    else:  # a result type this module does not know yet
        print_json(result, out)


def _print_table(console: Any, table: Table) -> None:
    if table.row_count:
        console.print(table)


def _table(*columns: str) -> Table:
    from rich import box
    from rich.table import Table

    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for column in columns:
        table.add_column(column, justify="right" if column in _NUMERIC else "left", overflow="fold")
    return table


def _row(table: Table, cells: Sequence[object]) -> None:
    from rich.text import Text  # Text: server strings are never read as rich markup

    table.add_row(*(Text(_NONE if cell is None else one_line(str(cell))) for cell in cells))


def _replies_table(replies: Sequence[Reply]) -> Table:
    table = _table("id", "user", "likes", "text")
    for reply in replies:
        user = reply.username or (shorten(reply.user) if reply.user else None)
        _row(table, (reply.id, user, reply.total_likes, _truncate(reply.text)))
    return table


def _coins_table(coins: Sequence[Coin]) -> Table:
    table = _table("mint", "name", "symbol", "usd market cap")
    for coin in coins:
        cap = None if coin.usd_market_cap is None else f"${coin.usd_market_cap:,.2f}"
        _row(table, (coin.mint, coin.name, coin.symbol, cap))
    return table


def _reports_table(reports: Sequence[Report]) -> Table:
    table = _table("id", "type", "target", "done", "action", "created (UTC)")
    for report in reports:
        done = None if report.done is None else ("yes" if report.done else "no")
        created = _when(report.created_at)
        _row(table, (report.id, report.type, report.target_id, done, report.action, created))
    return table


def _truncate(text: str) -> str:
    flat = one_line(text)
    return flat if len(flat) <= _TEXT_WIDTH else flat[: _TEXT_WIDTH - 1] + "…"


def _when(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M")
