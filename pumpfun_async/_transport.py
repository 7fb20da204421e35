"""The one request path: session, headers, network errors, decoding, logging.

Everything bound to an event loop (the aiohttp session) lives here, created on first use
inside the running loop.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import aiohttp
import orjson
from yarl import URL

from ._endpoints import Endpoint
from ._responses import decode_response
from ._version import __version__
from .errors import (
    ClientClosedError,
    ConnectError,
    RequestTimeoutError,
    TransportError,
    ValidationError,
)

__all__ = ["USER_AGENT", "Transport", "logger"]

USER_AGENT = f"pumpfun-async/{__version__}"
logger = logging.getLogger("pumpfun_async")
# aiohttp labels an empty POST "application/octet-stream"; the API's bodiless POSTs
# (like, follow) go without a Content-Type, as in the docs.
_NO_CONTENT_TYPE = ("Content-Type",)


class Transport:
    """Sends requests for endpoint descriptions and returns decoded JSON.

    Holds the secrets (inside prebuilt header maps only), the aiohttp session and the
    timeout. Owns the session unless the caller passed one.
    """

    __slots__ = (
        "_base_url",
        "_body_headers",
        "_closed",
        "_key_headers",
        "_owns_session",
        "_plain_headers",
        "_session",
        "_timeout",
    )

    def __init__(
        self,
        *,
        base_url: str,
        token: str | None,
        client_key: str | None,
        timeout: float | None,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        self._base_url = base_url
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session = session
        self._owns_session = session is None
        self._closed = False
        plain = {"Accept": "application/json", "User-Agent": USER_AGENT}
        if token:
            plain["Authorization"] = f"Bearer {token}"
        self._plain_headers = plain
        self._body_headers = {**plain, "Content-Type": "application/json"}
        self._key_headers = (
            {**self._body_headers, "x-client-key": client_key} if client_key else None
        )

    @property
    def closed(self) -> bool:
        """Whether :meth:`aclose` was called."""
        return self._closed

    def _open(self) -> aiohttp.ClientSession:
        if self._closed:
            raise ClientClosedError(
                "this client has been closed; create a new AsyncPumpFunClient to send requests"
            )
        self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    async def request(
        self, endpoint: Endpoint, path: str, *, query: str | None = None, body: Any = None
    ) -> Any:
        """Send one request and return the decoded JSON body (``None`` when empty)."""
        session = self._session
        if session is None or self._closed:
            session = self._open()
        elif session.closed:
            raise ClientClosedError("the aiohttp session given to this client has been closed")
        method = endpoint.method
        url = URL(
            f"{self._base_url}{path}?{query}" if query else self._base_url + path, encoded=True
        )
        if endpoint.client_key:
            headers = self._key_headers
            if headers is None:  # the client checks first; this guards direct use
                raise ValidationError("client_key", "this endpoint needs a client key")
        elif endpoint.has_body:
            headers = self._body_headers
        else:
            headers = self._plain_headers
        data = orjson.dumps(body) if body is not None else None
        started = time.perf_counter()
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
        except aiohttp.ClientConnectorError as exc:
            raise ConnectError(
                f"could not connect for {method} {path}: {_describe(exc.os_error, query)}",
                method=method,
                path=path,
            ) from exc
        except aiohttp.ConnectionTimeoutError as exc:
            raise ConnectError(
                f"timed out connecting for {method} {path}", method=method, path=path
            ) from exc
        except asyncio.TimeoutError as exc:
            raise RequestTimeoutError(
                f"{method} {path} got no complete answer within the timeout",
                method=method,
                path=path,
            ) from exc
        except (aiohttp.ClientError, OSError) as exc:
            raise TransportError(
                f"{method} {path} failed on the network: {_describe(exc, query)}",
                method=method,
                path=path,
            ) from exc
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "%s %s -> %d in %.1f ms",
                method,
                path,
                status,
                (time.perf_counter() - started) * 1000,
            )
        return decode_response(status, response_headers, raw, method=method, path=path)

    async def aclose(self) -> None:
        """Close the session if this transport opened it; further requests are refused."""
        self._closed = True
        session, self._session = self._session, None
        if session is not None and self._owns_session:
            await session.close()


def _describe(exc: BaseException, query: str | None) -> str:
    """Name an exception for a message, without the query string (it may hold a captcha)."""
    text = f"{type(exc).__name__}: {exc}"
    return text.replace(query, "…") if query else text
