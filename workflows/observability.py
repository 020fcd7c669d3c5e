"""Business metrics recorded from inside workflows.

They go through ``workflow.metric_meter()``, so they are emitted once, when the
workflow really runs, and never again when a worker replays its history. The
SDK adds ``namespace``, ``task_queue`` and ``workflow_type`` to every one; our
labels are the use case (``operation``) and bounded status and reason codes,
never a phone number, an external id or a reference id.
"""

from __future__ import annotations

from datetime import datetime

from temporalio import workflow
from temporalio.common import SearchAttributeUpdate

with workflow.unsafe.imports_passed_through():
    from momoflow import display
    from momoflow import search_attributes as sa
    from momoflow.models import PaymentState, PaymentStatus

# Patch id: workflows mark themselves payment or lookup (MomoKind) when they start.
MOMO_KIND = "momo-kind"

STARTED = "momoflow_operations_started_total"
FINISHED = "momoflow_operations_finished_total"
DURATION = "momoflow_operation_duration_seconds"
BECAME_UNKNOWN = "momoflow_operations_became_unknown_total"
LEFT_UNKNOWN = "momoflow_operations_left_unknown_total"
UNKNOWN_DURATION = "momoflow_unknown_duration_seconds"
RESOLUTION_DISCREPANCIES = "momoflow_resolution_discrepancies_total"
RESOLUTION_CHECKS = "momoflow_resolution_checks_total"


def resolution_checked(operation: str, outcome: str) -> None:
    """How the check after an operator's resolution ended: CONFIRMED, CONTRADICTED or NO_ANSWER."""
    workflow.metric_meter().create_counter(
        RESOLUTION_CHECKS, "Operator resolutions checked against MoMo's later answer, by outcome"
    ).add(1, {"operation": operation, "outcome": outcome})


def resolution_discrepancy(operation: str, operator_status: str, provider_status: str) -> None:
    """MoMo's final status contradicts an operator's resolution: money may be wrong; alert on any."""
    workflow.metric_meter().create_counter(
        RESOLUTION_DISCREPANCIES, "Operator resolutions that MoMo later contradicted"
    ).add(1, {"operation": operation, "operator_status": operator_status, "provider_status": provider_status})


def operation_started(operation: str) -> None:
    workflow.metric_meter().create_counter(STARTED, "Operations started, by use case").add(1, {"operation": operation})


def kind(value: str) -> list[SearchAttributeUpdate]:
    """``MomoKind`` (payment or lookup) to send with the first upsert; nothing for runs older than the patch."""
    return [sa.KIND.value_set(value)] if workflow.patched(MOMO_KIND) else []


def show(state: PaymentState) -> None:
    """Keep the Web UI's current details (summary line, status, reason, transaction id) up to date."""
    workflow.set_current_details(display.current_details(state))


def lookup_finished(operation: str, status: str, reason: str) -> None:
    workflow.metric_meter().create_counter(
        FINISHED, "Operations that reached a final status, by use case, status and reason"
    ).add(1, {"operation": operation, "status": status, "reason": reason})


def status_changing(state: PaymentState, new: PaymentStatus) -> None:
    """Called before ``state`` takes status ``new``: counts finishes and time spent UNKNOWN.

    How many operations are UNKNOWN right now is ``became_unknown - left_unknown`` while no
    worker restarted; the exact figure is a visibility count of ``MomoStatus="UNKNOWN"``.
    """
    meter = workflow.metric_meter()
    now = workflow.now()
    operation = state.operation
    if new is PaymentStatus.UNKNOWN:
        meter.create_counter(BECAME_UNKNOWN, "Operations without MoMo's final answer by their deadline").add(
            1, {"operation": operation}
        )
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
    meter = workflow.metric_meter()
    labels = {"operation": state.operation, "status": status}
    meter.create_counter(FINISHED, "Operations that reached a final status, by use case, status and reason").add(
        1, {**labels, "reason": reason}
    )
    if state.history:
        meter.create_histogram_float(DURATION, "Time from start to final status", "s").record(
            (now - state.history[0].at).total_seconds(), labels
        )


def _left_unknown(state: PaymentState, now: datetime, outcome: str) -> None:
    became = next((c.at for c in reversed(state.history) if c.status is PaymentStatus.UNKNOWN), None)
    meter = workflow.metric_meter()
    labels = {"operation": state.operation, "outcome": outcome}
    meter.create_counter(LEFT_UNKNOWN, "Operations that left UNKNOWN, by how").add(1, labels)
    if became is not None:
        meter.create_histogram_float(UNKNOWN_DURATION, "Time an operation spent UNKNOWN", "s").record(
            (now - became).total_seconds(), labels
        )
