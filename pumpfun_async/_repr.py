"""A ``repr()`` that works in every state, for the attrs classes of the public API.

Error reporters (Sentry and friends) call ``repr()`` on every local of a failing frame. An
object made with ``cls.__new__(cls)`` and never initialised, as a constructor that raised
leaves behind, has none of its attributes, and attrs' generated ``__repr__`` then raises
``AttributeError``: the reporter loses the whole report. :func:`robust_repr` keeps the
generated ``__repr__`` and only steps in when an attribute is missing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import attrs

__all__ = ["UNSET", "robust_repr"]

_C = TypeVar("_C", bound=type)

UNSET = "<unset>"
"""How a repr shows an attribute that was never set."""


def robust_repr(cls: _C) -> _C:
    """Wrap the ``__repr__`` attrs generated for ``cls``: missing attributes show as ``<unset>``.

    Fields declared with ``repr=False`` (secrets, raw bodies) stay out of the fallback too.
    """
    generated: Callable[[Any], str] = cls.__dict__["__repr__"]

    def robust(self: Any) -> str:
        try:
            return generated(self)
        except AttributeError:
            return _fields_repr(self)

    robust.__name__ = "__repr__"
    robust.__qualname__ = f"{cls.__qualname__}.__repr__"
    cls.__repr__ = robust  # type: ignore[assignment]
    return cls


def _fields_repr(obj: Any) -> str:
    parts = []
    for field in attrs.fields(type(obj)):
        if field.repr is False:
            continue
        value = getattr(obj, field.name, attrs.NOTHING)
        if value is attrs.NOTHING:
            shown = UNSET
        else:
            shown = field.repr(value) if callable(field.repr) else repr(value)
        parts.append(f"{field.name}={shown}")
    return f"{type(obj).__qualname__}({', '.join(parts)})"
