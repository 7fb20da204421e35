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
that hop. Nothing is asserted: the section says whether each target was met. ``run_all.py``
puts it in ``benchmarks/RESULTS.md``; run alone, it prints it (and writes it to ``--output``
if given).
"""

from __future__ import annotations

import asyncio
import gc
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

try:
    import requests
except ImportError:  # pragma: no cover - the bench extra installs it
    sys.exit("requests is not installed: pip install -e '.[bench]'")

import aiohttp
from _common import MINT, TOKEN, Chart, Goal, Section, like_server, standalone, version
from anyio.from_thread import start_blocking_portal

from pumpfun_async import AsyncPumpFunClient, PumpFunClient
from pumpfun_async._sync import _submit, _wait

WARMUP = 50  # calls per client before each timed run
ROUNDS = 3
ADDED_COST_TARGET_US = 150.0

SYNC = "PumpFunClient (sync)"
ASYNC = "AsyncPumpFunClient"
RAW = "raw aiohttp"
REQUESTS = "requests.Session"
CLIENTS = (SYNC, ASYNC, RAW, REQUESTS)


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

    The same mechanism ``PumpFunClient`` uses (its ``_submit`` hand-off, a task on the loop
    of an anyio blocking portal, waited for), with no request behind it.
    """
    with start_blocking_portal() as portal:
        loop = portal.call(_running_loop)
        return time_sync(lambda: _wait(*_submit(noop(), loop)), n)


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


def report(rounds: dict[str, list[Stats]], hops: list[Stats], *, n: int, quick: bool) -> Section:
    us = 1e6
    best = {name: min(runs, key=lambda s: s.median) for name, runs in rounds.items()}
    raw = best[RAW].median
    added = (best[SYNC].median - best[ASYNC].median) * us
    vs_requests = best[SYNC].median / best[REQUESTS].median
    hop = min(hops, key=lambda s: s.median)
    versions = ", ".join(f"{name} {version(name)}" for name in ("aiohttp", "anyio", "requests"))
    lines = [
        "## Sequential latency: async client, sync client, raw aiohttp, requests",
        "",
        f"- pumpfun_async {version('pumpfun-async')}, {versions}",
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
        "waiting for it (a task on an anyio "
        f"portal's loop, as `PumpFunClient` does) takes {hop.median * us:.1f} µs median "
        f"({hop.p90 * us:.1f} µs p90) here with no request at all, against the "
        f"{added:.1f} µs the sync client adds. That hop is cross-thread wake-ups (the loop's "
        "self-pipe, then the caller's lock), so it depends on the OS scheduler and the CPU "
        "count more than on this package's code.",
        "",
        "Lower is faster. Timings vary between machines and runs; compare the ratios, and only "
        "within one run.",
        "",
    ]
    return Section(
        title="Sequential latency",
        markdown="\n".join(lines),
        goals=[
            Goal(
                "Async client's median latency vs raw aiohttp",
                f"{best[ASYNC].median / raw:.2f}x",
                None,
            ),
            Goal(
                f"Sync client's added cost over a direct `await` under {ADDED_COST_TARGET_US:g} µs",
                f"{added:.1f} µs",
                added < ADDED_COST_TARGET_US,
            ),
            Goal(
                "Sync client vs `requests.Session` (median latency) below 1.00x",
                f"{vs_requests:.2f}x",
                vs_requests < 1,
            ),
        ],
        charts=[
            Chart(
                "Sequential latency per call (median)",
                "µs",
                {name: best[name].median * us for name in CLIENTS},
                ours=(SYNC, ASYNC),
            )
        ],
    )


def measure(quick: bool) -> Section:
    """Run the latency benchmark and describe it."""
    n = 300 if quick else 2_000
    with like_server() as base_url:
        rounds, hops = run(base_url, n)
    return report(rounds, hops, n=n, quick=quick)


def main(argv: Sequence[str] | None = None) -> int:
    """Run this benchmark alone."""
    return standalone(measure, __doc__, argv)


if __name__ == "__main__":
    sys.exit(main())
