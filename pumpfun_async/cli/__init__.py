"""The ``pumpfun`` command line: one subcommand per API operation.

::

    pumpfun --token "$JWT" like CxLHsqvjfisgPAGwcZJsTn6nzZXJLxmVYM7v9pump
    pumpfun --json get-replies CxLHsqvjfisgPAGwcZJsTn6nzZXJLxmVYM7v9pump --limit 5
    python -m pumpfun_async get-reports --type scam --no-done

The API subcommands are generated from :data:`pumpfun_async.endpoints.ENDPOINTS` and the signatures,
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
``timeout``, ``as_json``: :data:`GLOBAL_DESTS`); do not reuse those names as a ``dest``.
:func:`build_parser` adds them to every subcommand as well, so that they may be given after
the subcommand's name (``pumpfun like MINT --json``); given in both places, the later one
wins. A handler raises :class:`UsageError` for a bad invocation (exit status 2); whatever
else it lets through is reported by :func:`main` as one ``error:`` line on stderr (status 1,
or 2 for a ``ValidationError``, 130 for Ctrl-C), exactly as for the API subcommands: never
a traceback (``--debug`` adds one).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import Any, cast

from pumpfun_async.cli._base import (
    GLOBAL_DESTS,
    Handler,
    Subcommands,
    UsageError,
    add_global_options,
    make_client,
)
from pumpfun_async.cli._commands import add_api_commands
from pumpfun_async.cli._demo import add_demo_command
from pumpfun_async.cli._login import add_login_commands
from pumpfun_async.cli._output import one_line
from pumpfun_async.cli._serve import add_emulator_command
from pumpfun_async.cli._store import stored_token
from pumpfun_async.cli._watch import add_watch_commands
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
    add_watch_commands,
)
"""Functions adding subcommands beyond the API operations, called by :func:`build_parser`."""

_MIN_SECRET_LENGTH = 6


def build_parser() -> argparse.ArgumentParser:
    """The ``pumpfun`` argument parser, with every subcommand.

    The subparsers object is available to ``EXTRA_COMMANDS`` functions, which is how other
    modules add subcommands. The global options are added to every subcommand too, after
    its own arguments.
    """
    parser = _Parser(
        prog="pumpfun",
        description="Call the pump.fun frontend API (v3) from the command line.",
        epilog="Run 'pumpfun COMMAND --help' for a command's arguments. The options above "
        "may also be given after the command.",
    )
    add_global_options(parser)
    subcommands = cast(
        "Subcommands",
        parser.add_subparsers(dest="command", metavar="COMMAND", title="commands", required=True),
    )
    add_api_commands(subcommands)
    for add_commands in EXTRA_COMMANDS:
        add_commands(subcommands)
    for subparser in {id(p): p for p in subcommands.choices.values()}.values():
        add_global_options(subparser.add_argument_group("global options"), after=True)
    return parser


class _Parser(argparse.ArgumentParser):
    """An argument parser that lets a closed output through, to be reported like any failure.

    argparse ignores an ``OSError`` while printing help, a version or a usage message, which
    would make ``pumpfun --help`` into a closed pipe succeed silently.
    """

    def _print_message(self, message: str, file: Any = None) -> None:
        if message:
            (file or sys.stderr).write(message)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit status.

    0 on success, 1 when the API or the network failed (or anything unexpected happened),
    2 for a bad invocation or input (nothing was sent), 130 when interrupted. Every failure
    is reported as one ``error:`` line on stderr, without secrets and without a traceback
    (``--debug`` prints the traceback of an unexpected error before that line).

    Args:
        argv: The arguments, without the program name; defaults to ``sys.argv[1:]``.
    """
    run = _Run()
    try:
        return run(argv)
    except (KeyboardInterrupt, Exception) as exc:
        message, status = _failure(exc, run)
        return _fail(message, status, run.secrets, run.args)


class _Run:
    """One run of the command line, keeping what a failure report needs as it is learnt."""

    def __init__(self) -> None:
        self.parser: argparse.ArgumentParser | None = None
        self.args: argparse.Namespace | None = None
        self.secrets: list[str] = []

    def __call__(self, argv: Sequence[str] | None) -> int:
        self.secrets = _secrets(None)
        self.parser = build_parser()
        try:
            self.args = self.parser.parse_args(argv)
        except SystemExit as exc:  # --help, --version, or a usage error already printed
            sys.stdout.flush()
            return exc.code if isinstance(exc.code, int) else 2
        self.secrets = _secrets(self.args)
        handler: Handler = self.args.handler
        status = handler(self.args, sys.stdout)
        # Written out here, not at exit, so that a closed pipe is reported like any failure.
        sys.stdout.flush()
        return status


def _failure(exc: BaseException, run: _Run) -> tuple[str, int]:
    """The error message and exit status for what a run raised."""
    message, status = str(exc), 1
    if isinstance(exc, KeyboardInterrupt):
        message, status = "interrupted", 130
    elif isinstance(exc, BrokenPipeError):
        _discard_stdout()
        message = "output closed before everything was written (broken pipe)"
    elif isinstance(exc, UsageError):
        status = 2
    elif isinstance(exc, ValidationError):
        message, status = _command_line_error(exc, run.parser, run.args), 2
    elif isinstance(exc, RateLimitError):
        if exc.retry_after is not None:
            message += f"; retry after {exc.retry_after:g} s"
    elif not isinstance(exc, PumpFunError):  # a bug (here or in the SDK): still one line
        debug = run.args is not None and getattr(run.args, "debug", False)
        if debug:
            _print_masked("".join(traceback.format_exception(exc)), run.secrets, run.args)
        hint = "" if debug else " (run again with --debug to see where)"
        message = f"unexpected {_describe(exc)}{hint}"
    return message, status


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _command_line_error(
    exc: ValidationError, parser: argparse.ArgumentParser | None, args: argparse.Namespace | None
) -> str:
    """A ``ValidationError``'s message with parameters named as on the command line.

    ``limit: must be …`` becomes ``--limit: must be …``, and ``created_from: is later than
    created_to`` names both flags.
    """
    message = str(exc)
    spelled = _spellings(parser, args)
    prefix = f"{exc.field}: "
    if exc.field in spelled and message.startswith(prefix):
        message = f"{spelled[exc.field]}: {message[len(prefix) :]}"
    for dest, name in spelled.items():
        if "_" in dest:  # a single word may be plain English ("limit"): left alone
            message = re.sub(rf"\b{re.escape(dest)}\b", name, message)
    return message


def _spellings(
    parser: argparse.ArgumentParser | None, args: argparse.Namespace | None
) -> dict[str, str]:
    """How the running subcommand's arguments are spelled: ``{"base_url": "--base-url"}``."""
    if parser is None or args is None:
        return {}
    chosen = [
        action.choices[args.command]
        for action in parser._actions
        if isinstance(action, argparse._SubParsersAction) and args.command in action.choices
    ]
    spelled: dict[str, str] = {}
    for action in (*parser._actions, *(a for p in chosen for a in p._actions)):
        if action.dest in (argparse.SUPPRESS, "help"):
            continue
        longs = [o for o in action.option_strings if o.startswith("--")]
        if longs:
            spelled[action.dest] = longs[0]
        elif not action.option_strings and isinstance(action.metavar, str):
            spelled[action.dest] = action.metavar
    return spelled


def _discard_stdout() -> None:
    """Point stdout at the null device.

    Whatever is still buffered cannot be written, and Python would report that again at exit.
    """
    stdout = sys.__stdout__
    if stdout is None or sys.stdout is not stdout:  # tests, embedding: not ours to touch
        return
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stdout.fileno())
        os.close(devnull)


def _secrets(args: argparse.Namespace | None) -> list[str]:
    """What an error message must not show: the token and client key, given or stored."""
    base_url = None if args is None else args.base_url
    return [
        secret.strip()
        for secret in (
            None if args is None else args.token,
            None if args is None else args.client_key,
            os.environ.get("PUMPFUN_TOKEN"),
            os.environ.get("PUMPFUN_CLIENT_KEY"),
            _stored_token(base_url),
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


def _fail(
    message: str, status: int, secrets: Sequence[str], args: argparse.Namespace | None
) -> int:
    """Print ``error: message`` as one line on stderr, without secrets or control characters.

    The secrets are those of the start and of now: ``pumpfun login`` may have stored a new
    token meanwhile.
    """
    print(f"error: {one_line(_masked(message, secrets, args))}", file=sys.stderr)
    return status


def _print_masked(text: str, secrets: Sequence[str], args: argparse.Namespace | None) -> None:
    print(_masked(text, secrets, args), file=sys.stderr, end="")


def _masked(text: str, secrets: Sequence[str], args: argparse.Namespace | None) -> str:
    try:
        current = _secrets(args)
    except Exception:  # reading the stored token failed: the known secrets still go
        current = []
    # Longest first, so that a secret containing another is masked whole.
    for secret in sorted({*secrets, *current}, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text
