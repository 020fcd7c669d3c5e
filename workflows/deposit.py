"""Deposit: pay money into a customer's wallet from the disbursement account.

MTN's sandbox reports a SUCCESSFUL deposit without ``financialTransactionId``;
the status is MoMo's word, so the deposit ends SUCCESSFUL without a transaction id.
"""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from momoflow import contract
    from momoflow.contract import SubmitDeposit
    from momoflow.models import PaymentState, PaymentStatus, Product
    from momoflow.payouts import DepositInput
    from momoflow.validation import required

from workflows.payment_pattern import PaymentPattern


@workflow.defn(name="Deposit")
class DepositWorkflow(PaymentPattern):
    steps = contract.DEPOSIT

    @workflow.init
    def __init__(self, inp: DepositInput | None = None) -> None:
        inp = required(inp)  # before any signal, query or update can reach the run
        request = inp.request
        state = PaymentState(
            operation="deposit",
            product=Product.DISBURSEMENT,
            reference_id=str(workflow.uuid4()),
            external_id=request.external_id,
            amount=request.amount,
            currency=request.currency,
            status=PaymentStatus.SUBMITTING,
        )
        self._setup(state, inp.timing, inp.status_task_queue)

    @workflow.run
    async def run(self, inp: DepositInput | None = None) -> PaymentState:
        inp = required(inp)
        return await self._run_pattern(SubmitDeposit(reference_id=self._state.reference_id, request=inp.request))
