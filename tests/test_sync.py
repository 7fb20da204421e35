"""PumpFunClient: the thread-backed synchronous facade, over real HTTP against the emulator."""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import gc
import inspect
import os
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import attrs
import pytest
from aiohttp import web
from anyio.from_thread import start_blocking_portal

from pumpfun_async import (
    AsyncPumpFunClient,
    ClientClosedError,
    PumpFunClient,
    RepliesPage,
    ReportsPage,
    TokenBucket,
    ValidationError,
)
from pumpfun_async._sync import _submit, _wait, sync_method_names, sync_property_names
from pumpfun_async._tools.sync_stub import STUB_PATH, render
from pumpfun_async.testing import DOCS_MINT, Emulator

from .conftest import OTHER

BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator().run_in_thread() as emulator:
        yield emulator


def make(emu: Emulator, token: str = "sync-user", **kwargs: object) -> PumpFunClient:
    options: dict[str, object] = {
        "base_url": emu.url,
        "client_key": emu.client_key,
        "rate_limit": None,
        "captcha": lambda: os.urandom(8).hex(),
    }
    options.update(kwargs)
    return PumpFunClient(token, **options)  # type: ignore[arg-type]


def loop_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("pumpfun-async")]


def test_every_operation(emu: Emulator) -> None:
    with make(emu) as client, make(emu, "admin-token") as admin:
        client.like(DOCS_MINT)
        client.unlike(DOCS_MINT)
        client.follow("user123")
        client.unfollow("user123")
        client.add_bookmark_items(DOCS_MINT, ["default"])
        client.remove_bookmark_items(OTHER, ["default"])
        assert [c.mint for c in client.get_bookmark_items("default")] == [DOCS_MINT]
        reply = client.create_reply(DOCS_MINT, "sync reply")
        assert reply is not None
        page = client.get_replies(DOCS_MINT)
        assert isinstance(page, RepliesPage)
        assert reply.id in [r.id for r in page.replies]
        report = client.create_report(DOCS_MINT, "spam", "bots")
        assert report is not None
        assert client.report_comment(reply.id, "offensive") is not None
        queue = admin.get_reports()
        assert isinstance(queue, ReportsPage)
        assert report.id in [r.id for r in queue]
        updated = admin.update_report(report.id, True, "ignored")
        assert updated is not None
        assert updated.done
        admin.delete_report(report.id)


def test_errors_and_validation_pass_through(emu: Emulator) -> None:
    with make(emu) as client:
        with pytest.raises(ValidationError):
            client.get_replies("not-a-mint")
        with pytest.raises(Exception, match="Forbidden resource"):
            client.get_reports()


async def test_works_while_the_calling_thread_runs_a_loop(emu: Emulator) -> None:
    # As in Jupyter: this test's thread is running an event loop right now.
    asyncio.get_running_loop()
    with make(emu) as client:
        client.like(DOCS_MINT)
        assert len(client.get_replies(DOCS_MINT, limit=1)) <= 1


def test_eight_threads_at_once(emu: Emulator) -> None:
    with make(emu) as client:
        reply = client.create_reply(DOCS_MINT, "threads")
        assert reply is not None

        def work(index: int) -> int:
            client.like(reply.id)
            return len(client.get_replies(DOCS_MINT, limit=1000))

        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            results = list(pool.map(work, range(32)))
        assert len(results) == 32
        assert len(loop_threads()) >= 1


def test_calling_from_the_loop_thread_fails_clearly(emu: Emulator) -> None:
    with make(emu) as client:
        client.like(DOCS_MINT)
        loop = client._loops[-1]

        async def inside() -> None:
            client.like(DOCS_MINT)

        with pytest.raises(RuntimeError, match="own event-loop thread"):
            loop.portal.call(inside)


def test_close_stops_the_thread(emu: Emulator) -> None:
    before = len(loop_threads())
    client = make(emu)
    client.like(DOCS_MINT)
    assert len(loop_threads()) == before + 1
    client.close()
    client.close()
    assert client.closed
    assert len(loop_threads()) == before
    with pytest.raises(ClientClosedError):
        client.like(DOCS_MINT)


def test_no_thread_until_first_use(emu: Emulator) -> None:
    before = len(loop_threads())
    with make(emu) as client:
        assert len(loop_threads()) == before
        assert "closed=False" in repr(client)
    assert len(loop_threads()) == before


def test_bad_arguments_fail_at_construction() -> None:
    with pytest.raises(ValidationError):
        PumpFunClient(timeout=-1)
    with pytest.raises(TypeError):
        PumpFunClient(nonsense=1)  # type: ignore[call-arg]


def test_dropped_client_is_cleaned_up_at_collection(emu: Emulator) -> None:
    before = len(loop_threads())
    client = make(emu)
    client.like(DOCS_MINT)
    del client
    gc.collect()
    assert len(loop_threads()) == before


def test_interrupt_cancels_the_call() -> None:
    class Interrupted(concurrent.futures.Future[int]):
        def result(self, timeout: float | None = None) -> int:
            raise KeyboardInterrupt

    future = Interrupted()
    with pytest.raises(KeyboardInterrupt):
        _wait(future)
    assert future.cancelled()


def test_ctrl_c_returns_once_the_call_has_stopped(emu: Emulator) -> None:
    mints = [f"{'1' * 39}{BASE58[n]}pump" for n in range(40)]
    emu.add_fault("like", "latency:1.5", times=len(mints))
    stopped: list[bool] = []

    with make(emu) as client:
        loop = client._loop()  # type: ignore[attr-defined]  # not in the public stub

        async def count_tasks() -> int:
            return len(asyncio.all_tasks()) - 1  # less this one

        before = loop.portal.call(count_tasks)
        main = threading.main_thread().ident
        assert main is not None
        interrupt = threading.Timer(0.3, signal.pthread_kill, (main, signal.SIGINT))
        interrupt.start()
        try:
            with pytest.raises(KeyboardInterrupt):
                client.like_many(mints, concurrency=8)
            # The bulk call, its eight workers and their requests are all gone already.
            stopped.append(loop.portal.call(count_tasks) == before)
        finally:
            interrupt.join()
    emu.clear_faults()
    assert stopped == [True]


def test_unclosed_client_at_exit_warns_nothing(emu: Emulator) -> None:
    script = textwrap.dedent(
        f"""
        from pumpfun_async import PumpFunClient
        client = PumpFunClient("t", base_url={emu.url!r}, rate_limit=None)
        client.like({DOCS_MINT!r})
        print("done")
        """
    )
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "done"
    assert result.stderr == ""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_forked_child_starts_its_own_loop(emu: Emulator) -> None:
    client = make(emu)
    client.like(DOCS_MINT)
    parent_loop = client._loops[-1]
    read, write = os.pipe()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # 3.12+: fork with threads
        pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        status = 1
        try:
            client.unlike(DOCS_MINT)
            status = 0 if client._loops[-1] is not parent_loop else 2
        finally:
            os.write(write, bytes([status]))
            os._exit(0)
    os.close(write)
    answer = os.read(read, 1)
    os.close(read)
    os.waitpid(pid, 0)
    assert answer == b"\x00"
    client.close()


# ---------------------------------------------------------------------- generated surface


def test_parity_with_the_async_client() -> None:
    async_names = [
        name
        for name, member in vars(AsyncPumpFunClient).items()
        if not name.startswith("_")
        and name != "aclose"
        and (inspect.iscoroutinefunction(member) or inspect.isasyncgenfunction(member))
    ]
    assert sync_method_names() == async_names
    for name in async_names:
        twin = getattr(PumpFunClient, name)
        original = getattr(AsyncPumpFunClient, name)
        assert not inspect.iscoroutinefunction(twin)
        assert inspect.signature(twin) == inspect.signature(original)
        assert twin.__doc__ == original.__doc__
        assert twin.__name__ == name


def test_every_property_and_with_options_are_mirrored(emu: Emulator) -> None:
    async_properties = [
        name
        for name, member in vars(AsyncPumpFunClient).items()
        if not name.startswith("_") and isinstance(member, property)
    ]
    assert sync_property_names() == async_properties
    assert {"base_url", "timeout", "max_retries", "rate_limit", "wallet", "closed"} <= set(
        async_properties
    )
    bucket = TokenBucket(50, 5, clock=lambda: 0.0)  # a frozen clock: nothing refills
    with make(emu, timeout=12, rate_limit=bucket) as client:
        assert client.base_url == emu.url
        assert client.timeout.total == 12
        assert client.max_retries == 3
        assert client.rate_limit == {"all": bucket}
        assert client.wallet is None
        assert client.max_response_bytes == 16 * 1024 * 1024
        assert client.state_cache is None
        patient = client.with_options(timeout=120, max_retries=6, rate_limit=None)
        assert isinstance(patient, PumpFunClient)
        assert (patient.timeout.total, patient.max_retries, patient.rate_limit) == (120, 6, {})
        assert (client.timeout.total, client.max_retries) == (12, 3)  # unchanged
        assert patient.with_options(max_response_bytes=100).timeout.total == 120
        client.like(DOCS_MINT)
        patient.like(DOCS_MINT)  # the same loop thread and session
        assert len(client._loops) == 1
        assert patient._loops is client._loops
        assert int(bucket.tokens) == 4  # the view has no limiter: one token taken in all
        patient.close()  # closing either closes both
        assert client.closed
        with pytest.raises(ClientClosedError):
            client.like(DOCS_MINT)


def test_the_stub_tool_checks_the_committed_stub(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pumpfun_async._tools.sync_stub", "--check"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert render().startswith('"""PumpFunClient\'s types.\n\nAUTOGENERATED by')


def test_stub_is_up_to_date() -> None:
    assert STUB_PATH.read_text(encoding="utf-8") == render(), (
        "run: python -m pumpfun_async._tools.sync_stub"
    )


def test_user_code_type_checks(tmp_path: Path) -> None:
    pytest.importorskip("mypy")
    good = tmp_path / "good.py"
    good.write_text(
        textwrap.dedent(
            """
            from pumpfun_async import PumpFunClient

            def first_text(client: PumpFunClient, mint: str) -> str:
                text = client.get_replies(mint).replies[0].text
                reveal_type(text)
                return text
            """
        )
    )
    bad = tmp_path / "bad.py"
    bad.write_text(
        textwrap.dedent(
            """
            from pumpfun_async import PumpFunClient

            def oops(client: PumpFunClient) -> None:
                client.get_replies(12345)
            """
        )
    )
    run = [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--cache-dir", os.devnull]
    checked = subprocess.run([*run, str(good)], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stdout
    assert re.search(r'Revealed type is "(builtins\.)?str"', checked.stdout)
    rejected = subprocess.run([*run, str(bad)], capture_output=True, text=True, check=False)
    assert rejected.returncode == 1
    assert 'incompatible type "int"; expected "str"' in rejected.stdout


# ---------------------------------------------------------------------- a real notebook


def test_in_a_jupyter_notebook(emu: Emulator, tmp_path: Path) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    cells = [
        "import asyncio\nfrom pumpfun_async import PumpFunClient",
        f"client = PumpFunClient('nb-user', base_url={emu.url!r}, rate_limit=None, "
        "captcha='nb-captcha')",
        "asyncio.get_running_loop()  # the kernel runs a loop in this thread",
        f"client.like({DOCS_MINT!r})\n"
        f"reply = client.create_reply({DOCS_MINT!r}, 'from a notebook')\n"
        "reply.text",
        f"texts = [r.text for r in client.get_replies({DOCS_MINT!r}, limit=1000).replies]\n"
        "assert 'from a notebook' in texts\nclient.close()\nclient.closed",
    ]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    executor = nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3")
    executor.execute(cwd=str(tmp_path))
    outputs = [cell.outputs for cell in notebook.cells]
    assert outputs[3][0]["data"]["text/plain"] == "'from a notebook'"
    assert outputs[4][0]["data"]["text/plain"] == "True"


# ---------------------------------------------------------------------- closing while busy

# Only a guard against a hang: no assertion depends on how long anything takes.
GUARD = 30.0


@attrs.define
class Stall:
    """A loopback server on a thread of its own: records requests, holds chosen ones."""

    url: str = ""
    hits: list[str] = attrs.Factory(list)
    held: set[str] = attrs.Factory(set)
    release: asyncio.Event = attrs.Factory(asyncio.Event)
    runner: web.AppRunner | None = None


async def _start_stall() -> Stall:
    stall = Stall()

    async def handler(request: web.Request) -> web.StreamResponse:
        stall.hits.append(f"{request.method} {request.path}")
        if any(request.path.startswith(prefix) for prefix in stall.held):
            await stall.release.wait()
        if request.path.startswith("/replies/"):
            return web.json_response([])
        return web.Response(status=201)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    stall.runner = web.AppRunner(app)
    await stall.runner.setup()
    site = web.TCPSite(stall.runner, "127.0.0.1", 0)
    await site.start()
    host, port = stall.runner.addresses[0][:2]
    stall.url = f"http://{host}:{port}"
    return stall


async def _stop_stall(stall: Stall) -> None:
    stall.release.set()
    assert stall.runner is not None
    await stall.runner.cleanup()


@pytest.fixture
def stall() -> Iterator[Stall]:
    with start_blocking_portal() as portal:
        server = portal.call(_start_stall)
        try:
            yield server
        finally:
            portal.call(_stop_stall, server)


def wait_until(condition: Callable[[], bool]) -> None:
    """Poll ``condition`` from this thread; the deadline only guards against a hang."""
    deadline = time.monotonic() + GUARD
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition never became true")
        time.sleep(0.005)


def in_threads(*targets: Callable[[], object]) -> tuple[list[threading.Thread], list[object]]:
    """Start each target in a thread; the list gets each one's result or exception."""
    ended: list[object] = [None] * len(targets)

    def run(index: int, target: Callable[[], object]) -> None:
        try:
            ended[index] = target()
        except BaseException as exc:  # every outcome is asserted on by the test
            ended[index] = exc

    threads = [
        threading.Thread(target=run, args=(i, t), daemon=True) for i, t in enumerate(targets)
    ]
    for thread in threads:
        thread.start()
    return threads, ended


def join_all(threads: list[threading.Thread]) -> None:
    for thread in threads:
        thread.join(GUARD)
    assert not [t for t in threads if t.is_alive()], "a thread is still waiting"


def test_close_while_sixteen_threads_are_mid_call(stall: Stall) -> None:
    stall.held.add("/replies/")
    bucket = TokenBucket(1 / 3600, 1)  # after the first like, an hour per token
    before = len(loop_threads())
    client = PumpFunClient(
        "sync-user", base_url=stall.url, rate_limit={"likes": bucket}, max_retries=0
    )
    client.like(DOCS_MINT)  # takes the only token
    in_limiter = [functools.partial(client.like, DOCS_MINT) for _ in range(8)]
    on_the_wire = [functools.partial(client.get_replies, DOCS_MINT) for _ in range(8)]
    callers, ended = in_threads(*in_limiter, *on_the_wire)
    wait_until(lambda: bucket.waiting == 8 and len(stall.hits) == 9)

    closers, closed = in_threads(client.close, client.close)  # two at once, as well
    join_all(closers)
    assert closed == [None, None]
    assert len(loop_threads()) == before  # the loop thread has ended
    join_all(callers)
    assert [type(outcome) for outcome in ended] == [ClientClosedError] * 16
    assert len(stall.hits) == 9  # nothing sent once close() began
    with pytest.raises(ClientClosedError):
        client.like(DOCS_MINT)
    with pytest.raises(ClientClosedError):
        next(iter(client.iter_replies(DOCS_MINT)))


def test_close_stops_iterators_and_bulk_calls_in_progress(stall: Stall) -> None:
    stall.held.update({"/likes/", "/replies/"})
    client = PumpFunClient("sync-user", base_url=stall.url, rate_limit=None, max_retries=0)
    mints = [str(n) for n in range(20)]  # reply ids: valid like targets

    def iterate() -> list[object]:
        return list(client.iter_replies(DOCS_MINT))

    callers, ended = in_threads(iterate, functools.partial(client.like_many, mints, concurrency=4))
    wait_until(lambda: len(stall.hits) == 5)
    client.close()
    join_all(callers)
    assert [type(outcome) for outcome in ended] == [ClientClosedError] * 2
    assert len(stall.hits) == 5


@pytest.mark.parametrize("attempt", range(3))
def test_calls_racing_close_end_in_client_closed_error(stall: Stall, attempt: int) -> None:
    client = PumpFunClient("sync-user", base_url=stall.url, rate_limit=None, max_retries=0)
    counts = [0] * 8

    def hammer(index: int) -> None:
        while True:
            client.like(DOCS_MINT)
            counts[index] += 1

    callers, ended = in_threads(*(functools.partial(hammer, i) for i in range(8)))
    wait_until(lambda: all(counts))
    client.close()
    join_all(callers)
    assert [type(outcome) for outcome in ended] == [ClientClosedError] * 8
    sent_before_close = len(stall.hits)
    with pytest.raises(ClientClosedError):
        client.like(DOCS_MINT)
    assert len(stall.hits) == sent_before_close


def test_a_call_that_found_the_loop_just_before_close(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = make(emu)
    loop = client._loop()  # type: ignore[attr-defined]  # not in the public stub
    client.close()
    # As a thread that looked up the loop thread a moment before close() stopped it.
    monkeypatch.setattr(client, "_loop", lambda: loop)
    with pytest.raises(ClientClosedError):
        client.like(DOCS_MINT)
    with pytest.raises(ClientClosedError):
        next(iter(client.iter_replies(DOCS_MINT)))


def test_an_iterator_resumed_after_close(emu: Emulator) -> None:
    client = make(emu)
    for text in ("one", "two"):
        client.create_reply(DOCS_MINT, text)
    replies = client.iter_replies(DOCS_MINT, page_size=1)
    next(replies)
    client.close()
    with pytest.raises(ClientClosedError):
        next(replies)


def test_a_call_whose_loop_stops_under_it_is_client_closed() -> None:
    with start_blocking_portal() as portal:
        loop = portal.call(asyncio.get_running_loop)
        started = threading.Event()

        async def forever() -> None:
            started.set()
            await asyncio.Event().wait()

        future, settled = _submit(forever(), loop)
        assert started.wait(GUARD)
    # The portal's loop has stopped and cancelled the task: not the caller's cancellation.
    assert settled.wait(GUARD)
    with pytest.raises(ClientClosedError):
        future.result(GUARD)
