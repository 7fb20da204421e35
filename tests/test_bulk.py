"""like_many and friends: order, failures, laziness, concurrency, cancellation, progress."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from pumpfun_async import (
    AsyncPumpFunClient,
    BulkItem,
    BulkResult,
    NotFoundError,
    PumpFunClient,
    ValidationError,
)
from pumpfun_async._bulk import run_bulk
from pumpfun_async._transport import Transport
from pumpfun_async.testing import DOCS_MINT, Emulator, default_coins

from .conftest import until

MINTS = [c["mint"] for c in default_coins()]
UNKNOWN = "7GCihgDB8fe6KNjn2MYtkzZcRjQy3t9GHdC8uHYmW2hr"


@pytest.fixture
def emulator_options() -> dict[str, Any]:
    return {"require_captcha": False}


async def test_like_many_keeps_input_order_and_failures(emu: Emulator) -> None:
    targets = [*MINTS[:5], UNKNOWN, *MINTS[5:8]]
    async with emu.client() as client:
        result = await client.like_many(targets, concurrency=3)
    assert isinstance(result, BulkResult)
    assert [item.target for item in result] == targets
    assert [item.target for item in result.failed] == [UNKNOWN]
    assert isinstance(result.failed[0].error, NotFoundError)
    assert len(result.succeeded) == 8
    assert "8 succeeded, 1 failed" in repr(result)
    assert len(emu.requests_for("like")) == 9


async def test_the_other_bulk_operations(emu: Emulator) -> None:
    async with emu.client() as client:
        assert not (await client.unlike_many(MINTS[:3])).failed
        assert not (await client.follow_many(["a", "b", "c"])).failed
        assert not (await client.unfollow_many(["a", "b"])).failed
        added = await client.add_bookmark_items_many(MINTS[:4], ["favorites"])
        assert len(added.succeeded) == 4
        removed = await client.remove_bookmark_items_many(MINTS[:2], ["favorites"])
        assert len(removed) == 2
        left = [c.mint for c in await client.get_bookmark_items("favorites", include_nsfw=True)]
    assert left == MINTS[2:4]


async def test_fail_fast_raises_the_first_failure(emu: Emulator) -> None:
    async with emu.client() as client:
        with pytest.raises(NotFoundError):
            await client.like_many([UNKNOWN, *MINTS], concurrency=1, fail_fast=True)
    assert len(emu.requests_for("like")) == 1


async def test_bad_arguments(emu: Emulator) -> None:
    async with emu.client() as client:
        for kwargs in ({"concurrency": 0}, {"fail_fast": "yes"}, {"progress": 5}):
            with pytest.raises(ValidationError):
                await client.like_many(MINTS, **kwargs)
        with pytest.raises(ValidationError):
            await client.add_bookmark_items_many(MINTS, [])
    assert emu.requests == []


async def test_progress_callback(emu: Emulator) -> None:
    seen: list[tuple[int, int | None]] = []
    async with emu.client() as client:
        await client.like_many(MINTS[:4], progress=lambda done, total: seen.append((done, total)))
        await client.like_many(iter(MINTS[:2]), progress=lambda d, t: seen.append((d, t)))
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4), (1, None), (2, None)]


async def test_lazy_targets_keep_tasks_bounded() -> None:
    in_flight = peak = drawn = completed = peak_ahead = 0

    def targets() -> Iterator[int]:
        nonlocal drawn, peak_ahead
        for i in range(100_000):
            drawn += 1
            peak_ahead = max(peak_ahead, drawn - completed)
            yield i

    async def call(target: int) -> int:
        nonlocal in_flight, peak, completed
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0)
        in_flight -= 1
        completed += 1
        return target * 2

    tasks_before = len(asyncio.all_tasks())
    watcher_peak = 0

    async def watch() -> None:
        nonlocal watcher_peak
        while True:
            watcher_peak = max(watcher_peak, len(asyncio.all_tasks()) - tasks_before)
            await asyncio.sleep(0)

    watcher = asyncio.ensure_future(watch())
    result = await run_bulk(call, targets(), concurrency=8, fail_fast=False, progress=None)
    watcher.cancel()
    assert len(result) == 100_000
    assert result[99_999].value == 199_998
    assert peak <= 8
    assert peak_ahead <= 8  # never more targets drawn than calls finished plus concurrency
    assert watcher_peak <= 8 + 1  # the workers and the watcher itself


async def test_like_many_holds_no_more_than_concurrency_targets_coroutines_or_tasks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 100,000 likes through the public like_many, the transport replaced by a coroutine
    # that counts itself: created minus finished is how many exist at once.
    concurrency, n = 8, 100_000
    drawn = completed = created = finished = 0
    peak_ahead = peak_coroutines = peak_tasks = 0
    tasks_before = len(asyncio.all_tasks())

    def targets() -> Iterator[str]:
        nonlocal drawn, peak_ahead
        for i in range(n):
            drawn += 1
            peak_ahead = max(peak_ahead, drawn - completed)
            yield MINTS[i % len(MINTS)] if i % 2 else str(i)

    def request(self: Transport, endpoint: object, path: str, **kwargs: object) -> object:
        nonlocal created, peak_coroutines

        async def answer() -> None:
            nonlocal finished, peak_tasks
            try:
                peak_tasks = max(peak_tasks, len(asyncio.all_tasks()) - tasks_before)
                await asyncio.sleep(0)
            finally:
                finished += 1

        created += 1
        peak_coroutines = max(peak_coroutines, created - finished)
        return answer()

    def progress(done: int, total: int | None) -> None:
        nonlocal completed
        completed = done

    monkeypatch.setattr(Transport, "request", request)
    async with AsyncPumpFunClient("t", base_url="http://api.test", rate_limit=None) as client:
        result = await client.like_many(targets(), concurrency=concurrency, progress=progress)
    assert len(result) == n
    assert result.ok
    assert created == finished == n
    assert peak_ahead <= concurrency
    assert peak_coroutines <= concurrency
    assert 1 <= peak_tasks <= concurrency


async def test_no_more_workers_than_targets() -> None:
    before = set(asyncio.all_tasks())
    seen: list[int] = []

    async def call(target: int) -> None:
        seen.append(len(asyncio.all_tasks() - before))
        await asyncio.sleep(0)

    result = await run_bulk(call, iter(range(3)), concurrency=16, fail_fast=False, progress=None)
    assert len(result) == 3
    assert max(seen) == 3  # one task per target, not sixteen
    empty: BulkResult[int] = await run_bulk(
        call, [], concurrency=16, fail_fast=False, progress=None
    )
    assert len(empty) == 0


def _not_found(target: int) -> NotFoundError:
    return NotFoundError("no such coin", status=404, body=None, method="POST", path=f"/{target}")


class _Gated:
    """Calls that wait for ``go``, target 3 never answering; ``failing`` raises once let go."""

    def __init__(self, failing: int | None = None) -> None:
        self.go = asyncio.Event()
        self.started: list[int] = []
        self.cancelled: list[int] = []
        self.failing = failing

    async def call(self, target: int) -> None:
        self.started.append(target)
        try:
            if target == 3:
                await asyncio.Event().wait()
            await self.go.wait()
        except asyncio.CancelledError:
            self.cancelled.append(target)
            raise
        if target == self.failing:
            raise _not_found(target)


async def test_fail_fast_starts_nothing_new_and_cancels_the_calls_in_flight() -> None:
    # Four calls in flight: 0 fails, 1 and 2 succeed at the same moment, 3 never answers.
    gated = _Gated(failing=0)
    go, started, cancelled, call = gated.go, gated.started, gated.cancelled, gated.call

    before = set(asyncio.all_tasks())
    job = asyncio.ensure_future(
        run_bulk(call, range(100), concurrency=4, fail_fast=True, progress=None)
    )
    for _ in range(10):
        await asyncio.sleep(0)
    assert started == [0, 1, 2, 3]
    go.set()
    with pytest.raises(NotFoundError):
        await job
    assert started == [0, 1, 2, 3]  # 1 and 2 finished, but drew no new target
    assert cancelled == [3]
    assert set(asyncio.all_tasks()) - before == set()


async def test_fail_fast_through_like_many_sends_no_new_request() -> None:
    # The emulator on a thread of its own, so this loop's tasks are the client's alone.
    with Emulator(require_captcha=False).run_in_thread() as emu:
        emu.add_fault("like", "latency:0.2", times=3)
        targets = [*MINTS[:3], UNKNOWN, *MINTS[3:]]
        before = set(asyncio.all_tasks())
        async with emu.client() as client:
            with pytest.raises(NotFoundError):
                await client.like_many(targets, concurrency=4, fail_fast=True)
            assert set(asyncio.all_tasks()) - before == set()
        assert len(emu.requests_for("like")) == 4


async def test_a_progress_callback_that_raises_stops_the_batch_cleanly() -> None:
    # Its error propagates; nothing new starts, the calls in flight are cancelled.
    gated = _Gated()
    go, started, cancelled, call = gated.go, gated.started, gated.cancelled, gated.call

    def progress(done: int, total: int | None) -> None:
        if done == 1:
            raise RuntimeError("progress broke")

    before = set(asyncio.all_tasks())
    job = asyncio.ensure_future(
        run_bulk(call, range(100), concurrency=4, fail_fast=False, progress=progress)
    )
    for _ in range(10):
        await asyncio.sleep(0)
    go.set()
    with pytest.raises(RuntimeError, match="progress broke"):
        await job
    assert started == [0, 1, 2, 3]  # 1 and 2 finished after the error, and drew nothing
    assert cancelled == [3]
    assert set(asyncio.all_tasks()) - before == set()


async def test_a_progress_callback_that_raises_through_like_many() -> None:
    def progress(done: int, total: int | None) -> None:
        if done == 2:
            raise RuntimeError("stop here")

    with Emulator(require_captcha=False).run_in_thread() as emu:
        before = set(asyncio.all_tasks())
        async with emu.client() as client:
            with pytest.raises(RuntimeError, match="stop here"):
                await client.like_many(MINTS, concurrency=1, progress=progress)
            assert set(asyncio.all_tasks()) - before == set()
        assert len(emu.requests_for("like")) == 2


async def test_an_iterable_that_raises_stops_the_batch_cleanly() -> None:
    def targets() -> Iterator[int]:
        yield from range(5)
        raise LookupError("no more")

    async def call(target: int) -> None:
        await asyncio.sleep(0)

    before = set(asyncio.all_tasks())
    for concurrency in (1, 3, 8):
        with pytest.raises(LookupError, match="no more"):
            await run_bulk(call, targets(), concurrency=concurrency, fail_fast=False, progress=None)
    assert set(asyncio.all_tasks()) - before == set()


async def test_cancelling_stops_everything() -> None:
    started = 0

    async def slow(target: int) -> None:
        nonlocal started
        started += 1
        await asyncio.sleep(60)

    before = set(asyncio.all_tasks())
    job = asyncio.ensure_future(
        run_bulk(slow, range(1000), concurrency=4, fail_fast=False, progress=None)
    )
    await until(lambda: started == 4)
    job.cancel()
    with pytest.raises(asyncio.CancelledError):
        await job
    await asyncio.sleep(0)
    assert started == 4
    assert set(asyncio.all_tasks()) - before == set()


def test_the_sync_client_has_them_too() -> None:
    with (
        Emulator(require_captcha=False).run_in_thread() as emulator,
        PumpFunClient("sync", base_url=emulator.url, rate_limit=None) as client,
    ):
        result = client.like_many([DOCS_MINT, UNKNOWN])
        assert [item.ok for item in result] == [True, False]


async def test_progress_bar_with_tqdm(emu: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("tqdm")
    async with emu.client() as client:
        await client.like_many(MINTS[:3], progress=True)
        await client.like_many(iter(MINTS[:2]), progress=True)
    err = capsys.readouterr().err
    assert "3/3" in err
    assert "2call" in err.replace(" ", "")  # no total known: a counter


async def test_progress_bar_without_tqdm(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    async with emu.client() as client:
        with pytest.raises(ValidationError, match=r"pumpfun-async\[tqdm\]"):
            await client.like_many(MINTS[:3], progress=True)
    assert emu.requests == []


def test_bulk_result_reads_like_a_sequence() -> None:
    error = NotFoundError("no such coin", status=404, body=None, method="POST", path="/likes/x")
    items = [BulkItem("a", True, 1), BulkItem("b", False, error=error), BulkItem("c", True)]
    result = BulkResult.from_items(items)
    assert list(result) == items
    assert result[-1] == items[2]
    assert list(result[1:]) == items[1:]
    assert result.succeeded == [items[0], items[2]]
    assert result.failed == [items[1]]
    assert not result.ok
    assert BulkResult.from_items(items[:1]).ok
    assert result == BulkResult.from_items(items)
    assert result != BulkResult.from_items(items[:2])
    assert result != items
    with pytest.raises(IndexError):
        result[3]
    with pytest.raises(ValidationError):
        BulkResult.from_items([BulkItem("x", False)])
