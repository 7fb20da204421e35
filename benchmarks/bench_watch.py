"""Watching threads: requests per new reply, and the delay from a post to the watcher seeing it.

Usage::

    python benchmarks/bench_watch.py [--quick] [--output PATH]

The emulator (``pumpfun_async.testing.Emulator``) serves from a thread of its own. Two runs:

* **One watcher**: ``PumpFunClient.watch_replies(mint)`` (the defaults: ``interval=5``,
  ``max_interval=60``, the client's default rate limit), iterated on a thread, while another
  user posts one reply a second for a minute; then nobody posts for a while (the watcher's
  polls are answered ``304 Not Modified`` and its pause grows).
* **100 watchers on one client**: one ``AsyncPumpFunClient`` on a thread, watching 100
  coins at once (one task each), every coin getting one reply a second. The watchers share
  the client's rate limiter, here one budget of 25 requests a second for all of them (the
  default budget, one a second, would give each watcher one poll every 100 s).

For each: the requests sent per new reply, how the answers split between full pages (200)
and ``304``, how many 429s the emulator (with its default limits) answered, and the delay
from a reply being posted (``Emulator.post_reply``) to the watcher yielding it. ``--quick``
shortens everything (one reply every 0.2 s for 3 s, ``interval=1``, 20 watchers).
Nothing is asserted: the section says whether each target was met.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from _common import Goal, Section, standalone, version

from pumpfun_async import AsyncPumpFunClient, ClientClosedError, PumpFunClient, TokenBucket
from pumpfun_async.testing import DOCS_MINT, Emulator, generated_coins

TARGET_REQUESTS_PER_REPLY = 1.5
SHARED_BUDGET = 25.0  # requests a second, for the 100 watchers together


@dataclass
class Plan:
    """One run's sizes, in seconds."""

    interval: float  # the watchers' interval
    period: float  # between two replies on one coin
    posting: float  # how long replies are posted
    quiet: float  # then how long nobody posts
    watchers: int  # in the second run


FULL = Plan(interval=5.0, period=1.0, posting=60.0, quiet=20.0, watchers=100)
QUICK = Plan(interval=1.0, period=0.2, posting=3.0, quiet=2.5, watchers=20)


@dataclass
class Run:
    """What one run measured."""

    watchers: int
    posted: int
    seen: int
    delays: list[float] = field(default_factory=list)
    statuses: dict[int | None, int] = field(default_factory=dict)
    quiet_statuses: dict[int | None, int] = field(default_factory=dict)

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())

    @property
    def per_reply(self) -> float:
        return self.requests / max(1, self.seen)

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.delays)
        return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))] if ordered else 0.0


def _statuses(emu: Emulator, since: int) -> dict[int | None, int]:
    counts: dict[int | None, int] = {}
    for request in list(emu.requests)[since:]:
        if request.endpoint == "get_replies":
            counts[request.status] = counts.get(request.status, 0) + 1
    return counts


def _post_for(emu: Emulator, mints: Sequence[str], plan: Plan, posted: dict[int, float]) -> None:
    """One reply on every coin each period, for the posting time, at a steady pace."""
    started = time.monotonic()
    rounds = int(plan.posting / plan.period)
    for number in range(rounds):
        due = started + (number + 1) * plan.period
        time.sleep(max(0.0, due - time.monotonic()))
        for mint in mints:
            reply = emu.post_reply(mint, f"reply {number}", user="user-poster")
            posted[reply["id"]] = time.monotonic()


def one_watcher(emu: Emulator, plan: Plan) -> Run:
    """A sync client's watch on a thread; one reply a period on one coin."""
    seen: dict[int, float] = {}
    posted: dict[int, float] = {}
    first = len(emu.requests)
    client = PumpFunClient("bench-watcher", base_url=emu.url)

    def watch() -> None:
        try:
            for reply in client.watch_replies(DOCS_MINT, interval=plan.interval):
                seen[reply.id] = time.monotonic()
        except ClientClosedError:
            pass  # closed by the benchmark once it is over

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    time.sleep(plan.interval / 2)  # the watch has read the thread as it stands
    _post_for(emu, [DOCS_MINT], plan, posted)
    time.sleep(plan.interval * 1.5)  # the last replies are seen
    quiet_start = len(emu.requests)
    time.sleep(plan.quiet)
    quiet = _statuses(emu, quiet_start)
    client.close()
    watcher.join()
    delays = [seen[i] - posted[i] for i in posted if i in seen]
    return Run(1, len(posted), len(delays), delays, _statuses(emu, first), quiet)


def many_watchers(emu: Emulator, plan: Plan) -> Run:
    """One async client, one task per coin, sharing the client's rate limiter."""
    mints = [coin["mint"] for coin in emu.add_coins(generated_coins(plan.watchers))]
    seen: dict[int, float] = {}
    posted: dict[int, float] = {}
    first = len(emu.requests)
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    stop: asyncio.Event | None = None

    async def main() -> None:
        nonlocal stop
        stop = asyncio.Event()
        limit = TokenBucket(SHARED_BUDGET, 5)
        async with AsyncPumpFunClient("bench-watchers", base_url=emu.url, rate_limit=limit) as c:

            async def watch(mint: str) -> None:
                async for reply in c.watch_replies(mint, interval=plan.interval):
                    seen[reply.id] = time.monotonic()

            tasks = [asyncio.ensure_future(watch(mint)) for mint in mints]
            ready.set()
            await stop.wait()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    thread = threading.Thread(target=loop.run_until_complete, args=(main(),), daemon=True)
    thread.start()
    ready.wait()
    time.sleep(plan.interval)  # every watch has read its thread as it stands
    _post_for(emu, mints, plan, posted)
    time.sleep(plan.interval * 1.5)
    quiet_start = len(emu.requests)
    time.sleep(plan.quiet)
    quiet = _statuses(emu, quiet_start)
    assert stop is not None
    loop.call_soon_threadsafe(stop.set)
    thread.join()
    loop.close()
    delays = [seen[i] - posted[i] for i in posted if i in seen]
    return Run(plan.watchers, len(posted), len(delays), delays, _statuses(emu, first), quiet)


def _row(name: str, run: Run) -> str:
    full, unchanged, throttled = (run.statuses.get(s, 0) for s in (200, 304, 429))
    return (
        f"| {name} | {run.posted:,} | {run.seen:,} | {run.requests:,} | {full:,} "
        f"| {unchanged:,} | {throttled} | {run.per_reply:.2f} "
        f"| {statistics.median(run.delays) if run.delays else 0:.2f} "
        f"| {run.percentile(0.9):.2f} | {max(run.delays, default=0):.2f} |"
    )


def report(single: Run, many: Run, plan: Plan, *, quick: bool) -> Section:
    """The Markdown section and the goals."""
    median_one = statistics.median(single.delays) if single.delays else float("inf")
    median_many = statistics.median(many.delays) if many.delays else float("inf")
    quiet_one = single.quiet_statuses
    lines = [
        "## Watching: requests per new reply and delay to the watcher",
        "",
        f"- pumpfun_async {version('pumpfun-async')}, aiohttp {version('aiohttp')}; "
        "the emulator on a thread of the same process, with its default limits",
        f"- Mode: {'quick' if quick else 'full'}; one reply every {plan.period:g} s per coin "
        f"for {plan.posting:g} s, then {plan.quiet:g} s with none; `interval={plan.interval:g}`, "
        "`max_interval=60`",
        f"- One watcher: `PumpFunClient.watch_replies` on a thread, default rate limit; "
        f"{many.watchers} watchers: one `AsyncPumpFunClient`, a task per coin, one shared "
        f"`TokenBucket({SHARED_BUDGET:g}, 5)`",
        "",
        "| Run | Replies posted | Seen | Requests | 200 | 304 | 429 | Requests per reply "
        "| Delay median (s) | p90 (s) | max (s) |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
        _row("1 watcher", single),
        _row(f"{many.watchers} watchers, one client", many),
        "",
        f"While nobody posted ({plan.quiet:g} s), the answers to the single watcher's polls "
        f"were 304: {quiet_one.get(304, 0)}, full page: {quiet_one.get(200, 0)}; to the "
        f"{many.watchers} watchers' polls 304: {many.quiet_statuses.get(304, 0)}, full page: "
        f"{many.quiet_statuses.get(200, 0)} (the first poll after news asks for a new offset, "
        "so it has no ETag to send yet). The delay is from `post_reply` returning to the "
        "watcher yielding the reply; with replies arriving faster than the polls, it is "
        "spread over the interval (half of it on average).",
        "",
    ]
    return Section(
        title="Watching",
        markdown="\n".join(lines),
        goals=[
            Goal(
                f"One watcher: requests per new reply at most {TARGET_REQUESTS_PER_REPLY:g}",
                f"{single.per_reply:.2f}",
                single.per_reply <= TARGET_REQUESTS_PER_REPLY,
            ),
            Goal(
                "One watcher: quiet polls answered 304, not full pages",
                f"304: {quiet_one.get(304, 0)}, 200: {quiet_one.get(200, 0)}",
                quiet_one.get(304, 0) > 0 and quiet_one.get(200, 0) <= 1,
            ),
            Goal(
                f"One watcher: median delay under interval ({plan.interval:g} s)",
                f"{median_one:.2f} s",
                median_one < plan.interval and single.seen == single.posted,
            ),
            Goal(
                f"{many.watchers} watchers on one client: requests per new reply at most "
                f"{TARGET_REQUESTS_PER_REPLY:g}, no 429",
                f"{many.per_reply:.2f}, 429: {many.statuses.get(429, 0)}",
                many.per_reply <= TARGET_REQUESTS_PER_REPLY and not many.statuses.get(429),
            ),
            Goal(
                f"{many.watchers} watchers on one client: median delay under interval",
                f"{median_many:.2f} s",
                median_many < plan.interval and many.seen == many.posted,
            ),
        ],
    )


def measure(quick: bool) -> Section:
    """Run both watching benchmarks and describe them."""
    plan = QUICK if quick else FULL
    with Emulator(max_logged_requests=100_000).run_in_thread() as emu:
        single = one_watcher(emu, plan)
        many = many_watchers(emu, plan)
    return report(single, many, plan, quick=quick)


def main(argv: Sequence[str] | None = None) -> int:
    """Run this benchmark alone."""
    return standalone(measure, __doc__, argv)


if __name__ == "__main__":
    sys.exit(main())
