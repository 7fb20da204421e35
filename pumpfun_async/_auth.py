"""The client's credentials: the session token, the headers carrying it, and wallet sign-in."""

from __future__ import annotations

import asyncio
import math
import re
import time
import traceback
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from ._endpoints import LOGIN, Endpoint
from ._log import logger
from .errors import APIError, AuthenticationError, BlockedError, ValidationError

if TYPE_CHECKING:
    from ._wallet import Wallet

__all__ = ["Credentials", "renewal_time", "token_expiry"]


#: Sign in again this many seconds before the token's ``exp`` (pump.fun's last ~30 days);
#: a token living less than twice as long is renewed halfway through its life instead.
RENEW_MARGIN = 300.0

#: What a server-issued token must look like to be stored: RFC 6750's ``b64token`` (JWTs
#: are one), from 16 bytes to 8 KiB, so that it can travel in an ``Authorization`` header.
_PLAUSIBLE_TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]{16,8192}=*")

Login = Callable[[dict[str, Any]], Awaitable[tuple[Any, Mapping[str, str]]]]
"""Sends ``POST /auth/login`` with a body; returns the decoded JSON and the cookies set."""


def token_expiry(token: str) -> float | None:
    """The ``exp`` claim of a JWT as a Unix time, or ``None`` (not a JWT, or no expiry).

    The signature is not checked: the server checks it; the client only wants to know when
    to sign in again. Needs PyJWT (the wallet extra).
    """
    return _number(_claims(token).get("exp"))


def renewal_time(token: str, *, obtained_at: float) -> float | None:
    """When to sign in again for ``token``, as a Unix time; ``None`` if it has no ``exp``.

    That is :data:`RENEW_MARGIN` seconds before ``exp``, or halfway through the token's
    lifetime if that is sooner: the lifetime is ``exp - iat``, or ``exp - obtained_at``
    (when the client got the token) without an ``iat`` claim.
    """
    claims = _claims(token)
    expires_at = _number(claims.get("exp"))
    if expires_at is None:
        return None
    issued_at = _number(claims.get("iat"))
    lifetime = expires_at - (obtained_at if issued_at is None else issued_at)
    return expires_at - max(0.0, min(RENEW_MARGIN, lifetime / 2))


def _claims(token: str) -> dict[str, Any]:
    import jwt  # the wallet extra, which every caller has (a Wallet checks for it)

    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return {}
    return claims if isinstance(claims, dict) else {}


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


class Credentials:
    """The secrets one client (and every view of it) sends, kept only in header maps.

    With a wallet, the token is obtained and renewed by signing in: before a request when
    there is no token or it is due for renewal (see :func:`renewal_time`), and once after a
    401. Concurrent callers share one sign-in attempt and its outcome, failure included.
    """

    __slots__ = (
        "_attempt",
        "_client_key",
        "_clock",
        "_renew_at",
        "_token",
        "_user_agent",
        "body_headers",
        "key_headers",
        "login_headers",
        "plain_headers",
        "wallet",
    )

    def __init__(
        self,
        *,
        token: str | None,
        client_key: str | None,
        user_agent: str,
        wallet: Wallet | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.wallet = wallet
        self._client_key = client_key
        self._clock = clock
        self._attempt: asyncio.Task[str] | None = None
        self._user_agent = user_agent
        self.login_headers = {
            "Accept": "application/json",
            "User-Agent": user_agent,
            "Content-Type": "application/json",
        }
        self._set_token(token)

    @property
    def has_token(self) -> bool:
        """Whether a token is set (signed in, or given)."""
        return self._token is not None

    @property
    def token(self) -> str | None:
        """The current token (a secret: never log or print it)."""
        return self._token

    def _set_token(self, token: str | None) -> None:
        self._token = token
        self._renew_at = (
            renewal_time(token, obtained_at=self._clock())
            if token and self.wallet is not None
            else None
        )
        plain = {"Accept": "application/json", "User-Agent": self._user_agent}
        if token:
            plain["Authorization"] = f"Bearer {token}"
        self.plain_headers = plain
        self.body_headers = {**plain, "Content-Type": "application/json"}
        self.key_headers = (
            {**self.body_headers, "x-client-key": self._client_key} if self._client_key else None
        )

    def headers_for(self, endpoint: Endpoint) -> Mapping[str, str]:
        """The headers one request of ``endpoint`` carries (sign-in goes without a token)."""
        if endpoint is LOGIN:
            return self.login_headers
        if endpoint.client_key:
            if self.key_headers is None:  # the client checks first; this guards direct use
                raise ValidationError("client_key", "this endpoint needs a client key")
            return self.key_headers
        return self.body_headers if endpoint.has_body else self.plain_headers

    def needs_sign_in(self) -> bool:
        """Whether a wallet should sign in before the next request."""
        if self.wallet is None:
            return False
        if self._token is None:
            return True
        return self._renew_at is not None and self._clock() >= self._renew_at

    async def sign_in(self, send: Login, *, stale: str | None) -> str:
        """Sign in with the wallet, unless another caller already replaced ``stale``.

        ``stale`` is the token the caller saw (``None`` for none): when the current token
        differs from it and is fresh, someone signed in meanwhile and it is returned as is.
        A caller arriving while a sign-in is in flight waits for that one and gets its
        token or its exception; the sign-in runs in a task of its own, so it carries on
        for the others when the caller that started it is cancelled.

        Raises:
            AuthenticationError: The server refused the sign-in (any 4xx answer but 429,
                with the server's status and message), or its answer carried no token or
                one that cannot be a bearer token (control characters, spaces, too short or
                too long); the client then keeps the token it had.
        """
        wallet = self.wallet
        if wallet is None:
            raise ValidationError(
                "wallet", "signing in needs a wallet: pass wallet=Wallet.from_keypair_file(...)"
            )
        current = self._token
        if current is not None and current != stale and not self.needs_sign_in():
            return current
        attempt = self._attempt
        if attempt is None or attempt.done():
            attempt = asyncio.ensure_future(self._sign_in(wallet, send))
            attempt.add_done_callback(self._attempt_done)
            self._attempt = attempt
        return await asyncio.shield(attempt)

    def _attempt_done(self, attempt: asyncio.Task[str]) -> None:
        if self._attempt is attempt:
            self._attempt = None
        # Every waiter may have been cancelled: mark the outcome as seen, so asyncio does
        # not warn that the task's exception was never retrieved.
        if not attempt.cancelled():
            attempt.exception()

    async def _sign_in(self, wallet: Wallet, send: Login) -> str:
        """One sign-in attempt: sign, ``POST /auth/login``, keep the token."""
        try:
            # The body is built in the call, so no local of this frame holds the signature.
            data, cookies = await send(wallet.sign_in_message(int(self._clock() * 1000)).as_body())
        except Exception as error:
            # The frames the error went through hold the request body (the signature, a
            # short-lived credential) in their locals: clear them, as they are finished.
            traceback.clear_frames(error.__traceback__)
            refused = _refused(error)
            if refused is None:
                raise
            raise refused from error
        try:
            token = _issued_token(data, cookies)
        except AuthenticationError as error:
            data, cookies = None, {}  # the answer may hold a token: reporters capture locals
            traceback.clear_frames(error.__traceback__)
            raise
        self._set_token(token)
        logger.info("signed in to pump.fun as %s", wallet.address)
        return token


def _refused(error: BaseException) -> AuthenticationError | None:
    """The :class:`AuthenticationError` a 4xx answer to a sign-in stands for, if it is one.

    A 429 stays a ``RateLimitError`` (it says when to try again) and a block page stays a
    ``BlockedError`` (the network, not the sign-in, is refused).
    """
    if (
        not isinstance(error, APIError)
        or isinstance(error, (AuthenticationError, BlockedError))
        or not 400 <= error.status < 500
        or error.status == 429
    ):
        return None
    return AuthenticationError(
        error.message,
        status=error.status,
        body=error.body,
        code=error.code,
        method=error.method,
        path=error.path,
    )


def _issued_token(data: Any, cookies: Mapping[str, str]) -> str:
    """The token a sign-in answer carries, checked; never echoed in an error."""
    token = cookies.get("auth_token") or _body_token(data)
    if not token:
        raise AuthenticationError(
            "the sign-in answer carried no token (no auth_token cookie, no access_token)",
            status=200,
            method="POST",
            path=LOGIN.path,
        )
    if _PLAUSIBLE_TOKEN.fullmatch(token) is None:
        # Stored, it would break every later request (aiohttp refuses control characters
        # in a header) and the client with them.
        raise AuthenticationError(
            f"the sign-in answer carried a token that is not a plausible bearer token "
            f"({len(token)} characters; expected 16 to 8192 of A-Z a-z 0-9 -._~+/)",
            status=200,
            method="POST",
            path=LOGIN.path,
        )
    return token


def _body_token(data: Any) -> str | None:
    if isinstance(data, dict):
        for key in ("access_token", "accessToken", "token"):
            value = data.get(key)
            if isinstance(value, str) and value:
                return value
    return None
