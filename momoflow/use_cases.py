"""Every MoMo use case momoflow runs, one record each: the single list the rest is built from.

The worker registers each use case's workflow and activities from here, the
facade starts them, the CLI's subcommands and ``list --use-case`` filter, the
published contract (``make contract``) and the tests that run over every use case
all iterate :data:`USE_CASES`. Adding a use case means one record here plus its
own code (see the README, "Adding a use case").

Spelling: ``UseCase.name`` (snake_case) is the one name of a use case in Python
code, metric labels, test ids and file names; the CLI spells it in kebab-case.
The workflow type (``PreApproval``), the workflow id prefix (``preapproval-``),
the activity names (``collection.submit_preapproval``) and the ``operation``
value in results (``invoice_cancellation``) are historical wire names: running
payments and other clients depend on them, so they keep their spelling, which
may differ from ``name``.

This module holds wire-level facts only (no httpx, no activities, no workflow
classes), so workflow code may import it; ``workflows/registry.py`` maps each
record to its workflow class.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pydantic import BaseModel

from momoflow import contract
from momoflow.contract import (
    AccountBalance,
    AccountHolder,
    DeliveryNotificationResult,
    IdPrefix,
    PreApprovalEntry,
    Steps,
    WorkflowType,
)
from momoflow.models import PaymentState, Product
from momoflow.operations import (
    AccountHolderQuery,
    BalanceQuery,
    CancelInvoiceInput,
    CancelInvoiceRequest,
    CancelPreApprovalRequest,
    DeliveryNotificationInput,
    InvoiceInput,
    InvoiceRequest,
    PreApprovalInput,
    PreApprovalListQuery,
    PreApprovalRequest,
    RequestToPayInput,
    RequestToPayRequest,
    RequestToWithdrawInput,
    RequestToWithdrawRequest,
    TransferInput,
    TransferRequest,
)
from momoflow.payouts import DepositInput, DepositRequest, RemittanceTransferInput, RemittanceTransferRequest
from momoflow.refunds import LedgerInput, LedgerState, RefundInput, RefundRequest, ReserveRequest, ReserveVerdict
from momoflow.subscription import SubscriptionDebitInput, SubscriptionPeriod


class Kind(StrEnum):
    """How a use case runs, which decides how it is started and followed."""

    # An asynchronous MoMo operation (the payment pattern): started once per business key,
    # followed through callbacks and status checks, returns a PaymentState.
    PAYMENT = "payment"
    # A synchronous MoMo call: a short workflow with a random id, returns MoMo's answer.
    LOOKUP = "lookup"
    # One period of a subscription, started by its Temporal Schedule (starter/subscriptions.py);
    # it collects through a Request to Pay, so it is no MoMo payment of its own.
    SUBSCRIPTION = "subscription"
    # Bookkeeping a use case keeps in Temporal (a refunded payment's ledger): never started by a caller.
    LEDGER = "ledger"


@dataclass(frozen=True)
class Message:
    """A signal, query or update a workflow understands beyond the payment pattern's own."""

    kind: str
    """``Update``, ``Signal`` or ``Query``."""
    name: str
    argument: Any
    """The argument's type (a model's schema is published), or None."""
    returns: Any
    """What an update or query returns (a model's schema is published), or None."""
    meaning: str


@dataclass(frozen=True)
class UseCase:
    """One use case: its name, its wire names, its payloads and where callers reach it."""

    name: str
    """snake_case: Python names, metric labels, test ids; kebab-case in the CLI's ``list --use-case``."""
    kind: Kind
    workflow_type: str
    """Historical wire name (Temporal workflow type): never renamed."""
    id_prefix: str
    """Historical wire name: workflow ids are ``<id_prefix>-<key>``; never renamed."""
    input_model: type[BaseModel]
    """The workflow's one argument (its JSON Schema is published)."""
    result_model: Any
    """What the workflow returns (its JSON Schema is published)."""
    activities: dict[Product, tuple[str, ...]]
    """Per MoMo product, the activity names (historical wire names) the workflow may schedule."""
    cli_command: tuple[str, ...]
    """``python -m starter`` subcommand words, kebab-case (``("pre-approval", "create")``)."""
    facade_method: str
    """The typed method of :class:`starter.facade.Momoflow` that starts it."""
    product: Product | None = None
    """The MoMo product a payment runs on; None when the caller chooses (``product`` field)."""
    steps: Steps | None = None
    """A payment's submit / status / await-final activities."""
    request_model: type[BaseModel] | None = None
    """A payment's request (``input_model`` is it plus timing), as callers build it."""
    key_field: str | None = None
    """The request field a payment's idempotency key defaults to; None when the caller must give one."""
    operation: str = ""
    """The ``operation`` value in a payment's ``PaymentState`` (historical; defaults to ``name``)."""
    updates: tuple[str, ...] = field(default=())
    """Updates beyond ``resolve`` that the workflow accepts."""
    worker_activities: tuple[str, ...] = field(default=())
    """Activities the worker serves itself, on no MoMo product's credentials (subscriptions)."""
    id_key: str = ""
    """What ``<key>`` in the workflow id is, for the contract; defaults by kind."""
    messages: tuple[Message, ...] = field(default=())
    """Signals, queries and updates of its own, published in the contract."""

    def __post_init__(self) -> None:
        if not self.operation:
            object.__setattr__(self, "operation", self.name)
        if not self.id_key:
            key = (
                "your business key (e.g. the external id)"
                if self.is_payment
                else "a random UUID (never a phone number)"
            )
            object.__setattr__(self, "id_key", key)

    @property
    def is_payment(self) -> bool:
        return self.kind is Kind.PAYMENT

    @property
    def list_filter(self) -> str:
        """The ``list --use-case`` value: the name in the CLI's kebab-case."""
        return self.name.replace("_", "-")


def _payment_activities(product: Product, *steps: Steps) -> dict[Product, tuple[str, ...]]:
    names = dict.fromkeys(name for step in steps for name in (step.submit, step.get_status, step.await_final))
    return {product: tuple(names)}


def _per_product(activity: Any) -> dict[Product, tuple[str, ...]]:
    return {product: (activity(product.value),) for product in Product}


REQUEST_TO_PAY = UseCase(
    name="request_to_pay",
    kind=Kind.PAYMENT,
    workflow_type=WorkflowType.REQUEST_TO_PAY,
    id_prefix=IdPrefix.REQUEST_TO_PAY,
    input_model=RequestToPayInput,
    result_model=PaymentState,
    activities=_payment_activities(Product.COLLECTION, contract.REQUEST_TO_PAY),
    cli_command=("request-to-pay",),
    facade_method="request_to_pay",
    product=Product.COLLECTION,
    steps=contract.REQUEST_TO_PAY,
    request_model=RequestToPayRequest,
    key_field="external_id",
)
TRANSFER = UseCase(
    name="transfer",
    kind=Kind.PAYMENT,
    workflow_type=WorkflowType.TRANSFER,
    id_prefix=IdPrefix.TRANSFER,
    input_model=TransferInput,
    result_model=PaymentState,
    # The optional pre-checks (payee, balance) run the disbursement lookups.
    activities={
        Product.DISBURSEMENT: (
            *_payment_activities(Product.DISBURSEMENT, contract.TRANSFER)[Product.DISBURSEMENT],
            contract.account_holder(Product.DISBURSEMENT.value),
            contract.balance(Product.DISBURSEMENT.value),
        )
    },
    cli_command=("transfer",),
    facade_method="transfer",
    product=Product.DISBURSEMENT,
    steps=contract.TRANSFER,
    request_model=TransferRequest,
    key_field="external_id",
)
PRE_APPROVAL = UseCase(
    name="pre_approval",
    kind=Kind.PAYMENT,
    workflow_type=WorkflowType.PRE_APPROVAL,
    id_prefix=IdPrefix.PRE_APPROVAL,
    input_model=PreApprovalInput,
    result_model=PaymentState,
    activities=_payment_activities(Product.COLLECTION, contract.PRE_APPROVAL),
    cli_command=("pre-approval", "create"),
    facade_method="pre_approval",
    product=Product.COLLECTION,
    steps=contract.PRE_APPROVAL,
    request_model=PreApprovalRequest,
)
INVOICE = UseCase(
    name="invoice",
    kind=Kind.PAYMENT,
    workflow_type=WorkflowType.INVOICE,
    id_prefix=IdPrefix.INVOICE,
    input_model=InvoiceInput,
    result_model=PaymentState,
    # The cancel update runs the cancellation in the invoice's own workflow.
    activities=_payment_activities(Product.COLLECTION, contract.INVOICE, contract.INVOICE_CANCELLATION),
    cli_command=("invoice", "create"),
    facade_method="create_invoice",
    product=Product.COLLECTION,
    steps=contract.INVOICE,
    request_model=InvoiceRequest,
    key_field="external_id",
    updates=(contract.CANCEL_UPDATE,),
)
CANCEL_INVOICE = UseCase(
    name="cancel_invoice",
    kind=Kind.PAYMENT,
    workflow_type=WorkflowType.CANCEL_INVOICE,
    id_prefix=IdPrefix.CANCEL_INVOICE,
    input_model=CancelInvoiceInput,
    result_model=PaymentState,
    activities=_payment_activities(Product.COLLECTION, contract.INVOICE_CANCELLATION),
    cli_command=("invoice", "cancel"),
    facade_method="cancel_invoice",
    product=Product.COLLECTION,
    steps=contract.INVOICE_CANCELLATION,
    request_model=CancelInvoiceRequest,
    key_field="invoice_reference_id",
    operation="invoice_cancellation",
)
VALIDATE_ACCOUNT_HOLDER = UseCase(
    name="validate_account_holder",
    kind=Kind.LOOKUP,
    workflow_type=WorkflowType.VALIDATE_ACCOUNT_HOLDER,
    id_prefix=IdPrefix.VALIDATE_ACCOUNT_HOLDER,
    input_model=AccountHolderQuery,
    result_model=AccountHolder,
    activities=_per_product(contract.account_holder),
    cli_command=("account-holder",),
    facade_method="validate_account_holder",
)
GET_BALANCE = UseCase(
    name="get_balance",
    kind=Kind.LOOKUP,
    workflow_type=WorkflowType.GET_BALANCE,
    id_prefix=IdPrefix.GET_BALANCE,
    input_model=BalanceQuery,
    result_model=AccountBalance,
    activities=_per_product(contract.balance),
    cli_command=("balance",),
    facade_method="get_balance",
)
LIST_PRE_APPROVALS = UseCase(
    name="list_pre_approvals",
    kind=Kind.LOOKUP,
    workflow_type=WorkflowType.LIST_PRE_APPROVALS,
    id_prefix=IdPrefix.LIST_PRE_APPROVALS,
    input_model=PreApprovalListQuery,
    result_model=list[PreApprovalEntry],
    activities={Product.COLLECTION: (contract.LIST_PRE_APPROVALS,)},
    cli_command=("pre-approval", "list"),
    facade_method="list_pre_approvals",
    product=Product.COLLECTION,
)
CANCEL_PRE_APPROVAL = UseCase(
    name="cancel_pre_approval",
    kind=Kind.LOOKUP,
    workflow_type=WorkflowType.CANCEL_PRE_APPROVAL,
    id_prefix=IdPrefix.CANCEL_PRE_APPROVAL,
    input_model=CancelPreApprovalRequest,
    result_model=bool,
    activities={Product.COLLECTION: (contract.CANCEL_PRE_APPROVAL,)},
    cli_command=("pre-approval", "cancel"),
    facade_method="cancel_pre_approval",
    product=Product.COLLECTION,
)
SUBSCRIPTION_DEBIT = UseCase(
    name="subscription_debit",
    kind=Kind.SUBSCRIPTION,
    workflow_type=WorkflowType.SUBSCRIPTION_DEBIT,
    id_prefix=IdPrefix.SUBSCRIPTION_DEBIT,
    input_model=SubscriptionDebitInput,
    result_model=SubscriptionPeriod,
    # Before each period it checks the mandate is still approved.
    activities={Product.COLLECTION: (contract.LIST_PRE_APPROVALS,)},
    worker_activities=(
        contract.SUBSCRIPTION_START_DEBIT,
        contract.SUBSCRIPTION_AWAIT_DEBIT,
        contract.SUBSCRIPTION_STOP,
    ),
    cli_command=("subscription", "create"),
    facade_method="subscribe",
    product=Product.COLLECTION,
    id_key="the subscription id, followed by the scheduled time (the subscription's Temporal Schedule starts it)",
)
DEPOSIT = UseCase(
    name="deposit",
    kind=Kind.PAYMENT,
    workflow_type=WorkflowType.DEPOSIT,
    id_prefix=IdPrefix.DEPOSIT,
    input_model=DepositInput,
    result_model=PaymentState,
    activities=_payment_activities(Product.DISBURSEMENT, contract.DEPOSIT),
    cli_command=("deposit",),
    facade_method="deposit",
    product=Product.DISBURSEMENT,
    steps=contract.DEPOSIT,
    request_model=DepositRequest,
    key_field="external_id",
)
REMITTANCE_TRANSFER = UseCase(
    name="remittance_transfer",
    kind=Kind.PAYMENT,
    workflow_type=WorkflowType.REMITTANCE_TRANSFER,
    id_prefix=IdPrefix.REMITTANCE_TRANSFER,
    input_model=RemittanceTransferInput,
    result_model=PaymentState,
    activities=_payment_activities(Product.REMITTANCE, contract.REMITTANCE_TRANSFER),
    cli_command=("remittance-transfer",),
    facade_method="remittance_transfer",
    product=Product.REMITTANCE,
    steps=contract.REMITTANCE_TRANSFER,
    request_model=RemittanceTransferRequest,
    key_field="external_id",
)
REQUEST_TO_WITHDRAW = UseCase(
    name="request_to_withdraw",
    kind=Kind.PAYMENT,
    workflow_type=WorkflowType.REQUEST_TO_WITHDRAW,
    id_prefix=IdPrefix.REQUEST_TO_WITHDRAW,
    input_model=RequestToWithdrawInput,
    result_model=PaymentState,
    activities=_payment_activities(Product.COLLECTION, contract.REQUEST_TO_WITHDRAW),
    cli_command=("request-to-withdraw",),
    facade_method="request_to_withdraw",
    product=Product.COLLECTION,
    steps=contract.REQUEST_TO_WITHDRAW,
    request_model=RequestToWithdrawRequest,
    key_field="external_id",
)
DELIVERY_NOTIFICATION = UseCase(
    name="delivery_notification",
    kind=Kind.LOOKUP,
    workflow_type=WorkflowType.DELIVERY_NOTIFICATION,
    id_prefix=IdPrefix.DELIVERY_NOTIFICATION,
    input_model=DeliveryNotificationInput,
    result_model=DeliveryNotificationResult,
    # It reads the payment's state from Temporal (the worker's own activity), then POSTs the note.
    activities={Product.COLLECTION: (contract.NOTIFY_DELIVERY,)},
    worker_activities=(contract.PAYMENT_OUTCOME,),
    cli_command=("notify-delivery",),
    facade_method="notify_delivery",
    product=Product.COLLECTION,
    id_key=(
        "`<Request to Pay workflow id>-<note key>` (start it like a payment: the same key never sends a second note)"
    ),
)

REFUND = UseCase(
    name="refund",
    kind=Kind.PAYMENT,
    workflow_type=WorkflowType.REFUND,
    id_prefix=IdPrefix.REFUND,
    input_model=RefundInput,
    result_model=PaymentState,
    activities=_payment_activities(Product.DISBURSEMENT, contract.REFUND),
    # It claims its amount on the refunded payment's ledger (update-with-start) first.
    worker_activities=(contract.REFUND_RESERVE,),
    cli_command=("refund",),
    facade_method="refund",
    product=Product.DISBURSEMENT,
    steps=contract.REFUND,
    request_model=RefundRequest,
    id_key="your refund key (one per refund; the refunded payment is the request's original_key)",
)
REFUND_LEDGER = UseCase(
    name="refund_ledger",
    kind=Kind.LEDGER,
    workflow_type=WorkflowType.REFUND_LEDGER,
    id_prefix=IdPrefix.REFUND_LEDGER,
    input_model=LedgerInput,
    # Never returns: it continues as new, so that no later ledger forgets a refund.
    result_model=None,
    activities={},
    worker_activities=(contract.REFUND_READ_ORIGINAL,),
    # Read by operators: every claim on the payment with its state.
    cli_command=("refund", "show"),
    facade_method="refund_ledger",
    updates=(contract.RESERVE_UPDATE,),
    id_key="the refunded payment's workflow id (started by the first refund's claim, never by a caller)",
    messages=(
        Message(
            "Update",
            contract.RESERVE_UPDATE,
            ReserveRequest,
            ReserveVerdict,
            "claim a refund's amount (update-with-start, id conflict policy *use existing*). Accepted only when the"
            " payment is a SUCCESSFUL Request to Pay or invoice in the same currency and the amount fits in what is"
            " left; a refused verdict names the reason and what remains. Idempotent per `refund_key`: the same claim"
            " asked again gets the first answer. Claims of one payment are judged one after the other.",
        ),
        Message(
            "Signal",
            contract.RELEASE_SIGNAL,
            str,
            None,
            "argument: the refund key. MoMo refused the refund for certain (or it was never sent): its amount is"
            " refundable again. A release before (or while) the claim is judged leaves the claim holding nothing.",
        ),
        Message(
            "Signal",
            contract.SETTLE_SIGNAL,
            str,
            None,
            "argument: the refund key. MoMo paid the refund: it counts for good.",
        ),
        Message(
            "Query",
            contract.LEDGER_QUERY,
            None,
            LedgerState,
            "the payment as read and every claim by refund key with its amount and state (`HELD`, `SETTLED`, `RELEASED`).",
        ),
    ),
)

# The order is the published contract's order.
USE_CASES: tuple[UseCase, ...] = (
    REQUEST_TO_PAY,
    TRANSFER,
    PRE_APPROVAL,
    INVOICE,
    CANCEL_INVOICE,
    VALIDATE_ACCOUNT_HOLDER,
    GET_BALANCE,
    LIST_PRE_APPROVALS,
    CANCEL_PRE_APPROVAL,
    SUBSCRIPTION_DEBIT,
    DEPOSIT,
    REMITTANCE_TRANSFER,
    REFUND,
    REFUND_LEDGER,
    REQUEST_TO_WITHDRAW,
    DELIVERY_NOTIFICATION,
)
BY_NAME: dict[str, UseCase] = {use_case.name: use_case for use_case in USE_CASES}
BY_WORKFLOW_TYPE: dict[str, UseCase] = {use_case.workflow_type: use_case for use_case in USE_CASES}
BY_CLI_COMMAND: dict[tuple[str, ...], UseCase] = {use_case.cli_command: use_case for use_case in USE_CASES}
PAYMENTS: tuple[UseCase, ...] = tuple(use_case for use_case in USE_CASES if use_case.is_payment)

# Status checks run on the rate-limited status queue of their product.
STATUS_ACTIVITIES: frozenset[str] = frozenset(
    name for use_case in PAYMENTS if use_case.steps for name in (use_case.steps.get_status, use_case.steps.await_final)
)


def product_activities() -> dict[Product, list[str]]:
    """Per product, every activity name some use case schedules, each once."""
    served: dict[Product, dict[str, None]] = {product: {} for product in Product}
    for use_case in USE_CASES:
        for product, names in use_case.activities.items():
            served[product].update(dict.fromkeys(names))
    return {product: list(names) for product, names in served.items()}
