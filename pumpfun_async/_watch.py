"""Watching a thread or the report queue: polling politely for what is new.

A watch is an async generator running in its caller's task: it starts no task of its own,
so cancelling the caller, ``break`` or ``aclose()`` stops it wherever it waits (its pause,
the rate limiter, a request), and the transport releases what that wait held.

How it polls:

* Replies: pump.fun lists a thread oldest first and new replies arrive at its end, so a
  poll reads from the last reply seen on (``offset`` = its position: one reply of overlap).
  When the page does not start with that reply, replies before it were deleted (or came
  back) and the thread has shifted: the watcher steps back a page at a time until it
  finds replies it has seen, and reads forward from there. Replies are told apart by id.
* Reports: a poll asks for the pending reports created since shortly before the newest
  one seen (``createdAtFrom``), whatever order the server lists them in, and yields those
  not seen yet, oldest first. Reports leaving the queue change nothing.
* The request of a quiet poll is the same each time and carries ``If-None-Match`` with the
  ETag the server gave for it: a ``304`` is "nothing new".
* After a poll with nothing new the pause grows by half (up to ``max_interval``); after
  news it is ``interval`` again; every pause is jittered by up to a tenth either way.
  Every request goes through the client's rate limiter and retry policy.
* Faults that waiting heals (5xx, block pages, 429s, timeouts, network failures) are logged
  and waited out with the retry policy's backoff (a ``Retry-After`` honoured in full),
  never less than ``interval``; the others (401, 403, 404, bad input, …) end the watch.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Hashable, Sequence
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

import attrs

from ._conditional import NOT_MODIFIED, Conditional
from ._endpoints import ENDPOINTS, Endpoint
from ._log import logger
from ._validate import check_bool, check_enum, check_mint, check_seconds
from .errors import (
    APIError,
    BlockedError,
    PumpFunError,
    RateLimitError,
    ResponseTooLargeError,
    ServerError,
    TransportError,
    ValidationError,
)
from .models import RepliesPage, Reply, Report, ReportsPage, ReportType

if TYPE_CHECKING:
    from ._client import AsyncPumpFunClient

__all__ = ["Pacing", "watch_replies", "watch_reports"]

_T = TypeVar("_T")

GROWTH = 1.5
"""How much the pause grows after a poll with nothing new."""
JITTER = 0.1
"""Every pause is drawn from ``pause * (1 ± JITTER)``."""
POLL_PAGE = 100
"""Page size of a poll: news beyond it are read in further pages of the same poll."""
FULL_PAGE = 1000
"""Page size of the first read, which walks everything already there."""
SEEN_LIMIT = 10_000
"""How many ids a watch remembers, to yield nothing twice."""
REPORT_MARGIN = timedelta(seconds=60)
"""How far before the newest report seen a poll looks, for reports filed out of order."""

_GET_REPLIES = ENDPOINTS["get_replies"]
_GET_REPORTS = ENDPOINTS["get_reports"]


@attrs.frozen
class Pacing:
    """Where a watch gets its time from: injectable, so that tests never really wait.

    Attributes:
        clock: Monotonic seconds.
        sleep: Waits that many seconds.
        random: A float in ``[0, 1)``, for the jitter of pauses and backoffs.
    """

    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    random: Callable[[], float] = random.random


def check_intervals(interval: object, max_interval: object) -> tuple[float, float]:
    """``interval`` and ``max_interval`` as seconds, the second no less than the first."""
    low = check_seconds(interval, "interval")
    high = check_seconds(max_interval, "max_interval")
    if high < low:
        raise ValidationError("max_interval", f"must be at least interval ({low:g}), got {high:g}")
    return low, high


def heals(error: PumpFunError) -> bool:
    """Whether waiting may cure ``error``: a watch waits those out and goes on."""
    if isinstance(error, (ServerError, BlockedError, RateLimitError)):
        return True
    if isinstance(error, TransportError):
        return not isinstance(error, ResponseTooLargeError)
    return isinstance(error, APIError) and error.status == 408


class _Seen:
    """The ids seen lately (at most ``limit``, the oldest forgotten first)."""

    __slots__ = ("_ids", "_limit")

    def __init__(self, limit: int = SEEN_LIMIT) -> None:
        self._ids: dict[Hashable, None] = {}
        self._limit = limit

    def __contains__(self, key: Hashable) -> bool:
        return key in self._ids

    def add(self, key: Hashable) -> None:
        if key in self._ids:
            return
        self._ids[key] = None
        if len(self._ids) > self._limit:
            del self._ids[next(iter(self._ids))]


class _Poller:
    """The pace of one watch: its pauses, and waiting out faults."""

    def __init__(
        self,
        client: AsyncPumpFunClient,
        what: str,
        interval: float,
        max_interval: float,
        pacing: Pacing,
    ) -> None:
        self.client = client
        self.what = what
        self.interval = interval
        self.max_interval = max_interval
        self.pacing = pacing
        self.pause = interval
        self.started = pacing.clock()

    async def attempt(self, poll: Callable[[], Awaitable[list[_T]]]) -> list[_T]:
        """Run ``poll`` until it succeeds, waiting out the faults that may heal."""
        faults = 0
        while True:
            self.started = self.pacing.clock()
            try:
                return await poll()
            except PumpFunError as error:
                if not heals(error):
                    raise
                wait = self._backoff(error, faults)
                logger.warning(
                    "%s: %s failed (%s); polling again in %.2f s",
                    self.what,
                    _where(error),
                    _reason(error),
                    wait,
                )
            # Outside the except block: the wait does not keep the exception alive.
            faults += 1
            await self.pacing.sleep(wait)

    def _backoff(self, error: PumpFunError, faults: int) -> float:
        policy = self.client.retry_policy
        wait = policy.delay(faults, error, rng=self.pacing.random)
        if wait is None and isinstance(error, RateLimitError) and error.retry_after is not None:
            wait = error.retry_after  # beyond max_retry_after: a watch has the time
        return max(wait or 0.0, self.interval)

    async def rest(self, news: bool) -> None:
        """Pause before the next poll: back to ``interval`` after news, longer after none."""
        self.pause = self.interval if news else min(self.max_interval, self.pause * GROWTH)
        spread = 1.0 - JITTER + 2 * JITTER * self.pacing.random()
        wait = min(self.max_interval, self.pause * spread)
        remaining = self.started + wait - self.pacing.clock()
        await self.pacing.sleep(max(0.0, remaining))

    async def get(
        self, endpoint: Endpoint, path: str, query: str, conditional: Conditional | None = None
    ) -> Any:
        """One read through the client's request path (rate limiter and retries included)."""
        return await self.client._transport.request(
            endpoint, path, query=query, conditional=conditional
        )


async def _run(
    poller: _Poller,
    start: Callable[[], Awaitable[list[_T]]],
    poll: Callable[[], Awaitable[list[_T]]],
    include_existing: bool,
) -> AsyncIterator[_T]:
    items = await poller.attempt(start)
    if not include_existing:
        items = []  # read only to know where the news begins
    news = True  # the first pause is `interval`, whatever the start found
    while True:
        for item in items:
            yield item
        await poller.rest(news)
        items = await poller.attempt(poll)
        news = bool(items)


# ---------------------------------------------------------------------------- replies


class _Thread:
    """What a replies watch knows of the thread: where it ends, and which replies it saw."""

    def __init__(self, poller: _Poller, mint: str) -> None:
        self.poller = poller
        self.client = poller.client
        self.path = _GET_REPLIES.format_path(mint=mint)
        self.known = 0  # the position just after the last reply seen
        self.anchor: int | None = None  # that reply's id
        self.seen = _Seen()
        self.conditional = Conditional()
        self.query: str | None = None  # the request self.conditional's ETag answers

    async def _page(self, offset: int, limit: int, conditional: bool = False) -> RepliesPage | None:
        query = f"limit={limit}&offset={offset}"
        validator = None
        if conditional:
            if query != self.query:
                self.query, self.conditional.etag = query, None
            validator = self.conditional
        data = await self.poller.get(_GET_REPLIES, self.path, query, validator)
        if data is NOT_MODIFIED:
            return None
        from ._client import structure_replies_page

        def decode(d: Any) -> RepliesPage:
            return structure_replies_page(d, offset=offset, limit=limit)

        return self.client._decode(_GET_REPLIES, self.path, decode, data)

    async def _forward(self, offset: int, page: RepliesPage, limit: int) -> list[Reply]:
        """The replies of ``page`` (read at ``offset``) and of every page after it."""
        replies = list(page.replies)
        ids = {r.id for r in replies}
        while page.has_more and page.replies:
            page = await self._page_or_empty(offset + len(replies), limit)
            fresh = [r for r in page.replies if r.id not in ids]
            if not fresh:  # a server ignoring the offset would be asked for ever
                break
            replies += fresh
            ids.update(r.id for r in fresh)
        return replies

    async def _page_or_empty(self, offset: int, limit: int) -> RepliesPage:
        page = await self._page(offset, limit)
        return page if page is not None else RepliesPage(offset=offset)

    def _take(self, base: int, replies: Sequence[Reply]) -> list[Reply]:
        """Note ``replies``, the thread from position ``base`` on; those not seen before."""
        new = [r for r in replies if r.id not in self.seen]
        for reply in replies:
            self.seen.add(reply.id)
        self.known = base + len(replies)
        self.anchor = replies[-1].id if replies else None
        return new

    async def start(self) -> list[Reply]:
        """Read the whole thread once; the replies in it."""
        page = await self._page_or_empty(0, FULL_PAGE)
        return self._take(0, await self._forward(0, page, FULL_PAGE))

    async def poll(self) -> list[Reply]:
        """Read from the last reply seen on; the replies not seen before, oldest first."""
        offset = max(self.known - 1, 0)
        page = await self._page(offset, POLL_PAGE, conditional=True)
        if page is None:
            return []
        aligned = offset == 0 or (page.replies != [] and page.replies[0].id == self.anchor)
        if not aligned:
            offset, page = await self._walk_back(offset)
        return self._take(offset, await self._forward(offset, page, POLL_PAGE))

    async def _walk_back(self, offset: int) -> tuple[int, RepliesPage]:
        """Step back from ``offset`` to a page holding a reply seen before (or the start)."""
        logger.debug("%s: the thread has shifted; reading back from %d", self.poller.what, offset)
        while True:
            offset = max(0, offset - POLL_PAGE)
            page = await self._page_or_empty(offset, POLL_PAGE)
            if offset == 0 or any(r.id in self.seen for r in page.replies):
                return offset, page


async def watch_replies(
    client: AsyncPumpFunClient,
    mint: str,
    *,
    interval: float = 5.0,
    max_interval: float = 60.0,
    include_existing: bool = False,
    pacing: Pacing | None = None,
) -> AsyncGenerator[Reply, None]:
    """What :meth:`AsyncPumpFunClient.watch_replies` yields (``pacing`` for tests)."""
    mint = check_mint(mint)
    low, high = check_intervals(interval, max_interval)
    check_bool(include_existing, "include_existing")
    poller = _Poller(client, f"watch_replies({mint})", low, high, pacing or Pacing())
    thread = _Thread(poller, mint)

    async for reply in _run(poller, thread.start, thread.poll, include_existing):
        yield reply


# ---------------------------------------------------------------------------- reports


def _since(moment: datetime | None) -> str:
    if moment is None:
        return ""
    utc = (moment - REPORT_MARGIN).astimezone(timezone.utc).replace(tzinfo=None)
    return quote(utc.isoformat(timespec="milliseconds") + "Z", safe="")


_FAR_FUTURE = datetime.max.replace(tzinfo=timezone.utc)


def _created(report: Report) -> datetime:
    return report.created_at if report.created_at is not None else _FAR_FUTURE


class _Queue:
    """What a reports watch knows of the queue: the reports seen, the newest one's time."""

    def __init__(self, poller: _Poller, kind: str) -> None:
        self.poller = poller
        self.client = poller.client
        self.kind = quote(kind, safe="")
        self.newest: datetime | None = None
        self.newest_first = True  # how the server lists the queue, until a page shows it
        self.seen = _Seen()
        self.conditional = Conditional()
        self.query: str | None = None

    def _query(self, limit: int, offset: int, since: str) -> str:
        # As get_reports sends it: every documented parameter, in the same order.
        return (
            f"limit={limit}&offset={offset}&type={self.kind}&done=false"
            f"&createdAtFrom={since}&createdAtTo=&isCurrentlyLive=false"
        )

    async def _read(self, since: str, limit: int, conditional: bool) -> list[Report] | None:
        """Every report of the query from offset 0 on; ``None`` when the first is a 304."""
        from ._client import structure_reports_page

        reports: list[Report] = []
        ids: set[str] = set()
        offset = 0
        while True:
            query = self._query(limit, offset, since)
            validator = None
            if conditional and offset == 0:
                if query != self.query:
                    self.query, self.conditional.etag = query, None
                validator = self.conditional
            data = await self.poller.get(_GET_REPORTS, _GET_REPORTS.path, query, validator)
            if data is NOT_MODIFIED:
                return None
            page: ReportsPage = self.client._decode(
                _GET_REPORTS, _GET_REPORTS.path, structure_reports_page, data
            )
            fresh = [r for r in page.reports if r.id not in ids]
            reports += fresh
            ids.update(r.id for r in fresh)
            offset += len(page.reports)
            if not fresh or not page.has_more:
                return reports

    def _take(self, reports: list[Report]) -> list[Report]:
        dated = [r.created_at for r in reports if r.created_at is not None]
        pairs = list(itertools.pairwise(dated))
        if any(a != b for a, b in pairs):
            self.newest_first = all(a >= b for a, b in pairs)
        if self.newest_first:  # so that reports filed in the same instant keep their order
            reports = reports[::-1]
        new = sorted((r for r in reports if r.id not in self.seen), key=_created)
        for report in reports:
            self.seen.add(report.id)
            created = report.created_at
            if created is not None and (self.newest is None or created > self.newest):
                self.newest = created
        return new

    async def start(self) -> list[Report]:
        """Read the whole queue once; the reports in it, oldest first."""
        return self._take(await self._read("", FULL_PAGE, conditional=False) or [])

    async def poll(self) -> list[Report]:
        """Read the reports filed lately; those not seen before, oldest first."""
        reports = await self._read(_since(self.newest), POLL_PAGE, conditional=True)
        return [] if reports is None else self._take(reports)


async def watch_reports(
    client: AsyncPumpFunClient,
    *,
    type: ReportType | str = "all",
    interval: float = 5.0,
    max_interval: float = 60.0,
    include_existing: bool = False,
    pacing: Pacing | None = None,
) -> AsyncGenerator[Report, None]:
    """What :meth:`AsyncPumpFunClient.watch_reports` yields (``pacing`` for tests)."""
    kind = check_enum(type, ReportType, "type", extra=("all",))
    low, high = check_intervals(interval, max_interval)
    check_bool(include_existing, "include_existing")
    poller = _Poller(client, f"watch_reports(type={kind})", low, high, pacing or Pacing())
    queue = _Queue(poller, kind)

    async for report in _run(poller, queue.start, queue.poll, include_existing):
        yield report


def _where(error: PumpFunError) -> str:
    method, path = getattr(error, "method", ""), getattr(error, "path", "")
    return f"{method} {path}" if method else "the poll"


def _reason(error: PumpFunError) -> str:
    if isinstance(error, APIError):
        return f"HTTP {error.status}"
    return type(error).__name__
