"""Event hooks: what a client tells your code about each request, and the seam tracing uses.

A client made with ``event_hooks=`` (or while an instrumentation such as
:class:`~pumpfun_async.otel.PumpFunInstrumentor` is on) follows each call with a
:class:`Call`, which builds the events and hands them to the hooks and the instruments.
Without either, the transport builds no :class:`Call` and no event at all.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Awaitable, Callable, Generator, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

import attrs

from ._instruments import EVENT_NAMES, INSTRUMENTS, EventHook, EventHooks
from ._repr import robust_repr
from ._secrets import redact
from .errors import APIError, ValidationError

if TYPE_CHECKING:
    from ._endpoints import Endpoint

__all__ = [
    "EVENT_NAMES",
    "INSTRUMENTS",
    "Call",
    "CallTracer",
    "EventHook",
    "EventHooks",
    "HookEvent",
    "Instrument",
    "RateLimitWaitEvent",
    "RequestEvent",
    "ResponseEvent",
    "RetryEvent",
    "error_message",
    "event_hooks_option",
]


# An error text in an event is cut here: a server may send a message of any length.
_ERROR_TEXT_LIMIT = 500

# Seconds for ``elapsed`` and ``wait``; a module attribute so that tests can inject a clock.
_clock: Callable[[], float] = time.perf_counter


@attrs.frozen(kw_only=True)
class _Event:
    """What every event says: which operation, which request, which attempt."""

    operation: str
    method: str
    path: str
    group: str
    attempt: int


@robust_repr
@attrs.frozen(kw_only=True)
class RequestEvent(_Event):
    """An attempt is about to be sent (after any rate-limit wait); ``"request"`` hooks.

    Attributes:
        operation: The client method's name, such as ``"like"`` (``"login"`` for a sign-in).
        method: The HTTP method.
        path: The endpoint's path template, such as ``"/likes/{target_id}"``: no ids.
        group: The rate-limit route group, such as ``"likes"``.
        attempt: 1 for the first attempt of a call, 2 for the next, and so on.
    """


@robust_repr
@attrs.frozen(kw_only=True)
class ResponseEvent(_Event):
    """An attempt is over, answered or not; ``"response"`` hooks.

    Every :class:`RequestEvent` is followed by one ``ResponseEvent`` for the same attempt,
    unless the call was cancelled or closed meanwhile.

    Attributes:
        status: The HTTP status, or ``None`` when no answer came (a network failure).
        elapsed: Seconds from sending the request to the end of its answer (or failure).
        error: ``None`` for a success; otherwise the error's type and message, such as
            ``"ServerError: HTTP 503: Service Unavailable (POST /likes/…)"``.
    """

    status: int | None
    elapsed: float
    error: str | None


@robust_repr
@attrs.frozen(kw_only=True)
class RetryEvent(_Event):
    """A failed attempt will be retried after ``wait`` seconds; ``"retry"`` hooks.

    Attributes:
        attempt: The attempt that failed (the next one is ``attempt + 1``).
        status: The failed attempt's HTTP status, or ``None`` when no answer came.
        wait: Seconds the client waits before the next attempt.
        error: The error's type and message.
    """

    status: int | None
    wait: float
    error: str


@robust_repr
@attrs.frozen(kw_only=True)
class RateLimitWaitEvent(_Event):
    """The call waited for its turn before an attempt; ``"rate_limit_wait"`` hooks.

    Sent when a 429 pause of the route group or a rate limiter held the call back (a
    limiter that lets it through at once sends none; a ``RedisRateLimiter`` always asks
    Redis, so it sends one for every attempt).

    Attributes:
        attempt: The attempt that waited.
        wait: Seconds spent waiting.
    """

    wait: float


HookEvent = RequestEvent | ResponseEvent | RetryEvent | RateLimitWaitEvent
"""Any of the events a hook receives."""


@attrs.frozen
class Hooks:
    """The checked hooks of one client, by event name."""

    request: tuple[EventHook, ...] = ()
    response: tuple[EventHook, ...] = ()
    retry: tuple[EventHook, ...] = ()
    rate_limit_wait: tuple[EventHook, ...] = ()

    def as_dict(self) -> dict[str, list[EventHook]]:
        """The hooks as ``event_hooks=`` takes them (empty lists for events without any)."""
        return {name: list(getattr(self, name)) for name in EVENT_NAMES}


def event_hooks_option(value: EventHooks | None) -> Hooks | None:
    """``event_hooks=``: a mapping from event names to a hook or a list of hooks.

    Returns ``None`` when no hook is given, so that the request path stays as it is.

    Raises:
        ValidationError: Not a mapping, an unknown event name, or a hook that is not callable.
    """
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ValidationError(
            "event_hooks", f"expected a dict of event names to lists of hooks, got {value!r}"
        )
    found: dict[str, tuple[EventHook, ...]] = {}
    for name, hooks in value.items():
        if name not in EVENT_NAMES:
            raise ValidationError(
                "event_hooks", f"unknown event {name!r}; use one of {list(EVENT_NAMES)}"
            )
        listed = (hooks,) if callable(hooks) else _listed(name, hooks)
        for hook in listed:
            if not callable(hook) or isinstance(hook, type):
                raise ValidationError(
                    "event_hooks",
                    f"{name!r} hooks must be functions taking one event, got {hook!r}",
                )
        found[name] = listed
    return Hooks(**found) if any(found.values()) else None


def _listed(name: str, hooks: object) -> tuple[EventHook, ...]:
    if isinstance(hooks, (str, bytes, Mapping)) or not isinstance(hooks, Iterable):
        raise ValidationError(
            "event_hooks", f"{name!r}: expected a list of hooks, got {type(hooks).__name__}"
        )
    return tuple(hooks)


class CallTracer(Protocol):
    """What an :class:`Instrument` keeps for one call: it sees each event, then the end."""

    def event(self, event: HookEvent, error: BaseException | None) -> None:
        """One event of the call, with the error of a failed attempt (never raises)."""

    def end(self, error: BaseException | None) -> None:
        """The call is over: ``error`` is what it raised, ``None`` for a success."""


class Instrument(Protocol):
    """An instrumentation (tracing, metrics) every client reports to while it is listed."""

    def start(self, operation: str, endpoint: Endpoint, base_url: str) -> CallTracer:
        """A call begins (before any rate-limit wait); its tracer."""


def error_message(error: BaseException) -> str:
    """``str(error)`` for an event or a span, with any query or bearer token taken out.

    The SDK's messages hold no secret, but an API error quotes the server's message, and a
    broken or hostile server could echo anything; a long message is cut.
    """
    text: str = redact(str(error))
    return text if len(text) <= _ERROR_TEXT_LIMIT else text[: _ERROR_TEXT_LIMIT - 1] + "…"


def _error_text(error: BaseException) -> str:
    return f"{type(error).__name__}: {error_message(error)}"


class Call:
    """One call followed for its hooks and instruments: builds and sends its events.

    A hook that raises stops the call: its exception propagates to the caller as it is,
    no later hook runs, and nothing is retried or sent because of it.
    """

    __slots__ = ("_endpoint", "_hooks", "_sent", "_tracers", "attempt")

    def __init__(self, hooks: Hooks | None, endpoint: Endpoint, base_url: str) -> None:
        self._hooks = hooks
        self._endpoint = endpoint
        self._tracers = [i.start(endpoint.name, endpoint, base_url) for i in INSTRUMENTS]
        self._sent = 0.0
        self.attempt = 0

    def _where(self) -> dict[str, Any]:
        endpoint = self._endpoint
        return {
            "operation": endpoint.name,
            "method": endpoint.method,
            "path": endpoint.path,
            "group": endpoint.group.value,
        }

    async def _emit(
        self, hooks: tuple[EventHook, ...], event: HookEvent, error: BaseException | None = None
    ) -> None:
        for tracer in self._tracers:
            tracer.event(event, error)
        for hook in hooks:
            result = hook(event)
            if inspect.isawaitable(result):
                await result

    async def waited(self, turn: Awaitable[None]) -> None:
        """Await the call's turn (rate limiters, 429 pause); tell if it had to wait."""
        started = _clock()
        watched = _Watched(turn)
        await watched
        if watched.suspended:
            hooks = self._hooks.rate_limit_wait if self._hooks is not None else ()
            event = RateLimitWaitEvent(
                **self._where(), attempt=self.attempt + 1, wait=_clock() - started
            )
            await self._emit(hooks, event)

    async def request(self) -> None:
        """An attempt is about to be sent."""
        self.attempt += 1
        hooks = self._hooks.request if self._hooks is not None else ()
        await self._emit(hooks, RequestEvent(**self._where(), attempt=self.attempt))
        self._sent = _clock()

    async def response(self, status: int | None, error: BaseException | None = None) -> None:
        """The attempt is over: answered with ``status`` and failed with ``error``, if any."""
        if error is not None and status is None and isinstance(error, APIError):
            status = error.status
        hooks = self._hooks.response if self._hooks is not None else ()
        event = ResponseEvent(
            **self._where(),
            attempt=self.attempt,
            status=status,
            elapsed=_clock() - self._sent,
            error=None if error is None else _error_text(error),
        )
        await self._emit(hooks, event, error)

    async def retry(self, error: BaseException, wait: float) -> None:
        """The failed attempt will be retried after ``wait`` seconds."""
        hooks = self._hooks.retry if self._hooks is not None else ()
        event = RetryEvent(
            **self._where(),
            attempt=self.attempt,
            status=error.status if isinstance(error, APIError) else None,
            wait=wait,
            error=_error_text(error),
        )
        await self._emit(hooks, event, error)

    async def answered(self, status: int) -> None:
        """The call succeeded with ``status``: the response event, then the end."""
        await self.response(status)
        self.end(None)

    def end(self, error: BaseException | None) -> None:
        """The call is over (the first end counts)."""
        tracers, self._tracers = self._tracers, []
        for tracer in tracers:
            tracer.end(error)


class _Watched:
    """Awaits an awaitable and notes whether it suspended (so really waited) or not."""

    __slots__ = ("_awaitable", "suspended")

    def __init__(self, awaitable: Awaitable[None]) -> None:
        self._awaitable = awaitable
        self.suspended = False

    def __await__(self) -> Generator[Any, Any, None]:
        steps = self._awaitable.__await__()
        try:
            signal = steps.send(None)
        except StopIteration:
            return
        self.suspended = True
        # From here on, what ``yield from steps`` does: pass every resumption through.
        while True:
            try:
                sent = yield signal
            except GeneratorExit:
                steps.close()
                raise
            except BaseException as exc:  # a cancellation thrown into the wait
                try:
                    signal = steps.throw(exc)
                except StopIteration:
                    return
            else:
                try:
                    signal = steps.send(sent)
                except StopIteration:
                    return
