"""Sequential latency per call: sync client, async client, raw aiohttp and requests.

Runs one loopback server in its own process and, in the same run, times ``like(mint)``
(``POST /likes/{mint}``) made one after another through each client, interleaved over a
few rounds so machine noise hits all of them alike. Reports medians and ratios.

    python benchmarks/bench_sync.py [--quick] [--output benchmarks/RESULTS-sync.md]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

import aiohttp
import requests
from aiohttp import web

from pumpfun_async import AsyncPumpFunClient, PumpFunClient

MINT = "CxLHsqvjfisgPAGwcZJsTn6nzZXJLxmVYM7v9pump"
TOKEN = "bench"
HEADERS = {
    "Authorization": f"Bearer {TOKEN}",
    "Accept": "application/json",
    "Content-Type": "application/json",
}


def _serve(port_queue: multiprocessing.Queue[int]) -> None:
    async def like(request: web.Request) -> web.Response:
        return web.json_response({"liked": True}, status=201)

    async def main() -> None:
        app = web.Application()
        app.router.add_post("/likes/{target}", like)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port_queue.put(runner.addresses[0][1])
        await asyncio.Event().wait()

    asyncio.run(main())


def _per_call(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1e6, ordered[int(len(ordered) * 0.9)] * 1e6


def _time_sync(call: Callable[[], object], count: int) -> list[float]:
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return samples


async def _time_async(call: Callable[[], object], count: int) -> list[float]:
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        await call()  # type: ignore[misc]
        samples.append(time.perf_counter() - started)
    return samples


def run(base: str, count: int, rounds: int, warmup: int) -> dict[str, list[float]]:
    """Median per call (seconds) of each client in each round."""
    results: dict[str, list[float]] = {
        "PumpFunClient (sync)": [],
        "AsyncPumpFunClient": [],
        "raw aiohttp": [],
        "requests.Session": [],
    }
    url = f"{base}/likes/{MINT}"
    sync_client = PumpFunClient(TOKEN, base_url=base, rate_limit=None, max_retries=0)
    session = requests.Session()

    def post_requests() -> object:
        return session.post(url, headers=HEADERS).json()

    async def async_round(count: int) -> tuple[list[float], list[float]]:
        async with (
            AsyncPumpFunClient(TOKEN, base_url=base, rate_limit=None, max_retries=0) as client,
            aiohttp.ClientSession() as raw,
        ):

            async def post_raw() -> None:
                async with raw.post(url, headers=HEADERS) as response:
                    await response.read()

            await _time_async(lambda: client.like(MINT), warmup)
            await _time_async(post_raw, warmup)
            sdk = await _time_async(lambda: client.like(MINT), count)
            bare = await _time_async(post_raw, count)
            return sdk, bare

    try:
        _time_sync(lambda: sync_client.like(MINT), warmup)
        _time_sync(post_requests, warmup)
        for _ in range(rounds):
            results["PumpFunClient (sync)"].append(
                statistics.median(_time_sync(lambda: sync_client.like(MINT), count))
            )
            sdk, bare = asyncio.run(async_round(count))
            results["AsyncPumpFunClient"].append(statistics.median(sdk))
            results["raw aiohttp"].append(statistics.median(bare))
            results["requests.Session"].append(statistics.median(_time_sync(post_requests, count)))
    finally:
        sync_client.close()
        session.close()
    return results


def report(results: dict[str, list[float]], count: int, rounds: int, mode: str) -> str:
    """The Markdown report: best-round medians, ratios and the two targets."""
    best = {name: min(values) * 1e6 for name, values in results.items()}
    raw = best["raw aiohttp"]
    added = best["PumpFunClient (sync)"] - best["AsyncPumpFunClient"]
    vs_requests = best["PumpFunClient (sync)"] / best["requests.Session"]
    lines = [
        "# Sequential latency per call: sync client vs async client, raw aiohttp, requests",
        "",
        f"- Machine: {platform.platform()}, {os.cpu_count()} CPUs",
        f"- Python: {platform.python_implementation()} {platform.python_version()}",
        f"- pumpfun_async {version('pumpfun-async')}, aiohttp {version('aiohttp')}, "
        f"anyio {version('anyio')}, requests {version('requests')}",
        f"- Mode: {mode}; {count} sequential `like()` calls per client per round, "
        f"{rounds} rounds interleaved; best round's median shown",
        "- Server: one aiohttp app on 127.0.0.1 in its own process, answering 201 with JSON",
        "",
        "| Client | Median per call (µs) | vs raw aiohttp |",
        "|---|--:|--:|",
    ]
    for name, value in best.items():
        lines.append(f"| {name} | {value:.1f} | {value / raw:.2f}x |")
    lines += [
        "",
        f"- Sync client's added cost over a direct `await`: **{added:.1f} µs** per call "
        f"(target under 150 µs: {'met' if added < 150 else 'NOT met'}).",
        f"- Sync client vs `requests.Session`: **{vs_requests:.2f}x** "
        f"(target below 1.00x: {'met' if vs_requests < 1 else 'NOT met'}).",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and write its report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="a short run, for the tests")
    parser.add_argument("--output", type=Path, default=Path(__file__).with_name("RESULTS-sync.md"))
    args = parser.parse_args(argv)
    count, rounds, warmup = (300, 2, 30) if args.quick else (2000, 3, 100)
    ports: multiprocessing.Queue[int] = multiprocessing.Queue()
    server = multiprocessing.Process(target=_serve, args=(ports,), daemon=True)
    server.start()
    try:
        base = f"http://127.0.0.1:{ports.get(timeout=30)}"
        results = run(base, count, rounds, warmup)
    finally:
        server.terminate()
        server.join()
        ports.close()
    text = report(results, count, rounds, "quick" if args.quick else "full")
    print(text)
    args.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
