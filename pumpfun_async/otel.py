"""OpenTelemetry tracing and metrics for every client (the ``otel`` extra).

::

    from pumpfun_async.otel import PumpFunInstrumentor

    PumpFunInstrumentor().instrument()  # every client, made before or after this line

Each call of a client method becomes one ``CLIENT`` span named after the method
(``like``, ``get_replies``, …) with OpenTelemetry's HTTP attributes: ``http.request.method``,
``url.template`` (the path template, never the ids), ``server.address``,
``server.port``, ``http.response.status_code`` (of the last attempt),
``http.request.resend_count`` (when an attempt was repeated) and, when the call fails,
``error.type`` (an error status such as ``"429"``, else the exception's class name).
Retries (``retry``: attempt, wait, ``error.type``) and rate-limit waits
(``rate_limit_wait``: attempt, wait) are events of that span; a failure adds an
``exception`` event with the error's type and message. Three metrics are recorded, with
the same method, template and server attributes:

* ``http.client.request.duration`` (histogram, seconds): each attempt sent, with its
  ``http.response.status_code`` and ``error.type``;
* ``pumpfun.client.retries`` (counter): retries after a failed attempt, by ``error.type``;
* ``pumpfun.client.rate_limit_wait.duration`` (histogram, seconds): time a call was held
  back by a rate limiter or a 429 pause, by ``pumpfun.route_group``.

No header, query value, body or token is recorded, and no trace header is sent: requests go
out exactly as without instrumentation. The span is the current span while the call runs,
so spans of an instrumented aiohttp session nest inside it.
"""

from __future__ import annotations

from ._extras import require

require(
    "pumpfun_async.otel",
    "otel",
    "opentelemetry.trace",
    "opentelemetry.metrics",
    "opentelemetry.instrumentation.instrumentor",
)

from collections.abc import Collection  # noqa: E402 - after the check for the extra
from typing import TYPE_CHECKING, Any  # noqa: E402

import opentelemetry.instrumentation.instrumentor as _instrumentor  # noqa: E402
from opentelemetry import context, trace  # noqa: E402
from opentelemetry.metrics import get_meter  # noqa: E402
from opentelemetry.trace import SpanKind, Status, StatusCode  # noqa: E402
from yarl import URL  # noqa: E402

from ._hooks import (  # noqa: E402
    INSTRUMENTS,
    HookEvent,
    RateLimitWaitEvent,
    ResponseEvent,
    RetryEvent,
    error_message,
)
from ._version import __version__  # noqa: E402
from .errors import APIError  # noqa: E402

if TYPE_CHECKING:
    from opentelemetry.metrics import Counter, Histogram, MeterProvider
    from opentelemetry.trace import Span, Tracer, TracerProvider
    from opentelemetry.util.types import AttributeValue

    from ._endpoints import Endpoint

__all__ = ["PumpFunInstrumentor"]

# The module is marked "type: ignore" as a whole, so type checkers see it as Any.
_BaseInstrumentor: Any = vars(_instrumentor)["BaseInstrumentor"]

_SCHEMA_URL = "https://opentelemetry.io/schemas/1.26.0"
# The bucket boundaries OpenTelemetry's HTTP conventions advise for request durations.
_DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10)
# How many (server, endpoint) attribute sets are kept ready.
_MAX_LABELS = 256
_WAIT_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)


class PumpFunInstrumentor(_BaseInstrumentor):  # type: ignore[misc]
    """Traces and measures the calls of every :class:`~pumpfun_async.AsyncPumpFunClient`.

    It follows the convention of the ``opentelemetry-instrumentation-*`` packages: one
    instance per process (``PumpFunInstrumentor()`` always returns it),
    :meth:`instrument` turns it on for every client, those made earlier included, and
    :meth:`uninstrument` turns it off. ``opentelemetry-instrument`` finds it through its
    ``opentelemetry_instrumentor`` entry point.

    ``instrument()`` takes ``tracer_provider=`` and ``meter_provider=`` (the global ones by
    default). The sync :class:`~pumpfun_async.PumpFunClient` is covered too; its spans
    start a trace of their own, as its calls run on its event-loop thread.
    """

    _recorder: _Recorder | None = None

    def instrument(
        self,
        *,
        tracer_provider: TracerProvider | None = None,
        meter_provider: MeterProvider | None = None,
        **kwargs: Any,
    ) -> None:
        """Trace and measure every client's calls from now on (again: a logged warning).

        Args:
            tracer_provider: Where the spans go; the global tracer provider by default.
            meter_provider: Where the metrics go; the global meter provider by default.
            **kwargs: What ``BaseInstrumentor.instrument`` takes besides.
        """
        super().instrument(tracer_provider=tracer_provider, meter_provider=meter_provider, **kwargs)

    def uninstrument(self, **kwargs: Any) -> None:
        """Stop tracing and measuring; calls already under way finish their spans."""
        super().uninstrument(**kwargs)

    @property
    def is_instrumented(self) -> bool:
        """Whether :meth:`instrument` is in effect."""
        return self._recorder is not None

    def instrumentation_dependencies(self) -> Collection[str]:
        """None: the instrumentation ships with the package it instruments."""
        return ()

    def _instrument(self, **kwargs: Any) -> None:
        recorder = _Recorder(kwargs.get("tracer_provider"), kwargs.get("meter_provider"))
        self._recorder = recorder
        INSTRUMENTS.append(recorder)

    def _uninstrument(self, **kwargs: Any) -> None:
        recorder, self._recorder = self._recorder, None
        if recorder in INSTRUMENTS:
            INSTRUMENTS.remove(recorder)


class _Recorder:
    """The instrument the transport reports to: a tracer and the three metrics."""

    def __init__(
        self, tracer_provider: TracerProvider | None, meter_provider: MeterProvider | None
    ) -> None:
        self.tracer: Tracer = trace.get_tracer(
            __name__, __version__, tracer_provider, schema_url=_SCHEMA_URL
        )
        meter = get_meter(__name__, __version__, meter_provider, _SCHEMA_URL)
        self.duration: Histogram = meter.create_histogram(
            "http.client.request.duration",
            unit="s",
            description="Duration of HTTP client requests.",
            explicit_bucket_boundaries_advisory=_DURATION_BUCKETS,
        )
        self.retries: Counter = meter.create_counter(
            "pumpfun.client.retries",
            unit="{retry}",
            description="Retries after a failed attempt.",
        )
        self.waits: Histogram = meter.create_histogram(
            "pumpfun.client.rate_limit_wait.duration",
            unit="s",
            description="Time a call waited for a rate limiter or a 429 pause before sending.",
            explicit_bucket_boundaries_advisory=_WAIT_BUCKETS,
        )
        self._labels: dict[tuple[str, str, str], dict[str, AttributeValue]] = {}

    def start(self, operation: str, endpoint: Endpoint, base_url: str) -> _CallSpan:
        """A call begins: its span, current until the call ends."""
        key = (base_url, endpoint.method, endpoint.path)
        attributes = self._labels.get(key)
        if attributes is None:
            if len(self._labels) >= _MAX_LABELS:  # many base URLs: start over, stay small
                self._labels.clear()
            url = URL(base_url)
            attributes = self._labels[key] = {
                "http.request.method": endpoint.method,
                "url.template": endpoint.path,
                "server.address": url.host or "",
                "server.port": url.port or 0,
            }
        span = self.tracer.start_span(operation, kind=SpanKind.CLIENT, attributes=attributes)
        return _CallSpan(self, span, attributes, endpoint.group.value)


class _CallSpan:
    """One call's span and the attributes its measurements share."""

    __slots__ = ("_attempts", "_attributes", "_group", "_recorder", "_span", "_status", "_token")

    def __init__(
        self, recorder: _Recorder, span: Span, attributes: dict[str, AttributeValue], group: str
    ) -> None:
        self._recorder = recorder
        self._span = span
        self._attributes = attributes  # shared by every call of the endpoint: never changed
        self._group = group
        self._attempts = 0
        self._status: int | None = None
        self._token = context.attach(trace.set_span_in_context(span))

    def event(self, event: HookEvent, error: BaseException | None) -> None:
        """Record one event of the call."""
        if isinstance(event, ResponseEvent):
            self._attempts = event.attempt
            self._status = event.status
            attributes = dict(self._attributes)  # a copy: the status and error are this call's
            if event.status is not None:
                attributes["http.response.status_code"] = event.status
            if error is not None:
                attributes["error.type"] = _error_type(error)
            self._recorder.duration.record(event.elapsed, attributes)
        elif isinstance(event, RetryEvent):
            error_type = _error_type(error) if error is not None else "unknown"
            self._span.add_event(
                "retry",
                {
                    "pumpfun.attempt": event.attempt,
                    "pumpfun.wait": event.wait,
                    "error.type": error_type,
                },
            )
            self._recorder.retries.add(1, {**self._attributes, "error.type": error_type})
        elif isinstance(event, RateLimitWaitEvent):
            self._span.add_event(
                "rate_limit_wait", {"pumpfun.attempt": event.attempt, "pumpfun.wait": event.wait}
            )
            self._recorder.waits.record(
                event.wait, {**self._attributes, "pumpfun.route_group": self._group}
            )

    def end(self, error: BaseException | None) -> None:
        """The call is over: set the outcome, end the span, make it no longer current."""
        span = self._span
        try:
            if self._status is not None:
                span.set_attribute("http.response.status_code", self._status)
            if self._attempts > 1:
                span.set_attribute("http.request.resend_count", self._attempts - 1)
            if error is not None:
                error_type = _error_type(error)
                span.set_attribute("error.type", error_type)
                span.set_status(Status(StatusCode.ERROR, error_type))
                # Not record_exception(): its stack trace repeats the message unredacted.
                span.add_event(
                    "exception",
                    {
                        "exception.type": f"{type(error).__module__}.{type(error).__qualname__}",
                        "exception.message": error_message(error),
                    },
                )
        finally:
            context.detach(self._token)
            span.end()


def _error_type(error: BaseException) -> str:
    """``error.type`` as the HTTP conventions want it: an error status, else the class."""
    if isinstance(error, APIError) and error.status >= 400:
        return str(error.status)
    return type(error).__qualname__
