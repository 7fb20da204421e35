"""Pacing by the server's own numbers: the ``x-ratelimit-*`` headers pump.fun sends.

pump.fun's NestJS throttler answers with ``x-ratelimit-limit`` (requests per window),
``x-ratelimit-remaining`` (how many are left, this request counted) and ``x-ratelimit-reset``
(seconds until the window resets; a value above 10^9 is read as a Unix time). A
:class:`Pacer` keeps those numbers per route group and holds a request back when the
server's count says none remain before the reset, so the client slows down before a 429
rather than after one.

Requests already sent whose answers have not come back are accounted for: an answer says
what remained when the server counted *that* request, so every request sent after it is
taken off. Answers that come back out of order never replace newer numbers. Headers that
are absent, repeated or unreadable (negative, NaN, huge, not a number) change nothing.

The pacer runs after the client's own rate limiters, right before a request is sent.
"""

from __future__ import annotations

import asyncio
import collections
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import NamedTuple

import attrs
from multidict import CIMultiDict, CIMultiDictProxy

from ._endpoints import RouteGroup
from ._log import logger
from ._repr import robust_repr
from ._retry import is_testing
from .errors import RateLimitError

__all__ = ["NO_TICKET", "Pacer", "ServerNumbers", "ServerRateLimit", "Ticket", "read_numbers"]

LIMIT_HEADER = "x-ratelimit-limit"
REMAINING_HEADER = "x-ratelimit-remaining"
RESET_HEADER = "x-ratelimit-reset"

# NestJS sends seconds; some servers send the Unix time of the reset instead. No window of
# seconds reaches 10^9 (31 years), and no Unix time since 2001 is below it.
_UNIX_TIME = 1e9
# A reset further off than this is not believed: a hostile or broken header must not hold
# requests back for days. (A real window this long would still end in 429s, which the
# retry policy handles.)
MAX_RESET = 24 * 3600.0
_MAX_COUNT = 10**9
# A sleep of exactly (deadline - now) can end a rounding error short of the deadline.
_EPSILON = 1e-6


class ServerNumbers(NamedTuple):
    """One answer's readable ``x-ratelimit-*`` headers.

    Attributes:
        limit: ``x-ratelimit-limit``, or ``None`` when the answer had none.
        remaining: ``x-ratelimit-remaining``.
        reset: Seconds from the answer until the window resets (0 or more).
    """

    limit: int | None
    remaining: int
    reset: float


@robust_repr
@attrs.frozen
class ServerRateLimit:
    """The server's last known rate-limit numbers for one route group.

    A snapshot: it does not change as time passes or requests go out.

    Attributes:
        limit: Requests the server allows per window (``x-ratelimit-limit``), or ``None``
            if it did not say.
        remaining: Requests the client may still send before the reset: the server's last
            ``x-ratelimit-remaining``, less the requests sent since that answer's request.
        reset: Seconds from the snapshot until the window resets.
    """

    limit: int | None
    remaining: int
    reset: float


def _single(headers: CIMultiDictProxy[str] | CIMultiDict[str], name: str) -> str | None:
    """The one value of header ``name``; ``None`` when it is absent or sent more than once."""
    values = headers.getall(name, ())
    return values[0] if len(values) == 1 and isinstance(values[0], str) else None


def _digits(text: str, most: int) -> bool:
    """Whether ``text`` is 1 to ``most`` ASCII digits (no sign, space or other numerals)."""
    return 0 < len(text) <= most and text.isascii() and text.isdigit()


def _count(headers: CIMultiDictProxy[str] | CIMultiDict[str], name: str) -> int | None:
    text = _single(headers, name)
    if text is None or not _digits(text := text.strip(), 10):
        return None
    value = int(text)
    return value if value <= _MAX_COUNT else None


def _reset(
    headers: CIMultiDictProxy[str] | CIMultiDict[str], wall_clock: Callable[[], float]
) -> float | None:
    text = _single(headers, RESET_HEADER)
    if text is None:
        return None
    whole, dot, fraction = (text := text.strip()).partition(".")
    if not _digits(whole, 12) or (dot and not _digits(fraction, 9)):
        return None
    seconds = float(text)
    if seconds > _UNIX_TIME:
        seconds = max(0.0, seconds - wall_clock())
    return seconds if seconds <= MAX_RESET else None


def read_numbers(
    headers: Mapping[str, str] | CIMultiDictProxy[str],
    wall_clock: Callable[[], float] = time.time,
) -> ServerNumbers | None:
    """The rate-limit numbers in an answer's headers, or ``None`` if they are not usable.

    ``x-ratelimit-remaining`` and ``x-ratelimit-reset`` are needed; ``x-ratelimit-limit``
    is optional, but must be readable and at least the remaining count when present. Each
    must appear once (names in any case). Counts are whole decimal numbers up to 10^9; the
    reset is a decimal number of seconds up to a day, or a Unix time (above 10^9) read
    against ``wall_clock``.
    Anything else (a sign, NaN, an exponent, a comma-separated list) makes the whole set
    unusable. Never raises.
    """
    try:
        if not isinstance(headers, (CIMultiDictProxy, CIMultiDict)):
            headers = CIMultiDict(headers)
        remaining = _count(headers, REMAINING_HEADER)
        reset = _reset(headers, wall_clock)
        if remaining is None or reset is None:
            return None
        limit: int | None = None
        if LIMIT_HEADER in headers:
            limit = _count(headers, LIMIT_HEADER)
            if limit is None or remaining > limit:
                return None
        return ServerNumbers(limit, remaining, reset)
    except Exception:  # a header map that misbehaves changes nothing either
        return None


class Ticket:
    """One request let through by a :class:`Pacer`: report its answer, or its failure.

    Both :meth:`answered` and :meth:`release` may be called any number of times; only the
    first call counts.
    """

    __slots__ = ("_gate", "_seq")

    def __init__(self, gate: _Gate | None, seq: int) -> None:
        self._gate = gate
        self._seq = seq

    def answered(self, headers: Mapping[str, str]) -> None:
        """The answer came, with these headers: learn the server's numbers from them."""
        gate, self._gate = self._gate, None
        if gate is not None:
            gate.settle(self._seq, headers)

    def release(self) -> None:
        """No answer will come (the request failed or was never sent)."""
        gate, self._gate = self._gate, None
        if gate is not None:
            gate.settle(self._seq, None)


NO_TICKET = Ticket(None, 0)
"""A ticket that stands for nothing: the transport's placeholder before the first one."""


class _Gate:
    """The server's numbers for one route group, and the requests waiting for them."""

    __slots__ = (
        "_changed",
        "_clock",
        "_wall_clock",
        "deadline",
        "group",
        "in_flight",
        "known",
        "limit",
        "remaining",
        "sent",
        "waiters",
    )

    def __init__(
        self, group: RouteGroup, clock: Callable[[], float], wall_clock: Callable[[], float]
    ) -> None:
        self.group = group
        self._clock = clock
        self._wall_clock = wall_clock
        self.limit: int | None = None
        # Requests that may still go before the reset; None when the server has said nothing
        # (or nothing that still holds).
        self.remaining: int | None = None
        self.deadline: float | None = None  # when the window resets, on the pacer's clock
        self.sent = 0  # tickets handed out, numbered from 1
        self.known = 0  # the ticket whose answer the numbers come from
        self.in_flight = 0
        self.waiters: collections.deque[asyncio.Future[None]] = collections.deque()
        self._changed: asyncio.Future[None] | None = None

    def grant(self, *, force: bool = False) -> Ticket | None:
        """A ticket if the numbers allow one more request now (or ``force``), else ``None``."""
        remaining = self.remaining
        if remaining is not None:
            deadline = self.deadline
            if deadline is not None and self._clock() >= deadline - _EPSILON:
                self._new_window()
                remaining = self.remaining
            if remaining is not None and remaining <= 0 and not force:
                if self.deadline is not None or self.in_flight:
                    return None
                # A new window, used up, and no answer still out to say when it ends.
                remaining = None
            self.remaining = None if remaining is None else max(0, remaining - 1)
        self.sent += 1
        self.in_flight += 1
        return Ticket(self, self.sent)

    def _new_window(self) -> None:
        """The window reset: ``limit`` requests again, less those whose answers are out.

        An answer still out may come from a request the server counted in the new window,
        so it is taken off; answers to those earlier requests no longer replace numbers.
        """
        self.deadline = None
        self.known = self.sent
        self.remaining = None if self.limit is None else max(0, self.limit - self.in_flight)

    def settle(self, seq: int, headers: Mapping[str, str] | None) -> None:
        """Ticket ``seq`` is done; its answer's ``headers`` (``None``: no answer) may say more."""
        self.in_flight -= 1
        numbers = (
            read_numbers(headers, self._wall_clock)
            if headers is not None and REMAINING_HEADER in headers
            else None
        )
        if numbers is not None and seq > self.known:
            self.known = seq
            if numbers.limit is not None:
                self.limit = numbers.limit
            # Requests sent after this one may have reached the server after it counted.
            self.remaining = max(0, numbers.remaining - (self.sent - seq))
            self.deadline = self._clock() + numbers.reset
        changed, self._changed = self._changed, None
        if changed is not None and not changed.done():
            changed.set_result(None)

    def changed(self) -> asyncio.Future[None]:
        """A future that completes when the next answer settles (or a request fails)."""
        if self._changed is None:
            self._changed = asyncio.get_running_loop().create_future()
        return self._changed

    def snapshot(self) -> ServerRateLimit | None:
        remaining, deadline = self.remaining, self.deadline
        if remaining is None or deadline is None:
            return None
        reset = deadline - self._clock()
        if reset <= 0:
            return None
        return ServerRateLimit(self.limit, remaining, reset)


class Pacer:
    """Keeps each route group within the numbers the server last sent.

    ``take(group)`` hands out a :class:`Ticket` at once when the numbers allow it (or none
    are known) and nobody is waiting; otherwise ``await wait(group, max_wait)`` queues,
    first come, first served, until the window resets or an answer says more. A cancelled
    waiter takes nothing. There is no background task: the first waiter sleeps.

    Args:
        clock: Monotonic seconds; ``time.monotonic`` by default. Tests inject a fake one.
        sleep: Awaitable sleep in seconds; ``asyncio.sleep`` by default.
        wall_clock: Unix seconds, to read a reset sent as a Unix time; ``time.time``.
    """

    __slots__ = ("_clock", "_gates", "_sleep", "_wall_clock")

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._wall_clock = wall_clock
        self._gates: dict[RouteGroup, _Gate] = {}

    def _gate(self, group: RouteGroup) -> _Gate:
        gate = self._gates.get(group)
        if gate is None:
            gate = self._gates[group] = _Gate(group, self._clock, self._wall_clock)
        return gate

    def take(self, group: RouteGroup) -> Ticket | None:
        """A ticket for one request now, or ``None`` if it must :meth:`wait`."""
        gate = self._gate(group)
        return None if gate.waiters else gate.grant()

    async def wait(self, group: RouteGroup, max_wait: float) -> Ticket:
        """Wait in line until the server's numbers allow one more request; its ticket.

        Raises:
            RateLimitError: The window resets more than ``max_wait`` seconds from now (the
                retry policy's ``max_retry_after``): failing at once, as for such a
                ``Retry-After``, rather than sleeping that long. Nothing was sent.
        """
        gate = self._gate(group)
        turn = asyncio.get_running_loop().create_future()
        gate.waiters.append(turn)
        if len(gate.waiters) == 1:
            turn.set_result(None)  # first in line: no one to wait for
        try:
            await turn
            while True:
                testing = is_testing()
                ticket = gate.grant(force=testing)
                if ticket is not None:
                    return ticket
                if gate.deadline is None:
                    logger.debug(
                        "%s: the server's window allows no more requests; waiting for the "
                        "%d answer(s) still out",
                        group.value,
                        gate.in_flight,
                    )
                    await gate.changed()
                    continue
                wait = gate.deadline - self._clock()
                if wait > max_wait:
                    raise _too_long(group, wait, max_wait)
                logger.info(
                    "%s: the server allows no more requests in this window "
                    "(x-ratelimit-limit %s); waiting %.2f s for it to reset",
                    group.value,
                    "?" if gate.limit is None else gate.limit,
                    wait,
                )
                await self._sleep(wait)
        finally:
            _leave(gate, turn)

    def numbers(self) -> dict[str, ServerRateLimit]:
        """The server's last known numbers, by route group value, for windows not yet over."""
        found = {}
        for group, gate in list(self._gates.items()):
            snapshot = gate.snapshot()
            if snapshot is not None:
                found[group.value] = snapshot
        return found


def _leave(gate: _Gate, turn: asyncio.Future[None]) -> None:
    waiters = gate.waiters
    was_first = bool(waiters) and waiters[0] is turn
    try:
        waiters.remove(turn)
    except ValueError:  # pragma: no cover - every waiter leaves exactly once
        return
    if not turn.done():
        turn.cancel()
    if was_first and waiters:
        following = waiters[0]
        if not following.done():
            following.set_result(None)


def _too_long(group: RouteGroup, wait: float, max_wait: float) -> RateLimitError:
    return RateLimitError(
        f"the server's x-ratelimit headers allow no more {group.value} requests for "
        f"{wait:.0f} s, longer than max_retry_after={max_wait:g}; nothing was sent",
        status=429,
        retry_after=wait,
    )
