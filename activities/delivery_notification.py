"""Delivery notification activities: what Temporal knows of a payment, and the note to MoMo.

MoMo's answers to the note, in the one taxonomy (``activities.errors``):

* 200: accepted for delivery.
* 409 "the transaction is not successfully completed": non-retryable ``NOT_COMPLETED``.
  The workflow only sends once MoMo's own status GET said SUCCESSFUL, so this is MoMo
  contradicting itself; waiting has no documented end, so the note is refused, naming it.
* 410 "the delivery notification opportunity has expired": non-retryable
  ``NOTIFICATION_EXPIRED``; no later attempt can succeed.
* 404, 400: non-retryable, with MoMo's code (unknown reference id; a bad note).
* 429 "too many attempts for the same id", 5xx, timeouts: retried, honouring Retry-After.

MoMo takes no idempotency key here, so a retry after a lost 200 can deliver the note twice;
MTN's 429 (sent only after an accepted note) spaces such repeats out.
"""

from __future__ import annotations

from temporalio import activity
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from activities.errors import to_application_error
from momo.client import CollectionClient
from momo.errors import MomoConflictError, MomoError
from momoflow import contract
from momoflow.contract import DeliveryNote, PaymentLookup, PaymentOutcome
from momoflow.logging import get_logger
from momoflow.models import PaymentState

log = get_logger("activities")
NOT_COMPLETED = "NOT_COMPLETED"
NOTIFICATION_EXPIRED = "NOTIFICATION_EXPIRED"


class DeliveryNotificationActivities:
    """The note itself: bound to one collection credential."""

    def __init__(self, client: CollectionClient) -> None:
        self._client = client

    @activity.defn(name=contract.NOTIFY_DELIVERY)
    async def notify_delivery(self, note: DeliveryNote) -> bool:
        attempt = activity.info().attempt
        try:
            await self._client.notify_delivery(note.reference_id, note.message, note.language)
        except MomoConflictError as exc:
            raise ApplicationError(
                f"MoMo refused the note: the request to pay {note.reference_id} is not successfully completed"
                f" at MoMo (HTTP 409 {exc.code})",
                type=NOT_COMPLETED,
                non_retryable=True,
            ) from exc
        except MomoError as exc:
            log.warning(
                "delivery notification not accepted",
                reference_id=note.reference_id,
                code=exc.code,
                http_status=exc.status_code,
                retryable=exc.retryable,
                attempt=attempt,
            )
            if exc.status_code == 410:
                raise ApplicationError(
                    f"MoMo refused the note: the delivery notification opportunity for {note.reference_id}"
                    " has expired (HTTP 410)",
                    type=NOTIFICATION_EXPIRED,
                    non_retryable=True,
                ) from exc
            raise to_application_error(exc) from exc
        log.info("delivery notification accepted", reference_id=note.reference_id, attempt=attempt)
        return True

    def main(self) -> list[object]:
        return [self.notify_delivery]

    def status(self) -> list[object]:
        return []  # no status checks: MoMo's answer to the POST is the outcome


class PaymentOutcomeActivities:
    """Bound to the worker's Temporal client: reads a payment workflow's type, run status and state."""

    def __init__(self, client: Client) -> None:
        self._client = client

    @activity.defn(name=contract.PAYMENT_OUTCOME)
    async def payment_outcome(self, lookup: PaymentLookup) -> PaymentOutcome:
        handle = self._client.get_workflow_handle(lookup.workflow_id, result_type=PaymentState)
        try:
            description = await handle.describe()
        except RPCError as exc:
            if exc.status is RPCStatusCode.NOT_FOUND:
                return PaymentOutcome(found=False)
            raise
        status = description.status
        outcome = PaymentOutcome(
            found=True, workflow_type=description.workflow_type, run_status=status.name if status else None
        )
        if description.workflow_type != contract.WorkflowType.REQUEST_TO_PAY:
            return outcome
        if status is WorkflowExecutionStatus.COMPLETED:
            outcome.state = await handle.result()
        elif status is WorkflowExecutionStatus.RUNNING:
            outcome.state = await handle.query(contract.STATUS_QUERY, result_type=PaymentState)
        return outcome

    def all(self) -> list[object]:
        return [self.payment_outcome]
