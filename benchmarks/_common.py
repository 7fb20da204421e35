"""What the benchmarks share: the loopback server process, machine facts, result sections.

Every ``bench_*.py`` module has ``measure(quick: bool) -> Section`` for ``run_all.py`` and a
``main()`` that prints its section alone (``python benchmarks/bench_x.py [--quick]
[--output PATH]``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import platform
import resource
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from aiohttp import web

HERE = Path(__file__).resolve().parent
MINT = "CxLHsqvjfisgPAGwcZJsTn6nzZXJLxmVYM7v9pump"
TOKEN = "bench"
DOCS_HEADERS = {
    "Authorization": f"Bearer {TOKEN}",
    "Accept": "application/json",
    "Content-Type": "application/json",
}
_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def mint_like(i: int) -> str:
    """The ``i``-th distinct fake mint: 44 base58 characters ending in ``pump``.

    Base58 (no ``0``, ``O``, ``I`` or ``l``), because ``like`` refuses any target that is
    neither a mint nor a reply id before sending it.
    """
    digits = []
    while True:
        i, rest = divmod(i, 58)
        digits.append(_BASE58[rest])
        if not i:
            break
    return "".join(reversed(digits)).rjust(40, "1") + "pump"


# --------------------------------------------------------------------------------- results


@dataclass
class Goal:
    """One target an issue set, and whether this run met it."""

    name: str
    result: str
    met: bool | None  # None: informational, no target


@dataclass
class Chart:
    """One panel of the PNG: a bar per label (lower or higher is better, as ``better`` says)."""

    title: str
    unit: str
    bars: dict[str, float]
    better: str = "lower"  # "lower" or "higher"
    ours: tuple[str, ...] = ()  # the bars that are this SDK's; the first bar if empty


@dataclass
class Section:
    """What one benchmark reports: its Markdown, the goals it checked, its chart panels."""

    title: str
    markdown: str
    goals: list[Goal] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)


# --------------------------------------------------------------------------------- machine


def cpu_name() -> str:
    """The CPU's model name, as well as the platform tells it."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def version(name: str) -> str:
    """An installed distribution's version, or ``"not installed"``."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine_lines() -> list[str]:
    """Markdown bullets naming the machine and the Python."""
    return [
        f"- Machine: {platform.platform()}, {cpu_name()}, {os.cpu_count()} CPUs",
        f"- Python: {platform.python_implementation()} {platform.python_version()}",
    ]


def max_in_window(stamps: Sequence[float], window: float) -> int:
    """The most of the (sorted) timestamps in any half-open interval ``[t, t + window)``."""
    best = start = 0
    for end, stamp in enumerate(stamps):
        while stamp - stamps[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


# ---------------------------------------------------------------------------------- server


def _serve(port: multiprocessing.Queue[int]) -> None:
    """The child process: answer ``POST /likes/{id}`` as the API does, until terminated."""

    async def like(request: web.Request) -> web.Response:
        target = request.match_info["target"]
        return web.json_response({"targetId": target, "liked": True, "totalLikes": 1}, status=201)

    async def main() -> None:
        app = web.Application()
        app.router.add_post("/likes/{target}", like)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, backlog=1024)
        await site.start()
        port.put(runner.addresses[0][1])
        await asyncio.Event().wait()

    asyncio.run(main())


@contextlib.contextmanager
def server_process(serve: Callable[..., None], *args: object) -> Iterator[str]:
    """``serve(port_queue, *args)`` in a process of its own; yields ``http://127.0.0.1:PORT``.

    ``serve`` puts its port on the queue once it listens, and serves until terminated.
    """
    ports: multiprocessing.Queue[int] = multiprocessing.Queue()
    server = multiprocessing.Process(target=serve, args=(ports, *args), daemon=True)
    server.start()
    try:
        yield f"http://127.0.0.1:{ports.get(timeout=30)}"
    finally:
        server.terminate()
        server.join(10)
        ports.close()


def like_server() -> contextlib.AbstractContextManager[str]:
    """A loopback server answering ``POST /likes/{id}`` in its own process; yields its URL."""
    return server_process(_serve)


def child_figures(script: Path, args: Sequence[str], *, timeout: float, what: str) -> Any:
    """Run ``script --child *args`` in a fresh Python and read the JSON of its last line."""
    done = subprocess.run(
        [sys.executable, str(script), "--child", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{what} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def peak_rss_bytes() -> int:
    """This process's peak resident set size so far, in bytes.

    On Linux, ``VmHWM`` from ``/proc/self/status``: the high-water mark of this process's
    own address space. ``ru_maxrss`` is not used there because it carries over the parent's
    peak through ``fork`` and ``exec``, so a child of a large parent (``run_all.py``, with
    every benchmark's libraries loaded) would start at the parent's size.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # bytes on macOS, KiB elsewhere


# ------------------------------------------------------------------------------ standalone


def standalone(
    measure: Callable[[bool], Section], doc: str | None, argv: Sequence[str] | None = None
) -> int:
    """``main()`` for one benchmark: run it, print its section, write it to ``--output``."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0] if doc else None)
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    parser.add_argument("--output", type=Path, help="also write the Markdown section here")
    args = parser.parse_args(argv)
    section = measure(args.quick)
    text = "\n".join([*machine_lines(), "", section.markdown])
    print(text, end="" if text.endswith("\n") else "\n")
    if args.output is not None:
        args.output.write_text(text, encoding="utf-8")
    sys.stdout.flush()
    return 0
