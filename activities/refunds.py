"""Refund activities: the MoMo refund calls, and the two that talk to Temporal for the ledger.

MoMo's side is the payment pattern's three steps. The ledger's side: ``reserve`` claims a
refund's amount on the payment's ``RefundLedger`` with update-with-start (the ledger starts
on its first claim; every claim of one payment then runs in that one workflow, in order),
and ``read_original`` reads the refunded payment's state for the ledger, which as a
workflow cannot call the Temporal client itself.
"""

from __future__ import annotations

from typing import Any

from temporalio import activity
from temporalio.client import Client, WithStartWorkflowOperation, WorkflowExecutionStatus, WorkflowUpdateFailedError
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from activities.operations import calling_workflow_id, report_status, require_final, submit_once
from momo.client import REFUND_VERSIONS, DisbursementClient
from momo.models import Refund, RefundResult
from momoflow import contract
from momoflow.callback_tokens import CallbackSigner
from momoflow.contract import ProviderStatus, StatusCheck, SubmitRefund, WorkflowType
from momoflow.logging import get_logger
from momoflow.models import PaymentState
from momoflow.refunds import ORIGINAL_UNREADABLE, LedgerInput, OriginalPayment, ReserveRequest, ReserveVerdict

log = get_logger("activities")

# The workflow types whose money can be given back.
REFUNDABLE_TYPES = (WorkflowType.REQUEST_TO_PAY, WorkflowType.INVOICE)


def _refund_status(result: RefundResult) -> ProviderStatus:
    return ProviderStatus(
        status=result.status.value, reason=result.reason_code, financial_transaction_id=result.financial_transaction_id
    )


class RefundActivities:
    """MoMo's refund endpoints on one disbursement credential; ``version`` picks v1 or v2 for the POST."""

    def __init__(
        self, client: DisbursementClient, signer: CallbackSigner, callback_base_url: str, version: str = "v2"
    ) -> None:
        if version not in REFUND_VERSIONS:
            raise ValueError(f"MOMO_REFUND_API_VERSION: must be one of {', '.join(REFUND_VERSIONS)}, got {version!r}")
        self._client = client
        self._signer = signer
        self._callback_base_url = callback_base_url
        self._version = version

    @activity.defn(name=contract.REFUND.submit)
    async def submit_refund(self, submit: SubmitRefund) -> bool:
        request = submit.request
        body = Refund(
            amount=request.amount,
            currency=request.currency,
            external_id=request.external_id,
            payer_message=request.payer_message,
            payee_note=request.payee_note,
            reference_id_to_refund=submit.reference_id_to_refund,
        )
        url = self._signer.url(self._callback_base_url, calling_workflow_id(), submit.reference_id)
        return await submit_once(
            "refund",
            submit.reference_id,
            lambda: self._client.refund(submit.reference_id, body, url, version=self._version),
        )

    @activity.defn(name=contract.REFUND.get_status)
    async def get_refund_status(self, check: StatusCheck) -> ProviderStatus:
        return await report_status(lambda: self._client.get_refund(check.reference_id), _refund_status)

    @activity.defn(name=contract.REFUND.await_final)
    async def await_final_refund(self, check: StatusCheck) -> ProviderStatus:
        return await require_final(
            lambda: self._client.get_refund(check.reference_id),
            _refund_status,
            not_found_is_answer=check.not_found_is_answer,
        )

    def main(self) -> list[Any]:
        return [self.submit_refund]

    def status(self) -> list[Any]:
        return [self.get_refund_status, self.await_final_refund]


class LedgerActivities:
    """Bound to the worker's Temporal client and the task queue the ledgers run on."""

    def __init__(self, client: Client, task_queue: str) -> None:
        self._client = client
        self._task_queue = task_queue

    @activity.defn(name=contract.REFUND_RESERVE)
    async def reserve(self, claim: ReserveRequest) -> ReserveVerdict:
        """Claim the refund's amount; starts the payment's ledger if this is its first claim.

        A retry after a lost answer is harmless: the ledger knows the refund key.
        """
        ledger_id = contract.refund_ledger_id(claim.original_workflow_id)
        # Started by name, so the SDK cannot infer the types: the ledger workflow returns nothing.
        start: WithStartWorkflowOperation[Any, None] = WithStartWorkflowOperation(
            WorkflowType.REFUND_LEDGER,
            LedgerInput(original_workflow_id=claim.original_workflow_id),
            id=ledger_id,
            task_queue=self._task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        )
        try:
            verdict: ReserveVerdict = await self._client.execute_update_with_start_workflow(
                contract.RESERVE_UPDATE, claim, start_workflow_operation=start, result_type=ReserveVerdict
            )
        except WorkflowUpdateFailedError as exc:
            cause = exc.cause
            if isinstance(cause, ApplicationError) and cause.type == ORIGINAL_UNREADABLE:
                # The ledger could not read the payment just now: the same claim, asked again, is harmless.
                raise ApplicationError(f"refund ledger {ledger_id}: {cause.message}", type=ORIGINAL_UNREADABLE) from exc
            # The ledger refused the claim's shape (its validator): retrying cannot help.
            raise ApplicationError(
                f"refund ledger {ledger_id} refused the claim: {cause}", type="LEDGER_REFUSED", non_retryable=True
            ) from exc
        log.info(
            "refund reservation",
            ledger_id=ledger_id,
            refund_key=claim.refund_key,
            accepted=verdict.accepted,
            reason=verdict.reason.value if verdict.reason else None,
        )
        return verdict

    @activity.defn(name=contract.REFUND_READ_ORIGINAL)
    async def read_original(self, workflow_id: str) -> OriginalPayment:
        """The payment's type, status, amount, currency and MoMo reference id, as Temporal has them."""
        handle = self._client.get_workflow_handle(workflow_id, result_type=PaymentState)
        try:
            description = await handle.describe()
        except RPCError as exc:
            if exc.status is RPCStatusCode.NOT_FOUND:
                return OriginalPayment(workflow_id=workflow_id, found=False)
            raise
        workflow_type = description.workflow_type
        if workflow_type not in REFUNDABLE_TYPES:
            return OriginalPayment(workflow_id=workflow_id, found=True, workflow_type=workflow_type)
        if description.status is WorkflowExecutionStatus.COMPLETED:
            state = await handle.result()
        elif description.status is WorkflowExecutionStatus.RUNNING:
            state = await handle.query(contract.STATUS_QUERY, result_type=PaymentState)
        else:
            name = description.status.name if description.status else "UNKNOWN"
            return OriginalPayment(workflow_id=workflow_id, found=True, workflow_type=workflow_type, status=name)
        return OriginalPayment(
            workflow_id=workflow_id,
            found=True,
            workflow_type=workflow_type,
            status=state.status.value,
            amount=state.amount,
            currency=state.currency,
            reference_id=state.reference_id,
        )

    def all(self) -> list[Any]:
        return [self.reserve, self.read_original]
