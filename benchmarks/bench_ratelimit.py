"""Compare pumpfun_async.TokenBucket with aiolimiter.AsyncLimiter, side by side, real clock.

Usage::

    python benchmarks/bench_ratelimit.py [--quick] [--output PATH]

Two measurements:

* accuracy: many tasks acquire at once through ``asyncio.gather``; from the acquisition
  timestamps, the steady rate achieved after the initial burst (against the configured
  rate), the initial burst itself, and the most acquisitions in any 1-second window
  (against the bound ``rate * 1 s + burst``);
* cost: the time of one uncontended ``await limiter.acquire()`` when tokens are plentiful.

``run_all.py`` puts its section in ``benchmarks/RESULTS.md``; run alone, it prints it (and
writes it to ``--output`` if given).
"""

from __future__ import annotations

import asyncio
import gc
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

try:
    from aiolimiter import AsyncLimiter
except ImportError:  # pragma: no cover - the bench extra installs it
    sys.exit("aiolimiter is not installed: pip install -e '.[bench]'")

from _common import Chart, Goal, Section, max_in_window, standalone, version

from pumpfun_async import TokenBucket

RATE = 200.0  # acquisitions per second in the accuracy run
CAPACITY = 10  # the TokenBucket's burst
WINDOW = 1.0  # seconds, for the sliding-window maximum
REPEATS = 5  # cost runs per library; the best is reported


Sleep = Callable[[float], Awaitable[None]]


class Limiter(Protocol):
    async def acquire(self) -> None: ...


@dataclass
class Contender:
    name: str
    config: str
    burst: float  # the most acquisitions the limiter allows at once, by construction
    make: Callable[[Sleep], Limiter]  # given a sleep to use, if the limiter takes one
    counts_sleeps: bool = False


@dataclass
class Accuracy:
    contender: Contender
    acquisitions: int
    elapsed: float
    steady_rate: float
    initial_burst: int
    max_in_window: int
    sleeps_per_wait: float | None


def contenders(rate: float, capacity: int) -> list[Contender]:
    return [
        Contender(
            "pumpfun_async.TokenBucket",
            f"`TokenBucket({rate:g}, {capacity})`",
            capacity,
            lambda sleep: TokenBucket(rate, capacity, sleep=sleep),
            counts_sleeps=True,
        ),
        Contender(
            "aiolimiter.AsyncLimiter",
            f"`AsyncLimiter({rate:g}, 1.0)`",
            rate,  # its capacity is max_rate per time_period: a whole second's worth
            lambda _: AsyncLimiter(rate, 1.0),
        ),
        Contender(
            "aiolimiter.AsyncLimiter (same burst)",
            f"`AsyncLimiter({capacity}, {capacity / rate:g})`",
            capacity,
            lambda _: AsyncLimiter(capacity, capacity / rate),
        ),
    ]


# -------------------------------------------------------------------------------- accuracy


def initial_burst(stamps: Sequence[float], rate: float) -> int:
    """Acquisitions within half a token interval of the first one."""
    return sum(1 for s in stamps if s - stamps[0] < 0.5 / rate)


async def measure_accuracy(contender: Contender, rate: float, duration: float) -> Accuracy:
    sleeps = 0

    async def counting_sleep(seconds: float) -> None:
        nonlocal sleeps
        sleeps += 1
        await asyncio.sleep(seconds)

    limiter = contender.make(counting_sleep)
    n = round(contender.burst + rate * duration)  # about `duration` seconds after the burst
    stamps: list[float] = []

    async def acquirer() -> None:
        await limiter.acquire()
        stamps.append(time.perf_counter())

    await asyncio.gather(*(acquirer() for _ in range(n)))
    stamps.sort()
    burst = initial_burst(stamps, rate)
    waits = n - burst
    elapsed = stamps[-1] - stamps[0]
    steady = (n - burst) / (stamps[-1] - stamps[burst - 1]) if n > burst else float("nan")
    return Accuracy(
        contender=contender,
        acquisitions=n,
        elapsed=elapsed,
        steady_rate=steady,
        initial_burst=burst,
        max_in_window=max_in_window(stamps, WINDOW),
        sleeps_per_wait=sleeps / waits if contender.counts_sleeps and waits else None,
    )


# ------------------------------------------------------------------------------------ cost


async def noop() -> None:
    return None


async def time_loop(acquire: Callable[[], Awaitable[None]], n: int) -> float:
    """Seconds per ``await acquire()``, over ``n`` calls in one task."""
    gc.collect()
    start = time.perf_counter()
    for _ in range(n):
        await acquire()
    return (time.perf_counter() - start) / n


async def measure_cost(n: int) -> dict[str, list[float]]:
    plenty = 1e9
    results: dict[str, list[float]] = {"baseline": [], "TokenBucket": [], "AsyncLimiter": []}
    for _ in range(REPEATS):  # alternate, so drift in machine load hits both alike
        results["baseline"].append(await time_loop(noop, n))
        bucket = TokenBucket(plenty, plenty)
        results["TokenBucket"].append(await time_loop(bucket.acquire, n))
        limiter = AsyncLimiter(plenty, 1.0)
        results["AsyncLimiter"].append(await time_loop(limiter.acquire, n))
    return results


# --------------------------------------------------------------------------------- report


def report(
    accuracy: list[Accuracy],
    cost: dict[str, list[float]],
    *,
    rate: float,
    duration: float,
    cost_n: int,
    quick: bool,
) -> Section:
    us = 1e6
    best = {name: min(runs) for name, runs in cost.items()}
    median = {name: statistics.median(runs) for name, runs in cost.items()}
    lines = [
        "## Rate limiter: pumpfun_async.TokenBucket vs aiolimiter.AsyncLimiter",
        "",
        f"- pumpfun_async {version('pumpfun-async')}, aiolimiter {version('aiolimiter')}",
        f"- Mode: {'quick' if quick else 'full'}; real clock (`time.perf_counter` timestamps)",
        "",
        f"### Accuracy: {rate:g}/s, all acquirers started at once (`asyncio.gather`)",
        "",
        "Each limiter gets `burst + rate * "
        f"{duration:g} s` acquirers, so each runs about {duration:g} s after its burst. "
        "Steady rate = acquisitions after the initial burst / time from the burst's last one "
        "to the very last. The bound for any 1 s window is `rate * 1 s + burst`.",
        "",
        "| Limiter | Configured as | Burst allowed | Acquisitions | Elapsed (s) "
        "| Steady rate (/s) | Steady / configured | Initial burst | Max in any 1 s "
        "| Bound (rate + burst) |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for a in accuracy:
        c = a.contender
        lines.append(
            f"| {c.name} | {c.config} | {c.burst:g} | {a.acquisitions} | {a.elapsed:.3f} "
            f"| {a.steady_rate:.2f} | {a.steady_rate / rate:.4f} | {a.initial_burst} "
            f"| {a.max_in_window} | {rate * WINDOW + c.burst:g} |"
        )
    lines += [
        "",
        "aiolimiter's capacity is `max_rate` per `time_period`: configured as "
        f"`AsyncLimiter({rate:g}, 1.0)` for {rate:g}/s it lets a whole second's worth "
        f"({rate:g}) through at once, where the TokenBucket's burst is its `capacity` "
        f"({CAPACITY}). `AsyncLimiter({CAPACITY}, {CAPACITY / rate:g})` has the same rate "
        "and the same burst as the TokenBucket.",
    ]
    sleeps = [a.sleeps_per_wait for a in accuracy if a.sleeps_per_wait is not None]
    if sleeps:
        lines += [
            "",
            f"TokenBucket sleeps per acquisition that had to wait: {sleeps[0]:.3f} "
            "(1.000 would be one sleep each; more means extra short sleeps after rounding).",
        ]
    lines += [
        "",
        f"### Cost per uncontended acquire ({cost_n:,} acquires in one task, tokens plentiful)",
        "",
        f"Rate and capacity 1e9, so no call waits. Best (and median) of {REPEATS} runs, "
        "run alternately. Baseline: awaiting a coroutine that does nothing.",
        "",
        "| Limiter | Best (µs/acquire) | Median (µs/acquire) | Best minus baseline (µs) "
        "| vs aiolimiter (best) |",
        "|---|--:|--:|--:|--:|",
    ]
    rows = [
        ("pumpfun_async.TokenBucket", "TokenBucket"),
        ("aiolimiter.AsyncLimiter", "AsyncLimiter"),
        ("baseline (`await noop()`)", "baseline"),
    ]
    for label, key in rows:
        ratio = best[key] / best["AsyncLimiter"]
        lines.append(
            f"| {label} | {best[key] * us:.3f} | {median[key] * us:.3f} "
            f"| {(best[key] - best['baseline']) * us:.3f} | {ratio:.2f}x |"
        )
    lines += [
        "",
        "Ratio below 1 means the TokenBucket is cheaper. Timings vary between machines and "
        "runs; compare the ratios, and only within one run.",
        "",
    ]
    bucket = accuracy[0]
    bound = rate * WINDOW + bucket.contender.burst
    cost_ratio = best["TokenBucket"] / best["AsyncLimiter"]
    return Section(
        title="Rate limiter",
        markdown="\n".join(lines),
        goals=[
            Goal(
                f"TokenBucket({rate:g}/s, burst {CAPACITY}): most acquisitions in any 1 s "
                f"window within rate + burst ({bound:g})",
                f"{bucket.max_in_window}",
                bucket.max_in_window <= bound,
            ),
            Goal(
                f"TokenBucket steady rate / configured {rate:g}/s",
                f"{bucket.steady_rate / rate:.4f}",
                None,
            ),
            Goal(
                "TokenBucket cost per uncontended acquire vs aiolimiter",
                f"{cost_ratio:.2f}x ({best['TokenBucket'] * us:.2f} µs)",
                None,
            ),
        ],
        charts=[
            Chart(
                "Rate limiter: cost per uncontended acquire",
                "µs",
                {
                    "TokenBucket": best["TokenBucket"] * us,
                    "aiolimiter": best["AsyncLimiter"] * us,
                    "await noop()": best["baseline"] * us,
                },
            )
        ],
    )


async def run(*, quick: bool) -> Section:
    duration = 0.5 if quick else 2.0
    cost_n = 20_000 if quick else 100_000
    accuracy = [await measure_accuracy(c, RATE, duration) for c in contenders(RATE, CAPACITY)]
    cost = await measure_cost(cost_n)
    return report(accuracy, cost, rate=RATE, duration=duration, cost_n=cost_n, quick=quick)


def measure(quick: bool) -> Section:
    """Run the rate limiter benchmark and describe it."""
    return asyncio.run(run(quick=quick))


def main(argv: Sequence[str] | None = None) -> int:
    """Run this benchmark alone."""
    return standalone(measure, __doc__, argv)


if __name__ == "__main__":
    sys.exit(main())
