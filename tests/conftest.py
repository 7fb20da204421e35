from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any
from unittest.mock import Mock

import aioresponses.core as aioresponses_core
import pytest
from aiohttp import ClientResponse
from aioresponses import aioresponses
from yarl import URL

from pumpfun_async import AsyncPumpFunClient

BASE = "http://api.test"
TOKEN = "header.payload.signature-token"
CLIENT_KEY = "ck-secret-123"
MINT = "CxLHsqvjfisgPAGwcZJsTn6nzZXJLxmVYM7v9pump"


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
