"""Whatever a server sends back, only PumpFunError subclasses escape (hypothesis).

Arbitrary status lines, headers (``Retry-After``, ``Content-Length``, ``Content-Encoding``,
``Set-Cookie`` among them) and bodies reach every operation through a real loopback socket.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pumpfun_async import AsyncPumpFunClient, PumpFunError, RetryPolicy, ValidationError, Wallet
from pumpfun_async.testing import DOCS_MINT

from .rawhttp import fixed, raw_server

USER = "7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU"
BOOKMARK = "8d5a2a41-7a51-4d5e-8a4b-0c1c7c2b9f10"
WALLET = Wallet.generate()

Call = Callable[[AsyncPumpFunClient], Awaitable[Any]]

OPERATIONS: dict[str, Call] = {
    "like": lambda c: c.like(DOCS_MINT),
    "unlike": lambda c: c.unlike(12345),
    "follow": lambda c: c.follow(USER),
    "unfollow": lambda c: c.unfollow(USER),
    "add_bookmark_items": lambda c: c.add_bookmark_items(DOCS_MINT, [BOOKMARK]),
    "remove_bookmark_items": lambda c: c.remove_bookmark_items(DOCS_MINT, ["default"]),
    "get_bookmark_items": lambda c: c.get_bookmark_items(BOOKMARK),
    "create_reply": lambda c: c.create_reply(DOCS_MINT, "gm"),
    "get_replies": lambda c: c.get_replies(DOCS_MINT),
    "create_report": lambda c: c.create_report(DOCS_MINT, "scam", "rug"),
    "report_comment": lambda c: c.report_comment(12345, "spam"),
    "get_reports": lambda c: c.get_reports(),
    "update_report": lambda c: c.update_report("r-1", done=True, action="banned"),
    "delete_report": lambda c: c.delete_report("r-1"),
    "get_user": lambda c: c.get_user(USER),
    "get_followers": lambda c: c.get_followers(USER),
    "get_following": lambda c: c.get_following(USER),
    "get_coin": lambda c: c.get_coin(DOCS_MINT),
    "get_user_replies": lambda c: c.get_user_replies(USER),
    "login": lambda c: c.login(),
}

HEADER_NAMES = [
    "Content-Type",
    "Content-Length",
    "Content-Encoding",
    "Transfer-Encoding",
    "Retry-After",
    "Set-Cookie",
    "cf-mitigated",
    "ETag",
    "Connection",
    "X-Other",
]

# Well-formed HTTP dates but for the year and the zone, where the extremes are.
http_dates = st.builds(
    "Wed, {:02d} Oct {} {:02d}:{:02d}:00 {}".format,
    st.integers(1, 28),
    st.sampled_from([1, 1970, 2026, 9999, 10_000, 2**31, 99_999_999_999, 10**30])
    | st.integers(0, 10**15),
    st.integers(0, 23),
    st.integers(0, 59),
    st.sampled_from(["GMT", "UTC", "-0000", "EST", "+2359", "-2359"])
    | st.integers(-(10**20), 10**20).map(lambda n: f"{n:+05d}"),
)

retry_after = st.one_of(
    http_dates,
    st.integers(-(10**30), 10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(max_size=40),
)

header_value = st.one_of(
    retry_after,
    st.sampled_from(["gzip", "deflate", "br", "identity", "chunked", "application/json"]),
    st.integers(-5, 10**12).map(str),
    st.binary(max_size=30).map(lambda b: b.decode("latin-1")),
)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats()
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    *("replies", "hasMore", "offset", "id", "mint", "text", "code", "message"),
                    *("reports", "address", "userId", "timestamp", "followers", "user", "coin"),
                ]
            )
            | st.text(max_size=8),
            children,
            max_size=5,
        )
    ),
    max_leaves=20,
)

bodies = st.one_of(
    st.binary(max_size=300),
    json_values.map(lambda v: orjson.dumps(v, option=orjson.OPT_NON_STR_KEYS)),
    st.sampled_from([b"", b"{", b"[]", b"null", b"<html>Just a moment...</html>", b"\xff\xfe"]),
)

status_lines = st.one_of(
    st.builds(
        "HTTP/1.1 {} {}".format,
        st.one_of(
            st.sampled_from([200, 201, 204, 304, 400, 401, 403, 404, 429, 500, 503]),
            st.integers(100, 999),
        ),
        st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=12),
    ).map(str.encode),
    st.binary(max_size=40),
)


@st.composite
def answers(draw: st.DrawFn) -> bytes:
    status = draw(status_lines)
    headers = draw(st.lists(st.tuples(st.sampled_from(HEADER_NAMES), header_value), max_size=6))
    if draw(st.booleans()):  # throttling is where Retry-After is read: draw it often
        status = b"HTTP/1.1 429 Too Many Requests"
        headers.append(("Retry-After", draw(http_dates | retry_after)))
    body = draw(bodies)
    head = status + b"\r\n"
    for name, value in headers:
        head += name.encode() + b": " + value.encode("latin-1", "replace") + b"\r\n"
    if draw(st.booleans()):
        head += b"Content-Length: %d\r\n" % len(body)
    return head + b"\r\n" + body


async def answer_with(answer: bytes, operation: str) -> None:
    async with (
        raw_server(fixed(answer)) as server,
        AsyncPumpFunClient(
            "t",
            base_url=server.base_url,
            client_key="k",
            captcha="c",
            wallet=WALLET if operation == "login" else None,
            rate_limit=None,
            timeout=5,
            max_retries=RetryPolicy(max_retries=1, initial_backoff=0, max_retry_after=0),
        ) as client,
    ):
        try:
            await OPERATIONS[operation](client)
        except ValidationError as error:  # the call itself is valid: the server is not
            raise AssertionError(f"{operation} was refused before sending") from error
        except PumpFunError:
            pass  # anything else fails the test


@settings(
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(answer=answers(), operation=st.sampled_from(sorted(OPERATIONS)))
def test_only_pumpfun_errors_escape(answer: bytes, operation: str) -> None:
    asyncio.run(answer_with(answer, operation))
