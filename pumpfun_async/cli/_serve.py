"""``pumpfun emulator``: serve the emulator until stopped."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

import orjson

from pumpfun_async.cli._base import Subcommands, UsageError
from pumpfun_async.endpoints import RouteGroup
from pumpfun_async.testing import (
    DEFAULT_MAX_LOGGED_REQUESTS,
    MAX_GENERATED_COINS,
    Emulator,
    RateLimit,
    generated_coins,
)
from pumpfun_async.testing._faults import Fault

__all__ = ["add_emulator_command", "serve"]


def _rate_limit(text: str) -> tuple[RouteGroup, RateLimit]:
    group, sep, spec = text.partition("=")
    try:
        return RouteGroup(group), RateLimit.parse(spec)
    except ValueError as exc:
        groups = ", ".join(g.value for g in RouteGroup)
        raise argparse.ArgumentTypeError(
            f"{text!r}: use GROUP=N/SECONDS with GROUP one of {groups} ({exc})"
            if sep
            else f"{text!r}: use GROUP=N/SECONDS, for example likes=1/1"
        ) from None


def _fault(text: str) -> tuple[str, Fault, int]:
    route, sep, spec = text.partition("=")
    spec, _, times = spec.partition("*")
    try:
        if not sep or not route:
            raise ValueError("missing ROUTE=")
        count = int(times) if times else 1
        if count < 1:
            raise ValueError("times must be 1 or more")
        return route, Fault.parse(spec), count
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"{text!r}: use ROUTE=FAULT[*TIMES], for example create_reply=drop_after*2 ({exc})"
        ) from None


def _count(low: int, high: int | None = None) -> Any:
    """An argparse type: a whole number from ``low`` (to ``high``)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = low - 1
        if value < low or (high is not None and value > high):
            upper = f" to {high:,}" if high is not None else " or more"
            raise argparse.ArgumentTypeError(f"{text!r}: use a whole number from {low}{upper}")
        return value

    return parse


def _read_coins_file(path: str) -> list[Any]:
    """The coins in a JSON file, or a UsageError saying what is wrong with it."""
    try:
        coins = orjson.loads(Path(path).read_bytes())
    except OSError as exc:
        raise UsageError(f"--coins-file {path}: {exc.strerror or exc}") from None
    except orjson.JSONDecodeError as exc:
        raise UsageError(f"--coins-file {path} is not JSON: {exc}") from None
    if not isinstance(coins, list):
        raise UsageError(f"--coins-file {path} must hold a JSON array of coin objects")
    return coins


def add_emulator_command(subcommands: Subcommands) -> None:
    """Add ``pumpfun emulator`` to a subcommand set."""
    parser = subcommands.add_parser(
        "emulator",
        help="Serve a local pump.fun emulator (loopback by default) until stopped.",
        description="Serve the pump.fun API emulator until Ctrl-C, with its 15 built-in coins "
        "and any added with --coins or --coins-file. Its control API is under /_emulator/ "
        "(faults, rate-limits, coins, requests, reset, revoke-tokens).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port (default 8080; 0 picks one)")
    parser.add_argument(
        "--admin-token",
        action="append",
        dest="admin_tokens",
        metavar="TOKEN",
        help="a bearer token allowed to use the admin report endpoints (repeatable; "
        "default admin-token)",
    )
    parser.add_argument(
        "--emulator-client-key",
        default="test-client-key",
        metavar="KEY",
        help="the x-client-key that reportComment requires (default test-client-key)",
    )
    parser.add_argument("--no-captcha", action="store_true", help="do not require captcha tokens")
    parser.add_argument(
        "--rate-limit",
        action="append",
        type=_rate_limit,
        default=[],
        metavar="GROUP=N/SECONDS",
        help="throttle a route group (reads, likes, follows, bookmarks, replies, reports)",
    )
    parser.add_argument(
        "--no-retry-after",
        action="store_true",
        help="answer 429 without a Retry-After header",
    )
    parser.add_argument(
        "--no-rate-limit-headers",
        action="store_true",
        help="send no x-ratelimit-limit/-remaining/-reset headers on rate-limited routes",
    )
    parser.add_argument(
        "--fault",
        action="append",
        type=_fault,
        default=[],
        metavar="ROUTE=FAULT[*N]",
        help="script a fault: ROUTE is an operation name, '*' or 'METHOD /path'; FAULT is "
        "status:CODE (100-599), block, challenge[:CODE], latency:SECONDS (up to 3600), "
        "drop_before or drop_after",
    )
    parser.add_argument(
        "--coins",
        type=_count(0, MAX_GENERATED_COINS),
        default=0,
        metavar="N",
        help="also serve N generated coins ('Generated Coin 1'...; the same mints, ending in "
        f"'pump', on every run; up to {MAX_GENERATED_COINS:,}; needs the wallet extra)",
    )
    parser.add_argument(
        "--coins-file",
        metavar="PATH",
        help="also serve the coins in a JSON file: an array of coin objects, each with at "
        "least a base58 'mint' (other fields as the API's coin objects)",
    )
    parser.add_argument(
        "--max-logged-requests",
        type=_count(0),
        default=DEFAULT_MAX_LOGGED_REQUESTS,
        metavar="N",
        help="keep the newest N requests for GET /_emulator/requests "
        f"(default {DEFAULT_MAX_LOGGED_REQUESTS:,}; 0 keeps none)",
    )
    parser.set_defaults(handler=_run)


def _build(args: argparse.Namespace) -> Emulator:
    """The emulator the arguments describe, or a UsageError (bad coins, missing extra)."""
    coins: list[Any] = []
    if args.coins:
        try:
            coins.extend(generated_coins(args.coins))
        except ImportError as exc:
            raise UsageError(f"--coins: {exc}") from None
    if args.coins_file is not None:
        coins.extend(_read_coins_file(args.coins_file))
    try:
        return Emulator(
            host=args.host,
            port=args.port,
            admin_tokens=args.admin_tokens or ("admin-token",),
            client_key=args.emulator_client_key,
            require_captcha=not args.no_captcha,
            coins=coins,
            max_logged_requests=args.max_logged_requests,
            rate_limit_headers=not args.no_rate_limit_headers,
        )
    except ValueError as exc:
        raise UsageError(f"--coins-file {args.coins_file}: {exc}") from None


def _run(args: argparse.Namespace, out: TextIO) -> int:
    emulator = _build(args)
    for group, limit in args.rate_limit:
        emulator.set_rate_limit(
            group, limit.limit, limit.window, retry_after=not args.no_retry_after
        )
    for route, fault, times in args.fault:
        emulator.add_fault(route, fault, times)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(emulator, out))
    return 0


async def serve(emulator: Emulator, out: TextIO, *, ready: asyncio.Event | None = None) -> None:
    """Serve until SIGINT/SIGTERM (or cancellation), printing the URL once listening."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    handled: Sequence[signal.Signals] = ()
    with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        handled = (signal.SIGINT, signal.SIGTERM)
    try:
        async with emulator:
            print(f"pump.fun emulator listening on {emulator.url}", file=out, flush=True)
            if ready is not None:
                ready.set()
            await stop.wait()
        print("emulator stopped", file=out, flush=True)
    finally:
        for sig in handled:
            loop.remove_signal_handler(sig)
