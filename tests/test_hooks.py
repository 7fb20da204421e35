"""Event hooks: which events each step of a call sends, what they carry, what a raising hook does.

Every call goes over real loopback HTTP to the emulator (or a raw server for answers it
would not send); the hooks' clock is a fake one where a duration is checked.
"""

from __future__ import annotations

import asyncio
import itertools
import subprocess
import sys
from typing import Any

import attrs
import pytest

from pumpfun_async import (
    AsyncPumpFunClient,
    BadRequestError,
    NotFoundError,
    PumpFunClient,
    RateLimitWaitEvent,
    RequestEvent,
    ResponseEvent,
    RetryEvent,
    ServerError,
    TokenBucket,
    TransportError,
    ValidationError,
    _hooks,
    _transport,
)
from pumpfun_async.testing import DOCS_MINT, Emulator

from .conftest import until
from .rawhttp import fixed, raw_server
from .test_ratelimit import FakeTime, HeldSleep

LIKE = {"operation": "like", "method": "POST", "path": "/likes/{target_id}", "group": "likes"}
TOKEN = "tokSECRETa1b2c3"
CLIENT_KEY = "ckSECRETz9y8x7"


class Ticks:
    """A clock that moves one second each time it is read."""

    def __init__(self) -> None:
        self._count = itertools.count()

    def __call__(self) -> float:
        return float(next(self._count))


@pytest.fixture
def ticks(monkeypatch: pytest.MonkeyPatch) -> Ticks:
    clock = Ticks()
    monkeypatch.setattr(_hooks, "_clock", clock)
    return clock


def recorder() -> tuple[list[Any], dict[str, list[Any]]]:
    """A list that every event lands in, and the hooks that put them there."""
    seen: list[Any] = []
    return seen, {name: [seen.append] for name in _hooks.EVENT_NAMES}


def without_timing(event: Any) -> Any:
    return attrs.evolve(event, elapsed=0.0) if isinstance(event, ResponseEvent) else event


# ------------------------------------------------------------------ what is sent when


async def test_a_call_sends_request_then_response(emu: Emulator, ticks: Ticks) -> None:
    seen, hooks = recorder()
    async with emu.client(event_hooks=hooks) as client:
        await client.like(DOCS_MINT)
    assert seen == [
        RequestEvent(**LIKE, attempt=1),
        ResponseEvent(**LIKE, attempt=1, status=201, elapsed=1.0, error=None),
    ]


async def test_a_retried_call_sends_every_attempt(emu: Emulator) -> None:
    seen, hooks = recorder()
    emu.add_fault("like", "status:503")
    async with emu.client(event_hooks=hooks) as client:
        await client.like(DOCS_MINT)
    error = f"ServerError: HTTP 503: Injected 503 (POST /likes/{DOCS_MINT})"
    assert [without_timing(e) for e in seen] == [
        RequestEvent(**LIKE, attempt=1),
        ResponseEvent(**LIKE, attempt=1, status=503, elapsed=0.0, error=error),
        RetryEvent(**LIKE, attempt=1, status=503, wait=0.0, error=error),
        RequestEvent(**LIKE, attempt=2),
        ResponseEvent(**LIKE, attempt=2, status=201, elapsed=0.0, error=None),
    ]


async def test_a_failure_without_an_answer_has_no_status(emu: Emulator) -> None:
    seen, hooks = recorder()
    emu.add_fault("create_reply", "drop_before")
    async with emu.client(event_hooks=hooks) as client:
        with pytest.raises(TransportError):
            await client.create_reply(DOCS_MINT, "gm")
    request, response = seen
    assert request == RequestEvent(
        operation="create_reply", method="POST", path="/replies", group="replies", attempt=1
    )
    assert isinstance(response, ResponseEvent)
    assert response.status is None
    assert response.error is not None
    assert response.error.startswith("TransportError: POST /replies failed on the network")


async def test_an_error_answer_that_is_not_retried(emu: Emulator) -> None:
    seen, hooks = recorder()
    emu.add_fault("create_reply", "status:503")  # never retried: a reply is not posted twice
    async with emu.client(event_hooks=hooks) as client:
        with pytest.raises(ServerError):
            await client.create_reply(DOCS_MINT, "gm")
    assert [type(e) for e in seen] == [RequestEvent, ResponseEvent]
    assert seen[1].status == 503
    assert (seen[1].operation, seen[1].path, seen[1].group) == (
        "create_reply",
        "/replies",
        "replies",
    )


async def test_paths_are_templates_without_ids(emu: Emulator) -> None:
    seen, hooks = recorder()
    async with emu.client(event_hooks=hooks, admin=True) as client:
        await client.get_replies(DOCS_MINT)
        with pytest.raises(NotFoundError):
            await client.delete_report("some-report-id")
    requests = [e for e in seen if isinstance(e, RequestEvent)]
    assert [(e.operation, e.path) for e in requests] == [
        ("get_replies", "/replies/{mint}"),
        ("delete_report", "/reports/{report_id}"),
    ]
    assert seen[3].status == 404
    assert all(DOCS_MINT not in repr(e) and "some-report-id" not in repr(e) for e in requests)


async def test_async_and_plain_hooks_run_in_order(emu: Emulator) -> None:
    order: list[str] = []

    async def first(event: RequestEvent) -> None:
        await asyncio.sleep(0)
        order.append(f"async {event.attempt}")

    def second(event: RequestEvent) -> None:
        order.append(f"plain {event.attempt}")

    async with emu.client(event_hooks={"request": [first, second]}) as client:
        await client.like(DOCS_MINT)
    assert order == ["async 1", "plain 1"]


async def test_one_callable_stands_for_a_list(emu: Emulator) -> None:
    seen: list[Any] = []
    async with emu.client(event_hooks={"response": seen.append}) as client:
        await client.like(DOCS_MINT)
    assert [type(e) for e in seen] == [ResponseEvent]


# ------------------------------------------------------------------ rate-limit waits


async def test_a_rate_limiter_that_holds_the_call_back_is_reported(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    time = FakeTime()
    monkeypatch.setattr(_hooks, "_clock", time.clock)
    seen, hooks = recorder()
    bucket = time.bucket(rate=0.5, capacity=1)
    async with emu.client(event_hooks=hooks, rate_limit=bucket) as client:
        await client.like(DOCS_MINT)  # the bucket starts full: no wait
        await client.unlike(DOCS_MINT)  # waits 2 (fake) seconds for the next token
    waits = [e for e in seen if isinstance(e, RateLimitWaitEvent)]
    assert waits == [
        RateLimitWaitEvent(
            **{**LIKE, "operation": "unlike", "method": "DELETE"}, attempt=1, wait=2.0
        )
    ]
    assert seen.index(waits[0]) == 2  # after the first call, before the second's request


async def test_a_limiter_that_grants_at_once_is_not_reported(emu: Emulator) -> None:
    seen, hooks = recorder()
    time = FakeTime()
    async with emu.client(event_hooks=hooks, rate_limit=time.bucket(100, 10)) as client:
        for _ in range(3):
            await client.like(DOCS_MINT)
    assert not [e for e in seen if isinstance(e, RateLimitWaitEvent)]
    assert len(seen) == 6


async def test_a_cancelled_rate_limit_wait_stays_cancelled(emu: Emulator) -> None:
    # The wait is watched through a wrapper: a cancellation must reach the limiter inside.
    seen, hooks = recorder()
    held = HeldSleep()
    bucket = TokenBucket(1.0, 1, clock=held.clock, sleep=held.sleep)
    async with emu.client(event_hooks=hooks, rate_limit=bucket) as client:
        await client.like(DOCS_MINT)
        call = asyncio.ensure_future(client.unlike(DOCS_MINT))
        await until(lambda: len(held.sleeps) == 1)
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call
        assert bucket.waiting == 0
        assert emu.requests_for("unlike") == []
        held.release.set()
        await client.unlike(DOCS_MINT)  # the bucket still works, and the wait is told
    assert [type(e) for e in seen] == [
        RequestEvent,
        ResponseEvent,
        RateLimitWaitEvent,
        RequestEvent,
        ResponseEvent,
    ]


# ------------------------------------------------------------------ a hook that raises


class HookFailed(Exception):
    pass


def raise_once(error: BaseException) -> Any:
    raised: list[bool] = []

    def hook(event: Any) -> None:
        if not raised:
            raised.append(True)
            raise error

    return hook


async def test_a_raising_request_hook_stops_the_call_before_sending(emu: Emulator) -> None:
    async with emu.client(event_hooks={"request": raise_once(HookFailed("no"))}) as client:
        with pytest.raises(HookFailed, match="no"):
            await client.like(DOCS_MINT)
        assert emu.requests_for("like") == []
        await client.like(DOCS_MINT)  # the client is fine: the next call goes through
        assert len(emu.requests_for("like")) == 1
        assert not client._transport._shared.busy


@pytest.mark.parametrize(
    "error", [HookFailed("late"), ServerError("fake", status=503, method="POST", path="/replies")]
)
async def test_a_raising_response_hook_never_sends_a_reply_twice(
    emu: Emulator, error: Exception
) -> None:
    # Even an SDK error raised by a hook is the hook's, not the request's: not retried.
    async with emu.client(event_hooks={"response": raise_once(error)}) as client:
        with pytest.raises(type(error)) as raised:
            await client.create_reply(DOCS_MINT, "gm")
        assert raised.value is error
        assert len(emu.requests_for("create_reply")) == 1
        reply = await client.create_reply(DOCS_MINT, "gm again")
    assert reply is not None
    assert len(emu.requests_for("create_reply")) == 2


async def test_a_raising_retry_hook_ends_the_retries(emu: Emulator) -> None:
    emu.add_fault("like", "status:503", times=2)
    async with emu.client(event_hooks={"retry": raise_once(HookFailed("stop"))}) as client:
        with pytest.raises(HookFailed) as raised:
            await client.like(DOCS_MINT)
        assert isinstance(raised.value.__context__, ServerError)  # the failure it was told of
        assert len(emu.requests_for("like")) == 1


async def test_a_raising_hook_does_not_stop_other_calls(emu: Emulator) -> None:
    async with emu.client(event_hooks={"request": raise_once(HookFailed("one"))}) as client:
        results = await asyncio.gather(
            client.like(DOCS_MINT), client.get_replies(DOCS_MINT), return_exceptions=True
        )
        assert sum(isinstance(r, HookFailed) for r in results) == 1
        assert not client._transport._shared.busy


# ------------------------------------------------------------------ no secrets


async def test_events_carry_no_secret() -> None:
    # A hostile server echoes the token in its message and the query in its body.
    body = b'{"message": "bad token Bearer tokSECRETa1b2c3 for ?captchaToken=capSECRET"}'
    answer = b"HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nConnection: close\r\n"
    answer += b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
    seen, hooks = recorder()
    async with (
        raw_server(fixed(answer)) as server,
        AsyncPumpFunClient(
            TOKEN,
            base_url=server.base_url,
            client_key=CLIENT_KEY,
            captcha="capSECRET",
            rate_limit=None,
            event_hooks=hooks,
        ) as client,
    ):
        with pytest.raises(BadRequestError):
            await client.follow("someone")
        with pytest.raises(BadRequestError):
            await client.report_comment(123, "spam")
    shown = " ".join(repr(e) for e in seen)
    assert len(seen) == 4
    for secret in (TOKEN, CLIENT_KEY, "capSECRET", "captchaToken="):
        assert secret not in shown
    assert "Bearer …" in shown


# ------------------------------------------------------------------ no cost without hooks


async def test_no_hooks_builds_nothing(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object) -> None:
        raise AssertionError("a Call was built without hooks")

    monkeypatch.setattr(_transport, "_observe", refuse)
    monkeypatch.setattr(_hooks, "Call", refuse)
    async with emu.client() as client:
        await client.like(DOCS_MINT)
        assert client.event_hooks == {name: [] for name in _hooks.EVENT_NAMES}
    async with emu.client(event_hooks={"request": []}) as client:  # empty lists: none
        await client.like(DOCS_MINT)


def test_the_client_imports_the_hooks_only_when_given_some() -> None:
    code = (
        "import sys\n"
        "from pumpfun_async import AsyncPumpFunClient\n"
        "client = AsyncPumpFunClient(base_url='http://127.0.0.1:9')\n"
        "assert 'pumpfun_async._hooks' not in sys.modules, 'imported without hooks'\n"
        "AsyncPumpFunClient(base_url='http://127.0.0.1:9', event_hooks={'request': [print]})\n"
        "assert 'pumpfun_async._hooks' in sys.modules\n"
    )
    done = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr


# ------------------------------------------------------------------ options


@pytest.mark.parametrize(
    ("hooks", "message"),
    [
        ({"requests": [print]}, "unknown event 'requests'"),
        ({"request": [42]}, "'request' hooks must be functions"),
        ({"response": [print, "oops"]}, "'response' hooks must be functions"),
        ({"retry": "print"}, "'retry': expected a list of hooks, got str"),
        ({"retry": [ValueError]}, "'retry' hooks must be functions"),
        ([("request", [print])], "expected a dict"),
    ],
)
def test_bad_event_hooks_are_refused(hooks: Any, message: str) -> None:
    with pytest.raises(ValidationError, match=message) as raised:
        AsyncPumpFunClient(event_hooks=hooks)
    assert raised.value.field == "event_hooks"
    client = AsyncPumpFunClient(rate_limit=None)
    with pytest.raises(ValidationError, match=message):
        client.with_options(event_hooks=hooks)


async def test_with_options_replaces_or_keeps_the_hooks(emu: Emulator) -> None:
    first: list[Any] = []
    second: list[Any] = []
    async with emu.client(event_hooks={"request": [first.append]}) as client:
        kept = client.with_options(timeout=5)
        replaced = client.with_options(event_hooks={"request": second.append})
        silent = client.with_options(event_hooks=None)
        await kept.like(DOCS_MINT)
        await replaced.like(DOCS_MINT)
        await silent.like(DOCS_MINT)
        assert client.event_hooks["request"] == [first.append]
        assert replaced.event_hooks["request"] == [second.append]
        assert silent.event_hooks["request"] == []
    assert len(first) == len(second) == 1


def test_events_are_frozen_and_readable() -> None:
    event = RetryEvent(**LIKE, attempt=2, status=None, wait=1.5, error="ConnectError: x")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        event.wait = 0  # type: ignore[misc]
    assert repr(event) == (
        "RetryEvent(operation='like', method='POST', path='/likes/{target_id}', "
        "group='likes', attempt=2, status=None, wait=1.5, error='ConnectError: x')"
    )


# ------------------------------------------------------------------ the sync client


def test_the_sync_client_sends_events_too() -> None:
    seen, hooks = recorder()
    with (
        Emulator().run_in_thread() as emu,
        PumpFunClient("sync-user", base_url=emu.url, rate_limit=None, event_hooks=hooks) as client,
    ):
        client.like(DOCS_MINT)
        other: list[Any] = []
        client.with_options(event_hooks={"response": [other.append]}).unlike(DOCS_MINT)
        assert client.event_hooks["request"] == [seen.append]
    assert [type(e) for e in seen] == [RequestEvent, ResponseEvent]
    assert [(e.operation, e.status) for e in other] == [("unlike", 200)]
