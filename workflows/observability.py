"""Business metrics recorded from inside workflows.

They go through ``workflow.metric_meter()``, so they are emitted once, when the
workflow really runs, and never again when a worker replays its history. The
SDK adds ``namespace``, ``task_queue`` and ``workflow_type`` to every one; our
labels are the use case (``operation``) and bounded status and reason codes,
never a phone number, an external id or a reference id.
"""

from __future__ import annotations

from temporalio import workflow

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
