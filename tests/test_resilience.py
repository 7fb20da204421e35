"""Retries, rate limits, pauses and timeouts against the emulator's faults over real HTTP."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aioresponses import aioresponses

from pumpfun_async import (
    AsyncPumpFunClient,
    ConnectError,
    RateLimitError,
    RequestTimeoutError,
    RetryPolicy,
    ServerError,
    Timeout,
    TokenBucket,
    TransportError,
)
from pumpfun_async.testing import DOCS_MINT, Emulator, Fault
from pumpfun_async.testing._faults import THROTTLED_BODY

from .conftest import BASE, MINT, TOKEN, sent
from .test_ratelimit import FakeTime

OTHER = "MASi45ub7Qe4ZE36UT5G6cU4ud8Fhhe4deS4F3cwpump"
FAST = RetryPolicy(max_retries=3, initial_backoff=0.01, max_backoff=0.05)


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    async with Emulator() as emulator:
        yield emulator


@pytest.fixture
async def client(emu: Emulator) -> AsyncIterator[AsyncPumpFunClient]:
    async with emu.client(max_retries=FAST) as c:
        yield c


def statuses(emu: Emulator, endpoint: str) -> list[int | None]:
    return [r.status for r in emu.requests_for(endpoint)]


def throttled(retry_after: str | None) -> Fault:
    headers = {} if retry_after is None else {"Retry-After": retry_after}
    return Fault.http_status(429, THROTTLED_BODY, headers)


# ---------------------------------------------------------------------- 429


async def test_429_with_retry_after_is_retried(emu: Emulator, client: AsyncPumpFunClient) -> None:
    emu.add_fault("like", throttled("0.05"), times=2)
    await client.like(DOCS_MINT)
    assert statuses(emu, "like") == [429, 429, 201]


async def test_429_without_retry_after_backs_off(emu: Emulator, client: AsyncPumpFunClient) -> None:
    emu.add_fault("create_reply", throttled(None))
    reply = await client.create_reply(DOCS_MINT, "gm")  # 429: surely not processed
    assert reply is not None
    assert statuses(emu, "create_reply") == [429, 201]
    assert len(emu.state.replies[DOCS_MINT]) == 1


async def test_retry_after_beyond_the_cap_fails_at_once(
    emu: Emulator, client: AsyncPumpFunClient
) -> None:
    emu.add_fault("like", throttled("3600"))
    started = time.monotonic()
    with pytest.raises(RateLimitError) as info:
        await client.like(DOCS_MINT)
    assert info.value.retry_after == 3600.0
    assert time.monotonic() - started < 5
    assert statuses(emu, "like") == [429]


async def test_429_retries_run_out(emu: Emulator) -> None:
    emu.add_fault("like", throttled("0"), times=10)
    async with emu.client(max_retries=RetryPolicy(max_retries=2, initial_backoff=0)) as client:
        with pytest.raises(RateLimitError):
            await client.like(DOCS_MINT)
    assert statuses(emu, "like") == [429, 429, 429]


async def test_a_429_pauses_its_whole_route_group(emu: Emulator) -> None:
    emu.add_fault("like", throttled("0.4"))
    async with emu.client(max_retries=FAST) as client:
        first = asyncio.create_task(client.like(DOCS_MINT))
        while not statuses(emu, "like"):  # noqa: ASYNC110 - the emulator has no event for it
            await asyncio.sleep(0.005)
        throttled_at = emu.requests_for("like")[0].received_at
        await client.get_replies(DOCS_MINT)  # another group is not paused
        await client.unlike(OTHER)  # same group: waits for the pause
        await first
    unlike = emu.requests_for("unlike")[0]
    replies = emu.requests_for("get_replies")[0]
    assert unlike.received_at - throttled_at >= 0.35
    assert replies.received_at - throttled_at < 0.35
    assert statuses(emu, "like") == [429, 201]


# ---------------------------------------------------------------------- 5xx


@pytest.mark.parametrize("status", [502, 503, 504])
async def test_gateway_errors_are_retried_for_idempotent_calls(
    emu: Emulator, client: AsyncPumpFunClient, status: int
) -> None:
    emu.add_fault("add_bookmark_items", f"status:{status}")
    await client.add_bookmark_items(DOCS_MINT, ["default"])
    assert statuses(emu, "add_bookmark_items") == [status, 201]


@pytest.mark.parametrize("status", [502, 503, 504])
async def test_gateway_errors_are_not_retried_for_replies(
    emu: Emulator, client: AsyncPumpFunClient, status: int
) -> None:
    emu.add_fault("create_reply", f"status:{status}")
    with pytest.raises(ServerError):
        await client.create_reply(DOCS_MINT, "gm")
    assert statuses(emu, "create_reply") == [status]


async def test_500_is_not_retried(emu: Emulator, client: AsyncPumpFunClient) -> None:
    emu.add_fault("like", "status:500")
    with pytest.raises(ServerError):
        await client.like(DOCS_MINT)
    assert statuses(emu, "like") == [500]


# ---------------------------------------------------------------------- dropped connections


async def test_like_dropped_after_processing_is_retried(
    emu: Emulator, client: AsyncPumpFunClient
) -> None:
    emu.add_fault("like", "drop_after")
    await client.like(DOCS_MINT)
    assert statuses(emu, "like") == [None, 201]
    assert emu.state.likes == {next(iter(emu.state.likes)): {DOCS_MINT}}


async def test_like_dropped_before_processing_is_retried(
    emu: Emulator, client: AsyncPumpFunClient
) -> None:
    emu.add_fault("like", "drop_before")
    await client.like(DOCS_MINT)
    assert statuses(emu, "like") == [None, 201]


@pytest.mark.parametrize("fault", ["drop_before", "drop_after"])
async def test_reply_is_never_posted_twice(
    emu: Emulator, client: AsyncPumpFunClient, fault: str
) -> None:
    emu.add_fault("create_reply", fault)
    with pytest.raises(TransportError):
        await client.create_reply(DOCS_MINT, "only once")
    assert statuses(emu, "create_reply") == [None]
    expected = 1 if fault == "drop_after" else 0
    assert len(emu.state.replies.get(DOCS_MINT, [])) == expected


async def test_report_is_never_filed_twice(emu: Emulator, client: AsyncPumpFunClient) -> None:
    emu.add_fault("create_report", "drop_after")
    with pytest.raises(TransportError):
        await client.create_report(DOCS_MINT, "scam", "rug")
    assert len(emu.state.reports) == 1


async def test_connect_failure_retries_even_a_reply(mocked: aioresponses) -> None:
    refused = aiohttp.ClientConnectorError(
        connection_key=None,  # type: ignore[arg-type]
        os_error=OSError(111, "Connection refused"),
    )
    mocked.post(f"{BASE}/replies", exception=refused)
    mocked.post(f"{BASE}/replies", status=201, payload={"id": 1, "mint": MINT, "text": "gm"})
    async with AsyncPumpFunClient(TOKEN, base_url=BASE, max_retries=FAST, captcha="c") as client:
        reply = await client.create_reply(MINT, "gm")
    assert reply is not None
    assert len(sent(mocked)) == 2


async def test_connect_failure_against_a_closed_port() -> None:
    async with Emulator() as emulator:
        url = emulator.url
    async with AsyncPumpFunClient(TOKEN, base_url=url, max_retries=FAST) as client:
        with pytest.raises(ConnectError):
            await client.like(DOCS_MINT)


# ---------------------------------------------------------------------- timeouts


async def test_timeout_is_retried_for_a_like(emu: Emulator) -> None:
    emu.add_fault("like", Fault.latency(1.0))
    async with emu.client(timeout=0.2, max_retries=FAST) as client:
        await client.like(DOCS_MINT)
    assert [r.endpoint for r in emu.requests] == ["like", "like"]


async def test_timeout_is_not_retried_for_a_reply(emu: Emulator) -> None:
    emu.add_fault("create_reply", Fault.latency(0.5))
    async with emu.client(timeout=Timeout(total=0.1, connect=0.1), max_retries=FAST) as client:
        with pytest.raises(RequestTimeoutError):
            await client.create_reply(DOCS_MINT, "slow")
    assert len(emu.requests_for("create_reply")) == 1


# ---------------------------------------------------------------------- captcha on retry


async def test_a_retried_follow_gets_a_fresh_captcha(emu: Emulator) -> None:
    emu.add_fault("follow", throttled("0"))
    tokens = iter(["first", "second"])
    async with emu.client(captcha=lambda: next(tokens), max_retries=FAST) as client:
        await client.follow("user123")
    assert [r.query["captchaToken"] for r in emu.requests_for("follow")] == ["first", "second"]


async def test_a_retried_reply_gets_a_fresh_captcha(emu: Emulator) -> None:
    emu.add_fault("create_reply", throttled("0"))
    tokens = iter(["one", "two"])
    async with emu.client(captcha=lambda: next(tokens), max_retries=FAST) as client:
        assert await client.create_reply(DOCS_MINT, "gm") is not None
    bodies = [r.json() for r in emu.requests_for("create_reply")]
    assert [b["captchaToken"] for b in bodies] == ["one", "two"]
    assert list(bodies[1]) == ["mint", "text", "captchaToken"]


# ---------------------------------------------------------------------- rate limiting


async def test_gathered_burst_stays_within_the_configured_rate(emu: Emulator) -> None:
    # The bucket runs on virtual time (its clock moves only when it sleeps), so the schedule
    # it grants the gathered calls is exact however loaded the machine is.
    rate, capacity, count = 100.0, 5, 40
    fake = FakeTime()
    bucket = fake.bucket(rate, capacity)
    granted: list[float] = []

    class Recording:
        async def acquire(self) -> None:
            await bucket.acquire()
            granted.append(fake.now)

    async with emu.client(rate_limit=Recording()) as client:
        await asyncio.gather(*(client.like(DOCS_MINT) for _ in range(count)))
    assert len(emu.requests_for("like")) == count == len(granted)
    # No window of w seconds holds more than capacity + rate * w grants.
    window = 0.1
    for index, start in enumerate(granted):
        inside = sum(1 for t in granted[index:] if t - start <= window + 1e-9)
        assert inside <= capacity + rate * window
    assert granted[-1] - granted[0] == pytest.approx((count - capacity) / rate)


async def test_route_group_limiters(emu: Emulator) -> None:
    likes = TokenBucket(0.001, 10)  # refills too slowly to hide what was taken
    reads = TokenBucket(0.001, 10)
    async with emu.client(rate_limit={"likes": likes, "reads": reads}) as client:
        await client.like(DOCS_MINT)
        await client.get_replies(DOCS_MINT)
        await client.get_replies(DOCS_MINT)
    assert int(likes.tokens) == 9
    assert int(reads.tokens) == 8


@pytest.mark.default_rate_limit
async def test_default_limits_are_pump_funs(emu: Emulator) -> None:
    async with AsyncPumpFunClient("t", base_url=emu.url) as client:
        assert set(client.rate_limit) == {"all", "replies"}
        bucket = client.rate_limit["all"]
        assert isinstance(bucket, TokenBucket)
        assert (bucket.rate, bucket.capacity) == (1.0, 1.0)


# ---------------------------------------------------------------------- logging and options


async def test_each_retry_is_logged_without_secrets(
    emu: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="pumpfun_async")
    emu.add_fault("follow", "status:503")
    async with emu.client("secret-token-xyz", max_retries=FAST, captcha="cap-secret") as client:
        await client.follow("user123")
    lines = [r.getMessage() for r in caplog.records if r.name == "pumpfun_async"]
    retry_lines = [line for line in lines if line.startswith("retrying")]
    assert len(retry_lines) == 1
    assert retry_lines[0].startswith("retrying POST /following/user123 (retry 1 of 3) in ")
    assert retry_lines[0].endswith("after HTTP 503")
    for line in lines:
        assert "secret-token-xyz" not in line
        assert "cap-secret" not in line
        assert "test-client-key" not in line


async def test_with_options_shares_the_session(emu: Emulator) -> None:
    bucket = TokenBucket(1000, 1000)
    async with emu.client(rate_limit=bucket, max_retries=0) as client:
        await client.like(DOCS_MINT)
        patient = client.with_options(timeout=120, max_retries=5)
        assert (patient.timeout.total, patient.max_retries) == (120, 5)
        assert (client.timeout.total, client.max_retries) == (30.0, 0)
        assert patient.rate_limit["all"] is bucket
        emu.add_fault("like", "status:503")
        await patient.like(DOCS_MINT)  # retried by the patient view only
        assert patient._transport._shared is client._transport._shared
        unlimited = client.with_options(rate_limit=None)
        assert unlimited.rate_limit == {}
        await unlimited.unlike(DOCS_MINT)
    assert patient.closed
    assert unlimited.closed


@pytest.mark.parametrize(
    "retry_after",
    ["Wed, 21 Oct 99999999999 07:28:00 GMT", "Wed, 21 Oct 2015 07:28:00 +99999999999999999999"],
)
async def test_an_unreadable_retry_after_falls_back_to_the_backoff(
    emu: Emulator, client: AsyncPumpFunClient, retry_after: str
) -> None:
    emu.add_fault("like", throttled(retry_after), times=10)
    with pytest.raises(RateLimitError) as info:
        await client.like(DOCS_MINT)
    assert info.value.retry_after is None
    assert statuses(emu, "like") == [429, 429, 429, 429]  # retried with the backoff
