"""When to retry a failed request, and how long to wait first."""

from __future__ import annotations

import random
from collections.abc import Callable

import attrs

from ._repr import robust_repr
from ._validate import check_int, check_seconds
from .errors import (
    ConnectError,
    PumpFunError,
    RateLimitError,
    ResponseTooLargeError,
    ServerError,
    TransportError,
)

__all__ = ["RetryPolicy"]

_RETRY_STATUSES = frozenset({502, 503, 504})


def _non_negative(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    check_seconds(value, attribute.name, zero=True)


def _retries(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    check_int(value, attribute.name, low=0)


@robust_repr
@attrs.frozen
class RetryPolicy:
    """How a client retries failed requests.

    What is retried:

    * a connection that could not be opened (:class:`~pumpfun_async.ConnectError`) and a
      429 (:class:`~pumpfun_async.RateLimitError`), for every operation: the server surely
      did not act on the request;
    * timeouts, dropped connections and 502/503/504 answers, for idempotent operations only
      (every GET and DELETE, likes, follows, bookmark changes and report updates). Creating
      a reply or a report is never repeated after the request may have reached the server,
      so a reply is never posted twice.

    An answer larger than the client's ``max_response_bytes``
    (:class:`~pumpfun_async.ResponseTooLargeError`) is never retried: it would come again.

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

        ``None`` means a ``Retry-After`` longer than :attr:`max_retry_after`.
        """
        if isinstance(error, RateLimitError) and error.retry_after is not None:
            if error.retry_after > self.max_retry_after:
                return None
            return error.retry_after
        return self.backoff(retry, rng=rng)
