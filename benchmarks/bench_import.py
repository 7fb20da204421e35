"""Import time: ``import pumpfun_async`` and the client's import, beside ``import aiohttp``.

Usage::

    python benchmarks/bench_import.py [--quick] [--output PATH]

Each statement runs in a fresh interpreter (``python -X importtime -c STATEMENT``), the
statements taking turns over several rounds; a run's cost is the sum of the cumulative
times ``-X importtime`` reports for the top-level imports the statement triggers, so the
interpreter's own start-up is left out. Each statement's best round counts (the noise of a
shared machine only ever adds time). Ratios are against ``import aiohttp``, the SDK's
heaviest dependency: what importing the SDK costs beyond it is what the SDK adds.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Sequence

from _common import Chart, Goal, Section, standalone, version

STATEMENTS = {
    "import aiohttp": "import aiohttp",
    "import pumpfun_async": "import pumpfun_async",
    "from pumpfun_async import AsyncPumpFunClient": (
        "from pumpfun_async import AsyncPumpFunClient"
    ),
    "from pumpfun_async import PumpFunClient": "from pumpfun_async import PumpFunClient",
}
FULL_ROUNDS = 15
QUICK_ROUNDS = 3
GOAL = 1.15
# "import time: self [us] | cumulative | name", a top-level entry has no leading spaces.
_LINE = re.compile(r"import time:\s+\d+ \|\s+(\d+) \| (\S.*)$")


def cost_us(statement: str) -> int:
    """Microseconds the statement's top-level imports took, in a fresh interpreter."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", statement],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    baseline = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "pass"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    already = {m.group(2) for m in map(_LINE.search, baseline.stderr.splitlines()) if m}
    total = 0
    for line in done.stderr.splitlines():
        match = _LINE.search(line)
        if match and match.group(2) not in already:  # start-up imports are not the SDK's
            total += int(match.group(1))
    return total


def measure(quick: bool) -> Section:
    """Run the import-time benchmark and describe it."""
    rounds = QUICK_ROUNDS if quick else FULL_ROUNDS
    samples: dict[str, list[int]] = {name: [] for name in STATEMENTS}
    for _ in range(rounds):
        for name, statement in STATEMENTS.items():
            samples[name].append(cost_us(statement))
    best = {name: min(values) for name, values in samples.items()}
    base = best["import aiohttp"]
    lines = [
        "## Import time",
        "",
        f"- pumpfun_async {version('pumpfun-async')}, aiohttp {version('aiohttp')}, "
        f"msgspec {version('msgspec')}",
        f"- Mode: {'quick' if quick else 'full'}; each statement in a fresh interpreter with "
        f"`-X importtime`, {rounds} rounds taking turns, the best round counts; the "
        "interpreter's own start-up imports are left out",
        "",
        "| Statement | Best (ms) | Median (ms) | vs `import aiohttp` |",
        "|---|--:|--:|--:|",
    ]
    for name, values in samples.items():
        median = sorted(values)[len(values) // 2]
        lines.append(
            f"| `{name}` | {best[name] / 1000:.1f} | {median / 1000:.1f} "
            f"| {best[name] / base:.2f}x |"
        )
    client = best["from pumpfun_async import AsyncPumpFunClient"] / base
    package = best["import pumpfun_async"] / base
    goal_name = f"Importing the client vs `import aiohttp` at {GOAL:g}x or less"
    lines += [
        "",
        "`import pumpfun_async` loads none of the package's modules (each public name loads "
        "its module on first use), so the figure that matters is the client's import: "
        "aiohttp, attrs, cattrs, orjson, msgspec and the SDK's own modules.",
        "",
        "| Target | Result | Met |",
        "|---|--:|---|",
        f"| {goal_name} | {client:.2f}x | {'yes' if client <= GOAL else 'NO'} |",
        "",
    ]
    return Section(
        title="Import time",
        markdown="\n".join(lines),
        goals=[
            Goal(goal_name, f"{client:.2f}x", client <= GOAL),
            Goal("`import pumpfun_async` vs `import aiohttp`", f"{package:.2f}x", None),
        ],
        charts=[
            Chart(
                "Import time (best of rounds)",
                "ms",
                {name.replace("from pumpfun_async ", ""): best[name] / 1000 for name in best},
                ours=tuple(n.replace("from pumpfun_async ", "") for n in best if "pumpfun" in n),
            )
        ],
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run this benchmark alone."""
    return standalone(measure, __doc__, argv)


if __name__ == "__main__":
    sys.exit(main())
