"""The wire contract between callers, workflows, activities and the gateway, in one place.

Everything a Temporal client in any language needs to drive momoflow is named
here: workflow type names and their workflow-id prefixes, the signal, query and
update names, the activity names workflows schedule, the payloads those
activities take and return, and how the worker derives the task queue that runs
status checks. Workflows refer to activities by name only, so workflow modules
never import the activities (and through them httpx). The published contract
(``docs/contract.md`` and the JSON Schemas in ``docs/schemas/``) is generated
from this module and the use-case registry built on it (:mod:`momoflow.use_cases`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field

from momoflow.models import Money, Party, PaymentTiming
from momoflow.operations import InvoiceRequest, PreApprovalRequest, RequestToPayRequest, TransferRequest
from momoflow.payouts import DepositRequest, RemittanceTransferRequest
from momoflow.validation import INVALID_REQUEST, Problem  # noqa: F401 (INVALID_REQUEST is part of the contract)

# -- messages every asynchronous operation workflow understands ---------------------------

PROVIDER_CALLBACK_SIGNAL = "provider_callback"
STATUS_QUERY = "status"
RESOLVE_UPDATE = "resolve"
# Invoice only: cancel the invoice at MoMo.
CANCEL_UPDATE = "cancel"


# -- workflow types ------------------------------------------------------------------------


class WorkflowType:
    """Workflow type names, as any Temporal client starts them."""

    REQUEST_TO_PAY = "RequestToPay"
    TRANSFER = "Transfer"
    PRE_APPROVAL = "PreApproval"
    INVOICE = "Invoice"
    CANCEL_INVOICE = "CancelInvoice"
    VALIDATE_ACCOUNT_HOLDER = "ValidateAccountHolder"
    GET_BALANCE = "GetBalance"
    LIST_PRE_APPROVALS = "ListPreApprovals"
    CANCEL_PRE_APPROVAL = "CancelPreApproval"
    # One period of a subscription, started by the subscription's Temporal Schedule.
    SUBSCRIPTION_DEBIT = "SubscriptionDebit"
    DEPOSIT = "Deposit"
    REMITTANCE_TRANSFER = "RemittanceTransfer"


class IdPrefix:
    """Workflow ids are ``<prefix>-<key>``: the caller's business key for payments, random for lookups."""

    REQUEST_TO_PAY = "rtp"
    TRANSFER = "transfer"
    PRE_APPROVAL = "preapproval"
    INVOICE = "invoice"
    CANCEL_INVOICE = "invoice-cancel"
    VALIDATE_ACCOUNT_HOLDER = "account-holder"
    GET_BALANCE = "balance"
    LIST_PRE_APPROVALS = "preapprovals"
    CANCEL_PRE_APPROVAL = "preapproval-cancel"
    # The Temporal Schedule of a subscription is ``subscription-<subscription id>``; its action's
    # workflow id is ``subscription-debit-<subscription id>``, to which the server appends the
    # scheduled time. Each debit is a Request to Pay ``rtp-sub-<subscription id>-<period start>``.
    SUBSCRIPTION = "subscription"
    SUBSCRIPTION_DEBIT = "subscription-debit"
    DEPOSIT = "deposit"
    REMITTANCE_TRANSFER = "remittance"


# What each workflow type takes and returns, and which products it runs on, is in the use-case
# registry (momoflow/use_cases.py), built from the names below.


def status_task_queue(task_queue: str, product: str) -> str:
    """The queue that runs a product's status checks, derived from the workflow's own queue.

    The worker serves it with a server-side rate limit per credential; the workflow
    derives it from the queue it runs on, so no caller can route around the limit.
    """
    return f"{task_queue}-status-{product}"


# -- activity names ------------------------------------------------------------------------


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
DEPOSIT = Steps(
    submit="disbursement.submit_deposit",
    get_status="disbursement.get_deposit_status",
    await_final="disbursement.await_final_deposit",
)
REMITTANCE_TRANSFER = Steps(
    submit="remittance.submit_transfer",
    get_status="remittance.get_transfer_status",
    await_final="remittance.await_final_transfer",
)

# Local activity at a workflow's start: the worker judges the input's business rules and
# decides the timing, once; the verdict is a marker in history, never judged again on replay.
ADMIT = "momoflow.admit"

# Activity names are historical wire names: the Python names spell the use case ``pre_approval``.
LIST_PRE_APPROVALS = "collection.list_preapprovals"
CANCEL_PRE_APPROVAL = "collection.cancel_preapproval"

# Subscriptions: start or attach to one period's Request to Pay (the facade's id policies), wait
# for its final state, and pause the subscription's schedule when its mandate is no longer valid.
SUBSCRIPTION_START_DEBIT = "subscription.start_debit"
SUBSCRIPTION_AWAIT_DEBIT = "subscription.await_debit"
SUBSCRIPTION_STOP = "subscription.stop"


def account_holder(product: str) -> str:
    return f"{product}.check_account_holder"


def balance(product: str) -> str:
    return f"{product}.get_balance"


# -- activity payloads ---------------------------------------------------------------------


class SubmitRequestToPay(BaseModel):
    reference_id: str
    request: RequestToPayRequest


class SubmitTransfer(BaseModel):
    reference_id: str
    request: TransferRequest


class SubmitDeposit(BaseModel):
    reference_id: str
    request: DepositRequest


class SubmitRemittanceTransfer(BaseModel):
    reference_id: str
    request: RemittanceTransferRequest


class SubmitPreApproval(BaseModel):
    reference_id: str
    request: PreApprovalRequest


class SubmitInvoice(BaseModel):
    reference_id: str
    request: InvoiceRequest


class SubmitInvoiceCancellation(BaseModel):
    reference_id: str  # the cancellation's own reference id
    invoice_reference_id: str
    external_id: str


class StatusCheck(BaseModel):
    reference_id: str
    # True once MoMo has had time to see every request sent for this id: a 404 is then an
    # answer ("never accepted") rather than "not visible yet", and ends a poll.
    not_found_is_answer: bool = False


class ProviderStatus(BaseModel):
    """A status MoMo reported for one reference id, without personal data."""

    status: str
    reason: str | None = None
    financial_transaction_id: str | None = None
    details: dict[str, str] = Field(default_factory=dict)

    @property
    def is_final(self) -> bool:
        return self.status in ("SUCCESSFUL", "FAILED")


class AccountHolderCheck(BaseModel):
    party: Party
    basic_info: bool = False


class AccountHolder(BaseModel):
    """Whether MoMo knows the party and whether it can receive money; names only if asked for."""

    found: bool
    active: bool
    given_name: str | None = None
    family_name: str | None = None


class BalanceCheck(BaseModel):
    currency: str | None = None


class AccountBalance(BaseModel):
    available_balance: Money
    currency: str


class PreApprovalEntry(BaseModel):
    pre_approval_id: str
    status: str
    currency: str | None = None
    created_time: str | None = None
    approved_time: str | None = None
    expiry_time: str | None = None
    message: str | None = None


class PreApprovalListing(BaseModel):
    party: Party


class PreApprovalCancellation(BaseModel):
    pre_approval_id: str


class AdmissionCheck(BaseModel):
    """What a workflow asks the worker to judge: its own type and its input as JSON."""

    workflow_type: str
    input: dict[str, Any]


class Admission(BaseModel):
    """The worker's verdict: the broken rules (none means admitted) and the timing to run with."""

    problems: list[Problem] = Field(default_factory=list)
    timing: PaymentTiming | None = None
