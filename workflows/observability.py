"""Business metrics recorded from inside workflows, and what the Web UI shows of a run.

Metrics go through ``workflow.metric_meter()``, so they are emitted once, when
the workflow really runs, and never again when a worker replays its history.
Names, labels and help come from :mod:`momoflow.metrics.names` (the one
definition the rules and dashboard follow). The SDK adds ``namespace``,
``task_queue`` and ``workflow_type``; our labels are the use case
(``UseCase.name``, found from the workflow type) and bounded status and reason
codes, never a phone number, an external id or a reference id.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from temporalio import workflow
from temporalio.common import SearchAttributeUpdate

with workflow.unsafe.imports_passed_through():
    from momoflow import display
    from momoflow import search_attributes as sa
    from momoflow.metrics import names
    from momoflow.models import PaymentState, PaymentStatus
    from momoflow.use_cases import BY_WORKFLOW_TYPE

from workflows import patches

# Patch id: workflows mark themselves payment or lookup (MomoKind) when they start.
MOMO_KIND = "momo-kind"
# Patch id: becoming UNKNOWN also sets MomoUnknownSince (same upsert), so its age is exact.
UNKNOWN_SINCE = "momo-unknown-since"


def use_case() -> str:
    """The running workflow's use case name, the ``use_case`` label everywhere."""
    workflow_type = workflow.info().workflow_type
    known = BY_WORKFLOW_TYPE.get(workflow_type)
    return known.name if known is not None else workflow_type


def _add(metric: names.Metric, labels: dict[str, str]) -> None:
    assert metric.kind == "counter" and set(labels) == set(metric.labels), metric.name
    workflow.metric_meter().create_counter(metric.name, metric.help).add(1, labels)


def _record(metric: names.Metric, seconds: float, labels: dict[str, str]) -> None:
    assert metric.kind == "histogram" and set(labels) == set(metric.labels), metric.name
    workflow.metric_meter().create_histogram_float(metric.name, metric.help, "s").record(seconds, labels)


def resolution_checked(outcome: str) -> None:
    """How the check after an operator's resolution ended: CONFIRMED, CONTRADICTED or NO_ANSWER."""
    _add(names.RESOLUTION_CHECKS, {"use_case": use_case(), "outcome": outcome})


def resolution_discrepancy(operator_status: str, provider_status: str) -> None:
    """MoMo's final status contradicts an operator's resolution: money may be wrong; alert on any."""
    _add(
        names.RESOLUTION_DISCREPANCIES,
        {"use_case": use_case(), "operator_status": operator_status, "provider_status": provider_status},
    )


def subscription_period_finished(outcome: str, reason: str) -> None:
    """A subscription period ended (a ``PeriodOutcome``); ``reason`` is a code, never the stop note."""
    _add(names.SUBSCRIPTION_PERIODS_FINISHED, {"outcome": outcome, "reason": reason})


def webhook_event_dropped(event_type: str) -> None:
    """A webhook event could not be queued for delivery and is lost: alert on any."""
    _add(names.WEBHOOK_EVENTS_DROPPED, {"use_case": use_case(), "event_type": event_type})


def operation_started() -> None:
    _add(names.OPERATIONS_STARTED, {"use_case": use_case()})


def kind(value: str) -> list[SearchAttributeUpdate[Any]]:
    """``MomoKind`` (payment or lookup) to send with the first upsert; nothing for runs older than the patch."""
    return [sa.KIND.value_set(value)] if patches.patched(MOMO_KIND) else []


def unknown_since(new: PaymentStatus) -> list[SearchAttributeUpdate[Any]]:
    """``MomoUnknownSince`` to send with the upsert that makes the status UNKNOWN (nothing otherwise,
    nor for runs that became UNKNOWN before the patch). The worker's UNKNOWN gauges read it."""
    if new is not PaymentStatus.UNKNOWN or not patches.patched(UNKNOWN_SINCE):
        return []
    return [sa.UNKNOWN_SINCE.value_set(workflow.now())]


def show(state: PaymentState) -> None:
    """Keep the Web UI's current details (summary line, status, reason, transaction id) up to date."""
    workflow.set_current_details(display.current_details(state))


def lookup_finished(status: str, reason: str) -> None:
    _add(names.OPERATIONS_FINISHED, {"use_case": use_case(), "status": status, "reason": reason})


def status_changing(state: PaymentState, new: PaymentStatus) -> None:
    """Called before ``state`` takes status ``new``: counts finishes and time spent UNKNOWN.

    How many operations are UNKNOWN right now, and for how long, is not a sum of
    these counters (a restart or a replica loses nothing here, but rates cannot
    tell an age): the worker counts them in visibility (:mod:`momoflow.metrics.unknown`).
    """
    now = workflow.now()
    if new is PaymentStatus.UNKNOWN:
        _add(names.OPERATIONS_BECAME_UNKNOWN, {"use_case": use_case()})
    if state.status is PaymentStatus.UNKNOWN:
        _left_unknown(state, now, new.value)
    if new.is_final:
        reason = (state.reason or "UNSPECIFIED") if new is PaymentStatus.FAILED else "none"
        _finished(state, now, new.value, reason)


def run_ended_unknown(state: PaymentState) -> None:
    """Reconciliation gave up: the run ends with the operation still UNKNOWN."""
    now = workflow.now()
    _left_unknown(state, now, PaymentStatus.UNKNOWN.value)
    _finished(state, now, PaymentStatus.UNKNOWN.value, "NO_FINAL_ANSWER")


def _finished(state: PaymentState, now: datetime, status: str, reason: str) -> None:
    labels = {"use_case": use_case(), "status": status}
    _add(names.OPERATIONS_FINISHED, {**labels, "reason": reason})
    if state.history:
        _record(names.OPERATION_DURATION, (now - state.history[0].at).total_seconds(), labels)


def _left_unknown(state: PaymentState, now: datetime, outcome: str) -> None:
    became = next((c.at for c in reversed(state.history) if c.status is PaymentStatus.UNKNOWN), None)
    labels = {"use_case": use_case(), "outcome": outcome}
    _add(names.OPERATIONS_LEFT_UNKNOWN, labels)
    if became is not None:
        _record(names.UNKNOWN_DURATION, (now - became).total_seconds(), labels)
