"""AsyncPumpFunClient: one coroutine method per API operation."""

from __future__ import annotations

import contextlib
import copy
import functools
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Iterable, Mapping
from datetime import date, datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

import aiohttp

from ._bulk import BulkResult, Progress, run_bulk
from ._cache import StateCache, bookmark_keys
from ._captcha import CaptchaProvider, CaptchaSource, captcha_setting, captcha_source
from ._endpoints import ENDPOINTS, Endpoint, RouteGroup
from ._instruments import EventHook, EventHooks
from ._log import logger
from ._options import (
    DEFAULT,
    DEFAULT_BASE_URL,
    DEFAULT_MAX_RESPONSE_BYTES,
    Timeout,
    _Default,
    base_url_option,
    max_response_bytes_option,
    rate_limit_option,
    retry_option,
    secret_option,
)
from ._pacing import ServerRateLimit
from ._pagination import check_max_items, paginate
from ._proxy import Proxy, proxy_option
from ._ratelimit import RateLimiter, RateLimitSetting
from ._raw import capturing
from ._retry import RetryPolicy
from ._secrets import forget_secrets
from ._transport import Transport
from ._validate import (
    check_bool,
    check_datetime,
    check_enum,
    check_id,
    check_id_list,
    check_like_target,
    check_limit,
    check_mint,
    check_offset,
    check_reply_text,
    check_text,
)
from ._wallet import Wallet
from .errors import APIError, ValidationError
from .models import (
    Coin,
    Follower,
    RepliesPage,
    Reply,
    Report,
    ReportAction,
    ReportsPage,
    ReportType,
    User,
)

if TYPE_CHECKING:
    from ._hooks import Hooks
    from ._raw_ops import AsyncRawResponses

__all__ = ["DEFAULT", "DEFAULT_BASE_URL", "AsyncPumpFunClient", "CaptchaProvider"]

_T = TypeVar("_T")

# Decoding needs cattrs and msgspec, about a fifth of what importing the client costs:
# _convert is imported on the first answer decoded, not with the client.


def structure_coins(data: Any) -> list[Coin]:
    """``_convert.structure_coins``, imported on first use."""
    from ._convert import structure_coins as decode

    return decode(data)


def structure_replies_page(data: Any, *, offset: int, limit: int) -> RepliesPage:
    """``_convert.structure_replies_page``, imported on first use."""
    from ._convert import structure_replies_page as decode

    return decode(data, offset=offset, limit=limit)


def structure_reports_page(data: Any) -> ReportsPage:
    """``_convert.structure_reports_page``, imported on first use."""
    from ._convert import structure_reports_page as decode

    return decode(data)


def structure_user(data: Any) -> User:
    """``_convert.structure_user``, imported on first use."""
    from ._convert import structure_user as decode

    return decode(data)


def structure_followers(data: Any) -> list[Follower]:
    """``_convert.structure_followers``, imported on first use."""
    from ._convert import structure_followers as decode

    return decode(data)


def structure_coin(data: Any) -> Coin:
    """``_convert.structure_coin``, imported on first use."""
    from ._convert import structure_coin as decode

    return decode(data)


def structure_optional(data: Any, cls: type[_T]) -> _T | None:
    """``_convert.structure_optional``, imported on first use."""
    from ._convert import structure_optional as decode

    return decode(data, cls)


_ClientT = TypeVar("_ClientT", bound="AsyncPumpFunClient")

_LIKE = ENDPOINTS["like"]
_UNLIKE = ENDPOINTS["unlike"]
_FOLLOW = ENDPOINTS["follow"]
_UNFOLLOW = ENDPOINTS["unfollow"]
_ADD_BOOKMARK_ITEMS = ENDPOINTS["add_bookmark_items"]
_REMOVE_BOOKMARK_ITEMS = ENDPOINTS["remove_bookmark_items"]
_GET_BOOKMARK_ITEMS = ENDPOINTS["get_bookmark_items"]
_CREATE_REPLY = ENDPOINTS["create_reply"]
_GET_REPLIES = ENDPOINTS["get_replies"]
_CREATE_REPORT = ENDPOINTS["create_report"]
_REPORT_COMMENT = ENDPOINTS["report_comment"]
_GET_REPORTS = ENDPOINTS["get_reports"]
_UPDATE_REPORT = ENDPOINTS["update_report"]
_DELETE_REPORT = ENDPOINTS["delete_report"]
_GET_USER = ENDPOINTS["get_user"]
_GET_FOLLOWERS = ENDPOINTS["get_followers"]
_GET_FOLLOWING = ENDPOINTS["get_following"]
_GET_COIN = ENDPOINTS["get_coin"]
_GET_USER_REPLIES = ENDPOINTS["get_user_replies"]


_SOCKS_NEEDS_OWN_SESSION = (
    "a SOCKS proxy needs the client's own session: drop session=, or give that session "
    "an aiohttp_socks.ProxyConnector yourself"
)


def _hooks_option(value: EventHooks | None) -> Hooks | None:
    """``event_hooks=`` checked; the hooks module is imported only when hooks are given."""
    if value is None:
        return None
    from ._hooks import event_hooks_option

    return event_hooks_option(value)


def _q(value: str) -> str:
    return quote(value, safe="")


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _reply_key(reply: Reply) -> int:
    return reply.id


def _coin_key(coin: Coin) -> str:
    return coin.mint


def _report_key(report: Report) -> str:
    return report.id


class AsyncPumpFunClient:
    """An async client for the pump.fun frontend API (v3).

    Use it as an async context manager, or call :meth:`aclose` when done::

        async with AsyncPumpFunClient(token="…") as client:
            await client.like("CxLHsqvjfisgPAGwcZJsTn6nzZXJLxmVYM7v9pump")
            page = await client.get_replies("CxLHsqvjfisgPAGwcZJsTn6nzZXJLxmVYM7v9pump")

    Every method checks its arguments first and raises :class:`~pumpfun_async.ValidationError`
    without sending anything when they are wrong. Server and network failures raise
    :class:`~pumpfun_async.APIError` and :class:`~pumpfun_async.TransportError` subclasses.

    Args:
        token: The session JWT, sent as ``Authorization: Bearer``. Defaults to the
            ``PUMPFUN_TOKEN`` environment variable; without either, requests go without it.
        base_url: The API's root. Defaults to ``PUMPFUN_BASE_URL``, then
            ``https://frontend-api-v3.pump.fun``.
        client_key: The ``x-client-key`` that :meth:`report_comment` needs (sent on no
            other request). Defaults to ``PUMPFUN_CLIENT_KEY``.
        captcha: Captcha tokens for :meth:`follow` and :meth:`create_reply`: a fixed token,
            or a callable (plain or async) returning a fresh one per call. A per-call
            ``captcha_token=`` wins. With no token at all, none is sent and the server decides.
            A token must be a non-blank string, without control characters, that encodes
            as UTF-8; a provider returning anything else (``None`` too) raises
            :class:`~pumpfun_async.ValidationError` naming the provider (see
            :class:`CaptchaProvider`).
        timeout: Seconds one request may take in total (connecting gets at most 10 of
            them), a :class:`~pumpfun_async.Timeout` with separate ``total`` and ``connect``
            limits, or ``None`` for no limit.
        max_retries: How many times a failed request is retried (``0`` turns retrying
            off), or a :class:`~pumpfun_async.RetryPolicy` for full control. What is
            retried, and what never is, is described there: a reply is never posted twice.
        rate_limit: The client-side rate limit. One limiter (such as a
            :class:`~pumpfun_async.TokenBucket`) for every request; a mapping from route
            groups (``"reads"``, ``"likes"``, ``"follows"``, ``"bookmarks"``, ``"replies"``,
            ``"reports"``, or ``"all"`` for every request) to limiters; or ``None`` for no
            limit. The default keeps one client within the limits seen on pump.fun: one
            request a second in all, and one reply a minute. A 429 pauses its whole route
            group until ``Retry-After`` (or the backoff) has passed.
        session: An ``aiohttp.ClientSession`` to send requests with. The client never closes
            a session it was given; by default it opens its own on first use and closes it
            in :meth:`aclose`.
        wallet: A :class:`~pumpfun_async.Wallet` to sign in with (the ``wallet`` extra). The
            client signs in on first use, again shortly before the token expires, and once
            after a 401 (repeating the call); concurrent calls share one sign-in. A
            ``token`` given as well is used until then.
        state_cache: A :class:`~pumpfun_async.StateCache` remembering what this user liked,
            followed and bookmarked, so that repeating a like, follow or bookmark (or its
            undoing) sends no request. Off by default.
        max_response_bytes: The largest response body the client reads, in bytes
            (16 MiB by default; after decompression). A larger ``Content-Length``, or more
            bytes than that, raises :class:`~pumpfun_async.ResponseTooLargeError` and closes
            the connection, so a broken or hostile server cannot exhaust memory.
        proxy: A proxy to send every request through: ``http://host:port``,
            ``http://user:password@host:port`` (``https://`` for TLS to the proxy), or
            ``socks5://`` / ``socks5h://`` (the proxy resolves host names) with the ``socks``
            extra. A proxy that refuses the request (HTTP 407, a failed SOCKS sign-in) or
            cannot be reached raises :class:`~pumpfun_async.ProxyError`.
        trust_env: Without ``proxy``, use the proxy the environment names, as requests and
            httpx do: ``HTTPS_PROXY`` (or ``HTTP_PROXY`` for an ``http://`` base URL, then
            ``ALL_PROXY``) unless ``NO_PROXY`` lists the API's host. ``False`` ignores them.
            A given ``session`` keeps its own ``trust_env`` besides.
        event_hooks: Functions to call at each step of every request:
            ``{"request": [...], "response": [...], "retry": [...], "rate_limit_wait": [...]}``
            (a single function may stand for a list). Each is a plain or async function
            taking one event (:class:`~pumpfun_async.RequestEvent`,
            :class:`~pumpfun_async.ResponseEvent`, :class:`~pumpfun_async.RetryEvent`,
            :class:`~pumpfun_async.RateLimitWaitEvent`), which names the operation, the
            path template and the attempt, never a secret. A hook that raises ends the call
            with its exception, unchanged; nothing is retried or sent again because of it.

    The token, the client key and the proxy's credentials never appear in ``repr()``, in
    exceptions or in log lines.
    """

    def __init__(
        self,
        token: str | None = None,
        *,
        base_url: str | None = None,
        client_key: str | None = None,
        captcha: str | CaptchaProvider | None = None,
        timeout: float | Timeout | None = 30.0,
        max_retries: int | RetryPolicy = 3,
        rate_limit: RateLimitSetting | _Default = DEFAULT,
        session: aiohttp.ClientSession | None = None,
        wallet: Wallet | None = None,
        state_cache: StateCache | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        proxy: str | None = None,
        trust_env: bool = True,
        event_hooks: EventHooks | None = None,
    ) -> None:
        try:
            token = secret_option(token, "PUMPFUN_TOKEN", "token")
            client_key = secret_option(client_key, "PUMPFUN_CLIENT_KEY", "client_key")
            self._base_url = base_url_option(base_url)
            captcha = captcha_setting(captcha)
            if session is not None and not isinstance(session, aiohttp.ClientSession):
                raise ValidationError("session", "expected an aiohttp.ClientSession")
            if wallet is not None and not isinstance(wallet, Wallet):
                raise ValidationError("wallet", "expected a pumpfun_async.Wallet")
            if state_cache is not None and not isinstance(state_cache, StateCache):
                raise ValidationError("state_cache", "expected a StateCache or None")
            route = proxy_option(proxy, trust_env, self._base_url)
            if route.socks and session is not None:
                raise ValidationError("proxy", _SOCKS_NEEDS_OWN_SESSION)
            self._trust_env = trust_env
            self._captcha = captcha
            self._state = state_cache
            self._has_client_key = client_key is not None
            self._wallet = wallet
            self._transport = Transport(
                base_url=self._base_url,
                token=token,
                client_key=client_key,
                timeout=Timeout.coerce(timeout),
                retry=retry_option(max_retries),
                limits=rate_limit_option(rate_limit),
                session=session,
                wallet=wallet,
                max_response_bytes=max_response_bytes_option(max_response_bytes),
                proxy=route,
                hooks=_hooks_option(event_hooks),
            )
        except BaseException as error:
            # Error reporters capture this frame's locals.
            token = client_key = captcha = proxy = route = None
            forget_secrets(error)
            raise

    # ------------------------------------------------------------------ lifecycle

    @property
    def base_url(self) -> str:
        """The API root requests go to, without a trailing slash."""
        return self._base_url

    @property
    def timeout(self) -> Timeout:
        """How long one request may take."""
        return self._transport.timeout

    @property
    def max_retries(self) -> int:
        """How many times a failed request is retried."""
        return self._transport.retry.max_retries

    @property
    def retry_policy(self) -> RetryPolicy:
        """The whole retry policy."""
        return self._transport.retry

    @property
    def max_response_bytes(self) -> int:
        """The largest response body the client reads, in bytes."""
        return self._transport.max_response_bytes

    @property
    def proxy(self) -> str | None:
        """The proxy requests go through, without its credentials; ``None`` for none."""
        return self._transport.proxy.shown

    @property
    def state_cache(self) -> StateCache | None:
        """The :class:`~pumpfun_async.StateCache` in use, if any."""
        return self._state

    @property
    def rate_limit(self) -> Mapping[str, RateLimiter]:
        """The rate limiters in use, by route group (``"all"`` for every request)."""
        return self._transport.limits

    @property
    def server_rate_limits(self) -> Mapping[str, ServerRateLimit]:
        """The server's last known ``x-ratelimit-*`` numbers, by route group (a snapshot).

        Only groups whose answers carried readable numbers and whose window has not reset
        yet are listed. The client never sends more requests in a group than ``remaining``
        before the window resets in ``reset`` seconds; views made by :meth:`with_options`
        share these numbers.
        """
        return self._transport.server_rate_limits

    @property
    def event_hooks(self) -> dict[str, list[EventHook]]:
        """The event hooks, by event name (a copy: changing it changes nothing)."""
        return self._transport.event_hooks

    @property
    def with_raw_response(self) -> AsyncRawResponses:
        """Every operation (and :meth:`request`), returning the server's raw answer.

        ``await client.with_raw_response.get_replies(mint)`` sends what
        ``client.get_replies(mint)`` sends and returns a :class:`~pumpfun_async.RawResponse`:
        status, headers, body bytes, duration, and ``parse()`` for the
        :class:`~pumpfun_async.RepliesPage` the plain call returns. Failures raise as they do
        for the plain call. A like, follow or bookmark is sent even when the
        ``state_cache`` knows it is done. Iterators (``iter_*``) and bulk helpers
        (``*_many``) make many requests, so they have no raw form.
        """
        from ._raw_ops import AsyncRawResponses

        return AsyncRawResponses(self)

    def with_options(
        self: _ClientT,
        *,
        timeout: float | Timeout | _Default | None = DEFAULT,
        max_retries: int | RetryPolicy | _Default = DEFAULT,
        rate_limit: RateLimitSetting | _Default = DEFAULT,
        max_response_bytes: int | _Default = DEFAULT,
        proxy: str | _Default | None = DEFAULT,
        trust_env: bool | _Default = DEFAULT,
        event_hooks: EventHooks | _Default | None = DEFAULT,
    ) -> _ClientT:
        """A light copy with other options, for one slow call or a bulk job.

        The copy shares this client's session, secrets, captcha source, 429 pauses and,
        unless ``rate_limit`` is given, its rate limiters; it is a view of the same client,
        so closing either closes both. Options not given stay as they are::

            patient = client.with_options(timeout=120, max_retries=6)
            await patient.get_reports(limit=1000)

        Args:
            timeout: As for the constructor.
            max_retries: As for the constructor.
            rate_limit: As for the constructor; ``DEFAULT`` keeps the current limiters.
            max_response_bytes: As for the constructor.
            proxy: As for the constructor; ``None`` drops a proxy given before (the
                environment's then applies, unless ``trust_env`` is false).
            trust_env: As for the constructor.
            event_hooks: As for the constructor; replaces the hooks (``None`` for none).
        """
        try:
            route = self._route(proxy, trust_env)
        except BaseException as error:
            proxy = route = None  # error reporters capture this frame's locals
            forget_secrets(error)
            raise
        view = copy.copy(self)
        if route is not None:
            view._trust_env = route[1]
        view._transport = self._transport.derive(
            timeout=None if isinstance(timeout, _Default) else Timeout.coerce(timeout),
            retry=None if isinstance(max_retries, _Default) else retry_option(max_retries),
            limits=None if isinstance(rate_limit, _Default) else rate_limit_option(rate_limit),
            max_response_bytes=None
            if isinstance(max_response_bytes, _Default)
            else max_response_bytes_option(max_response_bytes),
            proxy=None if route is None else route[0],
            hooks=DEFAULT if isinstance(event_hooks, _Default) else _hooks_option(event_hooks),
        )
        return view

    def _route(
        self, proxy: str | _Default | None, trust_env: bool | _Default
    ) -> tuple[Proxy, bool] | None:
        """``with_options``' proxy and ``trust_env``; ``None`` when neither changes."""
        if isinstance(proxy, _Default) and isinstance(trust_env, _Default):
            return None
        trust = self._trust_env if isinstance(trust_env, _Default) else trust_env
        current = self._transport.proxy
        if isinstance(proxy, _Default) and current.url is not None and current.source == "proxy":
            check_bool(trust, "trust_env")
            route = current  # a proxy given explicitly stays
        else:
            given = None if isinstance(proxy, _Default) else proxy
            route = proxy_option(given, trust, self._base_url)
        if route.socks and not self._transport.owns_session:
            raise ValidationError("proxy", _SOCKS_NEEDS_OWN_SESSION)
        return route, trust

    @property
    def closed(self) -> bool:
        """Whether :meth:`aclose` has been called."""
        return self._transport.closed

    async def aclose(self) -> None:
        """Close the client's own HTTP session. The client cannot be used afterwards.

        Calls still in progress (waiting for the rate limiter, a 429 pause, a retry, a
        sign-in, a captcha token, a connection or an answer) are interrupted and raise
        :class:`~pumpfun_async.ClientClosedError`, as does every later call; no request
        reaches the network once ``aclose()`` has begun. A call whose request was already
        sent raises ``ClientClosedError`` too, even if its answer was on its way (the
        server may have acted on it). A caller's own cancellation stays a
        ``CancelledError``.

        It returns once those calls have stopped (a
        :class:`~pumpfun_async.RedisRateLimiter` may take up to its ``timeout`` to give
        back a slot granted meanwhile). Calling it again, or concurrently, is harmless.
        Views made with :meth:`with_options` share the client, so closing one closes them
        all.
        """
        await self._transport.aclose()

    async def __aenter__(self: _ClientT) -> _ClientT:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        # Error reporters call repr() on a client whose constructor raised part of the way
        # (or that was made with __new__ alone): every attribute may be missing.
        transport = getattr(self, "_transport", None)
        if not isinstance(transport, Transport):
            return f"{type(self).__name__}(<not initialised>)"
        token = "<set>" if transport.credentials.has_token else None
        key = "<set>" if getattr(self, "_has_client_key", False) else None
        wallet = getattr(self, "_wallet", None)
        shown = "" if wallet is None else f"wallet={getattr(wallet, 'address', '<unset>')!r}, "
        if transport.proxy.url is not None:
            shown += f"proxy={transport.proxy.shown!r}, "
        return (
            f"{type(self).__name__}(base_url={getattr(self, '_base_url', '<unset>')!r}, "
            f"token={token}, client_key={key}, {shown}closed={transport.closed})"
        )

    # ------------------------------------------------------------------ sign-in

    @property
    def wallet(self) -> Wallet | None:
        """The wallet this client signs in with, if any."""
        return self._wallet

    async def login(self) -> str:
        """Sign in with the client's wallet now: ``POST /auth/login``; returns the new token.

        The client does this by itself when needed; call it to sign in ahead of time or to
        get a token to store. Concurrent calls share one sign-in.

        Raises:
            ValidationError: The client has no wallet.
            AuthenticationError: The server refused the signature (its message included).
        """
        if self._wallet is None:
            raise ValidationError(
                "wallet", "login() needs a wallet: AsyncPumpFunClient(wallet=Wallet.from_...)"
            )
        return await self._transport.sign_in()

    # ------------------------------------------------------------------ likes

    async def like(self, target_id: str | int) -> None:
        """Like a coin (by mint) or a reply (by id): ``POST /likes/{targetId}``.

        Liking something already liked changes nothing. With a ``state_cache`` that knows
        the target is liked, no request is sent.

        Args:
            target_id: The coin's mint address (32 to 44 base58 characters) or the reply's
                id (a non-negative ``int``, or its digits as a string). Anything else
                raises :class:`~pumpfun_async.ValidationError` without a request.
        """
        await self._like(target_id)

    async def unlike(self, target_id: str | int) -> None:
        """Remove a like from a coin or a reply: ``DELETE /likes/{targetId}``.

        Args:
            target_id: The coin's mint address or the reply's id, as for :meth:`like`.
        """
        await self._unlike(target_id)

    # ------------------------------------------------------------------ follows

    async def follow(self, user_id: str, captcha_token: str | None = None) -> None:
        """Follow a user: ``POST /following/{userId}?captchaToken=…``.

        Args:
            user_id: The user to follow (their wallet address or user id).
            captcha_token: A captcha token for this call; defaults to the client's
                ``captcha``. Without one, the parameter is left out.
        """
        try:
            key = check_id(user_id, "user_id")
            captcha = captcha_source(captcha_token, self._captcha)
            await self._toggle(_FOLLOW, [key], _FOLLOW.format_path(user_id=key), captcha=captcha)
        except BaseException as error:
            captcha_token = None  # error reporters capture this frame's locals
            forget_secrets(error)
            raise

    async def unfollow(self, user_id: str) -> None:
        """Stop following a user: ``DELETE /following/{userId}``.

        Args:
            user_id: The user to unfollow (their wallet address or user id).
        """
        await self._unfollow(user_id)

    # ------------------------------------------------------------------ bookmarks

    async def add_bookmark_items(self, item_id: str, bookmark_ids: Iterable[str]) -> None:
        """Add an item (a coin mint) to bookmark collections: ``POST /bookmarks/items/add``.

        Args:
            item_id: The item to bookmark, usually a coin mint.
            bookmark_ids: The collections to add it to (ids, or the name ``default``).
        """
        await self._bookmark_items(_ADD_BOOKMARK_ITEMS, item_id, bookmark_ids)

    async def remove_bookmark_items(self, item_id: str, bookmark_ids: Iterable[str]) -> None:
        """Remove an item from bookmark collections: ``POST /bookmarks/items/remove``.

        Args:
            item_id: The item to remove, usually a coin mint.
            bookmark_ids: The collections to remove it from.
        """
        await self._bookmark_items(_REMOVE_BOOKMARK_ITEMS, item_id, bookmark_ids)

    def _bookmarking(
        self, endpoint: Endpoint, bookmark_ids: Iterable[str]
    ) -> Callable[[str], Awaitable[None]]:
        """One item's add or remove for a bulk call, the collections checked once."""
        return functools.partial(
            self._bookmark_items, endpoint, bookmark_ids=check_id_list(bookmark_ids, "bookmark_ids")
        )

    async def _bookmark_items(
        self, endpoint: Endpoint, item_id: str, bookmark_ids: Iterable[str]
    ) -> None:
        item = check_id(item_id, "item_id")
        collections = check_id_list(bookmark_ids, "bookmark_ids")
        body = {"itemId": item, "bookmarkIds": collections}
        keys = bookmark_keys(item, collections)
        await self._toggle(endpoint, keys, endpoint.path, body=body)

    async def get_bookmark_items(
        self, bookmark_id: str, limit: int = 50, offset: int = 0, include_nsfw: bool = False
    ) -> list[Coin]:
        """List the coins in a bookmark collection: ``GET /coins/bookmarks/{bookmarkId}``.

        Args:
            bookmark_id: The collection's id, or ``default``.
            limit: Page size, 1 to 1,000.
            offset: How many items to skip.
            include_nsfw: Whether to include coins marked NSFW.
        """
        path = _GET_BOOKMARK_ITEMS.format_path(bookmark_id=check_id(bookmark_id, "bookmark_id"))
        query = (
            f"limit={check_limit(limit)}&offset={check_offset(offset)}"
            f"&includeNsfw={_flag(check_bool(include_nsfw, 'include_nsfw'))}"
        )
        data = await self._transport.request(_GET_BOOKMARK_ITEMS, path, query=query)
        return self._decode(_GET_BOOKMARK_ITEMS, path, structure_coins, data)

    # ------------------------------------------------------------------ replies

    async def create_reply(
        self, mint: str, text: str, captcha_token: str | None = None
    ) -> Reply | None:
        """Post a reply to a coin's thread: ``POST /replies``.

        Args:
            mint: The coin's mint address.
            text: The reply, 1 to 2,000 characters and not blank. Mention another reply
                with ``#<replyId>``.
            captcha_token: A captcha token for this call; defaults to the client's
                ``captcha``. Without one, the field is left out.

        Returns:
            The created reply, or ``None`` when the server answered without one.
        """
        try:
            body = {"mint": check_mint(mint), "text": check_reply_text(text)}
            data = await self._transport.request(
                _CREATE_REPLY,
                _CREATE_REPLY.path,
                body=body,
                captcha=captcha_source(captcha_token, self._captcha),
            )
        except BaseException as error:
            captcha_token = None  # error reporters capture this frame's locals
            forget_secrets(error)
            raise
        return structure_optional(data, Reply)

    async def get_replies(self, mint: str, limit: int = 50, offset: int = 0) -> RepliesPage:
        """Read one page of a coin's replies: ``GET /replies/{mint}``.

        Args:
            mint: The coin's mint address.
            limit: Page size, 1 to 1,000.
            offset: How many replies to skip.
        """
        path = _GET_REPLIES.format_path(mint=check_mint(mint))
        return await self._replies_page(_GET_REPLIES, path, limit, offset)

    # ------------------------------------------------------------------ reports

    async def create_report(
        self, target_id: str | int, type: ReportType | str, reason: str
    ) -> Report | None:
        """Report a coin, reply or user: ``POST /reports``.

        Args:
            target_id: The mint or id of what is reported.
            type: A :class:`ReportType` or its value (``"scam"``, ``"spam"``, …).
            reason: Why, in words; must not be blank.

        Returns:
            The created report, or ``None`` when the server answered without one.
        """
        body = {
            "targetId": check_id(target_id, "target_id"),
            "type": check_enum(type, ReportType, "type"),
            "reason": check_text(reason, "reason"),
        }
        data = await self._transport.request(_CREATE_REPORT, _CREATE_REPORT.path, body=body)
        return structure_optional(data, Report)

    async def report_comment(self, comment_id: str | int, reason: str) -> Report | None:
        """Report a comment: ``POST /reports/reportComment`` with the ``x-client-key`` header.

        Needs the client's ``client_key`` (or ``PUMPFUN_CLIENT_KEY``).

        Args:
            comment_id: The id of the comment (reply) to report.
            reason: Why, in words; must not be blank.

        Returns:
            The created report, or ``None`` when the server answered without one.
        """
        if not self._has_client_key:
            raise ValidationError(
                "client_key",
                "report_comment needs the x-client-key header: pass client_key= "
                "or set PUMPFUN_CLIENT_KEY",
            )
        body = {
            "commentId": check_id(comment_id, "comment_id"),
            "reason": check_text(reason, "reason"),
        }
        data = await self._transport.request(_REPORT_COMMENT, _REPORT_COMMENT.path, body=body)
        return structure_optional(data, Report)

    async def get_reports(
        self,
        limit: int = 50,
        offset: int = 0,
        type: ReportType | str = "all",
        done: bool = False,
        created_from: datetime | date | str | None = None,
        created_to: datetime | date | str | None = None,
        is_currently_live: bool = False,
    ) -> ReportsPage:
        """List reports for review (admin): ``GET /reports``.

        Every documented query parameter is always sent; an unset date goes as empty.

        Args:
            limit: Page size, 1 to 1,000.
            offset: How many reports to skip.
            type: A :class:`ReportType`, its value, or ``"all"``.
            done: ``True`` for resolved reports, ``False`` for pending ones.
            created_from: Only reports created at or after this moment (naive means UTC).
            created_to: Only reports created at or before this moment (naive means UTC).
            is_currently_live: Only reports on content that is live right now.
        """
        start = "" if created_from is None else check_datetime(created_from, "created_from")
        end = "" if created_to is None else check_datetime(created_to, "created_to")
        if start and end and start > end:
            raise ValidationError("created_from", "is later than created_to")
        query = (
            f"limit={check_limit(limit)}&offset={check_offset(offset)}"
            f"&type={_q(check_enum(type, ReportType, 'type', extra=('all',)))}"
            f"&done={_flag(check_bool(done, 'done'))}"
            f"&createdAtFrom={_q(start)}&createdAtTo={_q(end)}"
            f"&isCurrentlyLive={_flag(check_bool(is_currently_live, 'is_currently_live'))}"
        )
        data = await self._transport.request(_GET_REPORTS, _GET_REPORTS.path, query=query)
        return self._decode(_GET_REPORTS, _GET_REPORTS.path, structure_reports_page, data)

    async def update_report(
        self,
        report_id: str | int,
        done: bool,
        action: ReportAction | str,
        notes: str | None = None,
    ) -> Report | None:
        """Resolve or annotate a report (admin): ``POST /reports/update``.

        Args:
            report_id: The report to update.
            done: Whether the report is resolved.
            action: A :class:`ReportAction` or its value (``"banned"``, ``"no_action"``, …).
            notes: Notes on the decision; left out of the request when ``None``.

        Returns:
            The updated report, or ``None`` when the server answered without one.
        """
        body: dict[str, Any] = {
            "reportId": check_id(report_id, "report_id"),
            "done": check_bool(done, "done"),
            "action": check_enum(action, ReportAction, "action"),
        }
        if notes is not None:
            body["notes"] = check_text(notes, "notes")
        data = await self._transport.request(_UPDATE_REPORT, _UPDATE_REPORT.path, body=body)
        return structure_optional(data, Report)

    async def delete_report(self, report_id: str | int) -> None:
        """Delete a report for good (admin): ``DELETE /reports/{id}``.

        Args:
            report_id: The report to delete.
        """
        path = _DELETE_REPORT.format_path(report_id=check_id(report_id, "report_id"))
        await self._transport.request(_DELETE_REPORT, path)

    # ------------------------------------------------------------------ social graph

    async def get_user(self, user_id: str) -> User:
        """Read a user's profile: ``GET /users/{userId}``.

        Not in pump.fun's official docs: pump.fun's own web app calls it, and the answer is
        decoded leniently (see :class:`~pumpfun_async.User`).

        Args:
            user_id: The user (their wallet address or user id), as for :meth:`follow`.
        """
        path = _GET_USER.format_path(user_id=check_id(user_id, "user_id"))
        data = await self._transport.request(_GET_USER, path)
        return self._decode(_GET_USER, path, structure_user, data)

    async def get_followers(self, user_id: str) -> list[Follower]:
        """List the users who follow a user: ``GET /following/followers/{userId}``.

        Not in pump.fun's official docs (its web app calls it); the server sends at most
        1,000 rows.

        Args:
            user_id: The user (their wallet address or user id), as for :meth:`follow`.
        """
        path = _GET_FOLLOWERS.format_path(user_id=check_id(user_id, "user_id"))
        data = await self._transport.request(_GET_FOLLOWERS, path)
        return self._decode(_GET_FOLLOWERS, path, structure_followers, data)

    async def get_following(self, user_id: str) -> list[Follower]:
        """List the users a user follows: ``GET /following/{userId}``.

        Not in pump.fun's official docs (its web app calls it); the rows are shaped as
        :meth:`get_followers` returns them.

        Args:
            user_id: The user (their wallet address or user id), as for :meth:`follow`.
        """
        path = _GET_FOLLOWING.format_path(user_id=check_id(user_id, "user_id"))
        data = await self._transport.request(_GET_FOLLOWING, path)
        return self._decode(_GET_FOLLOWING, path, structure_followers, data)

    async def get_coin(self, mint: str) -> Coin:
        """Read one coin: ``GET /coins/{mint}``.

        Not in pump.fun's official docs (its web app calls it); the coin is decoded as
        :meth:`get_bookmark_items` decodes its coins.

        Args:
            mint: The coin's mint address.
        """
        path = _GET_COIN.format_path(mint=check_mint(mint))
        data = await self._transport.request(_GET_COIN, path)
        return self._decode(_GET_COIN, path, structure_coin, data)

    async def get_user_replies(self, user_id: str, limit: int = 50, offset: int = 0) -> RepliesPage:
        """Read one page of a user's replies, across coins: ``GET /replies/user-replies/{userId}``.

        Not in pump.fun's official docs (its web app calls it); the page is decoded as
        :meth:`get_replies` decodes a coin's.

        Args:
            user_id: The author (their wallet address or user id), as for :meth:`follow`.
            limit: Page size, 1 to 1,000.
            offset: How many replies to skip.
        """
        path = _GET_USER_REPLIES.format_path(user_id=check_id(user_id, "user_id"))
        return await self._replies_page(_GET_USER_REPLIES, path, limit, offset)

    async def _replies_page(
        self, endpoint: Endpoint, path: str, limit: int, offset: int
    ) -> RepliesPage:
        """One page of replies (a coin's or a user's): the same query, the same page shape."""
        limit = check_limit(limit)
        offset = check_offset(offset)
        data = await self._transport.request(endpoint, path, query=f"limit={limit}&offset={offset}")
        return self._decode(
            endpoint, path, lambda d: structure_replies_page(d, offset=offset, limit=limit), data
        )

    # ------------------------------------------------------------------ any endpoint

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        group: RouteGroup | str | None = None,
        idempotent: bool | None = None,
    ) -> Any:
        """Send any request through the client, for an endpoint it has no method for.

        The request gets what every call gets: the base URL, the token (and a wallet
        sign-in), the rate limiter, retries, the timeout, the size limit, typed errors::

            live = await client.request("GET", "/coins/currently-live", params={"limit": 5})

        Args:
            method: ``GET``, ``HEAD``, ``OPTIONS``, ``PUT``, ``DELETE``, ``POST`` or
                ``PATCH``.
            path: The path below the base URL, starting with ``/``; characters a URL cannot
                carry are percent-encoded. A query or fragment, ``.`` or ``..`` segments,
                a backslash, control characters (CR, LF) or a leading ``//`` are refused.
            params: Query parameters: strings, numbers, bools (sent as ``true``/``false``)
                or lists of them (the parameter is repeated); ``None`` leaves one out.
            json: A JSON body (anything ``orjson`` encodes); ``None`` sends no body.
            group: The rate-limit route group to count it in (``"reads"``, ``"likes"``,
                ...). By default that of the operation whose route it is, else ``"reads"``.
            idempotent: Whether it is safe to repeat after a lost answer, which decides the
                retries. By default ``True`` for GET, HEAD, OPTIONS, PUT and DELETE, and
                ``False`` for POST and PATCH.

        Returns:
            The decoded JSON body, or ``None`` for an empty one.

        Raises:
            ValidationError: An argument is unusable; nothing was sent.
            APIError: The server answered with an error (as its subclass), or a 2xx body
                that is not JSON.
            TransportError: The network failed.
        """
        from ._adhoc import prepare  # only for calls the SDK does not wrap

        try:
            endpoint, where, query, body = prepare(
                self._base_url,
                method,
                path,
                params=params,
                json=json,
                group=group,
                idempotent=idempotent,
            )
            return await self._transport.request(endpoint, where, query=query, body=body)
        except BaseException as error:
            # They may hold a captcha token: error reporters capture this frame's locals.
            params = json = query = body = None
            forget_secrets(error)
            raise

    # ------------------------------------------------------------------ bulk

    async def like_many(
        self,
        targets: Iterable[str | int],
        *,
        concurrency: int = 16,
        fail_fast: bool = False,
        progress: Progress | bool | None = None,
    ) -> BulkResult[str | int]:
        """Like many coins or replies, ``concurrency`` at a time, through the rate limiter.

        Targets are read lazily (a generator of any length is fine); one failure is
        recorded in its :class:`BulkItem` and never stops the others unless ``fail_fast``,
        which cancels the calls in flight and raises it. A target that is neither a mint
        nor a reply id (see :meth:`like`) is such a failure: a ``ValidationError`` in its
        item, and no request for it.

        Args:
            targets: Mints and reply ids.
            concurrency: The most calls in flight at once.
            fail_fast: Raise the first failure instead of recording it.
            progress: A callback ``(done, total or None)``, or ``True`` for a progress bar
                (needs the ``tqdm`` extra).
        """
        return await self._many(self._like, targets, concurrency, fail_fast, progress)

    async def unlike_many(
        self,
        targets: Iterable[str | int],
        *,
        concurrency: int = 16,
        fail_fast: bool = False,
        progress: Progress | bool | None = None,
    ) -> BulkResult[str | int]:
        """Remove many likes; works like :meth:`like_many`."""
        return await self._many(self._unlike, targets, concurrency, fail_fast, progress)

    async def follow_many(
        self,
        user_ids: Iterable[str],
        *,
        concurrency: int = 16,
        fail_fast: bool = False,
        progress: Progress | bool | None = None,
    ) -> BulkResult[str]:
        """Follow many users (a fresh captcha token each); works like :meth:`like_many`."""
        return await self._many(self.follow, user_ids, concurrency, fail_fast, progress)

    async def unfollow_many(
        self,
        user_ids: Iterable[str],
        *,
        concurrency: int = 16,
        fail_fast: bool = False,
        progress: Progress | bool | None = None,
    ) -> BulkResult[str]:
        """Unfollow many users; works like :meth:`like_many`."""
        return await self._many(self._unfollow, user_ids, concurrency, fail_fast, progress)

    async def add_bookmark_items_many(
        self,
        item_ids: Iterable[str],
        bookmark_ids: Iterable[str],
        *,
        concurrency: int = 16,
        fail_fast: bool = False,
        progress: Progress | bool | None = None,
    ) -> BulkResult[str]:
        """Add many items to the same bookmark collections; works like :meth:`like_many`."""
        call = self._bookmarking(_ADD_BOOKMARK_ITEMS, bookmark_ids)
        return await self._many(call, item_ids, concurrency, fail_fast, progress)

    async def remove_bookmark_items_many(
        self,
        item_ids: Iterable[str],
        bookmark_ids: Iterable[str],
        *,
        concurrency: int = 16,
        fail_fast: bool = False,
        progress: Progress | bool | None = None,
    ) -> BulkResult[str]:
        """Remove many items from bookmark collections; works like :meth:`like_many`."""
        call = self._bookmarking(_REMOVE_BOOKMARK_ITEMS, bookmark_ids)
        return await self._many(call, item_ids, concurrency, fail_fast, progress)

    # ------------------------------------------------------------------ pagination

    async def iter_replies(
        self, mint: str, *, page_size: int = 50, max_items: int | None = None
    ) -> AsyncIterator[Reply]:
        """Every reply in a coin's thread, fetching pages of ``page_size`` as needed.

        Stops when the server says there are no more; a reply seen twice because the
        thread moved while it was read is yielded once. ::

            async for reply in client.iter_replies(mint, max_items=500):
                print(reply.text)

        Args:
            mint: The coin's mint address.
            page_size: Replies per request, 1 to 1,000.
            max_items: Stop after this many replies; ``None`` for all of them.
        """
        check_mint(mint)
        size, most = check_limit(page_size, "page_size"), check_max_items(max_items)

        async def fetch(offset: int) -> tuple[list[Reply], bool | None]:
            page = await self.get_replies(mint, limit=size, offset=offset)
            return page.replies, page.has_more

        async for reply in paginate(fetch, _reply_key, page_size=size, max_items=most):
            yield reply

    async def iter_user_replies(
        self, user_id: str, *, page_size: int = 50, max_items: int | None = None
    ) -> AsyncIterator[Reply]:
        """Every reply a user posted, fetching pages of ``page_size`` as needed.

        Works like :meth:`iter_replies`: it stops when the server says there are no more,
        and yields a reply seen twice (on two pages) once. ::

            async for reply in client.iter_user_replies(address, max_items=200):
                print(reply.mint, reply.text)

        Args:
            user_id: The author (their wallet address or user id), as for :meth:`follow`.
            page_size: Replies per request, 1 to 1,000.
            max_items: Stop after this many replies; ``None`` for all of them.
        """
        check_id(user_id, "user_id")
        size, most = check_limit(page_size, "page_size"), check_max_items(max_items)

        async def fetch(offset: int) -> tuple[list[Reply], bool | None]:
            page = await self.get_user_replies(user_id, limit=size, offset=offset)
            return page.replies, page.has_more

        async for reply in paginate(fetch, _reply_key, page_size=size, max_items=most):
            yield reply

    async def iter_bookmark_items(
        self,
        bookmark_id: str,
        *,
        include_nsfw: bool = False,
        page_size: int = 50,
        max_items: int | None = None,
    ) -> AsyncIterator[Coin]:
        """Every coin in a bookmark collection, page by page until a short or empty page.

        Args:
            bookmark_id: The collection's id, or ``default``.
            include_nsfw: Whether to include coins marked NSFW.
            page_size: Coins per request, 1 to 1,000.
            max_items: Stop after this many coins; ``None`` for all of them.
        """
        check_id(bookmark_id, "bookmark_id")
        check_bool(include_nsfw, "include_nsfw")
        size, most = check_limit(page_size, "page_size"), check_max_items(max_items)

        async def fetch(offset: int) -> tuple[list[Coin], bool | None]:
            coins = await self.get_bookmark_items(bookmark_id, size, offset, include_nsfw)
            return coins, None

        async for coin in paginate(fetch, _coin_key, page_size=size, max_items=most):
            yield coin

    async def iter_reports(
        self,
        *,
        type: ReportType | str = "all",
        done: bool = False,
        created_from: datetime | date | str | None = None,
        created_to: datetime | date | str | None = None,
        is_currently_live: bool = False,
        page_size: int = 50,
        max_items: int | None = None,
    ) -> AsyncIterator[Report]:
        """Every report matching the filters (admin), as :meth:`get_reports` pages them.

        Args:
            type: A :class:`ReportType`, its value, or ``"all"``.
            done: ``True`` for resolved reports, ``False`` for pending ones.
            created_from: Only reports created at or after this moment (naive means UTC).
            created_to: Only reports created at or before this moment (naive means UTC).
            is_currently_live: Only reports on content that is live right now.
            page_size: Reports per request, 1 to 1,000.
            max_items: Stop after this many reports; ``None`` for all of them.
        """
        size, most = check_limit(page_size, "page_size"), check_max_items(max_items)

        async def fetch(offset: int) -> tuple[list[Report], bool | None]:
            page = await self.get_reports(
                size, offset, type, done, created_from, created_to, is_currently_live
            )
            return page.reports, page.has_more

        async for report in paginate(fetch, _report_key, page_size=size, max_items=most):
            yield report

    # ------------------------------------------------------------------ watching

    async def watch_replies(
        self,
        mint: str,
        *,
        interval: float = 5.0,
        max_interval: float = 60.0,
        include_existing: bool = False,
    ) -> AsyncGenerator[Reply, None]:
        """Each new reply in a coin's thread, once, oldest first, until you stop iterating.

        It polls ``GET /replies/{mint}`` from the last reply seen on (not the whole
        thread), sending the last ``ETag`` as ``If-None-Match`` (a ``304`` is nothing
        new), and stays correct when replies are deleted meanwhile. After a poll with
        nothing new the pause grows by half up to ``max_interval``; after news it is
        ``interval`` again; each pause is jittered. Every poll goes through the rate
        limiter (``reads`` group), so many watches on one client share it. ::

            async for reply in client.watch_replies(mint, interval=10):
                await client.like(reply.id)

        Faults that waiting heals (5xx, block pages, 429s, timeouts, network failures)
        are logged and waited out with the retry policy's backoff, honouring
        ``Retry-After`` (never sooner than ``interval``); the others (401 after a wallet's
        re-sign-in, 403, 404, bad input) end the watch with their error. ``break``,
        ``aclose()`` or cancelling leaves nothing running.

        Args:
            mint: The coin's mint address.
            interval: Seconds between polls while replies come.
            max_interval: The longest pause, in seconds, after polls with nothing new.
            include_existing: Yield the replies already there first; otherwise only those
                posted after the watch starts.
        """
        from ._watch import watch_replies

        watch = watch_replies(
            self,
            mint,
            interval=interval,
            max_interval=max_interval,
            include_existing=include_existing,
        )
        async with contextlib.aclosing(watch):
            async for reply in watch:
                yield reply

    async def watch_reports(
        self,
        *,
        type: ReportType | str = "all",
        interval: float = 5.0,
        max_interval: float = 60.0,
        include_existing: bool = False,
    ) -> AsyncGenerator[Report, None]:
        """Each new report in the admin queue (not done), once, oldest first (admin).

        It polls ``GET /reports`` for the pending reports filed since shortly before the
        newest one seen, and otherwise works like :meth:`watch_replies`: conditional
        requests, a pause that grows while nothing happens, faults waited out. ::

            async for report in admin.watch_reports(type="scam"):
                print(report.id, report.target_id, report.reason)

        Args:
            type: A :class:`ReportType`, its value, or ``"all"``.
            interval: Seconds between polls while reports come.
            max_interval: The longest pause, in seconds, after polls with nothing new.
            include_existing: Yield the reports already pending first; otherwise only
                those filed after the watch starts.
        """
        from ._watch import watch_reports

        watch = watch_reports(
            self,
            type=type,
            interval=interval,
            max_interval=max_interval,
            include_existing=include_existing,
        )
        async with contextlib.aclosing(watch):
            async for report in watch:
                yield report

    # ------------------------------------------------------------------ helpers

    # The operations that bulk helpers repeat are plain functions that check their input
    # and return the request's awaitable, so a *_many worker awaits the transport directly.

    def _like(self, target_id: str | int) -> Awaitable[Any]:
        key = check_like_target(target_id)
        return self._toggle(_LIKE, [key], _LIKE.format_path(target_id=key))

    def _unlike(self, target_id: str | int) -> Awaitable[Any]:
        key = check_like_target(target_id)
        return self._toggle(_UNLIKE, [key], _UNLIKE.format_path(target_id=key))

    def _unfollow(self, user_id: str) -> Awaitable[Any]:
        key = check_id(user_id, "user_id")
        return self._toggle(_UNFOLLOW, [key], _UNFOLLOW.format_path(user_id=key))

    @staticmethod
    async def _many(
        call: Callable[[_T], Awaitable[Any]],
        targets: Iterable[_T],
        concurrency: int,
        fail_fast: bool,
        progress: Progress | bool | None,
    ) -> BulkResult[_T]:
        # Likes, follows and bookmarks answer with bodies nobody needs 100,000 of: not kept.
        return await run_bulk(
            call,
            targets,
            concurrency=concurrency,
            fail_fast=fail_fast,
            progress=progress,
            keep_values=False,
        )

    def _toggle(
        self,
        endpoint: Endpoint,
        keys: list[str],
        path: str,
        *,
        body: dict[str, Any] | None = None,
        captcha: CaptchaSource | None = None,
    ) -> Awaitable[Any]:
        """Send a like, follow or bookmark change, unless the state cache says it is done.

        The endpoint says which state it switches, and which way (``toggles``, ``turns_on``);
        ``keys`` are the cache entries it touches. Without a cache this hands back the
        transport's own coroutine: one coroutine fewer between the caller and aiohttp on the
        hot path of bulk likes.
        """
        if self._state is None:
            return self._transport.request(endpoint, path, body=body, captcha=captcha)
        return self._toggle_cached(self._state, endpoint, keys, path, body, captcha)

    async def _toggle_cached(
        self,
        state: StateCache,
        endpoint: Endpoint,
        keys: list[str],
        path: str,
        body: dict[str, Any] | None,
        captcha: CaptchaSource | None,
    ) -> None:
        async def send() -> None:
            await self._transport.request(endpoint, path, body=body, captcha=captcha)

        kind = endpoint.toggles
        if kind is None:  # pragma: no cover - every caller passes a toggling endpoint
            raise AssertionError(f"{endpoint.name} switches no state")
        if not await state.apply(kind, keys, endpoint.turns_on, send, force=capturing()):
            logger.debug("%s %s skipped: the state cache says it is done", endpoint.method, path)

    @staticmethod
    def _decode(endpoint: Endpoint, path: str, decode: Callable[[Any], _T], data: Any) -> _T:
        try:
            return decode(data)
        except Exception as exc:
            raise APIError(
                f"the server's answer is not the shape {endpoint.name} returns: {exc}",
                status=200,
                body=data,
                method=endpoint.method,
                path=path,
            ) from exc
