"""Payout activities beside Transfer: deposits (disbursement) and remittance transfers (remittance)."""

from __future__ import annotations

from temporalio import activity

from activities.collection import wire_party
from activities.operations import calling_workflow_id, report_status, require_final, submit_once
from momo.client import DisbursementClient, RemittanceClient
from momo.models import Transfer, TransferResult
from momoflow import contract
from momoflow.callback_tokens import CallbackSigner
from momoflow.contract import ProviderStatus, StatusCheck, SubmitDeposit, SubmitRemittanceTransfer
from momoflow.payouts import DepositRequest, RemittanceTransferRequest

# Deposits go to /v1_0/deposit: its status path is v1 too, and its POST callback is what the
# gateway measured for v1 operations. The client also speaks /v2_0/deposit (PUT callback).
DEPOSIT_VERSION = 1


def _status(result: TransferResult) -> ProviderStatus:
    # A SUCCESSFUL deposit may come without financialTransactionId (MTN's sandbox omits it): the
    # status alone is MoMo's word, so the payment ends SUCCESSFUL with no transaction id.
    return ProviderStatus(
        status=result.status.value, reason=result.reason_code, financial_transaction_id=result.financial_transaction_id
    )


def _body(request: DepositRequest | RemittanceTransferRequest) -> Transfer:
    return Transfer(
        amount=request.amount,
        currency=request.currency,
        external_id=request.external_id,
        payee=wire_party(request.payee),
        payer_message=request.payer_message,
        payee_note=request.payee_note,
    )


class DepositActivities:
    """Bound to one disbursement credential."""

    def __init__(self, client: DisbursementClient, signer: CallbackSigner, callback_base_url: str) -> None:
        self._client = client
        self._signer = signer
        self._callback_base_url = callback_base_url

    @activity.defn(name=contract.DEPOSIT.submit)
    async def submit_deposit(self, submit: SubmitDeposit) -> bool:
        body = _body(submit.request)
        url = self._signer.url(self._callback_base_url, calling_workflow_id(), submit.reference_id)
        return await submit_once(
            "deposit",
            submit.reference_id,
            lambda: self._client.deposit(submit.reference_id, body, url, version=DEPOSIT_VERSION),
        )

    @activity.defn(name=contract.DEPOSIT.get_status)
    async def get_deposit_status(self, check: StatusCheck) -> ProviderStatus:
        return await report_status(lambda: self._client.get_deposit(check.reference_id), _status)

    @activity.defn(name=contract.DEPOSIT.await_final)
    async def await_final_deposit(self, check: StatusCheck) -> ProviderStatus:
        return await require_final(
            lambda: self._client.get_deposit(check.reference_id), _status, not_found_is_answer=check.not_found_is_answer
        )

    def main(self) -> list[object]:
        return [self.submit_deposit]

    def status(self) -> list[object]:
        return [self.get_deposit_status, self.await_final_deposit]


class RemittanceActivities:
    """Bound to one remittance credential; its status checks run on the remittance status queue."""

    def __init__(self, client: RemittanceClient, signer: CallbackSigner, callback_base_url: str) -> None:
        self._client = client
        self._signer = signer
        self._callback_base_url = callback_base_url

    @activity.defn(name=contract.REMITTANCE_TRANSFER.submit)
    async def submit_transfer(self, submit: SubmitRemittanceTransfer) -> bool:
        body = _body(submit.request)
        url = self._signer.url(self._callback_base_url, calling_workflow_id(), submit.reference_id)
        return await submit_once(
            "remittance_transfer", submit.reference_id, lambda: self._client.transfer(submit.reference_id, body, url)
        )

    @activity.defn(name=contract.REMITTANCE_TRANSFER.get_status)
    async def get_transfer_status(self, check: StatusCheck) -> ProviderStatus:
        return await report_status(lambda: self._client.get_transfer(check.reference_id), _status)

    @activity.defn(name=contract.REMITTANCE_TRANSFER.await_final)
    async def await_final_transfer(self, check: StatusCheck) -> ProviderStatus:
        return await require_final(
            lambda: self._client.get_transfer(check.reference_id),
            _status,
            not_found_is_answer=check.not_found_is_answer,
        )

    def main(self) -> list[object]:
        return [self.submit_transfer]

    def status(self) -> list[object]:
        return [self.get_transfer_status, self.await_final_transfer]
