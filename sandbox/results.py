"""The RequestToPayResult body, shared by the status GET and the callback.

MTN sends the callback with the same object the GET returns, so both are
rendered here and cannot drift apart.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from sandbox.errors import MESSAGES
from sandbox.scenarios import PaymentStatus
from sandbox.store import RequestToPay


def format_amount(amount: Decimal) -> str:
    """Echo an amount the way the sandbox does: ``"12.50"`` → ``"12.5"``, ``"1E+2"`` → ``"100"``."""
    return format(amount.normalize(), "f")


def render_reason(code: str, reason_format: Literal["string", "object"]) -> str | dict[str, str]:
    if reason_format == "object":
        return {"code": code, "message": MESSAGES.get(code, code)}
    return code


def request_to_pay_result(
    payment: RequestToPay, now: float, reason_format: Literal["string", "object"]
) -> dict[str, Any]:
    """The status of ``payment`` at ``now``, with fields present exactly when MTN sends them."""
    status, reason = payment.timeline.status_at(now)
    request = payment.request
    body: dict[str, Any] = {}
    if status is PaymentStatus.SUCCESSFUL:
        body["financialTransactionId"] = payment.financial_transaction_id
    if request.external_id is not None:
        body["externalId"] = request.external_id
    body["amount"] = format_amount(request.amount)
    body["currency"] = request.currency
    body["payer"] = request.payer.as_json()
    if request.payer_message is not None:
        body["payerMessage"] = request.payer_message
    if request.payee_note is not None:
        body["payeeNote"] = request.payee_note
    body["status"] = status.value
    if status is PaymentStatus.FAILED and reason is not None:
        body["reason"] = render_reason(reason, reason_format)
    return body
