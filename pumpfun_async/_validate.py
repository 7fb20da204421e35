r"""Input checks: each returns the value as it goes on the wire, or raises ValidationError.

They run before a request is built, so bad input never reaches the network. Every string
that can reach the wire passes :func:`check_utf8` (directly, or through a pattern that
only admits ASCII): a lone surrogate such as ``"\ud83d"`` cannot be encoded, and would
otherwise escape as the JSON encoder's ``TypeError`` or the quoting's ``UnicodeEncodeError``
(or, in a URL, vanish silently).
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Iterable
from datetime import date, datetime, timezone
from typing import Any

from .errors import ValidationError

__all__ = [
    "check_bool",
    "check_datetime",
    "check_enum",
    "check_id",
    "check_id_list",
    "check_int",
    "check_like_target",
    "check_limit",
    "check_mint",
    "check_number",
    "check_offset",
    "check_reply_text",
    "check_seconds",
    "check_text",
    "check_token",
    "check_utf8",
]

MAX_REPLY_LENGTH = 2000
MAX_LIMIT = 1000
MAX_ID_LENGTH = 128
#: Reply ids are integers; 20 digits hold any unsigned 64-bit one.
MAX_REPLY_ID_DIGITS = 20

_BASE58_KEY = re.compile(r"[1-9A-HJ-NP-Za-km-z]{32,44}")
# A like's target: a mint, or a reply id in ASCII digits. Bound once: like_many runs it
# 100,000 times.
_LIKE_TARGET = re.compile(
    rf"[1-9A-HJ-NP-Za-km-z]{{32,44}}|[0-9]{{1,{MAX_REPLY_ID_DIGITS}}}"
).fullmatch
_REPLY_ID_LIMIT = 10**MAX_REPLY_ID_DIGITS
# C0 controls, DEL and C1 controls: never part of a token, and a line break in one could
# split a header or a query.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# Characters that could change the request line or the path: whitespace and controls,
# separators, and the characters that start a query or a fragment.
_ID_FORBIDDEN = re.compile(r"[\s\x00-\x1f\x7f/\\?#%]")
_ENUM_VALUE = re.compile(r"[a-z][a-z0-9_]*")


def check_utf8(value: str, field: str) -> str:
    r"""``value`` if it encodes as UTF-8 (strictly), else a ``ValidationError`` on ``field``.

    Only a lone surrogate (``"\ud800"`` to ``"\udfff"`` on its own, as a broken emoji or
    an undecodable byte read with ``surrogateescape`` leaves behind) fails. The message
    gives its position and code point, never the value, which may be a secret.
    """
    problem = _not_utf8(value)
    if problem is not None:
        raise ValidationError(field, problem)
    return value


def _not_utf8(value: str) -> str | None:
    """Why ``value`` cannot be sent as UTF-8, or ``None`` when it can."""
    if value.isascii():
        return None  # the common case, without encoding anything
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        return (
            f"contains a lone surrogate (U+{ord(value[exc.start]):04X}) at index {exc.start}; "
            "only text that encodes as UTF-8 can be sent"
        )
    return None


def check_mint(value: Any, field: str = "mint") -> str:
    """A coin mint: a base58 ed25519 public key of 32 to 44 characters (no suffix required)."""
    if not isinstance(value, str):
        raise ValidationError(field, f"expected a base58 mint address string, got {_kind(value)}")
    if not _BASE58_KEY.fullmatch(value):
        check_utf8(value, field)  # the more precise reason first
        raise ValidationError(
            field, f"{value!r} is not a mint address (32-44 base58 characters, no 0, O, I or l)"
        )
    return value


def check_id(value: Any, field: str) -> str:
    """An id used in a path or a body: a non-empty string or a non-negative integer.

    Whitespace, control characters, slashes, ``?``, ``#``, ``%`` and the dot-only names
    ``.`` and ``..`` are refused: an id can never change which endpoint a request reaches.
    """
    if type(value) is str and value.isalnum() and value.isascii() and len(value) <= MAX_ID_LENGTH:
        return value  # the common case (a mint, a reply id): nothing in it needs a closer look
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValidationError(field, f"expected a string or integer id, got {_kind(value)}")
    if isinstance(value, int):
        if value < 0:
            raise ValidationError(field, f"ids are never negative, got {value}")
        if value.bit_length() > 4 * MAX_ID_LENGTH:  # too long for str() to be quick
            raise ValidationError(field, f"ids have at most {MAX_ID_LENGTH} characters")
        text = str(value)
    else:
        text = value
    if not text:
        raise ValidationError(field, "must not be empty")
    check_utf8(text, field)
    if len(text) > MAX_ID_LENGTH:
        raise ValidationError(
            field, f"is {len(text)} characters long; ids have at most {MAX_ID_LENGTH}"
        )
    if _ID_FORBIDDEN.search(text):
        raise ValidationError(
            field, f"{text!r} contains whitespace, a control character, '/', '\\', '?', '#' or '%'"
        )
    if text.strip(".") == "":
        raise ValidationError(field, f"{text!r} is not an id")
    return text


def check_like_target(value: Any, field: str = "target_id") -> str:
    """What a like points at: a coin's mint, or a reply's id.

    A mint is 32 to 44 base58 characters; a reply id is a non-negative integer, given as
    an ``int`` (not a ``bool``) or as 1 to 20 ASCII digits. Anything else would only earn a
    404 from the server.
    """
    if type(value) is str and _LIKE_TARGET(value):
        return value  # the hot path of like_many: one precompiled match, nothing allocated
    if isinstance(value, int) and not isinstance(value, bool):
        if 0 <= value < _REPLY_ID_LIMIT:
            return str(int(value))  # int(): an IntEnum's str() is not always its digits
        got = f"got {value}" if value < 0 else "got a longer one"
        raise ValidationError(
            field,
            f"a reply id is a non-negative integer of at most {MAX_REPLY_ID_DIGITS} digits, {got}",
        )
    if not isinstance(value, str):
        raise ValidationError(
            field, f"expected a mint address or a reply id (str or int), got {_kind(value)}"
        )
    if _LIKE_TARGET(value):
        return value  # a subclass of str
    check_utf8(value, field)
    shown = repr(value) if len(value) <= MAX_ID_LENGTH else f"a {len(value)}-character string"
    raise ValidationError(
        field,
        f"{shown} is neither a mint address (32-44 base58 characters, no 0, O, I or l) "
        f"nor a reply id (1-{MAX_REPLY_ID_DIGITS} digits)",
    )


def check_id_list(values: Any, field: str) -> list[str]:
    """A non-empty list (any iterable but a string) of ids."""
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise ValidationError(field, f"expected a list of ids, got {_kind(values)}")
    ids = [check_id(v, field) for v in values]
    if not ids:
        raise ValidationError(field, "must name at least one id")
    return ids


def check_text(value: Any, field: str, max_length: int | None = None) -> str:
    """A string with something other than whitespace in it, at most ``max_length`` long."""
    if not isinstance(value, str):
        raise ValidationError(field, f"expected a string, got {_kind(value)}")
    if not value.strip():
        raise ValidationError(field, "must not be empty or blank")
    if max_length is not None and len(value) > max_length:
        raise ValidationError(
            field, f"is {len(value)} characters long; at most {max_length} are allowed"
        )
    return check_utf8(value, field)


def check_token(value: Any, field: str, *, provider: object = None) -> str:
    """A captcha token: a non-blank string, valid UTF-8, without control characters.

    The value is never echoed (a token is a credential). For a token a captcha provider
    returned, pass the provider: the message names it (by its qualified name).
    """
    if type(value) is str and value.isascii() and value.isprintable() and value.strip():
        return value  # a token as captcha services issue them: nothing to look at closely
    if not isinstance(value, str):
        problem = f"is not a string but {_kind(value)}"
    elif not value.strip():
        problem = "is empty or blank"
    else:
        problem = _not_utf8(value) or ""
        if not problem and _CONTROL.search(value):
            problem = "contains a control character (a line break, a tab, NUL, ...)"
        if not problem:
            return value
    if provider is None:
        raise ValidationError(field, f"the token {problem}")
    raise ValidationError(
        field, f"the token returned by the captcha provider {_provider_name(provider)} {problem}"
    )


def _provider_name(provider: object) -> str:
    """A callable's qualified name for messages: ``module.qualname`` when it has them."""
    name = getattr(provider, "__qualname__", None)
    if not isinstance(name, str):
        name = type(provider).__qualname__  # a functools.partial, an object with __call__
    module = getattr(provider, "__module__", None)
    return f"{module}.{name}" if isinstance(module, str) and module else name


def check_reply_text(value: Any) -> str:
    """A reply's text: not blank, at most 2,000 characters."""
    return check_text(value, "text", MAX_REPLY_LENGTH)


def check_int(value: Any, field: str, *, low: int | None = None, high: int | None = None) -> int:
    """An ``int`` (not a ``bool``) from ``low`` to ``high``, both included, either optional."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(field, f"expected an integer, got {_kind(value)}")
    if (low is not None and value < low) or (high is not None and value > high):
        if high is None:
            bounds = f"{low} or more"
        elif low is None:
            bounds = f"{high} or less"
        else:
            bounds = f"between {low} and {high}"
        raise ValidationError(field, f"must be {bounds}, got {value}")
    return value


def check_number(
    value: Any, field: str, *, low: float = 0.0, above: bool = False, unit: str = ""
) -> float:
    """A finite ``int`` or ``float`` (not a ``bool``) as a ``float``.

    It must be ``low`` or more, or more than ``low`` with ``above``; ``unit`` names what it
    counts in messages ("seconds").
    """
    counted = f" of {unit}" if unit else ""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValidationError(field, f"expected a number{counted}, got {_kind(value)}")
    if not (math.isfinite(value) and (value > low if above else value >= low)):
        bound = f"more than {low:g}" if above else f"{low:g} or more"
        raise ValidationError(field, f"must be a finite number{counted}, {bound}, got {value!r}")
    return float(value)


def check_seconds(value: Any, field: str, *, zero: bool = False) -> float:
    """A finite number of seconds: more than 0, or 0 or more with ``zero``."""
    return check_number(value, field, above=not zero, unit="seconds")


def check_limit(value: Any, field: str = "limit") -> int:
    """A page size from 1 to 1,000."""
    return check_int(value, field, low=1, high=MAX_LIMIT)


def check_offset(value: Any, field: str = "offset") -> int:
    """A page offset: an integer of zero or more."""
    return check_int(value, field, low=0)


def check_bool(value: Any, field: str) -> bool:
    """A real ``bool`` (not a truthy string such as ``"false"``)."""
    if not isinstance(value, bool):
        raise ValidationError(field, f"expected True or False, got {_kind(value)}")
    return value


def check_enum(
    value: Any, enum_type: type[enum.Enum], field: str, extra: tuple[str, ...] = ()
) -> str:
    """A member of ``enum_type`` or a string value.

    Known values and ``extra`` pass as they are; an unknown lower-case word also passes,
    because the server's lists grow (the docs call theirs "common" values).
    """
    if isinstance(value, enum_type):
        return str(value.value)
    if not isinstance(value, str):
        raise ValidationError(
            field, f"expected a {enum_type.__name__} or a string, got {_kind(value)}"
        )
    if value in extra or _ENUM_VALUE.fullmatch(value):
        return value  # the pattern admits ASCII only, so nothing here needs check_utf8
    check_utf8(value, field)
    known = ", ".join(repr(m.value) for m in enum_type)
    raise ValidationError(field, f"{value!r} is not a {enum_type.__name__}; known values: {known}")


def check_datetime(value: Any, field: str) -> str:
    """A date for a query: ``datetime``, ``date`` or ISO 8601 string, sent as UTC ISO 8601.

    The value goes on the wire the way a browser's ``Date.toISOString()`` writes it
    (``2024-05-01T12:00:00.000Z``). Naive datetimes, and strings without an offset, are
    taken as UTC; a ``date`` is midnight UTC of that day.
    """
    moment: datetime
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        text = check_utf8(value, field).strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise ValidationError(field, f"{value!r} is not an ISO 8601 date") from None
    else:
        raise ValidationError(
            field, f"expected a datetime, date or ISO 8601 string, got {_kind(value)}"
        )
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    try:
        utc = moment.astimezone(timezone.utc)
    except (OverflowError, ValueError):
        raise ValidationError(field, f"{value!r} is out of range in UTC") from None
    return utc.replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"


def _kind(value: Any) -> str:
    return type(value).__name__
