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
    ClientClosedError,
    ConnectError,
    RateLimitError,
    RequestTimeoutError,
    RetryPolicy,
    ServerError,
    Timeout,
    TokenBucket,
    TransportError,
    ValidationError,
)
from pumpfun_async._endpoints import RouteGroup
from pumpfun_async.testing import DOCS_MINT, Emulator, Fault, is_testing, set_testing
from pumpfun_async.testing._faults import THROTTLED_BODY

from .conftest import BASE, MINT, OTHER, TOKEN, sent, until
from .test_ratelimit import FakeTime

FAST = RetryPolicy(max_retries=3, initial_backoff=0.01, max_backoff=0.05)
# Only a guard against a hang: no assertion depends on how long anything takes.
GUARD = 30.0


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
    # A pause far longer than the test (within max_retry_after): what is paused is seen
    # waiting, never waited out.
    emu.add_fault("like", throttled("100"))
    client = emu.client(max_retries=FAST)
    first = asyncio.create_task(client.like(DOCS_MINT))
    await until(lambda: bool(statuses(emu, "like")), turns=100_000)
    await client.get_replies(DOCS_MINT)  # another group is not paused
    same_group = asyncio.create_task(client.unlike(OTHER))
    done, _ = await asyncio.wait({first, same_group}, timeout=0.2)
    assert not done  # both wait out the pause
    assert emu.requests_for("unlike") == []
    assert statuses(emu, "like") == [429]
    await client.aclose()
    for task in (first, same_group):
        with pytest.raises(ClientClosedError):
            await task
    assert emu.requests_for("unlike") == []


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
    rate, capacity, count = 100.0, 5, 40
    fake = FakeTime()  # the bucket's clock: it moves only when the bucket sleeps
    bucket = fake.bucket(rate, capacity)
    let_through: list[float] = []

    class Stamped:
        """The bucket, noting the (fake) time at which it lets each request go."""

        async def acquire(self) -> None:
            await bucket.acquire()
            let_through.append(fake.clock())

    async with emu.client(rate_limit=Stamped()) as client:
        await asyncio.gather(*(client.like(DOCS_MINT) for _ in range(count)))
    assert len(emu.requests_for("like")) == count
    arrivals = sorted(let_through)
    assert len(arrivals) == count
    # However the loop schedules them, no window of w seconds holds more than
    # capacity + rate * w requests (one spare for the edges of the window).
    window = 0.1
    for index, start in enumerate(arrivals):
        inside = sum(1 for t in arrivals[index:] if t - start <= window)
        assert inside <= capacity + rate * window + 1
    assert arrivals[-1] - arrivals[0] >= (count - capacity) / rate * 0.9


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


# Backoffs no test could sit through: only the testing switch lets these calls finish.
HOUR = RetryPolicy(max_retries=3, initial_backoff=3600.0, max_backoff=3600.0)


def retry_waits(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The wait each logged retry announced ("0.00"), in order."""
    lines = [r.getMessage() for r in caplog.records if r.name == "pumpfun_async"]
    return [line.split(" in ")[1].split(" s ")[0] for line in lines if line.startswith("retrying")]


async def test_set_testing_makes_a_users_own_client_retry_at_once(
    emu: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="pumpfun_async")
    emu.add_fault("like", "status:503", times=2)
    emu.add_fault("unlike", throttled("100"))
    async with AsyncPumpFunClient(
        "user-token", base_url=emu.url, max_retries=HOUR, rate_limit=None
    ) as client:
        with set_testing():
            await asyncio.wait_for(client.like(DOCS_MINT), GUARD)
            await asyncio.wait_for(client.unlike(DOCS_MINT), GUARD)  # Retry-After: 100
        # The 429 paused the likes group for no time at all, not for the server's 100 s.
        assert client._transport._shared.paused_until[RouteGroup.LIKES] <= time.monotonic()
    assert statuses(emu, "like") == [503, 503, 201]
    assert statuses(emu, "unlike") == [429, 200]
    assert retry_waits(caplog) == ["0.00", "0.00", "0.00"]


async def test_without_set_testing_the_same_client_would_wait(
    emu: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="pumpfun_async")
    emu.add_fault("unlike", throttled("100"))
    announced = asyncio.Event()
    logger = logging.getLogger("pumpfun_async")
    handler = logging.Handler()
    handler.emit = lambda record: (  # type: ignore[method-assign]
        announced.set() if record.getMessage().startswith("retrying") else None
    )
    logger.addHandler(handler)
    try:
        async with AsyncPumpFunClient(
            "user-token", base_url=emu.url, max_retries=HOUR, rate_limit=None
        ) as client:
            call = asyncio.create_task(client.unlike(DOCS_MINT))
            await asyncio.wait_for(announced.wait(), GUARD)  # the retry is announced ...
            assert not call.done()  # ... and the call sleeps through the server's 100 s
            call.cancel()
            with pytest.raises(asyncio.CancelledError):
                await call
    finally:
        logger.removeHandler(handler)
    assert retry_waits(caplog) == ["100.00"]


async def test_the_emulators_clients_never_back_off(emu: Emulator) -> None:
    async with emu.client() as default, emu.client(max_retries=5) as five:
        assert default.retry_policy == RetryPolicy(max_retries=3, initial_backoff=0.0)
        assert five.retry_policy == RetryPolicy(max_retries=5, initial_backoff=0.0)
    async with emu.client(max_retries=HOUR) as given:
        assert given.retry_policy is HOUR  # a policy passed in is the caller's choice
    with pytest.raises(ValidationError, match="max_retries"):
        emu.client(max_retries=-1)
    assert is_testing() is False  # a per-client setting: nothing global was switched


async def test_the_emulators_clients_retry_a_503_at_once(
    emu: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="pumpfun_async")
    emu.add_fault("like", "status:503", times=3)
    async with emu.client() as client:
        await client.like(DOCS_MINT)
    assert statuses(emu, "like") == [503, 503, 503, 201]
    assert retry_waits(caplog) == ["0.00", "0.00", "0.00"]


async def test_with_options_shares_the_session(emu: Emulator) -> None:
    bucket = TokenBucket(1000, 1000)
    async with emu.client(rate_limit=bucket, max_retries=0) as client:
        await client.like(DOCS_MINT)
        patient = client.with_options(
            timeout=120, max_retries=RetryPolicy(max_retries=5, initial_backoff=0)
        )
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
