"""Activity names: the contract between workflows and activities.

Workflows refer to activities by these names only, so workflow modules never
import the activities (and through them httpx).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Steps:
    """The three activities of one asynchronous MoMo operation."""

    submit: str
    get_status: str
    await_final: str


REQUEST_TO_PAY = Steps(
    submit="collection.submit_request_to_pay",
    get_status="collection.get_request_to_pay_status",
    await_final="collection.await_final_request_to_pay",
)
PRE_APPROVAL = Steps(
    submit="collection.submit_preapproval",
    get_status="collection.get_preapproval_status",
    await_final="collection.await_final_preapproval",
)
INVOICE = Steps(
    submit="collection.submit_invoice",
    get_status="collection.get_invoice_status",
    await_final="collection.await_final_invoice",
)
# A cancellation is followed through the invoice status endpoint, by its own reference id.
INVOICE_CANCELLATION = Steps(
    submit="collection.submit_invoice_cancellation",
    get_status=INVOICE.get_status,
    await_final=INVOICE.await_final,
)
TRANSFER = Steps(
    submit="disbursement.submit_transfer",
    get_status="disbursement.get_transfer_status",
    await_final="disbursement.await_final_transfer",
)

LIST_PREAPPROVALS = "collection.list_preapprovals"
CANCEL_PREAPPROVAL = "collection.cancel_preapproval"


def account_holder(product: str) -> str:
    return f"{product}.check_account_holder"


def balance(product: str) -> str:
    return f"{product}.get_balance"


STATUS_ACTIVITIES = {
    steps.get_status for steps in (REQUEST_TO_PAY, PRE_APPROVAL, INVOICE, TRANSFER)
} | {steps.await_final for steps in (REQUEST_TO_PAY, PRE_APPROVAL, INVOICE, TRANSFER)}
