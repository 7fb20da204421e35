"""What the command line's modules share: the handler type, the global options, the client.

The ``pumpfun`` parser (``build_parser`` in :mod:`pumpfun_async.cli`), the generated API
subcommands and the extra ones (``login``, ``emulator``, ``demo``) all build on these; this
module imports none of them.
"""

from __future__ import annotations

import argparse
import inspect
import os
from collections.abc import Callable
from typing import Any, TextIO, TypeAlias

from pumpfun_async._client import AsyncPumpFunClient
from pumpfun_async._endpoints import ENDPOINTS
from pumpfun_async._version import __version__
from pumpfun_async.cli._store import stored_token

__all__ = [
    "GLOBAL_DESTS",
    "Handler",
    "Subcommands",
    "UsageError",
    "add_global_options",
    "make_client",
]

Subcommands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
"""The object ``build_parser`` adds subcommands to (what ``add_subparsers()`` returns)."""

Handler: TypeAlias = Callable[[argparse.Namespace, TextIO], int]
"""What a subcommand runs: given the parsed arguments and the stream to print results to
(``sys.stdout``), it returns the exit status."""

GLOBAL_DESTS = frozenset(
    {
        "base_url",
        "token",
        "client_key",
        "timeout",
        "max_retries",
        "no_rate_limit",
        "as_json",
        "debug",
    }
)
"""Namespace attributes the global options use; no subcommand argument may reuse them."""

_CLIENT_KEY_COMMANDS = [name.replace("_", "-") for name, e in ENDPOINTS.items() if e.client_key]
_DEFAULT_TIMEOUT = inspect.signature(AsyncPumpFunClient).parameters["timeout"].default


class UsageError(Exception):
    """A problem with how the command was called; reported on one line with exit status 2."""


def add_global_options(parser: Any, *, after: bool = False) -> None:
    """Add the global options to the top-level parser or (``after``) to a subcommand's.

    After the subcommand, an option left out must not overwrite the value given before it
    (argparse copies every subcommand attribute over the top-level ones): its default is
    ``SUPPRESS``, so that it is set only when given.
    """

    def default(value: object) -> object:
        return argparse.SUPPRESS if after else value

    parser.add_argument(
        "--base-url",
        metavar="URL",
        default=default(None),
        help="API root; defaults to $PUMPFUN_BASE_URL or pump.fun",
    )
    parser.add_argument(
        "--token",
        metavar="JWT",
        default=default(None),
        help="session JWT; defaults to $PUMPFUN_TOKEN (prefer the variable: "
        "command lines are visible to other users)",
    )
    parser.add_argument(
        "--client-key",
        metavar="KEY",
        default=default(None),
        help=f"x-client-key for {', '.join(_CLIENT_KEY_COMMANDS)}; defaults to $PUMPFUN_CLIENT_KEY",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        metavar="SECONDS",
        default=default(None),
        help=f"seconds one request may take (default: {_DEFAULT_TIMEOUT})",
    )
    parser.add_argument(
        "--max-retries",
        type=int,
        metavar="N",
        default=default(None),
        help="retries of a failed request (default: 3; 0 turns retrying off)",
    )
    parser.add_argument(
        "--no-rate-limit",
        action="store_true",
        default=default(False),
        help="send without the client-side rate limit (pump.fun may answer 429)",
    )
    parser.add_argument(
        "--json",
        dest="as_json",
        action="store_true",
        default=default(False),
        help="print results as JSON",
    )
    parser.add_argument(
        "--debug",
        action="store_true",
        default=default(False),
        help="on an unexpected error, print its traceback too",
    )
    parser.add_argument("--version", action="version", version=f"pumpfun {__version__}")


def make_client(args: argparse.Namespace, **extra: Any) -> AsyncPumpFunClient:
    """Build a client from the global options; unset ones fall back to the environment.

    The token is ``--token``, else ``$PUMPFUN_TOKEN``, else the one ``pumpfun login``
    stored for this ``--base-url``. ``extra`` goes to the client as is. Call it inside the
    running event loop (``asyncio.run``), and use it with ``async with``.
    """
    options: dict[str, Any] = {"base_url": args.base_url, "client_key": args.client_key}
    if args.timeout is not None:
        options["timeout"] = args.timeout
    if args.max_retries is not None:
        options["max_retries"] = args.max_retries
    if args.no_rate_limit:
        options["rate_limit"] = None
    options.update(extra)
    token = args.token or os.environ.get("PUMPFUN_TOKEN") or stored_token(args.base_url)
    return AsyncPumpFunClient(token, **options)
