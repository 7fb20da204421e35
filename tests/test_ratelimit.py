"""TokenBucket and the ``rate_limit=`` helpers, driven by a fake clock: nothing really waits."""

from __future__ import annotations

import asyncio
import math
from typing import Any

import pytest

from pumpfun_async import TokenBucket, ValidationError
from pumpfun_async._ratelimit import ALL_ROUTES, default_rate_limits, normalize_rate_limits
from pumpfun_async.endpoints import RouteGroup

from .conftest import until

# Rates below are powers of two and the fake clock starts at 0.0, so every expected time
# is exact in binary floating point; see test_non_dyadic_rate_needs_one_sleep_per_wait.


class FakeTime:
    """A clock that only moves when the bucket sleeps: ``sleep(s)`` advances it by ``s``."""

    def __init__(self, start: float = 0.0, max_sleeps: int = 10_000) -> None:
        self.now = start
        self.sleeps: list[float] = []
        self.max_sleeps = max_sleeps

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        if len(self.sleeps) > self.max_sleeps:
            raise SleepLoopError(f"{len(self.sleeps)} sleeps, the last ones {self.sleeps[-3:]}")
        self.now += seconds
        await asyncio.sleep(0)

    def bucket(self, rate: float, capacity: float = 1) -> TokenBucket:
        return TokenBucket(rate, capacity, clock=self.clock, sleep=self.sleep)


class HeldSleep:
    """A sleep that does not return until released; the clock stands still meanwhile.

    Once released, ``sleep(s)`` behaves like :class:`FakeTime`'s: it advances the clock.
    """

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []
        self.release = asyncio.Event()

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        await self.release.wait()
        self.now += seconds
        await asyncio.sleep(0)

    def bucket(self, rate: float, capacity: float = 1) -> TokenBucket:
        return TokenBucket(rate, capacity, clock=self.clock, sleep=self.sleep)


class SleepLoopError(RuntimeError):
    """The bucket asked for more sleeps than any schedule in these tests needs."""


async def completion_times(fake: FakeTime, bucket: TokenBucket, ids: list[int]) -> dict[int, float]:
    """Start one acquirer per id, in order, and return the fake time each one got its token."""
    done: dict[int, float] = {}

    async def acquirer(i: int) -> None:
        await bucket.acquire()
        done[i] = fake.now

    await asyncio.gather(*(asyncio.create_task(acquirer(i)) for i in ids))
    return done


# ------------------------------------------------------------------------------ basic accounting


async def test_starts_full_then_waits_one_interval() -> None:
    fake = FakeTime()
    bucket = fake.bucket(rate=4.0, capacity=5)
    assert bucket.tokens == 5.0
    for _ in range(5):
        await bucket.acquire()
    assert fake.sleeps == []
    assert fake.now == 0.0
    assert bucket.tokens == 0.0

    await bucket.acquire()
    assert fake.sleeps == [0.25]
    assert fake.now == 0.25
    assert bucket.waiting == 0


async def test_default_capacity_is_one() -> None:
    fake = FakeTime()
    bucket = fake.bucket(rate=2.0)
    assert bucket.capacity == 1.0
    await bucket.acquire()
    await bucket.acquire()
    assert fake.sleeps == [0.5]


async def test_partial_token_waits_only_for_the_rest() -> None:
    fake = FakeTime()
    bucket = fake.bucket(rate=4.0, capacity=1)
    await bucket.acquire()
    fake.now = 0.125  # half a token has accrued
    assert bucket.tokens == 0.5
    await bucket.acquire()
    assert fake.sleeps == [0.125]
    assert fake.now == 0.25


@pytest.mark.parametrize(
    ("rate", "capacity", "n"),
    [(4.0, 1, 100), (8.0, 4, 100), (0.5, 3, 50), (64.0, 16, 500), (1 / 64, 1, 20)],
)
async def test_achieved_rate_is_the_configured_rate(rate: float, capacity: int, n: int) -> None:
    fake = FakeTime()
    bucket = fake.bucket(rate, capacity)
    times = await completion_times(fake, bucket, list(range(n)))

    assert fake.now == pytest.approx((n - capacity) / rate)
    assert (n - capacity) / fake.now == pytest.approx(rate)
    assert sorted(times.values()) == [max(0, k - capacity + 1) / rate for k in range(n)]
    assert len(fake.sleeps) == n - capacity  # one sleep per wait, no busy looping
    assert bucket.waiting == 0


async def test_sequential_acquires_keep_the_rate() -> None:
    fake = FakeTime()
    bucket = fake.bucket(rate=16.0, capacity=2)
    for _ in range(66):
        await bucket.acquire()
    assert fake.now == 4.0  # (66 - 2) / 16


async def test_capacity_caps_accumulation_after_a_long_idle() -> None:
    fake = FakeTime()
    bucket = fake.bucket(rate=4.0, capacity=3)
    for _ in range(3):
        await bucket.acquire()
    fake.now += 10_000.0  # enough time for 40,000 tokens
    assert bucket.tokens == 3.0

    for _ in range(3):
        await bucket.acquire()
    assert fake.sleeps == []
    await bucket.acquire()
    assert fake.sleeps == [0.25]


async def test_fractional_capacity_above_one() -> None:
    fake = FakeTime()
    bucket = fake.bucket(rate=2.0, capacity=1.5)
    assert bucket.tokens == 1.5
    await bucket.acquire()
    await bucket.acquire()  # 0.5 left: waits for the other half
    assert fake.sleeps == [0.25]


# ------------------------------------------------------------------------------- FIFO fairness


async def test_many_concurrent_waiters_are_served_in_arrival_order() -> None:
    fake = FakeTime()
    bucket = fake.bucket(rate=8.0, capacity=2)
    order: list[int] = []

    async def acquirer(i: int) -> float:
        await bucket.acquire()
        order.append(i)
        return fake.now

    tasks = [asyncio.create_task(acquirer(i)) for i in range(60)]
    times = await asyncio.gather(*tasks)

    assert order == list(range(60))
    assert times == [max(0, i - 1) / 8.0 for i in range(60)]


async def test_late_arrivals_queue_behind_earlier_waiters() -> None:
    fake = FakeTime()
    bucket = fake.bucket(rate=4.0, capacity=1)
    order: list[str] = []

    async def acquirer(name: str) -> None:
        await bucket.acquire()
        order.append(name)

    first = [asyncio.create_task(acquirer(f"a{i}")) for i in range(4)]
    await until(lambda: len(fake.sleeps) >= 1)  # a1 is sleeping, a2 and a3 wait in line
    assert bucket.waiting == 3
    late = [asyncio.create_task(acquirer(f"b{i}")) for i in range(3)]
    await asyncio.gather(*first, *late)

    assert order == ["a0", "a1", "a2", "a3", "b0", "b1", "b2"]
    assert fake.now == 1.5


async def test_try_acquire_never_jumps_the_queue() -> None:
    fake = FakeTime()
    bucket = fake.bucket(rate=4.0, capacity=1)
    assert bucket.try_acquire()
    assert not bucket.try_acquire()  # empty, nobody waiting

    waiter = asyncio.create_task(bucket.acquire())
    await until(lambda: len(fake.sleeps) == 1)
    # The waiter's sleep has moved the clock on: a whole token is free, but it is the
    # waiter's; it has not run yet to take it.
    assert not waiter.done()
    assert bucket.waiting == 1
    assert bucket.tokens >= 1
    assert not bucket.try_acquire()

    await waiter
    assert bucket.waiting == 0
    assert bucket.tokens == 0.0
    fake.now += 0.25
    assert bucket.try_acquire()


async def test_try_acquire_without_waiters() -> None:
    fake = FakeTime()
    bucket = fake.bucket(rate=4.0, capacity=2)
    assert [bucket.try_acquire() for _ in range(3)] == [True, True, False]
    fake.now = 0.25
    assert bucket.try_acquire()
    assert not bucket.try_acquire()
    assert fake.sleeps == []


# -------------------------------------------------------------------------------- cancellation


async def test_cancelled_head_waiter_consumes_nothing() -> None:
    ids = list(range(6))
    # Without the cancelled waiter: the schedule the others must get.
    fake = FakeTime()
    expected = await completion_times(fake, fake.bucket(4.0, 1), [i for i in ids if i != 1])

    fake = FakeTime()
    bucket = fake.bucket(4.0, 1)
    done: dict[int, float] = {}

    async def acquirer(i: int) -> None:
        await bucket.acquire()
        done[i] = fake.now

    tasks = {i: asyncio.create_task(acquirer(i)) for i in ids}
    await until(lambda: len(fake.sleeps) == 1)  # 0 took the first token; 1 sleeps for its
    assert bucket.waiting == 5
    tasks[1].cancel()
    with pytest.raises(asyncio.CancelledError):
        await tasks[1]
    await asyncio.gather(*(t for i, t in tasks.items() if i != 1))

    assert 1 not in done
    assert done == expected == {0: 0.0, 2: 0.25, 3: 0.5, 4: 0.75, 5: 1.0}
    assert bucket.waiting == 0


async def test_cancelled_waiters_in_line_consume_nothing() -> None:
    ids = list(range(8))
    cancelled = {3, 6}
    fake = FakeTime()
    expected = await completion_times(
        fake, fake.bucket(4.0, 2), [i for i in ids if i not in cancelled]
    )

    fake = FakeTime()
    bucket = fake.bucket(4.0, 2)
    done: dict[int, float] = {}

    async def acquirer(i: int) -> None:
        await bucket.acquire()
        done[i] = fake.now

    tasks = {i: asyncio.create_task(acquirer(i)) for i in ids}
    await until(lambda: len(fake.sleeps) == 1)  # 0 and 1 took the burst; 2 sleeps
    assert bucket.waiting == 6
    for i in sorted(cancelled):
        tasks[i].cancel()
    await asyncio.gather(*tasks.values(), return_exceptions=True)

    assert all(tasks[i].cancelled() for i in cancelled)
    assert done == expected == {0: 0.0, 1: 0.0, 2: 0.25, 4: 0.5, 5: 0.75, 7: 1.0}
    assert bucket.waiting == 0


async def test_cancelling_the_sleeping_head_hands_the_line_on() -> None:
    held = HeldSleep()
    bucket = held.bucket(rate=2.0, capacity=1)
    await bucket.acquire()
    head = asyncio.create_task(bucket.acquire())
    second = asyncio.create_task(bucket.acquire())
    third = asyncio.create_task(bucket.acquire())
    await until(lambda: len(held.sleeps) == 1)
    assert bucket.waiting == 3

    head.cancel()
    with pytest.raises(asyncio.CancelledError):
        await head
    await until(lambda: len(held.sleeps) == 2)  # the second is now the one sleeping
    assert held.sleeps == [0.5, 0.5]
    assert bucket.waiting == 2
    assert bucket.tokens == 0.0

    third.cancel()  # a waiter that is not first in line
    with pytest.raises(asyncio.CancelledError):
        await third
    assert bucket.waiting == 1

    held.release.set()
    await second
    assert held.now == 0.5
    assert bucket.waiting == 0
    assert bucket.tokens == 0.0


async def test_cancelling_every_waiter_leaves_the_bucket_usable() -> None:
    held = HeldSleep()
    bucket = held.bucket(rate=1.0, capacity=1)
    await bucket.acquire()
    tasks = [asyncio.create_task(bucket.acquire()) for _ in range(5)]
    await until(lambda: bucket.waiting == 5 and len(held.sleeps) == 1)
    for task in reversed(tasks):
        task.cancel()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert all(isinstance(r, asyncio.CancelledError) for r in results)
    assert bucket.waiting == 0

    held.now = 1.0
    assert bucket.try_acquire()


# --------------------------------------------------------------------------- no background task


async def test_no_background_task_while_a_waiter_sleeps() -> None:
    held = HeldSleep()
    before = asyncio.all_tasks()
    bucket = held.bucket(rate=1.0, capacity=1)
    await bucket.acquire()
    assert asyncio.all_tasks() == before

    waiters = [asyncio.create_task(bucket.acquire()) for _ in range(3)]
    await until(lambda: len(held.sleeps) == 1)
    assert bucket.waiting == 3
    assert asyncio.all_tasks() - before == set(waiters)  # the test's own tasks, nothing else

    held.release.set()
    await asyncio.gather(*waiters)
    assert held.now == 3.0
    assert asyncio.all_tasks() == before


# ----------------------------------------------------------------------------------- arguments


@pytest.mark.parametrize("rate", [0, 0.0, -1, -0.5, math.inf, math.nan, True, False, "1", None])
def test_invalid_rate(rate: Any) -> None:
    with pytest.raises(ValidationError, match=r"^rate: ") as info:  # a ValueError
        TokenBucket(rate)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("capacity", [0, 0.5, 0.999, -1, math.inf, math.nan, True, "2", None])
def test_invalid_capacity(capacity: Any) -> None:
    with pytest.raises(ValidationError, match=r"^capacity: ") as info:  # a ValueError
        TokenBucket(1.0, capacity)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(("rate", "capacity"), [(1e-9, 1), (1, 1), (2.5, 1.0), (1e9, 1e9)])
def test_valid_arguments(rate: float, capacity: float) -> None:
    bucket = TokenBucket(rate, capacity)
    assert bucket.rate == float(rate)
    assert isinstance(bucket.rate, float)
    assert bucket.capacity == float(capacity)
    assert isinstance(bucket.capacity, float)


def test_repr_shows_rate_and_capacity() -> None:
    fake = FakeTime()
    bucket = fake.bucket(rate=2.5, capacity=3)
    assert repr(bucket) == "TokenBucket(rate=2.5, capacity=3, tokens=3.00, waiting=0)"
    assert bucket.try_acquire()
    assert "tokens=2.00" in repr(bucket)
    assert "rate=0.0166667" in repr(TokenBucket(1 / 60))


# ------------------------------------------------------------------------- floating-point limits


@pytest.mark.parametrize("rate", [3.0, 10.0, 200.0])
async def test_non_dyadic_rate_needs_one_sleep_per_wait(rate: float) -> None:
    fake = FakeTime(max_sleeps=100)
    bucket = fake.bucket(rate, capacity=1)
    for _ in range(50):
        await bucket.acquire()
    assert fake.now == pytest.approx(49 / rate)
    assert len(fake.sleeps) == 49


# ----------------------------------------------------------------- rate_limit= normalisation


def test_normalize_none_is_no_limit() -> None:
    assert normalize_rate_limits(None) == {}


def test_normalize_single_limiter_covers_all_routes() -> None:
    bucket = TokenBucket(1.0)
    assert normalize_rate_limits(bucket) == {"all": bucket}
    assert ALL_ROUTES == "all"


def test_normalize_accepts_any_object_with_acquire() -> None:
    class Custom:
        async def acquire(self) -> None:
            return None

    limiter = Custom()
    assert normalize_rate_limits(limiter) == {"all": limiter}
    assert normalize_rate_limits({"likes": limiter}) == {"likes": limiter}


def test_normalize_mapping_with_groups_strings_and_all() -> None:
    everything, replies, likes = TokenBucket(1.0), TokenBucket(1 / 60), TokenBucket(2.0)
    limits = normalize_rate_limits({"all": everything, RouteGroup.REPLIES: replies, "likes": likes})
    assert limits == {"all": everything, "replies": replies, "likes": likes}
    assert all(type(key) is str for key in limits)  # group members become plain values


@pytest.mark.parametrize("group", list(RouteGroup))
def test_normalize_every_route_group(group: RouteGroup) -> None:
    bucket = TokenBucket(1.0)
    assert normalize_rate_limits({group: bucket}) == {group.value: bucket}
    assert normalize_rate_limits({group.value: bucket}) == {group.value: bucket}


def test_normalize_empty_mapping() -> None:
    assert normalize_rate_limits({}) == {}


@pytest.mark.parametrize("key", ["writes", "ALL", "Replies", "", 1, None])
def test_normalize_unknown_group(key: Any) -> None:
    with pytest.raises(ValidationError, match="unknown route group") as info:
        normalize_rate_limits({key: TokenBucket(1.0)})
    assert info.value.field == "rate_limit"


@pytest.mark.parametrize("limiter", [1.0, "1/s", object(), [TokenBucket(1.0)]])
def test_normalize_rejects_an_object_without_acquire(limiter: object) -> None:
    with pytest.raises(ValidationError, match="expected a TokenBucket") as info:
        normalize_rate_limits(limiter)
    assert info.value.field == "rate_limit"
    with pytest.raises(ValidationError, match="expected a TokenBucket"):
        normalize_rate_limits({"replies": limiter})


def test_normalize_rejects_a_non_callable_acquire() -> None:
    class NotALimiter:
        acquire = 5

    with pytest.raises(ValidationError, match="expected a TokenBucket"):
        normalize_rate_limits(NotALimiter())


def test_default_rate_limits() -> None:
    limits = default_rate_limits()
    assert set(limits) == {"all", "replies"}
    everything, replies = limits["all"], limits["replies"]
    assert isinstance(everything, TokenBucket)
    assert isinstance(replies, TokenBucket)
    assert (everything.rate, everything.capacity) == (1.0, 1.0)
    assert replies.rate == pytest.approx(1 / 60)
    assert replies.capacity == 1.0
    assert normalize_rate_limits(limits) == limits


def test_default_rate_limits_are_fresh_each_time() -> None:
    first, second = default_rate_limits(), default_rate_limits()
    assert first["all"] is not second["all"]
    assert first["replies"] is not second["replies"]
