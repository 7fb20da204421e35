"""What the request path needs of the event hooks before any hook or instrument exists.

The hooks themselves (events, dispatch) live in :mod:`pumpfun_async._hooks`, which the
client imports only once a hook is given or an instrument is on: most programs use neither,
and the event classes cost more to import than the rest of the request path.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from ._hooks import Instrument

__all__ = ["EVENT_NAMES", "INSTRUMENTS", "EventHook", "EventHooks", "EventName"]

EventName = Literal["request", "response", "retry", "rate_limit_wait"]
EVENT_NAMES: tuple[EventName, ...] = ("request", "response", "retry", "rate_limit_wait")

EventHook = Callable[[Any], Awaitable[object] | object]
"""A hook: a plain or async callable taking one event."""

EventHooks = Mapping[str, EventHook | Iterable[EventHook]]
"""What ``event_hooks=`` takes: ``{"request": [hook, ...], "response": [...], ...}``."""

# The instruments on now, for every client (the OpenTelemetry instrumentor adds itself).
INSTRUMENTS: list[Instrument] = []
