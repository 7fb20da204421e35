"""``pumpfun watch-replies`` and ``pumpfun watch-reports``, run as a user runs them."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import AsyncIterator, Callable

import orjson
import pytest

from pumpfun_async.cli import main
from pumpfun_async.testing import DOCS_MINT, Emulator

GUARD = 60.0  # only a guard against a hang: no assertion depends on how long anything takes


async def arrived(condition: Callable[[], bool]) -> None:
    """Wait (a guard's time at most) until ``condition()`` holds."""
    for _ in range(int(GUARD / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition never became true")


async def start(emu: Emulator, *argv: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "pumpfun_async", "--base-url", emu.url, "--no-rate-limit"),
        *argv,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def line(process: asyncio.subprocess.Process) -> str:
    assert process.stdout is not None
    text = await asyncio.wait_for(process.stdout.readline(), GUARD)
    assert text, "the command ended"
    return text.decode()


async def interrupt(process: asyncio.subprocess.Process) -> tuple[int, str, str]:
    process.send_signal(signal.SIGINT)
    out, err = await asyncio.wait_for(process.communicate(), GUARD)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


@pytest.fixture
async def running() -> AsyncIterator[list[asyncio.subprocess.Process]]:
    """Processes a test started: killed if the test left one running."""
    processes: list[asyncio.subprocess.Process] = []
    yield processes
    for process in processes:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_watch_replies_prints_one_json_object_a_line_until_ctrl_c(
    emu: Emulator, running: list[asyncio.subprocess.Process]
) -> None:
    emu.post_reply(DOCS_MINT, "already there")
    fast = ("--interval", "0.05", "--max-interval", "0.1")
    process = await start(emu, "--token", "t", "--json", "watch-replies", DOCS_MINT, *fast)
    running.append(process)
    await arrived(lambda: len(emu.requests_for("get_replies")) >= 2)  # started, then polled
    posted = emu.post_reply(DOCS_MINT, "gm from someone else")
    first = orjson.loads(await line(process))
    emu.post_reply(DOCS_MINT, "and again")
    second = orjson.loads(await line(process))
    status, rest, err = await interrupt(process)
    assert (first["id"], first["text"]) == (posted["id"], "gm from someone else")
    assert second["text"] == "and again"
    assert status == 130
    assert rest == ""
    assert err == "error: interrupted\n"


async def test_watch_replies_prints_table_rows(
    emu: Emulator, running: list[asyncio.subprocess.Process]
) -> None:
    fast = ("--interval", "0.05", "--include-existing")
    emu.post_reply(DOCS_MINT, "first\x1b[31m line")
    process = await start(emu, "--token", "t", "watch-replies", DOCS_MINT, *fast)
    running.append(process)
    header = await line(process)
    row = await line(process)
    status, _, err = await interrupt(process)
    assert header.split() == ["id", "user", "likes", "text"]
    assert row.split() == ["1000", "user…else", "0", "first", "[31m", "line"]  # no escape
    assert (status, err) == (130, "error: interrupted\n")


async def test_watch_reports_prints_new_reports(
    emu: Emulator, running: list[asyncio.subprocess.Process]
) -> None:
    emu.post_report(DOCS_MINT, "scam", "old")
    fast = ("--interval", "0.05", "--type", "spam")
    process = await start(emu, "--token", "admin-token", "--json", "watch-reports", *fast)
    running.append(process)
    await arrived(lambda: len(emu.requests_for("get_reports")) >= 2)
    emu.post_report(DOCS_MINT, "scam", "not this type")
    posted = emu.post_report(DOCS_MINT, "spam", "new spam")
    report = orjson.loads(await line(process))
    status, rest, err = await interrupt(process)
    assert (report["id"], report["reason"]) == (posted["id"], "new spam")
    assert (status, rest, err) == (130, "", "error: interrupted\n")


async def test_a_watch_that_cannot_go_on_ends_with_its_error(
    emu: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--base-url", emu.url, "--token", "t", "watch-reports"]  # not an admin
    status = await asyncio.to_thread(main, argv)
    captured = capsys.readouterr()
    assert status == 1
    assert captured.err == "error: HTTP 403: Forbidden resource (GET /reports)\n"


def test_bad_intervals_are_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--base-url", "http://127.0.0.1:9", "watch-replies", DOCS_MINT, "--interval", "0"]
    assert main(argv) == 2
    assert capsys.readouterr().err.startswith("error: --interval: ")
