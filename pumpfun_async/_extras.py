"""Optional extras: whether one is installed, and one wording for when it is not."""

from __future__ import annotations

import importlib

__all__ = ["missing_extra", "require"]


def missing_extra(feature: str, extra: str) -> str:
    """The message for ``feature`` used without the ``extra`` extra installed."""
    return f"{feature} needs the {extra} extra: pip install 'pumpfun-async[{extra}]'"


def require(feature: str, extra: str, *modules: str) -> None:
    """Import ``modules`` (from the ``extra`` extra) or raise an ``ImportError`` naming it.

    Raises:
        ImportError: One of the modules cannot be imported; the message says which extra
            to install, and the original error is its cause.
    """
    for module in modules:
        try:
            importlib.import_module(module)
        except ImportError as exc:
            raise ImportError(missing_extra(feature, extra)) from exc
