"""Reading a page end to end: ``get_replies`` against plain aiohttp + a msgspec decoder.

Usage::

    python benchmarks/bench_e2e.py [--quick] [--output PATH]

One loopback aiohttp server runs in its own process and answers ``GET /replies/{mint}`` with
the same page every time: ``{"replies": [...], "hasMore": true, "offset": 0}`` holding 1,000
replies with the fields public captures show (the model's, and ``is_banned``,
``signature`` and a few more the SDK does not model). Each client reads the page one call
after another, as a user paging through a thread would:

* ``AsyncPumpFunClient(rate_limit=None, max_retries=0).get_replies(mint, limit=1000)``:
  the request built from the endpoint table, the answer checked, parsed and decoded into
  frozen ``Reply`` models that keep their ``raw`` payload;
* plain aiohttp: one ``ClientSession``, ``session.get(url)``, ``raise_for_status()``, then
  ``msgspec.json.Decoder(Page, strict=False).decode(await response.read())`` into frozen
  ``Struct`` classes with the model's fields (what a hand-written client would do, and about
  the fastest way to Python objects).

Before timing, both results are checked to hold the same values. Each client is warmed up
(its connection opened), then the clients take turns in a rotating order; each client's
best round counts. Throughput is pages per second. Nothing is asserted: the section says
whether the SDK reached 0.6x the plain client's throughput.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import random
import sys
import time
from collections.abc import Sequence
from typing import Any

try:
    import msgspec
except ImportError:  # pragma: no cover - the bench extra installs it
    sys.exit("msgspec is not installed: pip install -e '.[bench]'")

import aiohttp
import orjson
from _common import DOCS_HEADERS, MINT, TOKEN, Chart, Goal, Section, server_process, standalone
from _common import version as package_version
from aiohttp import web
from bench_decode import MsgspecRepliesPage, MsgspecReply

from pumpfun_async import AsyncPumpFunClient, RepliesPage

N = 1_000  # replies per page
GOAL = 0.6  # of plain aiohttp + msgspec's pages per second
SDK = "pumpfun_async"
PLAIN = "aiohttp + msgspec"
CLIENTS = (SDK, PLAIN)

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_WORDS = (
    "gm", "wen", "moon", "ser", "this", "is", "the", "one", "dev", "based", "lfg", "chart",
    "looks", "healthy", "buying", "more", "holding", "rug?", "no", "way", "send", "it",
)  # fmt: skip


def _b58(rng: random.Random, size: int) -> str:
    return "".join(rng.choice(_B58) for _ in range(size))


def page_body(seed: int = 20240501) -> bytes:
    """The page the server sends: ``N`` replies shaped as public captures show them."""
    rng = random.Random(seed)
    users = [_b58(rng, 44) for _ in range(60)]
    replies = []
    for index in range(N):
        named = rng.random() < 0.4
        buy = rng.random() < 0.3
        replies.append(
            {
                "id": 9_000_000 + index,
                "mint": MINT,
                "file_uri": None,
                "text": " ".join(rng.choices(_WORDS, k=rng.randint(3, 20))),
                "user": rng.choice(users),
                "timestamp": 1_714_557_600_000 + index * 45_000,
                "total_likes": rng.choice((0, 0, 0, 1, 2, 5)),
                "is_banned": False,
                "hidden": False,
                "signature": _b58(rng, 88) if buy else None,
                "is_buy": buy,
                "sol_amount": round(rng.uniform(0.01, 5.0), 4) if buy else None,
                "username": f"degen{rng.randint(1, 9999)}" if named else None,
                "profile_image": f"https://ipfs.io/ipfs/Qm{_b58(rng, 44)}" if named else None,
                "liked_by_user": False,
                "is_confirmed": True,
                "approved": True,
            }
        )
    return orjson.dumps({"replies": replies, "hasMore": True, "offset": 0})


def _serve(port: multiprocessing.Queue[int], body: bytes) -> None:
    """The child process: answer ``GET /replies/{mint}`` with ``body``, until terminated."""

    async def replies(request: web.Request) -> web.Response:
        return web.Response(body=body, content_type="application/json")

    async def main() -> None:
        app = web.Application()
        app.router.add_get("/replies/{mint}", replies)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port.put(runner.addresses[0][1])
        await asyncio.Event().wait()

    asyncio.run(main())


# ------------------------------------------------------------------------ the plain client


# The same msgspec structs the decoding benchmark measures: the fields the SDK's models have.
PlainReply = MsgspecReply
PlainPage = MsgspecRepliesPage

_FIELDS = tuple(PlainReply.__struct_fields__)


def _values(page: Any) -> list[tuple[Any, ...]]:
    head = [(page.has_more, page.offset)]
    return head + [tuple(getattr(r, name) for name in _FIELDS) for r in page.replies]


# ----------------------------------------------------------------------------------- timing


async def run_sdk(base_url: str, pages: int) -> tuple[float, RepliesPage]:
    """Seconds for ``pages`` sequential ``get_replies`` calls (after one warm-up), and a page."""
    async with AsyncPumpFunClient(
        TOKEN, base_url=base_url, rate_limit=None, max_retries=0
    ) as client:
        page = await client.get_replies(MINT, limit=N)
        started = time.perf_counter()
        for _ in range(pages):
            page = await client.get_replies(MINT, limit=N)
        return time.perf_counter() - started, page


async def run_plain(base_url: str, pages: int) -> tuple[float, PlainPage]:
    """The same with one aiohttp session and a msgspec decoder."""
    decoder = msgspec.json.Decoder(PlainPage, strict=False)
    url = f"{base_url}/replies/{MINT}?limit={N}&offset=0"
    async with aiohttp.ClientSession(headers=DOCS_HEADERS) as session:

        async def get() -> PlainPage:
            async with session.get(url) as response:
                response.raise_for_status()
                return decoder.decode(await response.read())

        page = await get()
        started = time.perf_counter()
        for _ in range(pages):
            page = await get()
        return time.perf_counter() - started, page


def run(base_url: str, pages: int, rounds: int) -> dict[str, list[float]]:
    """Each client's seconds for ``pages`` pages, per round (checking they agree first)."""
    _, ours = asyncio.run(run_sdk(base_url, 1))
    _, theirs = asyncio.run(run_plain(base_url, 1))
    if len(ours) != N or _values(ours) != _values(theirs):
        raise RuntimeError(f"{SDK} and {PLAIN} decode the page differently")
    seconds: dict[str, list[float]] = {name: [] for name in CLIENTS}
    for round_no in range(rounds):
        order = CLIENTS if round_no % 2 == 0 else CLIENTS[::-1]
        for name in order:
            client = run_sdk if name == SDK else run_plain
            seconds[name].append(asyncio.run(client(base_url, pages))[0])
    return seconds


def measure(quick: bool) -> Section:
    """Run the end-to-end benchmark and describe it."""
    pages, rounds = (10, 2) if quick else (100, 5)
    body = page_body()
    with server_process(_serve, body) as base_url:
        seconds = run(base_url, pages, rounds)
    rate = {name: pages / min(times) for name, times in seconds.items()}
    ratio = rate[SDK] / rate[PLAIN]
    versions = ", ".join(
        f"{name} {package_version(name)}" for name in ("aiohttp", "msgspec", "orjson", "attrs")
    )
    how = {
        SDK: f"`get_replies(mint, limit={N})`, `rate_limit=None`, `max_retries=0`",
        PLAIN: "`ClientSession.get`, then `msgspec.json.Decoder(Page, strict=False).decode`",
    }
    lines = [
        f"## End to end: reading a page of {N:,} replies",
        "",
        f"- Mode: {'quick' if quick else 'full'}; {pages} sequential `GET /replies/{{mint}}` "
        f"per client per round after one warm-up call; {rounds} rounds with the clients "
        "taking turns; each client's best round counts",
        f"- pumpfun_async {package_version('pumpfun-async')}, {versions}",
        f"- Server: one aiohttp app on 127.0.0.1 in its own process, always the same "
        f"{len(body) / 1024:,.0f} KiB page: {N:,} replies with the fields public captures show "
        "(`is_banned`, `signature`, `sol_amount`, `liked_by_user`, … some of which the SDK "
        "does not model)",
        "",
        "| Client | How | Pages/s | vs aiohttp + msgspec | Milliseconds per page (best round) |",
        "|---|---|--:|--:|--:|",
    ]
    for name in CLIENTS:
        lines.append(
            f"| {name} | {how[name]} | {rate[name]:,.1f} | {rate[name] / rate[PLAIN]:.2f}x "
            f"| {1e3 / rate[name]:.2f} |"
        )
    lines += [
        "",
        "Both clients read the same bytes into objects with the same values (checked before "
        "timing). The SDK also checks the answer's status and body for every documented error "
        "shape, keeps each reply's JSON object in `raw` (so it parses the body into Python "
        "objects as well as into models), and ignores the fields it does not model, as the "
        "Struct classes do. Higher is faster.",
        "",
    ]
    return Section(
        title="End to end",
        markdown="\n".join(lines),
        goals=[
            Goal(
                f"get_replies ({N:,} replies) vs aiohttp + msgspec, pages/s, at {GOAL:.1f}x "
                "or better",
                f"{ratio:.2f}x",
                ratio >= GOAL,
            )
        ],
        charts=[
            Chart(
                f"Reading a {N:,}-reply page end to end",
                "pages/s",
                {name: rate[name] for name in CLIENTS},
                better="higher",
            )
        ],
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run this benchmark alone."""
    return standalone(measure, __doc__, argv)


if __name__ == "__main__":
    sys.exit(main())
