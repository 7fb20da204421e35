"""client.request(): any endpoint, through the one request path, over HTTP on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest

from pumpfun_async import (
    APIError,
    AsyncPumpFunClient,
    BlockedError,
    NotFoundError,
    PermissionDeniedError,
    PumpFunClient,
    RateLimitError,
    ResponseTooLargeError,
    RetryPolicy,
    ServerError,
    TokenBucket,
    ValidationError,
)
from pumpfun_async._adhoc import prepare
from pumpfun_async.endpoints import RouteGroup
from pumpfun_async.testing import DOCS_MINT, Emulator, Fault

from .conftest import COIN, MINT, TOKEN, Recorder

LIVE = "/coins/currently-live"  # served by pump.fun, wrapped by no method of the SDK


@pytest.fixture
async def client(recorder: Recorder) -> AsyncIterator[AsyncPumpFunClient]:
    async with AsyncPumpFunClient(
        TOKEN,
        base_url=recorder.url,
        rate_limit=None,
        max_retries=RetryPolicy(max_retries=2, initial_backoff=0.0),
    ) as c:
        yield c


# ---------------------------------------------------------------------- what is sent


async def test_get_an_endpoint_the_sdk_does_not_wrap(
    client: AsyncPumpFunClient, recorder: Recorder
) -> None:
    recorder.reply = [COIN]
    params = {"offset": 0, "limit": 5, "includeNsfw": False, "sort": "market cap", "x": None}
    assert await client.request("GET", LIVE, params=params) == [COIN]
    seen = recorder.last
    assert seen.method == "GET"
    assert seen.raw_path == f"{LIVE}?offset=0&limit=5&includeNsfw=false&sort=market%20cap"
    assert seen.headers["Authorization"] == f"Bearer {TOKEN}"
    assert seen.headers["User-Agent"].startswith("pumpfun-async/")
    assert seen.headers["Accept"] == "application/json"
    assert "Content-Type" not in seen.headers
    assert seen.body == b""


async def test_post_a_json_body(client: AsyncPumpFunClient, recorder: Recorder) -> None:
    recorder.reply = {"ok": True}
    body = {"mint": MINT, "nested": [1, 2.5, None, "é"]}
    assert await client.request("post", "/some/new/thing", json=body) == {"ok": True}
    seen = recorder.last
    assert (seen.method, seen.raw_path) == ("POST", "/some/new/thing")
    assert orjson.loads(seen.body) == body
    assert seen.headers["Content-Type"] == "application/json"


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
async def test_other_methods_with_a_json_body(
    client: AsyncPumpFunClient, recorder: Recorder, method: str
) -> None:
    assert await client.request(method, "/things/1", json=[1, 2]) is None  # empty answer
    seen = recorder.last
    assert (seen.method, seen.body, seen.headers["Content-Type"]) == (
        method,
        b"[1,2]",
        "application/json",
    )


async def test_head_and_options(client: AsyncPumpFunClient, recorder: Recorder) -> None:
    assert await client.request("HEAD", LIVE) is None
    assert await client.request("OPTIONS", LIVE) is None
    assert recorder.hits == [f"HEAD {LIVE}", f"OPTIONS {LIVE}"]


async def test_repeated_params_and_encoded_paths(
    client: AsyncPumpFunClient, recorder: Recorder
) -> None:
    await client.request("GET", "/a b/ünï/%2F/x:y@z", params={"id": [1, "two&three"], "f": 0.5})
    assert recorder.last.raw_path == "/a%20b/%C3%BCn%C3%AF/%2F/x:y@z?id=1&id=two%26three&f=0.5"


async def test_the_base_url_path_is_kept(recorder: Recorder) -> None:
    async with AsyncPumpFunClient(TOKEN, base_url=f"{recorder.url}/v3", rate_limit=None) as c:
        await c.request("GET", LIVE)
    assert recorder.last.raw_path == f"/v3{LIVE}"


# ---------------------------------------------------------------------- refused before sending


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"method": "TRACE"}, "method"),
        ({"method": "GET\r\nX: y"}, "method"),
        ({"method": 7}, "method"),
        ({"method": "GET\ud800"}, "method"),
        ({"path": "coins"}, "path"),
        ({"path": "//evil.example/coins"}, "path"),
        ({"path": "http://evil.example/coins"}, "path"),
        ({"path": "/coins/../admin"}, "path"),
        ({"path": "/coins/./x"}, "path"),
        ({"path": "/coins/%2e%2E/admin"}, "path"),
        ({"path": "/coins/..%2Fadmin"}, "path"),
        ({"path": "/coins/..%5Cadmin"}, "path"),
        ({"path": "/coins\\..\\admin"}, "path"),
        ({"path": "/coins\r\nHost: evil"}, "path"),
        ({"path": "/coins\n"}, "path"),
        ({"path": "/coins?limit=5"}, "path"),
        ({"path": "/coins#top"}, "path"),
        ({"path": "/coins/100%"}, "path"),
        ({"path": "/coins/%zz"}, "path"),
        ({"path": b"/coins"}, "path"),
        ({"path": "/coins\ud800"}, "path"),
        ({"params": [("limit", 5)]}, "params"),
        ({"params": {"limit": object()}}, "params"),
        ({"params": {"limit": float("nan")}}, "params"),
        ({"params": {"": 1}}, "params"),
        ({"params": {3: 1}}, "params"),
        ({"params": {"q": "\ud800"}}, "params"),
        ({"json": {"when": object()}}, "json"),
        ({"json": {1: "non-string key"}}, "json"),
        ({"group": "writes"}, "group"),
        ({"idempotent": "yes"}, "idempotent"),
    ],
)
async def test_bad_arguments_are_refused_before_sending(
    client: AsyncPumpFunClient, recorder: Recorder, kwargs: dict[str, Any], field: str
) -> None:
    arguments: dict[str, Any] = {"method": "GET", "path": LIVE, **kwargs}
    with pytest.raises(ValidationError) as info:
        await client.request(**arguments)
    assert info.value.field == field
    assert recorder.seen == []


# ---------------------------------------------------------------------- the one request path


async def test_typed_errors(recorder: Recorder, client: AsyncPumpFunClient) -> None:
    recorder.answers[LIVE] = (404, {"statusCode": 404, "message": "Cannot GET /coins"})
    recorder.answers["/forbidden"] = (403, {"statusCode": 403, "message": "Forbidden resource"})
    with pytest.raises(NotFoundError, match="Cannot GET /coins") as info:
        await client.request("GET", LIVE)
    assert (info.value.status, info.value.method, info.value.path) == (404, "GET", LIVE)
    with pytest.raises(PermissionDeniedError):
        await client.request("DELETE", "/forbidden/1")


async def test_a_block_page_is_a_blocked_error() -> None:
    async with Emulator() as emu, emu.client() as client:
        emu.add_fault("*", Fault.block_page())
        with pytest.raises(BlockedError):
            await client.request("GET", f"/replies/{DOCS_MINT}")


async def test_size_limit(recorder: Recorder) -> None:
    recorder.reply = [COIN] * 100
    async with AsyncPumpFunClient(
        TOKEN, base_url=recorder.url, rate_limit=None, max_response_bytes=500
    ) as c:
        with pytest.raises(ResponseTooLargeError):
            await c.request("GET", LIVE)


@pytest.mark.parametrize(
    ("method", "idempotent", "attempts"),
    [
        ("GET", None, 3),
        ("HEAD", None, 3),
        ("OPTIONS", None, 3),
        ("PUT", None, 3),
        ("DELETE", None, 3),
        ("POST", None, 1),
        ("PATCH", None, 1),
        ("POST", True, 3),
        ("GET", False, 1),
    ],
)
async def test_retries_follow_the_method_idempotency(
    client: AsyncPumpFunClient,
    recorder: Recorder,
    method: str,
    idempotent: bool | None,
    attempts: int,
) -> None:
    recorder.status = 503
    with pytest.raises(ServerError):
        await client.request(method, "/flaky", idempotent=idempotent)
    assert recorder.hits == [f"{method} /flaky"] * attempts


async def test_a_429_is_retried_whatever_the_method() -> None:
    # The server did nothing with a throttled request: repeating a POST is safe.
    async with Emulator(require_captcha=False) as emu, emu.client(max_retries=2) as client:
        emu.add_fault("create_reply", Fault.http_status(429, headers={"Retry-After": "0"}))
        reply = await client.request("POST", "/replies", json={"mint": DOCS_MINT, "text": "gm"})
    assert reply["text"] == "gm"
    assert [r.status for r in emu.requests] == [429, 201]


async def test_a_429_asking_too_long_a_wait_raises(
    client: AsyncPumpFunClient, recorder: Recorder
) -> None:
    recorder.throttled.add("/busy")  # asks for an hour: more than the policy waits
    with pytest.raises(RateLimitError):
        await client.request("GET", "/busy")
    assert recorder.hits == ["GET /busy"]


async def test_retried_then_answered_on_the_emulator() -> None:
    async with Emulator() as emu, emu.client(max_retries=2) as client:
        emu.add_fault("get_replies", Fault.http_status(502), times=2)
        page = await client.request("GET", f"/replies/{DOCS_MINT}", params={"limit": 2})
    assert isinstance(page["replies"], list)
    assert [r.status for r in emu.requests] == [502, 502, 200]


@pytest.mark.parametrize(
    ("method", "path", "group", "expected"),
    [
        ("GET", LIVE, None, RouteGroup.READS),
        ("POST", LIVE, None, RouteGroup.READS),
        ("POST", "/replies", None, RouteGroup.REPLIES),
        ("POST", f"/likes/{MINT}", None, RouteGroup.LIKES),
        ("DELETE", "/following/someone", None, RouteGroup.FOLLOWS),
        ("GET", "/replies", None, RouteGroup.READS),  # GET /replies is no operation
        ("POST", LIVE, "likes", RouteGroup.LIKES),
        ("GET", LIVE, RouteGroup.REPORTS, RouteGroup.REPORTS),
    ],
)
def test_route_group(method: str, path: str, group: Any, expected: RouteGroup) -> None:
    endpoint, *_ = prepare(
        "http://api.test", method, path, params=None, json=None, group=group, idempotent=None
    )
    assert endpoint.group is expected


@pytest.mark.parametrize(
    ("method", "path", "described"),
    [
        ("POST", f"/likes/{MINT}", "/likes/{target_id}"),
        ("GET", f"/replies/user-replies/{MINT}", "/replies/user-replies/{user_id}"),
        ("GET", "/sol-price", "/sol-price"),  # no operation's route: described as sent
        ("GET", LIVE, LIVE),  # not a mint: not /coins/{mint}
        ("GET", f"/coins/{MINT}", "/coins/{mint}"),
    ],
)
def test_a_known_route_is_described_by_its_template(method: str, path: str, described: str) -> None:
    endpoint, where, *_ = prepare(
        "http://api.test", method, path, params=None, json=None, group=None, idempotent=None
    )
    assert (endpoint.path, where) == (described, path)  # hooks and traces see no ids


async def test_hooks_see_the_template_of_a_known_route(recorder: Recorder) -> None:
    seen: list[str] = []
    async with AsyncPumpFunClient(
        TOKEN,
        base_url=recorder.url,
        rate_limit=None,
        event_hooks={"request": [lambda event: seen.append(event.path)]},
    ) as client:
        await client.request("POST", f"/likes/{MINT}")
    assert seen == ["/likes/{target_id}"]
    assert recorder.hits == [f"POST /likes/{MINT}"]


async def test_rate_limited_in_its_group(recorder: Recorder) -> None:
    # Frozen clocks: nothing refills, so the tokens left count the requests.
    replies = TokenBucket(1, 10, clock=lambda: 0.0)
    reads = TokenBucket(1, 10, clock=lambda: 0.0)
    every = TokenBucket(1, 10, clock=lambda: 0.0)
    limits = {"replies": replies, "reads": reads, "all": every}
    async with AsyncPumpFunClient(TOKEN, base_url=recorder.url, rate_limit=limits) as c:
        await c.request("POST", "/replies", json={"mint": MINT, "text": "gm"})
        await c.request("GET", LIVE)
        await c.request("GET", LIVE)
        await c.request("POST", LIVE, group="replies")
    assert (int(replies.tokens), int(reads.tokens), int(every.tokens)) == (8, 8, 6)


async def test_signs_in_with_a_wallet_first() -> None:
    pytest.importorskip("cryptography")
    from pumpfun_async import Wallet

    async with Emulator() as emu:
        wallet = Wallet.generate()
        async with emu.client(None, wallet=wallet) as client:
            await client.request("DELETE", f"/likes/{DOCS_MINT}")
        login, sent = list(emu.requests)
    assert (login.endpoint, sent.endpoint) == ("login", "unlike")
    assert sent.headers["Authorization"].startswith("Bearer ")


def test_sync_client() -> None:
    with (
        Emulator().run_in_thread() as emu,
        PumpFunClient("user", base_url=emu.url, rate_limit=None) as client,
    ):
        page = client.request("GET", f"/replies/{DOCS_MINT}", params={"limit": 1})
        assert set(page) >= {"replies"}
        with pytest.raises(NotFoundError):
            client.request("GET", LIVE)
        with pytest.raises(ValidationError):
            client.request("GET", "/../x")
        assert [r.path for r in emu.requests] == [f"/replies/{DOCS_MINT}", LIVE]


async def test_a_failed_request_keeps_no_secret_in_its_traceback(
    client: AsyncPumpFunClient, recorder: Recorder
) -> None:
    secret = "captcha-SECRET-5k"
    recorder.status = 400
    with pytest.raises(APIError) as info:
        await client.request(
            "POST", "/replies", params={"captchaToken": secret}, json={"captchaToken": secret}
        )
    assert secret not in str(info.value)
    tb = info.value.__traceback__
    while tb is not None:
        frame = tb.tb_frame
        if frame.f_code.co_name != "test_a_failed_request_keeps_no_secret_in_its_traceback":
            assert secret not in repr(frame.f_locals), frame.f_code.co_name
        tb = tb.tb_next
