"""Pacing by the server's x-ratelimit headers: parsing, the per-group gate, and end to end.

Every wait runs on a fake clock (FakeTime's sleep moves it); the end-to-end tests give the
emulator the same clock, so its windows reset exactly when the client's sleeps end.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

import aiohttp
import pytest
from hypothesis import given
from hypothesis import strategies as st
from multidict import CIMultiDict

from pumpfun_async import (
    AsyncPumpFunClient,
    ClientClosedError,
    NotFoundError,
    RateLimitError,
    ServerRateLimit,
)
from pumpfun_async._pacing import MAX_RESET, Pacer, ServerNumbers, read_numbers
from pumpfun_async.cli import build_parser
from pumpfun_async.cli._serve import _build
from pumpfun_async.endpoints import RouteGroup
from pumpfun_async.testing import DOCS_MINT, Emulator, Fault, set_testing

from .conftest import until
from .test_ratelimit import FakeTime, HeldSleep

READS = RouteGroup.READS
NOW_UNIX = 1_700_000_000.0


def numbers(remaining: object, reset: object, limit: object = None) -> CIMultiDict[str]:
    headers: CIMultiDict[str] = CIMultiDict()
    if limit is not None:
        headers["X-RateLimit-Limit"] = str(limit)
    headers["X-RateLimit-Remaining"] = str(remaining)
    headers["X-RateLimit-Reset"] = str(reset)
    return headers


def read(headers: Mapping[str, str]) -> ServerNumbers | None:
    return read_numbers(headers, lambda: NOW_UNIX)


# ---------------------------------------------------------------------- reading the headers


def test_reads_nestjs_headers() -> None:
    assert read(numbers(3, 42, limit=10)) == ServerNumbers(10, 3, 42.0)


def test_names_in_any_case_and_a_plain_dict() -> None:
    plain = {"x-ratelimit-limit": "5", "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1"}
    assert read(plain) == ServerNumbers(5, 0, 1.0)
    shouting = {k.upper(): v for k, v in plain.items()}
    assert read(shouting) == ServerNumbers(5, 0, 1.0)


def test_limit_is_optional_and_spaces_are_trimmed() -> None:
    assert read(numbers(" 7 ", "2.5")) == ServerNumbers(None, 7, 2.5)


def test_a_reset_above_a_billion_is_a_unix_time() -> None:
    assert read(numbers(1, int(NOW_UNIX) + 30)) == ServerNumbers(None, 1, 30.0)
    assert read(numbers(1, int(NOW_UNIX) - 30)) == ServerNumbers(None, 1, 0.0)  # already reset
    assert read(numbers(1, int(NOW_UNIX + MAX_RESET) + 1)) is None  # more than a day away


def test_absent_headers_are_nothing() -> None:
    assert read({}) is None
    assert read({"x-ratelimit-remaining": "3"}) is None
    assert read({"x-ratelimit-reset": "3"}) is None


@pytest.mark.parametrize(
    "bad",
    ["-1", "+1", "NaN", "nan", "inf", "1e3", "3.0", "0x10", "", " ", "5, 5", "٣", "99999999999",
     "1_000", "3 4", "\x00"],
)  # fmt: skip
def test_an_unreadable_remaining_changes_nothing(bad: str) -> None:
    assert read(numbers(bad, 10, limit=10)) is None


@pytest.mark.parametrize(
    "bad",
    ["-1", "NaN", "Infinity", "1e5", "1.", ".5", str(int(MAX_RESET) + 1), "abc", "", "60s",
     "1" * 13, "2024-01-01T00:00:00Z"],
)  # fmt: skip
def test_an_unreadable_reset_changes_nothing(bad: str) -> None:
    assert read(numbers(1, bad, limit=10)) is None


@pytest.mark.parametrize("bad", ["-5", "abc", "", "2"])  # "2": fewer than the 3 remaining
def test_an_unreadable_limit_changes_nothing(bad: str) -> None:
    headers = numbers(3, 10)
    headers["x-ratelimit-limit"] = bad
    assert read(headers) is None


@pytest.mark.parametrize(
    "name", ["x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"]
)
def test_a_header_sent_twice_changes_nothing(name: str) -> None:
    headers = numbers(3, 10, limit=10)
    headers.add(name, headers[name])
    assert read(headers) is None


def test_a_misbehaving_header_map_changes_nothing() -> None:
    class Hostile(Mapping[str, str]):
        def __getitem__(self, key: str) -> str:
            raise RuntimeError("boom")

        def __iter__(self) -> Iterator[str]:
            raise RuntimeError("boom")

        def __len__(self) -> int:
            return 3

    assert read(Hostile()) is None


@given(
    st.dictionaries(
        st.sampled_from(["x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset", "X"]),
        st.text(max_size=30),
    )
)
def test_any_text_gives_sane_numbers_or_none(headers: dict[str, str]) -> None:
    found = read(headers)
    if found is not None:
        assert 0 <= found.remaining <= 10**9
        assert 0.0 <= found.reset <= MAX_RESET
        assert math.isfinite(found.reset)
        assert found.limit is None or found.remaining <= found.limit


# ---------------------------------------------------------------------- the gate


def pacer(fake: FakeTime | HeldSleep) -> Pacer:
    return Pacer(clock=fake.clock, sleep=fake.sleep, wall_clock=lambda: NOW_UNIX)


async def test_nothing_known_nothing_waits() -> None:
    fake = FakeTime()
    pace = pacer(fake)
    tickets = [pace.take(READS) for _ in range(100)]
    assert all(t is not None for t in tickets)
    for ticket in tickets:
        assert ticket is not None
        ticket.answered({})
    assert pace.take(READS) is not None
    assert fake.sleeps == []
    assert pace.numbers() == {}


async def test_waits_for_the_reset_once_none_remain() -> None:
    fake = FakeTime()
    pace = pacer(fake)
    first = pace.take(READS)
    assert first is not None
    first.answered(numbers(2, 10, limit=3))
    assert pace.numbers() == {"reads": ServerRateLimit(3, 2, 10.0)}
    assert pace.take(READS) is not None
    assert pace.take(READS) is not None
    assert pace.take(READS) is None  # the server said two more, and two went
    await pace.wait(READS, max_wait=120)
    assert fake.sleeps == [10.0]
    # A new window of `limit`, less the two answers still out.
    assert pace.take(READS) is None
    assert pace.numbers() == {}  # the window reset; its end is not known yet


async def test_other_groups_are_not_held() -> None:
    pace = pacer(FakeTime())
    ticket = pace.take(READS)
    assert ticket is not None
    ticket.answered(numbers(0, 10))
    assert pace.take(READS) is None
    assert pace.take(RouteGroup.LIKES) is not None


async def test_requests_sent_after_the_answered_one_are_taken_off() -> None:
    pace = pacer(FakeTime())
    sent = [pace.take(READS) for _ in range(5)]
    assert sent[0] is not None
    sent[0].answered(numbers(4, 10))  # four remain; four more were sent already
    assert pace.take(READS) is None
    assert pace.numbers()["reads"].remaining == 0


async def test_an_older_answer_never_replaces_newer_numbers() -> None:
    pace = pacer(FakeTime())
    first, second = pace.take(READS), pace.take(READS)
    assert first is not None
    assert second is not None
    second.answered(numbers(5, 10))
    first.answered(numbers(0, 30))  # counted before the second: stale
    assert pace.numbers() == {"reads": ServerRateLimit(None, 5, 10.0)}


async def test_absent_or_unreadable_headers_keep_the_numbers() -> None:
    pace = pacer(FakeTime())
    first = pace.take(READS)
    assert first is not None
    first.answered(numbers(4, 10, limit=5))
    answers: list[Mapping[str, str]] = [{}, numbers("NaN", 10), numbers(-1, 10, limit=5)]
    for headers in answers:
        ticket = pace.take(READS)
        assert ticket is not None
        ticket.answered(headers)
    assert pace.numbers() == {"reads": ServerRateLimit(5, 1, 10.0)}  # 4, less three sent


async def test_a_ticket_counts_once() -> None:
    pace = pacer(FakeTime())
    ticket = pace.take(READS)
    assert ticket is not None
    ticket.answered(numbers(0, 5, limit=1))
    ticket.release()
    ticket.answered(numbers(9, 5, limit=9))
    assert pace.numbers() == {"reads": ServerRateLimit(1, 0, 5.0)}
    assert pace._gates[READS].in_flight == 0


async def test_a_new_window_waits_for_the_answers_still_out() -> None:
    fake = FakeTime()
    pace = pacer(fake)
    first, second = pace.take(READS), pace.take(READS)
    assert first is not None
    assert second is not None
    first.answered(numbers(1, 10, limit=2))  # one remains, and `second` used it
    waiter = asyncio.ensure_future(pace.wait(READS, max_wait=120))
    await until(lambda: fake.sleeps == [10.0])
    # New window: two, less `second` (maybe counted in it): one goes, then nothing is known
    # about when the window ends until an answer says so.
    third = await waiter
    assert pace.take(READS) is None
    fourth = asyncio.ensure_future(pace.wait(READS, max_wait=120))
    await until(lambda: pace._gates[READS]._changed is not None)
    assert not fourth.done()
    second.answered(numbers(0, 1, limit=2))  # the old window's answer: not believed
    await until(lambda: pace._gates[READS]._changed is not None)
    assert not fourth.done()
    third.answered(numbers(1, 60, limit=2))  # the new window: one left
    assert (await fourth) is not None
    assert fake.sleeps == [10.0]


async def test_answers_without_numbers_end_the_wait_for_them() -> None:
    fake = FakeTime()
    pace = pacer(fake)
    first, second = pace.take(READS), pace.take(READS)
    assert first is not None
    assert second is not None
    first.answered(numbers(0, 10, limit=1))
    fake.now = 10.0  # the window is over: one request, less `second` still out
    waiter = asyncio.ensure_future(pace.wait(READS, max_wait=120))
    await until(lambda: pace._gates[READS]._changed is not None)
    second.release()  # it failed: no answer will say more, and none is out
    assert (await waiter) is not None
    assert fake.sleeps == []


async def test_first_come_first_served_and_cancelled_waiters_take_nothing() -> None:
    fake = HeldSleep()
    pace = pacer(fake)
    ticket = pace.take(READS)
    assert ticket is not None
    ticket.answered(numbers(0, 4, limit=2))
    order: list[int] = []

    async def waiter(i: int) -> None:
        await pace.wait(READS, max_wait=120)
        order.append(i)

    tasks = [asyncio.ensure_future(waiter(i)) for i in range(4)]
    await until(lambda: fake.sleeps == [4.0])
    tasks[1].cancel()
    tasks[0].cancel()  # the one asleep: the next in line sleeps instead
    await until(lambda: fake.sleeps == [4.0, 4.0])
    fake.release.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    assert order == [2, 3]
    assert tasks[0].cancelled()
    assert tasks[1].cancelled()
    assert not pace._gates[READS].waiters


async def test_a_reset_beyond_max_wait_fails_at_once() -> None:
    fake = FakeTime()
    pace = pacer(fake)
    ticket = pace.take(READS)
    assert ticket is not None
    ticket.answered(numbers(0, 300))
    with pytest.raises(RateLimitError) as info:
        await pace.wait(READS, max_wait=120)
    assert info.value.retry_after == 300.0
    assert info.value.status == 429
    assert "nothing was sent" in str(info.value)
    assert fake.sleeps == []
    assert not pace._gates[READS].waiters
    assert pace._gates[READS].sent == 1


async def test_set_testing_turns_the_wait_off() -> None:
    fake = FakeTime()
    pace = pacer(fake)
    ticket = pace.take(READS)
    assert ticket is not None
    ticket.answered(numbers(0, 30))
    with set_testing():
        await pace.wait(READS, max_wait=120)
    assert fake.sleeps == []


async def test_a_wait_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    pace = pacer(FakeTime())
    ticket = pace.take(READS)
    assert ticket is not None
    ticket.answered(numbers(0, 7, limit=30))
    with caplog.at_level(logging.INFO, logger="pumpfun_async"):
        await pace.wait(READS, max_wait=120)
    assert [r.getMessage() for r in caplog.records] == [
        "reads: the server allows no more requests in this window (x-ratelimit-limit 30); "
        "waiting 7.00 s for it to reset"
    ]


# ---------------------------------------------------------------------- end to end


@pytest.fixture
def fake() -> FakeTime:
    return FakeTime()


@pytest.fixture
def emulator_options(fake: FakeTime) -> dict[str, Any]:
    return {"clock": fake.clock}


def paced(client: AsyncPumpFunClient, fake: FakeTime | HeldSleep) -> AsyncPumpFunClient:
    """The client, pacing on the fake clock (the emulator's own, in these tests)."""
    client._transport._shared.pacer = pacer(fake)
    return client


@pytest.fixture
async def client(emu: Emulator, fake: FakeTime) -> AsyncIterator[AsyncPumpFunClient]:
    async with paced(emu.client(max_retries=0), fake) as client:  # a 429 would raise
        yield client


def statuses(emu: Emulator) -> list[int | None]:
    return [r.status for r in emu.requests]


async def test_the_emulator_sends_nestjs_headers(emu: Emulator, fake: FakeTime) -> None:
    emu.set_rate_limit("reads", 2, window=60)
    url = f"{emu.url}/replies/{DOCS_MINT}"
    auth = {"Authorization": "Bearer user"}
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{emu.url}/likes/{DOCS_MINT}", headers=auth) as answer:
            assert answer.status == 201
            assert "x-ratelimit-remaining" not in answer.headers  # likes: no limit
        async with http.get(url, headers=auth) as answer:
            assert (answer.headers["x-ratelimit-limit"], answer.headers["x-ratelimit-remaining"],
                    answer.headers["x-ratelimit-reset"]) == ("2", "1", "60")  # fmt: skip
        fake.now = 10.5
        async with http.get(url) as answer:  # a 401 passed the throttler too
            assert answer.status == 401
            assert answer.headers["x-ratelimit-remaining"] == "0"
            assert answer.headers["x-ratelimit-reset"] == "50"  # whole seconds, rounded up
        async with http.get(url, headers=auth) as answer:
            assert answer.status == 429
            assert answer.headers["Retry-After"] == "50"
            assert "x-ratelimit-remaining" not in answer.headers
        emu.rate_limit_headers = False
        fake.now = 60.0
        async with http.get(url, headers=auth) as answer:
            assert answer.status == 200
            assert "x-ratelimit-remaining" not in answer.headers


def test_rate_limit_headers_must_be_a_bool() -> None:
    with pytest.raises(ValueError, match="rate_limit_headers"):
        Emulator(rate_limit_headers="no")  # type: ignore[arg-type]


def test_the_command_line_can_switch_them_off() -> None:
    args = build_parser().parse_args(["emulator", "--no-rate-limit-headers"])
    assert _build(args).rate_limit_headers is False
    assert _build(build_parser().parse_args(["emulator"])).rate_limit_headers is True


async def test_paces_to_the_emulator_without_a_429(
    emu: Emulator, client: AsyncPumpFunClient, fake: FakeTime
) -> None:
    emu.set_rate_limit("reads", 3, window=60)
    for _ in range(7):
        await client.get_replies(DOCS_MINT)
    assert statuses(emu) == [200] * 7
    assert fake.sleeps == [60.0, 60.0]
    assert client.server_rate_limits == {"reads": ServerRateLimit(3, 2, 60.0)}


async def test_gathered_requests_stay_within_the_numbers(
    emu: Emulator, client: AsyncPumpFunClient, fake: FakeTime
) -> None:
    emu.set_rate_limit("reads", 3, window=60)
    await client.get_replies(DOCS_MINT)  # learn the numbers first: a first burst cannot
    await asyncio.gather(*(client.get_replies(DOCS_MINT) for _ in range(12)))
    assert statuses(emu) == [200] * 13  # max_retries=0: a 429 would have raised
    assert fake.now >= 4 * 60  # 13 requests, 3 a window: at least four resets


async def test_with_a_token_bucket(emu: Emulator, fake: FakeTime) -> None:
    emu.set_rate_limit("reads", 3, window=60)
    bucket = fake.bucket(rate=1.0, capacity=1)
    async with paced(emu.client(max_retries=0, rate_limit={"reads": bucket}), fake) as client:
        for _ in range(4):
            await client.get_replies(DOCS_MINT)
    assert statuses(emu) == [200] * 4
    assert fake.sleeps == [1.0, 1.0, 1.0, 57.0]  # the bucket's three, then the reset at 60


async def test_error_answers_carry_numbers_too(
    emu: Emulator, client: AsyncPumpFunClient, fake: FakeTime
) -> None:
    told = {"x-ratelimit-limit": "10", "x-ratelimit-remaining": "0", "x-ratelimit-reset": "30"}
    emu.add_fault("get_replies", Fault.http_status(404, headers=told))
    with pytest.raises(NotFoundError):
        await client.get_replies(DOCS_MINT)
    await client.get_replies(DOCS_MINT)
    assert fake.sleeps == [30.0]


@pytest.mark.parametrize(
    "told",
    [
        {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "NaN"},
        {"x-ratelimit-remaining": "-3", "x-ratelimit-reset": "30"},
        {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "99999999"},
        {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "30", "x-ratelimit-limit": "x"},
        {"x-ratelimit-remaining": "zero", "x-ratelimit-reset": "soon"},
    ],
)
async def test_hostile_headers_change_nothing(
    emu: Emulator, client: AsyncPumpFunClient, fake: FakeTime, told: dict[str, str]
) -> None:
    emu.add_fault("get_replies", Fault.http_status(404, headers=told), times=3)
    for _ in range(3):
        with pytest.raises(NotFoundError):
            await client.get_replies(DOCS_MINT)
    await client.get_replies(DOCS_MINT)
    assert fake.sleeps == []
    assert client.server_rate_limits == {}


async def test_without_the_headers_a_429_comes_as_before(
    emu: Emulator, client: AsyncPumpFunClient, fake: FakeTime
) -> None:
    emu.rate_limit_headers = False
    emu.set_rate_limit("reads", 1, window=60)
    await client.get_replies(DOCS_MINT)
    with pytest.raises(RateLimitError):
        await client.get_replies(DOCS_MINT)
    assert fake.sleeps == []
    assert client.server_rate_limits == {}


async def test_views_share_the_numbers(
    emu: Emulator, client: AsyncPumpFunClient, fake: FakeTime
) -> None:
    emu.set_rate_limit("reads", 1, window=60)
    await client.get_replies(DOCS_MINT)
    view = client.with_options(timeout=5)
    assert view.server_rate_limits == client.server_rate_limits != {}
    await view.get_replies(DOCS_MINT)
    assert fake.sleeps == [60.0]


async def test_a_reset_past_max_retry_after_fails_without_sending(emu: Emulator) -> None:
    emu.set_rate_limit("reads", 1, window=600)
    async with emu.client(max_retries=0) as client:
        await client.get_replies(DOCS_MINT)
        with pytest.raises(RateLimitError) as info:
            await client.get_replies(DOCS_MINT)
    assert 500 < (info.value.retry_after or 0) <= 600
    assert statuses(emu) == [200]


async def test_cancelling_a_paced_call_leaves_no_waiter(emu: Emulator) -> None:
    held = HeldSleep()
    emu._clock = held.clock
    emu.set_rate_limit("reads", 1, window=60)
    async with paced(emu.client(max_retries=0), held) as client:
        await client.get_replies(DOCS_MINT)
        call = asyncio.ensure_future(client.get_replies(DOCS_MINT))
        await until(lambda: held.sleeps == [60.0])
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call
        gate = client._transport._shared.pacer._gates[READS]
        assert not gate.waiters
        assert gate.in_flight == 0
        held.release.set()
        await client.get_replies(DOCS_MINT)  # sleeps out the window itself, then goes
    assert statuses(emu) == [200, 200]


async def test_closing_the_client_ends_a_paced_wait(emu: Emulator) -> None:
    held = HeldSleep()
    emu._clock = held.clock
    emu.set_rate_limit("reads", 1, window=60)
    client = paced(emu.client(max_retries=0), held)
    await client.get_replies(DOCS_MINT)
    call = asyncio.ensure_future(client.get_replies(DOCS_MINT))
    await until(lambda: held.sleeps == [60.0])
    await client.aclose()
    with pytest.raises(ClientClosedError):
        await call
    assert not client._transport._shared.pacer._gates[READS].waiters
    assert statuses(emu) == [200]


def test_server_numbers_are_not_settable() -> None:
    snapshot = ServerRateLimit(3, 1, 5.0)
    with pytest.raises(AttributeError):
        snapshot.remaining = 9  # type: ignore[misc]


def test_the_sync_client_shows_the_numbers() -> None:
    from pumpfun_async import PumpFunClient

    with Emulator().run_in_thread() as emu:
        emu.set_rate_limit("reads", 100, window=600)
        with PumpFunClient("sync-user", base_url=emu.url, rate_limit=None) as client:
            client.get_replies(DOCS_MINT)
            client.get_replies(DOCS_MINT)
            shown = client.server_rate_limits
    assert list(shown) == ["reads"]
    assert (shown["reads"].limit, shown["reads"].remaining) == (100, 98)
    assert 0 < shown["reads"].reset <= 600


async def test_a_paced_wait_is_a_rate_limit_wait_for_the_event_hooks(
    emu: Emulator, fake: FakeTime
) -> None:
    from pumpfun_async import RateLimitWaitEvent

    waits: list[RateLimitWaitEvent] = []
    emu.set_rate_limit("reads", 3, window=60)
    hooked = emu.client(max_retries=0, event_hooks={"rate_limit_wait": [waits.append]})
    async with paced(hooked, fake) as client:
        for _ in range(4):
            await client.get_replies(DOCS_MINT)
    assert statuses(emu) == [200] * 4
    assert fake.sleeps == [60.0]
    assert [(w.operation, w.group, w.attempt) for w in waits] == [("get_replies", "reads", 1)]
