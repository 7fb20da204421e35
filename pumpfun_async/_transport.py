"""The one request path: session, headers, network errors, decoding, logging.

Everything bound to an event loop (the aiohttp session) lives here, created on first use
inside the running loop.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import sys
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import aiohttp
import attrs
import orjson
from yarl import URL

from ._auth import Credentials
from ._captcha import CaptchaSource, add_captcha
from ._conditional import NOT_MODIFIED, Conditional
from ._endpoints import LOGIN, Endpoint, RouteGroup
from ._instruments import EVENT_NAMES, INSTRUMENTS, EventHook
from ._log import logger
from ._options import DEFAULT, DEFAULT_MAX_RESPONSE_BYTES, Timeout, _Default
from ._pacing import NO_TICKET, Pacer, ServerRateLimit, Ticket
from ._proxy import DIRECT, Proxy, open_socks_session, proxy_failure, proxy_refusal
from ._ratelimit import ALL_ROUTES, RateLimiter
from ._raw import CAPTURE
from ._responses import decode_response
from ._retry import RetryPolicy
from ._secrets import forget_secrets
from ._version import __version__
from .errors import (
    APIError,
    AuthenticationError,
    ClientClosedError,
    ConnectError,
    PumpFunError,
    RateLimitError,
    RequestTimeoutError,
    ResponseTooLargeError,
    TransportError,
)

__all__ = ["USER_AGENT", "Transport"]

# Bodies up to this size with a Content-Length and no Content-Encoding are read by aiohttp
# in one go (the common case: likes answer with nothing, pages with a few kB). Larger or
# unsized ones are read chunk by chunk into one buffer, so the peak stays near the limit.
_READ_AT_ONCE = 1024 * 1024

USER_AGENT = f"pumpfun-async/{__version__}"
# aiohttp labels an empty POST "application/octet-stream"; the API's bodiless POSTs
# (like, follow) go without a Content-Type, as in the docs.
_NO_CONTENT_TYPE = ("Content-Type",)


@attrs.define
class _Shared:
    """What every view of one client shares: session, credentials, per-group pauses, pacer.

    ``busy`` holds the tasks inside :meth:`Transport.request`, so that :meth:`Transport.aclose`
    can interrupt them wherever they wait; ``interrupted`` those it cancelled and whose
    cancellation has not yet been turned into a :class:`ClientClosedError`.
    """

    session: aiohttp.ClientSession | None
    owns_session: bool
    credentials: Credentials
    closed: bool = False
    paused_until: dict[RouteGroup, float] = attrs.Factory(dict)
    busy: set[asyncio.Task[Any]] = attrs.Factory(set)
    interrupted: set[asyncio.Task[Any]] = attrs.Factory(set)
    closing: asyncio.Future[None] | None = None
    socks_sessions: dict[Proxy, aiohttp.ClientSession] = attrs.Factory(dict)
    pacer: Pacer = attrs.Factory(Pacer)


_CLOSED_WHILE_BUSY = (
    "this client was closed while the call was in progress; "
    "create a new AsyncPumpFunClient to send requests"
)
# The message aclose() cancels with: on Python 3.10, which has no Task.uncancel(), it is
# how a cancellation from aclose() is told apart from the caller's own.
_CLOSING = "pumpfun_async: the client is closing"


if TYPE_CHECKING:
    from ._hooks import Call, Hooks
    from ._wallet import Wallet


class Transport:
    """Sends requests for endpoint descriptions and returns decoded JSON.

    Holds the credentials (the secrets live inside their header maps only), the session,
    the timeout, the rate limiters and the retry policy. Every request goes through
    :meth:`request`.
    """

    __slots__ = (
        "_base_url",
        "_hooks",
        "_limits",
        "_max_bytes",
        "_proxy",
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
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        proxy: Proxy = DIRECT,
        hooks: Hooks | None = None,
    ) -> None:
        self._base_url = base_url
        self._proxy = proxy
        self._hooks = hooks
        self._max_bytes = max_response_bytes
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
        max_response_bytes: int | None = None,
        proxy: Proxy | None = None,
        hooks: Hooks | _Default | None = DEFAULT,
    ) -> Transport:
        """A view with other options that shares this one's session, pauses and secrets."""
        view = copy.copy(self)
        if proxy is not None:
            view._proxy = proxy
        if max_response_bytes is not None:
            view._max_bytes = max_response_bytes
        if timeout is not None:
            view.timeout = timeout
            view._timeout = timeout.to_aiohttp()
        if retry is not None:
            view._retry = retry
        if limits is not None:
            view._limits = dict(limits)
        if not isinstance(hooks, _Default):
            view._hooks = hooks
        return view

    @property
    def retry(self) -> RetryPolicy:
        """The retry policy."""
        return self._retry

    @property
    def event_hooks(self) -> dict[str, list[EventHook]]:
        """The event hooks, by event name."""
        if self._hooks is None:
            return {name: [] for name in EVENT_NAMES}
        return self._hooks.as_dict()

    @property
    def max_response_bytes(self) -> int:
        """The largest response body read, in bytes."""
        return self._max_bytes

    @property
    def limits(self) -> Mapping[str, RateLimiter]:
        """The rate limiters, by route group value (and ``"all"``)."""
        return self._limits

    @property
    def proxy(self) -> Proxy:
        """The proxy requests go through (:data:`~pumpfun_async._proxy.DIRECT` for none)."""
        return self._proxy

    @property
    def owns_session(self) -> bool:
        """Whether the session is the client's own (not one it was given)."""
        return self._shared.owns_session

    @property
    def server_rate_limits(self) -> dict[str, ServerRateLimit]:
        """The server's last known ``x-ratelimit-*`` numbers, by route group value."""
        return self._shared.pacer.numbers()

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
        cookies: dict[str, str] = {}
        data = await self.request(LOGIN, LOGIN.path, body=body, set_cookies=cookies)
        return data, cookies

    def _session(self) -> aiohttp.ClientSession:
        shared = self._shared
        if shared.closed:
            raise ClientClosedError(
                "this client has been closed; create a new AsyncPumpFunClient to send requests"
            )
        if self._proxy.socks:  # a connector of its own: one session per SOCKS proxy
            session = shared.socks_sessions.get(self._proxy)
            if session is None:
                session = open_socks_session(self._proxy, self._timeout)
                shared.socks_sessions[self._proxy] = session
            return session
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

    async def request(  # noqa: PLR0912, PLR0915 - one frame on purpose, as the docstring says
        self,
        endpoint: Endpoint,
        path: str,
        *,
        query: str | None = None,
        body: dict[str, Any] | None = None,
        captcha: CaptchaSource | None = None,
        set_cookies: dict[str, str] | None = None,
        conditional: Conditional | None = None,
    ) -> Any:
        """Send a request, with rate limiting and retries, and return the decoded JSON body.

        ``captcha`` is asked for a token before every attempt (tokens are single-use); the
        endpoint description says whether it goes in the query or the body. A
        ``set_cookies`` dict is filled with the cookies the answer sets (the sign-in's token
        comes that way). A ``conditional`` sends its ETag as ``If-None-Match`` and keeps the
        ETag of a successful answer; a ``304`` then returns :data:`NOT_MODIFIED`.

        With a wallet, the client signs in first when it has no token or the token is about
        to expire, and once more after a 401 (then repeats the request, outside the retry
        budget).

        The calling task is known to the client while the call runs, so that :meth:`aclose`
        can cancel it wherever it waits (rate limiter, 429 pause, pacing by the server's
        ``x-ratelimit-*`` numbers, retry backoff, sign-in, captcha provider, connection
        pool, socket). That cancellation, and any failure of a
        call the client was closed under, surfaces as :class:`ClientClosedError`; the
        caller's own cancellation stays a ``CancelledError``.

        The attempt is written out here rather than in a helper coroutine: every coroutine
        between the caller and aiohttp is resumed at each suspension, which showed in the
        throughput benchmark.
        """
        method = endpoint.method
        shared = self._shared
        # Followed for event hooks and instruments only when there are any: else no cost.
        hooks = self._hooks
        observer = (
            _observe(hooks, endpoint, self._base_url) if hooks is not None or INSTRUMENTS else None
        )
        task = self._enter()
        credentials = shared.credentials
        signs_in = credentials.wallet is not None and endpoint is not LOGIN
        signed_in_again = False
        retry = 0
        raw = CAPTURE.get()  # a with_raw_response call: keep the answer's bytes and timing
        # Locals that may hold a secret (token, client key, captcha token, the sign-in's
        # answer): bound up front so that a failure can drop every one of them.
        token_used: str | None = None
        headers: Mapping[str, str] | None = None
        url: URL | None = None
        data: bytes | None = None
        response: aiohttp.ClientResponse | None = None
        content: bytes | bytearray | None = None
        answer: Any = None
        ticket: Ticket = NO_TICKET
        try:
            while True:
                session = self._session()
                token_used = await self._signed_in_token() if signs_in else None
                headers = credentials.headers_for(endpoint)
                headers = headers if conditional is None else conditional.headers(headers)
                if self._limits or shared.paused_until:
                    turn = self._wait_turn(endpoint.group)
                    await (turn if observer is None else observer.waited(turn))
                ticket = shared.pacer.take(endpoint.group) or await self._paced(
                    endpoint.group, observer
                )
                url, data = (
                    self._encode(path, query, body)
                    if captcha is None
                    else self._encode(path, *await add_captcha(endpoint, captcha, query, body))
                )
                if observer is not None:
                    await observer.request()
                timed = raw is not None or logger.isEnabledFor(logging.DEBUG)
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
                            proxy=self._proxy.http_url,
                        ) as response:
                            ticket.answered(response.headers)
                            content = (
                                await response.read()
                                if _small(response, self._max_bytes)
                                else await _read_bounded(response, self._max_bytes, method, path)
                            )
                    except (aiohttp.ClientError, OSError, asyncio.TimeoutError) as exc:
                        raise (
                            proxy_failure(exc, self._proxy, method, path)
                            or _network_error(exc, method, path, url)
                        ) from exc
                    elapsed = time.perf_counter() - started if timed else 0.0
                    if timed:
                        _log_answer(method, path, response.status, elapsed)
                    if response.status in (401, 407) and (
                        refusal := proxy_refusal(self._proxy, response, method, path)
                    ):
                        raise refusal
                    if conditional is not None and conditional.unchanged(response):
                        answer = NOT_MODIFIED
                    else:
                        answer = decode_response(
                            response.status, response.headers, content, method=method, path=path
                        )
                    if raw is not None and endpoint is not LOGIN:
                        raw.record(endpoint, response, content, elapsed)
                    if set_cookies is not None:
                        set_cookies.update((n, m.value) for n, m in response.cookies.items())
                except PumpFunError as error:
                    ticket.release()
                    if observer is not None:
                        await observer.response(None, error)
                    if signs_in and not signed_in_again and isinstance(error, AuthenticationError):
                        signed_in_again = True
                        await self._sign_in_again(method, path, token_used)
                        continue
                    wait = self._backoff(error, endpoint, path, retry)
                    if wait is None:
                        raise
                    retry += 1
                    if observer is not None:
                        await observer.retry(error, wait)
                    await asyncio.sleep(wait)
                else:
                    # Out of the try: a hook's own failure is never taken for the request's.
                    if observer is not None:
                        await observer.answered(response.status)
                    return answer
        except BaseException as error:
            # Error reporters (Sentry and friends) render the locals of every frame an
            # exception went through: none of this frame's, nor of the finished frames below
            # it, nor of the exceptions it chains, may show a secret.
            ticket.release()
            forget_secrets(error)
            token_used = headers = url = data = response = content = answer = body = None
            closed = self._closed_under(error, task)
            if observer is not None:
                observer.end(closed or error)
            if closed is not None:
                raise closed from None
            raise
        finally:
            self._leave(task)

    async def _paced(self, group: RouteGroup, observer: Call | None) -> Ticket:
        """Wait for the server's numbers to allow a request in ``group``; its ticket.

        Kept out of :meth:`request`: it only runs once the server's window is used up. The
        wait counts as a rate-limit wait for the event hooks.
        """
        tickets: list[Ticket] = []

        async def wait() -> None:
            tickets.append(await self._shared.pacer.wait(group, self._retry.max_retry_after))

        await (wait() if observer is None else observer.waited(wait()))
        return tickets[0]

    def _closed_under(
        self, error: BaseException, task: asyncio.Task[Any] | None
    ) -> ClientClosedError | None:
        """The :class:`ClientClosedError` that ``error`` stands for, if the client closed.

        That is :meth:`aclose`'s own cancellation (not the caller's), or any failure of a
        call the client, or the owner of a given session, closed under it: whatever aiohttp
        made of its closed session means the same to the caller.
        """
        shared = self._shared
        if isinstance(error, asyncio.CancelledError):
            if task is None or task not in shared.interrupted:
                return None
            shared.interrupted.discard(task)
            closing = _closing_cancelled(task, error)
        elif isinstance(error, ClientClosedError) or not isinstance(error, Exception):
            return None
        else:
            session = shared.session
            closing = shared.closed or (session is not None and session.closed)
        return ClientClosedError(_CLOSED_WHILE_BUSY) if closing else None

    def _enter(self) -> asyncio.Task[Any] | None:
        """Note the calling task as busy, for :meth:`aclose` to interrupt; that task."""
        task = asyncio.current_task()
        if task is not None:
            self._shared.busy.add(task)
        return task

    def _leave(self, task: asyncio.Task[Any] | None) -> None:
        """``task``'s call is over: withdraw a close's cancellation it never saw."""
        if task is None:
            return
        shared = self._shared
        shared.busy.discard(task)
        if task in shared.interrupted:
            shared.interrupted.discard(task)
            _uncancel(task)

    def _encode(
        self, path: str, query: str | None, body: dict[str, Any] | None
    ) -> tuple[URL, bytes | None]:
        """The URL and the JSON body of one attempt."""
        url = URL(
            f"{self._base_url}{path}?{query}" if query else self._base_url + path, encoded=True
        )
        return url, orjson.dumps(body) if body is not None else None

    async def _signed_in_token(self) -> str | None:
        """The wallet client's token for the next attempt, signing in first if it is due."""
        credentials = self._shared.credentials
        if credentials.needs_sign_in():
            await credentials.sign_in(self._login, stale=credentials.token)
        return credentials.token

    async def _sign_in_again(self, method: str, path: str, token_used: str | None) -> None:
        """Sign in after a 401, unless another call already replaced ``token_used``."""
        logger.info("%s %s answered 401; signing in again", method, path)
        try:
            await self._shared.credentials.sign_in(self._login, stale=token_used)
        except BaseException:
            token_used = None
            raise

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
        """Refuse further requests, interrupt the calls in progress, close the own session.

        From the moment it is called no request of this client reaches the network: calls
        in progress are cancelled wherever they wait and raise :class:`ClientClosedError`,
        as do later ones. It returns once those calls have unwound (a Redis limiter may
        take up to its ``timeout`` to give back a slot granted meanwhile) and the session
        is closed. Calling it again, or from several tasks at once, waits for the same close.
        """
        shared = self._shared
        if shared.closing is None:
            shared.closed = True
            current = asyncio.current_task()
            interrupted = [task for task in shared.busy if task is not current and not task.done()]
            for task in interrupted:
                shared.interrupted.add(task)
                task.cancel(_CLOSING)
            # A task of its own, so a caller of aclose() that is cancelled does not stop the
            # close half-way for the others.
            shared.closing = asyncio.ensure_future(self._finish_close(interrupted))
        await asyncio.shield(shared.closing)

    async def _finish_close(self, interrupted: list[asyncio.Task[Any]]) -> None:
        if interrupted:
            # asyncio.wait, not gather: the tasks' outcomes stay theirs to retrieve.
            await asyncio.wait(interrupted)
        shared = self._shared
        session, shared.session = shared.session, None
        if session is not None and shared.owns_session:
            await session.close()
        socks, shared.socks_sessions = shared.socks_sessions, {}
        for session in socks.values():
            await session.close()


def _small(response: aiohttp.ClientResponse, limit: int) -> bool:
    """Whether the body is announced small enough to be read by aiohttp in one go."""
    length = response.content_length
    return (
        length is not None
        and length <= _READ_AT_ONCE
        and length <= limit
        and "Content-Encoding" not in response.headers
    )


async def _read_bounded(
    response: aiohttp.ClientResponse, limit: int, method: str, path: str
) -> bytearray:
    """Read a body of at most ``limit`` bytes (after decompression) into one buffer.

    A ``Content-Length`` over the limit fails before anything is read. aiohttp stops reading
    from the socket while its own buffer is full, so memory stays near ``limit`` whatever
    the server sends, an endless body included.

    Raises:
        ResponseTooLargeError: The body passed ``limit``; the connection is closed.
    """
    length = response.content_length
    if length is not None and length > limit and "Content-Encoding" not in response.headers:
        response.close()
        raise _too_large(limit, method, path, f"Content-Length {length}")
    body = bytearray()
    read = response.content.readany
    while chunk := await read():
        body += chunk
        if len(body) > limit:
            response.close()
            raise _too_large(limit, method, path, f"{len(body)} bytes read so far")
    return body


def _too_large(limit: int, method: str, path: str, what: str) -> ResponseTooLargeError:
    return ResponseTooLargeError(
        f"{method} {path}: the answer ({what}) is larger than max_response_bytes={limit}; "
        "raise the limit if such answers are expected",
        limit=limit,
        method=method,
        path=path,
    )


def _closing_cancelled(task: asyncio.Task[Any], cancelled: asyncio.CancelledError) -> bool:
    """Whether ``aclose()``'s cancellation was the only one ``task`` was sent.

    ``task`` has just received a cancellation and ``aclose()`` did cancel it. Any other
    cancellation pending (the caller's own) wins.
    """
    if sys.version_info >= (3, 11):
        return task.uncancel() == 0
    return cancelled.args == (_CLOSING,)  # pragma: no cover - Python 3.10


def _uncancel(task: asyncio.Task[Any]) -> None:
    """Withdraw ``aclose()``'s cancellation of ``task``, which finished without seeing it."""
    if sys.version_info >= (3, 11):
        task.uncancel()


def _network_error(exc: BaseException, method: str, path: str, url: URL) -> TransportError:
    """The typed error for an aiohttp or socket failure (never quoting the query)."""
    query = url.raw_query_string
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


def _describe(exc: BaseException, query: str) -> str:
    """Name an exception for a message, without the query string (it may hold a captcha)."""
    text = f"{type(exc).__name__}: {exc}"
    return text.replace(query, "…") if query else text


def _observe(hooks: Hooks | None, endpoint: Endpoint, base_url: str) -> Call:
    """A call followed for its hooks and instruments (imported only when there are some)."""
    from ._hooks import Call

    return Call(hooks, endpoint, base_url)


def _log_answer(method: str, path: str, status: int, elapsed: float) -> None:
    logger.debug("%s %s -> %d in %.1f ms", method, path, status, elapsed * 1000)
