"""Transfer: pay money out to a customer, after optional checks that nothing moves in vain."""

from __future__ import annotations

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from momoflow import contract
    from momoflow.contract import (
        AccountBalance,
        AccountHolder,
        AccountHolderCheck,
        BalanceCheck,
        ProviderStatus,
        SubmitTransfer,
    )
    from momoflow.models import PaymentState, PaymentStatus, Product
    from momoflow.operations import TransferInput
    from momoflow.validation import required

from workflows.payment_pattern import CHECK_BUDGET, CHECK_RETRY, ONE_CALL, PaymentPattern

_PRODUCT = Product.DISBURSEMENT


@workflow.defn(name="Transfer")
class TransferWorkflow(PaymentPattern):
    steps = contract.TRANSFER

    @workflow.init
    def __init__(self, inp: TransferInput | None = None) -> None:
        inp = required(inp)  # before any signal, query or update can reach the run
        request = inp.request
        state = PaymentState(
            operation="transfer",
            product=_PRODUCT,
            reference_id=str(workflow.uuid4()),
            external_id=request.external_id,
            amount=request.amount,
            currency=request.currency,
            status=PaymentStatus.SUBMITTING,
        )
        self._setup(state, inp.timing, inp.status_task_queue)
        self._input = inp

    @workflow.run
    async def run(self, inp: TransferInput | None = None) -> PaymentState:
        inp = required(inp)
        return await self._run_pattern(SubmitTransfer(reference_id=self._state.reference_id, request=inp.request))

    async def _before_submit(self) -> tuple[ProviderStatus, str] | None:
        """Pre-checks: the payee can receive money, and the balance covers the amount."""
        request = self._input.request
        check = "payee"
        try:
            if request.check_payee:
                holder = await workflow.execute_activity(
                    contract.account_holder(_PRODUCT.value),
                    AccountHolderCheck(party=request.payee),
                    result_type=AccountHolder,
                    start_to_close_timeout=ONE_CALL,
                    schedule_to_close_timeout=CHECK_BUDGET,
                    retry_policy=CHECK_RETRY,
                )
                if not holder.found:
                    return _refusal("PRECHECK_PAYEE_NOT_FOUND", "pre-check failed: MoMo does not know the payee")
                if not holder.active:
                    return _refusal("PRECHECK_PAYEE_NOT_ACTIVE", "pre-check failed: the payee's account is not active")
            if request.check_balance:
                check = "balance"
                balance = await workflow.execute_activity(
                    contract.balance(_PRODUCT.value),
                    BalanceCheck(currency=request.currency),
                    result_type=AccountBalance,
                    start_to_close_timeout=ONE_CALL,
                    schedule_to_close_timeout=CHECK_BUDGET,
                    retry_policy=CHECK_RETRY,
                )
                if balance.available_balance < request.amount:
                    return _refusal(
                        "PRECHECK_INSUFFICIENT_BALANCE",
                        f"pre-check failed: the disbursement balance {balance.available_balance} {balance.currency}"
                        f" does not cover {request.amount} {request.currency}",
                    )
        except ActivityError as err:
            # Nothing was sent, so failing is safe; say which check could not be done and why.
            # Only the code and a fixed text: the cause's message may name the payee, and this one
            # travels unencrypted (Temporal history, payment state, webhook body).
            cause = err.cause
            code = cause.type if isinstance(cause, ApplicationError) and cause.type else "UNAVAILABLE"
            return _refusal(
                f"PRECHECK_{code}", f"pre-check could not be completed: the {check} check failed with {code}"
            )
        return None


def _refusal(reason: str, message: str) -> tuple[ProviderStatus, str]:
    return ProviderStatus(status="FAILED", reason=reason), message
