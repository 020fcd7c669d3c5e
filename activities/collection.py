"""Collection activities: Request to Pay, Pre-Approval and Invoice."""

from __future__ import annotations

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.errors import to_application_error
from activities.operations import calling_workflow_id, report_status, require_final, submit_once
from momo.client import CollectionClient
from momo.errors import MomoBusinessError, MomoError, MomoNotFoundError
from momo.models import CreateInvoice, InvoiceResult, PreApproval, PreApprovalResult, RequestToPay, RequestToPayResult
from momo.models import Party as WireParty
from momoflow import contract
from momoflow.callback_tokens import CallbackSigner
from momoflow.contract import (
    PreApprovalCancellation,
    PreApprovalEntry,
    PreApprovalListing,
    ProviderStatus,
    StatusCheck,
    SubmitInvoice,
    SubmitInvoiceCancellation,
    SubmitPreApproval,
    SubmitRequestToPay,
)
from momoflow.logging import get_logger
from momoflow.models import Party

log = get_logger("activities")
# How the list endpoint's path spells each party id type.
_LIST_PATH_TYPES = {"MSISDN": "msisdn", "EMAIL": "email", "PARTY_CODE": "id"}


def wire_party(party: Party) -> WireParty:
    return WireParty(party_id_type=party.party_id_type, party_id=party.party_id)


def _transaction_status(result: RequestToPayResult) -> ProviderStatus:
    return ProviderStatus(
        status=result.status.value, reason=result.reason_code, financial_transaction_id=result.financial_transaction_id
    )


def _preapproval_status(result: PreApprovalResult) -> ProviderStatus:
    answer = _transaction_status(result)
    if result.expiration_date_time:
        answer.details["expiration_date_time"] = result.expiration_date_time
    return answer


def _invoice_status(result: InvoiceResult) -> ProviderStatus:
    details = {
        "payment_reference": result.payment_reference,
        "invoice_id": result.invoice_id,
        "expiry_date_time": result.expiry_date_time,
    }
    return ProviderStatus(
        status=result.status.value,
        reason=result.reason_code,
        details={key: value for key, value in details.items() if value},
    )


class CollectionActivities:
    """Bound to one collection credential; one instance per worker process."""

    def __init__(self, client: CollectionClient, signer: CallbackSigner, callback_base_url: str) -> None:
        self._client = client
        self._signer = signer
        self._callback_base_url = callback_base_url

    def _callback_url(self, reference_id: str) -> str:
        return self._signer.url(self._callback_base_url, calling_workflow_id(), reference_id)

    # -- Request to Pay -----------------------------------------------------------------------

    @activity.defn(name=contract.REQUEST_TO_PAY.submit)
    async def submit_request_to_pay(self, submit: SubmitRequestToPay) -> bool:
        request = submit.request
        body = RequestToPay(
            amount=request.amount,
            currency=request.currency,
            external_id=request.external_id,
            payer=wire_party(request.payer),
            payer_message=request.payer_message,
            payee_note=request.payee_note,
        )
        url = self._callback_url(submit.reference_id)
        return await submit_once(
            "request_to_pay", submit.reference_id, lambda: self._client.request_to_pay(submit.reference_id, body, url)
        )

    @activity.defn(name=contract.REQUEST_TO_PAY.get_status)
    async def get_request_to_pay_status(self, check: StatusCheck) -> ProviderStatus:
        return await report_status(lambda: self._client.get_request_to_pay(check.reference_id), _transaction_status)

    @activity.defn(name=contract.REQUEST_TO_PAY.await_final)
    async def await_final_request_to_pay(self, check: StatusCheck) -> ProviderStatus:
        return await require_final(
            lambda: self._client.get_request_to_pay(check.reference_id),
            _transaction_status,
            not_found_is_answer=check.not_found_is_answer,
        )

    # -- Pre-Approval -------------------------------------------------------------------------

    @activity.defn(name=contract.PRE_APPROVAL.submit)
    async def submit_preapproval(self, submit: SubmitPreApproval) -> bool:
        request = submit.request
        body = PreApproval(
            payer=wire_party(request.payer),
            payer_currency=request.currency,
            payer_message=request.payer_message,
            validity_time=request.validity_s,
        )
        url = self._callback_url(submit.reference_id)
        return await submit_once(
            "preapproval", submit.reference_id, lambda: self._client.create_preapproval(submit.reference_id, body, url)
        )

    @activity.defn(name=contract.PRE_APPROVAL.get_status)
    async def get_preapproval_status(self, check: StatusCheck) -> ProviderStatus:
        return await report_status(lambda: self._client.get_preapproval(check.reference_id), _preapproval_status)

    @activity.defn(name=contract.PRE_APPROVAL.await_final)
    async def await_final_preapproval(self, check: StatusCheck) -> ProviderStatus:
        return await require_final(
            lambda: self._client.get_preapproval(check.reference_id),
            _preapproval_status,
            not_found_is_answer=check.not_found_is_answer,
        )

    @activity.defn(name=contract.LIST_PRE_APPROVALS)
    async def list_preapprovals(self, listing: PreApprovalListing) -> list[PreApprovalEntry]:
        party = listing.party
        try:
            found = await self._client.list_preapprovals(party.path_type, party.party_id)
        except MomoError as exc:
            raise to_application_error(exc) from exc
        return [
            PreApprovalEntry(
                pre_approval_id=item.pre_approval_id,
                status=item.status,
                currency=item.from_currency,
                created_time=item.created_time,
                approved_time=item.approved_time,
                expiry_time=item.expiry_time,
                message=item.message,
            )
            for item in found
        ]

    @activity.defn(name=contract.CANCEL_PRE_APPROVAL)
    async def cancel_preapproval(self, cancellation: PreApprovalCancellation) -> bool:
        """DELETE the mandate. The DELETE is not idempotent at MoMo but is retried: when a retry
        is refused (the mandate is no longer active), an earlier attempt may have cancelled it,
        so the mandate's own status decides: CANCELLED means the cancellation took effect."""
        pre_approval_id = cancellation.pre_approval_id
        attempt = activity.info().attempt
        try:
            await self._client.cancel_preapproval(pre_approval_id)
        except MomoError as exc:
            if attempt > 1 and isinstance(exc, MomoBusinessError) and await self._mandate_cancelled(pre_approval_id):
                log.info("preapproval cancelled by an earlier attempt", reference_id=pre_approval_id, attempt=attempt)
                return True
            raise to_application_error(exc) from exc
        return True

    async def _mandate_cancelled(self, pre_approval_id: str) -> bool:
        """Whether MoMo lists this mandate as CANCELLED (found through its payer's list)."""
        try:
            approval = await self._client.get_preapproval(pre_approval_id)
            if approval.payer is None:
                return False
            payer = approval.payer
            listed = await self._client.list_preapprovals(_LIST_PATH_TYPES[payer.party_id_type.value], payer.party_id)
        except MomoError as exc:
            raise to_application_error(exc, force_retryable=True) from exc
        return any(item.pre_approval_id == pre_approval_id and item.status == "CANCELLED" for item in listed)

    # -- Invoice ------------------------------------------------------------------------------

    @activity.defn(name=contract.INVOICE.submit)
    async def submit_invoice(self, submit: SubmitInvoice) -> bool:
        request = submit.request
        body = CreateInvoice(
            external_id=request.external_id,
            amount=request.amount,
            currency=request.currency,
            validity_duration=str(request.validity_s),
            intended_payer=wire_party(request.intended_payer),
            payee=wire_party(request.payee),
            description=request.description,
        )
        url = self._callback_url(submit.reference_id)
        return await submit_once(
            "invoice", submit.reference_id, lambda: self._client.create_invoice(submit.reference_id, body, url)
        )

    @activity.defn(name=contract.INVOICE.get_status)
    async def get_invoice_status(self, check: StatusCheck) -> ProviderStatus:
        return await report_status(lambda: self._client.get_invoice(check.reference_id), _invoice_status)

    @activity.defn(name=contract.INVOICE.await_final)
    async def await_final_invoice(self, check: StatusCheck) -> ProviderStatus:
        return await require_final(
            lambda: self._client.get_invoice(check.reference_id),
            _invoice_status,
            not_found_is_answer=check.not_found_is_answer,
        )

    @activity.defn(name=contract.INVOICE_CANCELLATION.submit)
    async def submit_invoice_cancellation(self, submit: SubmitInvoiceCancellation) -> bool:
        """DELETE the invoice under the cancellation's own reference id.

        MoMo may not refuse a reused reference id on this DELETE with 409, and a resend can
        meet an invoice that our earlier attempt already cancelled. So every refusal is checked
        by GET of the cancellation's reference id: if MoMo knows it, an earlier attempt was
        accepted (False, as for a 409) and the workflow follows it. Every refusal, not only a
        retry's: a workflow that resends after a status check starts a new activity, whose
        attempt is 1 again. The invoice's own status is not enough: a cancelled invoice does not
        say who cancelled it.
        """
        url = self._callback_url(submit.reference_id)
        attempt = activity.info().attempt
        try:
            return await submit_once(
                "invoice_cancellation",
                submit.reference_id,
                lambda: self._client.cancel_invoice(
                    submit.invoice_reference_id, submit.reference_id, submit.external_id, url
                ),
            )
        except ApplicationError as err:
            if err.non_retryable and await self._cancellation_known(submit.reference_id):
                log.info(
                    "invoice_cancellation accepted by an earlier attempt",
                    reference_id=submit.reference_id,
                    attempt=attempt,
                )
                return False
            raise

    async def _cancellation_known(self, reference_id: str) -> bool:
        try:
            await self._client.get_invoice(reference_id)
        except MomoNotFoundError:
            return False
        except MomoError as exc:
            raise to_application_error(exc, force_retryable=True) from exc
        return True

    def main(self) -> list[object]:
        """Activities for the main task queue."""
        return [
            self.submit_request_to_pay,
            self.submit_preapproval,
            self.list_preapprovals,
            self.cancel_preapproval,
            self.submit_invoice,
            self.submit_invoice_cancellation,
        ]

    def status(self) -> list[object]:
        """Status checks, for the rate-limited status task queue."""
        return [
            self.get_request_to_pay_status,
            self.await_final_request_to_pay,
            self.get_preapproval_status,
            self.await_final_preapproval,
            self.get_invoice_status,
            self.await_final_invoice,
        ]
