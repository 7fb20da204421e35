"""repr() of every public object works in every state, and never shows a secret.

Error reporters (Sentry and friends) call repr() on every local of a failing frame, and a
constructor that raised leaves its half-built ``self`` among them. So every public class
is rendered here made with ``cls.__new__(cls)`` alone, after each way its constructor can
fail part of the way, and in each state it can reach in use.
"""

from __future__ import annotations

import enum
import traceback
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from multidict import CIMultiDict, CIMultiDictProxy

import pumpfun_async
import pumpfun_async.endpoints
import pumpfun_async.testing
import pumpfun_async.wallet
from pumpfun_async import (
    APIError,
    AsyncPumpFunClient,
    BlockedError,
    BulkItem,
    BulkResult,
    Coin,
    Follower,
    PumpFunClient,
    RateLimitError,
    RawResponse,
    RepliesPage,
    Reply,
    Report,
    ReportsPage,
    RetryPolicy,
    StateCache,
    Timeout,
    TokenBucket,
    User,
    ValidationError,
    Wallet,
)
from pumpfun_async.testing import DOCS_MINT, Emulator, EmulatorState, Fault, RateLimit

from .conftest import CLIENT_KEY, TOKEN

CAPTCHA = "captcha-secret-4711"


def _wallet() -> Wallet | None:
    try:
        return Wallet.generate()
    except ImportError:  # no wallet extra
        return None


WALLET = _wallet()
SECRETS = [TOKEN, CLIENT_KEY, CAPTCHA] + ([WALLET.to_base58()] if WALLET is not None else [])


def safe_repr(obj: object) -> str:
    """repr(obj), checked to be a string without any secret in it."""
    text = repr(obj)
    assert isinstance(text, str)
    for secret in SECRETS:
        assert secret not in text
    return text


def bare(cls: Any) -> Any:
    """``cls.__new__(cls)``: an instance whose ``__init__`` never ran."""
    return cls.__new__(cls)


def _public_classes() -> list[type[Any]]:
    names = [(pumpfun_async, n) for n in pumpfun_async.__all__]
    for module in (pumpfun_async.testing, pumpfun_async.endpoints, pumpfun_async.wallet):
        names += [(module, n) for n in module.__all__]
    found = {id(c): c for c in (getattr(module, name) for module, name in names)}
    # An Enum member cannot exist uninitialised: Enum.__new__ needs its value.
    classes = [c for c in found.values() if isinstance(c, type) and not issubclass(c, enum.Enum)]
    return sorted(classes, key=lambda c: c.__qualname__)


@pytest.mark.parametrize("cls", _public_classes(), ids=lambda c: c.__qualname__)
def test_repr_of_an_object_whose_constructor_never_ran(cls: type[Any]) -> None:
    obj = bare(cls)
    text = safe_repr(obj)
    assert cls.__qualname__ in text or cls.__name__ in text
    if issubclass(cls, BaseException):
        assert isinstance(str(obj), str)


def _fail_init(cls: type[Any], *args: Any, **kwargs: Any) -> Any:
    """What a constructor that raised leaves behind: ``self``, as far as it got."""
    obj = bare(cls)
    with pytest.raises((ValidationError, ValueError, TypeError)):
        obj.__init__(*args, **kwargs)
    return obj


# Each way the client's constructor can refuse its arguments, with good secrets beside
# the bad argument, so that a repr which showed them would be caught.
BAD_CLIENT_ARGUMENTS: dict[str, dict[str, Any]] = {
    "base_url": {"base_url": "ftp://x"},
    "base_url/surrogate": {"base_url": "http://h/\ud83d"},
    "token": {"token": "a\nb"},
    "client_key": {"client_key": "a\nb"},
    "captcha": {"captcha": 5},
    "captcha/blank": {"captcha": " "},
    "session": {"session": "not a session"},
    "wallet": {"wallet": "not a wallet"},
    "state_cache": {"state_cache": "not a cache"},
    "timeout": {"timeout": 0},
    "max_retries": {"max_retries": -1},
    "rate_limit": {"rate_limit": "x"},
}


def _secrets_with(bad: dict[str, Any]) -> dict[str, Any]:
    return {"token": TOKEN, "client_key": CLIENT_KEY, "captcha": CAPTCHA, **bad}


@pytest.mark.parametrize("name", sorted(BAD_CLIENT_ARGUMENTS))
def test_repr_of_async_client_whose_constructor_raised(name: str) -> None:
    client = _fail_init(AsyncPumpFunClient, **_secrets_with(BAD_CLIENT_ARGUMENTS[name]))
    assert safe_repr(client).startswith("AsyncPumpFunClient(")


@pytest.mark.parametrize("name", sorted(BAD_CLIENT_ARGUMENTS))
def test_repr_of_sync_client_whose_constructor_raised(name: str) -> None:
    client = _fail_init(PumpFunClient, **_secrets_with(BAD_CLIENT_ARGUMENTS[name]))
    assert safe_repr(client).startswith("PumpFunClient(")


def test_error_reporter_capturing_locals_renders_the_half_built_client() -> None:
    # What Sentry-like reporters do: render every local of every frame with repr().
    with pytest.raises(ValidationError) as info:
        AsyncPumpFunClient(token=TOKEN, base_url="ftp://x")
    rendered = "".join(
        traceback.TracebackException.from_exception(info.value, capture_locals=True).format()
    )
    assert "self = AsyncPumpFunClient(<not initialised>)" in rendered
    assert "repr() failed" not in rendered


async def test_repr_of_async_client_in_every_state() -> None:
    async with Emulator() as emu:
        client = AsyncPumpFunClient(
            TOKEN, base_url=emu.url, client_key=CLIENT_KEY, captcha=CAPTCHA, rate_limit=None
        )
        fresh = safe_repr(client)
        assert fresh == (
            f"AsyncPumpFunClient(base_url={emu.url!r}, token=<set>, client_key=<set>, closed=False)"
        )
        await client.like(DOCS_MINT)  # the session is open now
        assert safe_repr(client) == fresh
        view = client.with_options(timeout=5, max_retries=0)
        assert safe_repr(view) == fresh
        await client.aclose()
        assert safe_repr(client) == fresh.replace("closed=False", "closed=True")
        assert safe_repr(view).endswith("closed=True)")

        anonymous = AsyncPumpFunClient(base_url=emu.url)
        assert "token=None, client_key=None" in safe_repr(anonymous)
        await anonymous.aclose()


@pytest.mark.skipif(WALLET is None, reason="needs the wallet extra")
async def test_repr_of_async_client_with_wallet_before_and_after_sign_in() -> None:
    assert WALLET is not None
    async with (
        Emulator() as emu,
        AsyncPumpFunClient(base_url=emu.url, wallet=WALLET, rate_limit=None) as c,
    ):
        before = safe_repr(c)
        assert f"wallet={WALLET.address!r}" in before
        assert "token=None" in before
        token = await c.login()
        after = safe_repr(c)
        assert "token=<set>" in after
        assert token not in after


@pytest.fixture(scope="module")
def thread_emu() -> Iterator[Emulator]:
    with Emulator().run_in_thread() as emulator:
        yield emulator


def test_repr_of_sync_client_in_every_state(thread_emu: Emulator) -> None:
    client = PumpFunClient(
        TOKEN, base_url=thread_emu.url, client_key=CLIENT_KEY, captcha=CAPTCHA, rate_limit=None
    )
    before = safe_repr(client)  # no loop thread started yet
    assert before == f"PumpFunClient(base_url={thread_emu.url!r}, closed=False)"
    client.like(DOCS_MINT)
    assert safe_repr(client) == before
    client.close()
    assert safe_repr(client) == before.replace("closed=False", "closed=True")


def test_repr_of_token_bucket() -> None:
    now = [0.0]
    bucket = TokenBucket(rate=2, capacity=3, clock=lambda: now[0])
    assert safe_repr(bucket) == "TokenBucket(rate=2, capacity=3, tokens=3.00, waiting=0)"
    assert bucket.try_acquire()
    assert safe_repr(bucket) == "TokenBucket(rate=2, capacity=3, tokens=2.00, waiting=0)"
    for bad in ({"rate": 0}, {"rate": 1, "capacity": 0.5}, {"rate": "x"}):
        assert safe_repr(_fail_init(TokenBucket, **bad)) == "TokenBucket(<not initialised>)"


def test_repr_of_retry_policy_and_timeout() -> None:
    assert safe_repr(RetryPolicy()).startswith("RetryPolicy(max_retries=3")
    assert safe_repr(Timeout(5, 2)) == "Timeout(total=5, connect=2)"
    assert safe_repr(_fail_init(RetryPolicy, max_retries=-1)).startswith("RetryPolicy(")
    assert safe_repr(_fail_init(Timeout, total=-1)).startswith("Timeout(")
    assert safe_repr(bare(Timeout)) == "Timeout(total=<unset>, connect=<unset>)"


def test_repr_of_state_cache() -> None:
    cache = StateCache(max_entries=10)
    assert safe_repr(cache) == "StateCache(likes=0, follows=0, bookmarks=0, skipped=0)"
    cache.record_like(DOCS_MINT)
    cache.record_follow("user123")
    assert safe_repr(cache) == "StateCache(likes=1, follows=1, bookmarks=0, skipped=0)"
    failed = _fail_init(StateCache, max_entries=0)
    assert safe_repr(failed) == "StateCache(<not initialised>)"


@pytest.mark.skipif(WALLET is None, reason="needs the wallet extra")
def test_repr_of_wallet_shows_the_address_only() -> None:
    assert WALLET is not None
    assert safe_repr(WALLET) == f"Wallet(address={WALLET.address!r})"
    assert safe_repr(_fail_init(Wallet, "not a key")) == "Wallet(address='<unset>')"


def test_repr_of_redis_rate_limiter() -> None:
    pytest.importorskip("redis")
    from pumpfun_async import RedisRateLimiter

    class Scripts:
        def register_script(self, source: str) -> Callable[..., Any]:
            return lambda **kwargs: None

    limiter = RedisRateLimiter(Scripts(), "pumpfun:all", rate=1.5, capacity=2)  # type: ignore[arg-type]
    assert safe_repr(limiter) == (
        "RedisRateLimiter(key='pumpfun:all', rate=1.5, capacity=2, on_error='raise')"
    )
    for bad in ({"key": ""}, {"rate": 0}, {"on_error": "ignore"}, {"timeout": 0}):
        options: dict[str, Any] = {"key": "k", "rate": 1, **bad}
        failed = _fail_init(RedisRateLimiter, Scripts(), **options)
        assert safe_repr(failed) == "RedisRateLimiter(<not initialised>)"


def test_repr_of_bulk_results() -> None:
    error = ValidationError("target_id", "not a mint")
    result = BulkResult.from_items([BulkItem(DOCS_MINT, True), BulkItem("x", False, error=error)])
    assert safe_repr(result) == "BulkResult(1 succeeded, 1 failed)"
    assert safe_repr(BulkResult([], [])) == "BulkResult(0 succeeded, 0 failed)"
    assert safe_repr(result[1]).startswith("BulkItem(target='x', ok=False")


def test_repr_of_tables() -> None:
    reply = Reply(id=1, mint=DOCS_MINT, text="gm", raw={"secret_field": CAPTCHA})
    assert safe_repr(pumpfun_async.table([reply])) == "Table(1 row, 5 columns)"
    assert safe_repr(pumpfun_async.table([])) == "Table(0 rows, 0 columns)"
    assert safe_repr(bare(pumpfun_async.Table)) == "Table(<not initialised>)"


def test_repr_of_models_keeps_raw_out() -> None:
    raw = {"secret_field": CAPTCHA}
    reply = Reply(id=1, mint=DOCS_MINT, text="gm", raw=raw)
    for model in (
        reply,
        RepliesPage([reply], has_more=False, offset=0, raw=raw),
        Coin(mint=DOCS_MINT, raw=raw),
        Report(id="7", raw=raw),
        ReportsPage([Report(id="7")], raw=raw),
        User(address=DOCS_MINT, raw=raw),
        Follower(address=DOCS_MINT, timestamp=1, raw=raw),
    ):
        safe_repr(model)  # CAPTCHA is in SECRETS: raw must stay out
    assert safe_repr(bare(Reply)).startswith("Reply(id=<unset>, mint=<unset>")
    assert safe_repr(bare(User)).startswith("User(address=<unset>, username=<unset>")
    assert safe_repr(bare(Follower)).startswith("Follower(address=<unset>")


def test_repr_and_str_of_errors_with_odd_attributes() -> None:
    odd = APIError("boom", status="not a number", body=object(), code=5)  # type: ignore[arg-type]
    odd.method = None  # type: ignore[assignment]
    assert safe_repr(odd) == "APIError(status='not a number', message='boom')"
    assert str(odd) == "HTTP not a number: boom"
    stripped = RateLimitError("slow down", status=429, retry_after=3.0, method="GET", path="/x")
    for name in ("status", "message", "path", "retry_after"):
        delattr(stripped, name)
    assert safe_repr(stripped) == "RateLimitError(status=None, message='')"
    assert str(stripped) == "HTTP ?:  (GET )"
    blocked = BlockedError("blocked", kind="challenge", status=403)
    assert safe_repr(blocked) == "BlockedError(status=403, message='blocked')"


async def test_repr_of_emulator_before_start_running_and_after_stop() -> None:
    emu = Emulator()
    safe_repr(emu)
    await emu.start()
    try:
        safe_repr(emu)
        async with emu.client(token=TOKEN) as client:
            await client.like(DOCS_MINT)
    finally:
        await emu.stop()
    safe_repr(emu)
    safe_repr(_fail_init(Emulator, token_lifetime=0))
    safe_repr(EmulatorState())
    safe_repr(Fault.http_status(503))
    safe_repr(RateLimit(limit=1, window=1.0))


def test_repr_of_raw_response_built_or_not() -> None:
    headers = CIMultiDictProxy(
        CIMultiDict([("Set-Cookie", f"token={TOKEN}"), ("x-client-key", CLIENT_KEY), ("Age", "3")])
    )
    raw: RawResponse[None] = RawResponse(
        status=200,
        headers=headers,
        content=f'{{"token": "{TOKEN}"}}'.encode(),
        elapsed=timedelta(milliseconds=1500),
        endpoint=pumpfun_async.endpoints.ENDPOINTS["like"],
    )
    assert safe_repr(raw) == (
        "RawResponse(status=200, operation='like', method='POST', path='/likes/{target_id}', "
        f"content=<{len(raw.content)} bytes>, elapsed=1.500s, "
        "headers={'Set-Cookie': <redacted>, 'x-client-key': <redacted>, 'Age': '3'})"
    )
    assert safe_repr(bare(RawResponse)) == "RawResponse(<not initialised>)"


def test_every_public_class_with_its_own_repr_is_covered_above() -> None:
    """A class added to the public API without a case here fails this test."""
    covered = {
        APIError,
        AsyncPumpFunClient,
        BlockedError,
        BulkItem,
        BulkResult,
        Coin,
        Follower,
        PumpFunClient,
        RateLimitError,
        RawResponse,
        RepliesPage,
        Reply,
        Report,
        ReportsPage,
        RetryPolicy,
        StateCache,
        pumpfun_async.Table,
        Timeout,
        TokenBucket,
        User,
        Wallet,
        Emulator,
        EmulatorState,
        Fault,
        RateLimit,
        pumpfun_async.RedisRateLimiter,
    }
    own_repr = {
        cls
        for cls in _public_classes()
        if "__repr__" in vars(cls) and not issubclass(cls, BaseException)
    }
    assert own_repr - covered == {
        pumpfun_async.endpoints.Endpoint,
        pumpfun_async.ServerRateLimit,
        pumpfun_async.wallet.SignIn,
        pumpfun_async.testing.IssuedToken,
        pumpfun_async.testing.RecordedRequest,
        pumpfun_async.RequestEvent,
        pumpfun_async.ResponseEvent,
        pumpfun_async.RetryEvent,
        pumpfun_async.RateLimitWaitEvent,
    }  # attrs records built by the SDK itself: covered by the __new__ case only


def test_sign_in_and_issued_token_keep_their_secrets_out() -> None:
    if WALLET is None:
        pytest.skip("needs the wallet extra")
    sign_in = WALLET.sign_in_message(1_700_000_000_000)
    assert sign_in.signature not in safe_repr(sign_in)


async def test_a_recorded_request_hides_what_the_client_sent_as_secrets() -> None:
    async with Emulator(client_key="ck-SECRET-key") as emu:
        tokens = iter(["cap-SECRET-token", "cap-SECRET-other"])
        async with emu.client(
            "tok-SECRET-token", captcha=lambda: next(tokens), client_key="ck-SECRET-key"
        ) as client:
            await client.follow("user123")
            await client.create_reply(DOCS_MINT, "gm")
            await client.report_comment(1, "spam")
        shown = "".join(repr(request) for request in emu.requests)
    assert "SECRET" not in shown
    assert "'<redacted>'" in shown
    assert "bytes>" in shown
    assert emu.requests[0].query["captchaToken"] == "cap-SECRET-token"  # kept, only not shown
