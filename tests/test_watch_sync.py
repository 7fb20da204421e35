"""PumpFunClient.watch_replies / watch_reports: plain iterators on the loop thread."""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from pumpfun_async import PumpFunClient
from pumpfun_async.testing import DOCS_MINT, Emulator

FAST: dict[str, Any] = {"interval": 0.02, "max_interval": 0.05}


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator().run_in_thread() as emulator:
        yield emulator


def loop_tasks(client: PumpFunClient) -> int:
    loop = client._loop()  # type: ignore[attr-defined]  # not in the public stub

    async def count() -> int:
        return len(asyncio.all_tasks()) - 1  # less this one

    return int(loop.portal.call(count))


def test_watch_replies_is_a_plain_iterator(emu: Emulator) -> None:
    mint = DOCS_MINT
    with PumpFunClient("sync-watcher", base_url=emu.url, rate_limit=None) as client:
        idle = loop_tasks(client)
        emu.post_reply(mint, "sync one")
        watch = client.watch_replies(mint, include_existing=True, **FAST)
        replies = iter(watch)
        first = next(replies)
        while not first.text.startswith("sync"):
            first = next(replies)
        assert first.text == "sync one"
        emu.post_reply(mint, "sync two")
        assert next(replies).text == "sync two"
        watch.close()
        assert loop_tasks(client) == idle


def test_break_closes_the_watch_on_the_loop_thread(emu: Emulator) -> None:
    with PumpFunClient("sync-watcher", base_url=emu.url, rate_limit=None) as client:
        idle = loop_tasks(client)
        emu.post_reply(DOCS_MINT, "first")
        watch = client.watch_replies(DOCS_MINT, **FAST)
        for reply in client.watch_replies(DOCS_MINT, include_existing=True, **FAST):
            assert reply.text
            break
        emu.post_report(DOCS_MINT, "spam", "queued")
        with PumpFunClient("admin-token", base_url=emu.url, rate_limit=None) as admin:
            reports = admin.watch_reports(include_existing=True, **FAST)
            assert next(reports).reason == "queued"
            reports.close()
        assert loop_tasks(client) == idle
        watch.close()  # never started: nothing to do


def test_ctrl_c_stops_a_waiting_watch_cleanly(emu: Emulator) -> None:
    stopped: list[bool] = []
    with PumpFunClient("sync-watcher", base_url=emu.url, rate_limit=None) as client:
        idle = loop_tasks(client)
        main = threading.main_thread().ident
        assert main is not None
        requests_before = len(emu.requests_for("get_replies"))

        def interrupt_once_polling() -> None:
            # Interrupt only once the watch is polling: it has started and waits for news.
            while len(emu.requests_for("get_replies")) < requests_before + 3:
                threading.Event().wait(0.01)
            signal.pthread_kill(main, signal.SIGINT)

        interrupter = threading.Thread(target=interrupt_once_polling)
        interrupter.start()
        try:
            with pytest.raises(KeyboardInterrupt):
                for _ in client.watch_replies(DOCS_MINT, **FAST):
                    pass  # nothing new comes: it waits until Ctrl-C
            stopped.append(loop_tasks(client) == idle)
        finally:
            interrupter.join()
        # The client still works after the interruption (whatever other tests posted).
        emu.post_reply(DOCS_MINT, "after ctrl-c")
        page = client.get_replies(DOCS_MINT, limit=1000)
        assert page.replies[-1].text == "after ctrl-c"
    assert stopped == [True]
