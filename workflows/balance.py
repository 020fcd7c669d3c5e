"""Get Balance: the available balance of the collection or disbursement account."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from momoflow import contract
    from momoflow.contract import AccountBalance, BalanceCheck
    from momoflow.operations import BalanceQuery
    from momoflow.validation import required

from workflows import patches
from workflows.admission import ADMIT_AT_START, admit
from workflows.synchronous import PATCHES, call_momo


@workflow.defn(name="GetBalance")
class GetBalanceWorkflow:
    @workflow.run
    async def run(self, query: BalanceQuery | None = None) -> AccountBalance:
        query = required(query)
        if patches.patched(ADMIT_AT_START):
            await admit(query.model_dump(mode="json"), decide=PATCHES)
        return await call_momo(
            contract.balance(query.product.value), BalanceCheck(currency=query.currency), AccountBalance
        )
