"""The Temporal SDK runtime with its Prometheus exporter (worker).

One exporter carries the SDK's own metrics (``temporal_*``: polls, slots,
latencies) and every metric recorded through ``workflow.metric_meter()`` or
``activity.metric_meter()`` (the reserved ``momoflow_*`` names in
:mod:`momoflow.metrics.names`). Counters get ``_total``, durations are in
seconds; names are otherwise kept as registered.
"""

from __future__ import annotations

from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

from momoflow.metrics import names
from momoflow.metrics.server import MetricsSettings


def prometheus_config(bind_address: str) -> PrometheusConfig:
    return PrometheusConfig(
        bind_address=bind_address,
        counters_total_suffix=True,
        durations_as_seconds=True,
        # Unit suffixes are left off: the SDK would append ``_seconds`` twice to names that have it.
        unit_suffix=False,
        histogram_bucket_overrides=names.bucket_overrides(),
    )


def runtime(settings: MetricsSettings) -> Runtime | None:
    """A runtime exporting on ``METRICS_HOST:METRICS_TEMPORAL_PORT``, or None (the SDK's default runtime)."""
    if settings.temporal_port is None:
        return None
    bind = f"{settings.host}:{settings.temporal_port}"
    return Runtime(telemetry=TelemetryConfig(metrics=prometheus_config(bind)))
