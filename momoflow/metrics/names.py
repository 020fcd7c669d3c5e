"""Workflow-level metric names, reserved for ``workflow.metric_meter()`` (and activities' meters).

They go through the Temporal SDK runtime's Prometheus exporter (see
:mod:`momoflow.metrics.temporal`), which appends ``_total`` to counters and
reports durations in seconds; register them with :attr:`Reserved.name` and query
them as :attr:`Reserved.exported`. The SDK adds ``namespace``, ``task_queue`` and
``workflow_type`` (or ``activity_type``) labels itself. Label values must be
bounded: a use case, a status, a reason *code*; never a reference id, an
external id, a phone number or a free-text message.

Pure data, no imports beyond the standard library, so workflow code may import it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Reserved:
    name: str  # as registered with the meter
    kind: str  # counter | histogram (timedelta, in seconds) | gauge
    labels: tuple[str, ...]
    help: str
    buckets: tuple[float, ...] = ()

    @property
    def exported(self) -> str:
        """The name Prometheus sees."""
        return f"{self.name}_total" if self.kind == "counter" else self.name


OPERATIONS_STARTED = Reserved(
    "momoflow_operations_started", "counter", ("use_case",), "Operations started (first run only, not replays)."
)
OPERATIONS_FINISHED = Reserved(
    "momoflow_operations_finished",
    "counter",
    ("use_case", "status", "reason"),
    "Operations that reached a final status (SUCCESSFUL or FAILED) and the provider's reason code.",
)
OPERATION_DURATION = Reserved(
    "momoflow_operation_duration_seconds",
    "histogram",
    ("use_case", "status"),
    "Time from the start of an operation to its final status.",
    (1, 5, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 86400),
)
OPERATIONS_UNKNOWN = Reserved(
    "momoflow_operations_unknown",
    "counter",
    ("use_case",),
    "Operations that passed their deadline without a final answer and became UNKNOWN.",
)
UNKNOWN_AGE = Reserved(
    "momoflow_unknown_age_seconds",
    "histogram",
    ("use_case",),
    "How long an operation has been UNKNOWN, recorded at each reconciliation check and when it leaves UNKNOWN.",
    (60, 300, 900, 1800, 3600, 7200, 21600, 86400, 259200, 604800),
)
RESOLUTION_DISCREPANCIES = Reserved(
    "momoflow_resolution_discrepancies",
    "counter",
    ("use_case", "resolved_status", "provider_status"),
    "Final provider answers that contradict an operator's earlier resolution of an UNKNOWN operation.",
)

ALL: tuple[Reserved, ...] = (
    OPERATIONS_STARTED,
    OPERATIONS_FINISHED,
    OPERATION_DURATION,
    OPERATIONS_UNKNOWN,
    UNKNOWN_AGE,
    RESOLUTION_DISCREPANCIES,
)


def bucket_overrides() -> dict[str, list[float]]:
    """Histogram buckets for the SDK exporter (its default tops out at 10 s)."""
    return {metric.name: [float(b) for b in metric.buckets] for metric in ALL if metric.buckets}
