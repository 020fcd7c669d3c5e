"""Turn an operation's status change into a webhook event and hand it to the worker.

Called from the payment pattern at every final status (and at UNKNOWN, and when MoMo
contradicts an operator's resolution), only when
the worker's admission said webhooks are on (recorded in history, so replays and
payments started without webhooks never change). The event id is derived from the
workflow id, run id and the event's sequence in the run, so a replay or a retried
enqueue produces the same id and receivers can deduplicate on it.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from momoflow import contract
    from momoflow.contract import WebhookAnnouncement, WebhookEvent, WebhookEventData
    from momoflow.models import Party, PaymentState

from workflows import observability

# Patch id of "announce final statuses as webhook events".
WEBHOOK_EVENTS = "webhook-events"
SUCCEEDED = "payment.succeeded"
FAILED = "payment.failed"
UNKNOWN = "payment.unknown"
RESOLVED = "payment.resolved"
# MoMo's final answer contradicts an operator's resolution (workflows/resolution.py).
DISCREPANCY = "payment.discrepancy"
# Patch id of announcing a discrepancy as a webhook event.
DISCREPANCY_EVENTS = "webhook-discrepancy-events"
# Signalling the delivery workflow needs only Temporal; keep trying for a while if it is down.
_ENQUEUE_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), backoff_coefficient=2.0, maximum_interval=timedelta(minutes=1)
)
_ENQUEUE_BUDGET = timedelta(hours=1)


def event_id(workflow_id: str, run_id: str, sequence: int, event_type: str) -> str:
    digest = hashlib.sha256(f"{workflow_id}\n{run_id}\n{sequence}\n{event_type}".encode()).hexdigest()
    return f"evt_{digest[:32]}"


def event_for(state: PaymentState, event_type: str, sequence: int, party: Party | None) -> WebhookEvent:
    info = workflow.info()
    return WebhookEvent(
        id=event_id(info.workflow_id, info.run_id, sequence, event_type),
        type=event_type,
        created=workflow.now(),
        workflow_id=info.workflow_id,
        use_case=state.operation,
        data=WebhookEventData(
            status=state.status.value,
            reason=state.reason,
            reason_message=state.reason_message,
            amount=state.amount,
            currency=state.currency,
            reference_id=state.reference_id,
            financial_transaction_id=state.financial_transaction_id,
            external_id=state.external_id,
            resolved_by=state.resolved_by,
            details=dict(state.details),
            party=party,
            discrepancy=state.discrepancy if event_type == DISCREPANCY else None,
        ),
    )


def party_of(request: object | None) -> Party | None:
    """The customer of an operation's request (payer, payee or intended payer), if it has one."""
    for field in ("payer", "payee", "intended_payer"):
        party = getattr(request, field, None)
        if isinstance(party, Party):
            return party
    return None


async def announce(event: WebhookEvent) -> None:
    """Queue the event for delivery; a failure to queue is logged, counted (the event is lost) and
    never fails the payment."""
    try:
        await workflow.execute_activity(
            contract.WEBHOOK_ENQUEUE,
            WebhookAnnouncement(event=event),
            result_type=bool,
            start_to_close_timeout=timedelta(seconds=30),
            schedule_to_close_timeout=_ENQUEUE_BUDGET,
            retry_policy=_ENQUEUE_RETRY,
        )
    except ActivityError as exc:
        workflow.logger.error(
            "webhook event could not be queued", extra={"event_id": event.id, "error": str(exc.cause)}
        )
        observability.webhook_event_dropped(event.type)
