"""The one request path: session, headers, network errors, decoding, logging.

Everything bound to an event loop (the aiohttp session) lives here, created on first use
inside the running loop.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import math
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import quote

import aiohttp
import attrs
import orjson
from yarl import URL

from ._endpoints import Endpoint, RouteGroup
from ._ratelimit import ALL_ROUTES, RateLimiter
from ._responses import decode_response
from ._retry import RetryPolicy
from ._version import __version__
from .errors import (
    APIError,
    ClientClosedError,
    ConnectError,
    PumpFunError,
    RateLimitError,
    RequestTimeoutError,
    TransportError,
    ValidationError,
)

__all__ = ["USER_AGENT", "Timeout", "Transport", "logger"]

USER_AGENT = f"pumpfun-async/{__version__}"
logger = logging.getLogger("pumpfun_async")
# aiohttp labels an empty POST "application/octet-stream"; the API's bodiless POSTs
# (like, follow) go without a Content-Type, as in the docs.
_NO_CONTENT_TYPE = ("Content-Type",)


@attrs.frozen
class Timeout:
    """How long a request may take.

    Args:
        total: Seconds for the whole request, answer included; ``None`` for no limit.
        connect: Seconds to get a connection (from the pool, or a new one); ``None`` for
            no separate limit.
    """

    total: float | None = 30.0
    connect: float | None = 10.0

    def __attrs_post_init__(self) -> None:
        for name in ("total", "connect"):
            value = getattr(self, name)
            if value is not None and (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or not 0 < value < math.inf
            ):
                raise ValidationError("timeout", f"{name} must be a positive number, got {value!r}")

    @classmethod
    def coerce(cls, value: float | Timeout | None) -> Timeout:
        """A ``Timeout`` from what ``timeout=`` takes: seconds in total, a ``Timeout``, or None."""
        if isinstance(value, Timeout):
            return value
        if value is None:
            return cls(None, None)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
            raise ValidationError(
                "timeout", f"expected a positive number of seconds or a Timeout, got {value!r}"
            )
        return cls(total=value, connect=min(value, 10.0) if math.isfinite(value) else None)

    def to_aiohttp(self) -> aiohttp.ClientTimeout:
        """The equivalent ``aiohttp.ClientTimeout``."""
        return aiohttp.ClientTimeout(total=self.total, connect=self.connect)


@attrs.define
class _Shared:
    """What every view of one client shares: the session and the per-group pauses."""

    session: aiohttp.ClientSession | None
    owns_session: bool
    closed: bool = False
    paused_until: dict[RouteGroup, float] = attrs.Factory(dict)


CaptchaSource = Callable[[], Awaitable["str | None"]]


class Transport:
    """Sends requests for endpoint descriptions and returns decoded JSON.

    Holds the secrets (inside prebuilt header maps only), the session, the timeout, the
    rate limiters and the retry policy. Every request goes through :meth:`request`.
    """

    __slots__ = (
        "_base_url",
        "_body_headers",
        "_key_headers",
        "_limits",
        "_plain_headers",
        "_retry",
        "_shared",
        "_timeout",
        "timeout",
    )

    def __init__(
        self,
        *,
        base_url: str,
        token: str | None,
        client_key: str | None,
        timeout: Timeout,
        retry: RetryPolicy,
        limits: Mapping[str, RateLimiter],
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        self._base_url = base_url
        self.timeout = timeout
        self._timeout = timeout.to_aiohttp()
        self._retry = retry
        self._limits = dict(limits)
        self._shared = _Shared(session, owns_session=session is None)
        plain = {"Accept": "application/json", "User-Agent": USER_AGENT}
        if token:
            plain["Authorization"] = f"Bearer {token}"
        self._plain_headers = plain
        self._body_headers = {**plain, "Content-Type": "application/json"}
        self._key_headers = (
            {**self._body_headers, "x-client-key": client_key} if client_key else None
        )

    def derive(
        self,
        *,
        timeout: Timeout | None = None,
        retry: RetryPolicy | None = None,
        limits: Mapping[str, RateLimiter] | None = None,
    ) -> Transport:
        """A view with other options that shares this one's session, pauses and secrets."""
        view = copy.copy(self)
        if timeout is not None:
            view.timeout = timeout
            view._timeout = timeout.to_aiohttp()
        if retry is not None:
            view._retry = retry
        if limits is not None:
            view._limits = dict(limits)
        return view

    @property
    def retry(self) -> RetryPolicy:
        """The retry policy."""
        return self._retry

    @property
    def limits(self) -> Mapping[str, RateLimiter]:
        """The rate limiters, by route group value (and ``"all"``)."""
        return self._limits

    @property
    def closed(self) -> bool:
        """Whether :meth:`aclose` was called."""
        return self._shared.closed

    def _session(self) -> aiohttp.ClientSession:
        shared = self._shared
        if shared.closed:
            raise ClientClosedError(
                "this client has been closed; create a new AsyncPumpFunClient to send requests"
            )
        session = shared.session
        if session is None:
            session = shared.session = aiohttp.ClientSession(timeout=self._timeout)
        elif session.closed:
            raise ClientClosedError("the aiohttp session given to this client has been closed")
        return session

    async def request(
        self,
        endpoint: Endpoint,
        path: str,
        *,
        query: str | None = None,
        body: dict[str, Any] | None = None,
        captcha: CaptchaSource | None = None,
    ) -> Any:
        """Send a request, with rate limiting and retries, and return the decoded JSON body.

        ``captcha`` is asked for a token before every attempt (tokens are single-use); the
        endpoint description says whether it goes in the query or the body.

        The attempt is written out here rather than in a helper coroutine: every coroutine
        between the caller and aiohttp is resumed at each suspension, which showed in the
        throughput benchmark.
        """
        method = endpoint.method
        headers = self._headers_for(endpoint)
        retry = 0
        while True:
            session = self._session()
            if self._limits or self._shared.paused_until:
                await self._wait_turn(endpoint.group)
            attempt_query, attempt_body = query, body
            if captcha is not None:
                attempt_query, attempt_body = await _add_captcha(endpoint, captcha, query, body)
            url = URL(
                f"{self._base_url}{path}?{attempt_query}"
                if attempt_query
                else self._base_url + path,
                encoded=True,
            )
            data = orjson.dumps(attempt_body) if attempt_body is not None else None
            timed = logger.isEnabledFor(logging.DEBUG)
            started = time.perf_counter() if timed else 0.0
            try:
                try:
                    async with session.request(
                        method,
                        url,
                        data=data,
                        headers=headers,
                        timeout=self._timeout,
                        allow_redirects=False,
                        skip_auto_headers=None if data is not None else _NO_CONTENT_TYPE,
                    ) as response:
                        status = response.status
                        raw = await response.read()
                        response_headers = response.headers
                except (aiohttp.ClientError, OSError, asyncio.TimeoutError) as exc:
                    raise _network_error(exc, method, path, attempt_query) from exc
                if timed:
                    logger.debug(
                        "%s %s -> %d in %.1f ms",
                        method,
                        path,
                        status,
                        (time.perf_counter() - started) * 1000,
                    )
                return decode_response(status, response_headers, raw, method=method, path=path)
            except PumpFunError as error:
                policy = self._retry
                if retry >= policy.max_retries or not policy.should_retry(
                    error, idempotent=endpoint.idempotent
                ):
                    raise
                wait = policy.delay(retry, error)
                if wait is None:
                    raise
                retry += 1
                if isinstance(error, RateLimitError):
                    self._pause(endpoint.group, wait)
                logger.info(
                    "retrying %s %s (retry %d of %d) in %.2f s after %s",
                    method,
                    path,
                    retry,
                    policy.max_retries,
                    wait,
                    _reason(error),
                )
                await asyncio.sleep(wait)

    def _headers_for(self, endpoint: Endpoint) -> Mapping[str, str]:
        if endpoint.client_key:
            if self._key_headers is None:  # the client checks first; this guards direct use
                raise ValidationError("client_key", "this endpoint needs a client key")
            return self._key_headers
        return self._body_headers if endpoint.has_body else self._plain_headers

    def _pause(self, group: RouteGroup, seconds: float) -> None:
        until = time.monotonic() + seconds
        paused = self._shared.paused_until
        if paused.get(group, 0.0) < until:
            paused[group] = until

    async def _wait_turn(self, group: RouteGroup) -> None:
        until = self._shared.paused_until.get(group)
        if until is not None:
            wait = until - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
        limits = self._limits
        if limits:
            limiter = limits.get(group.value)
            if limiter is not None:
                await limiter.acquire()
            limiter = limits.get(ALL_ROUTES)
            if limiter is not None:
                await limiter.acquire()

    async def aclose(self) -> None:
        """Close the session if this client opened it; further requests are refused."""
        shared = self._shared
        shared.closed = True
        session, shared.session = shared.session, None
        if session is not None and shared.owns_session:
            await session.close()


async def _add_captcha(
    endpoint: Endpoint, captcha: CaptchaSource, query: str | None, body: dict[str, Any] | None
) -> tuple[str | None, dict[str, Any] | None]:
    """The query and body of one attempt, with a fresh captcha token where the API wants it."""
    token = await captcha()
    if token is None:
        return query, body
    if endpoint.captcha == "query":
        pair = f"captchaToken={quote(token, safe='')}"
        return (f"{query}&{pair}" if query else pair), body
    return query, {**(body or {}), "captchaToken": token}


def _network_error(exc: BaseException, method: str, path: str, query: str | None) -> TransportError:
    """The typed error for an aiohttp or socket failure (never quoting the query)."""
    if isinstance(exc, aiohttp.ClientConnectorError):
        return ConnectError(
            f"could not connect for {method} {path}: {_describe(exc.os_error, query)}",
            method=method,
            path=path,
        )
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return ConnectError(f"timed out connecting for {method} {path}", method=method, path=path)
    if isinstance(exc, asyncio.TimeoutError):
        return RequestTimeoutError(
            f"{method} {path} got no complete answer within the timeout",
            method=method,
            path=path,
        )
    return TransportError(
        f"{method} {path} failed on the network: {_describe(exc, query)}",
        method=method,
        path=path,
    )


def _reason(error: PumpFunError) -> str:
    if isinstance(error, APIError):
        return f"HTTP {error.status}"
    return type(error).__name__


def _describe(exc: BaseException, query: str | None) -> str:
    """Name an exception for a message, without the query string (it may hold a captcha)."""
    text = f"{type(exc).__name__}: {exc}"
    return text.replace(query, "…") if query else text
