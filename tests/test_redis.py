"""RedisRateLimiter against a real redis-server on loopback that this test session starts.

Without ``redis-server`` on PATH these tests are skipped, unless ``PUMPFUN_REQUIRE_REDIS``
is set (``.ci/run`` sets it after installing the server), in which case they fail.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, Literal

import pytest

if os.environ.get("PUMPFUN_REQUIRE_REDIS"):  # CI: the redis package must be there
    import redis.asyncio as redis_asyncio
    import redis.asyncio.retry as redis_asyncio_retry
    import redis.backoff as redis_backoff
    import redis.exceptions as redis_exceptions
else:
    redis_asyncio = pytest.importorskip("redis.asyncio")
    redis_asyncio_retry = pytest.importorskip("redis.asyncio.retry")
    redis_backoff = pytest.importorskip("redis.backoff")
    redis_exceptions = pytest.importorskip("redis.exceptions")

from pumpfun_async import (
    AsyncPumpFunClient,
    RedisRateLimiter,
    TransportError,
    ValidationError,
)
from pumpfun_async.testing import DOCS_MINT, Emulator, default_coins

Redis = redis_asyncio.Redis
KEY = "pumpfun:test"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _redis_server_binary() -> str:
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("PUMPFUN_REQUIRE_REDIS"):
            pytest.fail("redis-server is not on PATH, and PUMPFUN_REQUIRE_REDIS is set")
        pytest.skip("redis-server is not installed (CI installs it)")
    return binary


@contextlib.contextmanager
def _redis_server(workdir: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """A redis-server on a free loopback port, without persistence, and its port."""
    binary = _redis_server_binary()
    port = _free_port()
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(workdir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                pytest.fail("redis-server did not start")
            time.sleep(0.05)
        yield server, port
    finally:
        server.terminate()
        server.wait(10)


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A redis-server of this session's own, on a free loopback port, without persistence."""
    with _redis_server(tmp_path_factory.mktemp("redis")) as (_, port):
        yield f"redis://127.0.0.1:{port}/0"


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Any]:
    client = Redis.from_url(redis_url)
    await client.flushdb()
    try:
        yield client
    finally:
        await client.aclose()


class Sleeps:
    """An injected sleep that records what it was asked for, and really sleeps."""

    def __init__(self) -> None:
        self.asked: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.asked.append(seconds)
        await asyncio.sleep(seconds)


async def test_a_burst_of_capacity_then_one_interval_each(redis: Any) -> None:
    sleeps = Sleeps()
    limiter = RedisRateLimiter(redis, KEY, rate=20, capacity=3, sleep=sleeps)
    for _ in range(3):
        await limiter.acquire()
    assert sleeps.asked == []  # the burst goes at once
    await limiter.acquire()
    assert len(sleeps.asked) == 1
    assert 0 < sleeps.asked[0] <= 0.05  # the server said how long: at most one interval
    assert "rate=20, capacity=3" in repr(limiter)
    assert (limiter.key, limiter.rate, limiter.capacity) == (KEY, 20.0, 3.0)


async def test_one_key_with_an_expiry(redis: Any) -> None:
    limiter = RedisRateLimiter(redis, KEY, rate=5, capacity=2)
    await limiter.acquire()
    assert await redis.keys("*") == [KEY.encode()]
    ttl = await redis.pttl(KEY)
    # One interval of 200 ms (the one token taken), plus a millisecond of rounding; the
    # interval leaves room for a busy machine to pause the test before it reads the TTL.
    assert 0 < ttl <= 202
    await _eventually(lambda: redis.exists(KEY), 0)  # idle: nothing left in Redis


async def _eventually(read: Callable[[], Awaitable[object]], expected: object) -> None:
    """Poll Redis until ``read()`` answers ``expected`` (a key expiring on the server's clock)."""

    for _ in range(1000):  # ten seconds at most: a guard only
        if await read() == expected:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"Redis never answered {expected!r}")


async def _server_now_us(redis: Any) -> int:
    seconds, micros = await redis.time()
    return int(seconds) * 1_000_000 + int(micros)


async def test_every_write_expires_within_the_burst_window_and_then_the_limit_is_fresh(
    redis: Any,
) -> None:
    sleeps = Sleeps()
    # Redis keeps the time here: intervals of 200 ms leave room for a busy machine (or a
    # parallel test run) to pause this test between two calls without refilling a token.
    limiter = RedisRateLimiter(redis, KEY, rate=5, capacity=3, sleep=sleeps)
    for _ in range(4):
        await limiter.acquire()  # a burst of 3, then one wait: TAT is a full window ahead
    assert len(sleeps.asked) == 1
    assert 0 < await redis.pttl(KEY) <= 601  # capacity / rate = 600 ms, plus a ms of rounding
    await _eventually(lambda: redis.exists(KEY), 0)
    for _ in range(3):
        await limiter.acquire()
    assert len(sleeps.asked) == 1  # expired: a whole burst again, as for a new limit


def _far_future(now_us: int) -> str:
    return str(now_us + 3600 * 1_000_000)  # an hour ahead, where no schedule of 600 ms reaches


def _far_past(now_us: int) -> str:
    return str(now_us - 3600 * 1_000_000)


@pytest.mark.parametrize(
    ("value", "corrupt"),
    [
        ("1e400", True),  # infinite in Lua: it used to grant every call
        ("9e18", True),  # finite, 285,000 years ahead: callers used to sleep that long
        ("nan", True),  # NaN: the script used to fail, as if Redis were unreachable
        ("-nan", True),
        ("inf", True),
        ("not a number", True),
        (_far_future, True),
        ("-5", False),  # in the past: an idle limit, full
        ("0", False),
        ("-inf", False),
        (_far_past, False),
    ],
)
async def test_a_value_the_script_cannot_use_becomes_a_fresh_limit(
    redis: Any,
    caplog: pytest.LogCaptureFixture,
    value: str | Callable[[int], str],
    corrupt: bool,
) -> None:
    if callable(value):
        value = value(await _server_now_us(redis))
    await redis.set(KEY, value)  # and no expiry
    sleeps = Sleeps()
    limiter = RedisRateLimiter(redis, KEY, rate=5, capacity=3, sleep=sleeps)  # as above

    async def acquire() -> None:
        await asyncio.wait_for(limiter.acquire(), 10)  # a guard only: "9e18" waited for ages

    with caplog.at_level(logging.WARNING, logger="pumpfun_async"):
        for _ in range(3):
            await acquire()
        assert sleeps.asked == []  # one burst, at once
        await acquire()
        assert len(sleeps.asked) == 1
        assert 0 < sleeps.asked[0] <= 0.2  # then one interval at most: not unbounded
        tat = int(await redis.get(KEY))
        assert 0 < tat - await _server_now_us(redis) <= 600_000
        assert 0 < await redis.pttl(KEY) <= 601  # it expires like any other write
        await redis.set(KEY, value)
        await acquire()  # the same value again: no second warning
    warnings = caplog.text.count("was reset to a fresh limit")
    assert warnings == (1 if corrupt else 0)


async def test_a_value_just_beyond_the_window_is_honoured_as_a_clock_step(redis: Any) -> None:
    # The server's clock stepping back a little leaves TAT a little further ahead than the
    # window: within two windows it is waited out, not thrown away as corrupt.
    now = await _server_now_us(redis)
    await redis.set(KEY, str(now + 900_000))  # a window of 600 ms, plus 300
    sleeps = Sleeps()
    limiter = RedisRateLimiter(redis, KEY, rate=5, capacity=3, sleep=sleeps)  # as above
    await limiter.acquire()
    assert len(sleeps.asked) == 1
    assert 0 < sleeps.asked[0] <= 0.5  # 900 + 200 - 600 ms, less the time gone meanwhile
    assert int(await redis.get(KEY)) == now + 900_000 + 200_000  # taken from it, not reset


@pytest.mark.parametrize("kind", ["hash", "list"])
@pytest.mark.parametrize("on_error", ["raise", "local"])
async def test_a_key_of_another_type_is_a_transport_error_and_is_left_alone(
    redis: Any, kind: str, on_error: Literal["raise", "local"]
) -> None:
    if kind == "hash":
        await redis.hset(KEY, "field", "someone's data")
    else:
        await redis.rpush(KEY, "someone's data")
    limiter = RedisRateLimiter(redis, KEY, rate=50, on_error=on_error)
    for _ in range(2):
        with pytest.raises(TransportError, match=f"key holds a {kind}, not a rate limit"):
            await limiter.acquire()
    assert (await redis.type(KEY)).decode() == kind  # nothing overwritten
    assert await redis.pttl(KEY) == -1


async def test_a_key_of_another_type_is_named_with_decoded_responses(redis_url: str) -> None:
    client = Redis.from_url(redis_url, decode_responses=True)
    try:
        await client.flushdb()
        await client.sadd(KEY, "member")
        limiter = RedisRateLimiter(client, KEY, rate=50)
        with pytest.raises(TransportError, match="key holds a set, not a rate limit"):
            await limiter.acquire()
    finally:
        await client.aclose()


def _beyond_the_window(now_us: int) -> str:
    return str(now_us + 450_000)  # a window of 300 ms (rate 10, capacity 3), and half again


@pytest.mark.parametrize("value", ["nan", "9e18", _beyond_the_window])
async def test_a_refund_leaves_a_value_it_cannot_use_to_the_next_acquire(
    redis: Any, caplog: pytest.LogCaptureFixture, value: str | Callable[[int], str]
) -> None:
    # A TAT beyond the window (the server's clock stepped back) is not corrupt, but giving
    # back from it could only send more, with an expiry beyond the window.
    spoilt: list[str] = []

    released = asyncio.Event()

    class Spoiled:
        """The real client; the key is spoiled after its first script's grant."""

        def __init__(self) -> None:
            self.registered = 0

        def register_script(self, source: str) -> Any:
            script = redis.register_script(source)
            self.registered += 1
            if self.registered > 1:
                return script

            async def spoiled(keys: list[str], args: list[float]) -> Any:
                await released.wait()
                answer = await script(keys=keys, args=args)
                now = await _server_now_us(redis)
                spoilt.append(value if isinstance(value, str) else value(now))
                await redis.set(KEY, spoilt[0])
                return answer

            return spoiled

    limiter = RedisRateLimiter(Spoiled(), KEY, rate=10, capacity=3)  # type: ignore[arg-type]
    waiter = asyncio.ensure_future(limiter.acquire())
    await asyncio.sleep(0.01)
    waiter.cancel()
    with caplog.at_level(logging.WARNING, logger="pumpfun_async"):
        released.set()  # granted after the cancellation: a refund runs, on the spoiled key
        with pytest.raises(asyncio.CancelledError):
            await waiter  # which waits for the refund to be done
    assert limiter._settling == set()
    assert await redis.get(KEY) == spoilt[0].encode()
    assert await redis.pttl(KEY) == -1
    assert "could not give back" not in caplog.text


async def test_the_wait_is_bounded_whatever_the_script_answers() -> None:
    answers = [9 * 10**18, 0]

    async def huge() -> int:
        return answers.pop(0)

    asked: list[float] = []

    async def sleep(seconds: float) -> None:
        asked.append(seconds)

    fake = _FakeRedis(_FakeScript(huge), _FakeScript(_zero))
    limiter = RedisRateLimiter(
        fake,  # type: ignore[arg-type]
        KEY,
        rate=10,
        capacity=2,
        sleep=sleep,
    )
    await limiter.acquire()
    assert asked == [pytest.approx(0.4)]  # two burst windows of 200 ms at most


async def test_local_waiters_go_first_come_first_served(redis: Any) -> None:
    limiter = RedisRateLimiter(redis, KEY, rate=100, capacity=1)
    order: list[int] = []

    async def take(n: int) -> None:
        await limiter.acquire()
        order.append(n)

    await asyncio.gather(*(take(n) for n in range(8)))
    assert order == list(range(8))


async def test_a_cancelled_waiter_takes_nothing(redis: Any) -> None:
    limiter = RedisRateLimiter(redis, KEY, rate=2, capacity=1)
    await limiter.acquire()
    state = await redis.get(KEY)
    waiter = asyncio.ensure_future(limiter.acquire())
    await asyncio.sleep(0.05)  # it has asked Redis and is sleeping
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert await redis.get(KEY) == state
    queued = [asyncio.ensure_future(limiter.acquire()) for _ in range(2)]
    await asyncio.sleep(0.01)
    queued[1].cancel()  # cancelled while queued behind another: never asked Redis
    await queued[0]
    with pytest.raises(asyncio.CancelledError):
        await queued[1]


class _FakeScript:
    def __init__(self, answer: Callable[[], Awaitable[int]]) -> None:
        self.answer = answer
        self.calls = 0

    async def __call__(self, keys: list[str], args: list[float]) -> int:
        self.calls += 1
        return await self.answer()


class _FakeRedis:
    """Just enough of redis.asyncio.Redis for the limiter: two scripts, or failures."""

    def __init__(self, acquire: _FakeScript, refund: _FakeScript) -> None:
        self.scripts = [acquire, refund]

    def register_script(self, source: str) -> _FakeScript:
        return self.scripts.pop(0)


async def test_unreachable_redis_is_a_transport_error() -> None:
    client = Redis.from_url(f"redis://127.0.0.1:{_free_port()}/0")
    try:
        limiter = RedisRateLimiter(client, KEY, rate=10)
        with pytest.raises(TransportError, match="Redis server is unreachable") as info:
            await limiter.acquire()
        assert "on_error='local'" in str(info.value)
    finally:
        await client.aclose()


class RecordingBackoff(redis_backoff.AbstractBackoff):
    """A client's backoff between retries that counts its use (and does not wait)."""

    def __init__(self) -> None:
        self.computed = 0

    def __deepcopy__(self, memo: dict[int, object]) -> RecordingBackoff:
        return self  # redis-py copies the policy into the client and each connection

    def reset(self) -> None:
        pass

    def compute(self, failures: int) -> float:
        self.computed += 1
        return 0.0


@pytest.fixture
def killed_redis(tmp_path: Path) -> Iterator[tuple[int, Callable[[], None]]]:
    """A redis-server of the test's own, and a function that kills it (SIGKILL)."""
    with _redis_server(tmp_path) as (server, port):

        def kill() -> None:
            server.kill()
            server.wait(10)

        yield port, kill


def _refused(exc: BaseException) -> bool:
    """Whether a connection refusal is anywhere in ``exc``'s chain."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ConnectionRefusedError) or "Connection refused" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


async def test_a_killed_redis_is_known_at_once_on_a_client_that_retries(
    killed_redis: tuple[int, Callable[[], None]],
) -> None:
    port, kill = killed_redis
    backoff = RecordingBackoff()
    retry = redis_asyncio_retry.Retry(backoff, 3)
    client = Redis(host="127.0.0.1", port=port, retry=retry)
    try:
        # A timeout no test would wait out: an answer at all shows no retry ran into it.
        limiter = RedisRateLimiter(client, KEY, rate=10, timeout=3600)
        await limiter.acquire()
        kill()
        for _ in range(2):  # a pooled connection that died (replaced: refused), then a new one
            with pytest.raises(TransportError, match="unreachable") as info:
                await asyncio.wait_for(limiter.acquire(), 30)  # a guard only
            assert isinstance(info.value.__cause__, redis_exceptions.ConnectionError)
            assert _refused(info.value)
        assert backoff.computed == 0  # the limiter's calls were not retried
        # The client's own commands keep its policy, in the same task too.
        assert client.get_retry() == retry
        with pytest.raises(redis_exceptions.ConnectionError):
            await client.ping()
        assert backoff.computed == 3
    finally:
        await client.aclose()


async def test_a_connection_the_server_dropped_is_replaced_at_once(redis_url: str) -> None:
    backoff = RecordingBackoff()
    client = Redis.from_url(redis_url, retry=redis_asyncio_retry.Retry(backoff, 3))
    admin = Redis.from_url(redis_url)
    try:
        await admin.flushdb()
        limiter = RedisRateLimiter(client, KEY, rate=10, capacity=5, timeout=3600)
        await limiter.acquire()
        # As an idle timeout or a restart does: every connection but this one is closed.
        assert await admin.client_kill_filter(_type="normal", skipme=True) >= 1
        await asyncio.wait_for(limiter.acquire(), 30)  # a guard only
        assert backoff.computed == 0
        assert await client.pttl(KEY) > 100  # both acquisitions were counted in Redis
    finally:
        await client.aclose()
        await admin.aclose()


async def test_a_killed_redis_is_not_a_timeout_with_the_clients_default_policy(
    killed_redis: tuple[int, Callable[[], None]],
) -> None:
    # redis-py 6 and later give Redis(host=...) a retry policy with a backoff of its own
    # (ten retries, about 3.5 s, in redis-py 8): longer than the limiter's timeout of 2 s.
    port, kill = killed_redis
    client = Redis(host="127.0.0.1", port=port)
    try:
        limiter = RedisRateLimiter(client, KEY, rate=10)
        await limiter.acquire()
        kill()
        with pytest.raises(TransportError) as info:
            await asyncio.wait_for(limiter.acquire(), 30)  # a guard only
        assert "no answer from Redis" not in str(info.value)
        assert isinstance(info.value.__cause__, redis_exceptions.ConnectionError)
        assert _refused(info.value)
    finally:
        await client.aclose()


async def test_a_killed_redis_falls_back_at_once(
    killed_redis: tuple[int, Callable[[], None]], caplog: pytest.LogCaptureFixture
) -> None:
    port, kill = killed_redis
    backoff = RecordingBackoff()
    client = Redis(host="127.0.0.1", port=port, retry=redis_asyncio_retry.Retry(backoff, 3))
    try:
        limiter = RedisRateLimiter(client, KEY, rate=10, on_error="local", timeout=3600)
        await limiter.acquire()
        kill()
        with caplog.at_level(logging.WARNING, logger="pumpfun_async"):
            await asyncio.wait_for(limiter.acquire(), 30)  # a guard only
        assert "Redis is unreachable (ConnectionError)" in caplog.text
        assert backoff.computed == 0
    finally:
        await client.aclose()


async def test_a_client_without_a_retry_policy_or_with_its_own_kind_is_left_alone(
    redis_url: str,
) -> None:
    class OwnRetry(redis_asyncio_retry.Retry):
        pass

    plain = Redis.from_url(redis_url)
    own = Redis.from_url(redis_url, retry=OwnRetry(redis_backoff.NoBackoff(), 1))
    policy = own.get_retry()
    try:
        RedisRateLimiter(plain, KEY, rate=10)
        RedisRateLimiter(own, KEY, rate=10)
        assert plain.get_retry() is None
        assert own.get_retry() is policy
    finally:
        await plain.aclose()
        await own.aclose()


async def test_unreachable_redis_can_fall_back_to_a_local_bucket(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sleeps = Sleeps()
    client = Redis.from_url(f"redis://127.0.0.1:{_free_port()}/0")
    try:
        limiter = RedisRateLimiter(client, KEY, rate=50, capacity=2, on_error="local", sleep=sleeps)
        with caplog.at_level(logging.WARNING, logger="pumpfun_async"):
            for _ in range(3):
                await limiter.acquire()
        assert len(sleeps.asked) == 1  # the local bucket: a burst of 2, then a wait
        assert caplog.text.count("limiting this process locally") == 1
    finally:
        await client.aclose()


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def test_back_to_redis_when_it_answers_again(caplog: pytest.LogCaptureFixture) -> None:
    answers: list[int | BaseException] = [redis_exceptions.ConnectionError("down"), 0]

    async def flaky() -> int:
        answer = answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return answer

    async def never() -> int:  # pragma: no cover - no refund happens here
        return 0

    clock = FakeClock()
    acquire = _FakeScript(flaky)
    fake = _FakeRedis(acquire, _FakeScript(never))
    limiter = RedisRateLimiter(
        fake,  # type: ignore[arg-type]
        KEY,
        rate=10,
        capacity=5,
        on_error="local",
        recheck=5.0,
        clock=clock,
    )
    with caplog.at_level(logging.WARNING, logger="pumpfun_async"):
        await limiter.acquire()  # Redis fails: the local bucket
        clock.now += 4.9
        await limiter.acquire()  # within `recheck`: Redis is not asked again
        assert acquire.calls == 1
        assert "answers again" not in caplog.text
        clock.now += 0.2
        await limiter.acquire()
    assert acquire.calls == 2
    assert "Redis answers again" in caplog.text


async def test_the_local_fallback_keeps_its_bucket_across_outages() -> None:
    answers: list[int | BaseException] = []
    down = redis_exceptions.ConnectionError("down")
    answers += [down, down, 0, down, down]

    async def flaky() -> int:
        answer = answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return answer

    clock, asked = FakeClock(), []

    async def sleep(seconds: float) -> None:
        asked.append(seconds)
        clock.now += seconds

    fake = _FakeRedis(_FakeScript(flaky), _FakeScript(_zero))
    limiter = RedisRateLimiter(
        fake,  # type: ignore[arg-type]
        KEY,
        rate=1000,
        capacity=2,
        on_error="local",
        recheck=0,
        clock=clock,
        sleep=sleep,
    )
    await limiter.acquire()
    await limiter.acquire()  # the local burst of 2 is spent
    await limiter.acquire()  # Redis is back
    await limiter.acquire()  # down again: the same bucket, still empty, so a wait
    assert asked == [pytest.approx(0.001)]


@pytest.mark.parametrize("cancels", [1, 2])
async def test_a_grant_in_flight_when_cancelled_is_given_back(cancels: int) -> None:
    released = asyncio.Event()

    async def slow_grant() -> int:
        await released.wait()
        return 0

    async def refunded() -> int:
        return 1

    acquire, refund = _FakeScript(slow_grant), _FakeScript(refunded)
    limiter = RedisRateLimiter(_FakeRedis(acquire, refund), KEY, rate=1)  # type: ignore[arg-type]
    waiter = asyncio.ensure_future(limiter.acquire())
    for _ in range(cancels):
        for _ in range(3):
            await asyncio.sleep(0)
        # A second cancellation (as anyio's cancel scopes send) lets the waiter go at once.
        waiter.cancel()
    if cancels == 2:
        with pytest.raises(asyncio.CancelledError):
            await waiter
        assert refund.calls == 0
    released.set()  # the server's "granted" arrives after the cancellation
    with pytest.raises(asyncio.CancelledError):
        await waiter
    for _ in range(5):
        await asyncio.sleep(0)
    assert (acquire.calls, refund.calls) == (1, 1)


async def test_a_grant_in_flight_is_given_back_on_a_real_server(redis: Any) -> None:
    released = asyncio.Event()

    class Delayed:
        """The real Redis client, with its first script's calls held until released."""

        def __init__(self) -> None:
            self.registered = 0

        def register_script(self, source: str) -> Any:
            script = redis.register_script(source)
            self.registered += 1
            if self.registered > 1:
                return script

            async def held(keys: list[str], args: list[float]) -> Any:
                await released.wait()
                return await script(keys=keys, args=args)

            return held

    limiter = RedisRateLimiter(Delayed(), KEY, rate=10, capacity=3)  # type: ignore[arg-type]
    released.set()
    await limiter.acquire()
    before = int(await redis.get(KEY))
    released.clear()
    waiter = asyncio.ensure_future(limiter.acquire())
    await asyncio.sleep(0.01)
    waiter.cancel()
    released.set()  # the server grants it after the cancellation
    with pytest.raises(asyncio.CancelledError):
        await waiter
    # The refund took back exactly the interval the grant took (100 ms = 100,000 µs).
    assert int(await redis.get(KEY)) == before


@pytest.fixture
async def silent_server() -> AsyncIterator[str]:
    """A TCP server on loopback that accepts connections and never answers."""
    writers: list[asyncio.StreamWriter] = []

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        for writer in writers:
            writer.close()
        server.close()
        await server.wait_closed()


async def test_a_silent_redis_is_a_transport_error_after_the_timeout(silent_server: str) -> None:
    client = Redis.from_url(silent_server)
    try:
        limiter = RedisRateLimiter(client, KEY, rate=10, timeout=0.05)
        with pytest.raises(TransportError, match=r"no answer from Redis within 0\.05 s"):
            await asyncio.wait_for(limiter.acquire(), 10)
    finally:
        await client.aclose()


async def test_a_silent_redis_falls_back_and_is_asked_again_only_now_and_then(
    silent_server: str,
) -> None:
    clock = FakeClock()
    client = Redis.from_url(silent_server)
    try:
        limiter = RedisRateLimiter(
            client, KEY, rate=1000, capacity=10, on_error="local", timeout=0.05, clock=clock
        )
        asked = 0
        real = limiter._ask

        async def counting() -> int:
            nonlocal asked
            asked += 1
            return await real()

        limiter._ask = counting  # type: ignore[method-assign]
        for _ in range(5):
            await asyncio.wait_for(limiter.acquire(), 10)
        assert asked == 1  # the other four went straight to the local bucket
        clock.now += 5.0
        await asyncio.wait_for(limiter.acquire(), 10)
        assert asked == 2
    finally:
        await client.aclose()


async def test_a_server_that_is_not_redis_is_a_transport_error() -> None:
    async def http(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(100)
        writer.write(b"HTTP/1.1 400 Bad Request\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(http, "127.0.0.1", 0)
    client = Redis.from_url(f"redis://127.0.0.1:{server.sockets[0].getsockname()[1]}/0")
    try:
        limiter = RedisRateLimiter(client, KEY, rate=10)
        with pytest.raises(TransportError, match="Redis server is unreachable"):
            await asyncio.wait_for(limiter.acquire(), 10)
    finally:
        await client.aclose()
        server.close()
        await server.wait_closed()


def test_importing_the_package_does_not_import_redis() -> None:
    code = "import sys, pumpfun_async; print('redis' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


async def test_it_rate_limits_a_client(redis: Any) -> None:
    mints = [coin["mint"] for coin in default_coins()[:4]]
    # Five likes fit in the burst, and leave the key about half a second to live.
    limiter = RedisRateLimiter(redis, KEY, rate=10, capacity=10)
    async with (
        Emulator(require_captcha=False) as emu,
        emu.client(rate_limit={"likes": limiter}) as client,
    ):
        await client.like(DOCS_MINT)
        result = await client.like_many(mints)
    assert result.ok
    assert await redis.pttl(KEY) > 300  # five intervals of 100 ms taken from the shared limit
    assert isinstance(client, AsyncPumpFunClient)


async def _zero() -> int:  # pragma: no cover - never called
    return 0


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"key": ""}, "key"),
        ({"rate": 0}, "rate"),
        ({"rate": True}, "rate"),
        ({"capacity": 0.5}, "capacity"),
        ({"on_error": "ignore"}, "on_error"),
        ({"timeout": 0}, "timeout"),
        ({"timeout": True}, "timeout"),
        ({"recheck": -1}, "recheck"),
        ({"recheck": "5"}, "recheck"),
    ],
)
def test_bad_arguments(kwargs: dict[str, Any], field: str) -> None:
    options: dict[str, Any] = {"key": KEY, "rate": 1.0} | kwargs
    fake = _FakeRedis(_FakeScript(_zero), _FakeScript(_zero))
    with pytest.raises(ValidationError, match=field):
        RedisRateLimiter(fake, **options)  # type: ignore[arg-type]


def test_needs_a_redis_client() -> None:
    with pytest.raises(ValidationError, match="redis"):
        RedisRateLimiter(object(), KEY, rate=1)  # type: ignore[arg-type]


def test_without_the_extra_says_which_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "redis", None)
    with pytest.raises(ImportError, match=r"pumpfun-async\[redis\]"):
        RedisRateLimiter(object(), KEY, rate=1)  # type: ignore[arg-type]


WORKER = textwrap.dedent(
    """
    import asyncio, json, sys, time
    from redis.asyncio import Redis
    from pumpfun_async import RedisRateLimiter

    async def main(url, key, rate, capacity):
        redis = Redis.from_url(url)
        limiter = RedisRateLimiter(redis, key, rate=rate, capacity=capacity)
        await redis.ping()  # connected: ready to start the moment the parent says
        print("ready", flush=True)
        start, stop = map(float, sys.stdin.readline().split())
        await asyncio.sleep(max(0.0, start - time.time()))
        stamps = []
        while time.time() < stop:
            await limiter.acquire()
            stamps.append(time.time())
        await redis.aclose()
        print(json.dumps(stamps))

    url, key = sys.argv[1], sys.argv[2]
    rate, capacity = map(float, sys.argv[3:5])
    asyncio.run(main(url, key, rate, capacity))
    """
)


def _max_in_window(stamps: list[float], window: float) -> int:
    best = start = 0
    for end, stamp in enumerate(stamps):
        while stamp - stamps[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


def test_four_processes_share_one_limit(redis_url: str, tmp_path: Path) -> None:
    rate, capacity, seconds = 50.0, 5.0, 3.0
    script = tmp_path / "worker.py"
    script.write_text(WORKER, encoding="utf-8")
    command = [sys.executable, str(script), redis_url, "pumpfun:shared", str(rate), str(capacity)]
    with contextlib.ExitStack() as stack:
        workers = [
            stack.enter_context(
                subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            )
            for _ in range(4)
        ]
        # Interpreter start-up can take seconds on a loaded machine: start the clock only
        # once every worker has imported, connected and said so.
        for worker in workers:
            assert worker.stdout is not None
            assert worker.stdout.readline().strip() == "ready"
        start = time.time() + 0.2
        stop = start + seconds
        for worker in workers:
            assert worker.stdin is not None
            worker.stdin.write(f"{start} {stop}\n")
            worker.stdin.close()
        outputs = [worker.stdout.read() for worker in workers if worker.stdout is not None]
    assert all(worker.returncode == 0 for worker in workers)
    per_process = [json.loads(out) for out in outputs]
    stamps = sorted(s for stamps in per_process for s in stamps if s < stop)
    assert all(len(p) > 10 for p in per_process), [len(p) for p in per_process]
    assert _max_in_window(stamps, 1.0) <= rate + capacity
    steady = (len(stamps) - capacity) / (stamps[-1] - stamps[0])
    assert steady == pytest.approx(rate, rel=0.05)
