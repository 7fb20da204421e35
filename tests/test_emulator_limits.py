"""The emulator's checked faults and rate limits, bounded request log and body size, and
coins added from Python, the control API and the command line."""

from __future__ import annotations

import asyncio
import io
import json
import math
import os
import signal
import subprocess
import sys
from collections import deque
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import base58
import pytest

from pumpfun_async import AsyncPumpFunClient, NotFoundError, ServerError
from pumpfun_async._validate import check_mint
from pumpfun_async.cli import main
from pumpfun_async.testing import (
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_MAX_LOGGED_REQUESTS,
    DOCS_MINT,
    MAX_GENERATED_COINS,
    MAX_LATENCY,
    Emulator,
    EmulatorState,
    Fault,
    RateLimit,
    RequestLog,
    default_coins,
    generated_coins,
)

NEW_MINT = "7GCihgDB8fe6KNjn2MYtkzZcRjQy3t9GHdC8uHYmW2hr"


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def control(
    http: aiohttp.ClientSession, emu: Emulator, method: str, name: str, body: Any = None
) -> tuple[int, Any]:
    async with http.request(method, f"{emu.url}/_emulator/{name}", json=body) as answer:
        return answer.status, await answer.json()


# ---------------------------------------------------------------------- faults and limits


@pytest.mark.parametrize("status", [99999, 0, 99, 600, -1, 1000])
def test_fault_statuses_outside_100_to_599_are_refused(status: int) -> None:
    with pytest.raises(ValueError, match="100 to 599"):
        Fault.http_status(status)
    with pytest.raises(ValueError, match="100 to 599"):
        Fault.challenge_page(status)
    with pytest.raises(ValueError, match=r"unknown fault .*100 to 599"):
        Fault.parse(f"status:{status}")
    with pytest.raises(ValueError, match="100 to 599"):
        Emulator().add_fault("like", f"challenge:{status}")


@pytest.mark.parametrize("status", [True, 503.0, "503", None])
def test_fault_statuses_must_be_ints(status: Any) -> None:
    with pytest.raises(ValueError, match="status must be an integer"):
        Fault.http_status(status)


def test_fault_status_bounds_are_accepted() -> None:
    assert Fault.http_status(100).status == 100
    assert Fault.parse("status:599").status == 599
    assert Fault.parse("challenge:599").status == 599


@pytest.mark.parametrize("seconds", [-1, math.inf, -math.inf, math.nan, MAX_LATENCY + 1, True])
def test_latencies_are_finite_and_capped(seconds: float) -> None:
    with pytest.raises(ValueError, match="latency"):
        Fault.latency(seconds)


def test_latency_bounds_are_accepted() -> None:
    assert Fault.latency(0).delay == 0.0
    assert Fault.latency(MAX_LATENCY).delay == MAX_LATENCY
    assert Fault.parse("latency:3600").delay == 3600.0
    with pytest.raises(ValueError, match="unknown fault 'latency:1e308'"):
        Fault.parse("latency:1e308")


def test_fault_bodies_headers_and_kinds_are_checked() -> None:
    with pytest.raises(ValueError, match="JSON"):
        Fault.http_status(503, body={"when": object()})
    with pytest.raises(ValueError, match="JSON"):
        Fault.http_status(503, body={"n": 10**30})
    for headers in ({"X-A": "1\r\nSet-Cookie: x=1"}, {"X-A": "\ud83d"}, {"": "1"}, {"X": 1}):
        with pytest.raises(ValueError, match="header"):
            Fault.http_status(503, headers=headers)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="fault kind"):
        Fault("explode")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not int"):
        Fault.parse(503)  # type: ignore[arg-type]


@pytest.mark.parametrize("times", [0, -1, True, 1.5, math.inf, "2", None])
def test_add_fault_checks_times(times: Any) -> None:
    with pytest.raises(ValueError, match="times must be a whole number of 1 or more"):
        Emulator().add_fault("like", "block", times)


@pytest.mark.parametrize("route", ["", "  ", None, 5, ["like"]])
def test_add_fault_checks_the_route(route: Any) -> None:
    with pytest.raises(ValueError, match="route must be a non-empty string"):
        Emulator().add_fault(route, "block")


def test_add_fault_checks_the_fault() -> None:
    with pytest.raises(ValueError, match="fault must be a Fault"):
        Emulator().add_fault("like", 503)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("limit", "window"),
    [(-1, 1.0), (True, 1.0), (1.5, 1.0), (1, 0), (1, -1), (1, math.nan), (1, math.inf), (1, 1e9)],
)
def test_rate_limits_are_checked(limit: Any, window: Any) -> None:
    with pytest.raises(ValueError, match="rate limit"):
        RateLimit(limit, window)
    with pytest.raises(ValueError, match="rate limit"):
        Emulator().set_rate_limit("likes", limit, window)


def test_rate_limit_retry_after_is_a_bool() -> None:
    with pytest.raises(ValueError, match="retry_after"):
        RateLimit(1, 1.0, "no")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="is not N/SECONDS"):
        RateLimit.parse("1/1e9")


async def test_bad_fault_statuses_on_the_control_api_are_400(
    emu: Emulator, http: aiohttp.ClientSession
) -> None:
    for fault in ("status:99999", "status:99", "challenge:0", "latency:1e308", "latency:nan"):
        status, error = await control(http, emu, "POST", "faults", {"route": "*", "fault": fault})
        assert status == 400, fault
        assert error["statusCode"] == 400
        assert "unknown fault" in error["message"]
    for times in (0, -3, 2.5, True, "2", None):
        body = {"route": "*", "fault": "block", "times": times}
        status, error = await control(http, emu, "POST", "faults", body)
        assert (status, error["message"]) == (400, ["times must be a whole number of 1 or more"])
    assert emu._faults == []
    async with emu.client(max_retries=0) as client:
        await client.like(DOCS_MINT)  # nothing was scripted


async def test_the_extreme_valid_statuses_are_sent(emu: Emulator) -> None:
    emu.add_fault("like", "status:599")
    async with emu.client(max_retries=0) as client:
        with pytest.raises(ServerError) as info:
            await client.like(DOCS_MINT)
    assert info.value.status == 599
    assert emu.requests_for("like")[0].status == 599


async def test_rate_limits_on_the_control_api(emu: Emulator, http: aiohttp.ClientSession) -> None:
    for body in (
        {"group": "likes", "limit": "1/nan"},
        {"group": "likes", "limit": "1/1e9"},
        {"group": "likes", "limit": -1},
        {"group": "likes", "limit": 1.5},
        {"group": ["likes"], "limit": "1"},
        {"group": "likes", "limit": "1", "retryAfter": "yes"},
    ):
        status, error = await control(http, emu, "POST", "rate-limits", body)
        assert status == 400, body
        assert error["statusCode"] == 400
    assert emu._limits == {}
    assert await control(http, emu, "POST", "rate-limits", {"group": "likes", "limit": 0}) == (
        200,
        {"ok": True},
    )


# ---------------------------------------------------------------------- request log


def test_the_request_log_has_a_documented_default_size() -> None:
    assert DEFAULT_MAX_LOGGED_REQUESTS == 10_000
    emulator = Emulator()
    assert isinstance(emulator.requests, deque)
    assert emulator.requests.maxlen == DEFAULT_MAX_LOGGED_REQUESTS


async def test_old_requests_fall_off_the_log() -> None:
    async with Emulator(max_logged_requests=3) as emu, emu.client(max_retries=0) as client:
        for _ in range(3):
            await client.like(DOCS_MINT)
        first_three = list(emu.requests)
        await client.get_replies(DOCS_MINT)
        await client.unlike(DOCS_MINT)
        assert len(emu.requests) == 3
        assert [r.endpoint for r in emu.requests] == ["like", "get_replies", "unlike"]
        assert emu.requests[0] is first_three[2]
        assert emu.requests_for("like") == [first_three[2]]
        assert emu.requests[-1].endpoint == "unlike"
        assert [r.endpoint for r in emu.requests[1:]] == ["get_replies", "unlike"]
        assert emu.requests == list(emu.requests)
        emu.requests.clear()
        assert emu.requests == []
        async with aiohttp.ClientSession() as http:
            for _ in range(5):
                await client.like(DOCS_MINT)
            _, rows = await control(http, emu, "GET", "requests")
        assert len(rows) == 3


async def test_a_log_of_zero_keeps_nothing() -> None:
    async with Emulator(max_logged_requests=0) as emu, emu.client() as client:
        await client.like(DOCS_MINT)
        assert emu.requests == []
        assert DOCS_MINT in next(iter(emu.state.likes.values()))


def test_request_log_compares_like_a_list() -> None:
    log = RequestLog(maxlen=2)
    assert log == []
    assert log != [1]
    assert log == RequestLog()
    with pytest.raises(TypeError):
        hash(log)


@pytest.mark.parametrize("value", [-1, 1.5, True, None, "10"])
def test_log_and_body_sizes_are_checked(value: Any) -> None:
    with pytest.raises(ValueError, match="max_logged_requests"):
        Emulator(max_logged_requests=value)
    with pytest.raises(ValueError, match="max_body_bytes"):
        Emulator(max_body_bytes=value)
    with pytest.raises(ValueError, match="max_body_bytes"):
        Emulator(max_body_bytes=0)


async def test_bodies_over_the_limit_are_413_and_not_kept(http: aiohttp.ClientSession) -> None:
    assert DEFAULT_MAX_BODY_BYTES == 1024 * 1024
    async with Emulator(max_body_bytes=1000) as emu:
        headers = {"Authorization": "Bearer t", "Content-Type": "application/json"}
        body = json.dumps({"mint": DOCS_MINT, "text": "x" * 2000}).encode()
        async with http.post(f"{emu.url}/replies", data=body, headers=headers) as answer:
            assert answer.status == 413
            assert await answer.json() == {
                "statusCode": 413,
                "message": "request entity too large",
                "error": "Payload Too Large",
            }
        (record,) = emu.requests
        assert (record.endpoint, record.status, record.body) == ("create_reply", 413, b"")
        async with http.post(f"{emu.url}/_emulator/coins", data=b"[" + b" " * 2000 + b"]") as a:
            assert a.status == 413
            assert (await a.json())["statusCode"] == 413
        async with emu.client() as client:
            await client.create_reply(DOCS_MINT, "short")  # under the limit: fine


async def test_the_default_body_limit_answers_nest_413(
    emu: Emulator, http: aiohttp.ClientSession
) -> None:
    body = b'{"x": "' + b"y" * DEFAULT_MAX_BODY_BYTES + b'"}'
    headers = {"Authorization": "Bearer t", "Content-Type": "application/json"}
    async with http.post(f"{emu.url}/reports", data=io.BytesIO(body), headers=headers) as answer:
        assert answer.status == 413
        assert (await answer.json())["error"] == "Payload Too Large"


# ---------------------------------------------------------------------- coins


def coin(mint: Any = NEW_MINT, **fields: Any) -> dict[str, Any]:
    return {"mint": mint, **fields}


async def test_add_coins_serves_them(emu: Emulator) -> None:
    added = emu.add_coins([coin(name="Fresh", symbol="FRSH", nsfw=False, usd_market_cap=12)])
    assert added[0]["name"] == "Fresh"
    assert added[0]["reply_count"] == 0
    async with emu.client() as client:
        await client.like(NEW_MINT)
        await client.add_bookmark_items(NEW_MINT, ["mine"])
        (served,) = await client.get_bookmark_items("mine")
        assert (served.mint, served.name, served.usd_market_cap) == (NEW_MINT, "Fresh", 12)
        assert await client.create_reply(NEW_MINT, "gm") is not None
    assert emu.state.coins[NEW_MINT]["reply_count"] == 1


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("not a coin", "JSON object"),
        ({}, "mint"),
        (coin(mint="abc"), "not a mint address"),
        (coin(mint=5), "mint"),
        (coin(mint="0" * 44), "not a mint address"),
        (coin(name=5), "name must be a string or null"),
        (coin(complete="yes"), "complete must be true or false or null"),
        (coin(reply_count=None), "reply_count must be a whole number of 0 or more"),
        (coin(reply_count=-1), "reply_count must be a whole number of 0 or more"),
        (coin(reply_count=True), "reply_count must be a whole number of 0 or more"),
        (coin(created_timestamp=1.5), "created_timestamp must be a whole number or null"),
        (coin(market_cap=math.nan), "market_cap must be a finite number or null"),
        (coin(market_cap=True), "market_cap must be a finite number or null"),
        (coin(extra=object()), "JSON"),
        (coin(extra=10**30), "JSON"),
        (coin(name="\ud83d"), "JSON"),
        ({NEW_MINT: 1, 5: 1}, "mint"),
        ({"mint": NEW_MINT, 5: 1}, "field names must be strings"),
    ],
)
def test_add_coins_refuses_malformed_coins(bad: Any, message: str) -> None:
    emulator = Emulator()
    before = dict(emulator.state.coins)
    with pytest.raises(ValueError, match=message):
        emulator.add_coins([coin(mint="2" * 44), bad])
    assert emulator.state.coins == before  # all or nothing


@pytest.mark.parametrize("coins", ["abc", {"mint": NEW_MINT}, 5, None])
def test_add_coins_wants_a_list(coins: Any) -> None:
    with pytest.raises(ValueError, match="list of coin objects"):
        Emulator().add_coins(coins)


async def test_constructor_coins_survive_reset_and_added_ones_do_not(
    http: aiohttp.ClientSession,
) -> None:
    state = EmulatorState()
    async with Emulator(coins=[coin(name="Kept")], state=state) as emu:
        assert emu.state is state
        assert emu.state.coins[NEW_MINT]["name"] == "Kept"
        emu.add_coins([coin("3" * 44, name="Gone")])
        await control(http, emu, "POST", "reset")
        assert emu.state.coins[NEW_MINT]["name"] == "Kept"
        assert "3" * 44 not in emu.state.coins
        assert len(emu.state.coins) == len(default_coins()) + 1
    with pytest.raises(ValueError, match="coin #2: name"):
        Emulator(coins=[coin(), coin(name=1)])


async def test_coins_through_the_control_api(emu: Emulator, http: aiohttp.ClientSession) -> None:
    mints = [c["mint"] for c in generated_coins(3)]
    status, answer = await control(
        http, emu, "POST", "coins", [{"mint": m, "name": f"C{i}"} for i, m in enumerate(mints)]
    )
    assert (status, answer) == (200, {"ok": True, "added": 3})
    assert [emu.state.coins[m]["name"] for m in mints] == ["C0", "C1", "C2"]
    async with emu.client(max_retries=0) as client:
        for mint in mints:
            await client.like(mint)
    for body in ({"mint": NEW_MINT}, [coin(name=[1])], [coin(mint="x")], "coins", None):
        status, error = await control(http, emu, "POST", "coins", body)
        assert status == 400, body
        assert error["statusCode"] == 400
    assert NEW_MINT not in emu.state.coins
    status, error = await control(http, emu, "POST", "coins", [coin(), coin(nsfw="no")])
    assert "coin #2: nsfw must be true or false or null" in error["message"]
    assert NEW_MINT not in emu.state.coins


def test_generated_coins_are_valid_distinct_and_deterministic() -> None:
    coins = generated_coins(200)
    assert coins == generated_coins(200)
    assert generated_coins(5) == coins[:5]
    assert generated_coins(0) == []
    mints = [c["mint"] for c in coins]
    catalogue = {c["mint"] for c in default_coins()}
    assert len(set(mints)) == 200
    assert not catalogue & set(mints)
    for mint in mints:
        assert mint.endswith("pump")
        assert len(base58.b58decode(mint)) == 32
        assert base58.b58encode(base58.b58decode(mint)).decode() == mint
        assert check_mint(mint) == mint
    assert [c["name"] for c in coins[:2]] == ["Generated Coin 1", "Generated Coin 2"]
    assert coins[0].keys() == default_coins()[0].keys()
    assert all(c["virtual_token_reserves"] > 0 and c["real_token_reserves"] > 0 for c in coins)
    Emulator().add_coins(coins)  # they pass the emulator's own check


@pytest.mark.parametrize("count", [-1, MAX_GENERATED_COINS + 1, True, 2.0, "3"])
def test_generated_coins_checks_the_count(count: Any) -> None:
    with pytest.raises(ValueError, match="count"):
        generated_coins(count)


def test_generated_coins_need_base58(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "base58", None)
    with pytest.raises(ImportError, match=r"pumpfun-async\[wallet\]"):
        generated_coins(1)
    assert generated_coins(0) == []  # nothing to encode


# ---------------------------------------------------------------------- command line


def one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ")
    assert "Traceback" not in err
    return lines[0]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "No such file or directory"),
        (b"not json", "is not JSON"),
        (b"\xff\xfe", "is not JSON"),
        (b"[" * 5000 + b"]" * 5000, "is not JSON"),
        (b'{"mint": "x"}', "must hold a JSON array of coin objects"),
        (b'[{"mint": "abc"}]', "coin #1: mint: 'abc' is not a mint address"),
        (json.dumps([coin(), coin(name=5)]).encode(), "coin #2: name must be a string or null"),
    ],
)
def test_a_bad_coins_file_is_one_error_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes | None, message: str
) -> None:
    path = tmp_path / "coins.json"
    if content is not None:
        path.write_bytes(content)
    assert main(["emulator", "--port", "0", "--coins-file", str(path)]) == 2
    captured = capsys.readouterr()
    assert message in one_error_line(captured.err)
    assert captured.out == ""


def test_coins_without_base58_is_one_error_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "base58", None)
    assert main(["emulator", "--port", "0", "--coins", "3"]) == 2
    assert "pumpfun-async[wallet]" in one_error_line(capsys.readouterr().err)


@pytest.mark.parametrize(
    "args",
    [
        ["--coins", "-1"],
        ["--coins", "x"],
        ["--coins", str(MAX_GENERATED_COINS + 1)],
        ["--max-logged-requests", "-1"],
        ["--max-logged-requests", "many"],
    ],
)
def test_bad_counts_are_usage_errors(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["emulator", *args]) == 2
    assert "use a whole number from 0" in capsys.readouterr().err


def test_the_emulator_command_builds_what_its_options_say(tmp_path: Path) -> None:
    from pumpfun_async.cli import build_parser
    from pumpfun_async.cli._serve import _build

    path = tmp_path / "coins.json"
    path.write_text(json.dumps([coin(name="From A File")]), encoding="utf-8")
    args = build_parser().parse_args(
        ["emulator", "--coins", "4", "--coins-file", str(path), "--max-logged-requests", "7"]
    )
    emulator = _build(args)
    assert emulator.requests.maxlen == 7
    assert emulator.state.coins[NEW_MINT]["name"] == "From A File"
    generated = [c["mint"] for c in generated_coins(4)]
    assert all(mint in emulator.state.coins for mint in generated)
    assert len(emulator.state.coins) == len(default_coins()) + 5
    defaults = _build(build_parser().parse_args(["emulator"]))
    assert defaults.requests.maxlen == DEFAULT_MAX_LOGGED_REQUESTS
    assert len(defaults.state.coins) == len(default_coins())


def test_emulator_command_serves_added_coins(tmp_path: Path) -> None:
    path = tmp_path / "coins.json"
    path.write_text(json.dumps([coin(name="From A File")]), encoding="utf-8")
    env = {**os.environ, "PYTHONWARNINGS": "error"}
    command = [sys.executable, "-m", "pumpfun_async", "emulator", "--port", "0"]
    command += ["--coins", "2", "--coins-file", str(path), "--max-logged-requests", "1"]
    generated = [c["mint"] for c in generated_coins(2)]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    ) as process:
        try:
            assert process.stdout is not None
            url = process.stdout.readline().rsplit(" ", 1)[1].strip()

            async def scenario() -> list[Any]:
                async with (
                    AsyncPumpFunClient("u", base_url=url, max_retries=0) as client,
                    aiohttp.ClientSession() as http,
                ):
                    for mint in [*generated, NEW_MINT, DOCS_MINT]:
                        await client.like(mint)
                    with pytest.raises(NotFoundError):
                        await client.like("4" * 44)
                    async with http.get(f"{url}/_emulator/requests") as answer:
                        rows: list[Any] = await answer.json()
                        return rows

            rows = asyncio.run(scenario())
            assert [(r["endpoint"], r["status"]) for r in rows] == [("like", 404)]
            process.send_signal(signal.SIGTERM)
            out, err = process.communicate(timeout=20)
        finally:
            if process.poll() is None:
                process.kill()
    assert process.returncode == 0, err
    assert err == ""
    assert out.strip().endswith("emulator stopped")
