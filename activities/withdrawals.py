"""Request to Withdraw activities: a cash-out the payer authorises, followed like a request to pay.

The worker uses MoMo's v1 endpoint. v1 and v2 take the same body, answer the
same way and are read through the same v1 status GET; they differ only in how
MoMo calls back (v1 POST, v2 PUT). v1 belongs to the family the worker already
uses for Request to Pay, whose POST callbacks were measured on the real
platform, and the callback gateway takes either method, so v2 would add nothing.
"""

from __future__ import annotations

from temporalio import activity

from activities.collection import _transaction_status, wire_party
from activities.operations import calling_workflow_id, report_status, require_final, submit_once
from momo.client import CollectionClient, WithdrawVersion
from momo.models import RequestToPay
from momoflow import contract
from momoflow.callback_tokens import CallbackSigner
from momoflow.contract import ProviderStatus, StatusCheck, SubmitRequestToWithdraw

WITHDRAW_VERSION: WithdrawVersion = "v1_0"


class WithdrawActivities:
    """Bound to one collection credential; one instance per worker process."""

    def __init__(
        self,
        client: CollectionClient,
        signer: CallbackSigner,
        callback_base_url: str,
        version: WithdrawVersion = WITHDRAW_VERSION,
    ) -> None:
        self._client = client
        self._signer = signer
        self._callback_base_url = callback_base_url
        self._version = version

    @activity.defn(name=contract.REQUEST_TO_WITHDRAW.submit)
    async def submit_request_to_withdraw(self, submit: SubmitRequestToWithdraw) -> bool:
        request = submit.request
        body = RequestToPay(
            amount=request.amount,
            currency=request.currency,
            external_id=request.external_id,
            payer=wire_party(request.payer),
            payer_message=request.payer_message,
            payee_note=request.payee_note,
        )
        url = self._signer.url(self._callback_base_url, calling_workflow_id(), submit.reference_id)
        return await submit_once(
            "request_to_withdraw",
            submit.reference_id,
            lambda: self._client.request_to_withdraw(submit.reference_id, body, url, version=self._version),
        )

    @activity.defn(name=contract.REQUEST_TO_WITHDRAW.get_status)
    async def get_request_to_withdraw_status(self, check: StatusCheck) -> ProviderStatus:
        return await report_status(
            lambda: self._client.get_request_to_withdraw(check.reference_id), _transaction_status
        )

    @activity.defn(name=contract.REQUEST_TO_WITHDRAW.await_final)
    async def await_final_request_to_withdraw(self, check: StatusCheck) -> ProviderStatus:
        return await require_final(
            lambda: self._client.get_request_to_withdraw(check.reference_id),
            _transaction_status,
            not_found_is_answer=check.not_found_is_answer,
        )

    def main(self) -> list[object]:
        return [self.submit_request_to_withdraw]

    def status(self) -> list[object]:
        return [self.get_request_to_withdraw_status, self.await_final_request_to_withdraw]
