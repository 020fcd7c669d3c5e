"""Disbursement activities: Transfer."""

from __future__ import annotations

from temporalio import activity

from activities.collection import wire_party
from activities.operations import calling_workflow_id, report_status, require_final, submit_once
from momo.client import DisbursementClient
from momo.models import Transfer, TransferResult
from momoflow import contract
from momoflow.callback_tokens import CallbackSigner
from momoflow.contract import ProviderStatus, StatusCheck, SubmitTransfer


def _transfer_status(result: TransferResult) -> ProviderStatus:
    return ProviderStatus(
        status=result.status.value, reason=result.reason_code, financial_transaction_id=result.financial_transaction_id
    )


class DisbursementActivities:
    """Bound to one disbursement credential; one instance per worker process."""

    def __init__(self, client: DisbursementClient, signer: CallbackSigner, callback_base_url: str) -> None:
        self._client = client
        self._signer = signer
        self._callback_base_url = callback_base_url

    @activity.defn(name=contract.TRANSFER.submit)
    async def submit_transfer(self, submit: SubmitTransfer) -> bool:
        request = submit.request
        body = Transfer(
            amount=request.amount,
            currency=request.currency,
            external_id=request.external_id,
            payee=wire_party(request.payee),
            payer_message=request.payer_message,
            payee_note=request.payee_note,
        )
        url = self._signer.url(self._callback_base_url, calling_workflow_id(), submit.reference_id)
        return await submit_once(
            "transfer", submit.reference_id, lambda: self._client.transfer(submit.reference_id, body, url)
        )

    @activity.defn(name=contract.TRANSFER.get_status)
    async def get_transfer_status(self, check: StatusCheck) -> ProviderStatus:
        return await report_status(lambda: self._client.get_transfer(check.reference_id), _transfer_status)

    @activity.defn(name=contract.TRANSFER.await_final)
    async def await_final_transfer(self, check: StatusCheck) -> ProviderStatus:
        return await require_final(
            lambda: self._client.get_transfer(check.reference_id),
            _transfer_status,
            not_found_is_answer=check.not_found_is_answer,
        )

    def main(self) -> list[object]:
        return [self.submit_transfer]

    def status(self) -> list[object]:
        return [self.get_transfer_status, self.await_final_transfer]
