"""Every operation against a real loopback HTTP server: the exact bytes of each request."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import orjson
import pytest

from pumpfun_async import APIError, AsyncPumpFunClient, ReportAction, ReportType
from pumpfun_async._transport import USER_AGENT
from pumpfun_async.endpoints import ENDPOINTS

from .conftest import CLIENT_KEY, MINT, REPLY, REPORT, TOKEN, USER, Recorder


@pytest.fixture
async def wire_client(recorder: Recorder) -> AsyncIterator[AsyncPumpFunClient]:
    async with AsyncPumpFunClient(TOKEN, base_url=recorder.url, client_key=CLIENT_KEY) as c:
        yield c


Call = Callable[[AsyncPumpFunClient], Awaitable[object]]


# (call, method, raw path with query, JSON body or None) straight from the docs' curl lines.
CASES: list[tuple[str, Call, str, str, dict[str, Any] | None]] = [
    ("like", lambda c: c.like(MINT), "POST", f"/likes/{MINT}", None),
    ("unlike", lambda c: c.unlike(MINT), "DELETE", f"/likes/{MINT}", None),
    (
        "follow",
        lambda c: c.follow("user123", captcha_token="captcha-1"),
        "POST",
        "/following/user123?captchaToken=captcha-1",
        None,
    ),
    ("unfollow", lambda c: c.unfollow("user123"), "DELETE", "/following/user123", None),
    (
        "add_bookmark_items",
        lambda c: c.add_bookmark_items(MINT, ["bookmark1", "bookmark2"]),
        "POST",
        "/bookmarks/items/add",
        {"itemId": MINT, "bookmarkIds": ["bookmark1", "bookmark2"]},
    ),
    (
        "remove_bookmark_items",
        lambda c: c.remove_bookmark_items(MINT, ["bookmark1"]),
        "POST",
        "/bookmarks/items/remove",
        {"itemId": MINT, "bookmarkIds": ["bookmark1"]},
    ),
    (
        "get_bookmark_items",
        lambda c: c.get_bookmark_items("bookmark1"),
        "GET",
        "/coins/bookmarks/bookmark1?limit=50&offset=0&includeNsfw=false",
        None,
    ),
    (
        "create_reply",
        lambda c: c.create_reply(MINT, "Great project!", captcha_token="<token>"),
        "POST",
        "/replies",
        {"mint": MINT, "text": "Great project!", "captchaToken": "<token>"},
    ),
    (
        "get_replies",
        lambda c: c.get_replies(MINT),
        "GET",
        f"/replies/{MINT}?limit=50&offset=0",
        None,
    ),
    (
        "create_report",
        lambda c: c.create_report("string", ReportType.SCAM, "This token appears to be a scam"),
        "POST",
        "/reports",
        {"targetId": "string", "type": "scam", "reason": "This token appears to be a scam"},
    ),
    (
        "report_comment",
        lambda c: c.report_comment("string", "offensive"),
        "POST",
        "/reports/reportComment",
        {"commentId": "string", "reason": "offensive"},
    ),
    (
        "get_reports",
        lambda c: c.get_reports(),
        "GET",
        "/reports?limit=50&offset=0&type=all&done=false&createdAtFrom=&createdAtTo="
        "&isCurrentlyLive=false",
        None,
    ),
    (
        "update_report",
        lambda c: c.update_report(
            "string", True, ReportAction.BANNED, "Content removed and user banned"
        ),
        "POST",
        "/reports/update",
        {
            "reportId": "string",
            "done": True,
            "action": "banned",
            "notes": "Content removed and user banned",
        },
    ),
    ("delete_report", lambda c: c.delete_report("r1"), "DELETE", "/reports/r1", None),
    # The social-graph reads, as pump.fun's web app sends them (public captures).
    ("get_user", lambda c: c.get_user(USER), "GET", f"/users/{USER}", None),
    (
        "get_followers",
        lambda c: c.get_followers(USER),
        "GET",
        f"/following/followers/{USER}",
        None,
    ),
    ("get_following", lambda c: c.get_following(USER), "GET", f"/following/{USER}", None),
    ("get_coin", lambda c: c.get_coin(MINT), "GET", f"/coins/{MINT}", None),
    (
        "get_user_replies",
        lambda c: c.get_user_replies(USER, limit=20, offset=40),
        "GET",
        f"/replies/user-replies/{USER}?limit=20&offset=40",
        None,
    ),
]


# What the reads of one object need in the answer (the others decode an empty body).
ANSWERS: dict[str, Any] = {"get_user": {"address": USER}, "get_coin": {"mint": MINT}}


def test_cases_cover_every_endpoint() -> None:
    assert [case[0] for case in CASES] == list(ENDPOINTS)


@pytest.mark.parametrize(
    ("name", "call", "method", "raw_path", "body"), CASES, ids=[c[0] for c in CASES]
)
async def test_request_on_the_wire(
    recorder: Recorder,
    wire_client: AsyncPumpFunClient,
    name: str,
    call: Call,
    method: str,
    raw_path: str,
    body: dict[str, Any] | None,
) -> None:
    recorder.reply = ANSWERS.get(name)
    await call(wire_client)
    seen = recorder.last
    assert (seen.method, seen.raw_path) == (method, raw_path)
    headers = {k.lower(): v for k, v in seen.headers.items()}
    assert headers["authorization"] == f"Bearer {TOKEN}"
    assert headers["accept"] == "application/json"
    assert headers["user-agent"] == USER_AGENT
    assert ("x-client-key" in headers) == (name == "report_comment")
    if name == "report_comment":
        assert headers["x-client-key"] == CLIENT_KEY
    if body is None:
        assert seen.body == b""
        assert "content-type" not in headers
    else:
        assert headers["content-type"] == "application/json"
        decoded = orjson.loads(seen.body)
        assert decoded == body
        assert list(decoded) == list(body), "keys go in the docs' order"
    assert "cookie" not in headers


async def test_decoded_results_over_http(
    recorder: Recorder, wire_client: AsyncPumpFunClient
) -> None:
    recorder.reply = {"replies": [REPLY], "hasMore": True, "offset": 0}
    page = await wire_client.get_replies(MINT)
    assert page.has_more
    assert page.replies[0].text == REPLY["text"]

    recorder.reply = REPLY
    recorder.status = 201
    reply = await wire_client.create_reply(MINT, "Great project!")
    assert reply is not None
    assert reply.id == REPLY["id"]

    recorder.reply = REPORT
    report = await wire_client.create_report("string", "scam", "x")
    assert report is not None
    assert report.type is ReportType.SCAM

    recorder.reply = [{"mint": MINT, "name": "Coin", "usd_market_cap": 1234.5}]
    recorder.status = 200
    coins = await wire_client.get_bookmark_items("default")
    assert coins[0].usd_market_cap == 1234.5


@pytest.mark.parametrize(
    ("user_id", "raw_path"),
    [
        ("a&b=c", "/following/a%26b%3Dc"),
        ("x:y@z", "/following/x%3Ay%40z"),
        ("héllo", "/following/h%C3%A9llo"),
        ("..a", "/following/..a"),
        ("~user_1", "/following/~user_1"),
    ],
)
async def test_path_segments_are_percent_encoded(
    recorder: Recorder, wire_client: AsyncPumpFunClient, user_id: str, raw_path: str
) -> None:
    # Like targets are mints and reply ids only; a user id may hold any of these.
    await wire_client.unfollow(user_id)
    assert recorder.last.raw_path == raw_path


@pytest.mark.parametrize(
    ("target", "raw_path"), [(MINT, f"/likes/{MINT}"), (12345, "/likes/12345")]
)
async def test_like_targets_go_in_the_path_as_they_are(
    recorder: Recorder, wire_client: AsyncPumpFunClient, target: str | int, raw_path: str
) -> None:
    await wire_client.like(target)
    assert recorder.last.raw_path == raw_path


async def test_captcha_token_is_query_encoded(
    recorder: Recorder, wire_client: AsyncPumpFunClient
) -> None:
    await wire_client.follow("user123", captcha_token="a+b/c=d&e")
    assert recorder.last.raw_path == "/following/user123?captchaToken=a%2Bb%2Fc%3Dd%26e"


async def test_follow_without_captcha_leaves_the_parameter_out(
    recorder: Recorder, wire_client: AsyncPumpFunClient
) -> None:
    await wire_client.follow("user123")
    await wire_client.create_reply(MINT, "gm")
    assert recorder.seen[0].raw_path == "/following/user123"
    assert orjson.loads(recorder.seen[1].body) == {"mint": MINT, "text": "gm"}


async def test_get_reports_with_every_filter(
    recorder: Recorder, wire_client: AsyncPumpFunClient
) -> None:
    await wire_client.get_reports(
        limit=10,
        offset=20,
        type=ReportType.NSFW,
        done=True,
        created_from="2024-05-01T10:00:00Z",
        created_to="2024-05-02",
        is_currently_live=True,
    )
    assert recorder.last.raw_path == (
        "/reports?limit=10&offset=20&type=nsfw&done=true"
        "&createdAtFrom=2024-05-01T10%3A00%3A00.000Z&createdAtTo=2024-05-02T00%3A00%3A00.000Z"
        "&isCurrentlyLive=true"
    )


async def test_base_url_with_a_path_prefix(recorder: Recorder) -> None:
    async with AsyncPumpFunClient(TOKEN, base_url=recorder.url + "/api/") as c:
        await c.unlike(MINT)
    assert recorder.last.raw_path == f"/api/likes/{MINT}"


async def test_redirects_are_not_followed(recorder: Recorder) -> None:
    recorder.status = 302
    async with AsyncPumpFunClient(TOKEN, base_url=recorder.url) as c:
        with pytest.raises(APIError) as info:
            await c.like(MINT)
    assert info.value.status == 302
    assert len(recorder.seen) == 1
