"""The client's options and their defaults, in one place (as httpx's ``_config.py``).

For now the API root: its default and the check that normalises it. The command line uses
the same check to key stored tokens by API root, so that ``--base-url`` spelled two ways
finds one token.
"""

from __future__ import annotations

import os

from yarl import URL

from ._validate import check_utf8
from .errors import ValidationError

__all__ = ["DEFAULT_BASE_URL", "check_base_url"]

DEFAULT_BASE_URL = "https://frontend-api-v3.pump.fun"


def check_base_url(value: str | None) -> str:
    """The API root as the client uses it: ``$PUMPFUN_BASE_URL`` or pump.fun for ``None``.

    Returns the URL without a trailing slash.

    Raises:
        ValidationError: On field ``base_url``, for anything but an http(s) URL with a host
            and without a query, a fragment or credentials.
    """
    if value is None:
        value = os.environ.get("PUMPFUN_BASE_URL") or DEFAULT_BASE_URL
    if not isinstance(value, str):
        raise ValidationError("base_url", f"expected a string, got {type(value).__name__}")
    check_utf8(value, "base_url")  # yarl would drop a lone surrogate from the path silently
    try:
        url = URL(value.strip())
    except (TypeError, ValueError) as exc:
        raise ValidationError("base_url", f"{value!r} is not a URL") from exc
    if url.scheme not in ("http", "https") or not url.host:
        raise ValidationError("base_url", f"{value!r} is not an http(s) URL with a host")
    if url.query_string or url.fragment or url.user or url.password:
        raise ValidationError("base_url", "must not carry a query, a fragment or credentials")
    return str(url).rstrip("/")
