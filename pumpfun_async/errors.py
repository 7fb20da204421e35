"""Every exception the SDK raises.

The tree::

    PumpFunError                      anything raised by pumpfun_async
    ├── ValidationError (ValueError)  bad input; raised before any request is sent
    ├── ClientClosedError (RuntimeError)  the client was used after it was closed
    ├── APIError                      the server answered, but not with success
    │   ├── BadRequestError           400
    │   ├── AuthenticationError       401
    │   ├── PermissionDeniedError     403 (JSON)
    │   ├── NotFoundError             404
    │   ├── RateLimitError            429, with ``retry_after``
    │   ├── ServerError               5xx
    │   └── BlockedError              an HTML geo/IP block page or a Cloudflare challenge
    └── TransportError                no usable answer: the network failed
        ├── ConnectError              the connection could not be opened; nothing was sent
        ├── RequestTimeoutError       the request was sent but no answer came in time
        ├── ResponseTooLargeError     the answer was larger than ``max_response_bytes``
        └── ProxyError                the proxy refused the request or could not be reached

An :class:`APIError` is also raised for a success status whose body is not what the endpoint
returns (a database error body with HTTP 200, HTML, or JSON that cannot be decoded).

No exception carries the bearer token, the client key or a proxy's credentials: messages
name the HTTP method and the path, never headers or query values.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "APIError",
    "AuthenticationError",
    "BadRequestError",
    "BlockedError",
    "ClientClosedError",
    "ConnectError",
    "NotFoundError",
    "PermissionDeniedError",
    "ProxyError",
    "PumpFunError",
    "RateLimitError",
    "RequestTimeoutError",
    "ResponseTooLargeError",
    "ServerError",
    "TransportError",
    "ValidationError",
]


class PumpFunError(Exception):
    """Base class of every exception raised by :mod:`pumpfun_async`."""


class ValidationError(PumpFunError, ValueError):
    """An argument was rejected before anything was sent to the server.

    Attributes:
        field: The name of the offending parameter.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class ClientClosedError(PumpFunError, RuntimeError):
    """The client was used after :meth:`~pumpfun_async.AsyncPumpFunClient.aclose`.

    A closed client never reopens silently: create a new one instead.
    """


class APIError(PumpFunError):
    """The server answered, but not with the success the endpoint promises.

    Attributes:
        status: The HTTP status code (200 for an error body sent with a success status).
        message: The server's message; a NestJS ``message`` list is joined with ``"; "``.
        body: The decoded JSON body, or the text of a non-JSON body (cut to 2,000
            characters), or ``None`` when the body was empty.
        code: A database error code (for example ``"22P02"``) when the server sent one.
        method: The HTTP method of the request.
        path: The request path, without its query string.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int,
        body: Any = None,
        code: str | None = None,
        method: str = "",
        path: str = "",
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.body = body
        self.code = code
        self.method = method
        self.path = path

    # str() and repr() read each attribute with a default: an error reporter may render an
    # error that was made with __new__ alone, or whose attributes were replaced or deleted.
    def __str__(self) -> str:
        method = getattr(self, "method", "")
        where = f" ({method} {getattr(self, 'path', '')})" if method else ""
        return f"HTTP {getattr(self, 'status', '?')}: {getattr(self, 'message', '')}{where}"

    def __repr__(self) -> str:
        status = getattr(self, "status", None)
        return f"{type(self).__name__}(status={status!r}, message={getattr(self, 'message', '')!r})"


class BadRequestError(APIError):
    """HTTP 400: the server rejected the request (a missing captcha, a bad id, …)."""


class AuthenticationError(APIError):
    """HTTP 401: the token (or, for comment reports, the client key) is missing or invalid."""


class PermissionDeniedError(APIError):
    """HTTP 403 with a JSON body: the token is valid but not allowed (admin endpoints)."""


class NotFoundError(APIError):
    """HTTP 404: the coin, reply, report or route does not exist."""


class RateLimitError(APIError):
    """HTTP 429: pump.fun throttled the request.

    Attributes:
        retry_after: Seconds to wait as the server's ``Retry-After`` header said (read as
            seconds or as an HTTP date), or ``None`` when it sent none.
    """

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ServerError(APIError):
    """HTTP 5xx: the server or a proxy in front of it failed."""


class BlockedError(APIError):
    """An HTML page instead of the API: a geo/IP block or a Cloudflare challenge.

    Attributes:
        kind: ``"challenge"`` for a Cloudflare challenge page, ``"blocked"`` for a block page.
    """

    def __init__(self, message: str, *, kind: str, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.kind = kind


class TransportError(PumpFunError):
    """The request failed on the network: refused, reset, dropped or timed out.

    Attributes:
        method: The HTTP method of the request.
        path: The request path, without its query string.
    """

    def __init__(self, message: str, *, method: str = "", path: str = "") -> None:
        super().__init__(message)
        self.method = method
        self.path = path


class ConnectError(TransportError):
    """The connection could not be opened, so the request surely had no effect."""


class RequestTimeoutError(TransportError):
    """No complete answer came within the timeout; the request may have taken effect."""


class ResponseTooLargeError(TransportError):
    """The answer's body was larger than the client's ``max_response_bytes``.

    Raised as soon as the ``Content-Length`` header or the bytes read so far (after
    decompression) pass the limit; the rest is not read and the connection is closed. It is
    not retried: the request may have taken effect, and the same answer would come again.

    Attributes:
        limit: The limit in bytes that was passed.
    """

    def __init__(self, message: str, *, limit: int, method: str = "", path: str = "") -> None:
        super().__init__(message, method=method, path=path)
        self.limit = limit


class ProxyError(TransportError):
    """The proxy the client goes through refused the request or could not be reached.

    The request never reached the API. Whether it is retried depends on ``refused``: a
    proxy that could not be reached (or could not reach the API) is retried as a
    :class:`ConnectError` is, for every operation; a refusal is never retried, since the
    proxy would answer the same until its settings or credentials are fixed.

    Attributes:
        proxy: The proxy's URL, without its credentials.
        refused: ``True`` when the proxy answered with a refusal: HTTP 407 (its user name
            or password is missing or wrong), a failed SOCKS authentication, or a rule of
            the proxy forbidding the connection.
        status: The HTTP status the proxy answered with (407, or its answer to a
            ``CONNECT``), or ``None`` (a SOCKS proxy, or no answer at all).
    """

    def __init__(
        self,
        message: str,
        *,
        proxy: str,
        refused: bool = False,
        status: int | None = None,
        method: str = "",
        path: str = "",
    ) -> None:
        super().__init__(message, method=method, path=path)
        self.proxy = proxy
        self.refused = refused
        self.status = status
