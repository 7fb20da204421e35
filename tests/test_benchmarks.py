"""The benchmark suite runs, at its quick size, and reports on everything it compares.

Nothing here times anything: the numbers are the benchmarks' business (``nox -s bench``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
NEEDS = (
    "aiolimiter",
    "requests",
    "httpx",
    "pydantic",
    "msgspec",
    "matplotlib",
    "opentelemetry.sdk",
    "opentelemetry.instrumentation",
)


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    if not BENCHMARKS.exists():
        pytest.skip("benchmarks/ is not in this checkout")
    for module in NEEDS:
        pytest.importorskip(module)
    return subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        encoding="utf-8",
        env={**os.environ, "PYTHONIOENCODING": "utf-8", "MPLBACKEND": "Agg"},
        timeout=600,
        check=False,
    )


def _committed() -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in BENCHMARKS.glob("RESULTS*.md")} | {
        p.name: p.read_bytes() for p in BENCHMARKS.glob("*.png")
    }


def test_every_benchmark_runs_side_by_side(tmp_path: Path) -> None:
    before = _committed()
    done = _run(str(BENCHMARKS / "run_all.py"), "--quick", "--output-dir", str(tmp_path))
    assert done.returncode == 0, done.stderr
    results = (tmp_path / "RESULTS.md").read_text(encoding="utf-8")
    assert results == done.stdout
    assert (tmp_path / "results.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert "![Benchmark charts](results.png)" in results
    assert "- Mode: quick" in results
    assert "- Machine: " in results
    for heading in (
        "## Goals",
        "## Throughput",
        "## Sequential latency",
        "## Decoding",
        "## End to end",
        "## Bulk memory",
        "## Hostile server",
        "## Import time",
        "## Rate limiter",
        "## Shared rate limit",
        "## Watching",
    ):
        assert f"\n{heading}" in results, heading
    for row in (
        "| pumpfun_async |",
        "| pumpfun_async + 4 no-op hooks |",
        "| pumpfun_async + PumpFunInstrumentor |",
        "| no hooks, not instrumented (the default) |",
        "| raw aiohttp |",
        "| httpx.AsyncClient |",
        "| requests.Session |",
        "| PumpFunClient (sync) |",
        "| AsyncPumpFunClient |",
        "| pydantic v2 |",
        "| msgspec |",
        "| aiohttp + msgspec |",
        "| pumpfun_async.TokenBucket |",
        "| aiolimiter.AsyncLimiter |",
        "| 1 watcher |",
        "| 20 watchers, one client |",
    ):
        assert row in results, row
    if os.environ.get("PUMPFUN_REQUIRE_REDIS"):  # CI installed redis-server: no skipping
        assert "| RedisRateLimiter (one key) | 4 |" in results
    goals = results.split("## Goals", 1)[1].split("\n## ", 1)[0]
    for measure in (
        "Throughput vs raw aiohttp",
        "Cost per like with PumpFunInstrumentor on",
        "Decoding vs pydantic v2",
        "Decoding vs msgspec",
        "get_replies (1,000 replies) vs aiohttp + msgspec",
        "Bulk memory",
        "Peak RSS above baseline while a server streams an endless body",
        "Importing the client vs `import aiohttp`",
        "One watcher: requests per new reply at most 1.5",
    ):
        assert measure in goals, measure
    assert _committed() == before  # a quick run never overwrites the committed results


def test_one_benchmark_runs_alone(tmp_path: Path) -> None:
    output = tmp_path / "ratelimit.md"
    done = _run(str(BENCHMARKS / "bench_ratelimit.py"), "--quick", "--output", str(output))
    assert done.returncode == 0, done.stderr
    assert output.read_text(encoding="utf-8") == done.stdout
    assert done.stdout.startswith("- Machine: ")
    assert "## Rate limiter" in done.stdout
    assert "µs/acquire" in done.stdout
