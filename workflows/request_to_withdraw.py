"""Request to Withdraw: cash money out of a customer's wallet, once the customer authorises it.

MoMo treats it as a request to pay under another endpoint (same body, same
result, same test numbers), so it follows the payment pattern as Request to
Pay does; only its activities differ.
"""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from momoflow import contract
    from momoflow.contract import SubmitRequestToWithdraw
    from momoflow.models import PaymentState, PaymentStatus, Product
    from momoflow.operations import RequestToWithdrawInput
    from momoflow.validation import required

from workflows.payment_pattern import PaymentPattern


@workflow.defn(name=contract.WorkflowType.REQUEST_TO_WITHDRAW)
class RequestToWithdrawWorkflow(PaymentPattern):
    steps = contract.REQUEST_TO_WITHDRAW

    @workflow.init
    def __init__(self, inp: RequestToWithdrawInput | None = None) -> None:
        inp = required(inp)  # before any signal, query or update can reach the run
        request = inp.request
        state = PaymentState(
            operation="request_to_withdraw",
            product=Product.COLLECTION,
            reference_id=str(workflow.uuid4()),
            external_id=request.external_id,
            amount=request.amount,
            currency=request.currency,
            status=PaymentStatus.SUBMITTING,
        )
        self._setup(state, inp.timing, inp.status_task_queue)

    @workflow.run
    async def run(self, inp: RequestToWithdrawInput | None = None) -> PaymentState:
        inp = required(inp)
        return await self._run_pattern(
            SubmitRequestToWithdraw(reference_id=self._state.reference_id, request=inp.request)
        )
