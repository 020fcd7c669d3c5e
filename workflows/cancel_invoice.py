"""Cancel Invoice: cancel an invoice created elsewhere, known only by its MoMo reference id.

For invoices created by momoflow, use the Invoice workflow's ``cancel`` update
instead: it also follows the invoice itself to its end.
"""

from __future__ import annotations

from pydantic import BaseModel
from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from momoflow import contract
    from momoflow.contract import SubmitInvoiceCancellation
    from momoflow.models import PaymentState, PaymentStatus, Product
    from momoflow.operations import CancelInvoiceInput, CancelInvoiceRequest
    from momoflow.validation import required

from workflows.payment_pattern import PaymentPattern


@workflow.defn(name="CancelInvoice")
class CancelInvoiceWorkflow(PaymentPattern):
    """SUCCESSFUL means MoMo cancelled the invoice; FAILED carries MoMo's reason (e.g. already paid)."""

    steps = contract.INVOICE_CANCELLATION

    @workflow.init
    def __init__(self, inp: CancelInvoiceInput | None = None) -> None:
        inp = required(inp)  # before any signal, query or update can reach the run
        state = PaymentState(
            operation="invoice_cancellation",
            product=Product.COLLECTION,
            reference_id=str(workflow.uuid4()),
            external_id=inp.request.external_id,
            status=PaymentStatus.SUBMITTING,
            details={"invoice_reference_id": inp.request.invoice_reference_id},
        )
        self._setup(state, inp.timing, inp.status_task_queue)

    @workflow.run
    async def run(self, inp: CancelInvoiceInput | None = None) -> PaymentState:
        inp = required(inp)
        request = inp.request
        return await self._run_pattern(
            SubmitInvoiceCancellation(
                reference_id=self._state.reference_id,
                invoice_reference_id=request.invoice_reference_id,
                external_id=request.external_id,
            )
        )

    def _admission_request(self, submit_input: BaseModel) -> BaseModel:
        assert isinstance(submit_input, SubmitInvoiceCancellation)
        return CancelInvoiceRequest(
            invoice_reference_id=submit_input.invoice_reference_id, external_id=submit_input.external_id
        )
