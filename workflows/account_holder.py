"""Validate Account Holder: is this party a MoMo customer able to receive money?

Used on its own, and as the payee pre-check of a transfer. The workflow id
never contains the party's number: the caller's facade gives it a random id.
"""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from momoflow import contract
    from momoflow.contract import AccountHolder, AccountHolderCheck
    from momoflow.operations import AccountHolderQuery
    from momoflow.validation import required

from workflows import patches
from workflows.admission import ADMIT_AT_START, admit
from workflows.synchronous import PATCHES, call_momo


@workflow.defn(name="ValidateAccountHolder")
class ValidateAccountHolderWorkflow:
    @workflow.run
    async def run(self, query: AccountHolderQuery | None = None) -> AccountHolder:
        query = required(query)
        if patches.patched(ADMIT_AT_START):
            await admit(query.model_dump(mode="json"), decide=PATCHES)
        check = AccountHolderCheck(party=query.party, basic_info=query.basic_info)
        return await call_momo(contract.account_holder(query.product.value), check, AccountHolder)
