"""One subcommand per API operation, generated from ``ENDPOINTS`` and the client's methods.

Each method's signature gives the arguments (required parameters become positionals, the
others ``--options``), its type hints give how a command-line string is converted, and its
docstring gives the help texts, rewritten for the command line: parameters are named as
their arguments (``--limit``, ``mint``), the client's options as the global flags
(``--client-key``), environment variables as ``$NAME``, ``True``/``False``/``None`` as what
one types, and sentences about Python-only features (a ``state_cache``, the client's
``captcha`` provider) are left out. Nothing here names an operation.
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
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import Any, TextIO

from pumpfun_async._client import AsyncPumpFunClient
from pumpfun_async._endpoints import ENDPOINTS, Endpoint
from pumpfun_async.cli import _output
from pumpfun_async.cli._base import GLOBAL_DESTS, Subcommands, UsageError, make_client

__all__ = ["add_api_commands", "command_line_text", "parse_bool"]

_RESERVED = GLOBAL_DESTS | {"command", "handler"}
_TRUE = frozenset({"true", "yes", "y", "on", "1"})
_FALSE = frozenset({"false", "no", "n", "off", "0"})
_COLLECTIONS = (list, tuple, set, frozenset, collections.abc.Iterable, collections.abc.Sequence)
_ROLE = re.compile(r":[a-z]+:`~?(?:[\w.]+\.)?([^`]+)`")  # :class:`~pkg.Name` -> Name
_LITERAL = re.compile(r"``(.+?)``")
_ARG_ENTRY = re.compile(r"(\w+)(?: \([^)]*\))?:\s*(.*)")
_SECTION = re.compile(r"[A-Z][A-Za-z ]*:")
# The client's options that the command line sets with a global flag; the others (a captcha
# provider, a session, a wallet, a state cache, limiter objects) exist in Python only.
_CLIENT_FLAGS = {
    "token": "--token",
    "base_url": "--base-url",
    "client_key": "--client-key",
    "timeout": "--timeout",
    "max_retries": "--max-retries",
}
_PYTHON_ONLY = frozenset(
    name
    for name in inspect.signature(AsyncPumpFunClient).parameters
    if name not in _CLIENT_FLAGS and name != "self"
)
_ENUM_VALUE = re.compile(r":class:`~?(?:[\w.]+\.)?(\w+)`(?: or its value|, its value(?=,))")
_CLASS_ROLE = re.compile(r":class:`~?(?:[\w.]+\.)?(\w+)`")
_METHOD_ROLE = re.compile(r":meth:`~?(?:[\w.]+\.)?(\w+)(?:\(\))?`")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_ENV_VAR = re.compile(r"``(PUMPFUN_[A-Z_]+)``")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(`:])")
# Python terms with no command-line meaning, and what to say instead.
_PHRASES = {
    "naive means UTC": "without a time-zone offset means UTC",
    "when ``None``": "when not given",
    "``None``": "nothing",
}


def parse_bool(text: str) -> bool:
    """Read a command-line truth value: true/false, yes/no, y/n, on/off or 1/0."""
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise argparse.ArgumentTypeError(f"expected true or false (yes/no, 1/0), got {text!r}")


def add_api_commands(subcommands: Subcommands) -> None:
    """Add one subcommand per entry of ``ENDPOINTS``, named in kebab case."""
    for endpoint in ENDPOINTS.values():
        _add_command(subcommands, endpoint)


def _add_command(subcommands: Subcommands, endpoint: Endpoint) -> None:
    method = getattr(AsyncPumpFunClient, endpoint.name)
    hints = typing.get_type_hints(method)
    doc = inspect.getdoc(method) or endpoint.summary
    params = [p for p in inspect.signature(method).parameters.values() if p.name != "self"]
    names = {
        p.name: _kebab(p.name) if p.default is inspect.Parameter.empty else f"--{_kebab(p.name)}"
        for p in params
    }
    arg_help = _args_section(doc)
    description = command_line_text(_prose(doc), names)
    parser = subcommands.add_parser(
        endpoint.command, help=endpoint.summary, description=description
    )
    for param in params:
        if param.name in _RESERVED:  # pragma: no cover - guards future client methods
            raise AssertionError(f"{endpoint.name}({param.name}) clashes with a global option")
        help_text = arg_help.get(param.name)
        if help_text is not None:
            true, false = _truth_words(param, hints[param.name], names[param.name])
            help_text = command_line_text(help_text, names, true=true, false=false)
        _add_argument(parser, param, hints[param.name], help_text)
    parser.set_defaults(
        handler=ApiCommand(
            endpoint,
            params=tuple(p.name for p in params),
            positionals=tuple(p.name for p in params if p.default is inspect.Parameter.empty),
            returns_value=hints.get("return") is not type(None),
            item_type=_list_item(hints.get("return")),
        )
    )


class _Flag(argparse.BooleanOptionalAction):
    """``--name``/``--no-name``, its help text as written.

    Python before 3.12 appends "(default: False)" to a flag's help, a Python word the
    command line's help avoids; the default is set after that check instead.
    """

    def __init__(
        self,
        option_strings: Sequence[str],
        dest: str,
        default: bool | None = None,
        *,
        required: bool = False,
        help: str | None = None,
    ) -> None:
        super().__init__(option_strings, dest, None, required=required, help=help)
        self.default = default


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
            kwargs["action"] = _Flag
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
        item_type: type | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.params = params
        self.positionals = positionals
        self.returns_value = returns_value
        self.item_type = item_type

    def __call__(self, args: argparse.Namespace, out: TextIO) -> int:
        """Run the operation with the parsed arguments and print its result to ``out``."""
        if self.endpoint.client_key and not _client_key_given(args):
            # Checked here so that the message names the flag, not the client's parameter.
            raise UsageError(
                f"{self.endpoint.command} needs the x-client-key header: "
                "give --client-key KEY or set $PUMPFUN_CLIENT_KEY"
            )
        kwargs = {name: getattr(args, name) for name in self.params}
        result = asyncio.run(self._call(args, kwargs))
        if args.as_json:
            _output.print_json(result, out)
        else:
            confirmation = self._confirmation(kwargs)
            _output.print_human(result, out, confirmation, item_type=self.item_type)
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


def _client_key_given(args: argparse.Namespace) -> bool:
    """Whether the client will have a client key: as the client reads it, blank is none."""
    key = args.client_key if args.client_key is not None else os.environ.get("PUMPFUN_CLIENT_KEY")
    return bool(key and key.strip())


def command_line_text(
    text: str, names: Mapping[str, str], *, true: str = "true", false: str = "false"
) -> str:
    """A docstring passage rewritten for the command line, as one line of plain text.

    Args:
        text: Docstring text, with its markup (````x````, ``:class:`X```).
        names: How the command line spells each parameter (``limit`` -> ``--limit``).
        true: What stands for ````True```` (``--done`` for a flag, ``true`` for a value).
        false: What stands for ````False````.
    """
    sentences = []
    for sentence in _SENTENCE_END.split(" ".join(text.split())):
        clauses = sentence.split("; ")
        kept = [c for c in clauses if not any(f"``{n}``" in c for n in _PYTHON_ONLY)]
        if not kept:
            continue
        joined = "; ".join(kept)
        if kept[-1] is not clauses[-1]:  # the sentence's end went with a dropped clause
            joined = joined.rstrip(" ,;:") + "."
        sentences.append(joined)
    text = " ".join(sentences)
    text = _ENUM_VALUE.sub(lambda m: _words(m.group(1)), text)
    text = _CLASS_ROLE.sub(lambda m: _words(m.group(1)), text)
    text = _METHOD_ROLE.sub(
        lambda m: (
            f"'pumpfun {ENDPOINTS[m.group(1)].command}'" if m.group(1) in ENDPOINTS else m.group(1)
        ),
        text,
    )
    text = _ENV_VAR.sub(r"$\1", text)
    for name, flag in _CLIENT_FLAGS.items():
        text = re.sub(rf"(?:the client's )?``{name}``", flag, text)
    for name, spelled in names.items():
        text = text.replace(f"``{name}``", spelled)
    text = text.replace("``True``", true).replace("``False``", false)
    for phrase, replacement in _PHRASES.items():
        text = text.replace(phrase, replacement)
    return _clean(text)


def _truth_words(param: inspect.Parameter, hint: Any, spelled: str) -> tuple[str, str]:
    """What stands for ``True`` and ``False`` in a parameter's help: flags or values."""
    if _members(hint) == [bool] and param.default is not inspect.Parameter.empty:
        return spelled, f"--no-{spelled.removeprefix('--')}"
    return "true", "false"


def _words(class_name: str) -> str:
    """``ReportType`` -> ``report type``."""
    return _CAMEL.sub(" ", class_name).lower()


def _members(hint: Any) -> list[Any]:
    """The types of a hint, without ``None``: ``str | int | None`` -> ``[str, int]``."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return [arg for arg in typing.get_args(hint) if arg is not type(None)]
    return [hint]


def _list_item(hint: Any) -> type | None:
    """``list[Coin]`` -> ``Coin``: what an empty list result would have held."""
    if typing.get_origin(hint) is list:
        (item,) = typing.get_args(hint)
        return item if isinstance(item, type) else None
    return None


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
    """Each parameter's description from a Google-style ``Args:`` section, markup kept."""
    found: dict[str, list[str]] = {}
    base: int | None = None
    for indent, text in _section_lines(doc, "Args:"):
        base = indent if base is None else base
        entry = _ARG_ENTRY.fullmatch(text)
        if entry and indent == base:
            found[entry.group(1)] = [entry.group(2)]
        elif found:
            next(reversed(found.values())).append(text)
    return {name: " ".join(parts) for name, parts in found.items()}


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
