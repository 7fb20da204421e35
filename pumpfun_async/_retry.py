"""When to retry a failed request, and how long to wait first."""

from __future__ import annotations

import random
from collections.abc import Callable
from types import TracebackType

import attrs

from ._repr import robust_repr
from ._validate import check_bool, check_int, check_seconds
from .errors import (
    ConnectError,
    ProxyError,
    PumpFunError,
    RateLimitError,
    ResponseTooLargeError,
    ServerError,
    TransportError,
)

__all__ = ["RetryPolicy", "is_testing", "set_testing"]

_RETRY_STATUSES = frozenset({502, 503, 504})


class _Switch:
    """The testing switch: one for the process, as stamina's.

    It is read on every retry, so flipping it affects the clients that already exist too.
    """

    __slots__ = ("on",)

    def __init__(self) -> None:
        self.on = False


_testing = _Switch()


class _RestoreTesting:
    """What :func:`set_testing` returns: leaving its ``with`` block restores the old value."""

    __slots__ = ("_previous",)

    def __init__(self, previous: bool) -> None:
        self._previous = previous

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        _testing.on = self._previous

    def __repr__(self) -> str:
        return f"<set_testing context, restores testing={self._previous}>"


def set_testing(on: bool = True) -> _RestoreTesting:
    """Turn retry waits off (or back on) for every client, for your own test suite.

    While testing is on, a client retries exactly as it otherwise would (the same errors,
    the same number of times, a ``Retry-After`` beyond ``max_retry_after`` still failing at
    once) but waits 0 seconds before each retry: no backoff and no ``Retry-After`` wait,
    hence no 429 pause of the route group either. A server that limits by the clock (the
    emulator's ``set_rate_limit``) may then answer the quick retry with another 429.

    It takes effect at once, for clients that exist already too. Call it once (in a
    ``conftest.py``), or use it as a context manager to restore the previous value on
    leaving the block::

        with set_testing():
            await client.like(mint)  # a 503 is retried without waiting

    The emulator's :meth:`~pumpfun_async.testing.Emulator.client` does not need it: the
    clients it makes have no backoff of their own (see there).

    Args:
        on: ``True`` turns waiting off; ``False`` turns it back on.

    Returns:
        An object that, used in a ``with`` statement, restores the previous value on exit
        (ignore it otherwise).

    Raises:
        ValidationError: ``on`` is not a bool.
    """
    check_bool(on, "on")
    previous, _testing.on = _testing.on, on
    return _RestoreTesting(previous)


def is_testing() -> bool:
    """Whether :func:`set_testing` has turned retry waits off."""
    return _testing.on


def _non_negative(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    check_seconds(value, attribute.name, zero=True)


def _retries(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    check_int(value, attribute.name, low=0)


@robust_repr
@attrs.frozen
class RetryPolicy:
    """How a client retries failed requests.

    What is retried:

    * a connection that could not be opened (:class:`~pumpfun_async.ConnectError`), a
      proxy that could not be reached or could not reach the API
      (:class:`~pumpfun_async.ProxyError` with ``refused`` false) and a 429
      (:class:`~pumpfun_async.RateLimitError`), for every operation: the server surely
      did not act on the request;
    * timeouts, dropped connections and 502/503/504 answers, for idempotent operations only
      (every GET and DELETE, likes, follows, bookmark changes and report updates). Creating
      a reply or a report is never repeated after the request may have reached the server,
      so a reply is never posted twice.

    An answer larger than the client's ``max_response_bytes``
    (:class:`~pumpfun_async.ResponseTooLargeError`) and a proxy's refusal (a 407, a failed
    SOCKS authentication: :class:`~pumpfun_async.ProxyError` with ``refused`` true) are
    never retried: they would come again.

    Waits use exponential backoff with full jitter: before retry ``n`` (from 0) the wait is
    uniform in ``[0, min(max_backoff, initial_backoff * 2**n)]``. A 429 with ``Retry-After``
    waits what the server asked instead; if that is more than ``max_retry_after``, the call
    fails at once with the :class:`~pumpfun_async.RateLimitError` rather than sleeping.

    Args:
        max_retries: Retries after the first attempt; 0 turns retrying off.
        initial_backoff: The backoff scale in seconds.
        max_backoff: The cap on any one backoff wait, in seconds.
        max_retry_after: The longest ``Retry-After`` honoured, in seconds.
    """

    max_retries: int = attrs.field(default=3, validator=_retries)
    initial_backoff: float = attrs.field(default=0.5, validator=_non_negative)
    max_backoff: float = attrs.field(default=30.0, validator=_non_negative)
    max_retry_after: float = attrs.field(default=120.0, validator=_non_negative)

    def should_retry(self, error: PumpFunError, *, idempotent: bool) -> bool:
        """Whether ``error`` may be retried for an operation of that kind."""
        if isinstance(error, (ConnectError, RateLimitError)):
            return True
        if isinstance(error, ProxyError):
            return not error.refused
        if not idempotent:
            return False
        if isinstance(error, TransportError):
            return not isinstance(error, ResponseTooLargeError)
        return isinstance(error, ServerError) and error.status in _RETRY_STATUSES

    def backoff(self, retry: int, *, rng: Callable[[], float] = random.random) -> float:
        """The jittered wait before retry number ``retry`` (0 for the first retry)."""
        ceiling = min(self.max_backoff, self.initial_backoff * 2.0 ** min(retry, 64))
        return rng() * ceiling

    def delay(
        self, retry: int, error: PumpFunError, *, rng: Callable[[], float] = random.random
    ) -> float | None:
        """Seconds to wait before retrying after ``error``, or ``None`` to give up now.

        ``None`` means a ``Retry-After`` longer than :attr:`max_retry_after`. While
        :func:`~pumpfun_async.testing.set_testing` is on, every other answer is ``0.0``.
        """
        if isinstance(error, RateLimitError) and error.retry_after is not None:
            if error.retry_after > self.max_retry_after:
                return None
            return 0.0 if _testing.on else error.retry_after
        return 0.0 if _testing.on else self.backoff(retry, rng=rng)
