"""Every error class, produced from a realistic server answer through a client call."""

from __future__ import annotations

import asyncio
import re
import time
import traceback
from collections.abc import Awaitable, Callable
from email.utils import formatdate
from typing import Any, TypeVar
from unittest.mock import Mock

import aiohttp
import pytest
from aioresponses import aioresponses

from pumpfun_async import (
    APIError,
    AsyncPumpFunClient,
    AuthenticationError,
    BadRequestError,
    BlockedError,
    ConnectError,
    NotFoundError,
    PermissionDeniedError,
    PumpFunError,
    RateLimitError,
    RequestTimeoutError,
    ServerError,
    TransportError,
)
from pumpfun_async._responses import decode_response, parse_retry_after

from .conftest import BASE, CLIENT_KEY, DB_ERROR, MINT, THROTTLED, TOKEN, sent

E = TypeVar("E", bound=PumpFunError)

ANY_URL = re.compile(r".*")
LIKE_URL = f"{BASE}/likes/{MINT}"
LIKE_PATH = f"/likes/{MINT}"
REPLIES_PATH = f"/replies/{MINT}"
REPLIES_URL = re.compile(rf"^{re.escape(BASE + REPLIES_PATH)}\?")

NESTJS_400 = {
    "statusCode": 400,
    "message": [
        "text must be shorter than or equal to 2000 characters",
        "mint must be a string",
    ],
    "error": "Bad Request",
}
NGINX_502 = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)
BLOCK_PAGE = (
    "<!DOCTYPE html><html><head><title>pump.fun</title></head><body>"
    '<img src="https://static.pump.fun/blocked/geo.png" alt="blocked">'
    "<p>pump.fun is not available in your region.</p></body></html>"
)
CHALLENGE_PAGE = (
    '<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>'
    '<meta http-equiv="refresh" content="390"></head><body>'
    '<div id="challenge-error-text">Enable JavaScript and cookies to continue</div>'
    '<script src="/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1?ray=8f1"></script>'
    "</body></html>"
)


def _texts(exc: BaseException) -> list[str]:
    """Everything a log line or a traceback could show of ``exc`` and what caused it."""
    texts = ["".join(traceback.format_exception(exc))]
    seen: BaseException | None = exc
    while seen is not None:
        texts += [str(seen), repr(seen), *map(repr, seen.args)]
        seen = seen.__cause__ or seen.__context__
    return texts


def _assert_no_secrets(exc: BaseException) -> None:
    for text in _texts(exc):
        assert TOKEN not in text
        assert CLIENT_KEY not in text


async def _raises(call: Awaitable[object], error_type: type[E]) -> E:
    with pytest.raises(error_type) as info:
        await call
    exc = info.value
    assert isinstance(exc, PumpFunError)
    _assert_no_secrets(exc)
    return exc


def _assert_api_error(
    exc: APIError, *, status: int, message: str, body: Any, method: str, path: str
) -> None:
    assert exc.status == status
    assert exc.message == message
    assert exc.body == body
    assert exc.method == method
    assert exc.path == path
    assert str(exc) == f"HTTP {status}: {message} ({method} {path})"


# ---------------------------------------------------------------------------- status codes


@pytest.mark.parametrize(
    ("status", "payload", "error_type", "message"),
    [
        (
            400,
            NESTJS_400,
            BadRequestError,
            "text must be shorter than or equal to 2000 characters; mint must be a string",
        ),
        (
            400,
            {"statusCode": 400, "message": "Invalid captcha"},
            BadRequestError,
            "Invalid captcha",
        ),
        (401, {"statusCode": 401, "message": "Unauthorized"}, AuthenticationError, "Unauthorized"),
        (
            403,
            {"statusCode": 403, "message": "Forbidden resource", "error": "Forbidden"},
            PermissionDeniedError,
            "Forbidden resource",
        ),
        (
            404,
            {"statusCode": 404, "message": f"Cannot POST {LIKE_PATH}", "error": "Not Found"},
            NotFoundError,
            f"Cannot POST {LIKE_PATH}",
        ),
        (429, THROTTLED, RateLimitError, "ThrottlerException: Too Many Requests"),
        (
            500,
            {"statusCode": 500, "message": "Internal server error"},
            ServerError,
            "Internal server error",
        ),
        (502, {"statusCode": 502, "message": "Bad Gateway"}, ServerError, "Bad Gateway"),
        (
            503,
            {"statusCode": 503, "error": "Service Unavailable"},
            ServerError,
            "Service Unavailable",
        ),
        (418, {"statusCode": 418, "message": "I'm a teapot"}, APIError, "I'm a teapot"),
    ],
)
async def test_json_error_status(
    client: AsyncPumpFunClient,
    mocked: aioresponses,
    status: int,
    payload: dict[str, Any],
    error_type: type[APIError],
    message: str,
) -> None:
    mocked.post(LIKE_URL, status=status, payload=payload)
    exc = await _raises(client.like(MINT), APIError)
    assert type(exc) is error_type
    _assert_api_error(
        exc, status=status, message=message, body=payload, method="POST", path=LIKE_PATH
    )
    assert exc.code is None


@pytest.mark.parametrize(
    ("status", "error_type", "message"),
    [
        (401, AuthenticationError, "Unauthorized"),
        (404, NotFoundError, "Not Found"),
        (500, ServerError, "Internal Server Error"),
        (503, ServerError, "Service Unavailable"),
        (418, APIError, "I'm a Teapot"),
        (599, ServerError, "unexpected HTTP status"),
        (499, APIError, "unexpected HTTP status"),
    ],
)
async def test_empty_error_body_gets_the_status_phrase(
    client: AsyncPumpFunClient,
    mocked: aioresponses,
    status: int,
    error_type: type[APIError],
    message: str,
) -> None:
    mocked.delete(LIKE_URL, status=status, body="")
    exc = await _raises(client.unlike(MINT), APIError)
    assert type(exc) is error_type
    _assert_api_error(
        exc, status=status, message=message, body=None, method="DELETE", path=LIKE_PATH
    )


async def test_bad_request_list_message_on_create_reply(
    client: AsyncPumpFunClient, mocked: aioresponses
) -> None:
    mocked.post(f"{BASE}/replies", status=400, payload=NESTJS_400)
    exc = await _raises(client.create_reply(MINT, "gm"), BadRequestError)
    assert exc.message == (
        "text must be shorter than or equal to 2000 characters; mint must be a string"
    )
    assert exc.body == NESTJS_400
    assert (exc.method, exc.path) == ("POST", "/replies")


# ---------------------------------------------------------------------------- rate limits


async def test_rate_limit_retry_after_seconds(
    client: AsyncPumpFunClient, mocked: aioresponses
) -> None:
    mocked.post(LIKE_URL, status=429, payload=THROTTLED, headers={"Retry-After": "7"})
    exc = await _raises(client.like(MINT), RateLimitError)
    assert exc.retry_after == 7.0
    assert isinstance(exc.retry_after, float)
    _assert_api_error(
        exc,
        status=429,
        message="ThrottlerException: Too Many Requests",
        body=THROTTLED,
        method="POST",
        path=LIKE_PATH,
    )


async def test_rate_limit_retry_after_http_date(
    client: AsyncPumpFunClient, mocked: aioresponses
) -> None:
    retry_at = formatdate(time.time() + 30, usegmt=True)
    mocked.get(REPLIES_URL, status=429, payload=THROTTLED, headers={"Retry-After": retry_at})
    exc = await _raises(client.get_replies(MINT), RateLimitError)
    assert isinstance(exc.retry_after, float)
    assert 0.0 <= exc.retry_after <= 30.0
    assert (exc.method, exc.path) == ("GET", REPLIES_PATH)


async def test_rate_limit_retry_after_past_http_date(
    client: AsyncPumpFunClient, mocked: aioresponses
) -> None:
    headers = {"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}
    mocked.post(LIKE_URL, status=429, payload=THROTTLED, headers=headers)
    exc = await _raises(client.like(MINT), RateLimitError)
    assert exc.retry_after == 0.0


@pytest.mark.parametrize("headers", [{}, {"Retry-After": ""}, {"Retry-After": "soon"}], ids=repr)
async def test_rate_limit_without_usable_retry_after(
    client: AsyncPumpFunClient, mocked: aioresponses, headers: dict[str, str]
) -> None:
    mocked.post(LIKE_URL, status=429, payload=THROTTLED, headers=headers)
    exc = await _raises(client.like(MINT), RateLimitError)
    assert exc.retry_after is None
    assert (exc.status, exc.message, exc.body) == (429, THROTTLED["message"], THROTTLED)


# ---------------------------------------------------------------------------- HTML answers


async def test_html_gateway_page_is_a_server_error(
    client: AsyncPumpFunClient, mocked: aioresponses
) -> None:
    mocked.post(LIKE_URL, status=502, body=NGINX_502, content_type="text/html")
    exc = await _raises(client.like(MINT), ServerError)
    assert not isinstance(exc, BlockedError)
    _assert_api_error(
        exc, status=502, message="Bad Gateway", body=NGINX_502, method="POST", path=LIKE_PATH
    )


@pytest.mark.parametrize("status", [403, 200])
async def test_block_page(client: AsyncPumpFunClient, mocked: aioresponses, status: int) -> None:
    mocked.post(LIKE_URL, status=status, body=BLOCK_PAGE, content_type="text/html")
    exc = await _raises(client.like(MINT), BlockedError)
    assert exc.kind == "blocked"
    assert isinstance(exc, APIError)
    assert exc.status == status
    assert "block" in exc.message
    assert exc.body == BLOCK_PAGE
    assert (exc.method, exc.path) == ("POST", LIKE_PATH)


async def test_html_403_without_marker_is_a_block(
    client: AsyncPumpFunClient, mocked: aioresponses
) -> None:
    page = "<html><body><h1>Access denied</h1></body></html>"
    mocked.post(LIKE_URL, status=403, body=page, content_type="text/html")
    exc = await _raises(client.like(MINT), BlockedError)
    assert exc.kind == "blocked"
    assert exc.status == 403


@pytest.mark.parametrize("status", [403, 503])
async def test_cloudflare_challenge(
    client: AsyncPumpFunClient, mocked: aioresponses, status: int
) -> None:
    mocked.get(
        REPLIES_URL,
        status=status,
        body=CHALLENGE_PAGE,
        content_type="text/html",
        headers={"cf-mitigated": "challenge"},
    )
    exc = await _raises(client.get_replies(MINT), BlockedError)
    assert exc.kind == "challenge"
    assert exc.status == status
    assert "Cloudflare challenge" in exc.message
    assert exc.body == CHALLENGE_PAGE
    assert (exc.method, exc.path) == ("GET", REPLIES_PATH)


async def test_cloudflare_challenge_recognised_by_body_alone(
    client: AsyncPumpFunClient, mocked: aioresponses
) -> None:
    mocked.post(LIKE_URL, status=503, body=CHALLENGE_PAGE, content_type="text/html")
    exc = await _raises(client.like(MINT), BlockedError)
    assert exc.kind == "challenge"


# ---------------------------------------------------------------------------- 2xx that fail


async def test_database_error_with_200(client: AsyncPumpFunClient, mocked: aioresponses) -> None:
    mocked.get(
        f"{BASE}/coins/bookmarks/bookmark1?limit=50&offset=0&includeNsfw=false", payload=DB_ERROR
    )
    exc = await _raises(client.get_bookmark_items("bookmark1"), APIError)
    assert type(exc) is APIError
    assert exc.code == "22P02"
    _assert_api_error(
        exc,
        status=200,
        message='invalid input syntax for type uuid: "bookmark1"',
        body=DB_ERROR,
        method="GET",
        path="/coins/bookmarks/bookmark1",
    )


async def test_database_error_with_201_on_a_write(
    client: AsyncPumpFunClient, mocked: aioresponses
) -> None:
    mocked.post(f"{BASE}/bookmarks/items/add", status=201, payload=DB_ERROR)
    exc = await _raises(client.add_bookmark_items(MINT, ["bookmark1"]), APIError)
    assert type(exc) is APIError
    assert (exc.status, exc.code) == (201, "22P02")
    assert (exc.method, exc.path) == ("POST", "/bookmarks/items/add")


@pytest.mark.parametrize(
    ("body", "content_type"),
    [("OK", "text/plain"), ("<html><body>hello</body></html>", "text/html"), ("{oops", "")],
)
async def test_non_json_200(
    client: AsyncPumpFunClient, mocked: aioresponses, body: str, content_type: str
) -> None:
    mocked.get(REPLIES_URL, status=200, body=body, content_type=content_type)
    exc = await _raises(client.get_replies(MINT), APIError)
    assert type(exc) is APIError
    _assert_api_error(
        exc,
        status=200,
        message="the server's answer is not JSON",
        body=body,
        method="GET",
        path=REPLIES_PATH,
    )


@pytest.mark.parametrize(
    "payload",
    [
        {"foo": 1},
        [1, 2],
        "replies",
        42,
        True,
        {"replies": {"id": 1}},
        {"replies": [1]},
        [{"foo": 1}],
        [{"id": "not-a-number", "mint": MINT, "text": "gm"}],
        {"replies": [], "hasMore": "maybe"},
    ],
    ids=repr,
)
async def test_wrong_shape_for_get_replies(
    client: AsyncPumpFunClient, mocked: aioresponses, payload: Any
) -> None:
    mocked.get(REPLIES_URL, status=200, payload=payload)
    exc = await _raises(client.get_replies(MINT), APIError)
    assert type(exc) is APIError
    assert not isinstance(exc, (KeyError, TypeError, ValueError))
    assert exc.status == 200
    assert exc.body == payload
    assert (exc.method, exc.path) == ("GET", REPLIES_PATH)
    assert exc.__cause__ is not None


@pytest.mark.parametrize(
    ("call", "path"),
    [
        (lambda c: c.get_bookmark_items("default"), "/coins/bookmarks/default"),
        (lambda c: c.get_reports(), "/reports"),
    ],
)
@pytest.mark.parametrize("payload", [{"foo": 1}, [1], [{"foo": 1}], "x"], ids=repr)
async def test_wrong_shape_for_lists(
    client: AsyncPumpFunClient,
    mocked: aioresponses,
    call: Callable[[AsyncPumpFunClient], Awaitable[object]],
    path: str,
    payload: Any,
) -> None:
    mocked.get(ANY_URL, status=200, payload=payload)
    exc = await _raises(call(client), APIError)
    assert type(exc) is APIError
    assert (exc.status, exc.body, exc.method, exc.path) == (200, payload, "GET", path)


# ---------------------------------------------------------------------------- network failures


def _connector_error() -> Exception:
    return aiohttp.ClientConnectorError(
        connection_key=Mock(), os_error=OSError(111, "Connection refused")
    )


NETWORK_FAILURES: list[tuple[str, Callable[[], Exception], type[TransportError]]] = [
    ("connector", _connector_error, ConnectError),
    ("connection-timeout", lambda: aiohttp.ConnectionTimeoutError("connect"), ConnectError),
    ("asyncio-timeout", asyncio.TimeoutError, RequestTimeoutError),
    ("server-timeout", lambda: aiohttp.ServerTimeoutError("read"), RequestTimeoutError),
    ("disconnected", aiohttp.ServerDisconnectedError, TransportError),
    ("reset", lambda: aiohttp.ClientOSError(104, "Connection reset by peer"), TransportError),
    ("payload", lambda: aiohttp.ClientPayloadError("truncated"), TransportError),
]


@pytest.mark.parametrize(
    ("make", "error_type"),
    [(make, error_type) for _, make, error_type in NETWORK_FAILURES],
    ids=[name for name, _, _ in NETWORK_FAILURES],
)
async def test_network_failure(
    client: AsyncPumpFunClient,
    mocked: aioresponses,
    make: Callable[[], Exception],
    error_type: type[TransportError],
) -> None:
    cause = make()
    mocked.post(LIKE_URL, exception=cause)
    exc = await _raises(client.like(MINT), TransportError)
    assert type(exc) is error_type
    assert not isinstance(exc, APIError)
    assert (exc.method, exc.path) == ("POST", LIKE_PATH)
    assert f"POST {LIKE_PATH}" in str(exc)
    assert exc.__cause__ is cause


async def test_connect_error_names_the_os_error(
    client: AsyncPumpFunClient, mocked: aioresponses
) -> None:
    mocked.get(REPLIES_URL, exception=_connector_error())
    exc = await _raises(client.get_replies(MINT), ConnectError)
    assert "Connection refused" in str(exc)
    assert (exc.method, exc.path) == ("GET", REPLIES_PATH)


# ---------------------------------------------------------------------------- secrets

ANSWERS: dict[str, dict[str, Any]] = {
    "400": {"status": 400, "payload": NESTJS_400},
    "401": {"status": 401, "payload": {"statusCode": 401, "message": "Unauthorized"}},
    "403": {"status": 403, "payload": {"statusCode": 403, "message": "Forbidden resource"}},
    "404": {"status": 404, "body": ""},
    "429": {"status": 429, "payload": THROTTLED, "headers": {"Retry-After": "7"}},
    "502-html": {"status": 502, "body": NGINX_502, "content_type": "text/html"},
    "403-block": {"status": 403, "body": BLOCK_PAGE, "content_type": "text/html"},
    "503-challenge": {"status": 503, "body": CHALLENGE_PAGE, "content_type": "text/html"},
    "418": {"status": 418, "payload": {"statusCode": 418}},
    "200-db": {"status": 200, "payload": DB_ERROR},
    "200-text": {"status": 200, "body": "OK", "content_type": "text/plain"},
    **{name: {"exception": make} for name, make, _ in NETWORK_FAILURES},
}

SECRET_CALLS: dict[str, tuple[Callable[[AsyncPumpFunClient], Awaitable[object]], str, str]] = {
    "like": (lambda c: c.like(MINT), "POST", LIKE_PATH),
    "get_replies": (lambda c: c.get_replies(MINT), "GET", REPLIES_PATH),
    "report_comment": (
        lambda c: c.report_comment(12345, "offensive"),
        "POST",
        "/reports/reportComment",
    ),
}


@pytest.mark.parametrize("call_name", sorted(SECRET_CALLS))
@pytest.mark.parametrize("answer", sorted(ANSWERS))
async def test_no_error_carries_the_secrets(
    client: AsyncPumpFunClient, mocked: aioresponses, call_name: str, answer: str
) -> None:
    call, method, path = SECRET_CALLS[call_name]
    kwargs = dict(ANSWERS[answer])
    if "exception" in kwargs:
        kwargs["exception"] = kwargs["exception"]()
    getattr(mocked, method.lower())(ANY_URL, **kwargs)
    exc = await _raises(call(client), PumpFunError)  # checks str, repr, args, traceback
    assert isinstance(exc, (APIError, TransportError))
    assert (exc.method, exc.path) == (method, path)
    # The secrets did go out, so the check above is not vacuous.
    [(_, _, sent_kwargs)] = sent(mocked)
    headers = sent_kwargs["headers"]
    assert headers["Authorization"] == f"Bearer {TOKEN}"
    if call_name == "report_comment":
        assert headers["x-client-key"] == CLIENT_KEY
    else:
        assert "x-client-key" not in headers


# ---------------------------------------------------------------------------- parse_retry_after

HTTP_DATE = "Wed, 21 Oct 2015 07:28:00 GMT"
HTTP_DATE_TS = 1445412480.0  # 2015-10-21T07:28:00Z


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("7", 7.0),
        ("0", 0.0),
        ("120", 120.0),
        (" 7 ", 7.0),
        ("1.5", 1.5),
        ("0.25", 0.25),
        ("-5", 0.0),
        ("-0.5", 0.0),
        ("", None),
        ("   ", None),
        ("soon", None),
        ("7 seconds", None),
        ("nan", None),
        ("NaN", None),
        ("inf", None),
        ("-inf", None),
        ("1e400", None),
        (None, None),
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    result = parse_retry_after(value)
    assert result == expected
    if expected is not None:
        assert isinstance(result, float)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (HTTP_DATE_TS - 30, 30.0),
        (HTTP_DATE_TS - 0.5, 0.5),
        (HTTP_DATE_TS, 0.0),
        (HTTP_DATE_TS + 100, 0.0),
    ],
)
def test_parse_retry_after_http_date(now: float, expected: float) -> None:
    assert parse_retry_after(HTTP_DATE, now=now) == expected


def test_parse_retry_after_http_date_with_offset() -> None:
    assert parse_retry_after("Wed, 21 Oct 2015 09:28:00 +0200", now=HTTP_DATE_TS - 60) == 60.0


def test_parse_retry_after_past_http_date_without_now() -> None:
    assert parse_retry_after(HTTP_DATE) == 0.0


def test_parse_retry_after_future_http_date_without_now() -> None:
    result = parse_retry_after(formatdate(time.time() + 60, usegmt=True))
    assert result is not None
    assert 0.0 < result <= 60.0


# ---------------------------------------------------------------------------- decode_response


@pytest.mark.parametrize("status", [200, 201, 204])
@pytest.mark.parametrize("body", [b"", b"   ", b" \r\n\t "], ids=repr)
def test_decode_empty_success_body(status: int, body: bytes) -> None:
    assert decode_response(status, {}, body, method="POST", path=LIKE_PATH) is None


def test_decode_json_success_body() -> None:
    body = b'{"replies": [], "hasMore": false}'
    data = decode_response(200, {}, body, method="GET", path=REPLIES_PATH)
    assert data == {"replies": [], "hasMore": False}


def test_decode_empty_error_body() -> None:
    with pytest.raises(ServerError) as info:
        decode_response(500, {}, b"", method="DELETE", path="/reports/7")
    _assert_api_error(
        info.value,
        status=500,
        message="Internal Server Error",
        body=None,
        method="DELETE",
        path="/reports/7",
    )
