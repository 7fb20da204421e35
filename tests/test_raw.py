"""client.with_raw_response: every operation's raw answer, over HTTP on loopback."""

from __future__ import annotations

import inspect
import os
import re
import subprocess
import sys
import textwrap
import time
import types
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest

from pumpfun_async import (
    APIError,
    AsyncPumpFunClient,
    BlockedError,
    NotFoundError,
    PumpFunClient,
    RawResponse,
    RepliesPage,
    Reply,
    ResponseTooLargeError,
    RetryPolicy,
    ServerError,
    StateCache,
    ValidationError,
)
from pumpfun_async import _transport as transport_module
from pumpfun_async._raw_ops import RAW_METHOD_NAMES, AsyncRawResponses, RawResponses
from pumpfun_async._tools.sync_stub import RAW_STUB_PATH, render_raw
from pumpfun_async.endpoints import ENDPOINTS
from pumpfun_async.testing import DOCS_MINT, Emulator, Fault

from .conftest import COIN, MINT, REPLY, REPORT, TOKEN, Recorder

CAPTCHA = "captcha-SECRET-7q"
KEY = "client-key-SECRET-9z"
COMMENT = 9001

# Each operation: its arguments, and what the recorder answers it with.
OPERATIONS: dict[str, tuple[dict[str, Any], Any]] = {
    "like": ({"target_id": MINT}, {"targetId": MINT, "liked": True}),
    "unlike": ({"target_id": 42}, None),
    "follow": ({"user_id": "user123"}, {"following": True}),
    "unfollow": ({"user_id": "user123"}, None),
    "add_bookmark_items": ({"item_id": MINT, "bookmark_ids": ["default"]}, {"ok": True}),
    "remove_bookmark_items": ({"item_id": MINT, "bookmark_ids": ["default"]}, None),
    "get_bookmark_items": ({"bookmark_id": "default", "limit": 10}, [COIN]),
    "create_reply": ({"mint": MINT, "text": "gm"}, REPLY),
    "get_replies": ({"mint": MINT, "limit": 1}, {"replies": [REPLY], "hasMore": True}),
    "create_report": ({"target_id": MINT, "type": "scam", "reason": "rug"}, REPORT),
    "report_comment": ({"comment_id": COMMENT, "reason": "spam"}, REPORT),
    "get_reports": ({"limit": 5}, {"reports": [REPORT], "total": 1}),
    "update_report": ({"report_id": REPORT["id"], "done": True, "action": "banned"}, REPORT),
    "delete_report": ({"report_id": REPORT["id"]}, None),
    "get_user": ({"user_id": "user123"}, {"address": "user123", "username": "fan", "bio": "gm"}),
    "get_followers": ({"user_id": "user123"}, [{"address": "user456", "timestamp": 1}]),
    "get_following": ({"user_id": "user123"}, [{"address": "user789", "timestamp": 2}]),
    "get_coin": ({"mint": MINT}, COIN),
    "get_user_replies": ({"user_id": "user123", "limit": 1}, {"replies": [REPLY]}),
    "request": ({"method": "GET", "path": "/coins/currently-live"}, [COIN]),
}


@pytest.fixture
async def client(recorder: Recorder) -> AsyncIterator[AsyncPumpFunClient]:
    async with AsyncPumpFunClient(
        TOKEN,
        base_url=recorder.url,
        client_key=KEY,
        captcha=CAPTCHA,
        rate_limit=None,
        max_retries=0,
    ) as c:
        yield c


# ---------------------------------------------------------------------- the surface


def test_every_operation_and_request_have_a_raw_form() -> None:
    assert (*ENDPOINTS, "request") == RAW_METHOD_NAMES
    assert set(OPERATIONS) == set(RAW_METHOD_NAMES)
    for name in RAW_METHOD_NAMES:
        plain = inspect.signature(getattr(AsyncPumpFunClient, name))
        for cls in (AsyncRawResponses, RawResponses):
            raw = getattr(cls, name)
            assert inspect.iscoroutinefunction(raw) is (cls is AsyncRawResponses)
            signature = inspect.signature(raw)
            assert signature.parameters == plain.parameters
            assert signature.return_annotation == f"RawResponse[{plain.return_annotation}]"
            assert (inspect.getdoc(raw) or "").startswith(
                (inspect.getdoc(getattr(AsyncPumpFunClient, name)) or "").split("\n\n")[0]
            )
    # Many requests each, or a secret answer: no raw form.
    for name in ("like_many", "iter_replies", "iter_reports", "login", "aclose"):
        assert not hasattr(AsyncRawResponses, name)


def test_raw_stub_is_up_to_date() -> None:
    assert RAW_STUB_PATH.read_text(encoding="utf-8") == render_raw(), (
        "run: python -m pumpfun_async._tools.sync_stub"
    )


def test_raw_response_is_public_and_documented() -> None:
    import pumpfun_async

    assert "RawResponse" in pumpfun_async.__all__
    assert pumpfun_async.RawResponse is RawResponse
    for member in ("parse", "json", "text"):
        assert (inspect.getdoc(getattr(RawResponse, member)) or "").strip()


# ---------------------------------------------------------------------- every operation


@pytest.mark.parametrize("name", list(OPERATIONS))
async def test_raw_form_sends_the_same_request_and_parses_as_the_plain_call(
    client: AsyncPumpFunClient, recorder: Recorder, name: str
) -> None:
    kwargs, reply = OPERATIONS[name]
    recorder.reply = reply
    recorder.status = 201 if ENDPOINTS.get(name, ENDPOINTS["like"]).method == "POST" else 200
    plain = await getattr(client, name)(**kwargs)
    raw = await getattr(client.with_raw_response, name)(**kwargs)

    assert isinstance(raw, RawResponse)
    assert raw.parse() == plain
    assert raw.parse() == plain  # parse() may be called again
    assert raw.status == recorder.status
    assert raw.content == (b"" if reply is None else orjson.dumps(reply))
    assert raw.json() == reply
    assert raw.text == raw.content.decode()
    if reply is None:
        assert "Content-Type" not in raw.headers
    else:
        assert raw.headers["content-type"] == raw.headers["CONTENT-TYPE"] == "application/json"
        assert int(raw.headers["Content-Length"]) == len(raw.content)
    assert isinstance(raw.elapsed, timedelta)
    assert raw.elapsed >= timedelta(0)
    if name == "request":
        assert (raw.endpoint.name, raw.endpoint.path) == ("request", "/coins/currently-live")
    else:
        assert raw.endpoint is ENDPOINTS[name]
    first, second = recorder.seen
    assert (first.method, first.raw_path, first.body) == (
        second.method,
        second.raw_path,
        second.body,
    )
    assert first.headers.keys() == second.headers.keys()


async def test_every_operation_against_the_emulator() -> None:
    """Each operation's raw form does what the plain one does on the emulator's state."""
    async with Emulator(require_captcha=False) as emu, emu.client(admin=True) as admin:
        before = (await admin.get_replies(DOCS_MINT, limit=1000)).replies
        raws = admin.with_raw_response
        liked = await raws.like(DOCS_MINT)
        assert (liked.status, liked.parse()) == (201, None)
        assert liked.json()["liked"] is True
        assert (await raws.unlike(DOCS_MINT)).parse() is None
        assert (await raws.follow("user123")).status == 201
        assert (await raws.unfollow("user123")).status == 200
        await raws.add_bookmark_items(DOCS_MINT, ["default"])
        coins = await raws.get_bookmark_items("default")
        assert coins.parse() == await admin.get_bookmark_items("default")
        assert [c.mint for c in coins.parse()] == [DOCS_MINT]
        await raws.remove_bookmark_items(DOCS_MINT, ["default"])
        assert (await raws.get_bookmark_items("default")).parse() == []

        created = await raws.create_reply(DOCS_MINT, "raw hello")
        reply = created.parse()
        assert isinstance(reply, Reply)
        assert reply.text == "raw hello"
        page = await raws.get_replies(DOCS_MINT, limit=1000)
        assert isinstance(page.parse(), RepliesPage)
        assert reply in page.parse().replies
        assert page.parse() == await admin.get_replies(DOCS_MINT, limit=1000)
        assert len(page.parse().replies) == len(before) + 1

        report = (await raws.create_report(DOCS_MINT, "scam", "raw report")).parse()
        assert report is not None
        comment = (await raws.report_comment(reply.id, "spam")).parse()
        assert comment is not None
        listed = await raws.get_reports(limit=100)
        assert listed.parse() == await admin.get_reports(limit=100)
        assert {report.id, comment.id} <= {r.id for r in listed.parse().reports}
        updated = (await raws.update_report(report.id, True, "banned", notes="raw")).parse()
        assert updated is not None
        assert (updated.id, updated.done) == (report.id, True)
        deleted = await raws.delete_report(report.id)
        assert deleted.parse() is None
        assert report.id not in {r.id for r in (await admin.get_reports(limit=100)).reports}
        other = emu.post_reply(DOCS_MINT, "from another user")["user"]
        await admin.follow(other)
        author = (await raws.get_user(other)).parse()
        assert (author, author.followers) == (await admin.get_user(other), 1)
        followers = (await raws.get_followers(other)).parse()
        assert followers == await admin.get_followers(other)
        assert [row.address for row in followers] == [reply.user]
        assert reply.user is not None
        following = await raws.get_following(reply.user)
        assert following.parse() == await admin.get_following(reply.user)
        assert [row.address for row in following.parse()] == [other]
        coin = await raws.get_coin(DOCS_MINT)
        assert (coin.status, coin.parse()) == (200, await admin.get_coin(DOCS_MINT))
        theirs = (await raws.get_user_replies(other, limit=1000)).parse()
        assert [r.text for r in theirs.replies] == ["from another user"]
        answered = {r.endpoint for r in emu.requests}
        assert set(ENDPOINTS) <= answered


# ---------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        (Fault.http_status(404), NotFoundError),
        (Fault.http_status(503), ServerError),
        (Fault.block_page(), BlockedError),
        (Fault.http_status(200, body={"code": "22P02", "message": "bad", "details": None}), None),
    ],
    ids=["404", "503", "block", "database-error"],
)
async def test_failures_raise_as_for_the_plain_call(
    fault: Fault, error: type[Exception] | None
) -> None:
    async with Emulator() as emu, emu.client(max_retries=0) as client:
        emu.add_fault("get_replies", fault, times=2)
        with pytest.raises(error or APIError) as plain:
            await client.get_replies(DOCS_MINT)
        with pytest.raises(type(plain.value)) as raw:
            await client.with_raw_response.get_replies(DOCS_MINT)
        assert str(raw.value) == str(plain.value)
        assert raw.value.status == plain.value.status  # type: ignore[attr-defined]


async def test_an_answer_of_an_unexpected_shape_fails_in_parse_only(
    client: AsyncPumpFunClient, recorder: Recorder
) -> None:
    recorder.reply = {"replies": "not a list"}
    with pytest.raises(APIError) as plain:
        await client.get_replies(MINT)
    raw = await client.with_raw_response.get_replies(MINT)
    assert raw.json() == {"replies": "not a list"}
    for _ in range(2):
        with pytest.raises(APIError) as parsed:
            raw.parse()
        assert str(parsed.value) == str(plain.value)
        assert parsed.value.status == 200


async def test_validation_errors_send_nothing(
    client: AsyncPumpFunClient, recorder: Recorder
) -> None:
    with pytest.raises(ValidationError):
        await client.with_raw_response.like("not a mint")
    with pytest.raises(ValidationError):
        await client.with_raw_response.request("GET", "../etc/passwd")
    assert recorder.seen == []


async def test_size_limit_applies(recorder: Recorder) -> None:
    recorder.reply = [COIN] * 50
    async with AsyncPumpFunClient(
        TOKEN, base_url=recorder.url, rate_limit=None, max_response_bytes=100
    ) as client:
        with pytest.raises(ResponseTooLargeError):
            await client.with_raw_response.get_bookmark_items("default")


async def test_after_retries_it_describes_the_attempt_that_succeeded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ticks = iter(range(0, 1000, 5))
    clock = types.SimpleNamespace(
        perf_counter=lambda: float(next(ticks)),
        monotonic=time.monotonic,
    )
    monkeypatch.setattr(transport_module, "time", clock)
    async with Emulator() as emu, emu.client(max_retries=2) as client:
        emu.add_fault("get_replies", Fault.http_status(503), times=2)
        raw = await client.with_raw_response.get_replies(DOCS_MINT)
    assert raw.status == 200
    assert [r.endpoint for r in emu.requests] == ["get_replies"] * 3
    # Each attempt reads the clock when it sends and once it has the answer.
    assert raw.elapsed == timedelta(seconds=5)


# ---------------------------------------------------------------------- secrets


async def test_no_secret_in_the_repr() -> None:
    cookie = "session=cookie-SECRET-1; HttpOnly"
    headers = {
        "Set-Cookie": cookie,
        "Authorization": "Bearer answer-SECRET-2",
        "X-Client-Key": "key-SECRET-3",
        "X-Request-Id": "req-77",
    }
    async with Emulator() as emu, emu.client(token="token-SECRET-4") as client:
        emu.add_fault("follow", Fault.http_status(201, body={"ok": True}, headers=headers))
        raw = await client.with_raw_response.follow("user123", captcha_token=CAPTCHA)
        shown = repr(raw)
        assert raw.headers["set-cookie"] == cookie  # the attribute keeps what came
        (sent,) = emu.requests_for("follow")
    assert sent.query["captchaToken"] == CAPTCHA  # the request did carry it
    assert "SECRET" not in shown
    assert shown.count("<redacted>") == 3
    assert "'req-77'" in shown  # other headers are shown
    assert re.match(
        r"RawResponse\(status=201, operation='follow', method='POST', "
        r"path='/following/\{user_id\}', content=<11 bytes>, elapsed=\d+\.\d{3}s, headers=\{",
        shown,
    )
    assert "SECRET" not in str(raw.endpoint)


def test_repr_of_a_half_built_raw_response() -> None:
    assert repr(RawResponse.__new__(RawResponse)) == "RawResponse(<not initialised>)"


async def test_a_failed_raw_call_keeps_no_captcha_token_in_its_traceback() -> None:
    async with Emulator() as emu, emu.client() as client:
        emu.add_fault("create_reply", Fault.http_status(400))
        with pytest.raises(APIError) as info:
            await client.with_raw_response.create_reply(DOCS_MINT, "gm", captcha_token=CAPTCHA)
    tb = info.value.__traceback__
    while tb is not None:
        frame = tb.tb_frame
        if frame.f_code.co_name != inspect.currentframe().f_code.co_name:  # type: ignore[union-attr]
            assert CAPTCHA not in repr(frame.f_locals), frame.f_code.co_name
        tb = tb.tb_next


# ---------------------------------------------------------------------- with a state cache


async def test_raw_calls_are_sent_even_when_the_cache_knows_and_teach_it() -> None:
    cache = StateCache()
    cache.record_like(DOCS_MINT, False)
    async with Emulator() as emu, emu.client(state_cache=cache) as client:
        await client.unlike(DOCS_MINT)  # skipped: known not liked
        assert emu.requests_for("unlike") == []
        raw = await client.with_raw_response.unlike(DOCS_MINT)
        assert raw.status == 200
        assert len(emu.requests_for("unlike")) == 1
        await client.with_raw_response.like(DOCS_MINT)
        assert cache.is_liked(DOCS_MINT) is True
        await client.like(DOCS_MINT)  # skipped: the raw like taught the cache
        assert len(emu.requests_for("like")) == 1


# ---------------------------------------------------------------------- the sync client


@pytest.fixture
def sync_emulator() -> Iterator[Emulator]:
    with Emulator().run_in_thread() as emu:
        yield emu


def test_sync_client_has_the_same(sync_emulator: Emulator) -> None:
    emu = sync_emulator
    with PumpFunClient("user", base_url=emu.url, rate_limit=None, captcha=CAPTCHA) as client:
        assert isinstance(client.with_raw_response, RawResponses)
        raw = client.with_raw_response.get_replies(DOCS_MINT, limit=3)
        assert isinstance(raw, RawResponse)
        assert raw.status == 200
        assert raw.parse() == client.get_replies(DOCS_MINT, limit=3)
        liked = client.with_raw_response.like(DOCS_MINT)
        assert (liked.status, liked.parse(), liked.json()["liked"]) == (201, None, True)
        data = client.with_raw_response.request("GET", f"/replies/{DOCS_MINT}").parse()
        assert data == client.request("GET", f"/replies/{DOCS_MINT}")
        emu.add_fault("get_replies", Fault.http_status(404))
        with pytest.raises(NotFoundError):
            client.with_raw_response.get_replies(DOCS_MINT)
        view = client.with_options(max_retries=RetryPolicy(max_retries=0))
        assert view.with_raw_response.get_replies(DOCS_MINT).status == 200
    assert "with_raw_response of PumpFunClient" in repr(client.with_raw_response)


# ---------------------------------------------------------------------- typing


def test_user_code_type_checks(tmp_path: Path) -> None:
    pytest.importorskip("mypy")
    good = tmp_path / "good.py"
    good.write_text(
        textwrap.dedent(
            """
            from pumpfun_async import AsyncPumpFunClient, PumpFunClient, RawResponse

            async def texts(client: AsyncPumpFunClient, mint: str) -> list[str]:
                raw = await client.with_raw_response.get_replies(mint)
                reveal_type(raw)
                status: int = raw.status
                body: bytes = raw.content
                remaining = raw.headers.get("x-ratelimit-remaining")
                return [reply.text for reply in raw.parse().replies]

            def first(client: PumpFunClient, mint: str) -> str | None:
                reply = client.with_raw_response.create_reply(mint, "gm").parse()
                reveal_type(reply)
                answer: RawResponse[None] = client.with_raw_response.like(mint)
                return None if reply is None else reply.text
            """
        )
    )
    bad = tmp_path / "bad.py"
    bad.write_text(
        textwrap.dedent(
            """
            from pumpfun_async import AsyncPumpFunClient, PumpFunClient

            async def oops(client: AsyncPumpFunClient, sync: PumpFunClient) -> None:
                await client.with_raw_response.get_replies(12345)
                sync.with_raw_response.like_many(["x"])
                text: str = sync.with_raw_response.get_replies("m").parse()
            """
        )
    )
    # One run for both files: mypy is slow to start.
    run = [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--cache-dir", os.devnull]
    checked = subprocess.run(
        [*run, str(good), str(bad)], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 1
    lines = checked.stdout.splitlines()
    assert [line for line in lines if line.startswith(str(good)) and ": error:" in line] == []
    output = "\n".join(lines)
    assert (
        'Revealed type is "pumpfun_async._raw.RawResponse[pumpfun_async.models.RepliesPage]"'
        in (output)
    )
    assert re.search(r'Revealed type is "(pumpfun_async\.models\.)?Reply \| None"', output)
    errors = [line for line in lines if line.startswith(str(bad)) and ": error:" in line]
    assert len(errors) == 3, output
    assert 'incompatible type "int"; expected "str"' in errors[0]
    assert '"RawResponses" has no attribute "like_many"' in errors[1]
    assert 'expression has type "RepliesPage", variable has type "str"' in errors[2]
