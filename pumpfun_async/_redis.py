"""RedisRateLimiter: one rate limit shared by every process and machine that uses the key."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
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
    grant is given back, even when the waiter is cancelled again meanwhile).

    When Redis cannot be reached, fails, or does not answer within ``timeout`` seconds,
    :meth:`acquire` raises :class:`~pumpfun_async.TransportError`, or, with
    ``on_error="local"``, falls back to a local :class:`~pumpfun_async.TokenBucket` of the
    same rate and capacity. That fallback is per process (N processes on it allow N times the
    rate); it asks Redis again at most once every ``recheck`` seconds and goes back to the
    shared limit as soon as Redis answers. A request whose answer timed out may still have
    taken its slot on the server: the limiter errs on the side of sending less, never more.

    Waiters must all belong to one event loop (the Redis client's). The Lua script needs
    Redis 5 or newer (or any server that runs scripts by effects, as Redis 7 does).

    Args:
        redis: A ``redis.asyncio.Redis`` client (the ``redis`` extra).
        key: The Redis key holding this limit's state; every sharer uses the same one.
        rate: Acquisitions per second (> 0).
        capacity: The largest burst (>= 1). A capacity above 1 also absorbs the network
            round trip, which otherwise costs a little of the rate.
        on_error: ``"raise"`` (the default) or ``"local"`` when Redis is unreachable.
        timeout: Seconds to wait for Redis to answer one script call (> 0; default 2).
        recheck: While falling back locally, seconds between attempts to reach Redis again
            (>= 0; default 5).
        clock: Monotonic seconds, for ``recheck``; ``time.monotonic`` by default.
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
        timeout: float = 2.0,
        recheck: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
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
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
            raise ValidationError("timeout", f"expected a positive number, got {timeout!r}")
        if isinstance(recheck, bool) or not isinstance(recheck, (int, float)) or not recheck >= 0:
            raise ValidationError("recheck", f"expected a number of 0 or more, got {recheck!r}")
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
        self._timeout = float(timeout)
        self._recheck = float(recheck)
        self._clock = clock
        # Every way a call can fail to reach or to run on Redis (a refused connection, a
        # reply that is not Redis's, READONLY after a failover, no answer in time).
        self._errors: tuple[type[BaseException], ...] = (
            exceptions.RedisError,
            OSError,
            asyncio.TimeoutError,  # not yet the built-in TimeoutError on Python 3.10
        )
        self._line: asyncio.Lock | None = None
        self._local: TokenBucket | None = None  # made on the first fallback, then kept
        self._falling_back = False
        self._next_check = 0.0
        self._settling: set[asyncio.Task[None]] = set()

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
        if not all(hasattr(self, name) for name in ("_key", "_rate", "_capacity", "_on_error")):
            return "RedisRateLimiter(<not initialised>)"  # a constructor raised part of the way
        return (
            f"RedisRateLimiter(key={self._key!r}, rate={self._rate:g}, "
            f"capacity={self._capacity:g}, on_error={self._on_error!r})"
        )

    async def acquire(self) -> None:
        """Return when one more request may be sent, by the shared limit."""
        if self._line is None:
            self._line = asyncio.Lock()  # asyncio's lock wakes its waiters in arrival order
        async with self._line:
            if self._falling_back and self._clock() < self._next_check:
                await self._local_acquire()
                return
            while True:
                try:
                    wait_us = await self._ask()
                except self._errors as exc:
                    await self._unreachable(exc)
                    return
                if self._falling_back:
                    logger.warning("rate limit %r: Redis answers again", self._key)
                    self._falling_back = False
                if wait_us <= 0:
                    return
                await self._sleep(wait_us / 1_000_000)

    async def _ask(self) -> int:
        """Run the GCRA script once; microseconds to wait (0: granted, and taken).

        If the waiter is cancelled while the answer is on its way, the answer is still
        read and a grant is given back before the cancellation goes on; cancelled again
        meanwhile, the waiter goes at once and that is finished in the background. No answer
        within ``timeout`` is a ``TimeoutError``; the call is abandoned.
        """
        call = asyncio.ensure_future(
            self._acquire_script(keys=[self._key], args=[self._interval_us, self._capacity])
        )
        try:
            done, _ = await asyncio.wait({call}, timeout=self._timeout)
        except asyncio.CancelledError:
            settle = asyncio.ensure_future(self._give_back(call))
            self._settling.add(settle)
            settle.add_done_callback(self._settling.discard)
            with contextlib.suppress(asyncio.CancelledError):  # cancelled again: it goes on
                await asyncio.shield(settle)
            raise
        if not done:
            call.cancel()
            raise TimeoutError(f"no answer from Redis within {self._timeout:g} s")
        return int(call.result())

    async def _give_back(self, call: asyncio.Future[Any]) -> None:
        """Wait (up to ``timeout``) for an abandoned call's answer; give back a grant."""
        done, _ = await asyncio.wait({call}, timeout=self._timeout)
        if not done:
            call.cancel()
            return
        if call.cancelled() or call.exception() is not None or int(call.result()) != 0:
            return  # the script failed or said wait: nothing was taken
        try:
            await asyncio.wait_for(
                self._refund_script(keys=[self._key], args=[self._interval_us]), self._timeout
            )
        except self._errors:
            logger.warning("rate limit %r: could not give back a cancelled grant", self._key)

    async def _unreachable(self, exc: BaseException) -> None:
        if self._on_error == "raise":
            raise TransportError(
                f"the rate limit's Redis server is unreachable ({type(exc).__name__}: {exc}); "
                "pass on_error='local' to fall back to a local limit"
            ) from exc
        if not self._falling_back:
            logger.warning(
                "rate limit %r: Redis is unreachable (%s); limiting this process locally",
                self._key,
                type(exc).__name__,
            )
            self._falling_back = True
        self._next_check = self._clock() + self._recheck
        await self._local_acquire()

    async def _local_acquire(self) -> None:
        if self._local is None:
            self._local = TokenBucket(
                self._rate, self._capacity, clock=self._clock, sleep=self._sleep
            )
        await self._local.acquire()
