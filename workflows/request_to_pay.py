"""Request to Pay: collect money from a customer, who approves on their phone."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from momoflow import contract
    from momoflow.contract import SubmitRequestToPay
    from momoflow.models import PaymentState, PaymentStatus, Product
    from momoflow.operations import RequestToPayInput
    from momoflow.validation import required

from workflows.payment_pattern import PaymentPattern


@workflow.defn(name="RequestToPay")
class RequestToPayWorkflow(PaymentPattern):
    steps = contract.REQUEST_TO_PAY

    @workflow.init
    def __init__(self, inp: RequestToPayInput | None = None) -> None:
        inp = required(inp)  # before any signal, query or update can reach the run
        request = inp.request
        state = PaymentState(
            operation="request_to_pay",
            product=Product.COLLECTION,
            reference_id=str(workflow.uuid4()),
            external_id=request.external_id,
            amount=request.amount,
            currency=request.currency,
            status=PaymentStatus.SUBMITTING,
        )
        self._setup(state, inp.timing, inp.status_task_queue)

    @workflow.run
    async def run(self, inp: RequestToPayInput | None = None) -> PaymentState:
        inp = required(inp)
        return await self._run_pattern(SubmitRequestToPay(reference_id=self._state.reference_id, request=inp.request))
