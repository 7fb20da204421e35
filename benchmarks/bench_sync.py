"""Sequential latency per call: sync client, async client, raw aiohttp and requests.

Usage::

    python benchmarks/bench_sync.py [--quick] [--output PATH]

One loopback aiohttp server runs in its own process. In the same run, ``like(mint)``
(``POST /likes/{mint}``) is made one call after another through four clients:

* ``AsyncPumpFunClient(rate_limit=None, max_retries=0)``, awaited in a loop in ``asyncio.run``;
* ``PumpFunClient(rate_limit=None, max_retries=0)``, called in a plain loop;
* a raw ``aiohttp.ClientSession``, awaited in a loop with the same headers;
* a ``requests.Session`` in the shape of the API docs' own example class.

Each round warms every client up, then times it; the clients take turns, in a rotating
order, over a few rounds, so machine noise hits them all alike. The round with the lowest
median counts. A last measurement times the thread hop alone (a no-op coroutine handed to
an event-loop thread and waited for), to show how much of the sync client's added cost is
that hop. Nothing is asserted: the Markdown table says whether each target was met, and goes
to stdout and to ``--output`` (``benchmarks/RESULTS-sync.md``).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import multiprocessing
import os
import platform
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

try:
    import requests
except ImportError:  # pragma: no cover - the bench extra installs it
    sys.exit("requests is not installed: pip install -e '.[bench]'")

import aiohttp
from aiohttp import web
from anyio.from_thread import start_blocking_portal

import pumpfun_async
from pumpfun_async import AsyncPumpFunClient, PumpFunClient

DEFAULT_OUTPUT = Path(__file__).resolve().parent / "RESULTS-sync.md"
MINT = "CxLHsqvjfisgPAGwcZJsTn6nzZXJLxmVYM7v9pump"
TOKEN = "bench"
WARMUP = 50  # calls per client before each timed run
ROUNDS = 3
ADDED_COST_TARGET_US = 150.0

SYNC = "PumpFunClient (sync)"
ASYNC = "AsyncPumpFunClient"
RAW = "raw aiohttp"
REQUESTS = "requests.Session"
CLIENTS = (SYNC, ASYNC, RAW, REQUESTS)


# --------------------------------------------------------------------------------- server


def _serve(port: multiprocessing.Queue[int]) -> None:
    """The child process: answer ``POST /likes/{id}`` as the API does, until terminated."""

    async def like(request: web.Request) -> web.Response:
        target = request.match_info["target"]
        return web.json_response({"targetId": target, "liked": True, "totalLikes": 1}, status=201)

    async def main() -> None:
        app = web.Application()
        app.router.add_post("/likes/{target}", like)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port.put(runner.addresses[0][1])
        await asyncio.Event().wait()

    asyncio.run(main())


# -------------------------------------------------------------------------------- clients


class DocsInteractions:
    """The docs' ``PumpFunInteractions`` example, on a ``requests.Session`` (as ``like_coin``)."""

    def __init__(self, token: str, base_url: str) -> None:
        self.base_url = base_url
        self.headers = {
            "Authorization": f"Bearer {token}",
            "Accept": "application/json",
            "Content-Type": "application/json",
        }
        self.session = requests.Session()

    def like_coin(self, mint: str) -> Any:
        url = f"{self.base_url}/likes/{mint}"
        return self.session.post(url, headers=self.headers).json()

    def close(self) -> None:
        self.session.close()


# --------------------------------------------------------------------------------- timing


def time_sync(call: Callable[[], object], n: int) -> list[float]:
    """Seconds taken by each of ``n`` calls of ``call()``, one after another."""
    for _ in range(WARMUP):
        call()
    gc.collect()
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return samples


async def time_async(call: Callable[[], Awaitable[object]], n: int) -> list[float]:
    """Seconds taken by each of ``n`` awaits of ``call()``, one after another, in one task."""
    for _ in range(WARMUP):
        await call()
    gc.collect()
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        await call()
        samples.append(time.perf_counter() - started)
    return samples


async def async_sdk(base_url: str, n: int) -> list[float]:
    async with AsyncPumpFunClient(
        TOKEN, base_url=base_url, rate_limit=None, max_retries=0
    ) as client:
        return await time_async(lambda: client.like(MINT), n)


async def async_raw(base_url: str, n: int, headers: dict[str, str]) -> list[float]:
    url = f"{base_url}/likes/{MINT}"
    async with aiohttp.ClientSession() as session:

        async def post() -> object:
            async with session.post(url, headers=headers) as response:
                response.raise_for_status()
                return await response.json()

        return await time_async(post, n)


async def noop() -> None:
    return None


async def _running_loop() -> asyncio.AbstractEventLoop:
    return asyncio.get_running_loop()


def time_hop(n: int) -> list[float]:
    """The thread hop alone: a no-op coroutine run on an event-loop thread, waited for.

    The same mechanism ``PumpFunClient`` uses (``asyncio.run_coroutine_threadsafe`` onto
    the loop of an anyio blocking portal), with no request behind it.
    """
    with start_blocking_portal() as portal:
        loop = portal.call(_running_loop)
        return time_sync(lambda: asyncio.run_coroutine_threadsafe(noop(), loop).result(), n)


@dataclass
class Stats:
    median: float  # seconds
    p90: float  # seconds

    @classmethod
    def of(cls, samples: Sequence[float]) -> Stats:
        ordered = sorted(samples)
        p90 = ordered[min(len(ordered) - 1, len(ordered) * 9 // 10)]
        return cls(statistics.median(ordered), p90)


def run(base_url: str, n: int) -> tuple[dict[str, list[Stats]], list[Stats]]:
    """Each client's stats in each round, and the bare thread hop's in each round."""
    docs = DocsInteractions(TOKEN, base_url)
    sync_client = PumpFunClient(TOKEN, base_url=base_url, rate_limit=None, max_retries=0)
    measure: dict[str, Callable[[], list[float]]] = {
        SYNC: lambda: time_sync(lambda: sync_client.like(MINT), n),
        ASYNC: lambda: asyncio.run(async_sdk(base_url, n)),
        RAW: lambda: asyncio.run(async_raw(base_url, n, docs.headers)),
        REQUESTS: lambda: time_sync(lambda: docs.like_coin(MINT), n),
    }
    rounds: dict[str, list[Stats]] = {name: [] for name in CLIENTS}
    hops: list[Stats] = []
    try:
        for round_no in range(ROUNDS):
            shift = round_no % len(CLIENTS)
            for name in CLIENTS[shift:] + CLIENTS[:shift]:
                rounds[name].append(Stats.of(measure[name]()))
            hops.append(Stats.of(time_hop(n)))
    finally:
        sync_client.close()
        docs.close()
    return rounds, hops


# --------------------------------------------------------------------------------- report


def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def report(rounds: dict[str, list[Stats]], hops: list[Stats], *, n: int, quick: bool) -> str:
    us = 1e6
    best = {name: min(runs, key=lambda s: s.median) for name, runs in rounds.items()}
    raw = best[RAW].median
    added = (best[SYNC].median - best[ASYNC].median) * us
    vs_requests = best[SYNC].median / best[REQUESTS].median
    hop = min(hops, key=lambda s: s.median)
    versions = ", ".join(
        f"{name} {metadata.version(name)}" for name in ("aiohttp", "anyio", "requests")
    )
    lines = [
        "# Sync client latency: PumpFunClient vs AsyncPumpFunClient, raw aiohttp and requests",
        "",
        f"- Machine: {platform.platform()}, {cpu_name()}, {os.cpu_count()} CPUs",
        f"- Python: {platform.python_implementation()} {platform.python_version()}",
        f"- pumpfun_async {pumpfun_async.__version__}, {versions}",
        f"- Mode: {'quick' if quick else 'full'}; {n:,} sequential `like()` calls per client "
        f"per round after {WARMUP} warm-up calls, {ROUNDS} rounds with the clients taking "
        "turns in a rotating order; the round with the lowest median counts",
        "- Server: one aiohttp app on 127.0.0.1 in its own process, answering "
        f"`POST /likes/{{mint}}` with 201 and a small JSON body; mint `{MINT}`",
        "",
        "| Client | How it is called | Median (µs/call) | p90 (µs/call) "
        "| Median vs raw aiohttp | Round medians (µs) |",
        "|---|---|--:|--:|--:|---|",
    ]
    how = {
        SYNC: "`client.like(mint)` in a plain loop",
        ASYNC: "`await client.like(mint)` in a loop in `asyncio.run`",
        RAW: "`await session.post(...)`, body read as JSON",
        REQUESTS: "the docs' example class: `session.post(...).json()`",
    }
    for name in CLIENTS:
        b = best[name]
        per_round = " / ".join(f"{s.median * us:.1f}" for s in rounds[name])
        lines.append(
            f"| {name} | {how[name]} | {b.median * us:.1f} | {b.p90 * us:.1f} "
            f"| {b.median / raw:.2f}x | {per_round} |"
        )
    lines += [
        "",
        "raw aiohttp and requests send the docs' headers (`Authorization: Bearer`, `Accept`, "
        "`Content-Type`); the SDK sends `Authorization`, `Accept` and its `User-Agent`, and "
        "leaves `Content-Type` off a bodiless POST. The SDK clients run with "
        "`rate_limit=None, max_retries=0`. The p90 is that of the counted round.",
        "",
        "| Target | Result | Met |",
        "|---|--:|---|",
        "| Sync client's added cost over a direct `await` (sync median minus async median) "
        f"under {ADDED_COST_TARGET_US:g} µs | {added:.1f} µs "
        f"| {'yes' if added < ADDED_COST_TARGET_US else 'NO'} |",
        f"| Sync client vs `requests.Session` (median ratio) below 1.00x | {vs_requests:.2f}x "
        f"| {'yes' if vs_requests < 1 else 'NO'} |",
        "",
        "Where the added cost goes: handing a no-op coroutine to an event-loop thread and "
        "waiting for it (`asyncio.run_coroutine_threadsafe(...).result()` onto an anyio "
        f"portal's loop, as `PumpFunClient` does) takes {hop.median * us:.1f} µs median "
        f"({hop.p90 * us:.1f} µs p90) here with no request at all, against the "
        f"{added:.1f} µs the sync client adds. That hop is cross-thread wake-ups (the loop's "
        "self-pipe, then the caller's lock), so it depends on the OS scheduler and the CPU "
        "count more than on this package's code.",
        "",
        "Lower is faster. Timings vary between machines and runs; compare the ratios, and only "
        "within one run.",
    ]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--quick", action="store_true", help="short runs (300 calls per client per round)"
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=DEFAULT_OUTPUT,
        help=f"where to write the Markdown table (default: {DEFAULT_OUTPUT})",
    )
    args = parser.parse_args(argv)
    n = 300 if args.quick else 2_000
    ports: multiprocessing.Queue[int] = multiprocessing.Queue()
    server = multiprocessing.Process(target=_serve, args=(ports,), daemon=True)
    server.start()
    try:
        base_url = f"http://127.0.0.1:{ports.get(timeout=30)}"
        rounds, hops = run(base_url, n)
    finally:
        server.terminate()
        server.join(10)
        ports.close()
    table = report(rounds, hops, n=n, quick=args.quick)
    print(table, end="")
    args.output.write_text(table, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
