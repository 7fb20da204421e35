"""The ``pumpfun`` command line: one subcommand per API operation.

::

    pumpfun --token "$JWT" like CxLHsqvjfisgPAGwcZJsTn6nzZXJLxmVYM7v9pump
    pumpfun --json get-replies CxLHsqvjfisgPAGwcZJsTn6nzZXJLxmVYM7v9pump --limit 5
    python -m pumpfun_async get-reports --type scam --no-done

The API subcommands are generated from :data:`pumpfun_async.ENDPOINTS` and the signatures,
type hints and docstrings of :class:`~pumpfun_async.AsyncPumpFunClient` (see ``_commands``),
so a new client method gets its subcommand by being added to ``ENDPOINTS``.

Adding another subcommand (``emulator``, ``demo``, …): write a function that takes the
subparsers object (:data:`Subcommands`) and adds a parser whose ``handler`` default is a
:data:`Handler`, a function of the parsed arguments and the output stream that returns the
exit status; then list that function in ``EXTRA_COMMANDS`` below::

    def add_demo_command(subcommands: Subcommands) -> None:
        parser = subcommands.add_parser("demo", help="Run the demo.", description="…")
        parser.add_argument("--steps", type=int, default=3)
        parser.set_defaults(handler=run_demo)


    def run_demo(args: argparse.Namespace, out: TextIO) -> int:
        async def go() -> None:
            async with make_client(args) as client:  # honours --base-url, --token, …
                print(await client.get_replies(MINT), file=out)

        asyncio.run(go())
        return 0


    EXTRA_COMMANDS = (add_emulator_command, add_demo_command)

The global options are on ``args`` too (``base_url``, ``token``, ``client_key``,
``timeout``, ``as_json``: :data:`GLOBAL_DESTS`); do not reuse those names as a ``dest``. A
handler raises :class:`UsageError` for a bad invocation (exit status 2); any
:class:`~pumpfun_async.PumpFunError` or Ctrl-C it lets through is reported by :func:`main`
as one line on stderr (status 1, or 2 for a ``ValidationError``, 130 for Ctrl-C), exactly
as for the API subcommands.
"""

from __future__ import annotations

import argparse
import inspect
import os
import sys
from collections.abc import Callable, Sequence

from pumpfun_async._client import AsyncPumpFunClient
from pumpfun_async._endpoints import ENDPOINTS
from pumpfun_async._version import __version__
from pumpfun_async.cli._commands import (
    GLOBAL_DESTS,
    Handler,
    Subcommands,
    UsageError,
    add_api_commands,
    make_client,
)
from pumpfun_async.cli._demo import add_demo_command
from pumpfun_async.cli._login import add_login_commands, stored_token
from pumpfun_async.cli._output import one_line
from pumpfun_async.cli._serve import add_emulator_command
from pumpfun_async.errors import PumpFunError, RateLimitError, ValidationError

__all__ = [
    "EXTRA_COMMANDS",
    "GLOBAL_DESTS",
    "Handler",
    "Subcommands",
    "UsageError",
    "build_parser",
    "main",
    "make_client",
]

EXTRA_COMMANDS: tuple[Callable[[Subcommands], None], ...] = (
    add_login_commands,
    add_emulator_command,
    add_demo_command,
)
"""Functions adding subcommands beyond the API operations, called by :func:`build_parser`."""

_MIN_SECRET_LENGTH = 6
_CLIENT_KEY_COMMANDS = [name.replace("_", "-") for name, e in ENDPOINTS.items() if e.client_key]
_DEFAULT_TIMEOUT = inspect.signature(AsyncPumpFunClient).parameters["timeout"].default


def build_parser() -> argparse.ArgumentParser:
    """The ``pumpfun`` argument parser, with every subcommand.

    The subparsers object is available to ``EXTRA_COMMANDS`` functions, which is how other
    modules add subcommands.
    """
    parser = argparse.ArgumentParser(
        prog="pumpfun",
        description="Call the pump.fun frontend API (v3) from the command line.",
        epilog="Run 'pumpfun COMMAND --help' for a command's arguments.",
    )
    parser.add_argument(
        "--base-url", metavar="URL", help="API root; defaults to $PUMPFUN_BASE_URL or pump.fun"
    )
    parser.add_argument(
        "--token",
        metavar="JWT",
        help="session JWT; defaults to $PUMPFUN_TOKEN (prefer the variable: "
        "command lines are visible to other users)",
    )
    parser.add_argument(
        "--client-key",
        metavar="KEY",
        help=f"x-client-key for {', '.join(_CLIENT_KEY_COMMANDS)}; defaults to $PUMPFUN_CLIENT_KEY",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        metavar="SECONDS",
        help=f"seconds one request may take (default: {_DEFAULT_TIMEOUT})",
    )
    parser.add_argument(
        "--max-retries",
        type=int,
        metavar="N",
        help="retries of a failed request (default: 3; 0 turns retrying off)",
    )
    parser.add_argument(
        "--no-rate-limit",
        action="store_true",
        help="send without the client-side rate limit (pump.fun may answer 429)",
    )
    parser.add_argument("--json", dest="as_json", action="store_true", help="print results as JSON")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subcommands = parser.add_subparsers(
        dest="command", metavar="COMMAND", title="commands", required=True
    )
    add_api_commands(subcommands)
    for add_commands in EXTRA_COMMANDS:
        add_commands(subcommands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit status.

    0 on success, 1 when the API or the network failed, 2 for a bad invocation or input
    (nothing was sent), 130 when interrupted.

    Args:
        argv: The arguments, without the program name; defaults to ``sys.argv[1:]``.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error already printed
        return exc.code if isinstance(exc.code, int) else 2
    handler: Handler = args.handler
    secrets = _secrets(args)
    try:
        return handler(args, sys.stdout)
    except KeyboardInterrupt:
        return _fail("interrupted", 130, secrets, args)
    except (UsageError, ValidationError) as exc:
        return _fail(str(exc), 2, secrets, args)
    except RateLimitError as exc:
        wait = "" if exc.retry_after is None else f"; retry after {exc.retry_after:g} s"
        return _fail(f"{exc}{wait}", 1, secrets, args)
    except PumpFunError as exc:
        return _fail(str(exc), 1, secrets, args)


def _secrets(args: argparse.Namespace) -> list[str]:
    """What an error message must not show: the token and client key, given or stored."""
    return [
        secret.strip()
        for secret in (
            args.token,
            args.client_key,
            os.environ.get("PUMPFUN_TOKEN"),
            os.environ.get("PUMPFUN_CLIENT_KEY"),
            _stored_token(args.base_url),
        )
        # Very short values are not real secrets, and masking them would mangle words.
        if secret and len(secret.strip()) >= _MIN_SECRET_LENGTH
    ]


def _stored_token(base_url: str | None) -> str | None:
    """The token ``pumpfun login`` stored for ``base_url``; ``None`` for a bad URL."""
    try:
        return stored_token(base_url)
    except ValidationError:  # reported by the command itself
        return None


def _fail(message: str, status: int, secrets: Sequence[str], args: argparse.Namespace) -> int:
    """Print ``error: message`` as one line on stderr, without secrets or control characters.

    The secrets are those of the start and of now: ``pumpfun login`` may have stored a new
    token meanwhile.
    """
    # Longest first, so that a secret containing another is masked whole.
    for secret in sorted({*secrets, *_secrets(args)}, key=len, reverse=True):
        message = message.replace(secret, "***")
    print(f"error: {one_line(message)}", file=sys.stderr)
    return status
