"""OpenTelemetry traces for every momoflow process, off unless an exporter is configured.

Configuration is OpenTelemetry's own environment variables, so any collector
setup that works for other services works here:

- ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``):
  setting it turns tracing on, exporting OTLP over HTTP/protobuf
  (``OTEL_EXPORTER_OTLP_HEADERS``, ``OTEL_EXPORTER_OTLP_TIMEOUT`` etc. are read
  by the exporter itself).
- ``OTEL_TRACES_EXPORTER``: ``otlp``, ``console`` (spans as JSON on stdout, for
  a developer) or ``none``. Unset means ``otlp`` when an endpoint is set and
  ``none`` otherwise: unlike the OpenTelemetry default, nothing is sent to a
  collector nobody asked for.
- ``OTEL_SERVICE_NAME``: defaults to ``momoflow-<process>``.
- ``OTEL_SDK_DISABLED=true``: off, whatever else is set.
- ``OTEL_TRACES_SAMPLER`` / ``OTEL_TRACES_SAMPLER_ARG``: read by the SDK.

When off, the SDK is not even imported and no Temporal interceptor is added,
so the only cost left is the API's no-op span around each MoMo call.

A process that installed its own tracer provider (a backend service using the
starter facade) keeps it: :func:`configure` leaves it alone and
:func:`interceptors` propagates through it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from opentelemetry import trace
from temporalio.client import Interceptor

EXPORTERS = ("otlp", "console", "none")
_ENDPOINTS = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
_PROTOCOLS = ("OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")


class TracingConfigError(ValueError):
    """The OTEL_* variables ask for something momoflow cannot do; the message names the variable."""


def exporter_name(environ: Mapping[str, str] | None = None) -> str:
    """Which exporter the variables ask for: ``otlp``, ``console`` or ``none`` (off)."""
    env = os.environ if environ is None else environ
    if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return "none"
    name = env.get("OTEL_TRACES_EXPORTER", "").strip().lower()
    if not name:
        return "otlp" if any(env.get(key, "").strip() for key in _ENDPOINTS) else "none"
    if name not in EXPORTERS:
        raise TracingConfigError(f"OTEL_TRACES_EXPORTER: {name!r} is not one of {', '.join(EXPORTERS)}")
    if name == "otlp":
        for key in _PROTOCOLS:
            protocol = env.get(key, "").strip().lower()
            if protocol and protocol != "http/protobuf":
                raise TracingConfigError(f"{key}: {protocol!r} is not supported; momoflow exports http/protobuf")
    return name


def enabled() -> bool:
    """True once a real tracer provider is installed in this process (by :func:`configure` or the host)."""
    return not isinstance(trace.get_tracer_provider(), (trace.ProxyTracerProvider, trace.NoOpTracerProvider))


def configure(process: str, environ: Mapping[str, str] | None = None) -> Any | None:
    """Install a tracer provider as the variables ask; return it, or None when tracing stays off.

    ``process`` names the service (``momoflow-<process>``) unless OTEL_SERVICE_NAME is set.
    """
    env = os.environ if environ is None else environ
    name = exporter_name(env)
    if name == "none" or enabled():
        return None
    # Imported here so a process with tracing off never loads the SDK or an exporter.
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter

    exporter: SpanExporter
    if name == "console":
        exporter = ConsoleSpanExporter()
    else:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        exporter = OTLPSpanExporter()
    service = env.get("OTEL_SERVICE_NAME", "").strip() or f"momoflow-{process}"
    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: service}))
    provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    return provider


def interceptors() -> list[Interceptor]:
    """The Temporal client interceptors for this process: trace propagation when tracing is on, else none."""
    if not enabled():
        return []
    from temporalio.contrib.opentelemetry import TracingInterceptor

    return [TracingInterceptor(trace.get_tracer("momoflow.temporal"))]


def shutdown() -> None:
    """Send the spans still buffered; for processes that leave with ``os._exit`` (atexit does not run)."""
    provider = trace.get_tracer_provider()
    if enabled() and hasattr(provider, "shutdown"):
        provider.shutdown()
