"""Each operation through aioresponses: the request sent and the decoded result."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import orjson
import pytest
from aioresponses import aioresponses
from yarl import URL

from pumpfun_async import (
    AsyncPumpFunClient,
    Coin,
    RepliesPage,
    Reply,
    Report,
    ReportAction,
    ReportsPage,
    ReportType,
    TransportError,
)

from .conftest import BASE, CLIENT_KEY, COIN, MINT, REPLY, REPORT, TOKEN, sent


def only_request(mocked: aioresponses) -> tuple[str, URL, dict[str, Any]]:
    calls = sent(mocked)
    assert len(calls) == 1, calls
    return calls[0]


def json_body(kwargs: dict[str, Any]) -> Any:
    assert kwargs["headers"]["Content-Type"] == "application/json"
    return orjson.loads(kwargs["data"])


async def test_like_and_unlike(mocked: aioresponses, client: AsyncPumpFunClient) -> None:
    mocked.post(f"{BASE}/likes/{MINT}", status=201, body="")
    mocked.delete(f"{BASE}/likes/9001", status=200, body="")
    await client.like(MINT)
    await client.unlike(9001)
    (m1, u1, k1), (m2, u2, k2) = sent(mocked)
    assert (m1, str(u1)) == ("POST", f"{BASE}/likes/{MINT}")
    assert (m2, str(u2)) == ("DELETE", f"{BASE}/likes/9001")
    for kwargs in (k1, k2):
        assert kwargs["data"] is None
        assert kwargs["headers"]["Authorization"] == f"Bearer {TOKEN}"
        assert "x-client-key" not in kwargs["headers"]


async def test_like_accepts_a_json_answer(mocked: aioresponses, client: AsyncPumpFunClient) -> None:
    mocked.post(f"{BASE}/likes/{MINT}", status=201, payload={"liked": True})
    await client.like(MINT)


async def test_follow_with_explicit_captcha(
    mocked: aioresponses, client: AsyncPumpFunClient
) -> None:
    mocked.post(f"{BASE}/following/user123?captchaToken=tok-1", status=201)
    await client.follow("user123", captcha_token="tok-1")
    method, url, kwargs = only_request(mocked)
    assert method == "POST"
    assert url.query_string == "captchaToken=tok-1"
    assert kwargs["data"] is None


async def test_unfollow(mocked: aioresponses, client: AsyncPumpFunClient) -> None:
    mocked.delete(f"{BASE}/following/user123", status=200)
    await client.unfollow("user123")
    method, url, _ = only_request(mocked)
    assert (method, url.path) == ("DELETE", "/following/user123")


async def test_bookmark_items(mocked: aioresponses, client: AsyncPumpFunClient) -> None:
    mocked.post(f"{BASE}/bookmarks/items/add", status=201, payload={"success": True})
    mocked.post(f"{BASE}/bookmarks/items/remove", status=201)
    await client.add_bookmark_items(MINT, ("bookmark1", "bookmark2"))
    await client.remove_bookmark_items(MINT, iter(["bookmark1"]))
    (_, _, add), (_, _, remove) = sent(mocked)
    assert json_body(add) == {"itemId": MINT, "bookmarkIds": ["bookmark1", "bookmark2"]}
    assert json_body(remove) == {"itemId": MINT, "bookmarkIds": ["bookmark1"]}


async def test_get_bookmark_items(mocked: aioresponses, client: AsyncPumpFunClient) -> None:
    mocked.get(
        f"{BASE}/coins/bookmarks/default?limit=10&offset=5&includeNsfw=true",
        payload=[COIN, {**COIN, "mint": "7GCihgDB8fe6KNjn2MYtkzZcRjQy3t9GHdC8uHYmW2hr"}],
    )
    coins = await client.get_bookmark_items("default", limit=10, offset=5, include_nsfw=True)
    assert [type(c) for c in coins] == [Coin, Coin]
    assert coins[0].mint == MINT
    assert coins[0].usd_market_cap == 5000.25
    assert coins[0].virtual_sol_reserves == 30000000000
    assert coins[0].created_at == datetime(2024, 5, 1, 10, tzinfo=timezone.utc)
    assert coins[0].raw == COIN


async def test_get_bookmark_items_empty(mocked: aioresponses, client: AsyncPumpFunClient) -> None:
    mocked.get(f"{BASE}/coins/bookmarks/bookmark1?limit=50&offset=0&includeNsfw=false", payload=[])
    assert await client.get_bookmark_items("bookmark1") == []


async def test_create_reply(mocked: aioresponses, client: AsyncPumpFunClient) -> None:
    mocked.post(f"{BASE}/replies", status=201, payload=REPLY)
    reply = await client.create_reply(MINT, "Great project! #42", captcha_token="<token>")
    assert isinstance(reply, Reply)
    assert reply.id == 9001
    assert reply.mentions == [42]
    assert reply.created_at == datetime(2024, 5, 1, 10, tzinfo=timezone.utc)
    _, _, kwargs = only_request(mocked)
    assert json_body(kwargs) == {
        "mint": MINT,
        "text": "Great project! #42",
        "captchaToken": "<token>",
    }


@pytest.mark.parametrize("body", ["", "{}", '{"success":true}', "true"])
async def test_create_reply_without_a_reply_in_the_answer(
    mocked: aioresponses, client: AsyncPumpFunClient, body: str
) -> None:
    mocked.post(f"{BASE}/replies", status=201, body=body)
    assert await client.create_reply(MINT, "gm") is None


async def test_get_replies_object_form(mocked: aioresponses, client: AsyncPumpFunClient) -> None:
    payload = {"replies": [REPLY], "hasMore": True, "offset": 100}
    mocked.get(f"{BASE}/replies/{MINT}?limit=1&offset=100", payload=payload)
    page = await client.get_replies(MINT, limit=1, offset=100)
    assert isinstance(page, RepliesPage)
    assert (page.has_more, page.offset, len(page)) == (True, 100, 1)
    assert next(iter(page)).username == "degen"
    assert page.raw == payload


async def test_get_replies_bare_list(mocked: aioresponses, client: AsyncPumpFunClient) -> None:
    mocked.get(f"{BASE}/replies/{MINT}?limit=2&offset=0", payload=[REPLY, REPLY])
    mocked.get(f"{BASE}/replies/{MINT}?limit=2&offset=2", payload=[REPLY])
    first = await client.get_replies(MINT, limit=2)
    second = await client.get_replies(MINT, limit=2, offset=2)
    assert (len(first), first.has_more, first.offset) == (2, True, 0)
    assert (len(second), second.has_more, second.offset) == (1, False, 2)


async def test_create_report(mocked: aioresponses, client: AsyncPumpFunClient) -> None:
    mocked.post(f"{BASE}/reports", status=201, payload=REPORT)
    report = await client.create_report(MINT, "scam", "This token appears to be a scam")
    assert isinstance(report, Report)
    assert report.type is ReportType.SCAM
    assert report.target_id == MINT
    assert report.created_at == datetime(2024, 5, 1, 10, tzinfo=timezone.utc)
    _, _, kwargs = only_request(mocked)
    assert json_body(kwargs) == {
        "targetId": MINT,
        "type": "scam",
        "reason": "This token appears to be a scam",
    }


async def test_report_comment_sends_the_client_key(
    mocked: aioresponses, client: AsyncPumpFunClient
) -> None:
    mocked.post(f"{BASE}/reports/reportComment", status=201, body="")
    assert await client.report_comment(9001, "offensive") is None
    _, _, kwargs = only_request(mocked)
    assert kwargs["headers"]["x-client-key"] == CLIENT_KEY
    assert json_body(kwargs) == {"commentId": "9001", "reason": "offensive"}


async def test_get_reports(mocked: aioresponses, client: AsyncPumpFunClient) -> None:
    payload = {"reports": [REPORT, {**REPORT, "id": 2, "type": "phishing"}], "total": 2}
    mocked.get(
        f"{BASE}/reports?limit=50&offset=0&type=all&done=false&createdAtFrom=&createdAtTo="
        "&isCurrentlyLive=false",
        payload=payload,
    )
    page = await client.get_reports()
    assert isinstance(page, ReportsPage)
    assert page.total == 2
    assert [r.id for r in page] == [REPORT["id"], "2"]
    assert page.reports[1].type == "phishing"


async def test_update_report(mocked: aioresponses, client: AsyncPumpFunClient) -> None:
    mocked.post(
        f"{BASE}/reports/update", status=201, payload={**REPORT, "done": True, "action": "banned"}
    )
    mocked.post(f"{BASE}/reports/update", status=201, body="")
    report = await client.update_report(REPORT["id"], True, ReportAction.BANNED, "banned")
    assert report is not None
    assert report.action is ReportAction.BANNED
    assert report.done is True
    assert await client.update_report("r2", done=False, action="no_action") is None
    (_, _, first), (_, _, second) = sent(mocked)
    assert json_body(first) == {
        "reportId": REPORT["id"],
        "done": True,
        "action": "banned",
        "notes": "banned",
    }
    assert json_body(second) == {"reportId": "r2", "done": False, "action": "no_action"}


async def test_delete_report(mocked: aioresponses, client: AsyncPumpFunClient) -> None:
    mocked.delete(f"{BASE}/reports/42", status=200, body="")
    await client.delete_report(42)
    method, url, kwargs = only_request(mocked)
    assert (method, url.path, kwargs["data"]) == ("DELETE", "/reports/42", None)


# ---------------------------------------------------------------------- captcha sources


async def test_fixed_captcha_token(mocked: aioresponses) -> None:
    mocked.post(f"{BASE}/following/u1?captchaToken=fixed", status=201)
    mocked.post(f"{BASE}/replies", status=201)
    async with AsyncPumpFunClient(TOKEN, base_url=BASE, captcha="fixed") as client:
        await client.follow("u1")
        await client.create_reply(MINT, "gm")
    _, (_, _, reply) = sent(mocked)
    assert json_body(reply)["captchaToken"] == "fixed"


async def test_sync_captcha_provider_is_called_per_request(mocked: aioresponses) -> None:
    tokens = iter(["t1", "t2"])
    mocked.post(f"{BASE}/following/u1?captchaToken=t1", status=201)
    mocked.post(f"{BASE}/following/u2?captchaToken=t2", status=201)
    async with AsyncPumpFunClient(TOKEN, base_url=BASE, captcha=lambda: next(tokens)) as client:
        await client.follow("u1")
        await client.follow("u2")
    assert len(sent(mocked)) == 2


async def test_async_captcha_provider(mocked: aioresponses) -> None:
    calls = 0

    async def provider() -> str:
        nonlocal calls
        calls += 1
        return f"async-{calls}"

    mocked.post(f"{BASE}/replies", status=201)
    async with AsyncPumpFunClient(TOKEN, base_url=BASE, captcha=provider) as client:
        await client.create_reply(MINT, "gm")
        with pytest.raises(TransportError, match="Connection refused"):
            await client.create_reply(MINT, "gm again")  # no mock left: aioresponses refuses
    (_, _, first), *_ = sent(mocked)
    assert json_body(first)["captchaToken"] == "async-1"
    assert calls == 2


async def test_per_call_captcha_wins_over_the_provider(mocked: aioresponses) -> None:
    def provider() -> str:
        raise AssertionError("must not be asked")

    mocked.post(f"{BASE}/following/u1?captchaToken=mine", status=201)
    async with AsyncPumpFunClient(TOKEN, base_url=BASE, captcha=provider) as client:
        await client.follow("u1", captcha_token="mine")
    assert len(sent(mocked)) == 1


async def test_captcha_is_not_asked_for_other_calls(mocked: aioresponses) -> None:
    def provider() -> str:
        raise AssertionError("must not be asked")

    mocked.post(f"{BASE}/likes/{MINT}", status=201)
    async with AsyncPumpFunClient(TOKEN, base_url=BASE, captcha=provider) as client:
        await client.like(MINT)
