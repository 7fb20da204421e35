"""Throughput: 5,000 likes at concurrency 64, this SDK against raw aiohttp, httpx and requests.

Usage::

    python benchmarks/bench_throughput.py [--quick] [--output PATH]

One loopback aiohttp server runs in its own process and answers ``POST /likes/{mint}``.
In the same run, each client sends the same 5,000 likes (500 with ``--quick``), at most 64
in flight at once:

* ``AsyncPumpFunClient(rate_limit=None, max_retries=0).like_many(mints, concurrency=64)``;
* a raw ``aiohttp.ClientSession``: 64 tasks pulling mints from one iterator, each response
  read as JSON;
* an ``httpx.AsyncClient`` in the same shape;
* a ``requests.Session`` shared by 64 threads (its pool sized to 64), as the docs' example
  class would be driven from a thread pool.

Each client is warmed up (connections opened), then timed; the clients take turns in a
rotating order over five rounds (two with ``--quick``) and each client's best round counts.
Nothing is asserted: the section says whether the SDK reached 0.9x raw aiohttp's throughput.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import sys
import time
from collections.abc import Callable, Iterator, Sequence

import aiohttp
import httpx
import requests
from _common import (
    DOCS_HEADERS,
    TOKEN,
    Chart,
    Goal,
    Section,
    like_server,
    mint_like,
    standalone,
    version,
)
from requests.adapters import HTTPAdapter

from pumpfun_async import AsyncPumpFunClient

CONCURRENCY = 64
ROUNDS = 5
GOAL = 0.9  # of raw aiohttp's throughput

SDK = "pumpfun_async"
RAW = "raw aiohttp"
HTTPX = "httpx.AsyncClient"
REQUESTS = "requests.Session"
CLIENTS = (SDK, RAW, HTTPX, REQUESTS)


def mints(n: int) -> list[str]:
    """``n`` distinct mint-shaped targets."""
    return [mint_like(i) for i in range(n)]


async def _workers(send: Callable[[str], object], targets: Sequence[str]) -> None:
    source: Iterator[str] = iter(targets)

    async def worker() -> None:
        for target in source:
            await send(target)  # type: ignore[misc]

    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))


async def run_sdk(base_url: str, targets: Sequence[str], warmup: Sequence[str]) -> float:
    async with AsyncPumpFunClient(
        TOKEN, base_url=base_url, rate_limit=None, max_retries=0
    ) as client:
        await client.like_many(warmup, concurrency=CONCURRENCY)
        started = time.perf_counter()
        result = await client.like_many(targets, concurrency=CONCURRENCY)
        elapsed = time.perf_counter() - started
    if not result.ok:
        raise RuntimeError(f"{SDK}: {len(result.failed)} likes failed")
    return elapsed


async def run_raw(base_url: str, targets: Sequence[str], warmup: Sequence[str]) -> float:
    async with aiohttp.ClientSession(headers=DOCS_HEADERS) as session:

        async def send(target: str) -> object:
            async with session.post(f"{base_url}/likes/{target}") as response:
                response.raise_for_status()
                return await response.json()

        await _workers(send, warmup)
        started = time.perf_counter()
        await _workers(send, targets)
        return time.perf_counter() - started


async def run_httpx(base_url: str, targets: Sequence[str], warmup: Sequence[str]) -> float:
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    async with httpx.AsyncClient(headers=DOCS_HEADERS, limits=limits) as client:

        async def send(target: str) -> object:
            response = await client.post(f"{base_url}/likes/{target}")
            response.raise_for_status()
            return response.json()

        await _workers(send, warmup)
        started = time.perf_counter()
        await _workers(send, targets)
        return time.perf_counter() - started


def run_requests(base_url: str, targets: Sequence[str], warmup: Sequence[str]) -> float:
    session = requests.Session()
    adapter = HTTPAdapter(pool_connections=1, pool_maxsize=CONCURRENCY)
    session.mount("http://", adapter)
    session.headers.update(DOCS_HEADERS)

    def send(target: str) -> object:
        response = session.post(f"{base_url}/likes/{target}")
        response.raise_for_status()
        return response.json()

    try:
        with concurrent.futures.ThreadPoolExecutor(CONCURRENCY) as pool:
            list(pool.map(send, warmup))
            started = time.perf_counter()
            list(pool.map(send, targets))
            return time.perf_counter() - started
    finally:
        session.close()


def run(base_url: str, n: int, round_count: int = ROUNDS) -> dict[str, list[float]]:
    """Each client's seconds for ``n`` likes, per round."""
    targets = mints(n)
    warmup = [mint_like(10**9 + i) for i in range(CONCURRENCY * 2)]  # not among the timed
    measure: dict[str, Callable[[], float]] = {
        SDK: lambda: asyncio.run(run_sdk(base_url, targets, warmup)),
        RAW: lambda: asyncio.run(run_raw(base_url, targets, warmup)),
        HTTPX: lambda: asyncio.run(run_httpx(base_url, targets, warmup)),
        REQUESTS: lambda: run_requests(base_url, targets, warmup),
    }
    rounds: dict[str, list[float]] = {name: [] for name in CLIENTS}
    for round_no in range(round_count):
        shift = round_no % len(CLIENTS)
        for name in CLIENTS[shift:] + CLIENTS[:shift]:
            rounds[name].append(measure[name]())
    return rounds


def measure(quick: bool) -> Section:
    """Run the throughput benchmark and describe it."""
    n = 300 if quick else 5_000
    with like_server() as base_url:
        rounds = run(base_url, n, 2 if quick else ROUNDS)
    rate = {name: n / min(times) for name, times in rounds.items()}
    raw = rate[RAW]
    ratio = rate[SDK] / raw
    names = ("aiohttp", "httpx", "httpcore", "sniffio", "requests")
    versions = ", ".join(f"{name} {version(name)}" for name in names)
    lines = [
        f"## Throughput: {n:,} likes at concurrency {CONCURRENCY}",
        "",
        f"- Mode: {'quick' if quick else 'full'}; {n:,} `POST /likes/{{mint}}` per client per "
        f"round, at most {CONCURRENCY} in flight, after {CONCURRENCY * 2} warm-up likes; "
        f"{len(rounds[SDK])} rounds with the clients taking turns in a rotating order; "
        "each client's best round counts",
        f"- pumpfun_async {version('pumpfun-async')}, {versions}",
        "- Server: one aiohttp app on 127.0.0.1 in its own process (201 and a small JSON body)",
        "",
        "| Client | How | Likes/s | vs raw aiohttp | Seconds per round |",
        "|---|---|--:|--:|---|",
    ]
    how = {
        SDK: f"`like_many(mints, concurrency={CONCURRENCY})`, `rate_limit=None`",
        RAW: f"`ClientSession.post`, {CONCURRENCY} worker tasks",
        HTTPX: f"`AsyncClient.post`, {CONCURRENCY} worker tasks",
        REQUESTS: f"`Session.post` from a {CONCURRENCY}-thread pool",
    }
    for name in CLIENTS:
        per_round = " / ".join(f"{t:.2f}" for t in rounds[name])
        lines.append(
            f"| {name} | {how[name]} | {rate[name]:,.0f} | {rate[name] / raw:.2f}x | {per_round} |"
        )
    lines += [
        "",
        "Every client reads each response's JSON body. The SDK also validates each mint, "
        "builds its request from the endpoint table, and records a `BulkItem` per target. "
        "Higher is faster.",
        "",
        f"httpx's pool is sized to the concurrency ({CONCURRENCY} connections, all kept alive), "
        "as the other clients' are, over HTTP/1.1. httpcore's pool looks at every pooled "
        "connection on each request, so its cost grows with the pool (a known httpcore "
        "limitation); a smaller pool serves httpx better at this concurrency but then queues "
        "requests, so this row is httpx configured like the others, not httpx at its best.",
        "",
    ]
    met = ratio >= GOAL
    return Section(
        title="Throughput",
        markdown="\n".join(lines),
        goals=[
            Goal(
                f"Throughput vs raw aiohttp ({n:,} likes, concurrency {CONCURRENCY}) "
                f"at {GOAL:.1f}x or better",
                f"{ratio:.2f}x",
                met,
            )
        ],
        charts=[
            Chart(
                f"Throughput, {n:,} likes at concurrency {CONCURRENCY}",
                "likes/s",
                {name: rate[name] for name in CLIENTS},
                better="higher",
            )
        ],
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run this benchmark alone."""
    return standalone(measure, __doc__, argv)


if __name__ == "__main__":
    sys.exit(main())
