"""``pumpfun watch-replies MINT`` and ``pumpfun watch-reports``: new items as they come.

Each new item is printed as soon as it is seen (a table row, or one JSON object a line with
``--json``), and the command runs until Ctrl-C, which ends it with status 130.
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
from collections.abc import AsyncIterator, Sequence
from typing import Any, TextIO

import orjson

from pumpfun_async._client import AsyncPumpFunClient
from pumpfun_async.cli import _output
from pumpfun_async.cli._base import Subcommands, make_client
from pumpfun_async.models import Reply, Report, ReportType

__all__ = ["add_watch_commands"]

_DEFAULTS = inspect.signature(AsyncPumpFunClient.watch_replies).parameters
_REPLY_WIDTHS = (12, 16, 5)
_REPORT_WIDTHS = (36, 13, 44, 16)


def add_watch_commands(subcommands: Subcommands) -> None:
    """Add ``watch-replies`` and ``watch-reports`` to a subcommand set."""
    replies = subcommands.add_parser(
        "watch-replies",
        help="Print each new reply in a coin's thread as it comes, until Ctrl-C.",
        description="Poll a coin's thread politely (conditional requests, a pause that grows "
        "while nothing happens, faults waited out) and print each new reply once, oldest "
        "first, until Ctrl-C.",
    )
    replies.add_argument("mint", metavar="mint", help="The coin's mint address.")
    _add_pace_options(replies, "replies")
    replies.set_defaults(handler=_watch_replies)
    reports = subcommands.add_parser(
        "watch-reports",
        help="Print each new report in the admin queue as it comes, until Ctrl-C (admin).",
        description="Poll the admin report queue (pending reports) and print each new "
        "report once, oldest first, until Ctrl-C.",
    )
    known = ", ".join(t.value for t in ReportType)
    reports.add_argument(
        "--type",
        dest="report_type",
        default="all",
        help=f"Only reports of this type, or all (default: all). Known values: {known}.",
    )
    _add_pace_options(reports, "reports")
    reports.set_defaults(handler=_watch_reports)


def _add_pace_options(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "--interval",
        type=float,
        metavar="SECONDS",
        default=_DEFAULTS["interval"].default,
        help=f"seconds between polls while {what} come (default: %(default)s)",
    )
    parser.add_argument(
        "--max-interval",
        type=float,
        metavar="SECONDS",
        default=_DEFAULTS["max_interval"].default,
        help="the longest pause after polls with nothing new (default: %(default)s)",
    )
    parser.add_argument(
        "--include-existing",
        action="store_true",
        help=f"print the {what} already there first",
    )


def _watch_replies(args: argparse.Namespace, out: TextIO) -> int:
    async def run() -> None:
        async with make_client(args) as client:
            watch = client.watch_replies(
                args.mint,
                interval=args.interval,
                max_interval=args.max_interval,
                include_existing=args.include_existing,
            )
            await _print_each(
                watch, out, args.as_json, ("id", "user", "likes", "text"), _REPLY_WIDTHS
            )

    asyncio.run(run())
    return 0


def _watch_reports(args: argparse.Namespace, out: TextIO) -> int:
    async def run() -> None:
        async with make_client(args) as client:
            watch = client.watch_reports(
                type=args.report_type,
                interval=args.interval,
                max_interval=args.max_interval,
                include_existing=args.include_existing,
            )
            header = ("id", "type", "target", "created (UTC)", "reason")
            await _print_each(watch, out, args.as_json, header, _REPORT_WIDTHS)

    asyncio.run(run())
    return 0


async def _print_each(
    items: AsyncIterator[Reply | Report],
    out: TextIO,
    as_json: bool,
    header: Sequence[str],
    widths: Sequence[int],
) -> None:
    """Print each item as it comes: one JSON line, or a row under a header printed once."""
    if not as_json:
        _write(out, _row(header, widths))
    async for item in items:
        if as_json:
            _write(out, orjson.dumps(_output.to_json(item)).decode())
        else:
            _write(out, _row(_cells(item), widths))


def _cells(item: Reply | Report) -> list[Any]:
    if isinstance(item, Reply):
        user = item.username or (_output.shorten(item.user) if item.user else None)
        return [item.id, user, item.total_likes, item.text]
    created = (
        item.created_at.isoformat(sep=" ", timespec="seconds")[:19] if item.created_at else None
    )
    return [item.id, item.type, item.target_id, created, item.reason]


def _row(cells: Sequence[Any], widths: Sequence[int]) -> str:
    """Cells made safe for a terminal, the first ones padded to ``widths``, the last free."""
    shown = ["-" if c is None else _output.one_line(str(c)) for c in cells]
    padded = [text.ljust(width) for text, width in zip(shown, widths, strict=False)]
    return "  ".join([*padded, *shown[len(widths) :]]).rstrip()


def _write(out: TextIO, line: str) -> None:
    out.write(line + "\n")
    out.flush()  # a pipe (| grep, | jq) sees each item as it comes
