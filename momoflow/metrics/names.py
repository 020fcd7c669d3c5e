"""Every business metric of the worker, defined once: workflow code, the gauges, rules and tests read it.

Two ways out:

- ``sdk``: recorded inside workflows through ``workflow.metric_meter()`` and
  exported by the Temporal SDK runtime (:mod:`momoflow.metrics.temporal`,
  ``METRICS_TEMPORAL_PORT``), which appends ``_total`` to counters. The SDK adds
  ``namespace``, ``task_queue`` and ``workflow_type``. Register them with
  :attr:`Metric.name`; query them as :attr:`Metric.exported`.
- ``registry``: gauges the worker sets from Temporal visibility
  (:mod:`momoflow.metrics.unknown`), served by prometheus-client's registry on
  ``METRICS_PORT``.

Labels are bounded: ``use_case`` is :attr:`momoflow.use_cases.UseCase.name`
(``request_to_pay``, ``cancel_invoice``, …; never the historical ``operation``
wire value, and not to be confused with the MoMo client metrics' ``operation``,
which names a MoMo API call); a status; a reason *code*. Never a reference id,
an external id, a phone number or a free-text message.

Pure data, standard library only, so workflow code may import it.
"""

from __future__ import annotations

from dataclasses import dataclass

# From a second to a week: payments end in seconds, UNKNOWN ones in hours or days.
_SECONDS_TO_DAYS = (1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600, 43200, 86400, 259200, 604800)


@dataclass(frozen=True)
class Metric:
    name: str  # as registered (with the SDK meter or prometheus-client)
    kind: str  # counter | histogram (seconds) | gauge
    labels: tuple[str, ...]
    help: str
    buckets: tuple[float, ...] = ()
    source: str = "sdk"  # sdk | registry

    @property
    def exported(self) -> str:
        """The name Prometheus sees (histograms add ``_bucket``, ``_count``, ``_sum``)."""
        return f"{self.name}_total" if self.kind == "counter" else self.name


OPERATIONS_STARTED = Metric(
    "momoflow_operations_started",
    "counter",
    ("use_case",),
    "Operations started, by use case (first run only, never replays).",
)
OPERATIONS_FINISHED = Metric(
    "momoflow_operations_finished",
    "counter",
    ("use_case", "status", "reason"),
    "Operations that reached a final status, by use case, status and reason code "
    "(UNKNOWN with NO_FINAL_ANSWER when reconciliation gives up).",
)
OPERATION_DURATION = Metric(
    "momoflow_operation_duration_seconds",
    "histogram",
    ("use_case", "status"),
    "Time from the start of an operation to its final status.",
    _SECONDS_TO_DAYS,
)
OPERATIONS_BECAME_UNKNOWN = Metric(
    "momoflow_operations_became_unknown",
    "counter",
    ("use_case",),
    "Operations that passed their deadline without MoMo's final answer and became UNKNOWN.",
)
OPERATIONS_LEFT_UNKNOWN = Metric(
    "momoflow_operations_left_unknown",
    "counter",
    ("use_case", "outcome"),
    "Operations that left UNKNOWN, by the status they took (UNKNOWN: reconciliation gave up).",
)
UNKNOWN_DURATION = Metric(
    "momoflow_unknown_duration_seconds",
    "histogram",
    ("use_case", "outcome"),
    "Time an operation spent UNKNOWN, recorded when it leaves UNKNOWN.",
    _SECONDS_TO_DAYS,
)
RESOLUTION_CHECKS = Metric(
    "momoflow_resolution_checks",
    "counter",
    ("use_case", "outcome"),
    "Operator resolutions checked against MoMo's later answer: CONFIRMED, CONTRADICTED or NO_ANSWER.",
)
RESOLUTION_DISCREPANCIES = Metric(
    "momoflow_resolution_discrepancies",
    "counter",
    ("use_case", "operator_status", "provider_status"),
    "Final MoMo answers that contradict an operator's resolution of an UNKNOWN operation.",
)
SUBSCRIPTION_PERIODS_FINISHED = Metric(
    "momoflow_subscription_periods_finished",
    "counter",
    ("outcome", "reason"),
    "Subscription periods that ended, by outcome (SUCCESSFUL, FAILED, STOPPED, UNKNOWN, NEEDS_REVIEW) "
    "and reason code; UNKNOWN and NEEDS_REVIEW need a person.",
)
WEBHOOK_EVENTS_DROPPED = Metric(
    "momoflow_webhook_events_dropped",
    "counter",
    ("use_case", "event_type"),
    "Webhook events that could not be handed to their delivery workflow within the enqueue budget "
    "and were dropped (never delivered, not resendable).",
)
# Set by the worker from Temporal visibility; every replica exports the same values (take max()).
OPERATIONS_UNKNOWN = Metric(
    "momoflow_operations_unknown",
    "gauge",
    ("use_case",),
    "Running operations whose MomoStatus is UNKNOWN, counted in Temporal visibility.",
    source="registry",
)
OPERATIONS_UNKNOWN_OLDEST = Metric(
    "momoflow_operations_unknown_oldest_seconds",
    "gauge",
    ("use_case",),
    "How long the oldest running UNKNOWN operation has been UNKNOWN (0 when none).",
    source="registry",
)
UNKNOWN_SCAN_SUCCESS = Metric(
    "momoflow_unknown_scan_last_success_timestamp_seconds",
    "gauge",
    (),
    "When the worker last counted UNKNOWN operations in Temporal visibility (Unix time).",
    source="registry",
)

SDK: tuple[Metric, ...] = (
    OPERATIONS_STARTED,
    OPERATIONS_FINISHED,
    OPERATION_DURATION,
    OPERATIONS_BECAME_UNKNOWN,
    OPERATIONS_LEFT_UNKNOWN,
    UNKNOWN_DURATION,
    RESOLUTION_CHECKS,
    RESOLUTION_DISCREPANCIES,
    SUBSCRIPTION_PERIODS_FINISHED,
    WEBHOOK_EVENTS_DROPPED,
)
GAUGES: tuple[Metric, ...] = (OPERATIONS_UNKNOWN, OPERATIONS_UNKNOWN_OLDEST, UNKNOWN_SCAN_SUCCESS)
ALL: tuple[Metric, ...] = SDK + GAUGES


def bucket_overrides() -> dict[str, list[float]]:
    """Histogram buckets for the SDK exporter (its default tops out at 10 s)."""
    return {metric.name: [float(b) for b in metric.buckets] for metric in SDK if metric.buckets}
