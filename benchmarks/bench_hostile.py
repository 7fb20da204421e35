"""Hostile server: peak RSS while a server sends an endless or a huge body.

Usage::

    python benchmarks/bench_hostile.py [--quick] [--output PATH]

One loopback aiohttp server runs in its own process. ``GET /replies/{mint}`` streams a
chunked body of spaces (valid JSON padding, so nothing stops early) forever, or up to
``?bytes=N``; ``GET /bomb/replies/{mint}`` sends a gzip stream that inflates to the run's
size (512 MB, 48 MB in quick mode) of spaces from about a thousandth of that on the wire.

Every measured run happens in a fresh Python process of its own (this script again, in a
hidden ``--child`` mode), so no run inherits another's heap. The child imports everything,
makes one small request to warm the connection pool, collects garbage and takes its
baseline: the peak resident set size so far (``VmHWM`` on Linux). It then reads the body
once, as the client named says, and reports its peak RSS and what the call ended with.

The rows: ``AsyncPumpFunClient.get_replies`` with the default ``max_response_bytes``
(16 MiB) against the endless body and against the bomb, and, for comparison, plain aiohttp
(``await response.read()``, which has no limit) against a finite body of the size the
bomb inflates to. The goal is about the endless body: the SDK's peak above its baseline.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import multiprocessing
import sys
import time
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from _common import (
    MINT,
    TOKEN,
    Chart,
    Goal,
    Section,
    child_figures,
    peak_rss_bytes,
    server_process,
    standalone,
    version,
)
from aiohttp import web

SCRIPT = Path(__file__).resolve()
MB = 1024 * 1024
GOAL_MB = 64.0
FULL_BYTES = 512 * MB  # the bomb's inflated size and the plain-aiohttp body
QUICK_BYTES = 48 * MB
CHUNK = 64 * 1024
CHILD_TIMEOUT_S = 600


# ---------------------------------------------------------------------------------- server


def _serve(port: multiprocessing.Queue[int], bomb_bytes: int) -> None:
    """The server process: an endless (or ``?bytes=N``) body and a gzip bomb."""
    spaces = b" " * CHUNK

    async def endless(request: web.Request) -> web.StreamResponse:
        limit = int(request.query.get("bytes", "-1"))
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        sent = 0
        with contextlib.suppress(ConnectionError):
            while limit < 0 or sent < limit:
                await response.write(spaces)
                sent += CHUNK
            await response.write(b"[]")
            await response.write_eof()
        return response

    async def bomb(request: web.Request) -> web.StreamResponse:
        size = bomb_bytes
        response = web.StreamResponse(
            headers={"Content-Type": "application/json", "Content-Encoding": "gzip"}
        )
        response.enable_chunked_encoding()
        await response.prepare(request)
        packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: a gzip wrapper
        block = b" " * MB
        with contextlib.suppress(ConnectionError):
            for _ in range(size // MB):
                await response.write(packer.compress(block))
            await response.write(packer.compress(b"[]") + packer.flush())
            await response.write_eof()
        return response

    async def ok(request: web.Request) -> web.Response:
        return web.json_response({"replies": [], "hasMore": False})

    async def main() -> None:
        app = web.Application()
        app.router.add_get("/replies/{mint}", endless)
        app.router.add_get("/bomb/replies/{mint}", bomb)
        app.router.add_get("/ok/replies/{mint}", ok)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port.put(runner.addresses[0][1])
        await asyncio.Event().wait()

    asyncio.run(main())


def hostile_server(bomb_bytes: int) -> contextlib.AbstractContextManager[str]:
    """The server in its own process; yields its URL."""
    return server_process(_serve, bomb_bytes)


# ---------------------------------------------------------------------------------- child


async def child_run(base_url: str, how: str, size: int) -> dict[str, float | str]:
    """One measured run, in this (fresh) process."""
    import aiohttp

    from pumpfun_async import AsyncPumpFunClient, PumpFunError

    async with (
        AsyncPumpFunClient(TOKEN, base_url=base_url + "/ok", rate_limit=None) as warm,
        aiohttp.ClientSession() as session,
    ):
        await warm.get_replies(MINT)
        async with session.get(f"{base_url}/ok/replies/{MINT}") as response:
            await response.read()
        gc.collect()
        baseline = peak_rss_bytes()
        started = time.perf_counter()
        if how == "raw":
            async with session.get(f"{base_url}/replies/{MINT}?bytes={size}") as response:
                body = await response.read()
            outcome = f"read all {len(body) / MB:,.0f} MB"
            del body
        else:
            url = base_url + ("/bomb" if how == "bomb" else "")
            async with AsyncPumpFunClient(
                TOKEN, base_url=url, rate_limit=None, max_retries=0
            ) as client:
                try:
                    await client.get_replies(MINT)
                    outcome = "read the whole body"
                except PumpFunError as error:
                    outcome = type(error).__name__
        elapsed = time.perf_counter() - started
        peak = peak_rss_bytes()
    return {"baseline": baseline, "peak": peak, "seconds": elapsed, "outcome": outcome}


def child_main(argv: Sequence[str]) -> int:
    """``--child HOW SIZE URL``: one run, its figures as JSON on stdout."""
    how, size, base_url = argv[0], int(argv[1]), argv[2]
    print(json.dumps(asyncio.run(child_run(base_url, how, size))))
    return 0


# --------------------------------------------------------------------------------- parent


@dataclass
class Run:
    label: str
    how: str
    baseline: float  # bytes
    peak: float  # bytes
    seconds: float
    outcome: str

    @property
    def added(self) -> float:
        return self.peak - self.baseline


ROWS = (
    ("pumpfun_async, default limit: endless chunked body", "endless"),
    ("pumpfun_async, default limit: gzip bomb", "bomb"),
    ("plain aiohttp `response.read()`: a finite body of the bomb's size", "raw"),
)


def run_child(base_url: str, label: str, how: str, size: int) -> Run:
    """One run in a fresh Python process."""
    figures = child_figures(
        SCRIPT, [how, str(size), base_url], timeout=CHILD_TIMEOUT_S, what=f"hostile run {how!r}"
    )
    return Run(
        label=label,
        how=how,
        baseline=float(figures["baseline"]),
        peak=float(figures["peak"]),
        seconds=float(figures["seconds"]),
        outcome=str(figures["outcome"]),
    )


def report(runs: list[Run], size: int, *, quick: bool) -> Section:
    by_how = {r.how: r for r in runs}
    endless = by_how["endless"]
    raw = by_how["raw"]
    lines = [
        "## Hostile server: peak RSS against an endless or huge body",
        "",
        f"- pumpfun_async {version('pumpfun-async')}, aiohttp {version('aiohttp')}",
        f"- Mode: {'quick' if quick else 'full'}; each run in a fresh Python process; the "
        f"bomb inflates to {size / MB:,.0f} MB from "
        f"{len(zlib.compress(b' ' * MB, 9)) * (size // MB) / 1024:,.0f} kB or so on the wire",
        "- Server: one aiohttp app on 127.0.0.1 in its own process",
        "",
        "| Run | Ended with | Peak RSS above baseline (MB) | vs plain aiohttp | Seconds |",
        "|---|---|--:|--:|--:|",
    ]
    for r in runs:
        lines.append(
            f"| {r.label} | {r.outcome} | {r.added / MB:.1f} "
            f"| {r.added / raw.added:.2f}x | {r.seconds:.2f} |"
        )
    goal_name = (
        f"Peak RSS above baseline while a server streams an endless body, default "
        f"max_response_bytes (16 MiB), under {GOAL_MB:g} MB"
    )
    met = endless.added / MB < GOAL_MB and endless.outcome == "ResponseTooLargeError"
    lines += [
        "",
        "Baseline is the process's peak RSS after one small request through each client; "
        "peak is its peak RSS once the call has returned or raised. The SDK stops reading "
        "at `max_response_bytes` (after decompression) and raises `ResponseTooLargeError`; "
        "plain aiohttp keeps reading until the body ends, so its peak grows with the body "
        "(and never stops for an endless one, which is why it gets a finite body here).",
        "",
        "| Target | Result | Met |",
        "|---|--:|---|",
        f"| {goal_name} | {endless.added / MB:.1f} MB | {'yes' if met else 'NO'} |",
        "",
    ]
    return Section(
        title="Hostile server",
        markdown="\n".join(lines),
        goals=[Goal(goal_name, f"{endless.added / MB:.1f} MB", met)],
        charts=[
            Chart(
                "Peak RSS above baseline, reading a hostile body",
                "MB",
                {r.how: r.added / MB for r in runs},
                ours=("endless", "bomb"),
            )
        ],
    )


def measure(quick: bool) -> Section:
    """Run the hostile-server benchmark and describe it."""
    size = QUICK_BYTES if quick else FULL_BYTES
    with hostile_server(size) as base_url:
        runs = [run_child(base_url, label, how, size) for label, how in ROWS]
    return report(runs, size, quick=quick)


def main(argv: Sequence[str] | None = None) -> int:
    """Run this benchmark alone (or, with the hidden ``--child HOW SIZE URL``, one run)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["--child"]:
        return child_main(args[1:])
    return standalone(measure, __doc__, args)


if __name__ == "__main__":
    sys.exit(main())
