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
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import aiohttp
import attrs
import orjson
from yarl import URL

from ._auth import Credentials
from ._endpoints import LOGIN, Endpoint, RouteGroup
from ._ratelimit import ALL_ROUTES, RateLimiter
from ._repr import robust_repr
from ._responses import decode_response
from ._retry import RetryPolicy
from ._version import __version__
from .errors import (
    APIError,
    AuthenticationError,
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


@robust_repr
@attrs.frozen
class Timeout:
    """How long a request may take.

    Args:
        total: Seconds for the whole request, answer included; ``None`` for no limit.
        connect: Seconds to open a new connection (TCP and TLS); ``None`` for no separate
            limit. A request waiting for a pooled connection is bounded by ``total``.
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
        """The equivalent ``aiohttp.ClientTimeout``.

        ``connect`` maps to aiohttp's ``sock_connect``, which only runs while a new
        connection is opened: aiohttp's ``connect`` would arm one more timer on every
        request, pooled connection or not, which costs a few percent in bulk throughput.
        """
        return aiohttp.ClientTimeout(total=self.total, sock_connect=self.connect)


@attrs.define
class _Shared:
    """What every view of one client shares: session, credentials and per-group pauses."""

    session: aiohttp.ClientSession | None
    owns_session: bool
    credentials: Credentials
    closed: bool = False
    paused_until: dict[RouteGroup, float] = attrs.Factory(dict)


CaptchaSource = Callable[[], Awaitable["str | None"]]

if TYPE_CHECKING:
    from ._wallet import Wallet


class Transport:
    """Sends requests for endpoint descriptions and returns decoded JSON.

    Holds the credentials (the secrets live inside their header maps only), the session,
    the timeout, the rate limiters and the retry policy. Every request goes through
    :meth:`request`.
    """

    __slots__ = (
        "_base_url",
        "_limits",
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
        wallet: Wallet | None = None,
    ) -> None:
        self._base_url = base_url
        self.timeout = timeout
        self._timeout = timeout.to_aiohttp()
        self._retry = retry
        self._limits = dict(limits)
        credentials = Credentials(
            token=token, client_key=client_key, user_agent=USER_AGENT, wallet=wallet
        )
        self._shared = _Shared(session, owns_session=session is None, credentials=credentials)

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

    @property
    def credentials(self) -> Credentials:
        """The token, client key and wallet every view of this client shares."""
        return self._shared.credentials

    async def sign_in(self) -> str:
        """Sign in with the wallet now (one sign-in for concurrent callers); the new token."""
        credentials = self._shared.credentials
        return await credentials.sign_in(self._login, stale=credentials.token)

    async def _login(self, body: dict[str, Any]) -> tuple[Any, Mapping[str, str]]:
        return await self.request(LOGIN, LOGIN.path, body=body, cookies=True)  # type: ignore[no-any-return]

    def _session(self) -> aiohttp.ClientSession:
        shared = self._shared
        if shared.closed:
            raise ClientClosedError(
                "this client has been closed; create a new AsyncPumpFunClient to send requests"
            )
        session = shared.session
        if session is None:
            # No cookie jar: a sign-in's Set-Cookie must not ride along on later requests,
            # which carry the token as the docs show, in the Authorization header.
            session = shared.session = aiohttp.ClientSession(
                timeout=self._timeout, cookie_jar=aiohttp.DummyCookieJar()
            )
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
        cookies: bool = False,
    ) -> Any:
        """Send a request, with rate limiting and retries, and return the decoded JSON body.

        ``captcha`` is asked for a token before every attempt (tokens are single-use); the
        endpoint description says whether it goes in the query or the body. With
        ``cookies``, the answer is ``(json, {cookie name: value})``.

        With a wallet, the client signs in first when it has no token or the token is about
        to expire, and once more after a 401 (then repeats the request, outside the retry
        budget).

        The attempt is written out here rather than in a helper coroutine: every coroutine
        between the caller and aiohttp is resumed at each suspension, which showed in the
        throughput benchmark.
        """
        method = endpoint.method
        credentials = self._shared.credentials
        signs_in = credentials.wallet is not None and endpoint is not LOGIN
        signed_in_again = False
        retry = 0
        shared = self._shared
        while True:
            session = shared.session
            if session is None or session.closed or shared.closed:
                session = self._session()
            token_used = None
            if signs_in:
                if credentials.needs_sign_in():
                    await credentials.sign_in(self._login, stale=credentials.token)
                token_used = credentials.token
            headers = credentials.headers_for(endpoint)
            if self._limits or shared.paused_until:
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
                        set_cookies = response.cookies if cookies else None
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
                decoded = decode_response(status, response_headers, raw, method=method, path=path)
                if set_cookies is not None:
                    return decoded, {name: morsel.value for name, morsel in set_cookies.items()}
                return decoded
            except PumpFunError as error:
                if signs_in and not signed_in_again and isinstance(error, AuthenticationError):
                    signed_in_again = True
                    logger.info("%s %s answered 401; signing in again", method, path)
                    await credentials.sign_in(self._login, stale=token_used)
                    continue
                wait = self._backoff(error, endpoint, path, retry)
                if wait is None:
                    raise
                retry += 1
                await asyncio.sleep(wait)

    def _backoff(
        self, error: PumpFunError, endpoint: Endpoint, path: str, retry: int
    ) -> float | None:
        """Seconds to wait before retrying after ``error``, or ``None`` to give up."""
        policy = self._retry
        if retry >= policy.max_retries or not policy.should_retry(
            error, idempotent=endpoint.idempotent
        ):
            return None
        wait = policy.delay(retry, error)
        if wait is None:
            return None
        if isinstance(error, RateLimitError):
            self._pause(endpoint.group, wait)
        logger.info(
            "retrying %s %s (retry %d of %d) in %.2f s after %s",
            endpoint.method,
            path,
            retry + 1,
            policy.max_retries,
            wait,
            _reason(error),
        )
        return wait

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
