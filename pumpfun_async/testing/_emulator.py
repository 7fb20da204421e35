"""The emulator: an aiohttp application that answers the API operations like pump.fun.

This module is the server itself: starting and stopping, the request path (request log,
scripted faults, rate limits, authentication, dispatch) and the control API. The
operations are answered by :mod:`._handlers`, the wallet sign-in (``POST /auth/login``) by
:mod:`._signin`, and both work on the world kept in :mod:`._state`.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import math
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Collection, Iterable, Iterator, Mapping, Sequence
from types import TracebackType
from typing import Any, Literal, SupportsIndex, TypeVar, overload

import attrs
import orjson
from aiohttp import web

from pumpfun_async._client import AsyncPumpFunClient
from pumpfun_async._endpoints import ENDPOINTS, LOGIN, Endpoint, RouteGroup
from pumpfun_async._repr import robust_repr
from pumpfun_async._retry import RetryPolicy
from pumpfun_async._secrets import SECRET_HEADERS

from ._activity import OTHER_USER, conditional_answer, other_reply, other_report, read_activity
from ._faults import BLOCK_PAGE, CHALLENGE_PAGE, THROTTLED_BODY, Fault, FaultRule, RateLimit
from ._handlers import HANDLERS, Call
from ._signin import IssuedToken, TokenIssuer, check_token_settings
from ._state import EmulatorState, NestError, check_coin, check_user, json_body

__all__ = [
    "CONTROL_PREFIX",
    "DEFAULT_MAX_BODY_BYTES",
    "DEFAULT_MAX_LOGGED_REQUESTS",
    "Emulator",
    "RecordedRequest",
    "RequestLog",
]

CONTROL_PREFIX = "/_emulator"
"""Where the emulator's own control API lives (faults, rate limits, coins, requests)."""

DEFAULT_MAX_LOGGED_REQUESTS = 10_000
"""How many requests :attr:`Emulator.requests` keeps by default (the newest ones)."""

DEFAULT_MAX_BODY_BYTES = 1024 * 1024
"""The largest request body the emulator reads by default (1 MiB); a larger one gets 413."""

_EmulatorT = TypeVar("_EmulatorT", bound="Emulator")

_ROUTES: dict[str, Endpoint] = {**ENDPOINTS, LOGIN.name: LOGIN}
"""Every route the emulator serves besides its control API: the operations and sign-in."""


def _redacted(values: dict[str, str], secret: Collection[str]) -> str:
    """A dict's repr with the values of secret keys (compared in lower case) hidden."""
    return repr({k: "<redacted>" if k.lower() in secret else v for k, v in values.items()})


@robust_repr
@attrs.define
class RecordedRequest:
    """A request the emulator received.

    Attributes:
        method: The HTTP method.
        path: The raw path, percent-encoding kept, without the query string.
        query: The query parameters (the last value of each name).
        headers: The request headers.
        body: The raw body (empty when it was over the emulator's ``max_body_bytes``: such a
            request is answered 413 and its body is not kept).
        endpoint: The operation it matched (an ``ENDPOINTS`` name, or ``"login"`` for
            ``POST /auth/login``), or ``None``.
        status: The status answered, or ``None`` if the connection was dropped.
        received_at: When it arrived, in ``time.monotonic()`` seconds.
        remote: The peer's address (a proxy's, for requests that came through one).
    """

    method: str
    path: str
    query: dict[str, str] = attrs.field(repr=lambda q: _redacted(q, {"captchatoken"}))
    headers: dict[str, str] = attrs.field(repr=lambda h: _redacted(h, SECRET_HEADERS))
    body: bytes = attrs.field(repr=lambda b: f"<{len(b)} bytes>")  # may hold a captcha token
    endpoint: str | None
    status: int | None = None
    received_at: float = attrs.field(factory=time.monotonic)
    remote: str | None = None

    def json(self) -> Any:
        """The body decoded as JSON (``None`` for an empty body)."""
        return orjson.loads(self.body) if self.body else None


class RequestLog(collections.deque[RecordedRequest]):
    """The requests an emulator received, oldest first: a ring buffer.

    A :class:`collections.deque` with a ``maxlen``: once full, each new request pushes out
    the oldest, so a long run keeps at most ``maxlen`` requests (and their bodies) in
    memory. Like the plain list it replaces, it compares equal to a list holding the same
    requests, and a slice of it is a list.
    """

    @overload
    def __getitem__(self, index: SupportsIndex) -> RecordedRequest: ...

    @overload
    def __getitem__(self, index: slice) -> list[RecordedRequest]: ...

    def __getitem__(self, index: SupportsIndex | slice) -> RecordedRequest | list[RecordedRequest]:
        """One request by position, or a list of those in a slice."""
        if isinstance(index, slice):
            return list(self)[index]
        return super().__getitem__(index)

    def __eq__(self, other: object) -> bool:
        """Equal to a deque or a list with the same requests in the same order."""
        if isinstance(other, list):
            return list(self) == other
        return super().__eq__(other)

    __hash__ = None  # mutable: unhashable, as deque and list are


class Emulator:
    """A local pump.fun API on loopback, with in-memory state, limits and scripted faults.

    Start it in the running event loop::

        async with Emulator() as emu:
            async with emu.client() as client:
                await client.like(DOCS_MINT)
            assert emu.requests[0].endpoint == "like"

    or, from synchronous code, on a thread of its own with :meth:`run_in_thread`.

    Every endpoint takes a bearer token (``Authorization: Bearer`` or the ``auth_token``
    cookie). Any plain text is a token: the same text is the same user (see
    :func:`user_id_for`). A JWT must be one the emulator issued at ``POST /auth/login``
    (wallet sign-in), not yet expired by ``wall_clock`` nor revoked with
    :meth:`revoke_tokens`; its user is the wallet address. Any other JWT gets a 401.

    Its control API, under ``/_emulator/``, does over HTTP what the methods do:
    ``POST faults`` (``{"route", "fault", "times"}``), ``DELETE faults``, ``POST
    rate-limits`` (``{"group", "limit": "N/SECONDS", "retryAfter"}``), ``DELETE
    rate-limits``, ``POST coins`` (a JSON array of coin objects), ``POST users`` (a JSON
    array of user profiles, see :meth:`add_users`), ``GET requests``, ``POST reset``,
    ``POST revoke-tokens``, and ``POST replies`` / ``POST reports`` (another user's
    activity: :meth:`post_reply`, :meth:`post_report`). Reads carry a weak ``ETag``; an
    ``If-None-Match`` naming it gets ``304 Not Modified``. A malformed body, there or on
    the API routes, gets a 4xx NestJS error body (``{"statusCode", "message", "error"}``): 400 for
    bad JSON (NaN, Infinity, lone surrogates, nesting over 1,024 levels) or a wrong-typed
    field, 413 for a body over ``max_body_bytes``.

    Args:
        host: The address to bind; only this address is ever bound (loopback by default).
        port: The port; 0 picks a free one. The URL is in :attr:`url` once started.
        admin_tokens: Bearer tokens allowed to use the admin report endpoints.
        client_key: The ``x-client-key`` that ``reportComment`` requires.
        require_captcha: Whether follows and replies need a (single-use) captcha token.
        state: The world to serve; a fresh :class:`EmulatorState` with the catalogue by default.
        clock: Monotonic seconds, for rate-limit windows (injectable in tests).
        token_lifetime: How long a sign-in token lasts, in seconds (30 days, as pump.fun).
        login_token_in: Where ``POST /auth/login`` puts the token: ``"cookie"`` (pump.fun's
            way: ``Set-Cookie: auth_token=<jwt>; Path=/; HttpOnly; SameSite=Lax``) or
            ``"body"`` (``{"access_token": <jwt>, ...}`` and no cookie).
        wall_clock: Seconds since the Unix epoch, for the sign-in timestamp window and the
            tokens' ``iat``, ``exp`` and expiry (injectable in tests).
        coins: Coin objects to serve besides the catalogue (see :meth:`add_coins` for
            what they hold). Unlike coins added later, they survive :meth:`reset`.
        max_logged_requests: How many requests :attr:`requests` keeps: the newest ones,
            the oldest falling off first (:data:`DEFAULT_MAX_LOGGED_REQUESTS`, 10,000, by
            default; 0 keeps none).
        max_body_bytes: The largest request body the emulator reads, in bytes
            (:data:`DEFAULT_MAX_BODY_BYTES`, 1 MiB, by default); a larger one is answered
            413 with a NestJS error body, and logged without its body.
        rate_limit_headers: Whether an answer in a rate-limited route group (see
            :meth:`set_rate_limit`) carries NestJS's ``x-ratelimit-limit``,
            ``x-ratelimit-remaining`` and ``x-ratelimit-reset`` (whole seconds) headers, as
            pump.fun's do; a 429 carries ``Retry-After`` only, and groups without a limit
            send none. On by default; the attribute of that name can be changed at any time.

    Raises:
        ValueError: ``token_lifetime`` is not a positive number of seconds (at most 100
            years), ``login_token_in`` is neither ``"cookie"`` nor ``"body"``, a coin is
            malformed, ``max_logged_requests`` is not a whole number of 0 or more, or
            ``max_body_bytes`` not one of 1 or more, or ``rate_limit_headers`` is not a bool.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        admin_tokens: Sequence[str] = ("admin-token",),
        client_key: str = "test-client-key",
        require_captcha: bool = True,
        state: EmulatorState | None = None,
        clock: Callable[[], float] = time.monotonic,
        token_lifetime: float = 30 * 24 * 3600,
        login_token_in: Literal["cookie", "body"] = "cookie",
        wall_clock: Callable[[], float] = time.time,
        coins: Iterable[Mapping[str, Any]] = (),
        max_logged_requests: int = DEFAULT_MAX_LOGGED_REQUESTS,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        rate_limit_headers: bool = True,
    ) -> None:
        check_token_settings(token_lifetime, login_token_in)
        if not _whole_number(max_logged_requests, 0):
            raise ValueError(
                f"max_logged_requests must be a whole number of 0 or more, "
                f"not {max_logged_requests!r}"
            )
        if not _whole_number(max_body_bytes, 1):
            raise ValueError(
                f"max_body_bytes must be a whole number of 1 or more, not {max_body_bytes!r}"
            )
        if not isinstance(rate_limit_headers, bool):
            raise ValueError(
                f"rate_limit_headers must be True or False, not {rate_limit_headers!r}"
            )
        self._initial_coins = _check_coins(coins)
        self.host = host
        self.port = port
        self.admin_tokens = frozenset(admin_tokens)
        self.client_key = client_key
        self.require_captcha = require_captcha
        self.rate_limit_headers = rate_limit_headers
        self.state = state if state is not None else EmulatorState()
        self._put_coins(self._initial_coins)
        self.requests = RequestLog(maxlen=max_logged_requests)
        """The requests received (not those of the control API), oldest first; at most
        ``max_logged_requests`` of them. Tests may clear it."""
        self.max_body_bytes = max_body_bytes
        self.token_lifetime = token_lifetime
        self.login_token_in = login_token_in
        self._clock = clock
        self._signin = TokenIssuer(wall_clock)
        self._lock = threading.Lock()
        self._faults: list[FaultRule] = []
        self._limits: dict[RouteGroup, RateLimit] = {}
        self._runner: web.AppRunner | None = None
        self._url: str | None = None

    # ------------------------------------------------------------------ running

    @property
    def url(self) -> str:
        """The base URL to point a client at (``http://127.0.0.1:PORT``)."""
        if self._url is None:
            raise RuntimeError("the emulator is not running; start it first")
        return self._url

    def make_app(self) -> web.Application:
        """The aiohttp application: a route per ``ENDPOINTS`` entry, sign-in, the control API."""
        app = web.Application(middlewares=[self._middleware], client_max_size=self.max_body_bytes)
        for endpoint in ENDPOINTS.values():
            app.router.add_route(endpoint.method, endpoint.path, self._dispatch, name=endpoint.name)
        app.router.add_route(LOGIN.method, LOGIN.path, self._login, name=LOGIN.name)
        control = (
            ("POST", "faults", self._control_add_fault),
            ("DELETE", "faults", _acknowledging(self.clear_faults)),
            ("POST", "rate-limits", self._control_set_rate_limit),
            ("DELETE", "rate-limits", _acknowledging(self.clear_rate_limits)),
            ("GET", "requests", self._control_requests),
            ("POST", "reset", _acknowledging(self.reset)),
            ("POST", "revoke-tokens", self._control_revoke_tokens),
            ("POST", "coins", self._control_add_coins),
            ("POST", "users", self._control_add_users),
            ("POST", "replies", self._control_post_reply),
            ("POST", "reports", self._control_post_report),
        )
        for method, name, handler in control:
            app.router.add_route(method, f"{CONTROL_PREFIX}/{name}", handler)
        return app

    async def start(self) -> None:
        """Bind ``host:port`` and start serving in the running event loop."""
        if self._runner is not None:
            raise RuntimeError("the emulator is already running")
        runner = web.AppRunner(self.make_app(), access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        await site.start()
        self._runner = runner
        port = runner.addresses[0][1]
        host = f"[{self.host}]" if ":" in self.host else self.host
        self._url = f"http://{host}:{port}"

    async def stop(self) -> None:
        """Stop serving and release the port."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
        self._url = None

    async def __aenter__(self: _EmulatorT) -> _EmulatorT:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @contextlib.contextmanager
    def run_in_thread(self: _EmulatorT) -> Iterator[_EmulatorT]:
        """Serve from a background thread with its own event loop, for synchronous code.

        ::

            with Emulator().run_in_thread() as emu:
                requests.post(f"{emu.url}/likes/{DOCS_MINT}", headers=...)
        """
        from anyio.from_thread import start_blocking_portal

        with start_blocking_portal() as portal:
            portal.call(self.start)
            try:
                yield self
            finally:
                portal.call(self.stop)

    def client(
        self, token: str | None = "user-token", *, admin: bool = False, **kwargs: Any
    ) -> AsyncPumpFunClient:
        """An :class:`AsyncPumpFunClient` pointed at this emulator.

        It has the emulator's client key and a captcha provider that hands out fresh
        tokens, so every operation works out of the box, and no client-side rate limit (the
        emulator's own limits are what ``set_rate_limit`` sets; like any client, it paces
        itself by the ``x-ratelimit-*`` headers sent for such a limit). It retries as any client
        does, but without backoff: ``max_retries=n`` (3 by default) becomes a
        :class:`~pumpfun_async.RetryPolicy` with ``initial_backoff=0``, so a test never
        sleeps through one. A ``Retry-After`` the emulator sends is still honoured (its
        rate limits run on the real clock); a ``RetryPolicy`` passed in is used as it is.
        This touches only the clients made here, unlike the process-wide
        :func:`~pumpfun_async.testing.set_testing`. ``admin=True`` uses an admin token;
        ``None`` sends none, for a client that signs in with ``wallet=``. It goes straight
        to the emulator, whatever proxy the environment names (``trust_env=False``), unless
        given ``proxy=`` or ``trust_env=True``. Other keyword arguments go to the client.
        """
        if admin:
            token = sorted(self.admin_tokens)[0]
        retries = kwargs.get("max_retries", 3)
        if isinstance(retries, int) and not isinstance(retries, bool) and retries >= 0:
            kwargs["max_retries"] = RetryPolicy(max_retries=retries, initial_backoff=0.0)
        kwargs.setdefault("client_key", self.client_key)
        kwargs.setdefault("rate_limit", None)
        kwargs.setdefault("captcha", lambda: uuid.uuid4().hex)
        kwargs.setdefault("trust_env", False)  # a developer's HTTP_PROXY is not for loopback
        return AsyncPumpFunClient(token, base_url=self.url, **kwargs)

    # ------------------------------------------------------------------ control

    def add_fault(self, route: str, fault: Fault | str, times: int = 1) -> None:
        """Apply ``fault`` to the next ``times`` requests matching ``route``.

        ``route`` is an endpoint name (``"create_reply"``), ``"*"``, or ``"METHOD /path"``
        with wildcards; ``fault`` a :class:`Fault` or its text form (``"status:503"``).

        Raises:
            ValueError: ``route`` is not a non-empty string, ``fault`` is not a fault (or
                its text names none, or a status outside 100-599, see :class:`Fault`), or
                ``times`` is not a whole number of 1 or more.
        """
        if not isinstance(route, str) or not route.strip():
            raise ValueError(f"route must be a non-empty string, not {route!r:.100}")
        if isinstance(fault, str):
            fault = Fault.parse(fault)
        if not isinstance(fault, Fault):
            raise ValueError(f"fault must be a Fault or its text, not {type(fault).__name__}")
        if not _whole_number(times, 1):
            raise ValueError(f"times must be a whole number of 1 or more, not {times!r:.100}")
        with self._lock:
            self._faults.append(FaultRule(route, fault, times))

    def clear_faults(self) -> None:
        """Forget every scripted fault not yet used."""
        with self._lock:
            self._faults.clear()

    def set_rate_limit(
        self, group: RouteGroup | str, limit: int, window: float = 1.0, *, retry_after: bool = True
    ) -> None:
        """Throttle a route group to ``limit`` requests per ``window`` seconds per client.

        Raises:
            ValueError: ``group`` is not a route group, or the limit is out of range (see
                :class:`RateLimit`).
        """
        rate_limit = RateLimit(limit, window, retry_after)
        with self._lock:
            self._limits[RouteGroup(group)] = rate_limit

    def clear_rate_limits(self) -> None:
        """Remove every rate limit."""
        with self._lock:
            self._limits.clear()

    def requests_for(self, endpoint: str) -> list[RecordedRequest]:
        """The recorded requests (those still in :attr:`requests`) that matched one operation."""
        # A copy first: the emulator may append from its own thread (run_in_thread).
        return [r for r in list(self.requests) if r.endpoint == endpoint]

    def add_coins(self, coins: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Add (or replace, by mint) coins in the current state, for bulk tests.

        Each coin is an object like the API's: ``mint`` (a base58 mint address) is
        required; any field the SDK's :class:`~pumpfun_async.models.Coin` knows must have
        its type (or be ``None``); fields left out get neutral defaults (as
        :meth:`EmulatorState.add_coin`); unknown fields are served as they are. Every coin
        is checked before any is added. :meth:`reset` forgets them: coins given to the
        constructor are the ones that stay. :func:`generated_coins` makes any number.

        Returns:
            The coins as the emulator now serves them.

        Raises:
            ValueError: A coin is malformed (the message names it and the field).
        """
        return self._put_coins(_check_coins(coins))

    def add_users(self, users: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Add (or replace, by address) user profiles in the current state.

        A user otherwise exists only once it has liked, followed, replied or reported. Each
        profile is an object like ``GET /users/{id}`` answers: ``address`` is required (an
        id the SDK accepts); ``username``, ``profile_image``, ``header_image_url``, ``bio``
        and ``x_username`` are strings or ``None``; ``followers`` and ``following`` are
        counted from the follows and may not be given; other fields are served as they are.
        Every profile is checked before any is added; :meth:`reset` forgets them.

        Returns:
            The profiles as the emulator now holds them.

        Raises:
            ValueError: A profile is malformed (the message names it and the field).
        """
        checked = _check_all(users, check_user, "user")
        return [
            self.state.add_user(
                user["address"], **{k: v for k, v in user.items() if k != "address"}
            )
            for user in checked
        ]

    def _put_coins(self, coins: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        return [
            self.state.add_coin(coin["mint"], **{k: v for k, v in coin.items() if k != "mint"})
            for coin in coins
        ]

    def post_reply(self, mint: str, text: str, *, user: str = OTHER_USER) -> dict[str, Any]:
        """Post a reply as another user, as if through the API, for a watcher to see.

        No captcha, no rate limit, and not in :attr:`requests`. Over HTTP: ``POST
        /_emulator/replies`` with ``{"mint", "text", "user"?}``.

        Returns:
            The reply as the API serves it.

        Raises:
            ValueError: An argument is not a non-empty string, or the coin is unknown.
        """
        return other_reply(self.state, mint, text, user)

    def post_report(
        self,
        target_id: str,
        type: str = "other",
        reason: str = "reported",
        *,
        user: str = OTHER_USER,
    ) -> dict[str, Any]:
        """File a pending report as another user, for an admin's watcher to see.

        Over HTTP: ``POST /_emulator/reports`` with ``{"targetId", "type"?, "reason"?,
        "user"?}``.

        Returns:
            The report as the API serves it.

        Raises:
            ValueError: An argument is not a non-empty string, or ``type`` is unknown.
        """
        return other_report(self.state, target_id, type, reason, user)

    @property
    def issued_tokens(self) -> list[IssuedToken]:
        """The sign-in tokens issued since the start (or :meth:`reset`), oldest first.

        Revoked and expired tokens stay in the list; ``issued_tokens[-1].token`` is the
        latest JWT.
        """
        return self._signin.issued

    def revoke_tokens(self) -> int:
        """Reject every sign-in token issued so far (a client must sign in again).

        Returns:
            How many tokens were still live (issued and not yet revoked; expired ones count).
        """
        return self._signin.revoke()

    def reset(self) -> None:
        """Fresh state, no recorded requests, faults or limits; every sign-in token revoked.

        The fresh state has the catalogue and the coins given to the constructor.
        """
        self.state = EmulatorState()
        self._put_coins(self._initial_coins)
        self.requests.clear()
        self.clear_faults()
        self.clear_rate_limits()
        self._signin.forget()

    # ------------------------------------------------------------------ request path

    @web.middleware
    async def _middleware(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        if request.path.startswith(CONTROL_PREFIX + "/"):
            return await self._control(request, handler)
        route = request.match_info.route
        endpoint = route.name if route.name in _ROUTES else None
        too_large = False
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            body, too_large = b"", True
        record = RecordedRequest(
            method=request.method,
            path=request.raw_path.partition("?")[0],
            query=dict(request.query),
            headers=dict(request.headers),
            body=body,
            endpoint=endpoint,
            remote=request.remote,
        )
        self.requests.append(record)
        if too_large:
            refused = _nest(_too_large())
            record.status = refused.status
            return refused
        fault = self._take_fault(endpoint, request.method, record.path)
        response: web.StreamResponse | None = None
        if fault is not None:
            response = await self._apply_fault(fault, request)
            if fault.kind == "drop_before":
                return self._drop(request, record)
        if response is None:
            response = await self._answer(request, handler, endpoint)
        if fault is not None and fault.kind == "drop_after":
            return self._drop(request, record)
        record.status = response.status
        return response

    async def _answer(
        self,
        request: web.Request,
        handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
        endpoint: str | None,
    ) -> web.StreamResponse:
        if endpoint is None:
            return _nest(_not_found(request))
        limited = self._throttle(endpoint, request)
        if isinstance(limited, web.StreamResponse):
            return limited
        try:
            response = await handler(request)
        except NestError as exc:
            response = _nest(exc)
        response.headers.update(limited)
        return response

    def _take_fault(self, endpoint: str | None, method: str, path: str) -> Fault | None:
        with self._lock:
            for rule in self._faults:
                if rule.matches(endpoint, method, path):
                    rule.remaining -= 1
                    if rule.remaining <= 0:
                        self._faults.remove(rule)
                    return rule.fault
        return None

    async def _apply_fault(self, fault: Fault, request: web.Request) -> web.StreamResponse | None:
        if fault.kind == "latency":
            await asyncio.sleep(fault.delay)
            return None
        if fault.kind == "status":
            body = fault.body
            if body is None:
                body = NestError(fault.status, f"Injected {fault.status}").body()
            return web.Response(
                status=fault.status,
                body=orjson.dumps(body),
                content_type="application/json",
                headers=fault.headers,
            )
        if fault.kind == "block":
            return web.Response(status=403, text=BLOCK_PAGE, content_type="text/html")
        if fault.kind == "challenge":
            return web.Response(
                status=fault.status,
                text=CHALLENGE_PAGE,
                content_type="text/html",
                headers={"cf-mitigated": "challenge"},
            )
        return None

    @staticmethod
    def _drop(request: web.Request, record: RecordedRequest) -> web.StreamResponse:
        record.status = None
        if request.transport is not None:
            request.transport.abort()
        return web.Response(status=500)  # never written: the connection is gone

    def _throttle(self, endpoint: str, request: web.Request) -> web.StreamResponse | dict[str, str]:
        """A 429 answer, or the rate-limit headers for the answer (NestJS's throttler)."""
        group = _ROUTES[endpoint].group
        key, now = request.remote or "", self._clock()
        with self._lock:
            limit = self._limits.get(group)
            wait = None if limit is None else limit.hit(key, now)
            if limit is None or (wait is None and not self.rate_limit_headers):
                return {}
            if wait is None:
                return limit.headers(key, now)
        headers = {"Retry-After": str(max(1, math.ceil(wait)))} if limit.retry_after else {}
        return web.Response(
            status=429, body=orjson.dumps(THROTTLED_BODY), content_type="application/json",
            headers=headers,
        )  # fmt: skip

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info.route.name or ""
        token = _bearer(request)
        if not token:
            raise NestError(401, "Unauthorized")
        user = self._signin.user_for(token)
        body = json_body(await request.read()) if ENDPOINTS[name].has_body else None
        admin = token in self.admin_tokens
        if ENDPOINTS[name].admin and not admin:
            raise NestError(403, "Forbidden resource", "Forbidden")
        call = Call(
            request,
            user,
            admin,
            body,
            state=self.state,
            require_captcha=self.require_captcha,
            client_key=self.client_key,
        )
        result = HANDLERS[name](call)
        status = 201 if request.method == "POST" else 200
        return conditional_answer(request, status, orjson.dumps(result))

    async def _login(self, request: web.Request) -> web.StreamResponse:
        return await self._signin.login(
            request, token_lifetime=self.token_lifetime, token_in=self.login_token_in
        )

    # ------------------------------------------------------------------ control API

    async def _control(
        self,
        request: web.Request,
        handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
    ) -> web.StreamResponse:
        try:
            return await handler(request)
        except NestError as exc:
            return _nest(exc)
        except web.HTTPRequestEntityTooLarge:
            return _nest(_too_large())
        except (web.HTTPNotFound, web.HTTPMethodNotAllowed):
            return _nest(_not_found(request))
        except web.HTTPException as exc:
            if exc.status < 400:
                raise
            return _nest(NestError(exc.status, exc.reason, exc.reason))
        except (ValueError, KeyError, TypeError) as exc:
            return _nest(NestError(400, f"bad control request: {exc}", "Bad Request"))

    async def _control_add_fault(self, request: web.Request) -> web.StreamResponse:
        spec = _control_object(await _control_json(request))
        route, fault, times = spec.get("route"), spec.get("fault"), spec.get("times", 1)
        if not isinstance(route, str) or not route.strip():
            raise NestError(400, ["route must be a non-empty string"], "Bad Request")
        if not isinstance(fault, str):
            raise NestError(400, ["fault must be a string such as 'status:503'"], "Bad Request")
        if not _whole_number(times, 1):
            raise NestError(400, ["times must be a whole number of 1 or more"], "Bad Request")
        self.add_fault(route, fault, times)
        return _ok()

    async def _control_set_rate_limit(self, request: web.Request) -> web.StreamResponse:
        spec = _control_object(await _control_json(request))
        group, text, retry_after = (
            spec.get("group"),
            spec.get("limit"),
            spec.get("retryAfter", True),
        )
        groups = ", ".join(g.value for g in RouteGroup)
        if group not in {g.value for g in RouteGroup}:
            raise NestError(400, [f"group must be one of: {groups}"], "Bad Request")
        if _whole_number(text, 0):
            text = str(text)  # a bare count: per second
        if not isinstance(text, str):
            raise NestError(400, ["limit must be a string such as '5/1'"], "Bad Request")
        if not isinstance(retry_after, bool):
            raise NestError(400, ["retryAfter must be true or false"], "Bad Request")
        limit = RateLimit.parse(text)
        self.set_rate_limit(group, limit.limit, limit.window, retry_after=retry_after)
        return _ok()

    async def _control_requests(self, request: web.Request) -> web.StreamResponse:
        rows = [
            {"method": r.method, "path": r.path, "query": r.query, "endpoint": r.endpoint,
             "status": r.status}
            for r in self.requests
        ]  # fmt: skip
        return web.Response(body=orjson.dumps(rows), content_type="application/json")

    async def _control_revoke_tokens(self, request: web.Request) -> web.StreamResponse:
        revoked = self.revoke_tokens()
        return web.Response(
            body=orjson.dumps({"ok": True, "revoked": revoked}), content_type="application/json"
        )

    async def _control_add_coins(self, request: web.Request) -> web.StreamResponse:
        added = self.add_coins(await _control_list(request, "coin"))
        return _json_response({"ok": True, "added": len(added)})

    async def _control_add_users(self, request: web.Request) -> web.StreamResponse:
        added = self.add_users(await _control_list(request, "user"))
        return _json_response({"ok": True, "added": len(added)})

    async def _control_post_reply(self, request: web.Request) -> web.StreamResponse:
        spec = await read_activity(request)
        reply = other_reply(
            self.state, spec.get("mint"), spec.get("text"), spec.get("user", OTHER_USER)
        )
        return web.Response(body=orjson.dumps(reply), content_type="application/json")

    async def _control_post_report(self, request: web.Request) -> web.StreamResponse:
        spec = await read_activity(request)
        report = other_report(
            self.state,
            spec.get("targetId"),
            spec.get("type", "other"),
            spec.get("reason", "reported"),
            spec.get("user", OTHER_USER),
        )
        return web.Response(body=orjson.dumps(report), content_type="application/json")


def _whole_number(value: Any, low: int) -> bool:
    """Whether ``value`` is an int (not a bool) of at least ``low``."""
    return type(value) is int and value >= low


def _check_coins(coins: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Every coin checked (see :func:`check_coin`), or a ValueError naming the first bad one."""
    if isinstance(coins, (str, bytes, Mapping)) or not isinstance(coins, Iterable):
        raise ValueError(f"coins must be a list of coin objects, not {type(coins).__name__}")
    checked = []
    for index, coin in enumerate(coins):
        try:
            checked.append(check_coin(coin))
        except ValueError as exc:
            raise ValueError(f"coin #{index + 1}: {exc}") from None
    return checked


def _check_all(
    items: Iterable[Mapping[str, Any]], check: Callable[[Any], dict[str, Any]], kind: str
) -> list[dict[str, Any]]:
    """Every item checked, or a ValueError naming the first bad one."""
    if isinstance(items, (str, bytes, Mapping)) or not isinstance(items, Iterable):
        raise ValueError(f"{kind}s must be a list of {kind} objects, not {type(items).__name__}")
    checked = []
    for index, item in enumerate(items):
        try:
            checked.append(check(item))
        except ValueError as exc:
            raise ValueError(f"{kind} #{index + 1}: {exc}") from None
    return checked


async def _control_list(request: web.Request, kind: str) -> list[Any]:
    """A control request's JSON array of ``kind`` objects (a 400 for anything else)."""
    items = await _control_json(request)
    if not isinstance(items, list):
        raise NestError(400, [f"the body must be a JSON array of {kind} objects"], "Bad Request")
    return items


def _json_response(data: Any) -> web.Response:
    return web.Response(body=orjson.dumps(data), content_type="application/json")


async def _control_json(request: web.Request) -> Any:
    """A control request's JSON body, read strictly (no NaN, no 1,024-deep nesting)."""
    raw = await request.read()
    try:
        return orjson.loads(raw) if raw else None
    except orjson.JSONDecodeError as exc:
        raise NestError(400, f"the body is not JSON: {exc}", "Bad Request") from None


def _control_object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise NestError(400, ["the body must be a JSON object"], "Bad Request")
    return body


def _not_found(request: web.Request) -> NestError:
    return NestError(404, f"Cannot {request.method} {request.path}", "Not Found")


def _too_large() -> NestError:
    return NestError(413, "request entity too large", "Payload Too Large")


def _bearer(request: web.Request) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return request.cookies.get("auth_token", "").strip()


def _acknowledging(
    action: Callable[[], object],
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """A control route that does ``action`` and answers ``{"ok": true}``."""

    async def route(request: web.Request) -> web.StreamResponse:
        action()
        return _ok()

    return route


def _ok() -> web.Response:
    return web.Response(body=b'{"ok":true}', content_type="application/json")


def _nest(error: NestError) -> web.Response:
    return web.Response(
        status=error.status, body=orjson.dumps(error.body()), content_type="application/json"
    )
