"""RedisRateLimiter: one rate limit shared by every process and machine that uses the key."""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Literal

from ._ratelimit import TokenBucket
from .errors import TransportError, ValidationError

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = ["RedisRateLimiter"]

logger = logging.getLogger("pumpfun_async")

_NEEDS_EXTRA = "RedisRateLimiter needs the redis extra: pip install 'pumpfun-async[redis]'"

# GCRA (the generic cell rate algorithm) in one atomic step, on the Redis server's clock.
# The key holds the "theoretical arrival time" (TAT) in microseconds: when the bucket would
# be full again. A request may go when TAT + interval - now <= interval * capacity; then TAT
# advances by one interval. Otherwise nothing changes and the script answers how many
# microseconds to wait. The key expires when TAT passes, so an idle limit holds no key.
_ACQUIRE = """
local interval = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000000 + tonumber(now_parts[2])
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then tat = now end
local new_tat = tat + interval
local wait = new_tat - interval * capacity - now
if wait > 0 then
  return math.ceil(wait)
end
redis.call('SET', KEYS[1], string.format('%.0f', new_tat),
  'PX', math.ceil((new_tat - now) / 1000) + 1)
return 0
"""

# Gives back one interval taken by an acquisition whose waiter was cancelled before it
# could use it (the answer was already on its way): as if that acquisition never happened.
_REFUND = """
local interval = tonumber(ARGV[1])
local tat = tonumber(redis.call('GET', KEYS[1]))
if not tat then return 0 end
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000000 + tonumber(now_parts[2])
tat = tat - interval
if tat <= now then
  redis.call('DEL', KEYS[1])
else
  redis.call('SET', KEYS[1], string.format('%.0f', tat), 'PX', math.ceil((tat - now) / 1000) + 1)
end
return 1
"""


class RedisRateLimiter:
    """A rate limit kept in Redis, shared by every client that uses the same key.

    ``rate`` acquisitions per second on average, in bursts of up to ``capacity``, across
    every process and machine acquiring on ``key``: twenty workers on three machines share
    one budget. Use it wherever a :class:`~pumpfun_async.TokenBucket` goes::

        from redis.asyncio import Redis

        redis = Redis.from_url("redis://localhost:6379/0")
        shared = RedisRateLimiter(redis, "pumpfun:all", rate=1.0, capacity=1)
        client = AsyncPumpFunClient(rate_limit={"all": shared})

    It runs GCRA in one Lua script on the Redis server, reading the server's clock, so the
    clients' clocks do not matter. The script answers how long to wait and the caller sleeps
    that long locally, then asks again (only another worker taking the slot meanwhile makes
    it wait once more). A limit has one key, which expires once the limit is idle.

    In one process, waiters queue first come, first served and only the first in line asks
    Redis; a waiter that is cancelled takes nothing (if Redis had already granted it, the
    grant is given back). When Redis cannot be reached, :meth:`acquire` raises
    :class:`~pumpfun_async.TransportError`, or, with ``on_error="local"``, falls back to a
    local :class:`~pumpfun_async.TokenBucket` of the same rate and capacity for this process
    until Redis answers again.

    Waiters must all belong to one event loop (the Redis client's).

    Args:
        redis: A ``redis.asyncio.Redis`` client (the ``redis`` extra).
        key: The Redis key holding this limit's state; every sharer uses the same one.
        rate: Acquisitions per second (> 0).
        capacity: The largest burst (>= 1). A capacity above 1 also absorbs the network
            round trip, which otherwise costs a little of the rate.
        on_error: ``"raise"`` (the default) or ``"local"`` when Redis is unreachable.
        sleep: Awaitable sleep in seconds; ``asyncio.sleep`` by default.
    """

    def __init__(
        self,
        redis: Redis,
        key: str,
        rate: float,
        capacity: float = 1,
        *,
        on_error: Literal["raise", "local"] = "raise",
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        try:
            from redis import exceptions
        except ImportError as exc:
            raise ImportError(_NEEDS_EXTRA) from exc
        if not isinstance(key, str) or not key:
            raise ValidationError("key", f"expected a non-empty string, got {key!r}")
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 < rate < math.inf:
            raise ValidationError("rate", f"expected a positive number, got {rate!r}")
        if (
            isinstance(capacity, bool)
            or not isinstance(capacity, (int, float))
            or not 1 <= capacity < math.inf
        ):
            raise ValidationError("capacity", f"expected a number of 1 or more, got {capacity!r}")
        if on_error not in ("raise", "local"):
            raise ValidationError("on_error", f"expected 'raise' or 'local', got {on_error!r}")
        if not callable(getattr(redis, "register_script", None)):
            raise ValidationError("redis", "expected a redis.asyncio.Redis client")
        self._redis = redis
        self._key = key
        self._rate = float(rate)
        self._capacity = float(capacity)
        self._interval_us = 1_000_000 / self._rate
        self._on_error = on_error
        self._sleep = sleep
        self._acquire_script: Any = redis.register_script(_ACQUIRE)
        self._refund_script: Any = redis.register_script(_REFUND)
        self._errors: tuple[type[BaseException], ...] = (
            exceptions.ConnectionError,
            exceptions.TimeoutError,
            OSError,
        )
        self._line: asyncio.Lock | None = None
        self._local: TokenBucket | None = None

    @property
    def key(self) -> str:
        """The Redis key holding the limit."""
        return self._key

    @property
    def rate(self) -> float:
        """Acquisitions per second."""
        return self._rate

    @property
    def capacity(self) -> float:
        """The largest burst."""
        return self._capacity

    def __repr__(self) -> str:
        return (
            f"RedisRateLimiter(key={self._key!r}, rate={self._rate:g}, "
            f"capacity={self._capacity:g}, on_error={self._on_error!r})"
        )

    async def acquire(self) -> None:
        """Return when one more request may be sent, by the shared limit."""
        if self._line is None:
            self._line = asyncio.Lock()  # asyncio's lock wakes its waiters in arrival order
        async with self._line:
            while True:
                try:
                    wait_us = await self._ask()
                except self._errors as exc:
                    await self._unreachable(exc)
                    return
                if self._local is not None:
                    logger.warning("rate limit %r: Redis answers again", self._key)
                    self._local = None
                if wait_us <= 0:
                    return
                await self._sleep(wait_us / 1_000_000)

    async def _ask(self) -> int:
        """Run the GCRA script once; microseconds to wait (0: granted, and taken).

        The call is shielded: if the waiter is cancelled while the answer is on its way, the
        answer is still read, and a grant is given back before the cancellation goes on.
        """
        call = asyncio.ensure_future(
            self._acquire_script(keys=[self._key], args=[self._interval_us, self._capacity])
        )
        try:
            return int(await asyncio.shield(call))
        except asyncio.CancelledError:
            try:
                granted = int(await call) == 0
            except Exception:  # the script failed: nothing was taken
                granted = False
            if granted:
                await self._refund()
            raise

    async def _refund(self) -> None:
        try:
            await self._refund_script(keys=[self._key], args=[self._interval_us])
        except self._errors:  # pragma: no cover - Redis went away between two calls
            logger.warning("rate limit %r: could not give back a cancelled grant", self._key)

    async def _unreachable(self, exc: BaseException) -> None:
        if self._on_error == "raise":
            raise TransportError(
                f"the rate limit's Redis server is unreachable ({type(exc).__name__}: {exc}); "
                "pass on_error='local' to fall back to a local limit"
            ) from exc
        if self._local is None:
            logger.warning(
                "rate limit %r: Redis is unreachable (%s); limiting this process locally",
                self._key,
                type(exc).__name__,
            )
            self._local = TokenBucket(self._rate, self._capacity, sleep=self._sleep)
        await self._local.acquire()
