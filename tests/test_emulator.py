"""The emulator over real HTTP: every operation, its errors, pagination, limits and faults."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone

import pytest

from pumpfun_async import (
    APIError,
    AsyncPumpFunClient,
    AuthenticationError,
    BadRequestError,
    BlockedError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RequestTimeoutError,
    ServerError,
    TransportError,
)
from pumpfun_async._endpoints import ENDPOINTS
from pumpfun_async.testing import DOCS_MINT, Emulator, EmulatorState, Fault, RateLimit, user_id_for
from pumpfun_async.testing._handlers import HANDLERS

from .conftest import OTHER

NSFW = "SxY6BVScJy9uUxcJnTPkyRFA6CAFjF1YveCHK1ATpump"


@pytest.fixture
async def user(emu: Emulator) -> AsyncIterator[AsyncPumpFunClient]:
    async with emu.client(max_retries=0) as client:  # these tests see every answer
        yield client


@pytest.fixture
async def admin(emu: Emulator) -> AsyncIterator[AsyncPumpFunClient]:
    async with emu.client(admin=True, max_retries=0) as client:
        yield client


# ---------------------------------------------------------------------- operations


def test_every_operation_has_one_handler() -> None:
    # A handler named after no operation would never run; an operation without one, 500.
    assert sorted(HANDLERS) == sorted(ENDPOINTS)


async def test_likes_are_a_set_per_user(emu: Emulator, user: AsyncPumpFunClient) -> None:
    await user.like(DOCS_MINT)
    await user.like(DOCS_MINT)
    async with emu.client("someone-else") as other:
        await other.like(DOCS_MINT)
    me = user_id_for("user-token")
    assert emu.state.likes[me] == {DOCS_MINT}
    await user.unlike(DOCS_MINT)
    await user.unlike(DOCS_MINT)
    assert emu.state.likes[me] == set()
    assert [r.status for r in emu.requests_for("like")] == [201, 201, 201]
    assert emu.requests_for("like")[0].json() is None


async def test_reply_likes_follow_total_likes(emu: Emulator, user: AsyncPumpFunClient) -> None:
    reply = await user.create_reply(DOCS_MINT, "first!")
    assert reply is not None
    await user.like(reply.id)
    await user.like(reply.id)
    async with emu.client("other") as other:
        await other.like(reply.id)
        theirs = (await other.get_replies(DOCS_MINT)).replies[0]
    mine = (await user.get_replies(DOCS_MINT)).replies[0]
    assert (mine.total_likes, mine.liked_by_user) == (2, True)
    assert theirs.liked_by_user is True
    await user.unlike(reply.id)
    assert (await user.get_replies(DOCS_MINT)).replies[0].total_likes == 1


async def test_like_of_an_unknown_target_is_404(user: AsyncPumpFunClient) -> None:
    with pytest.raises(NotFoundError, match="not found"):
        await user.like("7GCihgDB8fe6KNjn2MYtkzZcRjQy3t9GHdC8uHYmW2hr")


async def test_follow_and_unfollow(emu: Emulator, user: AsyncPumpFunClient) -> None:
    await user.follow("user123")
    await user.follow("user123")
    assert emu.state.follows[user_id_for("user-token")] == {"user123"}
    await user.unfollow("user123")
    assert emu.state.follows[user_id_for("user-token")] == set()
    with pytest.raises(BadRequestError, match="yourself"):
        await user.follow(user_id_for("user-token"))


async def test_bookmarks(emu: Emulator, user: AsyncPumpFunClient) -> None:
    assert await user.get_bookmark_items("default") == []
    await user.add_bookmark_items(DOCS_MINT, ["bookmark1", "default"])
    await user.add_bookmark_items(OTHER, ["bookmark1"])
    await user.add_bookmark_items(NSFW, ["bookmark1"])
    await user.add_bookmark_items(DOCS_MINT, ["bookmark1"])  # once only
    coins = await user.get_bookmark_items("bookmark1")
    assert [c.mint for c in coins] == [DOCS_MINT, OTHER]
    with_nsfw = await user.get_bookmark_items("bookmark1", include_nsfw=True)
    assert [c.mint for c in with_nsfw] == [DOCS_MINT, OTHER, NSFW]
    assert [c.mint for c in await user.get_bookmark_items("bookmark1", limit=1, offset=1)] == [
        OTHER
    ]
    await user.remove_bookmark_items(DOCS_MINT, ["bookmark1", "missing"])
    assert [c.mint for c in await user.get_bookmark_items("bookmark1")] == [OTHER]
    assert [c.name for c in await user.get_bookmark_items("default")] == ["Docs Example"]
    async with emu.client("other") as other:
        assert await other.get_bookmark_items("default") == []


async def test_unknown_bookmark_collection(user: AsyncPumpFunClient) -> None:
    with pytest.raises(APIError) as info:
        await user.get_bookmark_items("bookmark9")
    assert (info.value.status, info.value.code) == (200, "22P02")
    assert await user.get_bookmark_items("0b8a2f0e-1c2d-4e5f-8a9b-0c1d2e3f4a5b") == []


async def test_replies_paginate(emu: Emulator, user: AsyncPumpFunClient) -> None:
    created = [await user.create_reply(DOCS_MINT, f"reply {i}") for i in range(5)]
    ids = [r.id for r in created if r is not None]
    assert ids == sorted(ids)
    assert len(set(ids)) == 5
    first = await user.get_replies(DOCS_MINT, limit=2)
    last = await user.get_replies(DOCS_MINT, limit=2, offset=4)
    assert ([r.text for r in first], first.has_more, first.offset) == (
        ["reply 0", "reply 1"],
        True,
        0,
    )
    assert ([r.text for r in last], last.has_more, last.offset) == (["reply 4"], False, 4)
    assert emu.state.coins[DOCS_MINT]["reply_count"] == 5
    assert all(isinstance(r.timestamp, int) and r.timestamp > 10**12 for r in first)


async def test_reply_rules(user: AsyncPumpFunClient) -> None:
    with pytest.raises(NotFoundError):
        await user.create_reply("7GCihgDB8fe6KNjn2MYtkzZcRjQy3t9GHdC8uHYmW2hr", "gm")
    with pytest.raises(NotFoundError):
        await user.get_replies("7GCihgDB8fe6KNjn2MYtkzZcRjQy3t9GHdC8uHYmW2hr")


async def test_reports_workflow(
    emu: Emulator, user: AsyncPumpFunClient, admin: AsyncPumpFunClient
) -> None:
    scam = await user.create_report(DOCS_MINT, "scam", "rug pull")
    spam = await user.create_report(OTHER, "spam", "bots")
    comment = await user.report_comment(1000, "offensive")
    assert scam is not None
    assert spam is not None
    assert comment is not None
    assert (scam.done, scam.is_currently_live, comment.type) == (False, True, "comment")

    page = await admin.get_reports()
    assert page.total == 3
    assert [r.id for r in page] == [comment.id, spam.id, scam.id]  # newest first
    assert [r.id for r in await admin.get_reports(type="scam")] == [scam.id]
    assert [r.id for r in await admin.get_reports(is_currently_live=True)] == [scam.id]
    two = await admin.get_reports(limit=2)
    assert (len(two), two.has_more) == (2, True)

    updated = await admin.update_report(scam.id, True, "banned", "Content removed")
    assert updated is not None
    assert (updated.done, updated.action, updated.notes) == (True, "banned", "Content removed")
    assert [r.id for r in await admin.get_reports(done=True)] == [scam.id]
    assert scam.id not in [r.id for r in await admin.get_reports()]

    await admin.delete_report(scam.id)
    assert scam.id not in emu.state.reports
    with pytest.raises(NotFoundError):
        await admin.delete_report(scam.id)
    with pytest.raises(NotFoundError):
        await admin.update_report(scam.id, True, "ignored")


async def test_reports_date_filter(emu: Emulator, admin: AsyncPumpFunClient) -> None:
    clock = iter([1_714_557_600_000, 1_714_644_000_000])  # 2024-05-01 and 2024-05-02, 10:00Z
    emu.state.now_ms = lambda: next(clock)
    async with emu.client() as user:
        old = await user.create_report(DOCS_MINT, "scam", "old")
        new = await user.create_report(DOCS_MINT, "scam", "new")
    assert old is not None
    assert new is not None
    day = datetime(2024, 5, 2, tzinfo=timezone.utc)
    assert [r.id for r in await admin.get_reports(created_from=day)] == [new.id]
    assert [r.id for r in await admin.get_reports(created_to=day)] == [old.id]
    assert [
        r.id for r in await admin.get_reports(created_from=day - timedelta(days=1), created_to=day)
    ] == [old.id]


async def test_server_side_validation(emu: Emulator) -> None:
    async with emu.client(admin=True) as admin:
        with pytest.raises(BadRequestError, match="action must be one of"):
            await admin.update_report("r1", True, "escalated")
        with pytest.raises(BadRequestError, match="type must be one of"):
            await admin.create_report(DOCS_MINT, "phishing", "x")
        with pytest.raises(BadRequestError, match="type must be 'all'"):
            await admin.get_reports(type="phishing")


# ---------------------------------------------------------------------- auth and captcha


async def test_no_token_is_401(emu: Emulator) -> None:
    async with AsyncPumpFunClient(base_url=emu.url) as anonymous:
        with pytest.raises(AuthenticationError, match="Unauthorized"):
            await anonymous.like(DOCS_MINT)


async def test_admin_endpoints_need_an_admin_token(user: AsyncPumpFunClient) -> None:
    with pytest.raises(PermissionDeniedError, match="Forbidden resource"):
        await user.get_reports()
    with pytest.raises(PermissionDeniedError):
        await user.update_report("r1", True, "banned")
    with pytest.raises(PermissionDeniedError):
        await user.delete_report("r1")


async def test_captcha_is_required_and_single_use(emu: Emulator) -> None:
    async with AsyncPumpFunClient("t", base_url=emu.url) as client:
        with pytest.raises(BadRequestError, match="captcha token is required"):
            await client.follow("user123")
        with pytest.raises(BadRequestError, match="captcha token is required"):
            await client.create_reply(DOCS_MINT, "gm")
        await client.follow("user123", captcha_token="c1")
        with pytest.raises(BadRequestError, match="already used"):
            await client.create_reply(DOCS_MINT, "gm", captcha_token="c1")
    assert emu.state.replies == {}


async def test_captcha_can_be_switched_off() -> None:
    async with (
        Emulator(require_captcha=False) as emu,
        AsyncPumpFunClient("t", base_url=emu.url) as client,
    ):
        await client.follow("user123")
        assert await client.create_reply(DOCS_MINT, "gm") is not None


async def test_report_comment_needs_the_client_key(emu: Emulator) -> None:
    async with emu.client(client_key="wrong") as client:
        with pytest.raises(AuthenticationError, match="Invalid client key"):
            await client.report_comment(1, "spam")


async def test_cookie_auth_and_nest_404(emu: Emulator) -> None:
    request = urllib.request.Request(
        f"{emu.url}/likes/{DOCS_MINT}", method="POST", headers={"Cookie": "auth_token=abc"}
    )
    with await asyncio.to_thread(urllib.request.urlopen, request) as answer:
        assert answer.status == 201
        assert json.loads(answer.read())["liked"] is True
    missing = urllib.request.Request(f"{emu.url}/nope", headers={"Authorization": "Bearer t"})
    with pytest.raises(urllib.error.HTTPError) as info:
        await asyncio.to_thread(urllib.request.urlopen, missing)
    assert json.loads(info.value.read()) == {
        "statusCode": 404,
        "message": "Cannot GET /nope",
        "error": "Not Found",
    }
    info.value.close()


# ---------------------------------------------------------------------- limits and faults


async def test_rate_limit_with_retry_after(emu: Emulator, user: AsyncPumpFunClient) -> None:
    now = [100.0]
    emu._clock = lambda: now[0]
    emu.rate_limit_headers = False  # the 429 itself: a client told the numbers would wait
    emu.set_rate_limit("likes", 2, window=10)
    await user.like(DOCS_MINT)
    await user.unlike(DOCS_MINT)
    await user.get_replies(DOCS_MINT)  # another group is not limited
    with pytest.raises(RateLimitError) as info:
        await user.like(DOCS_MINT)
    assert info.value.retry_after == 10.0
    assert info.value.message == "ThrottlerException: Too Many Requests"
    now[0] = 110.0
    await user.like(DOCS_MINT)


async def test_rate_limit_without_retry_after(emu: Emulator, user: AsyncPumpFunClient) -> None:
    emu.set_rate_limit("replies", 0, retry_after=False)
    with pytest.raises(RateLimitError) as info:
        await user.create_reply(DOCS_MINT, "gm")
    assert info.value.retry_after is None
    emu.clear_rate_limits()
    await user.create_reply(DOCS_MINT, "gm")


async def test_status_fault_for_the_next_n(emu: Emulator, user: AsyncPumpFunClient) -> None:
    emu.add_fault("like", "status:503", times=2)
    for _ in range(2):
        with pytest.raises(ServerError, match="Injected 503"):
            await user.like(DOCS_MINT)
    await user.like(DOCS_MINT)
    emu.add_fault("POST /likes/*", Fault.http_status(502, {"message": "bad gateway"}))
    with pytest.raises(ServerError, match="bad gateway"):
        await user.like(DOCS_MINT)


async def test_block_and_challenge_pages(emu: Emulator, user: AsyncPumpFunClient) -> None:
    emu.add_fault("*", Fault.block_page())
    with pytest.raises(BlockedError) as info:
        await user.get_replies(DOCS_MINT)
    assert info.value.kind == "blocked"
    emu.add_fault("get_replies", "challenge:503")
    with pytest.raises(BlockedError) as info:
        await user.get_replies(DOCS_MINT)
    assert (info.value.kind, info.value.status) == ("challenge", 503)


async def test_latency_fault(emu: Emulator) -> None:
    emu.add_fault("like", Fault.latency(0.5))
    async with emu.client(timeout=0.05, max_retries=0) as hurried:
        with pytest.raises(RequestTimeoutError):
            await hurried.like(DOCS_MINT)


async def test_drop_before_processing_has_no_effect(
    emu: Emulator, user: AsyncPumpFunClient
) -> None:
    emu.add_fault("create_reply", Fault.drop_before())
    with pytest.raises(TransportError):
        await user.create_reply(DOCS_MINT, "gm")
    assert emu.state.replies == {}
    assert emu.requests_for("create_reply")[0].status is None


async def test_drop_after_processing_took_effect(emu: Emulator, user: AsyncPumpFunClient) -> None:
    emu.add_fault("create_reply", "drop_after")
    with pytest.raises(TransportError):
        await user.create_reply(DOCS_MINT, "gm")
    assert [r["text"] for r in emu.state.replies[DOCS_MINT]] == ["gm"]


async def test_requests_are_recorded_and_reset(emu: Emulator, user: AsyncPumpFunClient) -> None:
    await user.follow("user123", captcha_token="cap")
    seen = emu.requests[0]
    assert (seen.method, seen.path, seen.query, seen.endpoint) == (
        "POST",
        "/following/user123",
        {"captchaToken": "cap"},
        "follow",
    )
    assert seen.headers["Authorization"] == "Bearer user-token"
    emu.add_fault("*", "status:500")
    emu.reset()
    assert emu.requests == []
    await user.like(DOCS_MINT)
    assert emu.state.likes == {user_id_for("user-token"): {DOCS_MINT}}


def test_fault_and_limit_parsing() -> None:
    assert Fault.parse("status:418") == Fault.http_status(418)
    assert Fault.parse("latency:0.25").delay == 0.25
    assert Fault.parse("challenge").status == 403
    assert Fault.parse("block") == Fault.block_page()
    assert Fault.parse("drop_before") == Fault.drop_before()
    assert Fault.parse("drop_after") == Fault.drop_after()
    for bad in ("status", "latency:-1", "latency:x", "boom", "block:1", "challenge:x"):
        with pytest.raises(ValueError, match="unknown fault"):
            Fault.parse(bad)
    assert (RateLimit.parse("5/2").limit, RateLimit.parse("5/2").window) == (5, 2.0)
    assert RateLimit.parse("3").window == 1.0
    for bad in ("x", "5/0", "-1/1", "1/inf"):
        with pytest.raises(ValueError, match="N/SECONDS"):
            RateLimit.parse(bad)


# ---------------------------------------------------------------------- running


async def test_lifecycle_guards() -> None:
    emulator = Emulator()
    with pytest.raises(RuntimeError, match="not running"):
        _ = emulator.url
    await emulator.start()
    try:
        assert emulator.url.startswith("http://127.0.0.1:")
        with pytest.raises(RuntimeError, match="already running"):
            await emulator.start()
        with pytest.raises(ValueError, match="times"):
            emulator.add_fault("*", "block", times=0)
    finally:
        await emulator.stop()


def test_run_in_thread_serves_synchronous_code() -> None:
    state = EmulatorState()
    state.add_coin("7GCihgDB8fe6KNjn2MYtkzZcRjQy3t9GHdC8uHYmW2hr", name="Added")
    with Emulator(state=state).run_in_thread() as emulator:
        request = urllib.request.Request(
            f"{emulator.url}/coins/bookmarks/default?limit=50&offset=0&includeNsfw=false",
            headers={"Authorization": "Bearer t"},
        )
        with urllib.request.urlopen(request) as answer:
            assert json.loads(answer.read()) == []
        url = emulator.url
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(url, timeout=2)


def test_pytest_plugin_fixture(pumpfun_emulator: Emulator) -> None:
    async def scenario() -> None:
        async with pumpfun_emulator.client() as client:
            await client.like(DOCS_MINT)
            await client.create_reply(DOCS_MINT, "from the plugin")

    asyncio.run(scenario())
    assert [r.endpoint for r in pumpfun_emulator.requests] == ["like", "create_reply"]


async def test_pytest_plugin_fixture_in_async_tests(pumpfun_emulator: Emulator) -> None:
    pumpfun_emulator.add_fault("like", "status:500")
    async with pumpfun_emulator.client() as client:
        with pytest.raises(ServerError):
            await client.like(DOCS_MINT)


async def test_control_api(emu: Emulator, user: AsyncPumpFunClient) -> None:
    import aiohttp

    async with aiohttp.ClientSession() as http:

        async def control(method: str, name: str, body: object = None) -> tuple[int, object]:
            async with http.request(method, f"{emu.url}/_emulator/{name}", json=body) as answer:
                return answer.status, await answer.json()

        assert await control("POST", "faults", {"route": "like", "fault": "status:503"}) == (
            200,
            {"ok": True},
        )
        with pytest.raises(ServerError):
            await user.like(DOCS_MINT)
        await control("POST", "faults", {"route": "*", "fault": "block", "times": 5})
        await control("DELETE", "faults")
        await control("POST", "rate-limits", {"group": "likes", "limit": "0/60"})
        with pytest.raises(RateLimitError):
            await user.like(DOCS_MINT)
        await control("DELETE", "rate-limits")
        await user.like(DOCS_MINT)
        status, rows = await control("GET", "requests")
        assert status == 200
        assert isinstance(rows, list)
        assert [row["status"] for row in rows] == [503, 429, 201]
        status, error = await control("POST", "faults", {"route": "like", "fault": "boom"})
        assert status == 400
        assert isinstance(error, dict)
        assert "unknown fault" in error["message"]
        assert (await control("POST", "rate-limits", {"group": "nope", "limit": "1"}))[0] == 400
        assert (
            await control("POST", "rate-limits", {"group": "likes", "limit": "1", "retryAfter": 1})
        )[0] == 400
        await control("POST", "reset")
        assert emu.requests == []
