"""Sessions, closing, configuration from the environment, and keeping secrets out of sight."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import aiohttp
import pytest
from aioresponses import aioresponses

from pumpfun_async import (
    DEFAULT_BASE_URL,
    AsyncPumpFunClient,
    ClientClosedError,
    PumpFunError,
    RetryPolicy,
    TokenBucket,
    TransportError,
    ValidationError,
    Wallet,
)
from pumpfun_async._endpoints import RouteGroup

from .conftest import BASE, CLIENT_KEY, GUARD, MINT, OTHER, TOKEN, Recorder, sent, until


def session_of(client: AsyncPumpFunClient) -> aiohttp.ClientSession | None:
    return client._transport._shared.session


async def test_session_is_created_on_first_use_and_reused(mocked: aioresponses) -> None:
    mocked.post(f"{BASE}/likes/{MINT}", status=201, repeat=True)
    client = AsyncPumpFunClient(TOKEN, base_url=BASE)
    assert session_of(client) is None
    await client.like(MINT)
    session = session_of(client)
    assert session is not None
    await client.like(MINT)
    assert session_of(client) is session
    await client.aclose()
    assert session.closed


async def test_closed_client_refuses_to_send(mocked: aioresponses) -> None:
    mocked.post(f"{BASE}/likes/{MINT}", status=201, repeat=True)
    async with AsyncPumpFunClient(TOKEN, base_url=BASE) as client:
        await client.like(MINT)
    assert client.closed
    with pytest.raises(ClientClosedError, match="closed") as info:
        await client.like(MINT)
    assert isinstance(info.value, PumpFunError)
    assert isinstance(info.value, RuntimeError)
    assert len(sent(mocked)) == 1
    await client.aclose()  # closing twice is harmless


async def test_client_closed_before_any_request(mocked: aioresponses) -> None:
    client = AsyncPumpFunClient(TOKEN, base_url=BASE)
    await client.aclose()
    with pytest.raises(ClientClosedError):
        await client.get_replies(MINT)
    assert sent(mocked) == []


async def test_a_given_session_is_used_and_never_closed(mocked: aioresponses) -> None:
    mocked.delete(f"{BASE}/likes/{MINT}", status=200)
    async with aiohttp.ClientSession() as session:
        async with AsyncPumpFunClient(TOKEN, base_url=BASE, session=session) as client:
            await client.unlike(MINT)
            assert session_of(client) is session
        assert not session.closed
        with pytest.raises(ClientClosedError):
            await client.unlike(MINT)
    assert len(sent(mocked)) == 1


async def test_a_given_session_closed_by_its_owner(mocked: aioresponses) -> None:
    session = aiohttp.ClientSession()
    await session.close()
    async with AsyncPumpFunClient(TOKEN, base_url=BASE, session=session) as client:
        with pytest.raises(ClientClosedError, match="aiohttp session"):
            await client.like(MINT)
    assert sent(mocked) == []


async def test_configuration_from_the_environment(
    mocked: aioresponses, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PUMPFUN_TOKEN", " env-token \n")
    monkeypatch.setenv("PUMPFUN_BASE_URL", "http://env.test/")
    monkeypatch.setenv("PUMPFUN_CLIENT_KEY", "env-key")
    mocked.post("http://env.test/reports/reportComment", status=201)
    async with AsyncPumpFunClient() as client:
        assert client.base_url == "http://env.test"
        await client.report_comment("c1", "spam")
    (_, _, kwargs) = sent(mocked)[0]
    assert kwargs["headers"]["Authorization"] == "Bearer env-token"
    assert kwargs["headers"]["x-client-key"] == "env-key"


async def test_arguments_win_over_the_environment(
    mocked: aioresponses, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PUMPFUN_TOKEN", "env-token")
    monkeypatch.setenv("PUMPFUN_BASE_URL", "http://env.test")
    mocked.post(f"{BASE}/likes/{MINT}", status=201)
    async with AsyncPumpFunClient("arg-token", base_url=BASE) as client:
        await client.like(MINT)
    (_, url, kwargs) = sent(mocked)[0]
    assert url.host == "api.test"
    assert kwargs["headers"]["Authorization"] == "Bearer arg-token"


async def test_defaults() -> None:
    async with AsyncPumpFunClient() as client:
        assert client.base_url == DEFAULT_BASE_URL
        assert (client.timeout.total, client.timeout.connect) == (30.0, 10.0)
        assert client.max_retries == 3


async def test_no_token_means_no_authorization_header(mocked: aioresponses) -> None:
    mocked.get(f"{BASE}/replies/{MINT}?limit=50&offset=0", payload=[])
    async with AsyncPumpFunClient(base_url=BASE) as client:
        await client.get_replies(MINT)
    (_, _, kwargs) = sent(mocked)[0]
    assert "Authorization" not in kwargs["headers"]


async def test_empty_token_counts_as_none(mocked: aioresponses) -> None:
    mocked.post(f"{BASE}/likes/{MINT}", status=201)
    async with AsyncPumpFunClient("  ", base_url=BASE) as client:
        await client.like(MINT)
    (_, _, kwargs) = sent(mocked)[0]
    assert "Authorization" not in kwargs["headers"]


async def test_repr_and_str_hide_secrets() -> None:
    async with AsyncPumpFunClient(TOKEN, base_url=BASE, client_key=CLIENT_KEY) as client:
        for text in (repr(client), str(client)):
            assert TOKEN not in text
            assert CLIENT_KEY not in text
            assert "token=<set>" in text
        assert "token=None" in repr(AsyncPumpFunClient(base_url=BASE))


async def test_secret_with_control_characters_is_refused_without_echo() -> None:
    with pytest.raises(ValidationError) as info:
        AsyncPumpFunClient("abc\r\nX-Injected: 1")
    assert "X-Injected" not in str(info.value)
    with pytest.raises(ValidationError) as info:
        AsyncPumpFunClient(client_key="key\x00zzz")
    assert "zzz" not in str(info.value)


async def test_debug_logs_name_the_request_but_no_secret(
    mocked: aioresponses, caplog: pytest.LogCaptureFixture
) -> None:
    mocked.post(f"{BASE}/following/u1?captchaToken=cap-secret", status=201)
    mocked.post(f"{BASE}/reports/reportComment", status=401, payload={"message": "bad key"})
    caplog.set_level(logging.DEBUG)
    async with AsyncPumpFunClient(TOKEN, base_url=BASE, client_key=CLIENT_KEY) as client:
        await client.follow("u1", captcha_token="cap-secret")
        with pytest.raises(PumpFunError):
            await client.report_comment("c1", "spam")
    messages = [r.getMessage() for r in caplog.records if r.name.startswith("pumpfun_async")]
    assert any("POST /following/u1 -> 201" in m for m in messages)
    assert any("POST /reports/reportComment -> 401" in m for m in messages)
    everything = "\n".join(r.getMessage() for r in caplog.records)
    for secret in (TOKEN, CLIENT_KEY, "cap-secret"):
        assert secret not in everything


async def test_network_error_message_leaves_the_query_out(mocked: aioresponses) -> None:
    mocked.post(
        f"{BASE}/following/u1?captchaToken=cap-secret",
        exception=aiohttp.ClientPayloadError(
            "broken body at /following/u1?captchaToken=cap-secret"
        ),
    )
    async with AsyncPumpFunClient(TOKEN, base_url=BASE) as client:
        with pytest.raises(TransportError) as info:
            await client.follow("u1", captcha_token="cap-secret")
    assert "cap-secret" not in str(info.value)
    assert info.value.path == "/following/u1"


# ---------------------------------------------------------------------- closing while busy


@pytest.fixture
def stall(recorder: Recorder) -> Recorder:
    """The recorder as these tests want it: 201 to every change, no replies."""
    recorder.status = 201
    recorder.answers["/replies/"] = (200, [])
    return recorder


async def outcomes(calls: Sequence[asyncio.Future[Any]]) -> list[type[BaseException] | None]:
    """How each call ended: its exception's type, or None for a result."""
    done = await asyncio.wait_for(asyncio.gather(*calls, return_exceptions=True), GUARD)
    return [type(r) if isinstance(r, BaseException) else None for r in done]


class GatedClock:
    """A clock that moves only when the bucket's sleep is let through by ``gate``."""

    def __init__(self) -> None:
        self.now = 0.0
        self.gate = asyncio.Event()

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        await self.gate.wait()
        self.now += seconds


async def test_aclose_while_calls_wait_in_the_rate_limiter(stall: Recorder) -> None:
    clock = GatedClock()
    bucket = TokenBucket(1.0, 1, clock=clock, sleep=clock.sleep)
    client = AsyncPumpFunClient(TOKEN, base_url=stall.url, rate_limit=bucket)
    await client.like(MINT)  # takes the only token
    calls = [asyncio.ensure_future(client.like(MINT)) for _ in range(8)]
    await until(lambda: bucket.waiting == 8)
    await asyncio.wait_for(client.aclose(), GUARD)
    clock.gate.set()  # time moves on: a waiter still in line would get its token now
    assert await outcomes(calls) == [ClientClosedError] * 8
    assert stall.hits == [f"POST /likes/{MINT}"]
    assert bucket.waiting == 0


async def test_aclose_during_a_429_pause_and_a_retry_wait(stall: Recorder) -> None:
    stall.throttled.add("/likes/")
    retry = RetryPolicy(max_retries=3, max_retry_after=7200)
    client = AsyncPumpFunClient(TOKEN, base_url=stall.url, rate_limit=None, max_retries=retry)
    paused = client._transport._shared.paused_until
    first = asyncio.ensure_future(client.like(MINT))  # 429: waits an hour to retry
    await stall.wait_for_hits(1)
    await until(lambda: RouteGroup.LIKES in paused)
    second = asyncio.ensure_future(client.unlike(MINT))  # waits out the group's pause
    for _ in range(10):
        await asyncio.sleep(0)
    await asyncio.wait_for(client.aclose(), GUARD)
    assert await outcomes([first, second]) == [ClientClosedError] * 2
    assert stall.hits == [f"POST /likes/{MINT}"]


async def test_aclose_while_requests_are_on_the_wire_or_wait_for_a_connection(
    stall: Recorder,
) -> None:
    stall.held.add("/replies/")
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1)) as session:
        client = AsyncPumpFunClient(TOKEN, base_url=stall.url, session=session, rate_limit=None)
        on_the_wire = asyncio.ensure_future(client.get_replies(MINT))
        await stall.wait_for_hits(1)
        in_the_pool = asyncio.ensure_future(client.get_replies(OTHER))  # one connection only
        for _ in range(10):
            await asyncio.sleep(0)
        await asyncio.wait_for(client.aclose(), GUARD)
        assert await outcomes([on_the_wire, in_the_pool]) == [ClientClosedError] * 2
        assert not session.closed  # a given session stays its owner's to close
    assert stall.hits == [f"GET /replies/{MINT}"]


async def test_aclose_closes_its_own_session_under_a_request(stall: Recorder) -> None:
    stall.held.add("/replies/")
    client = AsyncPumpFunClient(TOKEN, base_url=stall.url, rate_limit=None, max_retries=0)
    call = asyncio.ensure_future(client.get_replies(MINT))
    await stall.wait_for_hits(1)
    await asyncio.wait_for(client.aclose(), GUARD)
    assert await outcomes([call]) == [ClientClosedError]
    assert stall.hits == [f"GET /replies/{MINT}"]  # and no retry


async def test_a_given_session_closed_by_its_owner_under_a_request(stall: Recorder) -> None:
    stall.held.add("/replies/")
    session = aiohttp.ClientSession()
    async with AsyncPumpFunClient(
        TOKEN, base_url=stall.url, session=session, max_retries=0
    ) as client:
        call = asyncio.ensure_future(client.get_replies(MINT))
        await stall.wait_for_hits(1)
        await session.close()
        assert await outcomes([call]) == [ClientClosedError]


async def test_aclose_while_calls_wait_for_a_wallet_sign_in(stall: Recorder) -> None:
    stall.held.add("/auth/login")
    client = AsyncPumpFunClient(
        base_url=stall.url, wallet=Wallet.generate(), rate_limit=None, max_retries=0
    )
    calls: list[asyncio.Future[Any]] = [asyncio.ensure_future(client.like(MINT)) for _ in range(3)]
    calls.append(asyncio.ensure_future(client.login()))
    await stall.wait_for_hits(1)
    await asyncio.wait_for(client.aclose(), GUARD)
    assert await outcomes(calls) == [ClientClosedError] * 4
    assert stall.hits == ["POST /auth/login"]


async def test_aclose_while_a_captcha_provider_works(stall: Recorder) -> None:
    asked, answer = asyncio.Event(), asyncio.Event()

    async def provider() -> str:
        asked.set()
        await answer.wait()
        return "captcha-token"

    client = AsyncPumpFunClient(TOKEN, base_url=stall.url, captcha=provider, rate_limit=None)
    call = asyncio.ensure_future(client.follow("user123"))
    await asyncio.wait_for(asked.wait(), GUARD)
    await asyncio.wait_for(client.aclose(), GUARD)
    answer.set()  # a provider that answers anyway: the follow must still not be sent
    assert await outcomes([call]) == [ClientClosedError]
    assert stall.hits == []


async def test_aclose_gives_back_a_redis_grant_that_arrives_too_late(stall: Recorder) -> None:
    pytest.importorskip("redis")
    from pumpfun_async import RedisRateLimiter

    granted = asyncio.Event()
    refunds: list[str] = []

    class Script:
        def __init__(self, answer: Callable[[], Awaitable[int]]) -> None:
            self.answer = answer
            self.calls = 0

        async def __call__(self, keys: list[str], args: list[float]) -> int:
            self.calls += 1
            return await self.answer()

    async def grant() -> int:
        await granted.wait()
        return 0  # the slot is taken

    async def refund() -> int:
        refunds.append("given back")
        return 1

    acquire = Script(grant)
    scripts = [acquire, Script(refund)]

    class FakeRedis:
        def register_script(self, source: str) -> Script:
            return scripts.pop(0)

    limiter = RedisRateLimiter(FakeRedis(), "pumpfun:test", rate=1)  # type: ignore[arg-type]
    client = AsyncPumpFunClient(TOKEN, base_url=stall.url, rate_limit=limiter)
    call = asyncio.ensure_future(client.like(MINT))
    await until(lambda: acquire.calls == 1)
    closing = asyncio.ensure_future(client.aclose())
    for _ in range(5):
        await asyncio.sleep(0)
    granted.set()  # Redis's grant arrives after the call was given up
    await asyncio.wait_for(closing, GUARD)
    assert await outcomes([call]) == [ClientClosedError]
    assert refunds == ["given back"]
    assert stall.hits == []


async def test_a_callers_own_cancellation_stays_a_cancellation(stall: Recorder) -> None:
    clock = GatedClock()
    bucket = TokenBucket(1.0, 1, clock=clock, sleep=clock.sleep)
    client = AsyncPumpFunClient(TOKEN, base_url=stall.url, rate_limit=bucket)
    await client.like(MINT)
    cancelled, plain = (
        asyncio.ensure_future(client.like(MINT)),
        asyncio.ensure_future(client.like(MINT)),
    )
    await until(lambda: bucket.waiting == 2)
    cancelled.cancel()  # the caller's own cancellation, in the same turn as aclose()
    await asyncio.wait_for(client.aclose(), GUARD)
    assert await outcomes([cancelled, plain]) == [asyncio.CancelledError, ClientClosedError]


async def test_aclose_is_idempotent_and_safe_to_call_concurrently(stall: Recorder) -> None:
    stall.held.add("/likes/")
    client = AsyncPumpFunClient(TOKEN, base_url=stall.url, rate_limit=None, max_retries=0)
    call = asyncio.ensure_future(client.like(MINT))
    await stall.wait_for_hits(1)
    closers = [asyncio.ensure_future(client.aclose()) for _ in range(3)]
    closers[0].cancel()  # a closer that gives up does not stop the close for the others
    assert await outcomes(closers) == [asyncio.CancelledError, None, None]
    assert await outcomes([call]) == [ClientClosedError]
    assert session_of(client) is None
    await client.aclose()
    with pytest.raises(ClientClosedError):
        await client.like(MINT)
    assert stall.hits == [f"POST /likes/{MINT}"]


async def test_aclose_stops_a_bulk_call_and_an_iterator(stall: Recorder) -> None:
    stall.held.update({"/likes/", "/replies/"})
    client = AsyncPumpFunClient(TOKEN, base_url=stall.url, rate_limit=None)
    mints = [str(n) for n in range(20)]  # reply ids: valid like targets
    bulk = asyncio.ensure_future(client.like_many(mints, concurrency=4))

    async def first_page() -> Any:
        async for reply in client.iter_replies(MINT):
            return reply  # pragma: no cover - the page never arrives
        return None  # pragma: no cover

    iterating = asyncio.ensure_future(first_page())
    await stall.wait_for_hits(5)
    await asyncio.wait_for(client.aclose(), GUARD)
    assert await outcomes([bulk, iterating]) == [ClientClosedError] * 2
    assert len(stall.hits) == 5  # four likes and one page, and nothing after the close


async def test_aclose_from_inside_a_call(stall: Recorder) -> None:
    """A captcha provider that closes the client: its own call ends ClientClosedError too."""
    clients: list[AsyncPumpFunClient] = []

    async def provider() -> str:
        await clients[0].aclose()
        return "captcha-token"

    client = AsyncPumpFunClient(TOKEN, base_url=stall.url, captcha=provider, rate_limit=None)
    clients.append(client)
    await client.get_replies(MINT)  # opens the session
    with pytest.raises(ClientClosedError):
        await asyncio.wait_for(client.follow("user123"), GUARD)
    assert stall.hits == [f"GET /replies/{MINT}"]
