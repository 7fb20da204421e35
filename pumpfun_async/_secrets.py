"""Keeping secrets out of what error reporters capture.

Sentry and its kind render every exception of a chain with the locals of every frame it went
through. The SDK's own messages never name a secret, but the frames below the request (the
SDK's and aiohttp's) hold the headers, the URL with its captcha token and the request body,
and aiohttp's exceptions carry the request's headers and URL as attributes.
:func:`forget_secrets` drops all of that from an exception on its way out of the SDK.
"""

from __future__ import annotations

import contextlib
import re
import traceback
from collections.abc import Mapping
from typing import Any

import aiohttp
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

__all__ = ["SECRET_HEADERS", "forget_secrets", "redact"]

#: Request and response headers whose values are credentials.
SECRET_HEADERS = frozenset(
    {"authorization", "x-client-key", "cookie", "set-cookie", "proxy-authorization"}
)
# A query string inside a message (aiohttp quotes URLs in its messages), and a bearer token.
_QUERY = re.compile(r"\?[^\s'\"<>]*")
_BEARER = re.compile(r"(?i)bearer\s+\S+")
# The user info of a URL inside a message (a proxy's user name and password).
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^\s/@'\"<>]*@")


def forget_secrets(error: BaseException) -> None:
    """Drop the secrets ``error``, its chain and its finished frames may hold.

    Clears the locals of every finished frame in the tracebacks of ``error`` and of the
    exceptions it chains (``__cause__``, ``__context__``, the members of a group); frames
    still running (the caller's) are left alone, and the caller rebinds its own secret
    locals. aiohttp's exceptions lose the query string of their URLs and their credential
    headers.
    """
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        traceback.clear_frames(current.__traceback__)
        if isinstance(current, aiohttp.ClientError):
            _redact_attributes(current)
        pending += [current.__cause__, current.__context__]
        members = getattr(current, "exceptions", None)
        if isinstance(members, tuple):
            pending += [m for m in members if isinstance(m, BaseException)]


def redact(value: Any) -> Any:
    """``value`` without credentials.

    URLs lose their query and user info, header maps their credential headers, text its
    query strings, bearer tokens and URL user info; ``BasicAuth`` becomes ``None`` and named
    tuples (aiohttp's connection keys, which hold the proxy) are redacted field by field;
    anything else is returned as it is.
    """
    if isinstance(value, URL):
        secret = value.raw_query_string or value.raw_user or value.raw_password
        return value.with_query(None).with_user(None) if secret else value
    if isinstance(value, aiohttp.RequestInfo):
        return aiohttp.RequestInfo(
            redact(value.url), value.method, redact(value.headers), redact(value.real_url)
        )
    if isinstance(value, Mapping):
        if any(isinstance(k, str) and k.lower() in SECRET_HEADERS for k in value):
            kept = CIMultiDict(
                (k, v) for k, v in value.items() if str(k).lower() not in SECRET_HEADERS
            )
            return CIMultiDictProxy(kept)
        return value
    if isinstance(value, str):
        return _USERINFO.sub(r"\1…@", _BEARER.sub("Bearer …", _QUERY.sub("?…", value)))
    return _redact_fields(value) if isinstance(value, tuple) else value


def _redact_fields(value: tuple[Any, ...]) -> Any:
    """A named tuple with each field redacted (itself if none changes); other tuples as are."""
    if isinstance(value, aiohttp.BasicAuth):
        return None
    names = getattr(value, "_fields", None)
    if not isinstance(names, tuple):
        return value
    fields = {name: redact(getattr(value, name)) for name in names}
    if all(fields[name] is getattr(value, name) for name in names):
        return value
    return value._replace(**fields)  # type: ignore[attr-defined]


def _redact_attributes(error: aiohttp.ClientError) -> None:
    error.args = tuple(redact(arg) for arg in error.args)
    for name, value in list(vars(error).items()):
        cleaned = redact(value)
        if cleaned is not value:
            with contextlib.suppress(AttributeError):  # read-only: nothing to set
                setattr(error, name, cleaned)
