"""Proxies: the ``proxy=`` and ``trust_env=`` options, SOCKS sessions and proxy failures.

An HTTP(S) proxy goes with each request (``session.request(proxy=...)``), so views of one
client with different HTTP proxies share its session. A SOCKS proxy needs a connector of its
own (from the ``socks`` extra): the transport keeps one session per SOCKS proxy.

The proxy's credentials live in :attr:`Proxy.url` only, which nothing prints; everything
shown to a person (reprs, messages) uses :attr:`Proxy.shown`.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

import aiohttp
import attrs
from yarl import URL

from ._extras import missing_extra, require
from ._secrets import redact
from ._validate import check_bool
from .errors import ProxyError, ValidationError

__all__ = [
    "DIRECT",
    "Proxy",
    "SocksFailure",
    "open_socks_session",
    "proxy_failure",
    "proxy_option",
    "proxy_refusal",
    "proxy_refused",
]

_HTTP_SCHEMES = frozenset({"http", "https"})
_SOCKS_SCHEMES = frozenset({"socks5", "socks5h"})
_SOCKS_DEFAULT_PORT = 1080
# SOCKS5 replies that mean "not you" (RFC 1928: 0x02, connection not allowed by ruleset);
# the others say the proxy could not reach the destination.
_SOCKS_FORBIDDEN = frozenset({0x02})


@attrs.frozen(repr=False)
class Proxy:
    """Where requests go through: a proxy URL (credentials included), or none.

    Attributes:
        url: The proxy URL with its credentials, or ``None`` to connect directly.
        source: Where it came from: ``"proxy"`` (the argument) or an environment variable.
    """

    url: URL | None
    source: str = "proxy"
    #: Whether this is a SOCKS proxy (a connector of its own) rather than HTTP(S).
    socks: bool = attrs.field(init=False, eq=False)
    #: What goes as aiohttp's ``proxy=`` on each request (aiohttp reads its user info):
    #: computed once, since the request path reads it on every request.
    http_url: URL | None = attrs.field(init=False, eq=False)

    def __attrs_post_init__(self) -> None:
        socks = self.url is not None and self.url.scheme in _SOCKS_SCHEMES
        object.__setattr__(self, "socks", socks)
        object.__setattr__(self, "http_url", None if socks else self.url)

    @property
    def shown(self) -> str | None:
        """The URL without its credentials, for reprs and messages."""
        return None if self.url is None else str(self.url.with_user(None))

    def __repr__(self) -> str:
        return f"Proxy({self.shown!r}, source={self.source!r})"


DIRECT = Proxy(None)


def proxy_option(value: str | None, trust_env: bool, base_url: str) -> Proxy:
    """``proxy=`` and ``trust_env=``: the proxy requests to ``base_url`` go through.

    An explicit ``proxy`` wins; without one, and unless ``trust_env`` is false, the
    environment's ``HTTPS_PROXY`` (for an https base URL) or ``HTTP_PROXY`` (for http), then
    ``ALL_PROXY``, apply unless ``NO_PROXY`` names the host, as in requests and httpx (lower
    case names win over upper case ones).

    Raises:
        ValidationError: The URL, given or from the environment, is not a usable proxy
            URL, or is a SOCKS URL without the ``socks`` extra installed. The message never
            quotes the URL: it may hold a password.
    """
    check_bool(trust_env, "trust_env")
    if value is not None:
        return _parse(value, "proxy")
    if not trust_env:
        return DIRECT
    proxies = _environment()
    url = URL(base_url)
    name = url.scheme if url.scheme in proxies else "all"
    found = proxies.get(name)
    if not found or _bypassed(url, proxies.get("no", "")):
        return DIRECT
    field = f"{name.upper()}_PROXY"
    # As requests and httpx: a bare host:port in the environment means an http:// proxy.
    return _parse(found if "://" in found else f"http://{found}", field)


def _environment() -> dict[str, str]:
    """The ``*_proxy`` variables by lower-case prefix (``"https"``, ``"no"``...), as urllib.

    A lower-case name wins over its upper-case twin; empty values count as unset; under
    CGI (``REQUEST_METHOD`` set) ``HTTP_PROXY`` may come from a request header, so it is
    ignored ("httpoxy").
    """
    found: dict[str, str] = {}
    for name, value in os.environ.items():
        if value and name.lower().endswith("_proxy"):
            key = name[:-6].lower()
            if name.islower() or key not in found:
                found[key] = value
    if "REQUEST_METHOD" in os.environ:
        found.pop("http", None)
        if os.environ.get("http_proxy"):
            found["http"] = os.environ["http_proxy"]
    return found


def _bypassed(url: URL, no_proxy: str) -> bool:
    """Whether ``NO_PROXY`` names ``url``'s host: ``*``, the host, or a domain it is in.

    Entries are separated by commas or spaces; ``.example.com``, ``*.example.com`` and
    ``example.com`` all cover ``api.example.com``; ``host:port`` covers that port only.
    """
    host = (url.host or "").lower().rstrip(".")
    for entry in no_proxy.replace(",", " ").split():
        if entry == "*":
            return True
        name, port = entry, ""
        if entry.startswith("["):  # [v6]:port
            name, _, rest = entry[1:].partition("]")
            port = rest.removeprefix(":")
        elif entry.count(":") == 1:
            name, _, port = entry.partition(":")
        if port and port != str(url.port):
            continue
        name = name.lower().lstrip("*").lstrip(".").rstrip(".")
        if name and (host == name or host.endswith("." + name)):
            return True
    return False


def _parse(value: object, field: str) -> Proxy:
    if isinstance(value, URL):
        value = str(value)
    if not isinstance(value, str):
        raise ValidationError(field, f"expected a proxy URL string, got {type(value).__name__}")
    text = value.strip()
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in text):
        raise ValidationError(field, "the proxy URL contains control characters")
    try:
        url = URL(text)
        _port = url.port  # some yarl versions check the port on first use
    except (TypeError, ValueError) as exc:
        raise ValidationError(field, f"not a valid proxy URL ({redact(str(exc))})") from None
    url = _check_parts(url, field)
    _check_credentials(url, field)
    return Proxy(url.with_path(""), source=field)


def _check_parts(url: URL, field: str) -> URL:
    """``url``'s scheme, host, port and emptiness checked; with SOCKS's default port."""
    scheme = url.scheme
    if scheme not in _HTTP_SCHEMES | _SOCKS_SCHEMES:
        shown = f"{scheme!r}" if scheme else "none"
        raise ValidationError(
            field,
            f"unsupported proxy scheme {shown}: use http://, https://, socks5:// or socks5h://",
        )
    if not url.host:
        raise ValidationError(field, "the proxy URL has no host")
    if url.raw_path not in ("", "/") or url.query_string or url.fragment:
        raise ValidationError(field, "the proxy URL must not have a path, a query or a fragment")
    if scheme in _SOCKS_SCHEMES:
        if url.port is None:
            url = url.with_port(_SOCKS_DEFAULT_PORT)
        try:
            require(f"a {scheme}:// proxy", "socks", "aiohttp_socks")
        except ImportError:
            raise ValidationError(field, missing_extra(f"a {scheme}:// proxy", "socks")) from None
    port = url.port  # yarl gives http(s) their default ports
    if port is None or not 0 < port < 65536:
        raise ValidationError(field, f"the proxy port must be from 1 to 65535, got {port}")
    return url


def _check_credentials(url: URL, field: str) -> None:
    user, password = url.user, url.password
    if user is not None and ":" in user:
        raise ValidationError(field, "the proxy user name must not contain ':'")
    if url.scheme in _SOCKS_SCHEMES and any(
        len((part or "").encode("utf-8", "surrogatepass")) > 255 for part in (user, password)
    ):
        raise ValidationError(field, "a SOCKS5 user name or password has at most 255 bytes")
    for part in (user, password):
        if part is not None and any(0xD800 <= ord(c) <= 0xDFFF for c in part):
            raise ValidationError(field, "the proxy credentials are not valid text")


class SocksFailure(aiohttp.ClientConnectionError):
    """A SOCKS proxy failure, as an aiohttp error so that the request path catches it.

    aiohttp-socks raises its own exceptions, which derive from neither aiohttp's nor
    ``OSError``; the connector below turns them into this one.

    Attributes:
        refused: Whether the proxy answered with a refusal (authentication, or a rule).
    """

    def __init__(self, message: str, *, refused: bool) -> None:
        super().__init__(message)
        self.refused = refused


def open_socks_session(proxy: Proxy, timeout: aiohttp.ClientTimeout) -> aiohttp.ClientSession:
    """A session whose connections go through the SOCKS ``proxy``.

    No cookie jar, as for the client's own session.
    """
    url = proxy.url or URL()
    import aiohttp_socks

    class Connector(aiohttp_socks.ProxyConnector):
        async def _wrap_create_connection(self, *args: Any, **kwargs: Any) -> Any:
            try:
                return await super()._wrap_create_connection(*args, **kwargs)
            except aiohttp_socks.ProxyError as exc:
                # No reply code: the handshake failed (authentication); a reply code: the
                # proxy could not, or would not, connect on.
                code = getattr(exc, "error_code", None)
                refused = code is None or code in _SOCKS_FORBIDDEN
                raise SocksFailure(str(exc), refused=refused) from None
            except (
                aiohttp_socks.ProxyConnectionError,
                aiohttp_socks.ProxyTimeoutError,
                asyncio.IncompleteReadError,  # the proxy closed the connection mid-handshake
            ) as exc:
                raise SocksFailure(str(exc) or type(exc).__name__, refused=False) from None

    connector = Connector(
        host=url.host or "",
        port=url.port or _SOCKS_DEFAULT_PORT,
        proxy_type=aiohttp_socks.ProxyType.SOCKS5,
        username=url.user,
        password=url.password,
        rdns=url.scheme == "socks5h",
    )
    return aiohttp.ClientSession(
        connector=connector, timeout=timeout, cookie_jar=aiohttp.DummyCookieJar()
    )


def proxy_failure(exc: BaseException, proxy: Proxy, method: str, path: str) -> ProxyError | None:
    """The :class:`ProxyError` that an aiohttp failure stands for, if the proxy failed."""
    if proxy.url is None:
        return None
    where = f"the proxy {proxy.shown}" + (
        "" if proxy.source == "proxy" else f" (from {proxy.source})"
    )
    if isinstance(exc, SocksFailure):
        verb = "refused" if exc.refused else "failed"
        message = f"{where} {verb} {method} {path}: {redact(str(exc))}"
        return _error(message, proxy, method, path, refused=exc.refused)
    if isinstance(exc, aiohttp.ClientHttpProxyError):
        return proxy_refused(proxy, method, path, exc.status)
    if isinstance(exc, aiohttp.ClientProxyConnectionError):
        reason = redact(f"{type(exc.os_error).__name__}: {exc.os_error}")
        return _error(
            f"could not connect to {where} for {method} {path}: {reason}", proxy, method, path
        )
    if isinstance(exc, aiohttp.ConnectionTimeoutError) and not proxy.socks:
        # With an HTTP proxy the only connection the client opens is to the proxy.
        return _error(f"timed out connecting to {where} for {method} {path}", proxy, method, path)
    return None


def proxy_refusal(
    proxy: Proxy, response: aiohttp.ClientResponse, method: str, path: str
) -> ProxyError | None:
    """The error for a 401 or 407 answer that came from a proxy rather than the API.

    A 407 only ever comes from a proxy. Some (tinyproxy) answer wrong credentials with a 401
    and a ``Basic`` challenge, which the API, whose tokens go as ``Bearer``, never sends.
    """
    status = response.status
    if status == 401:
        challenge = response.headers.get("WWW-Authenticate", "")
        if proxy.http_url is None or not challenge.lower().startswith("basic"):
            return None
    return proxy_refused(proxy, method, path, status)


def proxy_refused(proxy: Proxy, method: str, path: str, status: int) -> ProxyError:
    """The error for the proxy's own HTTP answer ``status`` (407, or to a ``CONNECT``)."""
    where = f"the proxy {proxy.shown}" if proxy.url is not None else "a proxy on the way"
    if status in (401, 407):
        return _error(
            f"{where} refused {method} {path}: HTTP {status} "
            "(check the proxy's user name and password)",
            proxy, method, path, refused=True, status=status,
        )  # fmt: skip
    return _error(
        f"{where} could not open a tunnel for {method} {path}: HTTP {status}",
        proxy, method, path, refused=status == 403, status=status,
    )  # fmt: skip


def _error(
    message: str,
    proxy: Proxy,
    method: str,
    path: str,
    *,
    refused: bool = False,
    status: int | None = None,
) -> ProxyError:
    return ProxyError(
        message,
        proxy=proxy.shown or "",
        refused=refused,
        status=status,
        method=method,
        path=path,
    )
