"""One subcommand per API operation, generated from ``ENDPOINTS`` and the client's methods.

Each method's signature gives the arguments (required parameters become positionals, the
others ``--options``), its type hints give how a command-line string is converted, and its
docstring gives the help texts. Nothing here names an operation.
"""

from __future__ import annotations

import argparse
import asyncio
import collections.abc
import enum
import inspect
import os
import re
import types
import typing
from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Any, TextIO, TypeAlias

from pumpfun_async._client import AsyncPumpFunClient
from pumpfun_async._endpoints import ENDPOINTS, Endpoint
from pumpfun_async.cli import _output

__all__ = [
    "GLOBAL_DESTS",
    "Handler",
    "Subcommands",
    "UsageError",
    "add_api_commands",
    "make_client",
    "parse_bool",
]

Subcommands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
"""The object ``build_parser`` adds subcommands to (what ``add_subparsers()`` returns)."""

Handler: TypeAlias = Callable[[argparse.Namespace, TextIO], int]
"""What a subcommand runs: given the parsed arguments and the stream to print results to
(``sys.stdout``), it returns the exit status."""

GLOBAL_DESTS = frozenset(
    {"base_url", "token", "client_key", "timeout", "max_retries", "no_rate_limit", "as_json"}
)
"""Namespace attributes the global options use; no subcommand argument may reuse them."""

_RESERVED = GLOBAL_DESTS | {"command", "handler"}
_TRUE = frozenset({"true", "yes", "y", "on", "1"})
_FALSE = frozenset({"false", "no", "n", "off", "0"})
_COLLECTIONS = (list, tuple, set, frozenset, collections.abc.Iterable, collections.abc.Sequence)
_ROLE = re.compile(r":[a-z]+:`~?(?:[\w.]+\.)?([^`]+)`")  # :class:`~pkg.Name` -> Name
_LITERAL = re.compile(r"``(.+?)``")
_ARG_ENTRY = re.compile(r"(\w+)(?: \([^)]*\))?:\s*(.*)")
_SECTION = re.compile(r"[A-Z][A-Za-z ]*:")


class UsageError(Exception):
    """A problem with how the command was called; reported on one line with exit status 2."""


def parse_bool(text: str) -> bool:
    """Read a command-line truth value: true/false, yes/no, y/n, on/off or 1/0."""
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise argparse.ArgumentTypeError(f"expected true or false (yes/no, 1/0), got {text!r}")


def make_client(args: argparse.Namespace, **extra: Any) -> AsyncPumpFunClient:
    """Build a client from the global options; unset ones fall back to the environment.

    The token is ``--token``, else ``$PUMPFUN_TOKEN``, else the one ``pumpfun login``
    stored for this ``--base-url``. ``extra`` goes to the client as is. Call it inside the
    running event loop (``asyncio.run``), and use it with ``async with``.
    """
    from pumpfun_async.cli._login import stored_token

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


def add_api_commands(subcommands: Subcommands) -> None:
    """Add one subcommand per entry of ``ENDPOINTS``, named in kebab case."""
    for endpoint in ENDPOINTS.values():
        _add_command(subcommands, endpoint)


def _add_command(subcommands: Subcommands, endpoint: Endpoint) -> None:
    method = getattr(AsyncPumpFunClient, endpoint.name)
    hints = typing.get_type_hints(method)
    doc = inspect.getdoc(method) or endpoint.summary
    arg_help = _args_section(doc)
    description = _clean(_prose(doc))
    parser = subcommands.add_parser(
        _kebab(endpoint.name), help=endpoint.summary, description=description
    )
    params = [p for p in inspect.signature(method).parameters.values() if p.name != "self"]
    for param in params:
        if param.name in _RESERVED:  # pragma: no cover - guards future client methods
            raise AssertionError(f"{endpoint.name}({param.name}) clashes with a global option")
        _add_argument(parser, param, hints[param.name], arg_help.get(param.name))
    parser.set_defaults(
        handler=ApiCommand(
            endpoint,
            params=tuple(p.name for p in params),
            positionals=tuple(p.name for p in params if p.default is inspect.Parameter.empty),
            returns_value=hints.get("return") is not type(None),
        )
    )


def _add_argument(
    parser: argparse.ArgumentParser, param: inspect.Parameter, hint: Any, help_text: str | None
) -> None:
    required = param.default is inspect.Parameter.empty
    kwargs: dict[str, Any] = {}
    members = _members(hint)
    help_text = help_text.replace("%", "%%") if help_text else None
    enum_type = next((m for m in members if isinstance(m, type) and issubclass(m, enum.Enum)), None)
    if enum_type is not None:
        known = ", ".join(str(member.value) for member in enum_type)
        help_text = f"{help_text or ''} Known values: {known}.".strip()
    if members == [bool]:
        if required:
            kwargs["type"] = parse_bool
            help_text = f"{help_text or ''} One of true/false (yes/no, 1/0).".strip()
        else:
            kwargs["action"] = argparse.BooleanOptionalAction
    elif members == [int]:
        kwargs["type"] = int
    elif len(members) == 1 and typing.get_origin(members[0]) in _COLLECTIONS:
        kwargs["nargs"] = "+"
    elif datetime in members or date in members:
        kwargs["metavar"] = "ISO-8601"
    if required:
        kwargs.setdefault("metavar", _kebab(param.name))
        parser.add_argument(param.name, help=help_text, **kwargs)
        return
    if param.default is not None and not isinstance(param.default, bool):
        help_text = f"{help_text or ''} (default: %(default)s)".strip()
    parser.add_argument(
        f"--{_kebab(param.name)}", dest=param.name, default=param.default, help=help_text, **kwargs
    )


class ApiCommand:
    """The handler of a generated subcommand: call the client method, print the result."""

    def __init__(
        self,
        endpoint: Endpoint,
        *,
        params: tuple[str, ...],
        positionals: tuple[str, ...],
        returns_value: bool,
    ) -> None:
        self.endpoint = endpoint
        self.params = params
        self.positionals = positionals
        self.returns_value = returns_value

    def __call__(self, args: argparse.Namespace, out: TextIO) -> int:
        """Run the operation with the parsed arguments and print its result to ``out``."""
        if self.returns_value and not args.as_json and not _output.rich_available():
            raise UsageError(_output.RICH_MISSING)
        kwargs = {name: getattr(args, name) for name in self.params}
        result = asyncio.run(self._call(args, kwargs))
        if args.as_json:
            _output.print_json(result, out)
        else:
            _output.print_human(result, out, self._confirmation(kwargs))
        return 0

    async def _call(self, args: argparse.Namespace, kwargs: dict[str, Any]) -> Any:
        async with make_client(args) as client:
            return await getattr(client, self.endpoint.name)(**kwargs)

    def _confirmation(self, kwargs: dict[str, Any]) -> str:
        verb, *rest = _kebab(self.endpoint.name).split("-")
        words = [verb + ("d" if verb.endswith("e") else "ed"), *rest]
        if self.positionals:
            words.append(_output.shorten(str(kwargs[self.positionals[0]])))
        return " ".join(words)


def _members(hint: Any) -> list[Any]:
    """The types of a hint, without ``None``: ``str | int | None`` -> ``[str, int]``."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return [arg for arg in typing.get_args(hint) if arg is not type(None)]
    return [hint]


def _kebab(name: str) -> str:
    return name.replace("_", "-")


def _clean(text: str) -> str:
    """Docstring markup to plain text: ``x`` -> x, :class:`~a.B` -> B, one line."""
    return " ".join(_LITERAL.sub(r"\1", _ROLE.sub(r"\1", text)).split())


def _prose(doc: str) -> str:
    """The docstring before its first section (``Args:``, ``Returns:``, …)."""
    lines: list[str] = []
    for line in doc.splitlines():
        if _SECTION.fullmatch(line.strip()) and not line.startswith(" "):
            break
        lines.append(line)
    return "\n".join(lines)


def _args_section(doc: str) -> dict[str, str]:
    """Each parameter's description from a Google-style ``Args:`` section, as one line."""
    found: dict[str, list[str]] = {}
    base: int | None = None
    for indent, text in _section_lines(doc, "Args:"):
        base = indent if base is None else base
        entry = _ARG_ENTRY.fullmatch(text)
        if entry and indent == base:
            found[entry.group(1)] = [entry.group(2)]
        elif found:
            next(reversed(found.values())).append(text)
    return {name: _clean(" ".join(parts)) for name, parts in found.items()}


def _section_lines(doc: str, header: str) -> Iterator[tuple[int, str]]:
    """(indent, stripped text) of each line of a section, up to the next unindented line."""
    lines = iter(doc.splitlines())
    for line in lines:
        if line.strip() == header and not line.startswith(" "):
            break
    for line in lines:
        if line and not line.startswith(" "):
            return
        if line.strip():
            yield len(line) - len(line.lstrip()), line.strip()
