"""Run every benchmark side by side and write ``RESULTS.md`` and ``results.png``.

Usage::

    python benchmarks/run_all.py [--quick] [--output-dir DIR] [--only NAME ...]

``nox -s bench`` runs this. The benchmarks run one after another in this process (each
server and each memory run in a process of its own), so the whole table comes from one
machine in one sitting: compare its ratios, not its absolute numbers with another run's.

The sections, in order: ``throughput`` (5,000 likes at concurrency 64 against raw aiohttp,
httpx and requests), ``latency`` (sequential calls: async client, sync client, raw aiohttp,
requests), ``decode`` (1,000 replies and 1,000 coins into models, against pydantic v2 and
msgspec), ``e2e`` (a 1,000-reply page read with ``get_replies``, HTTP included, against
plain aiohttp + a msgspec decoder), ``memory`` (peak RSS of ``like_many`` over 10,000 and
100,000 targets), ``hostile`` (peak RSS while a server sends an endless body or a gzip
bomb), ``import`` (importing the SDK beside ``import aiohttp``),
``ratelimit`` (``TokenBucket`` against aiolimiter) and ``redis`` (``RedisRateLimiter``
beside ``TokenBucket``: cost per acquire, and one limit shared by four processes) and
``watch`` (``watch_replies`` against the emulator while replies come: requests per new
reply, 304s while nothing changes, delay to the watcher; one watcher and 100 on one client).
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from _common import HERE, Chart, Section, machine_lines, version

BENCHMARKS = {
    "throughput": "bench_throughput",
    "latency": "bench_sync",
    "decode": "bench_decode",
    "e2e": "bench_e2e",
    "memory": "bench_memory",
    "hostile": "bench_hostile",
    "import": "bench_import",
    "ratelimit": "bench_ratelimit",
    "redis": "bench_redis",
    "watch": "bench_watch",
}
PACKAGES = (
    "pumpfun-async",
    "aiohttp",
    "attrs",
    "cattrs",
    "orjson",
    "anyio",
    "httpx",
    "httpcore",
    "requests",
    "pydantic",
    "msgspec",
    "aiolimiter",
    "redis",
)


def _mark(met: bool | None) -> str:
    return "—" if met is None else ("yes" if met else "**NO**")


def render(sections: Sequence[Section], *, quick: bool, seconds: float, chart: str | None) -> str:
    """The whole RESULTS.md: the machine, the goals at a glance, then every section."""
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Benchmark results",
        "",
        "Written by `nox -s bench` (`python benchmarks/run_all.py`); every benchmark ran in the "
        "same sitting on the same machine. Compare ratios, not absolute numbers from "
        "another run.",
        "",
        *machine_lines(),
        "- Packages: " + ", ".join(f"{name} {version(name)}" for name in PACKAGES),
        f"- Mode: {'quick' if quick else 'full'}; run {when}, {seconds:.0f} s in all",
        "",
        "## Goals",
        "",
        "| Section | Measure | Result | Met |",
        "|---|---|--:|---|",
    ]
    for section in sections:
        for goal in section.goals:
            lines.append(f"| {section.title} | {goal.name} | {goal.result} | {_mark(goal.met)} |")
    lines += ["", "“—” marks a figure reported for comparison, with no target.", ""]
    if chart is not None:
        lines += [f"![Benchmark charts]({chart})", ""]
    for section in sections:
        lines += [section.markdown.rstrip("\n"), ""]
    return "\n".join(lines)


def _number(value: float) -> str:
    if value < 10:
        return f"{value:.2f}"
    return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"


def draw(charts: Sequence[Chart], path: Path) -> None:
    """One bar-chart panel per :class:`Chart`, saved as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    columns = 2 if len(charts) > 1 else 1
    rows = (len(charts) + columns - 1) // columns
    figure, axes = plt.subplots(rows, columns, figsize=(6.4 * columns, 3.6 * rows), squeeze=False)
    for ax, chart in zip(list(axes.flat)[: len(charts)], charts, strict=True):
        labels = list(chart.bars)
        values = [chart.bars[label] for label in labels]
        ours = set(chart.ours or labels[:1])
        colours = ["#d1495b" if label in ours else "#8d99ae" for label in labels]
        bars = ax.barh(labels, values, color=colours)
        ax.invert_yaxis()
        ax.bar_label(bars, labels=[_number(v) for v in values], padding=2)
        ax.set_title(chart.title, fontsize=10)
        ax.set_xlabel(f"{chart.unit} ({chart.better} is better)")
        ax.margins(x=0.25)
    for ax in list(axes.flat)[len(charts) :]:
        ax.set_visible(False)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the chosen benchmarks and write the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=HERE,
        help=f"where RESULTS.md and results.png go (default: {HERE})",
    )
    parser.add_argument(
        "--only", nargs="+", choices=list(BENCHMARKS), help="run just these sections"
    )
    args = parser.parse_args(argv)
    chosen = args.only or list(BENCHMARKS)
    started = time.perf_counter()
    sections: list[Section] = []
    for name, module_name in BENCHMARKS.items():
        if name not in chosen:
            continue
        print(f"running {name} ...", file=sys.stderr, flush=True)
        module = importlib.import_module(module_name)
        sections.append(module.measure(args.quick))
    args.output_dir.mkdir(parents=True, exist_ok=True)
    charts = [chart for section in sections for chart in section.charts]
    chart_name = "results.png" if charts else None
    if chart_name is not None:
        draw(charts, args.output_dir / chart_name)
    text = render(
        sections, quick=args.quick, seconds=time.perf_counter() - started, chart=chart_name
    )
    (args.output_dir / "RESULTS.md").write_text(text, encoding="utf-8")
    print(text, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
