"""Captcha tokens: where they come from, how they are checked, where they go on the wire.

Follows and replies need a fresh, single-use captcha token per request. A client has a
*source* for each call: a fixed token (given to the constructor or to the call) reused by
every attempt, or a provider asked afresh before every attempt, retries included. The
transport asks the source and puts the token where the endpoint wants it (the query for a
follow, the body for a reply).
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any, Protocol
from urllib.parse import quote

from ._endpoints import Endpoint
from ._validate import check_token
from .errors import ValidationError

__all__ = ["CaptchaProvider", "CaptchaSource", "add_captcha", "captcha_setting", "captcha_source"]


class CaptchaProvider(Protocol):
    """A callable, plain or async, that returns a fresh captcha token each time it is called.

    The token must be a non-blank string without control characters that encodes as
    UTF-8. Anything else (``None`` included: a provider has no way to say "no token")
    raises :class:`~pumpfun_async.ValidationError` on field ``captcha`` before the request
    is sent; the message names the provider and never shows what it returned.
    """

    def __call__(self) -> str | Awaitable[str]:
        """Return a new captcha token, or an awaitable of one."""


CaptchaSource = Callable[[], Awaitable[str]]
"""What the transport asks before each attempt of a follow or a reply."""


def captcha_setting(value: Any) -> str | CaptchaProvider | None:
    """The constructor's ``captcha=``: a checked fixed token, a provider, or ``None``."""
    if value is None or callable(value):
        return value  # type: ignore[no-any-return]
    if isinstance(value, str):
        return check_token(value, "captcha")
    raise ValidationError("captcha", "expected a token string or a callable returning one")


def captcha_source(
    explicit: str | None, setting: str | CaptchaProvider | None
) -> CaptchaSource | None:
    """Where each attempt of one call gets its token: ``None`` for no token at all.

    A per-call token wins over the client's setting. A fixed token is reused by every
    attempt; a provider is asked afresh for each attempt, since a token is single-use.
    """
    fixed = check_token(explicit, "captcha_token") if explicit is not None else setting
    if fixed is None:
        return None
    if isinstance(fixed, str):
        token = fixed

        async def same() -> str:
            return token

        return same
    provider = fixed

    async def ask() -> str:
        token = provider()
        if inspect.isawaitable(token):
            token = await token
        return check_token(token, "captcha", provider=provider)

    return ask


async def add_captcha(
    endpoint: Endpoint, captcha: CaptchaSource, query: str | None, body: dict[str, Any] | None
) -> tuple[str | None, dict[str, Any] | None]:
    """The query and body of one attempt, with a fresh token where the endpoint wants it."""
    token = await captcha()
    if endpoint.captcha == "query":
        pair = f"captchaToken={quote(token, safe='')}"
        return (f"{query}&{pair}" if query else pair), body
    return query, {**(body or {}), "captchaToken": token}
