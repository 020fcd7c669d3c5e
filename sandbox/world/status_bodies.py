"""Status bodies, shared by the status GETs and the callbacks, and the dates they carry.

MTN sends a callback with the same object its GET returns, so both are
rendered here and cannot drift apart. v1 operations (request-to-pay,
transfer) carry ``reason`` as configured (the live sandbox sends a bare
string); v2 operations (pre-approval, invoice, cancellation) always carry an
``{code, message}`` object.

Dates follow the sandbox's monotonic clock (a hand-driven one in tests):
the calendar is anchored to that clock once, so an expiry computed as
"creation + validity" stays exact and moves when a test advances the clock.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Final, Literal

from sandbox.world.operations import (
    Deposit,
    Invoice,
    InvoiceCancellation,
    Operation,
    OperationStatus,
    PreApproval,
    Refund,
    RemittanceTransfer,
    RequestToPay,
    Transfer,
)

# Operations whose status body is a RequestToPayResult (payer) or a TransferResult (payee).
Transaction = RequestToPay | Transfer | Deposit | RemittanceTransfer | Refund

ReasonFormat = Literal["string", "object"]

# The sandbox's one account holder, as its basicuserinfo and invoice payee names show.
SANDBOX_GIVEN_NAME: Final = "Sand"
SANDBOX_FAMILY_NAME: Final = "Box"


class WallClock:
    """Maps sandbox instants (monotonic seconds) to UTC date-times."""

    def __init__(self, clock: Callable[[], float], origin: datetime | None = None) -> None:
        self._instant0 = clock()
        self._wall0 = origin or datetime.now(UTC)

    def at(self, instant: float) -> datetime:
        return self._wall0 + timedelta(seconds=instant - self._instant0)


def mtn_datetime(moment: datetime) -> str:
    """``2024-11-10T17:36:25.698``: UTC, milliseconds, no zone suffix, as MTN writes expiries."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}"


# Wording for each platform code; measured or official where MTN published one.
MESSAGES: Final[Mapping[str, str]] = {
    "RESOURCE_ALREADY_EXIST": "Duplicated reference id. Creation of resource failed.",
    "RESOURCE_NOT_FOUND": "Requested resource was not found.",
    "NOT_ALLOWED_TARGET_ENVIRONMENT": "Access to target environment is forbidden.",
    "INVALID_CALLBACK_URL_HOST": "Callback URL does not match the configured value.",
    "INVALID_CURRENCY": "Currency not supported.",
    "INTERNAL_PROCESSING_ERROR": "An internal error occurred while processing.",
    "SERVICE_UNAVAILABLE": "Service unavailable.",
    "APPROVAL_REJECTED": "The payer rejected the request.",
    "EXPIRED": "The payer did not approve the request before it expired.",
    "PAYER_NOT_FOUND": "Payer does not exist.",
    "PAYEE_NOT_ALLOWED_TO_RECEIVE": "The payee is unable to receive funds.",
    "NOT_ALLOWED": "The partner is not allowed to perform this operation.",
    "COULD_NOT_PERFORM_TRANSACTION": "The payer did not confirm the transaction in time.",
    "NOT_ENOUGH_FUNDS": "The payer does not have enough funds.",
    "PAYER_LIMIT_REACHED": "The payer's limit has been breached.",
    "PAYEE_NOT_FOUND": "Payee does not exist.",
    "TRANSACTION_CANCELED": "The transaction was cancelled.",
}


def format_amount(amount: Decimal) -> str:
    """Echo an amount the way the sandbox does: ``"12.50"`` → ``"12.5"``, ``"1E+2"`` → ``"100"``."""
    return format(amount.normalize(), "f")


def reason_object(code: str, message: str | None = None) -> dict[str, str]:
    return {"code": code, "message": message or MESSAGES.get(code, code)}


def render_reason(code: str, reason_format: ReasonFormat, message: str | None = None) -> str | dict[str, str]:
    return reason_object(code, message) if reason_format == "object" else code


def transaction_status(operation: Transaction, now: float) -> OperationStatus:
    """CREATED before ``pending_from`` (the "Delayed" test number), then PENDING, until final."""
    if operation.is_final:
        return operation.status
    return OperationStatus.CREATED if now < operation.pending_from else OperationStatus.PENDING


def transaction_result(
    operation: RequestToPay | Transfer | Deposit | RemittanceTransfer, now: float, reason_format: ReasonFormat
) -> dict[str, Any]:
    """RequestToPayResult or TransferResult, with fields present exactly when MTN sends them.

    A deposit's result never carries ``financialTransactionId``: MTN's sandbox omits it.
    A refund has its own body (:func:`refund_result`).
    """
    status = transaction_status(operation, now)
    request = operation.request
    body: dict[str, Any] = {}
    if status is OperationStatus.SUCCESSFUL and not isinstance(operation, Deposit):
        body["financialTransactionId"] = operation.financial_transaction_id
    if request.external_id is not None:
        body["externalId"] = request.external_id
    body["amount"] = format_amount(request.amount)
    body["currency"] = request.currency
    body["payer" if isinstance(operation, RequestToPay) else "payee"] = request.party.as_json()
    if request.payer_message is not None:
        body["payerMessage"] = request.payer_message
    if request.payee_note is not None:
        body["payeeNote"] = request.payee_note
    body["status"] = status.value
    if status is OperationStatus.FAILED and operation.reason is not None:
        body["reason"] = render_reason(operation.reason, reason_format, operation.reason_message)
    return body


class Renderer:
    """Knows the settings a body depends on, so callers only pass the operation and the instant."""

    def __init__(self, reason_format: ReasonFormat, wall: WallClock) -> None:
        self.reason_format = reason_format
        self.wall = wall

    def timestamp(self, instant: float) -> str:
        return mtn_datetime(self.wall.at(instant))

    def body(self, operation: Operation, now: float) -> dict[str, Any]:
        """The status body of any operation at ``now``."""
        if isinstance(operation, Refund):
            return refund_result(operation, now, self.reason_format)
        if isinstance(operation, (RequestToPay, Transfer, Deposit, RemittanceTransfer)):
            return transaction_result(operation, now, self.reason_format)
        if isinstance(operation, PreApproval):
            return self.pre_approval_result(operation)
        if isinstance(operation, Invoice):
            return self.invoice_result(operation)
        if isinstance(operation, InvoiceCancellation):
            return cancellation_result(operation)
        raise TypeError(f"no status body for {type(operation).__name__}")

    def pre_approval_result(self, approval: PreApproval) -> dict[str, Any]:
        request = approval.request
        body: dict[str, Any] = {"payer": request.payer.as_json(), "payerCurrency": request.currency}
        if request.payer_message is not None:
            body["payerMessage"] = request.payer_message
        body["status"] = approval.status.value
        if approval.status is OperationStatus.SUCCESSFUL:
            body["expirationDateTime"] = self.timestamp(approval.expires_at)
        if approval.status is OperationStatus.FAILED and approval.reason is not None:
            body["reason"] = reason_object(approval.reason, approval.reason_message)
        return body

    def invoice_result(self, invoice: Invoice) -> dict[str, Any]:
        request = invoice.request
        body: dict[str, Any] = {"referenceId": invoice.reference_id}
        if request.external_id is not None:
            body["externalId"] = request.external_id
        body.update(
            {
                "amount": format_amount(request.amount),
                "currency": request.currency,
                "status": invoice.status.value,
                "paymentReference": invoice.payment_reference,
                "invoiceId": invoice.invoice_id,
                "expiryDateTime": self.timestamp(invoice.expires_at),
                "intendedPayer": request.intended_payer.as_json(),
            }
        )
        if request.description is not None:
            body["description"] = request.description
        body["payeeFirstName"] = SANDBOX_GIVEN_NAME
        body["payeeLastName"] = SANDBOX_FAMILY_NAME
        if invoice.status is OperationStatus.FAILED and invoice.reason is not None:
            body["errorReason"] = reason_object(invoice.reason, invoice.reason_message)
        return body

    def pre_approval_details(self, approval: PreApproval, now: float) -> dict[str, Any]:
        """One entry of the pre-approval list, with its mandate status at ``now``."""
        request = approval.request
        status = mandate_status(approval, now)
        body: dict[str, Any] = {
            "preApprovalId": approval.reference_id,
            "toFri": f"FRI:{approval.api_user_id}/API",
            "fromFri": f"FRI:{request.payer.party_id}/{request.payer.kind}",
            "fromCurrency": request.currency,
            "createdTime": self.timestamp(approval.created_at),
        }
        if approval.status is OperationStatus.SUCCESSFUL and approval.finished_at is not None:
            body["approvedTime"] = self.timestamp(approval.finished_at)
            body["expiryTime"] = self.timestamp(approval.expires_at)
        body["status"] = status
        body["message"] = request.payer_message or ""
        return body


def refund_result(refund: Refund, now: float, reason_format: ReasonFormat) -> dict[str, Any]:
    """A TransferResult whose payee is the refunded payment's payer."""
    status = transaction_status(refund, now)
    request = refund.refund
    body: dict[str, Any] = {}
    if status is OperationStatus.SUCCESSFUL:
        body["financialTransactionId"] = refund.financial_transaction_id
    if request.external_id is not None:
        body["externalId"] = request.external_id
    body["amount"] = format_amount(request.amount)
    body["currency"] = request.currency
    if refund.payee is not None:
        body["payee"] = refund.payee.as_json()
    if request.payer_message is not None:
        body["payerMessage"] = request.payer_message
    if request.payee_note is not None:
        body["payeeNote"] = request.payee_note
    body["status"] = status.value
    if status is OperationStatus.FAILED and refund.reason is not None:
        body["reason"] = render_reason(refund.reason, reason_format, refund.reason_message)
    return body


def cancellation_result(cancellation: InvoiceCancellation) -> dict[str, Any]:
    body: dict[str, Any] = {
        "referenceId": cancellation.reference_id,
        "externalId": cancellation.external_id,
        "status": cancellation.status.value,
    }
    if cancellation.status is OperationStatus.FAILED and cancellation.reason is not None:
        body["errorReason"] = reason_object(cancellation.reason, cancellation.reason_message)
    return body


def mandate_status(approval: PreApproval, now: float) -> str:
    """PENDING, APPROVED, CANCELLED, EXPIRED or REJECTED: the pre-approval as a standing mandate."""
    if approval.status is OperationStatus.SUCCESSFUL:
        if approval.cancelled_at is not None:
            return "CANCELLED"
        return "APPROVED" if now < approval.expires_at else "EXPIRED"
    if approval.status is OperationStatus.FAILED:
        return "EXPIRED" if approval.reason == "EXPIRED" else "REJECTED"
    return "PENDING"
