"""RawResponse: what the server answered, for ``client.with_raw_response.<method>(...)``.

A raw call runs the plain method unchanged, on the one request path, with a
:class:`Capture` set in a context variable: the transport records the final attempt's
status, headers, body and duration there once the answer has passed its checks (status,
block pages, JSON). Only the last step, turning that JSON into the method's model, is left
to :meth:`RawResponse.parse`.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import orjson

from ._secrets import SECRET_HEADERS

if TYPE_CHECKING:
    import aiohttp
    from multidict import CIMultiDictProxy

    from ._endpoints import Endpoint

__all__ = ["CAPTURE", "Capture", "RawResponse", "capturing"]

_T = TypeVar("_T")

# Response headers whose values are credentials or tie a browser to a session.
_HIDDEN_HEADERS = SECRET_HEADERS | {"www-authenticate", "proxy-authenticate"}


class Capture:
    """Where the transport leaves the answer of a raw call (one per call)."""

    __slots__ = ("content", "elapsed", "endpoint", "headers", "status")

    def __init__(self) -> None:
        self.endpoint: Endpoint | None = None
        self.status = 0
        self.headers: CIMultiDictProxy[str] | None = None
        self.content = b""
        self.elapsed = 0.0

    def record(
        self,
        endpoint: Endpoint,
        response: aiohttp.ClientResponse,
        content: bytes | bytearray,
        elapsed: float,
    ) -> None:
        """Keep one accepted answer (a later attempt's replaces an earlier one's)."""
        self.endpoint = endpoint
        self.status = response.status
        self.headers = response.headers
        self.content = bytes(content)
        self.elapsed = elapsed


CAPTURE: contextvars.ContextVar[Capture | None] = contextvars.ContextVar(
    "pumpfun_async_raw_capture", default=None
)
"""The raw call in progress in this context, if any (read by the transport)."""


def capturing() -> bool:
    """Whether the code running is part of a raw call (which always sends its request)."""
    return CAPTURE.get() is not None


def _unparsed() -> Any:  # pragma: no cover - replaced before a RawResponse is handed out
    raise AssertionError("no parser")


class RawResponse(Generic[_T]):
    """The server's answer to one call, as it came: status, headers, bytes, timing.

    Returned by ``client.with_raw_response.<method>(...)``, which sends the same request as
    ``client.<method>(...)`` through the same path (rate limits, retries, size limits,
    sign-in) and raises the same errors for a failed request: a 4xx or 5xx answer, a block
    page, a body that is not JSON. Only turning the JSON into the method's model waits for
    :meth:`parse`, so an answer of a shape the SDK does not expect can still be looked at::

        raw = await client.with_raw_response.get_replies(mint)
        print(raw.status, raw.headers.get("x-ratelimit-remaining"), raw.elapsed)
        page = raw.parse()  # the RepliesPage client.get_replies(mint) returns

    With retries, it describes the final attempt, the one that succeeded. Its ``repr()``
    names the status, operation, size and duration, and the response headers with
    credentials (``Set-Cookie``, ``Authorization`` and the like) shown as ``<redacted>``;
    the body, and anything of the request (token, captcha token), never appears in it.

    Attributes:
        status: The HTTP status code (2xx: anything else raised).
        headers: The response headers, looked up case-insensitively (aiohttp's
            ``CIMultiDictProxy``; ``getall()`` gives repeated ones).
        content: The response body, decompressed, as bytes.
        elapsed: How long the final attempt took, from sending the request to the last byte
            of the answer.
        endpoint: The operation's :class:`~pumpfun_async.endpoints.Endpoint` description
            (method, path template, route group); made up on the spot for
            ``with_raw_response.request(...)``.
    """

    __slots__ = ("_parse", "content", "elapsed", "endpoint", "headers", "status")

    def __init__(
        self,
        *,
        status: int,
        headers: CIMultiDictProxy[str],
        content: bytes,
        elapsed: timedelta,
        endpoint: Endpoint,
        parse: Callable[[], _T] = _unparsed,
    ) -> None:
        self.status = status
        self.headers = headers
        self.content = content
        self.elapsed = elapsed
        self.endpoint = endpoint
        self._parse = parse

    @classmethod
    def from_capture(cls, capture: Capture, parse: Callable[[], _T]) -> RawResponse[_T]:
        """The raw response a finished capture holds, parsed by ``parse``."""
        if capture.endpoint is None or capture.headers is None:  # pragma: no cover
            raise AssertionError("the call sent no request")
        return cls(
            status=capture.status,
            headers=capture.headers,
            content=capture.content,
            elapsed=timedelta(seconds=capture.elapsed),
            endpoint=capture.endpoint,
            parse=parse,
        )

    def parse(self) -> _T:
        """What the plain method returns for this answer, decoded exactly as it decodes it.

        Raises:
            APIError: The answer is not the shape the method returns (the plain method
                raises the same error).
        """
        return self._parse()

    @property
    def text(self) -> str:
        """The body as text (UTF-8; undecodable bytes become U+FFFD)."""
        return self.content.decode("utf-8", "replace")

    def json(self) -> Any:
        """The body's JSON as Python values (``None`` for an empty body), not checked."""
        content = self.content
        return orjson.loads(content) if content.strip() else None

    def __repr__(self) -> str:
        try:
            headers = ", ".join(
                f"{name!r}: {'<redacted>' if name.lower() in _HIDDEN_HEADERS else repr(value)}"
                for name, value in self.headers.items()
            )
            endpoint = self.endpoint
            return (
                f"RawResponse(status={self.status}, operation={endpoint.name!r}, "
                f"method={endpoint.method!r}, path={endpoint.path!r}, "
                f"content=<{len(self.content)} bytes>, "
                f"elapsed={self.elapsed.total_seconds():.3f}s, headers={{{headers}}})"
            )
        except Exception:  # a half-built object: error reporters repr() those too
            return "RawResponse(<not initialised>)"
