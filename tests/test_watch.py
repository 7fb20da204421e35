"""Watching a thread and the report queue: new items once, 304s, pacing, faults, stopping."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, Callable, Mapping
from typing import Any, TypeVar

import pytest

from pumpfun_async import (
    AsyncPumpFunClient,
    AuthenticationError,
    BlockedError,
    ConnectError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    Reply,
    RequestTimeoutError,
    ResponseTooLargeError,
    RetryPolicy,
    ServerError,
    TokenBucket,
    TransportError,
    ValidationError,
)
from pumpfun_async._conditional import NOT_MODIFIED, Conditional
from pumpfun_async._endpoints import ENDPOINTS
from pumpfun_async._watch import Pacing, heals, watch_replies, watch_reports
from pumpfun_async.errors import APIError, ClientClosedError
from pumpfun_async.testing import DOCS_MINT, Emulator, Fault

from .conftest import until

_T = TypeVar("_T")

GUARD = 30.0  # only a guard against a hang: no assertion depends on how long anything takes


class SleepLoopError(RuntimeError):
    """The watch slept more often than any test here needs."""


class Script:
    """A fake clock for a watch: ``sleep`` advances it, records the wait, and runs the
    action scheduled for that sleep (by its number, from 1)."""

    def __init__(self, random_value: float = 0.5, max_sleeps: int = 500) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []
        self.actions: dict[int, Callable[[], object]] = {}
        self.random_value = random_value
        self.max_sleeps = max_sleeps
        self.held: asyncio.Event | None = None  # when set: sleeps wait for it

    def pacing(self) -> Pacing:
        return Pacing(clock=lambda: self.now, sleep=self.sleep, random=lambda: self.random_value)

    def at(self, sleep_number: int, action: Callable[[], object]) -> None:
        self.actions[sleep_number] = action

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        if len(self.sleeps) > self.max_sleeps:
            raise SleepLoopError(f"{len(self.sleeps)} sleeps, the last ones {self.sleeps[-3:]}")
        if self.held is not None:
            await self.held.wait()
        self.now += seconds
        action = self.actions.pop(len(self.sleeps), None)
        if action is not None:
            action()
        await asyncio.sleep(0)


async def take(generator: AsyncGenerator[_T, None], count: int) -> list[_T]:
    items = []
    for _ in range(count):
        items.append(await asyncio.wait_for(generator.__anext__(), GUARD))
    return items


def reply_gets(emu: Emulator) -> list[tuple[dict[str, str], int | None, bool]]:
    """(query, status, sent If-None-Match) of each GET /replies request."""
    return [
        (r.query, r.status, "If-None-Match" in r.headers) for r in emu.requests_for("get_replies")
    ]


# ---------------------------------------------------------------------------- replies


async def test_new_replies_are_yielded_once_oldest_first(emu: Emulator) -> None:
    script = Script()
    async with emu.client() as client:
        await client.create_reply(DOCS_MINT, "already there")
        watch = watch_replies(client, DOCS_MINT, interval=1, pacing=script.pacing())
        script.at(1, lambda: [emu.post_reply(DOCS_MINT, t) for t in ("one", "two")])
        script.at(3, lambda: emu.post_reply(DOCS_MINT, "three"))
        got = await take(watch, 3)
        await watch.aclose()
    assert [r.text for r in got] == ["one", "two", "three"]
    assert all(isinstance(r, Reply) and r.user == "user-someone-else" for r in got)
    assert len({r.id for r in got}) == 3


async def test_include_existing_yields_the_thread_first(emu: Emulator) -> None:
    script = Script()
    async with emu.client() as client:
        for text in ("a", "b"):
            emu.post_reply(DOCS_MINT, text)
        watch = watch_replies(
            client, DOCS_MINT, interval=1, include_existing=True, pacing=script.pacing()
        )
        script.at(2, lambda: emu.post_reply(DOCS_MINT, "c"))
        got = await take(watch, 3)
        await watch.aclose()
    assert [r.text for r in got] == ["a", "b", "c"]


async def test_a_long_thread_is_read_in_full_pages_at_the_start(emu: Emulator) -> None:
    for index in range(1500):
        emu.post_reply(DOCS_MINT, f"old {index}")
    script = Script()
    async with emu.client() as client:
        watch = watch_replies(client, DOCS_MINT, pacing=script.pacing())
        script.at(1, lambda: emu.post_reply(DOCS_MINT, "new"))
        (got,) = await take(watch, 1)
        await watch.aclose()
    assert got.text == "new"
    queries = [q for q, _, _ in reply_gets(emu)]
    assert queries[:2] == [{"limit": "1000", "offset": "0"}, {"limit": "1000", "offset": "1000"}]
    # Polls read from the last reply seen on, not the whole thread.
    assert all(q == {"limit": "100", "offset": "1499"} for q in queries[2:])


async def test_quiet_polls_are_conditional_and_answered_304(emu: Emulator) -> None:
    script = Script()
    async with emu.client() as client:
        emu.post_reply(DOCS_MINT, "there")
        watch = watch_replies(client, DOCS_MINT, pacing=script.pacing())
        script.at(5, lambda: emu.post_reply(DOCS_MINT, "news"))
        (got,) = await take(watch, 1)
        await watch.aclose()
    assert got.text == "news"
    gets = reply_gets(emu)
    poll = {"limit": "100", "offset": "0"}
    assert gets == [
        ({"limit": "1000", "offset": "0"}, 200, False),  # the start
        (poll, 200, False),  # the first poll learns the ETag
        (poll, 304, True),
        (poll, 304, True),
        (poll, 304, True),
        (poll, 200, True),  # the new reply changed the answer
    ]


async def test_no_reply_twice_when_the_thread_repeats_itself(emu: Emulator) -> None:
    script = Script()
    async with emu.client() as client:
        watch = watch_replies(client, DOCS_MINT, interval=1, pacing=script.pacing())
        script.at(1, lambda: emu.post_reply(DOCS_MINT, "one"))
        (first,) = await take(watch, 1)
        # The next polls read the reply just yielded again (the overlap): never yielded twice.
        script.at(len(script.sleeps) + 3, lambda: emu.post_reply(DOCS_MINT, "two"))
        (second,) = await take(watch, 1)
        await watch.aclose()
    assert (first.text, second.text) == ("one", "two")


@pytest.mark.parametrize("deleted", [[0], [0, 1, 2], [4], [1, 4]], ids=str)
async def test_a_thread_shifted_by_deletions_loses_and_repeats_nothing(
    emu: Emulator, deleted: list[int]
) -> None:
    script = Script()
    for index in range(5):
        emu.post_reply(DOCS_MINT, f"old {index}")
    thread = emu.state.replies[DOCS_MINT]

    def delete_and_post() -> None:
        for index in sorted(deleted, reverse=True):
            del thread[index]  # the last one seen (4) among them, in some cases
        for text in ("new 1", "new 2"):
            emu.post_reply(DOCS_MINT, text)

    async with emu.client() as client:
        watch = watch_replies(client, DOCS_MINT, interval=1, pacing=script.pacing())
        script.at(2, delete_and_post)
        script.at(4, lambda: emu.post_reply(DOCS_MINT, "new 3"))
        got = await take(watch, 3)
        # Nothing more comes: a few more polls yield nothing.
        script.at(len(script.sleeps) + 4, lambda: emu.post_reply(DOCS_MINT, "new 4"))
        got += await take(watch, 1)
        await watch.aclose()
    assert [r.text for r in got] == ["new 1", "new 2", "new 3", "new 4"]


async def test_a_thread_shifted_by_more_than_a_page(emu: Emulator) -> None:
    script = Script()
    for index in range(250):
        emu.post_reply(DOCS_MINT, f"old {index}")
    thread = emu.state.replies[DOCS_MINT]

    def delete_and_post() -> None:
        del thread[10:240]
        emu.post_reply(DOCS_MINT, "new")

    async with emu.client() as client:
        watch = watch_replies(client, DOCS_MINT, interval=1, pacing=script.pacing())
        script.at(1, delete_and_post)
        (got,) = await take(watch, 1)
        script.at(len(script.sleeps) + 2, lambda: emu.post_reply(DOCS_MINT, "newer"))
        (later,) = await take(watch, 1)
        await watch.aclose()
    assert (got.text, later.text) == ("new", "newer")


async def test_an_emptied_thread_then_new_replies(emu: Emulator) -> None:
    script = Script()
    for index in range(3):
        emu.post_reply(DOCS_MINT, f"old {index}")

    def empty_then_post() -> None:
        emu.state.replies[DOCS_MINT].clear()

    async with emu.client() as client:
        watch = watch_replies(client, DOCS_MINT, interval=1, pacing=script.pacing())
        script.at(1, empty_then_post)
        script.at(3, lambda: emu.post_reply(DOCS_MINT, "fresh"))
        (got,) = await take(watch, 1)
        await watch.aclose()
    assert got.text == "fresh"


async def test_many_new_replies_in_one_poll_are_read_page_after_page(emu: Emulator) -> None:
    script = Script()
    async with emu.client() as client:
        watch = watch_replies(client, DOCS_MINT, interval=1, pacing=script.pacing())
        script.at(1, lambda: [emu.post_reply(DOCS_MINT, f"n{i}") for i in range(250)])
        got = await take(watch, 250)
        await watch.aclose()
    assert [r.text for r in got] == [f"n{i}" for i in range(250)]
    offsets = [q["offset"] for q, _, _ in reply_gets(emu)][1:]
    assert offsets == ["0", "100", "200"]


# ---------------------------------------------------------------------------- pacing


async def test_the_pause_grows_while_nothing_happens_and_resets_after_news(
    emu: Emulator,
) -> None:
    script = Script()
    async with emu.client() as client:
        watch = watch_replies(
            client, DOCS_MINT, interval=2, max_interval=10, pacing=script.pacing()
        )
        script.at(7, lambda: emu.post_reply(DOCS_MINT, "news"))
        await take(watch, 1)
        script.at(9, lambda: emu.post_reply(DOCS_MINT, "more"))
        await take(watch, 1)
        await watch.aclose()
    # After the start: interval; then half as long again each quiet poll, up to the cap.
    assert script.sleeps[:7] == [2.0, 3.0, 4.5, 6.75, 10.0, 10.0, 10.0]
    # News: back to interval; the quiet poll after it grows again.
    assert script.sleeps[7:9] == [2.0, 3.0]


@pytest.mark.parametrize(("random_value", "factor"), [(0.0, 0.9), (0.999_999, 1.1)])
async def test_every_pause_is_jittered(emu: Emulator, random_value: float, factor: float) -> None:
    script = Script(random_value=random_value, max_sleeps=4)
    async with emu.client() as client:
        watch = watch_replies(client, DOCS_MINT, interval=4, max_interval=6, pacing=script.pacing())
        with pytest.raises(SleepLoopError):
            await take(watch, 1)
    expected = [min(6.0, p * factor) for p in (4.0, 6.0, 6.0, 6.0)]
    assert script.sleeps[:4] == pytest.approx(expected, rel=1e-5)


async def test_a_slow_poll_counts_towards_the_pause(emu: Emulator) -> None:
    script = Script(max_sleeps=2)
    readings = [0]

    def clock() -> float:  # each reading is 0.75 s after the last, besides the sleeps
        readings[0] += 1
        return sum(script.sleeps) + 0.75 * readings[0]

    pacing = Pacing(clock=clock, sleep=script.sleep, random=lambda: 0.5)
    async with emu.client() as client:
        watch = watch_replies(client, DOCS_MINT, interval=4, pacing=pacing)
        with pytest.raises(SleepLoopError):
            await take(watch, 1)
    # The start's poll began at 1.5 and ended at 2.25: 3.25 s of the 4 are left; the next
    # pause (6 s) less 0.75 s again.
    assert script.sleeps[:2] == [3.25, 5.25]


async def test_every_poll_goes_through_the_reads_limiter(emu: Emulator) -> None:
    script = Script(max_sleeps=5)
    acquired: list[str] = []

    class Counting(TokenBucket):
        def __init__(self, name: str) -> None:
            super().__init__(1000.0, 1000)
            self.name = name

        async def acquire(self) -> None:
            acquired.append(self.name)
            await super().acquire()

    limits = {"reads": Counting("reads"), "all": Counting("all")}
    async with emu.client(rate_limit=limits) as client:
        watch = watch_replies(client, DOCS_MINT, pacing=script.pacing())
        with pytest.raises(SleepLoopError):
            await take(watch, 1)
    requests = len(emu.requests_for("get_replies"))
    assert requests == 6
    assert acquired == ["reads", "all"] * requests


# ---------------------------------------------------------------------------- faults

HEALING = [
    ("status:500", ServerError),
    ("status:503", ServerError),
    ("block", BlockedError),
    ("challenge", BlockedError),
    ("drop_before", TransportError),
    ("status:429", RateLimitError),
]


@pytest.mark.parametrize(("fault", "kind"), HEALING, ids=[f for f, _ in HEALING])
async def test_faults_that_heal_are_waited_out_with_backoff_and_logged(
    emu: Emulator, fault: str, kind: type[Exception], caplog: pytest.LogCaptureFixture
) -> None:
    script = Script(random_value=0.999_999)
    policy = RetryPolicy(max_retries=0, initial_backoff=1.0, max_backoff=8.0)
    async with emu.client(max_retries=policy) as client:
        watch = watch_replies(client, DOCS_MINT, interval=0.5, pacing=script.pacing())
        await take_start(watch, script, emu)
        emu.add_fault("get_replies", fault, times=5)
        script.at(len(script.sleeps) + 1, lambda: emu.post_reply(DOCS_MINT, "after"))
        with caplog.at_level(logging.WARNING, logger="pumpfun_async"):
            (got,) = await take(watch, 1)
        await watch.aclose()
    assert got.text == "after"
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    # Five failed polls; aiohttp itself repeats a GET whose reused connection dropped, so a
    # dropped connection may use up two of the faults in one poll.
    failed = 5 if fault != "drop_before" else len(warnings)
    assert 2 <= failed == len(warnings)
    # The backoff grows with each fault (full jitter at its ceiling here): 1, 2, 4, 8, 8.
    waits = script.sleeps[-failed:]
    assert waits == pytest.approx([1.0, 2.0, 4.0, 8.0, 8.0][:failed], rel=1e-5)
    assert all(f"watch_replies({DOCS_MINT})" in w and "polling again" in w for w in warnings)
    assert all(kind.__name__ in w or "HTTP" in w for w in warnings)


async def take_start(watch: AsyncGenerator[Reply, None], script: Script, emu: Emulator) -> None:
    """Run the watch through its start and first pause (nothing yielded yet)."""
    script.at(1, lambda: emu.post_reply(DOCS_MINT, "first"))
    await take(watch, 1)


async def test_a_retry_after_is_honoured_and_never_shorter_than_interval(emu: Emulator) -> None:
    script = Script()
    policy = RetryPolicy(max_retries=0, max_retry_after=10.0)
    async with emu.client(max_retries=policy) as client:
        watch = watch_replies(client, DOCS_MINT, interval=3, pacing=script.pacing())
        await take_start(watch, script, emu)
        for seconds in ("7", "1", "600"):  # 600: beyond max_retry_after, still honoured
            emu.add_fault("get_replies", Fault.http_status(429, headers={"Retry-After": seconds}))
        script.at(len(script.sleeps) + 1, lambda: emu.post_reply(DOCS_MINT, "after"))
        await take(watch, 1)
        await watch.aclose()
    assert script.sleeps[-3:] == [7.0, 3.0, 600.0]


async def test_the_backoff_starts_over_after_a_success(emu: Emulator) -> None:
    script = Script(random_value=0.999_999)
    policy = RetryPolicy(max_retries=0, initial_backoff=1.0, max_backoff=60.0)
    async with emu.client(max_retries=policy) as client:
        watch = watch_replies(client, DOCS_MINT, interval=0.5, pacing=script.pacing())
        await take_start(watch, script, emu)
        emu.add_fault("get_replies", "status:502", times=3)
        script.at(len(script.sleeps) + 5, lambda: emu.add_fault("get_replies", "status:502"))
        script.at(len(script.sleeps) + 6, lambda: emu.post_reply(DOCS_MINT, "after"))
        await take(watch, 1)
        await watch.aclose()
    # A pause after the start (jittered to its top), three growing backoffs, a longer pause
    # after a quiet poll, and the backoff from its start again.
    expected = [0.55, 1.0, 2.0, 4.0, 0.825, 1.0]
    assert script.sleeps[-6:] == pytest.approx(expected, rel=1e-5)


async def test_a_timeout_heals(emu: Emulator) -> None:
    script = Script()
    async with emu.client(max_retries=0, timeout=0.2) as client:
        watch = watch_replies(client, DOCS_MINT, interval=1, pacing=script.pacing())
        await take_start(watch, script, emu)
        emu.add_fault("get_replies", "latency:2")
        script.at(len(script.sleeps) + 1, lambda: emu.post_reply(DOCS_MINT, "after"))
        (got,) = await take(watch, 1)
        await watch.aclose()
    assert got.text == "after"


def test_which_errors_heal() -> None:
    where = {"method": "GET", "path": "/replies/x"}
    assert heals(ServerError("x", status=500, **where))
    assert heals(ServerError("x", status=599, **where))
    assert heals(BlockedError("x", kind="blocked", status=403, **where))
    assert heals(RateLimitError("x", retry_after=3, status=429, **where))
    assert heals(ConnectError("x", **where))
    assert heals(RequestTimeoutError("x", **where))
    assert heals(TransportError("x", **where))
    assert heals(APIError("x", status=408, **where))
    assert not heals(ResponseTooLargeError("x", limit=1, **where))
    assert not heals(AuthenticationError("x", status=401, **where))
    assert not heals(PermissionDeniedError("x", status=403, **where))
    assert not heals(NotFoundError("x", status=404, **where))
    assert not heals(APIError("x", status=400, **where))
    assert not heals(APIError("not the shape", status=200, **where))
    assert not heals(ValidationError("mint", "bad"))
    assert not heals(ClientClosedError("closed"))


@pytest.mark.parametrize(
    ("fault", "error"),
    [("status:401", AuthenticationError), ("status:403", PermissionDeniedError)],
)
async def test_faults_that_cannot_heal_end_the_watch(
    emu: Emulator, fault: str, error: type[Exception]
) -> None:
    script = Script()
    async with emu.client() as client:
        watch = watch_replies(client, DOCS_MINT, pacing=script.pacing())
        await take_start(watch, script, emu)
        emu.add_fault("get_replies", fault)
        with pytest.raises(error):
            await take(watch, 1)
        with pytest.raises(StopAsyncIteration):  # ended for good
            await watch.__anext__()


async def test_an_unknown_coin_ends_the_watch_with_404(emu: Emulator) -> None:
    async with emu.client() as client:
        watch = client.watch_replies("11111111111111111111111111111111")
        with pytest.raises(NotFoundError):
            await take(watch, 1)
    assert len(emu.requests_for("get_replies")) == 1


async def test_a_wallet_client_signs_in_once_more_then_ends_on_401(emu: Emulator) -> None:
    from pumpfun_async import Wallet

    script = Script()
    async with emu.client(None, wallet=Wallet.generate()) as client:
        watch = watch_replies(client, DOCS_MINT, pacing=script.pacing())
        await take_start(watch, script, emu)
        emu.add_fault("get_replies", "status:401", times=1)
        script.at(len(script.sleeps) + 1, lambda: emu.post_reply(DOCS_MINT, "after"))
        (got,) = await take(watch, 1)  # one 401 is healed by signing in again
        assert got.text == "after"
        emu.add_fault("get_replies", "status:401", times=2)
        with pytest.raises(AuthenticationError):
            await take(watch, 1)
    assert len(emu.requests_for("login")) == 3


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"mint": "not a mint"}, "mint"),
        ({"interval": 0}, "interval"),
        ({"interval": float("nan")}, "interval"),
        ({"interval": True}, "interval"),
        ({"max_interval": -1}, "max_interval"),
        ({"interval": 10, "max_interval": 5}, "max_interval"),
        ({"include_existing": "yes"}, "include_existing"),
    ],
)
async def test_bad_input_ends_the_watch_before_anything_is_sent(
    emu: Emulator, kwargs: dict[str, Any], field: str
) -> None:
    arguments: dict[str, Any] = {"mint": DOCS_MINT, **kwargs}
    async with emu.client() as client:
        with pytest.raises(ValidationError) as caught:
            await take(client.watch_replies(**arguments), 1)
    assert caught.value.field == field
    assert emu.requests == []


# ---------------------------------------------------------------------------- stopping


def other_tasks() -> set[asyncio.Task[Any]]:
    """The tasks running besides this one, but the server's (its connection handlers)."""
    return {
        t
        for t in asyncio.all_tasks()
        if t is not asyncio.current_task()
        and not t.done()
        and not t.get_coro().__qualname__.startswith("RequestHandler")  # type: ignore[union-attr]
    }


def assert_nothing_left(client: AsyncPumpFunClient, before: set[asyncio.Task[Any]]) -> None:
    assert other_tasks() <= before
    assert not client._transport._shared.busy
    session = client._transport._shared.session
    if session is not None:
        connector = session.connector
        assert connector is not None
        assert not connector._acquired


async def test_break_and_aclose_leave_nothing_behind(emu: Emulator) -> None:
    before = other_tasks()
    async with emu.client() as client:
        emu.post_reply(DOCS_MINT, "one")
        async for reply in client.watch_replies(DOCS_MINT, include_existing=True):
            assert reply.text == "one"
            break
        assert_nothing_left(client, before)
        watch = client.watch_replies(DOCS_MINT, include_existing=True)
        await take(watch, 1)
        await watch.aclose()
        assert_nothing_left(client, before)


@pytest.mark.parametrize("where", ["pause", "limiter"])
async def test_cancelling_leaves_no_task_or_waiter(emu: Emulator, where: str) -> None:
    script = Script()
    held_bucket = Script()
    held_bucket.held = asyncio.Event()
    bucket = TokenBucket(1.0, 1, clock=lambda: held_bucket.now, sleep=held_bucket.sleep)
    before = other_tasks()
    async with emu.client(rate_limit={"reads": bucket}) as client:
        if where == "pause":
            script.held = asyncio.Event()
        else:
            await bucket.acquire()  # the bucket is empty: the watch waits for its turn
        task = asyncio.ensure_future(take(client_watch(client, script), 1))
        if where == "pause":
            await until(lambda: len(script.sleeps) == 1, turns=100_000)
        else:
            await until(lambda: len(held_bucket.sleeps) == 1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert_nothing_left(client, before)
        assert not bucket._waiters
    assert other_tasks() <= before


async def test_cancelling_during_a_request_leaves_no_task_or_connection(recorder: Any) -> None:
    recorder.reply = {"replies": [], "hasMore": False, "offset": 0}
    script = Script()
    before = other_tasks()
    async with AsyncPumpFunClient("t", base_url=recorder.url, rate_limit=None) as client:
        task = asyncio.ensure_future(take(client_watch(client, script), 1))
        await recorder.wait_for_hits(1)  # the start
        recorder.held.add("/replies")
        await recorder.wait_for_hits(2)  # the first poll: never answered
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert_nothing_left(client, before)
    assert other_tasks() <= before


def client_watch(client: AsyncPumpFunClient, script: Script) -> AsyncGenerator[Reply, None]:
    return watch_replies(client, DOCS_MINT, pacing=script.pacing())


async def test_closing_the_client_ends_a_watch(emu: Emulator) -> None:
    script = Script()
    script.held = asyncio.Event()
    async with emu.client() as client:
        watch = watch_replies(client, DOCS_MINT, pacing=script.pacing())
        task = asyncio.ensure_future(take(watch, 1))
        await until(lambda: len(script.sleeps) == 1)
        await client.aclose()
        script.held.set()
        with pytest.raises(ClientClosedError):
            await task


# ---------------------------------------------------------------------------- reports


async def test_new_reports_are_yielded_once_oldest_first(emu: Emulator) -> None:
    script = Script()
    emu.post_report(DOCS_MINT, "scam", "before the watch")
    async with emu.client(admin=True) as admin:
        watch = watch_reports(admin, interval=1, pacing=script.pacing())

        def two() -> None:
            emu.post_report(DOCS_MINT, "spam", "first")
            emu.post_report(DOCS_MINT, "nsfw", "second")

        script.at(1, two)
        script.at(4, lambda: emu.post_report(DOCS_MINT, "other", "third"))
        got = await take(watch, 3)
        await watch.aclose()
    assert [r.reason for r in got] == ["first", "second", "third"]
    gets = emu.requests_for("get_reports")
    assert gets[0].query["createdAtFrom"] == ""
    assert all(g.query["createdAtFrom"] for g in gets[1:])  # only what can be new
    assert [g.status for g in gets].count(304) >= 1


async def test_watch_reports_include_existing_and_type(emu: Emulator) -> None:
    script = Script()
    emu.post_report(DOCS_MINT, "scam", "old scam")
    emu.post_report(DOCS_MINT, "spam", "old spam")
    async with emu.client(admin=True) as admin:
        watch = watch_reports(
            admin, type="scam", include_existing=True, interval=1, pacing=script.pacing()
        )
        script.at(1, lambda: emu.post_report(DOCS_MINT, "spam", "new spam"))
        script.at(2, lambda: emu.post_report(DOCS_MINT, "scam", "new scam"))
        got = await take(watch, 2)
        await watch.aclose()
    assert [r.reason for r in got] == ["old scam", "new scam"]
    assert {g.query["type"] for g in emu.requests_for("get_reports")} == {"scam"}


async def test_reports_leaving_the_queue_lose_and_repeat_nothing(emu: Emulator) -> None:
    script = Script()
    old = [emu.post_report(DOCS_MINT, "scam", f"old {i}") for i in range(3)]
    async with emu.client(admin=True) as admin:
        watch = watch_reports(admin, interval=1, pacing=script.pacing())

        def shift() -> None:
            emu.state.reports[old[0]["id"]]["done"] = True
            del emu.state.reports[old[1]["id"]]
            emu.post_report(DOCS_MINT, "spam", "new 1")

        script.at(1, lambda: emu.post_report(DOCS_MINT, "spam", "new 0"))
        script.at(2, shift)
        script.at(4, lambda: emu.post_report(DOCS_MINT, "spam", "new 2"))
        got = await take(watch, 3)
        await watch.aclose()
    assert [r.reason for r in got] == ["new 0", "new 1", "new 2"]


async def test_watch_reports_as_a_non_admin_ends_with_403(emu: Emulator) -> None:
    async with emu.client() as client:
        with pytest.raises(PermissionDeniedError):
            await take(client.watch_reports(), 1)


async def test_watch_reports_rejects_a_bad_type(emu: Emulator) -> None:
    async with emu.client(admin=True) as admin:
        with pytest.raises(ValidationError) as caught:
            await take(admin.watch_reports(type=7), 1)  # type: ignore[arg-type]
    assert caught.value.field == "type"
    assert emu.requests == []


async def test_the_report_poll_is_sent_as_get_reports_sends_it(emu: Emulator) -> None:
    script = Script(max_sleeps=1)
    async with emu.client(admin=True) as admin:
        await admin.get_reports(limit=1000, type="spam")
        with pytest.raises(SleepLoopError):
            await take(watch_reports(admin, type="spam", pacing=script.pacing()), 1)
    direct, start, _ = emu.requests_for("get_reports")
    assert start.path == direct.path
    assert list(start.query) == list(direct.query)
    assert start.query == direct.query


# ---------------------------------------------------------------------------- transport


async def test_a_conditional_request_keeps_the_etag_and_turns_304_into_not_modified(
    emu: Emulator,
) -> None:
    endpoint = ENDPOINTS["get_replies"]
    path = endpoint.format_path(mint=DOCS_MINT)
    async with emu.client() as client:
        validator = Conditional()
        first = await client._transport.request(endpoint, path, conditional=validator)
        assert isinstance(first, dict)
        assert validator.etag is not None
        assert validator.etag.startswith('W/"')
        assert await client._transport.request(endpoint, path, conditional=validator) is (
            NOT_MODIFIED
        )
        emu.post_reply(DOCS_MINT, "changed")
        changed = await client._transport.request(endpoint, path, conditional=validator)
        assert changed["replies"][0]["text"] == "changed"
        # Calls without one send no If-None-Match and see a plain answer.
        page = await client.get_replies(DOCS_MINT)
        assert page.replies[0].text == "changed"
    sent = [r.headers.get("If-None-Match") for r in emu.requests]
    assert sent[1] is not None
    assert sent == [None, sent[1], sent[1], None]
    assert [r.status for r in emu.requests] == [200, 304, 200, 200]


async def test_a_304_without_a_conditional_request_is_still_an_error(recorder: Any) -> None:
    recorder.status = 304
    async with AsyncPumpFunClient("t", base_url=recorder.url, rate_limit=None) as client:
        with pytest.raises(APIError) as caught:
            await client.get_replies(DOCS_MINT)
    assert caught.value.status == 304


# ---------------------------------------------------------------------------- emulator


async def raw_get(emu: Emulator, path: str, **headers: str) -> tuple[int, Mapping[str, str], bytes]:
    import aiohttp
    from multidict import CIMultiDict

    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{emu.url}{path}", headers={"Authorization": "Bearer t", **headers}) as got,
    ):
        return got.status, CIMultiDict(got.headers), await got.read()


async def test_the_emulator_answers_reads_with_an_etag_and_304(emu: Emulator) -> None:
    path = f"/replies/{DOCS_MINT}?limit=5&offset=0"
    status, headers, body = await raw_get(emu, path)
    etag = headers["ETag"]
    assert status == 200
    assert etag.startswith('W/"')
    assert body
    assert (await raw_get(emu, path, **{"If-None-Match": etag}))[:1] == (304,)
    assert (await raw_get(emu, path, **{"If-None-Match": etag.removeprefix("W/")}))[0] == 304
    assert (await raw_get(emu, path, **{"If-None-Match": f'"x", {etag}'}))[0] == 304
    assert (await raw_get(emu, path, **{"If-None-Match": "*"}))[0] == 304
    status, headers, body = await raw_get(emu, path, **{"If-None-Match": '"other"'})
    assert status == 200
    assert headers["ETag"] == etag
    emu.post_reply(DOCS_MINT, "changes the answer")
    status, headers, _ = await raw_get(emu, path, **{"If-None-Match": etag})
    assert status == 200
    assert headers["ETag"] != etag
    status, headers, _ = await raw_get(emu, "/reports?limit=5", Authorization="Bearer admin-token")
    assert status == 200
    assert "ETag" in headers


async def test_writes_carry_no_etag(emu: Emulator) -> None:
    async with emu.client() as client:
        await client.like(DOCS_MINT)
    assert emu.requests[0].status == 201
    # The client sent no If-None-Match on a write, and the answer had no ETag to keep.
    assert "If-None-Match" not in emu.requests[0].headers


async def test_another_user_posts_through_the_control_api(emu: Emulator) -> None:
    import aiohttp

    async with aiohttp.ClientSession() as session:
        async with session.post(
            f"{emu.url}/_emulator/replies", json={"mint": DOCS_MINT, "text": "over http"}
        ) as answer:
            reply = await answer.json()
        async with session.post(
            f"{emu.url}/_emulator/reports",
            json={"targetId": DOCS_MINT, "type": "scam", "reason": "why", "user": "bob"},
        ) as answer:
            report = await answer.json()
        async with session.post(
            f"{emu.url}/_emulator/replies", json={"mint": DOCS_MINT, "text": ""}
        ) as answer:
            refused = (answer.status, await answer.json())
        async with session.post(f"{emu.url}/_emulator/reports", data=b"[1]") as answer:
            not_an_object = answer.status
    assert (reply["text"], reply["user"]) == ("over http", "user-someone-else")
    assert (report["type"], report["reporter"], report["done"]) == ("scam", "bob", False)
    assert refused[0] == 400
    assert "text must be a non-empty string" in refused[1]["message"]
    assert not_an_object == 400
    assert emu.requests == []  # the control API is not logged as API traffic
    async with emu.client() as client:
        page = await client.get_replies(DOCS_MINT)
    assert [r.text for r in page.replies] == ["over http"]


def test_post_reply_and_post_report_check_their_arguments() -> None:
    emu = Emulator()
    with pytest.raises(ValueError, match="not found"):
        emu.post_reply("11111111111111111111111111111111", "hello")
    with pytest.raises(ValueError, match="text must be"):
        emu.post_reply(DOCS_MINT, "  ")
    with pytest.raises(ValueError, match="type must be"):
        emu.post_report(DOCS_MINT, "nonsense")
    with pytest.raises(ValueError, match="user must be"):
        emu.post_report(DOCS_MINT, user="")
    assert emu.post_report(DOCS_MINT)["type"] == "other"
