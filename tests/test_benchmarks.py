"""The benchmark scripts run, in their quick mode, and report on every library compared."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
SCRIPT = BENCHMARKS / "bench_ratelimit.py"
DEFAULT_OUTPUT = BENCHMARKS / "RESULTS-ratelimit.md"
SYNC_SCRIPT = BENCHMARKS / "bench_sync.py"
SYNC_DEFAULT_OUTPUT = BENCHMARKS / "RESULTS-sync.md"


def test_ratelimit_benchmark_quick(tmp_path: Path) -> None:
    pytest.importorskip("aiolimiter")
    if not SCRIPT.exists():
        pytest.skip("benchmarks/ is not in this checkout (the sdist leaves it out)")
    saved = DEFAULT_OUTPUT.read_bytes() if DEFAULT_OUTPUT.exists() else None
    output = tmp_path / "results.md"
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--output", str(output)],
        capture_output=True,
        encoding="utf-8",
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    table = output.read_text(encoding="utf-8")
    assert table == done.stdout
    for library in ("pumpfun_async.TokenBucket", "aiolimiter.AsyncLimiter"):
        assert f"| {library} |" in table
    assert "Mode: quick" in table
    assert "µs/acquire" in table
    # --output was honoured: the committed results were left alone.
    assert (DEFAULT_OUTPUT.read_bytes() if DEFAULT_OUTPUT.exists() else None) == saved


def test_sync_benchmark_quick(tmp_path: Path) -> None:
    pytest.importorskip("requests")
    if not SYNC_SCRIPT.exists():
        pytest.skip("benchmarks/ is not in this checkout (the sdist leaves it out)")
    saved = SYNC_DEFAULT_OUTPUT.read_bytes() if SYNC_DEFAULT_OUTPUT.exists() else None
    output = tmp_path / "results.md"
    done = subprocess.run(
        [sys.executable, str(SYNC_SCRIPT), "--quick", "--output", str(output)],
        capture_output=True,
        encoding="utf-8",
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    table = output.read_text(encoding="utf-8")
    assert table == done.stdout
    for client in ("PumpFunClient (sync)", "AsyncPumpFunClient", "raw aiohttp", "requests.Session"):
        assert f"| {client} |" in table
    assert "Mode: quick" in table
    assert "µs/call" in table
    assert "added cost over a direct `await`" in table
    assert "vs `requests.Session`" in table
    # --output was honoured: the committed results were left alone.
    assert (SYNC_DEFAULT_OUTPUT.read_bytes() if SYNC_DEFAULT_OUTPUT.exists() else None) == saved
