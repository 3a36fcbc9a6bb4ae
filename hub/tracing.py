"""OpenTelemetry traces 链路追踪: off unless the standard ``OTEL_*`` variables ask for them.

``OTEL_TRACES_EXPORTER`` (``otlp`` or ``console``) or ``OTEL_EXPORTER_OTLP_ENDPOINT`` /
``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`` switch them on; the SDK reads the rest (service name,
sampler, headers) from the environment itself. Spans: the request, its GraphQL operation, each
Neo4j round trip, the audit event. Attributes carry routes, operation types, root fields and
access modes — never ids, names, variables or Cypher parameters.
"""

from __future__ import annotations

import os

from opentelemetry import trace

tracer = trace.get_tracer("special-education-hub")

_SWITCHES = ("OTEL_TRACES_EXPORTER", "OTEL_EXPORTER_OTLP_ENDPOINT",
             "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")


def wanted() -> bool:
    exporter = os.environ.get("OTEL_TRACES_EXPORTER", "").strip().lower()
    if exporter == "none" or os.environ.get("OTEL_SDK_DISABLED", "").lower() == "true":
        return False
    return any(os.environ.get(name) for name in _SWITCHES)


_configured = False


def enabled() -> bool:
    """Whether spans are exported (callers skip making them otherwise: it costs per request)."""
    return _configured


def configure() -> bool:
    """Installs the SDK's tracer provider when asked to (once a process: OpenTelemetry allows
    one); True if traces are exported."""
    global _configured
    if _configured or not wanted():
        return _configured
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import (
        BatchSpanProcessor,
        ConsoleSpanExporter,
        SimpleSpanProcessor,
        SpanExporter,
    )

    provider = TracerProvider(resource=Resource.create(
        {"service.name": os.environ.get("OTEL_SERVICE_NAME", "special-education-hub")}))
    exporters = {e.strip().lower() for e in
                 os.environ.get("OTEL_TRACES_EXPORTER", "otlp").split(",") if e.strip()}
    if "console" in exporters:
        # One span a line as soon as it ends: for an operator's terminal (and the tests).
        provider.add_span_processor(SimpleSpanProcessor(ConsoleSpanExporter(
            formatter=lambda span: span.to_json(indent=None) + "\n")))
    if "otlp" in exporters:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        otlp: SpanExporter = OTLPSpanExporter()
        provider.add_span_processor(BatchSpanProcessor(otlp))
    trace.set_tracer_provider(provider)
    _configured = True
    return True
