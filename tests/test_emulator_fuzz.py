"""Hostile input on every route of the emulator: always a 4xx NestJS error, never a 500.

Every body field of the 14 operations, of ``POST /auth/login`` and of the control API gets
values of the wrong type (and a few that no JSON parser should accept); the routes without
a body get bodies anyway. The answer must be a complete response: a 4xx with a NestJS error
body for a malformed body, and never a 500 or a dropped connection.
"""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from pumpfun_async.testing import DEFAULT_MAX_BODY_BYTES, DOCS_MINT, Emulator

DEEP = b"[" * 100_000 + b"]" * 100_000
HUGE = b'"' + b"x" * (DEFAULT_MAX_BODY_BYTES + 1) + b'"'
ADMIN = {"Authorization": "Bearer admin-token", "x-client-key": "test-client-key"}

# (name, raw JSON (or not) to put where a field's value goes, what kind of value it is)
VALUES: list[tuple[str, bytes, str]] = [
    ("list", b'[1, "a"]', "mixed list"),
    ("object", b'{"a": {"b": 1}}', "object"),
    ("number", b"5", "int"),
    ("zero", b"0", "zero"),
    ("negative", b"-1", "negative"),
    ("float", b"1.5", "float"),
    ("big int", b"1" + b"0" * 30, "big"),
    ("bool", b"true", "bool"),
    ("null", b"null", "null"),
    ("empty string", b'""', "empty"),
    ("huge string", HUGE, "huge"),
    ("lone surrogate", b'"\\ud83d"', "invalid"),
    ("lone low surrogate", b'"a\\udc00b"', "invalid"),
    ("100k deep array", DEEP, "invalid"),
    ("NaN", b"NaN", "invalid"),
    ("Infinity", b"Infinity", "invalid"),
    ("-Infinity", b"-Infinity", "invalid"),
    ("invalid UTF-8", b'"\xff\xfe"', "invalid"),
    ("not JSON", b"hello", "invalid"),
]

# Whole bodies that are not a valid request for any route with a body.
BODIES: list[tuple[str, bytes]] = [
    ("not JSON", b"hello"),
    ("invalid UTF-8", b"\xff\xfe\xfd"),
    ("100k deep array", DEEP),
    ("100k deep object", b'{"a":' * 100_000 + b"1" + b"}" * 100_000),
    ("NaN", b"NaN"),
    ("Infinity", b"Infinity"),
    ("truncated", b'{"a":'),
    ("string", b'"x"'),
    ("number", b"5"),
    ("null", b"null"),
    ("empty", b""),
    ("lone surrogate", b'{"x": "\\ud83d"}'),
    ("huge", b'{"x": ' + HUGE + b"}"),
]


class Route:
    """A route with a JSON body: a valid body, and the kinds of value each field takes."""

    def __init__(
        self, method: str, path: str, fields: dict[str, tuple[Any, set[str]]], wrap: str = ""
    ) -> None:
        self.method, self.path, self.fields, self.wrap = method, path, fields, wrap

    def body(self, field: str | None = None, raw: bytes = b"") -> bytes:
        """The valid body, with ``field``'s value replaced by ``raw`` (JSON text)."""
        good = {name: value for name, (value, _) in self.fields.items()}
        if field is not None:
            good[field] = "__VALUE__"
        text = json.dumps(good).encode()
        if field is not None:
            text = text.replace(b'"__VALUE__"', raw)
        return b"[" + text + b"]" if self.wrap == "list" else text

    def __repr__(self) -> str:
        return f"{self.method} {self.path}"


STR = {"str"}
IDS = (["default"], set[str]())  # a list of strings: every value below is wrong for it
BODY_ROUTES = [
    Route("POST", "/bookmarks/items/add", {"itemId": (DOCS_MINT, STR), "bookmarkIds": IDS}),
    Route("POST", "/bookmarks/items/remove", {"itemId": (DOCS_MINT, STR), "bookmarkIds": IDS}),
    Route(
        "POST",
        "/replies",
        {"mint": (DOCS_MINT, STR), "text": ("gm", STR), "captchaToken": ("c1", STR)},
    ),
    Route(
        "POST",
        "/reports",
        {"targetId": (DOCS_MINT, STR), "type": ("spam", STR), "reason": ("r", STR)},
    ),
    Route("POST", "/reports/reportComment", {"commentId": ("1000", STR), "reason": ("r", STR)}),
    Route(
        "POST",
        "/reports/update",
        {"reportId": ("r1", STR), "done": (True, {"bool"}), "action": ("banned", STR),
         "notes": ("n", {"str", "null"})},
    ),
    Route(
        "POST",
        "/auth/login",
        {"address": ("a", STR), "signature": ("s", STR), "timestamp": (1, {"int", "zero"})},
    ),
    Route(
        "POST",
        "/_emulator/faults",
        {"route": ("like", STR), "fault": ("status:503", STR), "times": (1, {"int"})},
    ),
    Route(
        "POST",
        "/_emulator/rate-limits",
        {"group": ("likes", STR), "limit": ("1/1", {"str", "int", "zero"}),
         "retryAfter": (True, {"bool"})},
    ),
    Route(
        "POST",
        "/_emulator/coins",
        {"mint": ("7GCihgDB8fe6KNjn2MYtkzZcRjQy3t9GHdC8uHYmW2hr", STR),
         "name": ("N", {"str", "empty", "null"}), "complete": (False, {"bool", "null"}),
         "reply_count": (0, {"int", "zero"}),
         "usd_market_cap": (1.0, {"int", "zero", "negative", "float", "big", "null"})},
        wrap="list",
    ),
]  # fmt: skip

BODYLESS_ROUTES = [
    ("POST", f"/likes/{DOCS_MINT}"),
    ("DELETE", f"/likes/{DOCS_MINT}"),
    ("POST", "/following/user123?captchaToken=c9"),
    ("DELETE", "/following/user123"),
    ("GET", "/coins/bookmarks/default"),
    ("GET", f"/replies/{DOCS_MINT}"),
    ("GET", "/reports"),
    ("DELETE", "/reports/r1"),
    ("DELETE", "/_emulator/faults"),
    ("DELETE", "/_emulator/rate-limits"),
    ("GET", "/_emulator/requests"),
    ("POST", "/_emulator/revoke-tokens"),
    ("POST", "/_emulator/reset"),
]


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def send(
    http: aiohttp.ClientSession, emu: Emulator, method: str, path: str, body: bytes
) -> tuple[int, Any]:
    """Send ``body`` as JSON; the status and the decoded answer (a dropped connection raises)."""
    headers = {**ADMIN, "Content-Type": "application/json"}
    # A stream: aiohttp warns about (large) raw bytes bodies.
    data = io.BytesIO(body)
    async with http.request(method, emu.url + path, data=data, headers=headers) as answer:
        return answer.status, json.loads(await answer.read())


def assert_nest_error(status: int, body: Any, expected: int | None = None, what: str = "") -> None:
    assert 400 <= status < 500, (what, status, body)
    if expected is not None:
        assert status == expected, (what, status, body)
    assert isinstance(body, dict), body
    assert body["statusCode"] == status
    message = body["message"]
    assert isinstance(message, str) or (
        isinstance(message, list) and all(isinstance(m, str) for m in message)
    ), body


@pytest.mark.parametrize("route", BODY_ROUTES, ids=repr)
async def test_wrong_typed_fields_are_4xx(
    emu: Emulator, http: aiohttp.ClientSession, route: Route
) -> None:
    status, answer = await send(http, emu, route.method, route.path, route.body())
    assert status < 500, answer  # the template itself is fine (login answers 401)
    before = (emu.state.replies.get(DOCS_MINT, []).copy(), dict(emu.state.reports))
    checked = 0
    for field, (_, accepted) in route.fields.items():
        for name, raw, kind in VALUES:
            if kind in accepted:
                continue
            status, answer = await send(http, emu, route.method, route.path, route.body(field, raw))
            assert_nest_error(status, answer, 413 if kind == "huge" else None, f"{field}: {name}")
            checked += 1
    assert checked >= 10 * len(route.fields)
    assert (emu.state.replies.get(DOCS_MINT, []), emu.state.reports) == before  # none took effect


@pytest.mark.parametrize("route", BODY_ROUTES, ids=repr)
async def test_malformed_bodies_are_4xx(
    emu: Emulator, http: aiohttp.ClientSession, route: Route
) -> None:
    for name, raw in BODIES:
        status, answer = await send(http, emu, route.method, route.path, raw)
        assert_nest_error(status, answer, 413 if name == "huge" else None, name)
    if route.wrap != "list":  # a list is the coins route's body
        assert_nest_error(*await send(http, emu, route.method, route.path, b"[]"))
    assert_nest_error(*await send(http, emu, route.method, route.path, b'[{"mint": 5}]'))


@pytest.mark.parametrize(("method", "path"), BODYLESS_ROUTES)
async def test_routes_without_a_body_ignore_one(
    emu: Emulator, http: aiohttp.ClientSession, method: str, path: str
) -> None:
    for _, raw in BODIES:
        status, answer = await send(http, emu, method, path, raw)
        assert status < 500, (status, answer)
        if status >= 400:
            assert_nest_error(status, answer)


async def test_a_list_or_object_captcha_token_is_400(
    emu: Emulator, http: aiohttp.ClientSession
) -> None:
    for token in ([1, 2], {"token": "x"}, 5, True):
        body = json.dumps({"mint": DOCS_MINT, "text": "gm", "captchaToken": token}).encode()
        status, answer = await send(http, emu, "POST", "/replies", body)
        assert_nest_error(status, answer, 400)
        assert answer["message"] == ["captchaToken must be a string"]
    assert emu.state.replies == {}
    assert emu.state.used_captchas == set()


async def test_infinite_or_deep_control_requests_are_400(
    emu: Emulator, http: aiohttp.ClientSession
) -> None:
    for body in (
        b'{"route": "like", "fault": "block", "times": Infinity}',
        b'{"route": "like", "fault": "block", "times": 1e400}',
        b'{"route": "like", "fault": "block", "times": 1e30}',
        b'{"route": "like", "fault": ' + DEEP + b"}",
    ):
        assert_nest_error(*await send(http, emu, "POST", "/_emulator/faults", body), expected=400)
    assert emu._faults == []


async def test_unknown_control_routes_are_nest_404(
    emu: Emulator, http: aiohttp.ClientSession
) -> None:
    for method, path in (("GET", "/_emulator/nope"), ("GET", "/_emulator/faults")):
        status, answer = await send(http, emu, method, path, b"")
        assert_nest_error(status, answer, 404)
        assert answer["message"] == f"Cannot {method} {path}"


# ---------------------------------------------------------------------- property-based

_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()  # NaN and the infinities included: json.dumps writes them as literals
    | st.text(max_size=20)
    | st.sampled_from(["\ud83d", "a\udc00", "x" * 3000, DOCS_MINT, "status:503", "likes"]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)  # fmt: skip
_ROUTES = [(r.method, r.path, list(r.fields)) for r in BODY_ROUTES] + [
    (method, path, []) for method, path in BODYLESS_ROUTES
]


@st.composite
def _requests(draw: st.DrawFn) -> tuple[str, str, bytes]:
    method, path, fields = draw(st.sampled_from(_ROUTES))
    shape = draw(st.sampled_from(["fields", "any json", "bytes"]))
    if shape == "bytes":
        return method, path, draw(st.binary(max_size=64))
    if shape == "fields" and fields:
        body: Any = {name: draw(_JSON) for name in fields if draw(st.booleans())}
    else:
        body = draw(_JSON)
    return method, path, json.dumps(body).encode()


def test_any_body_on_any_route_is_never_a_500() -> None:
    with Emulator().run_in_thread() as emu, requests.Session() as http:

        @settings(max_examples=80, deadline=None)
        @given(_requests())
        def check(request: tuple[str, str, bytes]) -> None:
            method, path, body = request
            try:
                answer = http.request(method, emu.url + path, data=body, headers=ADMIN, timeout=10)
            finally:  # what a control request may have scripted must not leak into the next
                emu.clear_faults()
                emu.clear_rate_limits()
            assert answer.status_code < 500, (answer.status_code, answer.text)
            if answer.status_code >= 400:
                assert_nest_error(answer.status_code, answer.json())

        check()
