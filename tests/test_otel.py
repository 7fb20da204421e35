"""The ``otel`` extra: spans and metrics, read back through the OpenTelemetry SDK's in-memory
exporters, for calls made over loopback HTTP to the emulator."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("opentelemetry.sdk")
pytest.importorskip("opentelemetry.instrumentation")

from opentelemetry import trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from pumpfun_async import NotFoundError, TokenBucket, TransportError, _hooks
from pumpfun_async.otel import PumpFunInstrumentor
from pumpfun_async.testing import DOCS_MINT, Emulator

from .test_ratelimit import FakeTime


class Telemetry:
    """A tracer provider and a meter provider that keep what they are given in memory."""

    def __init__(self) -> None:
        self.spans_exporter = InMemorySpanExporter()
        self.tracer_provider = TracerProvider()
        self.tracer_provider.add_span_processor(SimpleSpanProcessor(self.spans_exporter))
        self.reader = InMemoryMetricReader()
        self.meter_provider = MeterProvider(metric_readers=[self.reader])

    def spans(self) -> list[ReadableSpan]:
        return list(self.spans_exporter.get_finished_spans())

    def metrics(self) -> dict[str, list[Any]]:
        """Each metric's data points, by metric name."""
        data = self.reader.get_metrics_data()
        found: dict[str, list[Any]] = {}
        if data is None:
            return found
        for resource in data.resource_metrics:
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    found.setdefault(metric.name, []).extend(metric.data.data_points)
        return found

    def shutdown(self) -> None:
        self.tracer_provider.shutdown()
        self.meter_provider.shutdown()


@pytest.fixture
def telemetry() -> Iterator[Telemetry]:
    kept = Telemetry()
    instrumentor = PumpFunInstrumentor()
    instrumentor.instrument(
        tracer_provider=kept.tracer_provider, meter_provider=kept.meter_provider
    )
    try:
        yield kept
    finally:
        instrumentor.uninstrument()
        kept.shutdown()


def server_of(emu: Emulator) -> dict[str, Any]:
    host, port = emu.url.removeprefix("http://").split(":")
    return {"server.address": host, "server.port": int(port)}


async def test_a_call_is_one_client_span(emu: Emulator) -> None:
    before = emu.client()  # made before instrument(): covered all the same
    telemetry = Telemetry()
    PumpFunInstrumentor().instrument(
        tracer_provider=telemetry.tracer_provider, meter_provider=telemetry.meter_provider
    )
    try:
        async with before, emu.client() as after:
            await before.like(DOCS_MINT)
            await after.get_replies(DOCS_MINT, limit=5)
    finally:
        PumpFunInstrumentor().uninstrument()
    like, replies = telemetry.spans()
    assert (like.name, like.kind, like.status.status_code) == (
        "like",
        SpanKind.CLIENT,
        StatusCode.UNSET,
    )
    assert dict(like.attributes or {}) == {
        "http.request.method": "POST",
        "url.template": "/likes/{target_id}",
        **server_of(emu),
        "http.response.status_code": 201,
    }
    assert replies.name == "get_replies"
    assert (replies.attributes or {})["url.template"] == "/replies/{mint}"
    assert (replies.attributes or {})["http.request.method"] == "GET"
    assert like.events == ()
    assert replies.events == ()
    telemetry.shutdown()


async def test_retries_are_span_events_and_counted(emu: Emulator, telemetry: Telemetry) -> None:
    emu.add_fault("like", "status:503", times=2)
    async with emu.client() as client:
        await client.like(DOCS_MINT)
    (span,) = telemetry.spans()
    attributes = dict(span.attributes or {})
    assert attributes["http.response.status_code"] == 201
    assert attributes["http.request.resend_count"] == 2
    assert "error.type" not in attributes
    assert [(e.name, dict(e.attributes or {})) for e in span.events] == [
        ("retry", {"pumpfun.attempt": 1, "pumpfun.wait": 0.0, "error.type": "503"}),
        ("retry", {"pumpfun.attempt": 2, "pumpfun.wait": 0.0, "error.type": "503"}),
    ]
    metrics = telemetry.metrics()
    (retries,) = metrics["pumpfun.client.retries"]
    assert retries.value == 2
    assert retries.attributes["error.type"] == "503"
    assert retries.attributes["url.template"] == "/likes/{target_id}"
    durations = {
        (p.attributes.get("http.response.status_code"), p.attributes.get("error.type")): p.count
        for p in metrics["http.client.request.duration"]
    }
    assert durations == {(503, "503"): 2, (201, None): 1}


async def test_an_error_status_fails_the_span(emu: Emulator, telemetry: Telemetry) -> None:
    emu.add_fault("get_replies", "status:404")
    async with emu.client() as client:
        with pytest.raises(NotFoundError):
            await client.get_replies(DOCS_MINT)
    (span,) = telemetry.spans()
    assert span.status.status_code == StatusCode.ERROR
    assert (span.attributes or {})["error.type"] == "404"
    assert (span.attributes or {})["http.response.status_code"] == 404
    (event,) = span.events
    assert event.name == "exception"
    assert dict(event.attributes or {}) == {
        "exception.type": "pumpfun_async.errors.NotFoundError",
        "exception.message": f"HTTP 404: Injected 404 (GET /replies/{DOCS_MINT})",
    }


async def test_a_network_failure_is_named_by_its_type(emu: Emulator, telemetry: Telemetry) -> None:
    emu.add_fault("create_reply", "drop_before")
    async with emu.client() as client:
        with pytest.raises(TransportError):
            await client.create_reply(DOCS_MINT, "gm")
    (span,) = telemetry.spans()
    attributes = dict(span.attributes or {})
    assert attributes["error.type"] == "TransportError"
    assert "http.response.status_code" not in attributes
    (point,) = telemetry.metrics()["http.client.request.duration"]
    assert point.attributes["error.type"] == "TransportError"
    assert "http.response.status_code" not in point.attributes


async def test_rate_limit_waits_are_span_events_and_measured(
    emu: Emulator, telemetry: Telemetry, monkeypatch: pytest.MonkeyPatch
) -> None:
    time = FakeTime()
    monkeypatch.setattr(_hooks, "_clock", time.clock)
    bucket = TokenBucket(0.25, 1, clock=time.clock, sleep=time.sleep)
    async with emu.client(rate_limit=bucket) as client:
        await client.like(DOCS_MINT)
        await client.unlike(DOCS_MINT)  # four (fake) seconds for the next token
    like, unlike = telemetry.spans()
    assert like.events == ()
    assert [(e.name, dict(e.attributes or {})) for e in unlike.events] == [
        ("rate_limit_wait", {"pumpfun.attempt": 1, "pumpfun.wait": 4.0})
    ]
    (wait,) = telemetry.metrics()["pumpfun.client.rate_limit_wait.duration"]
    assert (wait.count, wait.sum) == (1, 4.0)
    assert wait.attributes["pumpfun.route_group"] == "likes"
    assert wait.attributes["http.request.method"] == "DELETE"


async def test_the_span_is_current_during_the_call(emu: Emulator, telemetry: Telemetry) -> None:
    tracer = telemetry.tracer_provider.get_tracer("test")
    inner: list[Any] = []

    def note(event: Any) -> None:
        inner.append(trace.get_current_span().get_span_context().span_id)

    async with emu.client(event_hooks={"request": note}) as client:
        with tracer.start_as_current_span("outer") as outer:
            await client.like(DOCS_MINT)
            assert trace.get_current_span() is outer  # given back once the call is over
    like, outer_span = telemetry.spans()
    assert like.parent is not None
    assert like.parent.span_id == outer_span.context.span_id
    assert inner == [like.context.span_id]


async def test_a_raising_hook_ends_the_span(emu: Emulator, telemetry: Telemetry) -> None:
    class Refused(Exception):
        pass

    def refuse(event: Any) -> None:
        raise Refused("not now")

    async with emu.client(event_hooks={"request": refuse}) as client:
        with pytest.raises(Refused):
            await client.like(DOCS_MINT)
    (span,) = telemetry.spans()
    assert (span.attributes or {})["error.type"] == Refused.__qualname__
    assert trace.get_current_span() is trace.INVALID_SPAN


async def test_uninstrument_stops_recording(emu: Emulator) -> None:
    telemetry = Telemetry()
    instrumentor = PumpFunInstrumentor()
    instrumentor.instrument(
        tracer_provider=telemetry.tracer_provider, meter_provider=telemetry.meter_provider
    )
    assert instrumentor is PumpFunInstrumentor()  # one per process, by convention
    assert _hooks.INSTRUMENTS != []
    instrumentor.uninstrument()
    assert not instrumentor.is_instrumented
    async with emu.client() as client:
        await client.like(DOCS_MINT)
    assert telemetry.spans() == []
    assert not _hooks.INSTRUMENTS
    telemetry.shutdown()


async def test_spans_and_metrics_carry_no_secret(emu: Emulator, telemetry: Telemetry) -> None:
    token = "tokSECRETotel123"
    emu.add_fault("follow", "status:400")
    async with emu.client(token, captcha="capSECRETotel") as client:
        with pytest.raises(Exception, match="Injected 400"):
            await client.follow("someone")
        await client.report_comment(1, "spam")
    spans = telemetry.spans()
    labels = json.dumps([[s.name, dict(s.attributes or {})] for s in spans])
    labels += repr(telemetry.metrics())
    events = json.dumps([dict(e.attributes or {}) for s in spans for e in s.events])
    assert "follow" in labels
    assert "report_comment" in labels
    assert "Injected 400 (POST /following/someone)" in events  # the error's own message
    assert "someone" not in labels  # ids stay out of attributes: templates only
    for secret in (token, "capSECRETotel", emu.client_key):
        assert secret not in labels + events


def test_nothing_of_opentelemetry_is_imported_without_the_extra_in_use() -> None:
    code = """
import asyncio, json, sys
import pumpfun_async
from pumpfun_async.testing import DOCS_MINT, Emulator

async def main():
    async with Emulator() as emu, emu.client(event_hooks={"request": print}) as client:
        await client.like(DOCS_MINT)

asyncio.run(main())
print(json.dumps(sorted(sys.modules)))
"""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    modules = json.loads(result.stdout.splitlines()[-1])
    assert "pumpfun_async._hooks" in modules
    assert [m for m in modules if m.startswith("opentelemetry")] == []


def test_without_the_extra_the_import_says_which_to_install() -> None:
    code = """
import sys
sys.modules["opentelemetry.instrumentation.instrumentor"] = None
try:
    import pumpfun_async.otel
except ImportError as error:
    print(error)
"""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == (
        "pumpfun_async.otel needs the otel extra: pip install 'pumpfun-async[otel]'"
    )
