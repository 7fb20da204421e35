"""Write ``_sync.pyi``, the typed face of PumpFunClient, from AsyncPumpFunClient.

Run ``python -m pumpfun_async._sync_stub`` after changing the async client; a test fails
while the stub is out of date. Each async method ``async def f(...) -> T`` becomes
``def f(...) -> T`` (an async iterator of ``T`` becomes a generator of ``T``), with the same
parameters and docstring.
"""

from __future__ import annotations

import inspect
import re
import sys
from pathlib import Path

from ._client import AsyncPumpFunClient
from ._sync import sync_method_names

__all__ = ["STUB_PATH", "render"]

STUB_PATH = Path(__file__).with_name("_sync.pyi")

_HEADER = '''"""PumpFunClient's types, written by ``python -m pumpfun_async._sync_stub``."""

import asyncio
import threading
from collections.abc import Coroutine, Generator, Iterable, Iterator, Mapping
from concurrent.futures import Future
from datetime import date, datetime
from types import TracebackType
from typing import Any, TypeVar

import aiohttp

from ._bulk import BulkResult, Progress
from ._cache import StateCache
from ._wallet import Wallet
from ._captcha import CaptchaProvider
from ._options import DEFAULT, Timeout, _Default
from ._ratelimit import RateLimiter, RateLimitSetting
from ._retry import RetryPolicy
from .models import Coin, RepliesPage, Reply, Report, ReportAction, ReportsPage, ReportType

__all__ = ["PumpFunClient", "sync_method_names"]

_SyncT = TypeVar("_SyncT", bound="PumpFunClient")

_T = TypeVar("_T")

def sync_method_names() -> list[str]: ...
def _submit(
    coroutine: Coroutine[Any, Any, _T],
    loop: asyncio.AbstractEventLoop,
    tasks: set[asyncio.Task[Any]] | None = None,
) -> tuple[Future[_T], threading.Event]: ...
def _wait(future: Future[_T], settled: threading.Event | None = None) -> _T: ...

class PumpFunClient:
    """{class_doc}"""

    _loops: list[Any]
    def __init__(
{init_params}
    ) -> None: ...
    @property
    def closed(self) -> bool: ...
    def close(self) -> None: ...
    def __enter__(self: _SyncT) -> _SyncT: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
'''


def _params(signature: inspect.Signature, *, indent: str) -> str:
    lines = []
    star_done = False
    for param in signature.parameters.values():
        if param.kind is param.KEYWORD_ONLY and not star_done:
            lines.append(f"{indent}*,")
            star_done = True
        text = param.name
        if param.annotation is not param.empty:
            text += f": {param.annotation}"
        if param.default is not param.empty:
            text += f" = {_default(param.default)}"
        lines.append(f"{indent}{text},")
    return "\n".join(lines)


def _default(value: object) -> str:
    text = repr(value)
    return text if len(text) < 40 else "..."


def _doc(text: str, indent: str) -> str:
    body = text.replace('"""', r"\"\"\"")
    lines = body.splitlines()
    text = "\n".join(
        (indent + line) if line.strip() and i else line for i, line in enumerate(lines)
    )
    return f"{text}\n{indent}" if len(lines) > 1 else text


def render() -> str:
    """The text ``_sync.pyi`` must have for the current AsyncPumpFunClient."""
    from ._sync import PumpFunClient

    init = inspect.signature(AsyncPumpFunClient.__init__)
    out = [
        _HEADER.replace("{class_doc}", _doc(inspect.getdoc(PumpFunClient) or "", "    ")).replace(
            "{init_params}", _params(init, indent="        ")
        )
    ]
    for name in sync_method_names():
        method = getattr(AsyncPumpFunClient, name)
        signature = inspect.signature(method)
        returns = signature.return_annotation
        if inspect.isasyncgenfunction(method):
            returns = re.sub(r"^AsyncIterator\[(.*)\]$", r"Generator[\1, None, None]", str(returns))
        doc = _doc(inspect.getdoc(method) or "", "        ")
        out.append(
            f"    def {name}(\n{_params(signature, indent='        ')}\n    ) -> {returns}:\n"
            f'        """{doc}"""\n'
        )
    return "\n".join(out)


def main() -> int:
    """Write the stub, or with ``--check`` exit 1 if it is out of date."""
    text = render()
    if "--check" in sys.argv[1:]:
        current = STUB_PATH.read_text(encoding="utf-8") if STUB_PATH.exists() else ""
        return 0 if current == text else 1
    STUB_PATH.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
