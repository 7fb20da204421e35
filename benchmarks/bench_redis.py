"""RedisRateLimiter beside the local TokenBucket: cost per acquire, and one limit shared.

Usage::

    python benchmarks/bench_redis.py [--quick] [--output PATH]

Starts a redis-server of its own on a free loopback port (no persistence). Two measurements:

* cost: one uncontended ``await limiter.acquire()`` when tokens are plentiful, for the
  local ``TokenBucket`` and for ``RedisRateLimiter`` (one Lua script round trip to Redis on
  loopback), best and median of several runs;
* sharing: four processes acquire from one ``RedisRateLimiter`` key as fast as it lets
  them, for a few seconds; from all their timestamps, the total steady rate against the
  configured one, and the most acquisitions in any 1-second window against
  ``rate + capacity``. One process on a local ``TokenBucket`` of the same settings runs
  beside it for comparison.

Without ``redis-server`` on PATH (or the ``redis`` package) the section says so and
measures nothing. Nothing is asserted.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import socket
import statistics
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from tempfile import TemporaryDirectory

from _common import Chart, Goal, Section, max_in_window, standalone, version

from pumpfun_async import TokenBucket

PROCESSES = 4
RATE = 100.0
CAPACITY = 10.0
REPEATS = 5

WORKER = textwrap.dedent(
    """
    import asyncio, json, sys, time
    from pumpfun_async import RedisRateLimiter, TokenBucket

    async def main(url, key, rate, capacity):
        if url == "local":
            limiter, redis = TokenBucket(rate, capacity), None
        else:
            from redis.asyncio import Redis
            redis = Redis.from_url(url)
            limiter = RedisRateLimiter(redis, key, rate=rate, capacity=capacity)
            await redis.ping()
        print("ready", flush=True)  # imported and connected: wait for the common start
        start, stop = map(float, sys.stdin.readline().split())
        await asyncio.sleep(max(0.0, start - time.time()))
        stamps = []
        while time.time() < stop:
            await limiter.acquire()
            stamps.append(time.time())
        if redis is not None:
            await redis.aclose()
        print(json.dumps(stamps))

    url, key = sys.argv[1], sys.argv[2]
    rate, capacity = map(float, sys.argv[3:5])
    asyncio.run(main(url, key, rate, capacity))
    """
)


@contextlib.contextmanager
def redis_server() -> Iterator[str | None]:
    """A throwaway redis-server on loopback; yields its URL, or None if there is none."""
    binary = shutil.which("redis-server")
    try:
        import redis  # noqa: F401
    except ImportError:
        binary = None
    if binary is None:
        yield None
        return
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with TemporaryDirectory() as workdir:
        server = subprocess.Popen(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", workdir],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                with (
                    contextlib.suppress(OSError),
                    socket.create_connection(("127.0.0.1", port), timeout=0.2) as conn,
                ):
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        break
                time.sleep(0.05)
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            server.terminate()
            server.wait(10)


async def cost(url: str, n: int) -> dict[str, list[float]]:
    """Seconds per uncontended acquire, per run, for each limiter."""
    from redis.asyncio import Redis

    from pumpfun_async import RedisRateLimiter

    redis = Redis.from_url(url)
    results: dict[str, list[float]] = {"TokenBucket": [], "RedisRateLimiter": []}
    try:
        for repeat in range(REPEATS):
            limiters = {
                "TokenBucket": TokenBucket(1e9, 1e9),
                "RedisRateLimiter": RedisRateLimiter(redis, f"bench:cost:{repeat}", 1e9, 1e9),
            }
            for name, limiter in limiters.items():
                await limiter.acquire()  # warm: connection open, script loaded
                started = time.perf_counter()
                for _ in range(n):
                    await limiter.acquire()
                results[name].append((time.perf_counter() - started) / n)
    finally:
        await redis.aclose()
    return results


def share(url: str, processes: int, seconds: float) -> list[list[float]]:
    """Each process's acquisition times, all acquiring on one key (``url="local"``: a bucket
    of their own each).

    The clock starts only once every process has imported and connected, however long
    interpreter start-up takes on a loaded machine.
    """
    with TemporaryDirectory() as folder, contextlib.ExitStack() as stack:
        script = Path(folder) / "worker.py"
        script.write_text(WORKER, encoding="utf-8")
        command = [sys.executable, str(script), url, "bench:shared", str(RATE), str(CAPACITY)]
        pipes = subprocess.PIPE
        workers = [
            stack.enter_context(subprocess.Popen(command, stdin=pipes, stdout=pipes, text=True))
            for _ in range(processes)
        ]
        for worker in workers:
            if worker.stdout.readline().strip() != "ready":
                raise RuntimeError("a benchmark worker failed to start")
        start = time.time() + 0.2
        stop = start + seconds
        for worker in workers:
            worker.stdin.write(f"{start} {stop}\n")
            worker.stdin.close()
        outputs = [worker.stdout.read() for worker in workers]
    return [[s for s in json.loads(out) if s < stop] for out in outputs]


def accuracy(per_process: list[list[float]]) -> tuple[int, float, int]:
    """Acquisitions, steady rate after the burst, and the most in any 1 s window."""
    stamps = sorted(s for stamps in per_process for s in stamps)
    steady = (len(stamps) - CAPACITY) / (stamps[-1] - stamps[0])
    return len(stamps), steady, max_in_window(stamps, 1.0)


def measure(quick: bool) -> Section:
    """Run the Redis limiter benchmark and describe it."""
    n = 2_000 if quick else 20_000
    seconds = 1.0 if quick else 5.0
    with redis_server() as url:
        if url is None:
            return Section(
                title="Shared rate limit (Redis)",
                markdown="## Shared rate limit: RedisRateLimiter vs TokenBucket\n\n"
                "Skipped: `redis-server` is not on PATH or the `redis` package is missing "
                "(`.ci/run` installs both).\n",
            )
        costs = asyncio.run(cost(url, n))
        shared = share(url, PROCESSES, seconds)
    local = share("local", 1, seconds)
    us = 1e6
    best = {name: min(runs) for name, runs in costs.items()}
    median = {name: statistics.median(runs) for name, runs in costs.items()}
    count, steady, peak = accuracy(shared)
    local_count, local_steady, local_peak = accuracy(local)
    bound = RATE + CAPACITY
    lines = [
        "## Shared rate limit: RedisRateLimiter vs TokenBucket",
        "",
        f"- pumpfun_async {version('pumpfun-async')}, redis-py {version('redis')}, "
        f"redis-server on 127.0.0.1 (started for the run)",
        f"- Mode: {'quick' if quick else 'full'}",
        "",
        f"### Cost per uncontended acquire ({n:,} acquires, best and median of {REPEATS})",
        "",
        "| Limiter | Best (µs/acquire) | Median (µs/acquire) | vs TokenBucket (best) |",
        "|---|--:|--:|--:|",
    ]
    for name in ("TokenBucket", "RedisRateLimiter"):
        lines.append(
            f"| {name} | {best[name] * us:.2f} | {median[name] * us:.2f} "
            f"| {best[name] / best['TokenBucket']:.0f}x |"
        )
    lines += [
        "",
        "The Redis limiter's cost is one round trip to the server (an `EVALSHA` of the GCRA "
        "script); the local bucket's is a few arithmetic operations.",
        "",
        f"### One limit shared: {RATE:g}/s, burst {CAPACITY:g}, for {seconds:g} s",
        "",
        "| Limiter | Processes | Acquisitions | Per process | Steady rate (/s) "
        "| Steady / configured | Max in any 1 s | Bound (rate + burst) |",
        "|---|--:|--:|---|--:|--:|--:|--:|",
        f"| RedisRateLimiter (one key) | {PROCESSES} | {count} "
        f"| {' / '.join(str(len(p)) for p in shared)} | {steady:.2f} | {steady / RATE:.4f} "
        f"| {peak} | {bound:g} |",
        f"| TokenBucket (one process) | 1 | {local_count} | {local_count} | {local_steady:.2f} "
        f"| {local_steady / RATE:.4f} | {local_peak} | {bound:g} |",
        "",
        "Four local TokenBuckets would allow four times the rate; one Redis key keeps the "
        "four processes to one budget. Steady rate = acquisitions after the first burst / "
        "time from the first to the last.",
        "",
    ]
    return Section(
        title="Shared rate limit",
        markdown="\n".join(lines),
        goals=[
            Goal(
                f"RedisRateLimiter shared by {PROCESSES} processes: total steady rate within 5% "
                f"of {RATE:g}/s",
                f"{steady / RATE:.4f}",
                abs(steady / RATE - 1) <= 0.05,
            ),
            Goal(
                f"RedisRateLimiter shared by {PROCESSES} processes: most in any 1 s window "
                f"within rate + burst ({bound:g})",
                f"{peak}",
                peak <= bound,
            ),
            Goal(
                "RedisRateLimiter cost per uncontended acquire",
                f"{best['RedisRateLimiter'] * us:.0f} µs",
                None,
            ),
        ],
        charts=[
            Chart(
                "Cost per uncontended acquire",
                "µs",
                {
                    "RedisRateLimiter": best["RedisRateLimiter"] * us,
                    "TokenBucket": best["TokenBucket"] * us,
                },
                ours=("RedisRateLimiter", "TokenBucket"),
            )
        ],
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run this benchmark alone."""
    return standalone(measure, __doc__, argv)


if __name__ == "__main__":
    sys.exit(main())
