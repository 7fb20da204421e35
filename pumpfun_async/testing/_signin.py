"""The emulator's wallet sign-in: ``POST /auth/login`` and the session JWTs it issues.

The signature is checked against the address, the timestamp against the emulator's wall
clock, and the token handed out is a real JWT (HS256, signed with a secret of the emulator's
own) that the emulator's other endpoints then accept until it expires or is revoked. It
needs the ``wallet`` extra (PyJWT, cryptography, base58), imported only when used.
"""

from __future__ import annotations

import math
import secrets
import threading
import uuid
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any, Literal

import attrs
import orjson
from aiohttp import web

from pumpfun_async._repr import robust_repr
from pumpfun_async._wallet import verify_sign_in, wallet_extra_installed

from ._state import NestError, json_body, user_id_for

__all__ = ["IssuedToken", "TokenIssuer", "check_token_settings"]

_SIGN_IN_WINDOW_MS = 5 * 60 * 1000
_MAX_TOKEN_LIFETIME = 100 * 366 * 24 * 3600
_JWT_ALGORITHM = "HS256"
_NEEDS_WALLET_EXTRA = (
    "Wallet sign-in needs the wallet extra on the emulator's side: "
    "pip install 'pumpfun-async[wallet]'"
)


@robust_repr
@attrs.frozen
class IssuedToken:
    """A session token the emulator handed out for a wallet sign-in.

    Attributes:
        address: The wallet address that signed in (the token's ``sub``, and the user id the
            emulator's state knows the wallet by).
        token: The JWT itself.
        jti: The token's unique id (its ``jti`` claim).
        issued_at: Its ``iat`` claim: the whole second of the sign-in, by the wall clock.
        expires_at: Its ``exp`` claim: ``issued_at + token_lifetime``, in seconds.
    """

    address: str
    token: str = attrs.field(repr=False)
    jti: str
    issued_at: int
    expires_at: float


def check_token_settings(token_lifetime: float, login_token_in: str) -> None:
    """Check the emulator's sign-in options.

    Raises:
        ValueError: ``token_lifetime`` is not a positive number of seconds (at most 100
            years), or ``login_token_in`` is neither ``"cookie"`` nor ``"body"``.
    """
    if (
        isinstance(token_lifetime, bool)
        or not isinstance(token_lifetime, (int, float))
        or not 0 < token_lifetime <= _MAX_TOKEN_LIFETIME
    ):
        raise ValueError(
            f"token_lifetime must be a positive number of seconds up to 100 years, "
            f"not {token_lifetime!r}"
        )
    if login_token_in not in ("cookie", "body"):
        raise ValueError(f"login_token_in must be 'cookie' or 'body', not {login_token_in!r}")


class TokenIssuer:
    """Issues session JWTs for signed sign-in messages, and tells whose a bearer token is.

    Safe to use from several threads (the emulator may serve from one of its own while a
    test revokes tokens from another).

    Args:
        wall_clock: Seconds since the Unix epoch, for the sign-in timestamp window and the
            tokens' ``iat``, ``exp`` and expiry.
    """

    def __init__(self, wall_clock: Callable[[], float]) -> None:
        self._wall_clock = wall_clock
        self._secret = secrets.token_bytes(64)
        self._issued: list[IssuedToken] = []
        self._live: set[str] = set()  # the jti of every issued, unrevoked token
        self._lock = threading.Lock()

    @property
    def issued(self) -> list[IssuedToken]:
        """Every token issued since the start (or :meth:`forget`), oldest first."""
        with self._lock:
            return list(self._issued)

    def revoke(self) -> int:
        """Reject every token issued so far; returns how many were still live."""
        with self._lock:
            count = len(self._live)
            self._live.clear()
        return count

    def forget(self) -> None:
        """Revoke every token and forget that any was issued."""
        with self._lock:
            self._live.clear()
            self._issued.clear()

    async def login(
        self,
        request: web.Request,
        *,
        token_lifetime: float,
        token_in: Literal["cookie", "body"],
    ) -> web.StreamResponse:
        """``POST /auth/login``: exchange a signed sign-in message for a session JWT.

        Args:
            request: The sign-in request (``{"address", "signature", "timestamp"}``).
            token_lifetime: How long the token lasts, in seconds.
            token_in: Where the token goes: the ``auth_token`` cookie or the JSON body.

        Raises:
            NestError: 400 for a malformed body, 401 for a bad signature or a timestamp
                more than five minutes away, 501 without the ``wallet`` extra.
        """
        if not wallet_extra_installed():
            raise NestError(501, _NEEDS_WALLET_EXTRA, "Not Implemented")
        import jwt

        address, signature, timestamp = _sign_in_fields(await request.read())
        now = self._wall_clock()
        # In whole milliseconds: a huge int timestamp cannot overflow a float this way.
        if abs(timestamp - math.floor(now * 1000)) > _SIGN_IN_WINDOW_MS:
            raise NestError(
                401, "Sign-in timestamp is too far from the server time", "Unauthorized"
            )
        if not verify_sign_in(address, signature, timestamp):
            raise NestError(401, "Invalid signature", "Unauthorized")
        issued_at = math.floor(now)
        expires_at = _whole(issued_at + token_lifetime)
        jti = uuid.uuid4().hex
        claims = {"sub": address, "address": address, "iat": issued_at, "exp": expires_at}
        token = jwt.encode({**claims, "jti": jti}, self._secret, algorithm=_JWT_ALGORITHM)
        with self._lock:
            self._issued.append(IssuedToken(address, token, jti, issued_at, expires_at))
            self._live.add(jti)
        body: dict[str, Any] = {"address": address, "expiresAt": _iso_seconds(expires_at)}
        if token_in == "body":
            body = {"access_token": token, "token_type": "Bearer", **body}
        response = web.Response(
            status=201, body=orjson.dumps(body), content_type="application/json"
        )
        if token_in == "cookie":
            response.set_cookie("auth_token", token, path="/", httponly=True, samesite="Lax")
        return response

    def user_for(self, token: str) -> str:
        """The user a bearer token acts as: the wallet address for a JWT, else a plain user.

        Raises:
            NestError: A 401 for a JWT the emulator did not issue, or no longer accepts.
        """
        if not _looks_like_jwt(token):
            return user_id_for(token)
        import jwt

        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[_JWT_ALGORITHM],
                options={
                    "verify_exp": False,  # checked below, by the injectable wall clock
                    "verify_iat": False,
                    "verify_nbf": False,
                    "require": ["sub", "exp", "jti"],
                },
            )
        except jwt.PyJWTError:
            raise NestError(401, "Unauthorized") from None
        exp, jti, address = claims["exp"], claims["jti"], claims["sub"]
        if (
            isinstance(exp, bool)
            or not isinstance(exp, (int, float))
            or self._wall_clock() >= exp
            or not isinstance(address, str)
        ):
            raise NestError(401, "Unauthorized")
        with self._lock:
            live = jti in self._live
        if not live:
            raise NestError(401, "Unauthorized")
        return address


def _looks_like_jwt(token: str) -> bool:
    """Whether ``token`` has a JWT header (a base64url JSON object naming an ``alg``).

    Without the ``wallet`` extra every token is plain.
    """
    if token.count(".") != 2 or not wallet_extra_installed():
        return False
    import jwt

    try:
        header = jwt.get_unverified_header(token)
    except (jwt.PyJWTError, ValueError, TypeError):
        return False
    return "alg" in header


def _sign_in_fields(raw: bytes) -> tuple[str, str, int]:
    """The address, signature and timestamp of a sign-in body, or a NestJS 400."""
    body = json_body(raw)
    if not isinstance(body, dict):
        raise NestError(400, ["request body must be a JSON object"], "Bad Request")
    problems = [
        f"{name} must be a non-empty string"
        for name in ("address", "signature")
        if not (isinstance(body.get(name), str) and body[name].strip())
    ]
    timestamp = body.get("timestamp")
    if isinstance(timestamp, bool) or not isinstance(timestamp, int):
        problems.append("timestamp must be an integer number")
    elif timestamp < 0:
        problems.append("timestamp must not be less than 0")
    if problems or not isinstance(timestamp, int):
        raise NestError(400, problems, "Bad Request")
    address: str = body["address"]
    signature: str = body["signature"]
    return address, signature, timestamp


def _whole(seconds: float) -> float:
    """``seconds`` as an int when it is a whole number (JWT dates read best that way)."""
    return int(seconds) if float(seconds).is_integer() else seconds


def _iso_seconds(seconds: float) -> str:
    """Seconds since the epoch as ISO 8601 UTC with milliseconds (``...T12:00:00.000Z``)."""
    moment = datetime.fromtimestamp(seconds, tz=timezone.utc).replace(tzinfo=None)
    return moment.isoformat(timespec="milliseconds") + "Z"
