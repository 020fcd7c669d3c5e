"""List a payer's pre-approvals, and cancel an approved one."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from momoflow import contract
    from momoflow.contract import PreApprovalCancellation, PreApprovalEntry, PreApprovalListing
    from momoflow.operations import CancelPreApprovalRequest, PreApprovalListQuery
    from momoflow.validation import required

from workflows import patches
from workflows.admission import ADMIT_AT_START, admit
from workflows.synchronous import PATCHES, call_momo


@workflow.defn(name="ListPreApprovals")
class ListPreApprovalsWorkflow:
    @workflow.run
    async def run(self, query: PreApprovalListQuery | None = None) -> list[PreApprovalEntry]:
        query = required(query)
        if patches.patched(ADMIT_AT_START):
            await admit(query.model_dump(mode="json"), decide=PATCHES)
        return await call_momo(
            contract.LIST_PRE_APPROVALS, PreApprovalListing(party=query.party), list[PreApprovalEntry]
        )


@workflow.defn(name="CancelPreApproval")
class CancelPreApprovalWorkflow:
    @workflow.run
    async def run(self, request: CancelPreApprovalRequest | None = None) -> bool:
        """True once MoMo has cancelled it; MoMo's refusal (unknown, not active) fails the workflow."""
        request = required(request)
        if patches.patched(ADMIT_AT_START):
            await admit(request.model_dump(mode="json"), decide=PATCHES)
        return await call_momo(
            contract.CANCEL_PRE_APPROVAL, PreApprovalCancellation(pre_approval_id=request.pre_approval_id), bool
        )
