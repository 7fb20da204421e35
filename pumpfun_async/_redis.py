"""RedisRateLimiter: one rate limit shared by every process and machine that uses the key."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import math
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Literal, cast

from ._extras import require
from ._log import logger
from ._ratelimit import TokenBucket
from ._validate import check_number, check_seconds
from .errors import TransportError, ValidationError

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = ["RedisRateLimiter"]


# GCRA (the generic cell rate algorithm) in one atomic step, on the Redis server's clock.
# The key holds the "theoretical arrival time" (TAT) in microseconds: when the bucket would
# be full again. A request may go when TAT + interval - now <= interval * capacity (the
# burst window); then TAT advances by one interval. Otherwise nothing changes and the script
# answers how many microseconds to wait (at most one interval, as TAT never passes
# now + window). Every write sets an expiry for when TAT passes, so an idle limit holds no key.
#
# The key is the limiter's own, but anything may have written it. A string that is not a
# TAT this script could have written (not a number, NaN, infinite, or further ahead than
# _HORIZON windows) is replaced by a fresh limit, and the answer is -1 (granted, after a
# reset) so that the caller can say so; a value in the past is an idle limit. Without this,
# "1e400" granted every call and "9e18" made callers sleep for millennia. The horizon leaves
# a window of slack for the server's clock stepping back a little. A key of another type
# is left alone (it is someone's data): the answer is {type}, and the caller raises.
_ACQUIRE = """
local interval = tonumber(ARGV[1])
local window = interval * tonumber(ARGV[2])
local horizon = window * tonumber(ARGV[3])
local raw = redis.pcall('GET', KEYS[1])
if type(raw) == 'table' then
  return {redis.call('TYPE', KEYS[1]).ok}
end
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000000 + tonumber(now_parts[2])
local tat = now
local reset = false
if raw then
  local stored = tonumber(raw)
  if stored == nil or stored ~= stored or stored > now + horizon then
    reset = true
  elseif stored > now then
    tat = stored
  end
end
local new_tat = tat + interval
local wait = new_tat - window - now
if wait > 0 then
  return math.ceil(wait)
end
redis.call('SET', KEYS[1], string.format('%.0f', new_tat),
  'PX', math.ceil((new_tat - now) / 1000) + 1)
if reset then return -1 end
return 0
"""

# Gives back one interval taken by an acquisition whose waiter was cancelled before it
# could use it (the answer was already on its way): as if that acquisition never happened.
# A value the acquire script would reset, or a key of another type, is left for it; so is
# a TAT further ahead than the window (the server's clock stepped back): giving back could
# only send more, and would write an expiry beyond the window.
_REFUND = """
local interval = tonumber(ARGV[1])
local horizon = interval * tonumber(ARGV[2]) * tonumber(ARGV[3])
local raw = redis.pcall('GET', KEYS[1])
if type(raw) ~= 'string' then return 0 end
local tat = tonumber(raw)
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000000 + tonumber(now_parts[2])
if tat == nil or tat ~= tat or tat > now + horizon then return 0 end
tat = tat - interval
if tat <= now then
  redis.call('DEL', KEYS[1])
else
  redis.call('SET', KEYS[1], string.format('%.0f', tat), 'PX', math.ceil((tat - now) / 1000) + 1)
end
return 1
"""

# How far ahead of now, in burst windows, a stored TAT may be before it counts as corrupt.
_HORIZON = 2

# Set (True) in the tasks that run the limiter's own Redis calls: see _NoBackoff.
_LIMITER_CALL: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "pumpfun_async_redis_limiter_call", default=False
)


@functools.cache
def _no_backoff_class() -> type[Any]:
    """The Retry subclass for the limiter's own calls (made late: redis is imported late)."""
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff

    class _NoBackoff(Retry):
        """The client's retry policy for its commands; for the limiter's, one retry at once.

        redis-py 6 and later make ``Redis(host=...)`` retry a failed connection with a
        backoff (ten retries, about 3.5 s in all, in redis-py 8), so a killed Redis answered
        the limiter only after its ``timeout``, as a silent one does. The limiter has its
        own answer to an unreachable Redis (raise, or the local fallback), and gives it at
        once. The one retry replaces a connection that the server dropped (after a restart,
        or an idle timeout); a refused connection is refused again straight away.
        """

        async def call_with_retry(self, do: Any, fail: Any, *args: Any, **kwargs: Any) -> Any:
            if _LIMITER_CALL.get():
                once = Retry(NoBackoff(), 1, self._supported_errors)
                return await once.call_with_retry(do, fail, *args, **kwargs)
            return await super().call_with_retry(do, fail, *args, **kwargs)

    _NoBackoff.__qualname__ = "_NoBackoff"
    return _NoBackoff


def _no_backoff_for_the_limiter(redis: Any) -> None:
    """Make the client's retry policy retry the limiter's own calls once, without a backoff.

    Only a client whose policy is redis-py's own ``Retry`` is changed (through its public
    ``set_retry``), and only for calls made by the limiter: its other commands retry as
    before. A client without a policy (``Redis.from_url`` does not set one) has no backoff
    already; one with a ``Retry`` subclass of its own is left as it is.
    """
    get_retry, set_retry = getattr(redis, "get_retry", None), getattr(redis, "set_retry", None)
    if not callable(get_retry) or not callable(set_retry):
        return
    from redis.asyncio.retry import Retry

    retry = get_retry()
    if type(retry) is not Retry:  # none, ours already, or the user's own kind: leave it
        return
    gate = object.__new__(_no_backoff_class())  # the same policy, state and all
    gate.__dict__.update(retry.__dict__)
    set_retry(gate)


def _start(call: Awaitable[Any]) -> asyncio.Future[Any]:
    """Run one of the limiter's Redis calls in a task of its own, never with a backoff."""
    token = _LIMITER_CALL.set(True)
    try:  # the task copies the context now; the caller's own context is left as it was
        return asyncio.ensure_future(call)
    finally:
        _LIMITER_CALL.reset(token)


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
    it wait once more). A limit has one key, which expires once the limit is idle: every
    write gives it a time to live of the time until the limit is full again (at most
    ``capacity / rate`` seconds), so an abandoned limit leaves nothing in Redis. Everyone
    sharing a key must use the same ``rate`` and ``capacity``.

    The key is the limiter's own. A string in it that the limiter could not have written (not
    a number, NaN, infinite, or more than two bursts' time ahead of the server's clock) is
    treated as corrupt: the limiter resets it to a fresh limit (so at most one burst of
    ``capacity`` goes at once, and nobody waits longer than one interval for it) and logs a
    warning, once per limiter. A time in the past (or a negative number) is an idle, full
    limit. A key of another Redis type (a hash, a list...) is not the limiter's to overwrite:
    :meth:`acquire` raises :class:`~pumpfun_async.TransportError` naming the type, whatever
    ``on_error`` says, until the key is deleted or another one is chosen.

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
    A refused connection (a killed Redis) is known at once, not after ``timeout``: the
    limiter's own calls are retried once, straight away (to replace a connection the server
    dropped), never with a backoff, even on a client whose retry policy has one (redis-py 6
    and later give ``Redis(host=...)`` one). The limiter changes that policy through
    ``set_retry`` so that only its own calls skip the backoff: the client's other commands
    retry as before.

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
        require("RedisRateLimiter", "redis", "redis", "redis.asyncio")
        from redis import exceptions

        if not isinstance(key, str) or not key:
            raise ValidationError("key", f"expected a non-empty string, got {key!r}")
        check_number(rate, "rate", above=True, unit="tokens per second")
        check_number(capacity, "capacity", low=1)
        if on_error not in ("raise", "local"):
            raise ValidationError("on_error", f"expected 'raise' or 'local', got {on_error!r}")
        check_seconds(timeout, "timeout")
        check_seconds(recheck, "recheck", zero=True)
        if not callable(getattr(redis, "register_script", None)):
            raise ValidationError("redis", "expected a redis.asyncio.Redis client")
        self._redis = redis
        self._key = key
        self._rate = float(rate)
        self._capacity = float(capacity)
        self._interval_us = 1_000_000 / self._rate
        # The longest wait the script can answer (TAT at its horizon), as a guard.
        self._longest_wait_us = math.ceil(self._interval_us * self._capacity * _HORIZON)
        self._warned_corrupt = False
        self._on_error = on_error
        self._sleep = sleep
        _no_backoff_for_the_limiter(redis)
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
        call = _start(
            self._acquire_script(
                keys=[self._key], args=[self._interval_us, self._capacity, _HORIZON]
            )
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
        return self._read(call.result())

    def _read(self, answer: object) -> int:
        """The acquire script's answer as microseconds to wait (0: granted, and taken)."""
        if isinstance(answer, list):  # the key holds another type: ``[type]``
            kind = answer[0] if answer else "value of another type"
            if isinstance(kind, bytes):  # str from a client made with decode_responses=True
                kind = kind.decode(errors="replace")
            raise TransportError(
                f"rate limit {self._key!r}: the Redis key holds a {kind}, not a rate limit; "
                "delete it or choose another key"
            )
        wait_us = int(cast(Any, answer))
        if wait_us < 0:  # granted, after replacing a value the script could not use
            if not self._warned_corrupt:
                self._warned_corrupt = True
                logger.warning(
                    "rate limit %r: the Redis key held a value that is not a rate limit's "
                    "state; it was reset to a fresh limit",
                    self._key,
                )
            return 0
        return min(wait_us, self._longest_wait_us)

    async def _give_back(self, call: asyncio.Future[Any]) -> None:
        """Wait (up to ``timeout``) for an abandoned call's answer; give back a grant."""
        done, _ = await asyncio.wait({call}, timeout=self._timeout)
        if not done:
            call.cancel()
            return
        if call.cancelled() or call.exception() is not None:
            return  # the script failed: nothing was taken
        answer = call.result()
        if isinstance(answer, list) or int(answer) > 0:
            return  # another type in the key, or "wait": nothing was taken
        try:
            await asyncio.wait_for(
                _start(
                    self._refund_script(
                        keys=[self._key], args=[self._interval_us, self._capacity, 1]
                    )
                ),
                self._timeout,
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
