"""Delivery Notification: a note (a receipt number, say) to the payer of a SUCCESSFUL Request to Pay.

A workflow of its own rather than an update on the Request to Pay: a payment's
workflow has ended by the time it is SUCCESSFUL, and an ended workflow takes no
updates. Its id, ``notify-<Request to Pay workflow id>-<note key>``, makes each
note idempotent per key: starting it again returns the first outcome and sends
nothing. It reads the payment's state from Temporal (the state the payment
pattern confirmed with MoMo's own GET) and refuses, naming the state, unless it
is SUCCESSFUL; only then is the note sent.

Failure types (non-retryable): ``INVALID_REQUEST``; ``PAYMENT_NOT_FOUND``;
``NOT_A_REQUEST_TO_PAY``; ``PAYMENT_NOT_SUCCESSFUL`` (the message names the
state); MoMo's ``NOT_COMPLETED`` (409), ``NOTIFICATION_EXPIRED`` (410),
``RESOURCE_NOT_FOUND`` (404), ``BAD_REQUEST`` (400); ``UNAVAILABLE`` or the last
retryable code (429, 5xx) when MoMo could not take the note within two minutes.
"""

from __future__ import annotations

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from momoflow import contract
    from momoflow.contract import DeliveryNote, DeliveryNotificationResult, PaymentLookup, PaymentOutcome
    from momoflow.models import PaymentState, PaymentStatus
    from momoflow.operations import DeliveryNotificationInput
    from momoflow.validation import required

from workflows.admission import admit
from workflows.synchronous import PATCHES, call_momo

PAYMENT_NOT_FOUND = "PAYMENT_NOT_FOUND"
NOT_A_REQUEST_TO_PAY = "NOT_A_REQUEST_TO_PAY"
PAYMENT_NOT_SUCCESSFUL = "PAYMENT_NOT_SUCCESSFUL"
# Refusals momoflow makes itself, before anything is sent to MoMo.
PAYMENT_REFUSALS = frozenset({PAYMENT_NOT_FOUND, NOT_A_REQUEST_TO_PAY, PAYMENT_NOT_SUCCESSFUL})


@workflow.defn(name=contract.WorkflowType.DELIVERY_NOTIFICATION)
class DeliveryNotificationWorkflow:
    @workflow.run
    async def run(self, inp: DeliveryNotificationInput | None = None) -> DeliveryNotificationResult:
        inp = required(inp)
        await admit(inp.model_dump(mode="json"), decide=PATCHES)
        payment_id = inp.payment_workflow_id
        outcome = await call_momo(contract.PAYMENT_OUTCOME, PaymentLookup(workflow_id=payment_id), PaymentOutcome)
        state = _successful_payment(payment_id, outcome)
        await call_momo(
            contract.NOTIFY_DELIVERY,
            DeliveryNote(reference_id=state.reference_id, message=inp.message, language=inp.language),
            bool,
        )
        workflow.logger.info(
            "delivery notification sent", extra={"payment_workflow_id": payment_id, "reference_id": state.reference_id}
        )
        return DeliveryNotificationResult(
            payment_workflow_id=payment_id,
            reference_id=state.reference_id,
            financial_transaction_id=state.financial_transaction_id,
            message=inp.message,
            language=inp.language,
            sent_at=workflow.now(),
        )


def _successful_payment(payment_id: str, outcome: PaymentOutcome) -> PaymentState:
    """The payment's state if it is a SUCCESSFUL Request to Pay; otherwise a refusal that says why."""
    if not outcome.found:
        raise _refusal(PAYMENT_NOT_FOUND, f"payment_workflow_id: no payment {payment_id!r} is known to Temporal")
    if outcome.workflow_type != contract.WorkflowType.REQUEST_TO_PAY:
        raise _refusal(
            NOT_A_REQUEST_TO_PAY,
            f"payment_workflow_id: {payment_id!r} is a {outcome.workflow_type}; only a Request to Pay takes a"
            " delivery notification",
        )
    state = outcome.state
    if state is None:
        raise _refusal(
            PAYMENT_NOT_SUCCESSFUL,
            f"the Request to Pay {payment_id!r} ended {outcome.run_status} without a result; only a SUCCESSFUL"
            " one takes a delivery notification",
        )
    if state.status is not PaymentStatus.SUCCESSFUL:
        why = f" ({state.reason})" if state.reason else ""
        raise _refusal(
            PAYMENT_NOT_SUCCESSFUL,
            f"the Request to Pay {payment_id!r} is {state.status.value}{why}; only a SUCCESSFUL one takes a"
            " delivery notification",
        )
    return state


def _refusal(kind: str, message: str) -> ApplicationError:
    workflow.logger.info("delivery notification refused", extra={"reason": kind})
    return ApplicationError(message, type=kind, non_retryable=True)
