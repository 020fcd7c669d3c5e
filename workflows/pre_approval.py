"""Pre-Approval: the customer allows the partner to debit them later without approving each payment."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from momoflow import contract
    from momoflow.contract import SubmitPreApproval
    from momoflow.models import PaymentState, PaymentStatus, Product
    from momoflow.operations import PreApprovalInput
    from momoflow.validation import required

from workflows.payment_pattern import PaymentPattern


@workflow.defn(name="PreApproval")
class PreApprovalWorkflow(PaymentPattern):
    """SUCCESSFUL means approved; ``details["expiration_date_time"]`` says until when."""

    steps = contract.PRE_APPROVAL

    @workflow.init
    def __init__(self, inp: PreApprovalInput | None = None) -> None:
        inp = required(inp)  # before any signal, query or update can reach the run
        state = PaymentState(
            operation="pre_approval",
            product=Product.COLLECTION,
            reference_id=str(workflow.uuid4()),
            currency=inp.request.currency,
            status=PaymentStatus.SUBMITTING,
            details={"validity_s": str(inp.request.validity_s)},
        )
        self._setup(state, inp.timing, inp.status_task_queue)

    @workflow.run
    async def run(self, inp: PreApprovalInput | None = None) -> PaymentState:
        inp = required(inp)
        return await self._run_pattern(SubmitPreApproval(reference_id=self._state.reference_id, request=inp.request))
