"""A server that answers too much: bounded bodies, over real loopback sockets."""

from __future__ import annotations

import asyncio
import gc
import gzip
import tracemalloc
from typing import Any

import orjson
import pytest

from pumpfun_async import (
    AsyncPumpFunClient,
    PumpFunClient,
    ResponseTooLargeError,
    TransportError,
    ValidationError,
)
from pumpfun_async._options import DEFAULT_MAX_RESPONSE_BYTES
from pumpfun_async.testing import Emulator, Fault

from .conftest import MINT
from .rawhttp import Answer, endless, fixed, raw_server

MIB = 1024 * 1024
JSON_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"


def sized(body: bytes, *, extra: bytes = b"") -> Answer:
    return fixed(JSON_HEAD + extra + b"Content-Length: %d\r\n\r\n" % len(body) + body)


def replies_page(size: int) -> bytes:
    """A replies page of exactly ``size`` bytes (padding in one reply's text)."""
    empty = orjson.dumps({"replies": [{"id": 1, "mint": MINT, "text": ""}], "hasMore": False})
    return empty.replace(b'"text":""', b'"text":"' + b"x" * (size - len(empty)) + b'"')


async def get_page(base_url: str, **options: Any) -> object:
    async with AsyncPumpFunClient("t", base_url=base_url, rate_limit=None, **options) as client:
        return await client.get_replies(MINT)


def test_the_default_limit_is_16_mib() -> None:
    assert DEFAULT_MAX_RESPONSE_BYTES == 16 * MIB
    client = AsyncPumpFunClient("t")
    assert client.max_response_bytes == 16 * MIB
    view = client.with_options(max_response_bytes=1000)
    assert view.max_response_bytes == 1000
    assert client.max_response_bytes == 16 * MIB
    assert view.with_options(timeout=5).max_response_bytes == 1000


@pytest.mark.parametrize("value", [0, -1, True, 1.5, "1000", None])
def test_the_limit_is_checked(value: Any) -> None:
    with pytest.raises(ValidationError, match="max_response_bytes"):
        AsyncPumpFunClient("t", max_response_bytes=value)
    with pytest.raises(ValidationError, match="max_response_bytes"):
        AsyncPumpFunClient("t").with_options(max_response_bytes=value)


@pytest.mark.parametrize("chunked", [True, False], ids=["chunked", "close-delimited"])
async def test_an_endless_body_stops_at_the_limit(chunked: bool) -> None:
    head = JSON_HEAD + (b"Transfer-Encoding: chunked\r\n\r\n" if chunked else b"\r\n")
    async with raw_server(endless(head, b"[" * 65536, chunked=chunked)) as server:
        with pytest.raises(ResponseTooLargeError) as info:
            await get_page(server.base_url, max_response_bytes=MIB, max_retries=3)
    error = info.value
    assert isinstance(error, TransportError)
    assert error.limit == MIB
    assert (error.method, error.path) == ("GET", f"/replies/{MINT}")
    assert "max_response_bytes=1048576" in str(error)
    assert len(server.requests) == 1  # never retried: the same answer would come again


async def test_an_endless_body_under_the_default_limit_keeps_memory_near_the_limit() -> None:
    head = JSON_HEAD + b"Transfer-Encoding: chunked\r\n\r\n"
    async with raw_server(endless(head, b" " * 65536, chunked=True)) as server:
        gc.collect()
        tracemalloc.start()
        try:
            with pytest.raises(ResponseTooLargeError):
                await get_page(server.base_url)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert 16 * MIB < peak < 16 * MIB * 1.25 + 4 * MIB


async def test_a_content_length_over_the_limit_fails_before_reading() -> None:
    # The server announces 200 MB and then sends nothing: waiting for it would time out.
    head = JSON_HEAD + b"Content-Length: 200000000\r\n\r\n"

    async def announce_and_stall(writer: asyncio.StreamWriter) -> None:
        writer.write(head)
        await writer.drain()
        await asyncio.Event().wait()

    async with raw_server(announce_and_stall) as server:
        with pytest.raises(ResponseTooLargeError, match="Content-Length 200000000"):
            await get_page(server.base_url, timeout=30)


@pytest.mark.parametrize("size", [MIB // 2, 2 * MIB])
async def test_a_body_of_exactly_the_limit_is_read_and_one_byte_more_is_not(size: int) -> None:
    body = replies_page(size)
    async with raw_server(sized(body)) as server:
        page = await get_page(server.base_url, max_response_bytes=size)
        assert len(page.replies[0].text) > size - 100  # type: ignore[attr-defined]
        with pytest.raises(ResponseTooLargeError):
            await get_page(server.base_url, max_response_bytes=size - 1)


async def test_an_unsized_body_of_exactly_the_limit_is_read() -> None:
    body = replies_page(MIB)
    async with raw_server(fixed(JSON_HEAD + b"\r\n" + body)) as server:
        page = await get_page(server.base_url, max_response_bytes=MIB)
        assert page.replies[0].mint == MINT  # type: ignore[attr-defined]
        with pytest.raises(ResponseTooLargeError):
            await get_page(server.base_url, max_response_bytes=MIB - 1)


async def test_a_compression_bomb_is_bounded_after_decompression() -> None:
    # 64 MiB of spaces, about 64 kB compressed: the Content-Length says nothing about it.
    bomb = gzip.compress(b" " * (64 * MIB), compresslevel=9)
    assert len(bomb) < 200_000
    answer = sized(bomb, extra=b"Content-Encoding: gzip\r\n")
    async with raw_server(answer) as server:
        gc.collect()
        tracemalloc.start()
        try:
            with pytest.raises(ResponseTooLargeError):
                await get_page(server.base_url, max_response_bytes=2 * MIB)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert peak < 8 * MIB


async def test_a_small_compressed_body_is_read() -> None:
    body = replies_page(5000)
    answer = sized(gzip.compress(body), extra=b"Content-Encoding: gzip\r\n")
    async with raw_server(answer) as server:
        page = await get_page(server.base_url, max_response_bytes=5000)
    assert page.replies[0].mint == MINT  # type: ignore[attr-defined]


async def test_the_connection_is_released_and_the_client_keeps_working() -> None:
    head = JSON_HEAD + b"Transfer-Encoding: chunked\r\n\r\n"
    async with (
        raw_server(endless(head, b" " * 65536, chunked=True)) as hostile,
        raw_server(sized(replies_page(100))) as fine,
        AsyncPumpFunClient("t", base_url=hostile.base_url, rate_limit=None) as client,
    ):
        small = client.with_options(max_response_bytes=MIB)
        for _ in range(3):
            with pytest.raises(ResponseTooLargeError):
                await small.get_replies(MINT)
        session = client._transport._shared.session
        assert session is not None
        connector = session.connector
        assert connector is not None
        assert sum(len(c) for c in connector._conns.values()) == 0  # closed, not pooled
        assert not connector._acquired
        other = AsyncPumpFunClient("t", base_url=fine.base_url, rate_limit=None, session=session)
        page = await other.get_replies(MINT)
        assert page.replies[0].mint == MINT


def test_the_sync_client_takes_the_limit_too() -> None:
    with Emulator(require_captcha=False).run_in_thread() as emu:
        big = {"replies": [{"id": 1, "mint": MINT, "text": "x" * 5000}], "hasMore": False}
        emu.add_fault("get_replies", Fault.http_status(200, big), times=2)
        with PumpFunClient("t", base_url=emu.url, rate_limit=None) as client:
            assert client.get_replies(MINT).replies[0].text == "x" * 5000
        with (
            PumpFunClient(
                "t", base_url=emu.url, rate_limit=None, max_response_bytes=1000
            ) as client,
            pytest.raises(ResponseTooLargeError),
        ):
            client.get_replies(MINT)
