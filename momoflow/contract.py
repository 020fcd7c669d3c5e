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
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from momoflow.models import Money, Party, PaymentState, PaymentTiming, ProviderAnswer
from momoflow.operations import (
    InvoiceRequest,
    PreApprovalRequest,
    RequestToPayRequest,
    RequestToWithdrawRequest,
    TransferRequest,
)
from momoflow.payouts import DepositRequest, RemittanceTransferRequest
from momoflow.refunds import RefundRequest
from momoflow.validation import INVALID_REQUEST, Problem  # noqa: F401 (INVALID_REQUEST is part of the contract)

# -- how long one call may last ----------------------------------------------------------

# The start-to-close timeout of every activity that makes one MoMo call (workflows' ONE_CALL).
ONE_CALL_S = 30.0
# How long one attempt of a submit activity may run on the worker, token fetch, POST and a
# retry after 401 included (activities/operations.py ``submit_once``). Below ONE_CALL_S, so an
# attempt has ended on the worker by the time the server times it out: the server does not
# tell a worker that an activity timed out unless it heartbeats, and a submit does not.
SUBMIT_ATTEMPT_LIMIT_S = 25.0

# -- messages every asynchronous operation workflow understands ---------------------------

PROVIDER_CALLBACK_SIGNAL = "provider_callback"
STATUS_QUERY = "status"
RESOLVE_UPDATE = "resolve"
# Invoice only: cancel the invoice at MoMo.
CANCEL_UPDATE = "cancel"
# RefundLedger only: claim part of the payment's amount for one refund (update), give a claim
# back when MoMo refused the refund for certain or settle it when MoMo paid it (signals), read it.
RESERVE_UPDATE = "reserve"
RELEASE_SIGNAL = "release"
SETTLE_SIGNAL = "settle"
LEDGER_QUERY = "ledger"


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
    # Started by the worker, never by callers: delivers one operation's webhook events in order.
    WEBHOOK_DELIVERY = "WebhookDelivery"
    # Give money of a successful payment back; each payment's refunds reserve on its ledger.
    REFUND = "Refund"
    REFUND_LEDGER = "RefundLedger"
    REQUEST_TO_WITHDRAW = "RequestToWithdraw"
    # A note to the payer of a SUCCESSFUL Request to Pay.
    DELIVERY_NOTIFICATION = "DeliveryNotification"


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
    # ``webhook-<the operation's workflow id>``
    WEBHOOK_DELIVERY = "webhook"
    # ``refund-<refund key>``; the ledger of a payment is ``refund-ledger-<the payment's workflow id>``.
    REFUND = "refund"
    REFUND_LEDGER = "refund-ledger"
    REQUEST_TO_WITHDRAW = "withdraw"
    # ``notify-<Request to Pay workflow id>-<note key>``: one note per key and payment, sent once.
    DELIVERY_NOTIFICATION = "notify"


def refund_ledger_id(original_workflow_id: str) -> str:
    return f"{IdPrefix.REFUND_LEDGER}-{original_workflow_id}"


# What each workflow type takes and returns, and which products it runs on, is in the use-case
# registry (momoflow/use_cases.py), built from the names below.


def status_task_queue(task_queue: str, product: str) -> str:
    """The queue that runs a product's status checks, derived from the workflow's own queue.

    The worker serves it with a server-side rate limit per credential; the workflow
    derives it from the queue it runs on, so no caller can route around the limit.
    """
    return f"{task_queue}-status-{product}"


class CheckPriority:
    """Temporal task-queue priority keys of status checks (1 is served first, 5 last).

    All status checks of a product share one queue and its one rate limit (the credential's
    budget); the server hands out backlogged tasks by priority, then in order. A check a
    callback triggered goes first, so it never waits behind the polls of payments whose
    customer has not answered; other one-off checks (after an uncertain submit, at the
    deadline) come next; background polls take what is left.
    """

    AFTER_CALLBACK = 1
    ONE_OFF = 3
    POLL = 5


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
REQUEST_TO_WITHDRAW = Steps(
    submit="collection.submit_request_to_withdraw",
    get_status="collection.get_request_to_withdraw_status",
    await_final="collection.await_final_request_to_withdraw",
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
REFUND = Steps(
    submit="disbursement.submit_refund",
    get_status="disbursement.get_refund_status",
    await_final="disbursement.await_final_refund",
)
# The refund workflow claims its amount on the payment's ledger (update-with-start); the ledger
# reads the refunded payment's state (both talk to Temporal, not to MoMo).
REFUND_RESERVE = "refund.reserve"
REFUND_READ_ORIGINAL = "refund.read_original"

# Local activity at a workflow's start: the worker judges the input's business rules and
# decides the timing, once; the verdict is a marker in history, never judged again on replay.
ADMIT = "momoflow.admit"

# Webhooks: the operation workflow hands each final status to the worker (``enqueue``), which
# signals-with-start the operation's ``WebhookDelivery`` workflow; that one POSTs (``deliver``).
WEBHOOK_ENQUEUE = "webhooks.enqueue"
WEBHOOK_DELIVER = "webhooks.deliver"
WEBHOOK_EVENT_SIGNAL = "webhook_event"
WEBHOOK_DELIVERIES_QUERY = "webhook_deliveries"


def webhook_delivery_id(operation_workflow_id: str) -> str:
    return f"{IdPrefix.WEBHOOK_DELIVERY}-{operation_workflow_id}"


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


# Delivery notification: read the payment's outcome from Temporal, then POST the note to MoMo.
PAYMENT_OUTCOME = "momoflow.payment_outcome"
NOTIFY_DELIVERY = "collection.notify_delivery"


# -- activity payloads ---------------------------------------------------------------------


class SubmitRequestToPay(BaseModel):
    reference_id: str
    request: RequestToPayRequest


class SubmitRequestToWithdraw(BaseModel):
    reference_id: str
    request: RequestToWithdrawRequest


class SubmitTransfer(BaseModel):
    reference_id: str
    request: TransferRequest


class SubmitDeposit(BaseModel):
    reference_id: str
    request: DepositRequest


class SubmitRemittanceTransfer(BaseModel):
    reference_id: str
    request: RemittanceTransferRequest


class SubmitRefund(BaseModel):
    reference_id: str
    request: RefundRequest
    # MoMo's reference id of the refunded payment, as the ledger read it.
    reference_id_to_refund: str


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


class PaymentLookup(BaseModel):
    workflow_id: str


class PaymentOutcome(BaseModel):
    """What Temporal knows of a payment workflow: its type, its run's status and its state."""

    found: bool
    workflow_type: str | None = None
    run_status: str | None = None  # RUNNING, COMPLETED, FAILED, TERMINATED, …
    state: PaymentState | None = None


class DeliveryNote(BaseModel):
    reference_id: str  # the Request to Pay's X-Reference-Id
    message: str
    language: str | None = None


class DeliveryNotificationResult(BaseModel):
    """A note MoMo accepted for delivery to the payer of a SUCCESSFUL Request to Pay."""

    payment_workflow_id: str
    reference_id: str
    financial_transaction_id: str | None = None
    message: str
    language: str | None = None
    sent_at: datetime


class AdmissionCheck(BaseModel):
    """What a workflow asks the worker to judge: its own type and its input as JSON."""

    workflow_type: str
    input: dict[str, Any]


class Admission(BaseModel):
    """The worker's verdict: the broken rules (none means admitted) and the timing to run with."""

    problems: list[Problem] = Field(default_factory=list)
    timing: PaymentTiming | None = None
    # Whether this worker sends webhooks, and with the customer's party (decided at the start).
    webhooks: bool = False
    webhook_party: bool = False


class WebhookEventData(BaseModel):
    """The outcome an event reports; ``party`` only when the worker sets ``WEBHOOK_INCLUDE_PARTY``."""

    status: str
    reason: str | None = None
    reason_message: str | None = None
    amount: Money | None = None
    currency: str | None = None
    reference_id: str
    financial_transaction_id: str | None = None
    external_id: str | None = None
    resolved_by: str | None = None
    details: dict[str, str] = Field(default_factory=dict)
    party: Party | None = None
    # In ``payment.discrepancy``: MoMo's final status, which contradicts the operator's ``status``.
    discrepancy: ProviderAnswer | None = None


class WebhookEvent(BaseModel):
    """What a merchant's endpoint receives as the JSON body of a webhook POST.

    ``id`` is the same for every delivery of one status change (retries, replays,
    resends): receivers process an id once. ``created`` is the time of the status
    change (workflow time). ``workflow_id`` is the operation's key.
    """

    id: str
    type: str
    created: datetime
    workflow_id: str
    use_case: str
    data: WebhookEventData


class WebhookRetry(BaseModel):
    """How hard the worker tries one endpoint: exponential backoff until ``give_up_after_s``."""

    initial_interval_s: float
    max_interval_s: float
    give_up_after_s: float
    timeout_s: float


class WebhookAnnouncement(BaseModel):
    """``webhooks.enqueue``'s input: an event, for the worker to queue for delivery."""

    event: WebhookEvent


class WebhookDispatch(BaseModel):
    """The ``webhook_event`` signal: an event, where to send it and how hard to try.

    ``resend`` delivers again an event this delivery workflow already has.
    """

    event: WebhookEvent
    endpoints: list[str]
    retry: WebhookRetry
    resend: bool = False


class WebhookPost(BaseModel):
    """``webhooks.deliver``'s input: one POST of one event to one endpoint (signed by the worker)."""

    event: WebhookEvent
    endpoint: str
    timeout_s: float


class DeliveryRecord(BaseModel):
    """The outcome of one event at one endpoint: DELIVERED, GONE (HTTP 410) or FAILED (gave up)."""

    event_id: str
    event_type: str
    endpoint: str
    state: str
    finished_at: datetime
    http_status: int | None = None
    error: str | None = None


class WebhookDeliveries(BaseModel):
    """The ``webhook_deliveries`` query and the delivery workflow's result."""

    dispatches: list[WebhookDispatch] = Field(default_factory=list)
    records: list[DeliveryRecord] = Field(default_factory=list)
