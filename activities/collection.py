"""Activities for the collection product (Request to Pay).

The submit activity is idempotent by construction: the workflow chose the
reference id, so a retried POST reuses it and MoMo's 409 means the first
attempt was accepted. Status activities never decide anything; they report
what MoMo says and let the workflow apply the payment pattern.
"""

from __future__ import annotations

from temporalio import activity

from activities.errors import still_pending, to_application_error
from momo.client import CollectionClient
from momo.errors import MomoConflictError, MomoError, MomoNotFoundError
from momo.models import Party as WireParty
from momo.models import RequestToPay, RequestToPayResult
from momoflow.callback_tokens import CallbackSigner
from momoflow.logging import get_logger
from momoflow.models import ProviderStatus, StatusCheck, SubmitRequestToPay

log = get_logger(__name__)


def _provider_status(result: RequestToPayResult) -> ProviderStatus:
    return ProviderStatus(
        status=result.status.value,
        reason=result.reason_code,
        financial_transaction_id=result.financial_transaction_id,
    )


class CollectionActivities:
    """Bound to one collection credential; one instance per worker process."""

    def __init__(self, client: CollectionClient, signer: CallbackSigner, callback_base_url: str) -> None:
        self._client = client
        self._signer = signer
        self._callback_base_url = callback_base_url

    @activity.defn(name="collection.submit_request_to_pay")
    async def submit_request_to_pay(self, submit: SubmitRequestToPay) -> bool:
        """POST the request; True if this call created it, False if MoMo had it already."""
        info = activity.info()
        callback_url = self._signer.url(self._callback_base_url, info.workflow_id, submit.reference_id)
        request = submit.request
        body = RequestToPay(
            amount=request.amount,
            currency=request.currency,
            external_id=request.external_id,
            payer=WireParty(party_id_type=request.payer.party_id_type, party_id=request.payer.party_id),
            payer_message=request.payer_message,
            payee_note=request.payee_note,
        )
        try:
            await self._client.request_to_pay(submit.reference_id, body, callback_url)
        except MomoConflictError:
            log.info("request_to_pay already accepted", reference_id=submit.reference_id, attempt=info.attempt)
            return False
        except MomoError as exc:
            log.warning(
                "request_to_pay not accepted",
                reference_id=submit.reference_id,
                code=exc.code,
                http_status=exc.status_code,
                retryable=exc.retryable,
                attempt=info.attempt,
            )
            raise to_application_error(exc) from exc
        log.info("request_to_pay accepted", reference_id=submit.reference_id, attempt=info.attempt)
        return True

    @activity.defn(name="collection.get_request_to_pay_status")
    async def get_request_to_pay_status(self, check: StatusCheck) -> ProviderStatus:
        """One GET. A payment MoMo cannot find yet is reported as pending, never as failed."""
        try:
            result = await self._client.get_request_to_pay(check.reference_id)
        except MomoNotFoundError:
            return ProviderStatus(status="NOT_FOUND")
        except MomoError as exc:
            raise to_application_error(exc, force_retryable=True) from exc
        return _provider_status(result)

    @activity.defn(name="collection.await_final_request_to_pay")
    async def await_final_request_to_pay(self, check: StatusCheck) -> ProviderStatus:
        """GET once; fail retryably unless final, so the retry policy becomes the poll schedule."""
        try:
            result = await self._client.get_request_to_pay(check.reference_id)
        except MomoNotFoundError:
            raise still_pending("not yet visible") from None
        except MomoError as exc:
            raise to_application_error(exc, force_retryable=True) from exc
        if not result.status.is_final:
            raise still_pending(result.status.value)
        return _provider_status(result)
