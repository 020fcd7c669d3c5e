"""Status bodies, shared by the status GETs and the callbacks.

MTN sends a callback with the same object its GET returns, so both are
rendered here and cannot drift apart. v1 operations (request-to-pay,
transfer) carry ``reason`` as configured (the live sandbox sends a bare
string); v2 operations (pre-approval, invoice, cancellation) always carry an
``{code, message}`` object.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Final, Literal

from sandbox.api.error_bodies import MESSAGES
from sandbox.walltime import WallClock, mtn_datetime
from sandbox.world.operations import Invoice, InvoiceCancellation, Operation, PreApproval, RequestToPay, Transfer
from sandbox.world.test_numbers import PaymentStatus

ReasonFormat = Literal["string", "object"]

# The sandbox's one account holder, as its basicuserinfo and invoice payee names show.
SANDBOX_GIVEN_NAME: Final = "Sand"
SANDBOX_FAMILY_NAME: Final = "Box"


def format_amount(amount: Decimal) -> str:
    """Echo an amount the way the sandbox does: ``"12.50"`` → ``"12.5"``, ``"1E+2"`` → ``"100"``."""
    return format(amount.normalize(), "f")


def reason_object(code: str, message: str | None = None) -> dict[str, str]:
    return {"code": code, "message": message or MESSAGES.get(code, code)}


def render_reason(code: str, reason_format: ReasonFormat, message: str | None = None) -> str | dict[str, str]:
    return reason_object(code, message) if reason_format == "object" else code


def transaction_status(operation: RequestToPay | Transfer, now: float) -> PaymentStatus:
    """CREATED before ``pending_from`` (the "Delayed" test number), then PENDING, until final."""
    if operation.is_final:
        return operation.status
    return PaymentStatus.CREATED if now < operation.pending_from else PaymentStatus.PENDING


def transaction_result(
    operation: RequestToPay | Transfer, now: float, reason_format: ReasonFormat
) -> dict[str, Any]:
    """RequestToPayResult or TransferResult, with fields present exactly when MTN sends them."""
    status = transaction_status(operation, now)
    request = operation.request
    body: dict[str, Any] = {}
    if status is PaymentStatus.SUCCESSFUL:
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
    if status is PaymentStatus.FAILED and operation.reason is not None:
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
        if isinstance(operation, (RequestToPay, Transfer)):
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
        if approval.status is PaymentStatus.SUCCESSFUL:
            body["expirationDateTime"] = self.timestamp(approval.expires_at)
        if approval.status is PaymentStatus.FAILED and approval.reason is not None:
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
        if invoice.status is PaymentStatus.FAILED and invoice.reason is not None:
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
        if approval.status is PaymentStatus.SUCCESSFUL and approval.finished_at is not None:
            body["approvedTime"] = self.timestamp(approval.finished_at)
            body["expiryTime"] = self.timestamp(approval.expires_at)
        body["status"] = status
        body["message"] = request.payer_message or ""
        return body


def cancellation_result(cancellation: InvoiceCancellation) -> dict[str, Any]:
    body: dict[str, Any] = {
        "referenceId": cancellation.reference_id,
        "externalId": cancellation.external_id,
        "status": cancellation.status.value,
    }
    if cancellation.status is PaymentStatus.FAILED and cancellation.reason is not None:
        body["errorReason"] = reason_object(cancellation.reason, cancellation.reason_message)
    return body


def mandate_status(approval: PreApproval, now: float) -> str:
    """PENDING, APPROVED, CANCELLED, EXPIRED or REJECTED: the pre-approval as a standing mandate."""
    if approval.status is PaymentStatus.SUCCESSFUL:
        if approval.cancelled_at is not None:
            return "CANCELLED"
        return "APPROVED" if now < approval.expires_at else "EXPIRED"
    if approval.status is PaymentStatus.FAILED:
        return "EXPIRED" if approval.reason == "EXPIRED" else "REJECTED"
    return "PENDING"
