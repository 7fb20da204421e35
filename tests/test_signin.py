"""Wallet sign-in through the client, against the emulator's real /auth/login and JWTs."""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import Iterator
from typing import Any

import jwt
import orjson
import pytest

from pumpfun_async import (
    AsyncPumpFunClient,
    AuthenticationError,
    BlockedError,
    PermissionDeniedError,
    PumpFunClient,
    RateLimitError,
    RetryPolicy,
    ValidationError,
    Wallet,
)
from pumpfun_async._auth import RENEW_MARGIN, Credentials, renewal_time, token_expiry
from pumpfun_async._wallet import SignIn
from pumpfun_async.testing import DOCS_MINT, Emulator, Fault

LIFETIME = 3600.0


class Clock:
    """A wall clock the test moves by hand, shared by the emulator and the client."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def wallet() -> Wallet:
    return Wallet.generate()


@pytest.fixture
def emulator_options(clock: Clock) -> dict[str, Any]:
    return {"require_captcha": False, "wall_clock": clock, "token_lifetime": LIFETIME}


def signed_in_client(
    emu: Emulator, wallet: Wallet, clock: Clock, **kwargs: Any
) -> AsyncPumpFunClient:
    client = emu.client(None, wallet=wallet, **kwargs)
    client._transport.credentials._clock = clock  # the same hand-moved clock as the emulator
    return client


def endpoints(emu: Emulator) -> list[str | None]:
    return [r.endpoint for r in emu.requests]


async def test_signs_in_on_first_use(emu: Emulator, wallet: Wallet, clock: Clock) -> None:
    async with signed_in_client(emu, wallet, clock) as client:
        assert "token=None" in repr(client)
        await client.like(DOCS_MINT)
        await client.like(DOCS_MINT)
        assert "token=<set>" in repr(client)
        assert f"wallet={wallet.address!r}" in repr(client)
        assert client.wallet is wallet
    assert endpoints(emu) == ["login", "like", "like"]
    login, like = emu.requests[0], emu.requests[1]
    body = orjson.loads(login.body)
    assert list(body) == ["address", "signature", "timestamp"]
    assert body["address"] == wallet.address
    assert body["timestamp"] == int(clock.now * 1000)
    assert "Authorization" not in login.headers
    assert login.headers["Content-Type"] == "application/json"
    token = emu.issued_tokens[-1].token
    assert like.headers["Authorization"] == f"Bearer {token}"
    assert "Cookie" not in like.headers  # the token travels as the docs show, not as a cookie
    assert DOCS_MINT in emu.state.likes[wallet.address]


async def test_login_on_demand_returns_the_token(
    emu: Emulator, wallet: Wallet, clock: Clock
) -> None:
    async with signed_in_client(emu, wallet, clock) as client:
        token = await client.login()
        assert token == emu.issued_tokens[-1].token
        assert token_expiry(token) == pytest.approx(int(clock.now) + LIFETIME)
        assert token not in repr(client)
        again = await client.login()  # on demand means a new sign-in each time
    assert again != token
    assert endpoints(emu) == ["login", "login"]


async def test_token_from_the_body(clock: Clock, wallet: Wallet) -> None:
    async with (
        Emulator(wall_clock=clock, login_token_in="body") as emu,
        signed_in_client(emu, wallet, clock) as client,
    ):
        token = await client.login()
        await client.like(DOCS_MINT)
    assert token == emu.issued_tokens[-1].token
    assert emu.requests[-1].headers["Authorization"] == f"Bearer {token}"


async def test_renews_shortly_before_expiry(emu: Emulator, wallet: Wallet, clock: Clock) -> None:
    async with signed_in_client(emu, wallet, clock) as client:
        await client.like(DOCS_MINT)
        clock.now += LIFETIME - RENEW_MARGIN - 5  # not yet within the margin
        await client.unlike(DOCS_MINT)
        clock.now += 10  # now within it: sign in again before sending
        await client.like(DOCS_MINT)
    assert endpoints(emu) == ["login", "like", "unlike", "login", "like"]
    assert emu.requests[-1].headers["Authorization"] == f"Bearer {emu.issued_tokens[-1].token}"


async def test_signs_in_again_once_after_a_401(emu: Emulator, wallet: Wallet, clock: Clock) -> None:
    async with signed_in_client(emu, wallet, clock, max_retries=0) as client:
        await client.like(DOCS_MINT)
        emu.revoke_tokens()
        await client.unlike(DOCS_MINT)  # 401, sign in, repeat
        assert endpoints(emu) == ["login", "like", "unlike", "login", "unlike"]
        assert [r.status for r in emu.requests[2:]] == [401, 201, 200]
        emu.add_fault("like", "status:401", times=2)
        with pytest.raises(AuthenticationError):
            await client.like(DOCS_MINT)  # 401, sign in, 401 again: given up
    assert endpoints(emu)[5:] == ["like", "login", "like"]


async def test_a_given_token_is_used_until_it_fails(
    emu: Emulator, wallet: Wallet, clock: Clock
) -> None:
    async with signed_in_client(emu, wallet, clock) as first:
        old = await first.login()
    emu.revoke_tokens()
    client = emu.client(old, wallet=wallet)
    client._transport.credentials._clock = clock
    async with client:
        await client.like(DOCS_MINT)
    assert endpoints(emu) == ["login", "like", "login", "like"]


async def test_concurrent_calls_share_one_sign_in(
    emu: Emulator, wallet: Wallet, clock: Clock
) -> None:
    async with signed_in_client(emu, wallet, clock) as client:
        await asyncio.gather(*(client.like(DOCS_MINT) for _ in range(20)))
        assert endpoints(emu).count("login") == 1
        emu.revoke_tokens()
        await asyncio.gather(*(client.unlike(DOCS_MINT) for _ in range(20)))
        await asyncio.gather(client.login(), client.login(), client.login())
    assert endpoints(emu).count("login") == 3  # first use, after the revocation, on demand


async def test_views_share_the_sign_in(emu: Emulator, wallet: Wallet, clock: Clock) -> None:
    async with signed_in_client(emu, wallet, clock) as client:
        await client.like(DOCS_MINT)
        await client.with_options(timeout=5).unlike(DOCS_MINT)
    assert endpoints(emu) == ["login", "like", "unlike"]


async def test_a_refused_sign_in_is_an_authentication_error(
    emu: Emulator, wallet: Wallet, clock: Clock
) -> None:
    async with signed_in_client(emu, wallet, Clock(), max_retries=0) as client:
        client._transport.credentials._clock = lambda: clock.now - 600  # 10 minutes off
        with pytest.raises(AuthenticationError, match="too far from the server time") as info:
            await client.like(DOCS_MINT)
    assert info.value.status == 401
    assert endpoints(emu) == ["login"]


async def test_a_sign_in_answer_without_a_token(
    emu: Emulator, wallet: Wallet, clock: Clock
) -> None:
    emu.add_fault("login", "status:201")
    async with signed_in_client(emu, wallet, clock) as client:
        with pytest.raises(AuthenticationError, match="no token"):
            await client.login()


async def test_sign_in_is_retried_like_any_call(
    emu: Emulator, wallet: Wallet, clock: Clock
) -> None:
    emu.add_fault("login", "status:503")
    async with signed_in_client(emu, wallet, clock) as client:
        patient = client.with_options(max_retries=RetryPolicy(1, initial_backoff=0.001))
        await patient.like(DOCS_MINT)
    assert endpoints(emu) == ["login", "login", "like"]


async def test_secrets_stay_out_of_the_logs(
    emu: Emulator, wallet: Wallet, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="pumpfun_async")
    async with signed_in_client(emu, wallet, clock, max_retries=0) as client:
        await client.like(DOCS_MINT)
        emu.revoke_tokens()
        await client.like(DOCS_MINT)
    assert "signed in to pump.fun as " + wallet.address in caplog.text
    for issued in emu.issued_tokens:
        assert issued.token not in caplog.text
    assert wallet.to_base58() not in caplog.text


def test_wallet_is_checked() -> None:
    with pytest.raises(ValidationError, match="wallet"):
        AsyncPumpFunClient(base_url="http://api.test", wallet="not a wallet")  # type: ignore[arg-type]


async def test_login_needs_a_wallet() -> None:
    async with AsyncPumpFunClient(base_url="http://api.test") as client:
        with pytest.raises(ValidationError, match="needs a wallet"):
            await client.login()


@pytest.fixture
def threaded_emu() -> Iterator[Emulator]:
    with Emulator(require_captcha=False).run_in_thread() as emulator:
        yield emulator


def test_the_sync_client_signs_in_too(threaded_emu: Emulator, wallet: Wallet) -> None:
    with PumpFunClient(base_url=threaded_emu.url, wallet=wallet, rate_limit=None) as client:
        client.like(DOCS_MINT)
        token = client.login()
    assert token == threaded_emu.issued_tokens[-1].token
    assert [r.endpoint for r in threaded_emu.requests] == ["login", "like", "login"]


# ---------------------------------------------------------------------------- one attempt, shared


def refused_sign_ins(client: AsyncPumpFunClient, clock: Clock) -> None:
    """Make every sign-in of ``client`` be refused: its timestamps are 10 minutes off."""
    client._transport.credentials._clock = lambda: clock.now - 600


async def test_a_refused_sign_in_is_shared_by_concurrent_callers(
    emu: Emulator, wallet: Wallet, clock: Clock
) -> None:
    async with signed_in_client(emu, wallet, clock, max_retries=0) as client:
        refused_sign_ins(client, clock)
        results = await asyncio.gather(
            *(client.like(DOCS_MINT) for _ in range(10)), return_exceptions=True
        )
        assert endpoints(emu) == ["login"]
        assert all(isinstance(result, AuthenticationError) for result in results), results
        assert {str(result) for result in results} == {
            "HTTP 401: Sign-in timestamp is too far from the server time (POST /auth/login)"
        }
        with pytest.raises(AuthenticationError):
            await client.like(DOCS_MINT)  # a later call tries again
    assert endpoints(emu) == ["login", "login"]


class Gate:
    """A ``send`` for :meth:`Credentials.sign_in` that answers only once opened."""

    def __init__(self, answer: tuple[Any, dict[str, str]] | BaseException) -> None:
        self.answer = answer
        self.calls = 0
        self.opened = asyncio.Event()

    async def __call__(self, body: dict[str, Any]) -> tuple[Any, dict[str, str]]:
        self.calls += 1
        await self.opened.wait()
        if isinstance(self.answer, BaseException):
            raise self.answer
        return self.answer


async def test_cancelling_the_caller_that_started_a_sign_in(wallet: Wallet) -> None:
    credentials = Credentials(token=None, client_key=None, user_agent="test", wallet=wallet)
    send = Gate(({"access_token": "the-token-0123456789"}, {}))
    first = asyncio.create_task(credentials.sign_in(send, stale=None))
    await asyncio.sleep(0)
    others = [asyncio.create_task(credentials.sign_in(send, stale=None)) for _ in range(3)]
    await asyncio.sleep(0)
    assert send.calls == 1
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    send.opened.set()
    assert await asyncio.gather(*others) == ["the-token-0123456789"] * 3
    assert send.calls == 1
    assert credentials.token == "the-token-0123456789"


async def test_a_failure_nobody_waits_for_is_not_reported(wallet: Wallet) -> None:
    loop = asyncio.get_running_loop()
    reported: list[dict[str, Any]] = []
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda _, context: reported.append(context))
    try:
        credentials = Credentials(token=None, client_key=None, user_agent="test", wallet=wallet)
        send = Gate(AuthenticationError("refused", status=401))
        callers = [asyncio.create_task(credentials.sign_in(send, stale=None)) for _ in range(2)]
        await asyncio.sleep(0)
        attempt = credentials._attempt
        assert attempt is not None
        for caller in callers:
            caller.cancel()
        await asyncio.gather(*callers, return_exceptions=True)
        send.opened.set()
        await asyncio.wait([attempt])
        assert credentials._attempt is None
        del attempt, callers
        gc.collect()
    finally:
        loop.set_exception_handler(previous)
    assert reported == []


# ---------------------------------------------------------------------------- renewal


async def test_a_short_lived_token_is_renewed_halfway(wallet: Wallet, clock: Clock) -> None:
    async with (
        Emulator(require_captcha=False, wall_clock=clock, token_lifetime=120) as emu,
        signed_in_client(emu, wallet, clock) as client,
    ):
        await client.like(DOCS_MINT)
        issued = emu.issued_tokens[0]
        for _ in range(3):
            clock.now += 15  # still within the first half of its 120 s
            await client.unlike(DOCS_MINT)
        assert endpoints(emu) == ["login", "like", "unlike", "unlike", "unlike"]
        clock.now = issued.issued_at + 60  # halfway: sign in again before sending
        await client.like(DOCS_MINT)
        await client.unlike(DOCS_MINT)
    assert endpoints(emu)[5:] == ["login", "like", "unlike"]


def test_the_renewal_margin() -> None:
    def token(**claims: float) -> str:
        return jwt.encode(claims, "secret-of-at-least-32-bytes-for-hs256", algorithm="HS256")

    assert renewal_time(token(iat=1000, exp=1000 + 86400), obtained_at=0) == 1000 + 86400 - 300
    assert renewal_time(token(iat=1000, exp=1120), obtained_at=0) == 1060
    assert renewal_time(token(exp=1120), obtained_at=1020) == 1070  # no iat: when obtained
    assert renewal_time(token(iat=1000, exp=900), obtained_at=0) == 900
    assert renewal_time(token(iat=1000), obtained_at=0) is None
    assert renewal_time("not a jwt", obtained_at=0) is None


async def test_concurrent_calls_near_expiry_renew_once(
    emu: Emulator, wallet: Wallet, clock: Clock
) -> None:
    async with signed_in_client(emu, wallet, clock) as client:
        await client.like(DOCS_MINT)
        clock.now += LIFETIME - RENEW_MARGIN + 1  # within the margin
        await asyncio.gather(*(client.unlike(DOCS_MINT) for _ in range(10)))
    assert endpoints(emu).count("login") == 2
    assert endpoints(emu)[:3] == ["login", "like", "login"]
    assert {r.headers["Authorization"] for r in emu.requests_for("unlike")} == {
        f"Bearer {emu.issued_tokens[-1].token}"
    }


# ---------------------------------------------------------------------------- what a 4xx does


async def test_a_reply_repeated_after_a_401_is_posted_once(
    emu: Emulator, wallet: Wallet, clock: Clock
) -> None:
    before = len(emu.state.replies.get(DOCS_MINT, []))
    async with signed_in_client(emu, wallet, clock) as client:
        await client.like(DOCS_MINT)
        emu.revoke_tokens()
        reply = await client.create_reply(DOCS_MINT, "gm, signed in again")
    assert reply is not None
    assert [r.status for r in emu.requests_for("create_reply")] == [401, 201]
    assert endpoints(emu) == ["login", "like", "create_reply", "login", "create_reply"]
    replies = emu.state.replies[DOCS_MINT]
    assert len(replies) == before + 1
    assert [r["text"] for r in replies].count("gm, signed in again") == 1


async def test_a_403_does_not_sign_in_again(emu: Emulator, wallet: Wallet, clock: Clock) -> None:
    emu.add_fault("unlike", "status:403")
    async with signed_in_client(emu, wallet, clock) as client:
        await client.like(DOCS_MINT)
        with pytest.raises(PermissionDeniedError):
            await client.unlike(DOCS_MINT)
    assert endpoints(emu) == ["login", "like", "unlike"]


@pytest.mark.parametrize("status", [400, 403, 404, 422])
async def test_a_sign_in_answered_with_a_4xx_is_an_authentication_error(
    emu: Emulator, wallet: Wallet, clock: Clock, status: int
) -> None:
    emu.add_fault("login", Fault.http_status(status, {"message": f"no sign-in ({status})"}))
    async with signed_in_client(emu, wallet, clock, max_retries=0) as client:
        with pytest.raises(AuthenticationError) as info:
            await client.like(DOCS_MINT)
    assert info.value.status == status
    assert info.value.message == f"no sign-in ({status})"
    assert info.value.body == {"message": f"no sign-in ({status})"}
    assert (info.value.method, info.value.path) == ("POST", "/auth/login")
    assert endpoints(emu) == ["login"]


async def test_a_throttled_or_blocked_sign_in_keeps_its_error(
    emu: Emulator, wallet: Wallet, clock: Clock
) -> None:
    emu.add_fault("login", "status:429")
    emu.add_fault("login", "block")
    async with signed_in_client(emu, wallet, clock, max_retries=0) as client:
        with pytest.raises(RateLimitError):
            await client.login()
        with pytest.raises(BlockedError):
            await client.login()


# ---------------------------------------------------------------------------- secrecy


def _holds(value: object, secret: str, depth: int = 0) -> bool:
    """Whether ``value`` (or what it contains) holds ``secret``."""
    if depth > 5:
        return False
    if isinstance(value, SignIn):
        return value.signature == secret
    if isinstance(value, str):
        return secret in value
    if isinstance(value, (bytes, bytearray, memoryview)):
        return secret.encode() in bytes(value)
    if isinstance(value, dict):
        return any(_holds(v, secret, depth + 1) for v in value.values())
    if isinstance(value, (list, tuple, set, frozenset)):
        return any(_holds(v, secret, depth + 1) for v in value)
    return False


def _frames(error: BaseException) -> Iterator[tuple[str, dict[str, Any]]]:
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        tb = current.__traceback__
        while tb is not None:
            yield tb.tb_frame.f_code.co_name, dict(tb.tb_frame.f_locals)
            tb = tb.tb_next
        pending += [current.__cause__, current.__context__]


@pytest.mark.parametrize("fault", ["status:401", "status:400", "status:201"])
async def test_the_signature_is_not_left_in_traceback_locals(
    emu: Emulator, wallet: Wallet, clock: Clock, fault: str
) -> None:
    emu.add_fault("login", fault)
    signature = wallet.sign_in_message(int(clock.now * 1000)).signature
    async with signed_in_client(emu, wallet, clock, max_retries=0) as client:
        with pytest.raises(AuthenticationError) as info:
            await client.like(DOCS_MINT)
    assert orjson.loads(emu.requests[0].body)["signature"] == signature  # it was sent
    holding = [
        (function, name)
        for function, variables in _frames(info.value)
        if function != "test_the_signature_is_not_left_in_traceback_locals"  # this test's
        for name, value in variables.items()
        if _holds(value, signature)
    ]
    assert holding == []


@pytest.mark.parametrize(
    "token",
    [
        "eyJhbGciOiJIUzI1NiJ9.e30.\x07signature",  # a control character
        "eyJhbGciOiJIUzI1NiJ9.e30.sig\r\nX-Injected: 1",  # a header injection
        "a token with spaces in it",
        "short",
        "x" * 100_000,
        "tök" * 10,
    ],
)
async def test_an_implausible_issued_token_is_refused_and_not_stored(
    emu: Emulator, wallet: Wallet, clock: Clock, token: str
) -> None:
    emu.add_fault("login", Fault.http_status(201, {"access_token": token}))
    async with signed_in_client(emu, wallet, clock, max_retries=0) as client:
        with pytest.raises(AuthenticationError, match="not a plausible bearer token") as info:
            await client.login()
        assert token not in str(info.value)
        assert not client._transport.credentials.has_token
        await client.like(DOCS_MINT)  # the next call signs in again, and works
    assert endpoints(emu) == ["login", "login", "like"]


async def test_a_plausible_opaque_token_is_accepted(
    emu: Emulator, wallet: Wallet, clock: Clock
) -> None:
    # Not a JWT, but a valid bearer token: kept (pump.fun may change its token format).
    emu.add_fault("login", Fault.http_status(201, {"access_token": "opaque-Token_1234~+/=="}))
    async with signed_in_client(emu, wallet, clock, max_retries=0) as client:
        assert await client.login() == "opaque-Token_1234~+/=="
