"""Prometheus metrics for every momoflow process.

- :mod:`momoflow.metrics.server`: the ``METRICS_*`` settings and the listener that
  serves prometheus-client's registry (every process).
- :mod:`momoflow.metrics.http`: request counts and latency of an ASGI server.
- :mod:`momoflow.metrics.temporal`: the Temporal SDK runtime whose Prometheus
  exporter carries the SDK's metrics and the workflow-level ones (worker).
- :mod:`momoflow.metrics.names`: the workflow-level metric names reserved for
  ``workflow.metric_meter()``; importable from workflow code.

The MoMo client's own metrics live in :mod:`momo.metrics`, so the client stays
usable without the rest of momoflow.
"""
