"""The escape hatch's checks: any method and path, sent through the one request path.

:func:`prepare` turns the arguments of ``client.request(...)`` into what the transport
sends (an :class:`Endpoint` made up for the call, the path, the query string, the JSON
body), or raises :class:`ValidationError` before anything is sent.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, unquote

import orjson
from yarl import URL

from ._endpoints import ENDPOINTS, Endpoint, RouteGroup
from ._validate import check_bool, check_utf8
from .errors import ValidationError

__all__ = ["IDEMPOTENT_METHODS", "METHODS", "prepare"]

METHODS = ("GET", "HEAD", "OPTIONS", "PUT", "DELETE", "POST", "PATCH")
"""The HTTP methods ``request()`` sends."""

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
"""Methods HTTP defines as idempotent: retried after a lost answer unless told otherwise."""

# Characters a path may carry as they are; "%" only as the start of an escape, checked apart.
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# The operations' path templates, to give a known route its own rate-limit group.
_MINT = "[1-9A-HJ-NP-Za-km-z]{32,44}"
# What each path parameter can hold, so that /coins/currently-live is not taken for
# /coins/{mint}; any other parameter is one segment.
_PARAMETER = {"mint": _MINT, "target_id": rf"(?:{_MINT}|[0-9]+)"}


def _template_pattern(path: str) -> re.Pattern[str]:
    parts = re.split(r"\{([^}]*)\}", path)  # text, name, text, name, ..., text
    return re.compile(
        "".join(
            re.escape(part) if i % 2 == 0 else _PARAMETER.get(part, "[^/]+")
            for i, part in enumerate(parts)
        )
    )


_TEMPLATES = tuple((e.method, _template_pattern(e.path), e) for e in ENDPOINTS.values())


def prepare(
    base_url: str,
    method: str,
    path: str,
    *,
    params: Mapping[str, Any] | None,
    json: Any,
    group: RouteGroup | str | None,
    idempotent: bool | None,
) -> tuple[Endpoint, str, str | None, Any]:
    """Check ``client.request()``'s arguments: ``(endpoint, path, query, body)`` to send.

    Raises:
        ValidationError: Any argument is unusable; nothing has been sent.
    """
    verb = _method(method)
    where = _path(path)
    url = URL(base_url + where, encoded=True)
    base = URL(base_url)
    if (url.scheme, url.host, url.port) != (base.scheme, base.host, base.port):
        raise ValidationError("path", "must stay on the client's base URL")  # pragma: no cover
    query = _query(params)
    if json is not None:
        try:
            orjson.dumps(json)
        except TypeError as exc:
            raise ValidationError("json", f"cannot be sent as JSON: {exc}") from None
    known = _known(verb, where)
    endpoint = Endpoint(
        name="request",
        method=verb,
        # A known route is described by its template, so hooks and traces see no ids.
        path=where if known is None else known.path,
        group=_group(group, known),
        idempotent=verb in IDEMPOTENT_METHODS
        if idempotent is None
        else check_bool(idempotent, "idempotent"),
        summary=f"{verb} {where}, sent with client.request().",
        has_body=json is not None,
    )
    return endpoint, where, query, json


def _method(method: Any) -> str:
    if not isinstance(method, str):
        raise ValidationError("method", f"expected a string, got {type(method).__name__}")
    check_utf8(method, "method")
    verb = method.strip().upper()
    if verb not in METHODS:
        raise ValidationError("method", f"{method!r} is not one of {', '.join(METHODS)}")
    return verb


def _path(path: Any) -> str:
    """The path as sent: relative to the base URL, percent-encoded, with no way out of it."""
    if not isinstance(path, str):
        raise ValidationError("path", f"expected a string, got {type(path).__name__}")
    check_utf8(path, "path")
    if _CONTROL.search(path):
        raise ValidationError("path", "contains control characters (CR, LF, …)")
    if not path.startswith("/") or path.startswith("//"):
        raise ValidationError(
            "path", f"{path!r} must start with a single / (relative to the client's base URL)"
        )
    if "?" in path or "#" in path:
        raise ValidationError("path", "must not carry a query or a fragment: pass params=")
    if "\\" in path:
        raise ValidationError("path", "must not contain a backslash")
    if _BAD_ESCAPE.search(path):
        raise ValidationError("path", "has a % that does not start a %XX escape")
    for segment in path.split("/"):
        # Servers may decode %2F and %5C before routing: "..%2F" is a way up too.
        decoded = unquote(segment).replace("\\", "/")
        if any(part in (".", "..") for part in decoded.split("/")):
            raise ValidationError("path", "must not contain . or .. segments")
    return quote(path, safe=_PATH_SAFE)


def _query(params: Any) -> str | None:
    if params is None:
        return None
    if not isinstance(params, Mapping):
        raise ValidationError("params", f"expected a mapping, got {type(params).__name__}")
    pairs: list[str] = []
    for key, value in params.items():
        if not isinstance(key, str) or not key:
            raise ValidationError("params", f"parameter names must be non-empty strings: {key!r}")
        check_utf8(key, "params")
        values = value if isinstance(value, (list, tuple)) else (value,)
        name = quote(key, safe="")
        pairs.extend(f"{name}={_param(key, item)}" for item in values if item is not None)
    return "&".join(pairs) or None


def _param(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValidationError("params", f"{key}: {value!r} is not a finite number")
        return repr(value)
    if isinstance(value, str):
        return quote(check_utf8(value, "params"), safe="")
    raise ValidationError(
        "params",
        f"{key}: expected a str, int, float, bool or None (or a list of them), "
        f"got {type(value).__name__}",
    )


def _known(method: str, path: str) -> Endpoint | None:
    """The operation whose route ``method path`` is, if any."""
    return next(
        (e for m, pattern, e in _TEMPLATES if m == method and pattern.fullmatch(path)), None
    )


def _group(group: Any, known: Endpoint | None) -> RouteGroup:
    """The route group asked for; else that of the operation the route is; else reads."""
    if group is None:
        return RouteGroup.READS if known is None else known.group
    if isinstance(group, str):
        check_utf8(group, "group")
    try:
        return RouteGroup(group)
    except ValueError:
        names = ", ".join(g.value for g in RouteGroup)
        raise ValidationError("group", f"{group!r} is not a route group ({names})") from None
