"""A first-come, first-served token bucket for asyncio, with an injectable clock."""

from __future__ import annotations

import asyncio
import collections
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Protocol

from ._endpoints import RouteGroup
from ._validate import check_number

# Sleeping (1 - tokens) / rate can refill to 0.9999999999999998 in floating point; a
# token that close to whole is taken rather than sleeping for a time the clock cannot see.
_ALMOST_ONE = 1 - 1e-9

__all__ = [
    "ALL_ROUTES",
    "RateLimitSetting",
    "RateLimiter",
    "TokenBucket",
    "default_rate_limits",
    "normalize_rate_limits",
]


class TokenBucket:
    """Allow ``rate`` acquisitions per second on average, and bursts of up to ``capacity``.

    ``await bucket.acquire()`` takes one token, waiting as long as needed. Waiters are served
    strictly in arrival order; a waiter that is cancelled takes nothing. There is no
    background task: the first waiter in line sleeps until its token is due and then hands
    the line on to the next. The bucket starts full.

    Waiters must all belong to one event loop.

    Args:
        rate: Tokens added per second (> 0).
        capacity: The most tokens held at once, so the largest burst (>= 1).
        clock: Monotonic seconds; ``time.monotonic`` by default. Tests inject a fake one.
        sleep: Awaitable sleep in seconds; ``asyncio.sleep`` by default.

    Example::

        bucket = TokenBucket(rate=1.0, capacity=1)  # one request a second, no bursts
        client = AsyncPumpFunClient(rate_limit=bucket)
    """

    __slots__ = ("_capacity", "_clock", "_rate", "_sleep", "_stamp", "_tokens", "_waiters")

    def __init__(
        self,
        rate: float,
        capacity: float = 1,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self._rate = check_number(rate, "rate", above=True, unit="tokens per second")
        self._capacity = check_number(capacity, "capacity", low=1)
        self._clock = clock
        self._sleep = sleep
        self._tokens = float(capacity)
        self._stamp = clock()
        self._waiters: collections.deque[asyncio.Future[None]] = collections.deque()

    @property
    def rate(self) -> float:
        """Tokens added per second."""
        return self._rate

    @property
    def capacity(self) -> float:
        """The most tokens held at once."""
        return self._capacity

    @property
    def tokens(self) -> float:
        """Tokens available right now (may be fractional)."""
        self._refill()
        return self._tokens

    @property
    def waiting(self) -> int:
        """How many callers are waiting in line."""
        return len(self._waiters)

    def __repr__(self) -> str:
        if not all(hasattr(self, name) for name in self.__slots__):
            return "TokenBucket(<not initialised>)"  # a constructor raised; reporters call this
        return (
            f"TokenBucket(rate={self._rate:g}, capacity={self._capacity:g}, "
            f"tokens={self.tokens:.2f}, waiting={self.waiting})"
        )

    def _refill(self) -> None:
        now = self._clock()
        elapsed = now - self._stamp
        if elapsed > 0:
            self._tokens = min(self._capacity, self._tokens + elapsed * self._rate)
        self._stamp = now

    def try_acquire(self) -> bool:
        """Take a token if one is free and nobody is waiting; never waits."""
        if self._waiters:
            return False
        self._refill()
        if self._tokens >= _ALMOST_ONE:
            self._tokens = max(0.0, self._tokens - 1)
            return True
        return False

    async def acquire(self) -> None:
        """Take one token, waiting in line (first come, first served) until it is due."""
        if self.try_acquire():
            return
        turn = asyncio.get_running_loop().create_future()
        self._waiters.append(turn)
        if len(self._waiters) == 1:
            turn.set_result(None)  # first in line: no one to wait for
        try:
            await turn
            while True:
                self._refill()
                if self._tokens >= _ALMOST_ONE:
                    self._tokens = max(0.0, self._tokens - 1)
                    return
                await self._sleep((1 - self._tokens) / self._rate)
        finally:
            self._leave(turn)

    def _leave(self, turn: asyncio.Future[None]) -> None:
        was_first = bool(self._waiters) and self._waiters[0] is turn
        try:
            self._waiters.remove(turn)
        except ValueError:  # pragma: no cover - every waiter leaves exactly once
            return
        if not turn.done():
            turn.cancel()
        if was_first and self._waiters:
            following = self._waiters[0]
            if not following.done():
                following.set_result(None)


class RateLimiter(Protocol):
    """Anything a client can rate-limit with: :class:`TokenBucket`, or your own limiter."""

    async def acquire(self) -> None:
        """Return when one more request may be sent."""


RateLimitSetting = RateLimiter | Mapping[RouteGroup | str, RateLimiter] | None
"""What ``rate_limit=`` takes: one limiter for every request, a mapping from route groups
(and ``"all"``, for every request) to limiters, or ``None`` for no limit."""

ALL_ROUTES = "all"


def default_rate_limits() -> dict[str, RateLimiter]:
    """Fresh limiters that keep one client within the limits observed on pump.fun.

    One request a second over all routes (pump.fun starts answering 429 at about that rate
    per IP), and one reply a minute (its "You're replying too fast" threshold per wallet).
    """
    return {ALL_ROUTES: TokenBucket(1.0, 1), "replies": TokenBucket(1 / 60, 1)}


def normalize_rate_limits(setting: object) -> dict[str, RateLimiter]:
    """Turn a ``rate_limit=`` argument into ``{"all" or group value: limiter}``."""
    from .errors import ValidationError

    if setting is None:
        return {}
    if isinstance(setting, Mapping):
        limits: dict[str, RateLimiter] = {}
        valid = {ALL_ROUTES, *(g.value for g in RouteGroup)}
        for key, limiter in setting.items():
            name = key.value if isinstance(key, RouteGroup) else key
            if name not in valid:
                raise ValidationError(
                    "rate_limit", f"unknown route group {key!r}; use one of {sorted(valid)}"
                )
            limits[name] = _check_limiter(limiter)
        return limits
    return {ALL_ROUTES: _check_limiter(setting)}


def _check_limiter(limiter: object) -> RateLimiter:
    from .errors import ValidationError

    if isinstance(limiter, type) or not callable(getattr(limiter, "acquire", None)):
        raise ValidationError(
            "rate_limit", f"expected a TokenBucket (or an object with acquire()), got {limiter!r}"
        )
    return limiter  # type: ignore[return-value]
