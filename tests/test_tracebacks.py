"""No secret in a traceback: neither as printed nor as error reporters capture it (locals).

Every kind of error the client raises is provoked over real loopback HTTP with a token, a
client key, captcha tokens, a wallet and its signed-in token that all carry a marker, and
both renderings of the exception (``traceback.format_exception`` and the capture-locals
rendering Sentry-like reporters use) are searched for each of them.

The calls are made from helpers whose own locals hold no secret: a secret in the caller's
frame is the caller's, and would show up whatever the SDK does.
"""

from __future__ import annotations

import asyncio
import itertools
import traceback
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from pumpfun_async import (
    APIError,
    AsyncPumpFunClient,
    AuthenticationError,
    BlockedError,
    ClientClosedError,
    ConnectError,
    PumpFunClient,
    PumpFunError,
    RequestTimeoutError,
    ResponseTooLargeError,
    Timeout,
    TransportError,
    ValidationError,
    Wallet,
)
from pumpfun_async.testing import DOCS_MINT, Emulator, Fault

from .rawhttp import fixed, raw_server

TOKEN = "tokSECRETa1b2c3d4e5f6"
CLIENT_KEY = "ckSECRETf6e5d4c3b2a1"
CAPTCHA_PREFIX = "capSECRET"
USER = "7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU"
REPLY_ID = 12345
_counter = itertools.count()


def captcha() -> str:
    """A fresh captcha token with the marker in it, as a provider hands them out."""
    return f"{CAPTCHA_PREFIX}{next(_counter):08d}"


WALLET = Wallet.generate()
BAD_ISSUED_TOKEN = "eyJhbGciOiJIUzI1NiJ9.jwtSECRET.sig"


def secrets_of(emu: Emulator | None) -> list[str]:
    found = [TOKEN, CLIENT_KEY, CAPTCHA_PREFIX, WALLET.to_base58(), BAD_ISSUED_TOKEN]
    if emu is not None:
        found += [issued.token for issued in emu.issued_tokens]
    return found


def renderings(error: BaseException) -> str:
    printed = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    captured = traceback.TracebackException.from_exception(error, capture_locals=True)
    # Reporters also record each chained exception's repr, args and attributes.
    chained: list[str] = []
    current: BaseException | None = error
    while current is not None:
        chained += [repr(current), repr(current.args), repr(vars(current))]
        current = current.__cause__ or current.__context__
    return printed + "".join(captured.format()) + "".join(chained)


def assert_no_secret(error: BaseException, emu: Emulator | None) -> None:
    text = renderings(error)
    leaked = [s[:12] for s in secrets_of(emu) if s in text]
    assert leaked == [], f"{type(error).__name__} shows {leaked}:\n{text}"


Operation = Callable[[AsyncPumpFunClient], Awaitable[Any]]


async def like(client: AsyncPumpFunClient) -> Any:
    return await client.like(DOCS_MINT)


async def follow(client: AsyncPumpFunClient) -> Any:
    return await client.follow(USER)


async def follow_with_token(client: AsyncPumpFunClient) -> Any:
    return await client.follow(USER, captcha_token=captcha())


async def reply(client: AsyncPumpFunClient) -> Any:
    return await client.create_reply(DOCS_MINT, "gm")


async def reply_with_token(client: AsyncPumpFunClient) -> Any:
    return await client.create_reply(DOCS_MINT, "gm", captcha_token=captcha())


async def report_comment(client: AsyncPumpFunClient) -> Any:
    return await client.report_comment(REPLY_ID, "spam")


async def read_replies(client: AsyncPumpFunClient) -> Any:
    return await client.get_replies(DOCS_MINT)


OPERATIONS: list[Operation] = [
    like,
    follow,
    follow_with_token,
    reply,
    reply_with_token,
    report_comment,
    read_replies,
]


async def provoke(client: AsyncPumpFunClient, operation: Operation) -> PumpFunError:
    try:
        await operation(client)
    except PumpFunError as error:
        return error
    raise AssertionError("no error")


def make_client(base_url: str, **options: Any) -> AsyncPumpFunClient:
    options.setdefault("max_retries", 0)
    return AsyncPumpFunClient(
        TOKEN,
        base_url=base_url,
        client_key=CLIENT_KEY,
        captcha=captcha,
        rate_limit=None,
        **options,
    )


@pytest.fixture
def emulator_options() -> dict[str, Any]:
    return {"client_key": CLIENT_KEY}


DB_ERROR = {"code": "22P02", "details": None, "hint": None, "message": "invalid input syntax"}

FAULTS: list[tuple[Fault | str, type[PumpFunError]]] = [
    ("status:400", APIError),
    ("status:401", AuthenticationError),
    ("status:403", APIError),
    ("status:404", APIError),
    ("status:429", APIError),
    ("status:500", APIError),
    ("status:503", APIError),
    ("block", BlockedError),
    ("challenge", BlockedError),
    (Fault.http_status(200, DB_ERROR), APIError),
    (Fault.http_status(201, DB_ERROR), APIError),
    ("drop_before", TransportError),
    ("drop_after", TransportError),
]


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.__name__)
@pytest.mark.parametrize(
    ("fault", "kind"), FAULTS, ids=[str(f) if isinstance(f, str) else "db-error" for f, _ in FAULTS]
)
async def test_server_answers(
    emu: Emulator, operation: Operation, fault: Fault | str, kind: type[PumpFunError]
) -> None:
    emu.add_fault("*", fault, times=2)  # aiohttp itself repeats a GET once on a dropped link
    async with make_client(emu.url) as client:
        error = await provoke(client, operation)
    assert isinstance(error, kind)
    assert_no_secret(error, emu)


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.__name__)
async def test_retried_failures(emu: Emulator, operation: Operation) -> None:
    emu.add_fault("*", "status:503", times=10)
    emu.add_fault("*", "status:429", times=10)
    async with make_client(emu.url, max_retries=2) as client:
        fast = client.with_options(max_retries=_fast_retries())
        error = await provoke(fast, operation)
    assert_no_secret(error, emu)


def _fast_retries() -> Any:
    from pumpfun_async import RetryPolicy

    return RetryPolicy(max_retries=2, initial_backoff=0, max_retry_after=0.01)


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.__name__)
async def test_timeouts(emu: Emulator, operation: Operation) -> None:
    emu.add_fault("*", "latency:1")  # well past the timeout; the server holds it that long
    async with make_client(emu.url, timeout=Timeout(total=0.2)) as client:
        error = await provoke(client, operation)
    assert isinstance(error, RequestTimeoutError)
    assert_no_secret(error, emu)


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.__name__)
async def test_connection_refused(operation: Operation) -> None:
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    async with make_client(f"http://127.0.0.1:{port}") as client:
        error = await provoke(client, operation)
    assert isinstance(error, ConnectError)
    assert_no_secret(error, None)


MALFORMED = {
    "bad-content-length": b"HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n{}",
    "bad-status-line": b"HTTP/1.1 2000 OK\r\nContent-Length: 2\r\n\r\n{}",
    "not-http": b"SSH-2.0-OpenSSH_9.6\r\n\r\n",
    "header-without-colon": b"HTTP/1.1 200 OK\r\nNo colon here\r\nContent-Length: 2\r\n\r\n{}",
    "truncated-body": b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{}",
    "bad-chunk": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
    "html-200": b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 6\r\n\r\n<html>",
    "json-cut": b'HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\n{"replie',
    "bad-gzip": b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 4\r\n\r\nabcd",
    "too-large": b"HTTP/1.1 200 OK\r\nContent-Length: 999999999999\r\n\r\n",
}


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.__name__)
@pytest.mark.parametrize("answer", list(MALFORMED.values()), ids=list(MALFORMED))
async def test_malformed_answers(operation: Operation, answer: bytes) -> None:
    async with raw_server(fixed(answer)) as server, make_client(server.base_url) as client:
        error = await provoke(client, operation)
    assert isinstance(error, (APIError, TransportError))
    if answer is MALFORMED["too-large"]:
        assert isinstance(error, ResponseTooLargeError)
    assert_no_secret(error, None)


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.__name__)
async def test_closed_client(emu: Emulator, operation: Operation) -> None:
    client = make_client(emu.url)
    await client.like(DOCS_MINT)
    await client.aclose()
    error = await provoke(client, operation)
    assert isinstance(error, ClientClosedError)
    assert_no_secret(error, emu)


async def bad_user(client: AsyncPumpFunClient) -> Any:
    return await client.follow("../admin", captcha_token=captcha())


async def bad_text(client: AsyncPumpFunClient) -> Any:
    return await client.create_reply(DOCS_MINT, "", captcha_token=captcha())


async def bad_captcha(client: AsyncPumpFunClient) -> Any:
    return await client.follow(USER, captcha_token=captcha() + "\ud83d")


async def bad_reason(client: AsyncPumpFunClient) -> Any:
    return await client.report_comment(REPLY_ID, 5)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "operation", [bad_user, bad_text, bad_captcha, bad_reason], ids=lambda op: op.__name__
)
async def test_bad_input(emu: Emulator, operation: Operation) -> None:
    async with make_client(emu.url) as client:
        error = await provoke(client, operation)
    assert isinstance(error, ValidationError)
    assert_no_secret(error, emu)
    assert emu.requests == []


def failing_constructor(**options: Any) -> ValidationError:
    try:
        AsyncPumpFunClient(TOKEN, client_key=CLIENT_KEY, captcha=captcha(), **options)
    except ValidationError as error:
        return error
    raise AssertionError("no error")


@pytest.mark.parametrize(
    "options",
    [{"base_url": "ftp://x"}, {"timeout": -1}, {"max_retries": -1}, {"max_response_bytes": 0}],
)
def test_a_constructor_that_refuses_its_options(options: dict[str, Any]) -> None:
    assert_no_secret(failing_constructor(**options), None)


def sync_failure(base_url: str) -> PumpFunError:
    with PumpFunClient(
        TOKEN, base_url=base_url, client_key=CLIENT_KEY, captcha=captcha, max_retries=0
    ) as client:
        try:
            client.follow(USER, captcha_token=captcha())
        except PumpFunError as error:
            return error
    raise AssertionError("no error")


def test_the_sync_client() -> None:
    with Emulator(client_key=CLIENT_KEY).run_in_thread() as emu:
        emu.add_fault("*", "status:500")
        error = sync_failure(emu.url)
        assert isinstance(error, APIError)
        assert_no_secret(error, emu)


# ------------------------------------------------------------------------------ wallet


@pytest.mark.parametrize(
    "fault",
    [
        None,
        "status:401",
        "status:400",
        "status:500",
        "drop_after",
        Fault.http_status(201, {}),
        Fault.http_status(201, {"access_token": BAD_ISSUED_TOKEN + "\n"}),
    ],
    ids=["after-sign-in", "401", "400", "500", "drop", "no-token", "implausible-token"],
)
@pytest.mark.parametrize("operation", [like, follow, reply], ids=lambda op: op.__name__)
async def test_wallet_clients(
    emu: Emulator, operation: Operation, fault: Fault | str | None
) -> None:
    async with AsyncPumpFunClient(
        base_url=emu.url,
        wallet=WALLET,
        client_key=CLIENT_KEY,
        captcha=captcha,
        rate_limit=None,
        max_retries=0,
    ) as client:
        if fault is None:
            await client.login()  # signed in: the next failure has a live token around
            emu.add_fault("*", "status:500")
        else:
            emu.add_fault("login", fault)
        error = await provoke(client, operation)
    assert isinstance(error, PumpFunError)
    assert_no_secret(error, emu)


async def test_a_401_after_sign_in_that_fails_again(emu: Emulator) -> None:
    async with AsyncPumpFunClient(
        base_url=emu.url, wallet=WALLET, captcha=captcha, rate_limit=None, max_retries=0
    ) as client:
        await client.login()
        emu.add_fault("like", "status:401", times=5)
        error = await provoke(client, like)
    assert isinstance(error, AuthenticationError)
    assert len(emu.issued_tokens) == 2
    assert_no_secret(error, emu)


async def sign_in(client: AsyncPumpFunClient) -> Any:
    return await client.login()


@pytest.mark.parametrize(
    "fault",
    [
        "status:401",
        "status:500",
        Fault.http_status(201, {"access_token": BAD_ISSUED_TOKEN + "\n"}),
        Fault.http_status(201, {"access_token": BAD_ISSUED_TOKEN[:10]}),
    ],
    ids=["401", "500", "implausible-token", "short-token"],
)
async def test_login(emu: Emulator, fault: Fault | str) -> None:
    emu.add_fault("login", fault)
    async with AsyncPumpFunClient(
        base_url=emu.url, wallet=WALLET, rate_limit=None, max_retries=0
    ) as client:
        error = await provoke(client, sign_in)
    assert_no_secret(error, emu)
