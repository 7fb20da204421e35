"""``pumpfun demo``: a tour of the whole API against an embedded emulator.

It needs no network and no configuration: the emulator binds an ephemeral loopback port.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import time
from collections.abc import Sequence
from typing import TextIO

from pumpfun_async import (
    AsyncPumpFunClient,
    PumpFunError,
    ReportAction,
    ReportType,
    StateCache,
    Wallet,
)
from pumpfun_async.cli._base import Subcommands
from pumpfun_async.cli._output import plain_table, plural
from pumpfun_async.testing import DOCS_MINT, Emulator

__all__ = ["add_demo_command", "run_demo"]

_WATCH_GUARD = 30.0  # seconds: the watch sees the reply within a poll or two


class _Tour:
    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.step = 0

    def title(self, text: str) -> None:
        self.step += 1
        print(f"\n[{self.step}] {text}", file=self.out)

    def show(self, text: str) -> None:
        print(f"    {text}", file=self.out)

    def table(self, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
        for line in plain_table(header, rows):
            self.show(line)


def add_demo_command(subcommands: Subcommands) -> None:
    """Add ``pumpfun demo`` to a subcommand set."""
    parser = subcommands.add_parser(
        "demo",
        help="Tour the whole API against an embedded emulator (no network needed).",
        description="Start a pump.fun emulator on an ephemeral loopback port and walk "
        "through every operation with the SDK, showing each step and its result.",
    )
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace, out: TextIO) -> int:
    return asyncio.run(run_demo(out))


async def run_demo(out: TextIO) -> int:
    """Start an emulator, walk through every operation with the SDK, and report each step."""
    tour = _Tour(out)
    async with Emulator() as emu:
        print(f"pump.fun emulator listening on {emu.url} (loopback only)", file=out)
        async with emu.client() as user, emu.client(admin=True) as admin:
            try:
                await _tour(tour, emu, user, admin)
            except PumpFunError as exc:  # the emulator should never fail the tour
                print(f"demo failed: {exc}", file=out)
                return 1
        print(f"\ndone: the emulator served {plural(len(emu.requests), 'request')}.", file=out)
    return 0


async def _tour(
    tour: _Tour, emu: Emulator, user: AsyncPumpFunClient, admin: AsyncPumpFunClient
) -> None:
    coins = list(emu.state.coins.values())
    doc_coin = emu.state.coins[DOCS_MINT]

    tour.title(f"Like and unlike {doc_coin['name']} ({DOCS_MINT})")
    await user.like(DOCS_MINT)
    tour.show("liked: POST /likes/{mint} -> 201")
    await user.unlike(DOCS_MINT)
    tour.show("unliked: DELETE /likes/{mint} -> 200")

    mints = [coin["mint"] for coin in coins[:10]]
    tour.title(f"Bulk-like {plural(len(mints), 'coin')} at once with asyncio.gather")
    started = time.perf_counter()
    results = await asyncio.gather(*(user.like(m) for m in mints), return_exceptions=True)
    elapsed = (time.perf_counter() - started) * 1000
    failed = [r for r in results if isinstance(r, BaseException)]
    tour.show(f"{len(mints) - len(failed)} liked, {len(failed)} failed, in {elapsed:.1f} ms")

    await _cached_bulk(tour, emu, mints)
    await _wallet_sign_in(tour, emu)

    creator = str(doc_coin["creator"])
    tour.title("Follow the coin's creator (a fresh captcha token per call)")
    await user.follow(creator)
    tour.show(f"following {creator}")

    tour.title("Bookmark three coins and list the collection")
    for coin in coins[:3]:
        await user.add_bookmark_items(coin["mint"], ["default", "favorites"])
    saved = await user.get_bookmark_items("favorites")
    tour.table(
        ("mint", "name", "symbol", "usd market cap"),
        [(c.mint, c.name, c.symbol, f"{c.usd_market_cap or 0:,.2f}") for c in saved],
    )

    tour.title("Reply to the thread, mention that reply, and read the thread back")
    first = await user.create_reply(DOCS_MINT, "gm! first look at this one")
    first_id = first.id if first is not None else 0
    await user.create_reply(DOCS_MINT, f"#{first_id} agreed, chart looks healthy")
    await user.like(first_id)
    page = await user.get_replies(DOCS_MINT, limit=10)
    tour.table(
        ("id", "likes", "mentions", "text"),
        [(r.id, r.total_likes, r.mentions or "", r.text) for r in page.replies],
    )

    await _watch_thread(tour, emu, user)

    tour.title("Report the coin and a comment")
    report = await user.create_report(DOCS_MINT, ReportType.SCAM, "Dev wallet dumped at launch")
    await user.report_comment(first_id, "offensive")
    tour.show(
        f"report {report.id if report else '?'} filed (type scam); comment {first_id} reported"
    )

    tour.title("Review the queue as an admin and resolve the coin report")
    pending = await admin.get_reports(done=False)
    tour.table(
        ("id", "type", "target", "done"),
        [(r.id, r.type, r.target_id, r.done) for r in pending.reports],
    )
    if report is not None:
        resolved = await admin.update_report(
            report.id, True, ReportAction.BANNED, "Creator banned; coin hidden"
        )
        action = resolved.action if resolved else "?"
        tour.show(f"resolved {report.id}: action={action}")
        remaining = await admin.get_reports(done=False)
        pending_count = len(remaining) if remaining.total is None else remaining.total
        tour.show(f"{plural(pending_count, 'report')} still pending")
        await admin.delete_report(report.id)
        tour.show(f"deleted {report.id}")


async def _watch_thread(tour: _Tour, emu: Emulator, user: AsyncPumpFunClient) -> None:
    tour.title("Watch the thread while another user replies (polls answered 304 meanwhile)")
    polls_before = len(emu.requests_for("get_replies"))
    async with contextlib.aclosing(
        user.watch_replies(DOCS_MINT, interval=0.05, max_interval=0.2)
    ) as watch:
        seen = asyncio.ensure_future(anext(watch))
        # The watch reads the thread first; someone else replies once it polls for news.
        for _ in range(int(_WATCH_GUARD / 0.01)):
            if len(emu.requests_for("get_replies")) >= polls_before + 3 or seen.done():
                break
            await asyncio.sleep(0.01)
        emu.post_reply(DOCS_MINT, "wen moon?", user="user-another-degen")
        reply = await asyncio.wait_for(seen, _WATCH_GUARD)
    polls = emu.requests_for("get_replies")[polls_before:]
    unchanged = sum(1 for r in polls if r.status == 304)
    tour.show(f"saw reply {reply.id} by {reply.user}: {reply.text!r}")
    tour.show(f"{plural(len(polls), 'request')} while watching, {unchanged} answered 304")


async def _cached_bulk(tour: _Tour, emu: Emulator, mints: list[str]) -> None:
    tour.title("Bulk-like twice through a StateCache: what is known liked costs no request")
    cache = StateCache()
    async with emu.client(state_cache=cache) as cached:
        first_pass = await cached.like_many(mints, concurrency=16)
        second_pass = await cached.like_many(mints, concurrency=16)
    tour.show(
        f"{plural(len(first_pass.succeeded), 'like')} succeeded, then "
        f"{len(second_pass.succeeded)} more; {cache.skipped} skipped by the cache without a request"
    )


async def _wallet_sign_in(tour: _Tour, emu: Emulator) -> None:
    tour.title("Sign in with a Solana wallet (ed25519 signature, POST /auth/login)")
    try:
        wallet = Wallet.generate()
    except ImportError as exc:  # the wallet extra is not installed
        tour.show(f"skipped: {exc}")
        return
    async with emu.client(None, wallet=wallet) as signed:
        await signed.like(DOCS_MINT)
    logins = len(emu.requests_for("login"))
    tour.show(
        f"wallet {wallet.address} signed in ({plural(logins, 'sign-in')}) and liked {DOCS_MINT}"
    )
