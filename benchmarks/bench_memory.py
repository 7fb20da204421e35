"""Bulk memory: peak RSS of ``like_many`` over 10,000 and 100,000 targets.

Usage::

    python benchmarks/bench_memory.py [--quick] [--output PATH]

One loopback aiohttp server runs in its own process, answering ``POST /likes/{mint}``.
Every measured run happens in a fresh Python process of its own (this script again, in a
hidden ``--child`` mode), so no run inherits another's heap. The child imports everything,
opens ``AsyncPumpFunClient(rate_limit=None, max_retries=0)``, warms up with a small
``like_many`` at the same concurrency (so the connection pool is full before the baseline),
collects garbage and takes its baseline: the peak resident set size so far (``VmHWM`` on
Linux, ``getrusage().ru_maxrss`` elsewhere). It then awaits
``client.like_many(targets, concurrency=64)`` where ``targets`` is a lazy generator of
``n`` distinct mint-like strings (``_common.mint_like(i)``), checks that every call succeeded,
and reports its peak RSS, its baseline and the time taken, as JSON on stdout.

The sizes take turns (small, large, small, large, ...) over a few rounds; for each size the
run with the lowest peak counts. The goal is about how the peak grows with the number of
targets: the large run's peak minus the small run's. The returned ``BulkResult`` keeps two
references per target (the target and its outcome) on purpose, and so keeps the target
strings alive; it also keeps whatever value each call returned. After its peak is read, the
child sizes both, so the section can say how much of the growth each accounts for. Nothing
is asserted: the section says whether the goal was met. ``run_all.py`` puts it in
``benchmarks/RESULTS.md``; run alone, it prints it (and writes it to ``--output`` if given).
"""

from __future__ import annotations

import asyncio
import gc
import json
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from _common import (
    MINT,
    TOKEN,
    Chart,
    Goal,
    Section,
    child_figures,
    like_server,
    mint_like,
    peak_rss_bytes,
    standalone,
    version,
)

SCRIPT = Path(__file__).resolve()
CONCURRENCY = 64
WARMUP = 512  # likes through like_many before the baseline
WARM_UP_FROM = 10**9  # the warm-up's targets: none of them is a timed one
ROUNDS = 2  # runs per size, alternating; the lowest peak counts
FULL_SIZES = (10_000, 100_000)
QUICK_SIZES = (1_000, 5_000)
GOAL_MB = 20.0
CHILD_TIMEOUT_S = 600
MB = 1024 * 1024


def target_name(i: int) -> str:
    """The ``i``-th fake target: 44 characters, shaped like a pump.fun mint."""
    return mint_like(i)


# ---------------------------------------------------------------------------------- child


def value_size(value: object) -> int:
    """Roughly what one stored outcome value costs: the object and the strings it holds."""
    if value is None:
        return 0
    size = sys.getsizeof(value)
    if isinstance(value, dict):
        inner: list[object] = [*value.values()]
    elif isinstance(value, (list, tuple)):
        inner = list(value)
    else:
        inner = []
    return size + sum(sys.getsizeof(v) for v in inner if isinstance(v, (str, bytes)))


async def child_run(base_url: str, n: int) -> dict[str, float | str]:
    """One measured run, in this (fresh) process."""
    from pumpfun_async import AsyncPumpFunClient

    async with AsyncPumpFunClient(
        TOKEN, base_url=base_url, rate_limit=None, max_retries=0
    ) as client:
        await client.like(MINT)
        warm = await client.like_many(
            (mint_like(WARM_UP_FROM + i) for i in range(WARMUP)), concurrency=CONCURRENCY
        )
        if not warm.ok:
            raise RuntimeError(f"warm-up failed: {warm!r}")
        del warm
        gc.collect()
        baseline = peak_rss_bytes()

        targets: Iterator[str] = (target_name(i) for i in range(n))
        started = time.perf_counter()
        result = await client.like_many(targets, concurrency=CONCURRENCY)
        elapsed = time.perf_counter() - started
        peak = peak_rss_bytes()

        if len(result) != n or not result.ok:
            raise RuntimeError(f"expected {n:,} successes, got {result!r}")
        # What the result keeps by design: the target strings and two references each;
        # and what it keeps besides: the value each call returned (read after the peak).
        kept = n * (sys.getsizeof(target_name(n - 1)) + 2 * 8)
        values = sum(value_size(item.value) for item in result)
        kinds = sorted({type(item.value).__name__ for item in result})
    return {
        "n": n,
        "baseline": baseline,
        "peak": peak,
        "seconds": elapsed,
        "kept": kept,
        "values": values,
        "kinds": ",".join(kinds),
    }


def child_main(argv: Sequence[str]) -> int:
    """``--child N URL``: one run, its figures as JSON on stdout."""
    n, base_url = int(argv[0]), argv[1]
    print(json.dumps(asyncio.run(child_run(base_url, n))))
    return 0


# --------------------------------------------------------------------------------- parent


@dataclass
class Run:
    n: int
    baseline: float  # bytes
    peak: float  # bytes
    seconds: float
    kept: float  # bytes
    values: float  # bytes
    kinds: str

    @property
    def added(self) -> float:
        return self.peak - self.baseline

    @property
    def rate(self) -> float:
        return self.n / self.seconds


def run_child(base_url: str, n: int) -> Run:
    """Run one size in a fresh Python process."""
    figures = child_figures(
        SCRIPT, [str(n), base_url], timeout=CHILD_TIMEOUT_S, what=f"memory run over {n:,} targets"
    )
    return Run(
        n=int(figures["n"]),
        baseline=float(figures["baseline"]),
        peak=float(figures["peak"]),
        seconds=float(figures["seconds"]),
        kept=float(figures["kept"]),
        values=float(figures["values"]),
        kinds=str(figures["kinds"]),
    )


def run(base_url: str, sizes: Sequence[int]) -> dict[int, list[Run]]:
    """Every size, ``ROUNDS`` times, the sizes taking turns."""
    runs: dict[int, list[Run]] = {n: [] for n in sizes}
    for _ in range(ROUNDS):
        for n in sizes:
            runs[n].append(run_child(base_url, n))
    return runs


# --------------------------------------------------------------------------------- report


def report(runs: dict[int, list[Run]], *, quick: bool) -> Section:
    sizes = sorted(runs)
    small, large = sizes[0], sizes[-1]
    best = {n: min(runs[n], key=lambda r: r.peak) for n in sizes}
    diff = (best[large].peak - best[small].peak) / MB
    kept_diff = (best[large].kept - best[small].kept) / MB
    values_diff = (best[large].values - best[small].values) / MB
    rest = round(diff - kept_diff - values_diff, 1) + 0.0  # + 0.0: no "-0.0"
    kinds = sorted({kind for n in sizes for kind in best[n].kinds.split(",")})
    lines = [
        "## Bulk memory: peak RSS of `like_many`",
        "",
        f"- pumpfun_async {version('pumpfun-async')}, aiohttp {version('aiohttp')}",
        f"- Mode: {'quick' if quick else 'full'}; `like_many` over a lazy generator of "
        f"{' and '.join(f'{n:,}' for n in sizes)} distinct targets at concurrency "
        f"{CONCURRENCY}, each run in a fresh Python process after {WARMUP} warm-up likes; "
        f"{ROUNDS} runs per size, the sizes taking turns; the run with the lowest peak counts",
        "- Server: one aiohttp app on 127.0.0.1 in its own process, answering "
        "`POST /likes/{mint}` with 201 and a small JSON body",
        "",
        "| Targets | Baseline RSS (MB) | Peak RSS (MB) | Peak minus baseline (MB) "
        "| Targets and references kept (MB) | Returned values kept (MB) | Calls/s "
        "| Peaks of all runs (MB) |",
        "|--:|--:|--:|--:|--:|--:|--:|---|",
    ]
    for n in sizes:
        b = best[n]
        peaks = " / ".join(f"{r.peak / MB:.1f}" for r in runs[n])
        lines.append(
            f"| {n:,} | {b.baseline / MB:.1f} | {b.peak / MB:.1f} | {b.added / MB:.1f} "
            f"| {b.kept / MB:.1f} | {b.values / MB:.1f} | {b.rate:,.0f} | {peaks} |"
        )
    goal_name = (
        f"Bulk memory: like_many over {large:,} targets uses at most {GOAL_MB:g} MB more peak "
        f"RSS than over {small:,}"
    )
    if quick:
        goal_name += " (quick sizes; the target is for 100,000 vs 10,000)"
    met = None if quick else diff <= GOAL_MB
    mark = "—" if met is None else ("yes" if met else "NO")
    if kinds == ["NoneType"]:
        values_note = "Every call's value is `None`, so the result keeps no returned values."
    else:
        values_note = (
            f"The calls' values are of type {', '.join(f'`{k}`' for k in kinds)}, not `None`: "
            "the result keeps each like's decoded response body as its `BulkItem.value`, "
            "although `BulkItem` documents `None` for likes."
        )
    lines += [
        "",
        "Baseline is the process's peak RSS after the warm-up (interpreter, imports, client, "
        "a full connection pool); peak is its peak RSS once `like_many` has returned. "
        "“Targets and references kept” is what the returned `BulkResult` holds on purpose: "
        "each target string (the caller's, kept alive) and two references (target and "
        "outcome) per target. “Returned values kept” is the size of the values the calls "
        "returned, which the result also keeps (the object and any strings in it, by "
        "`sys.getsizeof`). " + values_note,
        "",
        "| Target | Result | Met |",
        "|---|--:|---|",
        f"| {goal_name} | {diff:.1f} MB | {mark} |",
        "",
        f"Of the {diff:.1f} MB between the two peaks, {kept_diff:.1f} MB is the targets and "
        f"references the larger result keeps by design, {values_diff:.1f} MB the returned "
        f"values it keeps, and {rest:.1f} MB the rest (allocator pages and arenas, list "
        "over-allocation; RSS moves in pages, so this can come out slightly negative). "
        "RSS depends on the allocator, the Python build and the OS; compare within one run.",
        "",
    ]
    return Section(
        title="Bulk memory",
        markdown="\n".join(lines),
        goals=[Goal(goal_name, f"{diff:.1f} MB", met)],
        charts=[
            Chart(
                "Peak RSS of a process running like_many",
                "MB",
                {f"{n:,} targets": best[n].peak / MB for n in sizes},
                ours=tuple(f"{n:,} targets" for n in sizes),
            )
        ],
    )


def measure(quick: bool) -> Section:
    """Run the memory benchmark and describe it."""
    sizes = QUICK_SIZES if quick else FULL_SIZES
    with like_server() as base_url:
        runs = run(base_url, sizes)
    return report(runs, quick=quick)


def main(argv: Sequence[str] | None = None) -> int:
    """Run this benchmark alone (or, with the hidden ``--child N URL``, one measured run)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["--child"]:
        return child_main(args[1:])
    return standalone(measure, __doc__, args)


if __name__ == "__main__":
    sys.exit(main())
