"""The benchmark scripts run, in their quick mode, and report on every library compared."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def run_quick(script_name: str, results_name: str, tmp_path: Path) -> str:
    """Run a benchmark with --quick into tmp_path; return its table.

    Also checks that it printed the same table and left the committed results alone.
    """
    script = BENCHMARKS / script_name
    if not script.exists():
        pytest.skip("benchmarks/ is not in this checkout (the sdist leaves it out)")
    committed = BENCHMARKS / results_name
    saved = committed.read_bytes() if committed.exists() else None
    output = tmp_path / "results.md"
    done = subprocess.run(
        [sys.executable, str(script), "--quick", "--output", str(output)],
        capture_output=True,
        encoding="utf-8",
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    table = output.read_text(encoding="utf-8")
    assert table == done.stdout
    assert "Mode: quick" in table
    assert (committed.read_bytes() if committed.exists() else None) == saved
    return table


def test_ratelimit_benchmark_quick(tmp_path: Path) -> None:
    pytest.importorskip("aiolimiter")
    table = run_quick("bench_ratelimit.py", "RESULTS-ratelimit.md", tmp_path)
    for library in ("pumpfun_async.TokenBucket", "aiolimiter.AsyncLimiter"):
        assert f"| {library} |" in table
    assert "µs/acquire" in table


def test_sync_benchmark_quick(tmp_path: Path) -> None:
    pytest.importorskip("requests")
    table = run_quick("bench_sync.py", "RESULTS-sync.md", tmp_path)
    for client in ("PumpFunClient (sync)", "AsyncPumpFunClient", "raw aiohttp", "requests.Session"):
        assert f"| {client} |" in table
    assert "µs/call" in table
    assert "added cost over a direct `await`" in table
    assert "vs `requests.Session`" in table
