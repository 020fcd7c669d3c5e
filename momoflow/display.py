"""What the Temporal Web UI shows for each operation: a summary line and its current details.

Only the use case, amount, currency, external id, status, reason and MoMo's
transaction id appear; never a phone number or a name (Web UI text is not
encrypted by the payload codec).
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel

from momoflow.models import PaymentState

# Operation names (``PaymentState.operation`` and lookups' workflow types) as people read them.
TITLES = {
    "request_to_pay": "Request to Pay",
    "transfer": "Transfer",
    "pre_approval": "Pre-Approval",
    "invoice": "Invoice",
    "invoice_cancellation": "Cancel Invoice",
    "validate_account_holder": "Validate Account Holder",
    "get_balance": "Get Balance",
    "list_pre_approvals": "List Pre-Approvals",
    "cancel_pre_approval": "Cancel Pre-Approval",
    "RequestToPayRequest": "Request to Pay",
    "TransferRequest": "Transfer",
    "PreApprovalRequest": "Pre-Approval",
    "InvoiceRequest": "Invoice",
    "CancelInvoiceRequest": "Cancel Invoice",
    "AccountHolderQuery": "Validate Account Holder",
    "BalanceQuery": "Get Balance",
    "PreApprovalListQuery": "List Pre-Approvals",
    "CancelPreApprovalRequest": "Cancel Pre-Approval",
}


def summary(
    operation: str, amount: Decimal | None = None, currency: str | None = None, external_id: str | None = None
) -> str:
    """One line: ``Request to Pay · 500 EUR · external id ORDER-1``."""
    parts = [TITLES.get(operation, operation)]
    if amount is not None:
        parts.append(f"{format(amount, 'f')} {currency or ''}".strip())
    elif currency:
        parts.append(currency)
    if external_id:
        parts.append(f"external id {external_id}")
    return " · ".join(parts)


def request_summary(request: BaseModel) -> str:
    """The summary a starter gives a workflow it starts (``static_summary``)."""
    return summary(
        type(request).__name__,
        getattr(request, "amount", None),
        getattr(request, "currency", None),
        getattr(request, "external_id", None),
    )


def current_details(state: PaymentState) -> str:
    """The workflow's current details (Temporal markdown): the summary line, then where it stands."""
    lines = [summary(state.operation, state.amount, state.currency, state.external_id)]
    status = f"**{state.status.value}**"
    if state.reason:
        status += f" · reason {state.reason}"
    if state.financial_transaction_id:
        status += f" · MoMo transaction {state.financial_transaction_id}"
    lines.append(status)
    if state.resolved_by:
        lines.append(
            f"resolved by {state.resolved_by}"
            + (f" · MoMo check {state.resolution_check.value}" if state.resolution_check else "")
        )
    if state.discrepancy is not None:
        seen = state.discrepancy
        lines.append(
            f"**DISCREPANCY**: MoMo reports {seen.status.value}"
            + (f" ({seen.reason})" if seen.reason else "")
            + (f" · MoMo transaction {seen.financial_transaction_id}" if seen.financial_transaction_id else "")
        )
    return "\n\n".join(lines)
