"""The bulk helpers through a real client: laziness, the rate limiter, retries, cancelling."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from pumpfun_async import RetryPolicy, TokenBucket
from pumpfun_async._bulk import run_bulk
from pumpfun_async.testing import Emulator, default_coins

MINTS = [c["mint"] for c in default_coins()]


@pytest.fixture
def emulator_options() -> dict[str, Any]:
    return {"require_captcha": False}


async def test_like_many_draws_targets_only_as_calls_finish(emu: Emulator) -> None:
    concurrency, n = 8, 600
    done = 0
    ahead: list[int] = []

    def targets() -> Iterator[int]:
        for drawn in range(n):
            ahead.append(drawn - done)  # drawn but not finished, before this one
            yield 1_000_000 + drawn  # reply ids: the emulator answers 404, which is recorded

    def progress(finished: int, total: int | None) -> None:
        nonlocal done
        done = finished

    async with emu.client() as client:
        result = await client.like_many(targets(), concurrency=concurrency, progress=progress)
    assert len(result) == n
    assert len(emu.requests_for("like")) == n
    assert max(ahead) <= concurrency  # never more targets in hand than calls allowed


async def test_like_many_goes_through_the_rate_limiter(emu: Emulator) -> None:
    now = 0.0
    slept: list[float] = []

    def clock() -> float:
        return now

    async def sleep(seconds: float) -> None:
        nonlocal now
        slept.append(seconds)
        now += seconds

    bucket = TokenBucket(rate=2.0, capacity=1, clock=clock, sleep=sleep)
    async with emu.client(rate_limit={"likes": bucket}) as client:
        result = await client.like_many(MINTS[:5], concurrency=5)
    assert result.ok
    assert slept == [pytest.approx(0.5)] * 4  # one at once, then one every half second
    assert now == pytest.approx(2.0)


async def test_like_many_goes_through_the_retry_policy(emu: Emulator) -> None:
    emu.add_fault("like", "status:503", times=2)
    retries = RetryPolicy(max_retries=3, initial_backoff=0, max_backoff=0)
    async with emu.client(max_retries=retries) as client:
        result = await client.like_many(MINTS[:4], concurrency=2)
    assert result.ok
    statuses = [r.status or 0 for r in emu.requests_for("like")]
    assert sorted(statuses) == [201] * 4 + [503] * 2


async def test_cancelling_like_many_leaves_nothing_running() -> None:
    # The emulator on a thread of its own, so this loop's tasks are the client's alone.
    with Emulator(require_captcha=False).run_in_thread() as emu:
        emu.add_fault("like", "latency:1", times=len(MINTS))
        before = set(asyncio.all_tasks())
        async with emu.client() as client:
            job = asyncio.ensure_future(client.like_many(MINTS, concurrency=4))
            for _ in range(1000):  # until four requests have reached the emulator
                if len(emu.requests) >= 4:
                    break
                await asyncio.sleep(0.01)
            job.cancel()
            with pytest.raises(asyncio.CancelledError):
                await job
            assert set(asyncio.all_tasks()) - before == set()
            connector = client._transport._session().connector
            assert connector is not None
            assert len(connector._acquired) == 0  # no connection is still carrying a request
        emu.clear_faults()


async def test_fail_fast_cancels_the_calls_in_flight() -> None:
    started: list[int] = []
    cancelled: list[int] = []

    async def call(target: int) -> None:
        started.append(target)
        if target == 2:
            raise ValueError("boom")
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.append(target)
            raise

    before = set(asyncio.all_tasks())
    with pytest.raises(ValueError, match="boom"):
        await run_bulk(call, range(100), concurrency=4, fail_fast=True, progress=None)
    assert sorted(started) == [0, 1, 2, 3]  # no new call started after the failure
    assert sorted(cancelled) == [0, 1, 3]
    assert set(asyncio.all_tasks()) - before == set()
