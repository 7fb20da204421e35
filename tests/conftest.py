"""What the tests share: the fake servers, sample payloads, the emulator fixture, helpers.

One way to fake the server per purpose: aioresponses (``mocked``) where a test needs no
socket, the :class:`~pumpfun_async.testing.Emulator` (``emu``) for behaviour, a
:class:`Recorder` on loopback for the exact bytes on the wire, and ``rawhttp.RawServer``
for answers no real server would send.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import re
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any
from unittest.mock import Mock

import aioresponses.core as aioresponses_core
import attrs
import orjson
import pytest
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestServer
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


def pytest_configure(config: pytest.Config) -> None:
    """Keep coverage to the processes that run tests.

    ``nox -s tests`` measures each pytest-xdist worker from its start through coverage's
    subprocess patch (an environment variable every Python child inherits). The tests' own
    children (the CLI, mypy, the benchmarks) are left unmeasured, as in a run without
    workers: tracing them would cost more than the workers gain.
    """
    in_worker = "PYTEST_XDIST_WORKER" in os.environ
    if in_worker or not getattr(config.option, "numprocesses", None):
        os.environ.pop("COVERAGE_PROCESS_CONFIG", None)


@pytest.fixture(autouse=True)
def _no_default_rate_limit(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Clients built without ``rate_limit=`` get none, unless the test is marked
    ``default_rate_limit``: the default (one request a second) would make the suite crawl."""
    if request.node.get_closest_marker("default_rate_limit") is None:
        monkeypatch.setattr("pumpfun_async._options.default_rate_limits", dict)


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


# ------------------------------------------------------------------ the loopback recorder

# Only a guard against a hang: no assertion depends on how long anything takes.
GUARD = 30.0


@attrs.define
class Seen:
    """One request as the recorder received it."""

    method: str
    raw_path: str
    headers: dict[str, str]
    body: bytes


@attrs.define
class Recorder:
    """A loopback HTTP server that records every request and answers as the test says.

    Every request gets ``status`` with ``reply`` as its JSON body (no body when ``reply`` is
    None), unless its path starts with a prefix in ``answers`` (then that ``(status, JSON)``),
    in ``throttled`` (a 429 asking for an hour's wait), or in ``held`` (it waits for
    ``release`` first).
    """

    server: TestServer
    seen: list[Seen] = attrs.Factory(list)
    reply: Any = None
    status: int = 200
    answers: dict[str, tuple[int, Any]] = attrs.Factory(dict)
    held: set[str] = attrs.Factory(set)
    throttled: set[str] = attrs.Factory(set)
    release: asyncio.Event = attrs.Factory(asyncio.Event)
    arrived: asyncio.Condition = attrs.Factory(asyncio.Condition)

    @property
    def url(self) -> str:
        return str(self.server.make_url("")).rstrip("/")

    @property
    def last(self) -> Seen:
        assert len(self.seen) == 1, self.seen
        return self.seen[0]

    @property
    def hits(self) -> list[str]:
        """``"METHOD /path"`` of each request, in order."""
        return [f"{s.method} {s.raw_path.partition('?')[0]}" for s in self.seen]

    async def wait_for_hits(self, count: int) -> None:
        async with self.arrived:
            await asyncio.wait_for(self.arrived.wait_for(lambda: len(self.seen) >= count), GUARD)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        self.seen.append(
            Seen(request.method, request.raw_path, dict(request.headers), await request.read())
        )
        async with self.arrived:
            self.arrived.notify_all()
        if any(path.startswith(prefix) for prefix in self.throttled):
            return web.json_response(
                {"message": "Too Many Requests"}, status=429, headers={"Retry-After": "3600"}
            )
        if any(path.startswith(prefix) for prefix in self.held):
            await self.release.wait()
        status, reply = next(
            (answer for prefix, answer in self.answers.items() if path.startswith(prefix)),
            (self.status, self.reply),
        )
        if reply is None:
            return web.Response(status=status)
        return web.Response(
            status=status, body=orjson.dumps(reply), content_type="application/json"
        )


@pytest.fixture
async def recorder() -> AsyncIterator[Recorder]:
    """A running :class:`Recorder` on an ephemeral loopback port."""
    box: list[Recorder] = []

    async def handler(request: web.Request) -> web.StreamResponse:
        return await box[0]._handle(request)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    box.append(Recorder(server))
    try:
        yield box[0]
    finally:
        box[0].release.set()
        await server.close()


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
