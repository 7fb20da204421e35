"""What the tests share: the fake servers, sample payloads, the emulator fixture, helpers.

One way to fake the server per purpose: aioresponses (``mocked``) where a test needs no
socket, the :class:`~pumpfun_async.testing.Emulator` (``emu``) for behaviour, a
:class:`Recorder` on loopback for the exact bytes on the wire, and ``rawhttp.RawServer``
for answers no real server would send.
"""

from __future__ import annotations

import asyncio
import inspect
import re
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any
from unittest.mock import Mock

import aioresponses.core as aioresponses_core
import pytest
from aiohttp import ClientResponse
from aioresponses import aioresponses
from yarl import URL

from pumpfun_async import AsyncPumpFunClient
from pumpfun_async.testing import Emulator

BASE = "http://api.test"
TOKEN = "header.payload.signature-token"
CLIENT_KEY = "ck-secret-123"
MINT = "CxLHsqvjfisgPAGwcZJsTn6nzZXJLxmVYM7v9pump"
OTHER = "MASi45ub7Qe4ZE36UT5G6cU4ud8Fhhe4deS4F3cwpump"
USER = "7GCihgDB8fe6KNjn2MYtkzZcRjQy3t9GHdC8uHYmW2hr"

# ------------------------------------------------------------------ sample payloads
# As pump.fun sends them (the field names and shapes of public captures).

REPLY: dict[str, Any] = {
    "id": 9001,
    "mint": MINT,
    "text": "Great project! #42",
    "user": USER,
    "timestamp": 1714557600000,
    "file_uri": None,
    "total_likes": 3,
    "hidden": False,
    "username": "degen",
    "profile_image": None,
}
COIN: dict[str, Any] = {
    "mint": MINT,
    "name": "Example",
    "symbol": "EX",
    "market_cap": 31.5,
    "usd_market_cap": 5000.25,
    "reply_count": 12,
    "nsfw": False,
    "complete": False,
    "created_timestamp": 1714557600000,
    "virtual_sol_reserves": 30000000000,
}
REPORT: dict[str, Any] = {
    "id": "b0f2c1f4-9e5b-4d0e-9d7a-5c1f1a2b3c4d",
    "targetId": MINT,
    "type": "scam",
    "reason": "This token appears to be a scam",
    "done": False,
    "action": None,
    "createdAt": "2024-05-01T10:00:00.000Z",
}
THROTTLED = {"statusCode": 429, "message": "ThrottlerException: Too Many Requests"}
DB_ERROR = {
    "code": "22P02",
    "details": None,
    "hint": None,
    "message": 'invalid input syntax for type uuid: "bookmark1"',
}


@pytest.fixture(autouse=True)
def _no_default_rate_limit(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Clients built without ``rate_limit=`` get none, unless the test is marked
    ``default_rate_limit``: the default (one request a second) would make the suite crawl."""
    if request.node.get_closest_marker("default_rate_limit") is None:
        monkeypatch.setattr("pumpfun_async._client.default_rate_limits", dict)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    for name in ("PUMPFUN_TOKEN", "PUMPFUN_BASE_URL", "PUMPFUN_CLIENT_KEY", "PUMPFUN_KEYPAIR"):
        monkeypatch.delenv(name, raising=False)
    # `pumpfun login` stores tokens here; never the real user's config directory.
    monkeypatch.setenv("PUMPFUN_CONFIG_DIR", str(tmp_path_factory.mktemp("config")))


class _StreamWriterResponse(ClientResponse):
    """aioresponses 0.7.9 builds responses without the ``stream_writer`` that aiohttp 3.14
    requires (pnuckowski/aioresponses#289); aiohttp only reads its ``output_size``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("stream_writer", Mock(output_size=0))
        super().__init__(*args, **kwargs)


_NEEDS_STREAM_WRITER = "stream_writer" in inspect.signature(ClientResponse.__init__).parameters


@pytest.fixture
def mocked(monkeypatch: pytest.MonkeyPatch) -> Iterator[aioresponses]:
    if _NEEDS_STREAM_WRITER:
        monkeypatch.setattr(aioresponses_core, "ClientResponse", _StreamWriterResponse)
    with aioresponses() as m:
        yield m


@pytest.fixture
def emulator_options() -> dict[str, Any]:
    """Keyword arguments for the ``emu`` fixture's :class:`Emulator`.

    A test module that wants another emulator overrides this fixture (for example
    ``{"require_captcha": False}``), not ``emu`` itself.
    """
    return {}


@pytest.fixture
async def emu(emulator_options: dict[str, Any]) -> AsyncIterator[Emulator]:
    """A fresh emulator on this test's event loop and an ephemeral loopback port."""
    async with Emulator(**emulator_options) as emulator:
        yield emulator


@pytest.fixture
async def client() -> AsyncIterator[AsyncPumpFunClient]:
    async with AsyncPumpFunClient(
        token=TOKEN, base_url=BASE, client_key=CLIENT_KEY, rate_limit=None, max_retries=0
    ) as c:
        yield c


def sent(mocked: aioresponses) -> list[tuple[str, URL, dict[str, Any]]]:
    """Every request aioresponses saw, as (method, url, kwargs), in order."""
    calls: list[tuple[str, URL, dict[str, Any]]] = []
    for (method, url), requests in mocked.requests.items():
        calls.extend((method, url, call.kwargs) for call in requests)
    return calls


async def until(condition: Callable[[], bool], *, turns: int = 1000) -> None:
    """Let other tasks run until ``condition()`` holds (without moving any clock)."""
    for _ in range(turns):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("condition never became true")


_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


def show(value: object) -> str:
    """A test id for ``value``: its repr without memory addresses.

    pytest-xdist wants every worker to collect the same ids, and an address differs
    between processes (and runs).
    """
    return _ADDRESS.sub("", repr(value))
