"""Throughput: 5,000 likes at concurrency 64, this SDK against raw aiohttp, httpx and requests.

Also the SDK's own cost of observing its requests: the same ``like_many`` with four no-op
event hooks, and with ``PumpFunInstrumentor`` on (OpenTelemetry's SDK recording spans and
metrics), beside the plain SDK.

Usage::

    python benchmarks/bench_throughput.py [--quick] [--output PATH]

One loopback aiohttp server runs in its own process and answers ``POST /likes/{mint}``.
In the same run, each client sends the same 5,000 likes (500 with ``--quick``), at most 64
in flight at once:

* ``AsyncPumpFunClient(rate_limit=None, max_retries=0).like_many(mints, concurrency=64)``;
* the same with ``event_hooks=`` holding one no-op function for each of the four events;
* the same with ``PumpFunInstrumentor().instrument()``: an SDK ``TracerProvider`` with a
  ``BatchSpanProcessor`` (to an exporter that drops the spans, so no I/O is timed) and an
  SDK ``MeterProvider`` aggregating the three metrics;
* a raw ``aiohttp.ClientSession``: 64 tasks pulling mints from one iterator, each response
  read as JSON;
* an ``httpx.AsyncClient`` in the same shape;
* a ``requests.Session`` shared by 64 threads (its pool sized to 64), as the docs' example
  class would be driven from a thread pool.

Each client is warmed up (connections opened), then timed; the clients take turns in a
rotating order over five rounds (two with ``--quick``) and each client's best round counts.
Nothing is asserted: the section says whether the SDK reached 0.9x raw aiohttp's throughput,
how much the rounds of one client vary (the run's noise, against which "no hooks costs
nothing" is read), and what hooks and the instrumentor add per like.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

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
from pumpfun_async._hooks import INSTRUMENTS, Call, event_hooks_option
from pumpfun_async.endpoints import ENDPOINTS

CONCURRENCY = 64
ROUNDS = 5
GOAL = 0.9  # of raw aiohttp's throughput

SDK = "pumpfun_async"
SDK_HOOKS = "pumpfun_async + 4 no-op hooks"
SDK_OTEL = "pumpfun_async + PumpFunInstrumentor"
RAW = "raw aiohttp"
HTTPX = "httpx.AsyncClient"
REQUESTS = "requests.Session"
CLIENTS = (SDK, SDK_HOOKS, SDK_OTEL, RAW, HTTPX, REQUESTS)
OBSERVED = (SDK_HOOKS, SDK_OTEL)  # the SDK's rows with something observing its requests


Timing = tuple[float, float]
"""Wall-clock seconds and this process's CPU seconds (all its threads) for one round."""


class Stopwatch:
    """Wall and CPU time from its creation; CPU time is what the client itself spends.

    The server runs in a process of its own, so this process's CPU seconds per like are
    the client's cost alone, and much steadier than wall time on a busy machine.
    """

    def __init__(self) -> None:
        self._wall = time.perf_counter()
        self._cpu = time.process_time()

    def stop(self) -> Timing:
        return time.perf_counter() - self._wall, time.process_time() - self._cpu


def mints(n: int) -> list[str]:
    """``n`` distinct mint-shaped targets."""
    return [mint_like(i) for i in range(n)]


async def _workers(send: Callable[[str], object], targets: Sequence[str]) -> None:
    source: Iterator[str] = iter(targets)

    async def worker() -> None:
        for target in source:
            await send(target)  # type: ignore[misc]

    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))


def _no_op(event: object) -> None:
    return None


NO_OP_HOOKS = {"request": [_no_op], "response": [_no_op], "retry": [_no_op]}
NO_OP_HOOKS["rate_limit_wait"] = [_no_op]


async def run_sdk(
    base_url: str, targets: Sequence[str], warmup: Sequence[str], **options: Any
) -> Timing:
    async with AsyncPumpFunClient(
        TOKEN, base_url=base_url, rate_limit=None, max_retries=0, **options
    ) as client:
        await client.like_many(warmup, concurrency=CONCURRENCY)
        watch = Stopwatch()
        result = await client.like_many(targets, concurrency=CONCURRENCY)
        elapsed = watch.stop()
    if not result.ok:
        raise RuntimeError(f"{SDK}: {len(result.failed)} likes failed")
    return elapsed


@contextlib.contextmanager
def instrumented() -> Iterator[None]:
    """``PumpFunInstrumentor`` on, recording through OpenTelemetry's SDK, for the block."""
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult

    from pumpfun_async.otel import PumpFunInstrumentor

    class Discard(SpanExporter):
        def export(self, spans: object) -> SpanExportResult:
            return SpanExportResult.SUCCESS

    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(BatchSpanProcessor(Discard()))
    reader = InMemoryMetricReader()
    meter_provider = MeterProvider(metric_readers=[reader])
    instrumentor = PumpFunInstrumentor()
    instrumentor.instrument(tracer_provider=tracer_provider, meter_provider=meter_provider)
    try:
        yield
    finally:
        instrumentor.uninstrument()
        points = reader.get_metrics_data()
        tracer_provider.shutdown()
        meter_provider.shutdown()
        if points is None or not points.resource_metrics:
            raise RuntimeError(f"{SDK_OTEL}: no metrics were recorded")


def run_instrumented(base_url: str, targets: Sequence[str], warmup: Sequence[str]) -> Timing:
    """``run_sdk`` with the instrumentor on."""
    with instrumented():
        return asyncio.run(run_sdk(base_url, targets, warmup))


async def _observe_calls(n: int, hooks: Any) -> float:
    """CPU seconds per call of the request path's observation steps alone, no network.

    What the transport does for each call besides sending it: the check for hooks and
    instruments, and when there are any, the ``Call`` with its request and response events.
    """
    endpoint = ENDPOINTS["like"]
    started = time.process_time()
    for _ in range(n):
        call = Call(hooks, endpoint, "http://127.0.0.1:1") if hooks or INSTRUMENTS else None
        if call is not None:
            await call.request()
            await call.answered(201)
    return (time.process_time() - started) / n


def observation_cost(n: int, repeats: int) -> dict[str, float]:
    """CPU microseconds per call of the observation steps alone: each setup's best repeat."""
    hooks = event_hooks_option(NO_OP_HOOKS)

    def best(with_hooks: Any) -> float:
        return min(asyncio.run(_observe_calls(n, with_hooks)) for _ in range(repeats)) * 1e6

    cost = {SDK: best(None), SDK_HOOKS: best(hooks)}
    with instrumented():
        cost[SDK_OTEL] = best(None)
    return cost


async def run_raw(base_url: str, targets: Sequence[str], warmup: Sequence[str]) -> Timing:
    async with aiohttp.ClientSession(headers=DOCS_HEADERS) as session:

        async def send(target: str) -> object:
            async with session.post(f"{base_url}/likes/{target}") as response:
                response.raise_for_status()
                return await response.json()

        await _workers(send, warmup)
        watch = Stopwatch()
        await _workers(send, targets)
        return watch.stop()


async def run_httpx(base_url: str, targets: Sequence[str], warmup: Sequence[str]) -> Timing:
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    async with httpx.AsyncClient(headers=DOCS_HEADERS, limits=limits) as client:

        async def send(target: str) -> object:
            response = await client.post(f"{base_url}/likes/{target}")
            response.raise_for_status()
            return response.json()

        await _workers(send, warmup)
        watch = Stopwatch()
        await _workers(send, targets)
        return watch.stop()


def run_requests(base_url: str, targets: Sequence[str], warmup: Sequence[str]) -> Timing:
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
            watch = Stopwatch()
            list(pool.map(send, targets))
            return watch.stop()
    finally:
        session.close()


def run(
    base_url: str, n: int, round_count: int = ROUNDS
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Each client's wall-clock seconds, and CPU seconds, for ``n`` likes, per round."""
    targets = mints(n)
    warmup = [mint_like(10**9 + i) for i in range(CONCURRENCY * 2)]  # not among the timed
    measure: dict[str, Callable[[], Timing]] = {
        SDK: lambda: asyncio.run(run_sdk(base_url, targets, warmup)),
        SDK_HOOKS: lambda: asyncio.run(run_sdk(base_url, targets, warmup, event_hooks=NO_OP_HOOKS)),
        SDK_OTEL: lambda: run_instrumented(base_url, targets, warmup),
        RAW: lambda: asyncio.run(run_raw(base_url, targets, warmup)),
        HTTPX: lambda: asyncio.run(run_httpx(base_url, targets, warmup)),
        REQUESTS: lambda: run_requests(base_url, targets, warmup),
    }
    rounds: dict[str, list[float]] = {name: [] for name in CLIENTS}
    cpu: dict[str, list[float]] = {name: [] for name in CLIENTS}
    for round_no in range(round_count):
        shift = round_no % len(CLIENTS)
        for name in CLIENTS[shift:] + CLIENTS[:shift]:
            wall, used = measure[name]()
            rounds[name].append(wall)
            cpu[name].append(used)
    return rounds, cpu


def measure(quick: bool) -> Section:
    """Run the throughput benchmark and describe it."""
    n = 300 if quick else 5_000
    with like_server() as base_url:
        rounds, cpu = run(base_url, n, 2 if quick else ROUNDS)
    alone = observation_cost(2_000 if quick else 20_000, 3 if quick else 7)
    rate = {name: n / min(times) for name, times in rounds.items()}
    raw = rate[RAW]
    ratio = rate[SDK] / raw
    # CPU microseconds per like, the client's own cost: each client's cheapest round.
    per_like = {name: min(cpu[name]) / n * 1e6 for name in CLIENTS}
    # The run's noise: how far one client's rounds lie apart (slowest over fastest), in
    # likes/s and in CPU time, for the plain SDK and raw aiohttp.
    noise = statistics.median(max(rounds[name]) / min(rounds[name]) - 1 for name in (SDK, RAW))
    cpu_noise = statistics.median(max(cpu[name]) / min(cpu[name]) - 1 for name in (SDK, RAW))
    added = {name: per_like[name] - per_like[SDK] for name in OBSERVED}
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
        SDK_HOOKS: "the same, `event_hooks=` one no-op function per event",
        SDK_OTEL: "the same, `PumpFunInstrumentor().instrument()` (OpenTelemetry SDK)",
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
        "### Observing the requests",
        "",
        "The client process's CPU time per like (its cheapest round; the server runs in a "
        "process of its own, so this is the client's own cost, and it varies far less than "
        "wall-clock throughput on a busy machine), beside the likes/s above:",
        "",
        "| Client | CPU µs per like | vs pumpfun_async | vs raw aiohttp | Added per like "
        "| Likes/s vs pumpfun_async |",
        "|---|--:|--:|--:|--:|--:|",
        *(
            f"| {name} | {per_like[name]:.1f} | {per_like[name] / per_like[SDK]:.2f}x "
            f"| {per_like[name] / per_like[RAW]:.2f}x "
            f"| {'—' if name not in added else f'{added[name]:+.1f} µs'} "
            f"| {rate[name] / rate[SDK]:.2f}x |"
            for name in (SDK, *OBSERVED, RAW)
        ),
        "",
        f"Without hooks or instrumentation the request path builds no event and calls "
        f"nothing for them (one check per step of a request): the plain SDK row is the SDK as "
        f"it runs by default, at {ratio:.2f}x raw aiohttp's likes/s and "
        f"{per_like[SDK] / per_like[RAW]:.2f}x its CPU per like. This run's noise: one "
        f"client's rounds lie {noise:.0%} apart in likes/s and {cpu_noise:.0%} in CPU time "
        f"(median over pumpfun_async and raw aiohttp, slowest round over fastest); "
        f"differences smaller than that are not measured. With the instrumentor on, every "
        f"call starts and ends a span (handed to a batch processor) and records a duration "
        f"in a histogram; 'Added per like' is its CPU time per like minus the plain SDK's.",
        "",
        "The observation steps alone, without the network (each setup's best of several "
        "repeats of many calls: far steadier than the figures above). With nothing "
        "configured, the request path only checks that there is nothing to tell:",
        "",
        "| Setup | CPU µs per call | Share of the plain SDK's CPU per like |",
        "|---|--:|--:|",
        *(
            f"| {label} | {alone[name]:.2f} | {alone[name] / per_like[SDK]:.2%} |"
            for name, label in (
                (SDK, "no hooks, not instrumented (the default)"),
                (SDK_HOOKS, "4 no-op hooks"),
                (SDK_OTEL, "PumpFunInstrumentor (OpenTelemetry SDK)"),
            )
        ),
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
            ),
            Goal(
                f"Cost per like with PumpFunInstrumentor on ({n:,} likes, concurrency "
                f"{CONCURRENCY}), beside the plain SDK",
                f"{added[SDK_OTEL]:+.1f} µs CPU end to end, {alone[SDK_OTEL]:.1f} µs alone "
                f"({per_like[SDK_OTEL] / per_like[SDK]:.2f}x its CPU per like)",
                None,
            ),
        ],
        charts=[
            Chart(
                f"Throughput, {n:,} likes at concurrency {CONCURRENCY}",
                "likes/s",
                {name: rate[name] for name in CLIENTS},
                ours=(SDK, *OBSERVED),
                better="higher",
            )
        ],
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run this benchmark alone."""
    return standalone(measure, __doc__, argv)


if __name__ == "__main__":
    sys.exit(main())
