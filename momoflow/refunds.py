"""Refunds: the request, and the ledger that keeps the refunds of one payment within its amount.

A refund names the payment it gives money back for by that payment's workflow id
(``rtp-ORDER-1``, ``invoice-INV-7``). Every refund of one payment reserves its amount
on that payment's ledger (the ``RefundLedger`` workflow ``refund-ledger-<workflow id>``)
before anything is sent to MoMo; the ledger is one workflow, so Temporal runs its
reservations one after the other, whatever process or worker asked.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, Field

from momoflow.models import Money, PaymentStatus
from momoflow.operations import PatternInput, _TransactionRequest, _WorkflowInput
from momoflow.validation import Problems

# Workflow id prefixes of the payments a refund may give money back for (see contract.IdPrefix).
REFUNDABLE_PREFIXES = ("rtp-", "invoice-")
NOT_REFUNDABLE_PREFIXES = ("invoice-cancel-",)
# The ledger's update failure a reserving activity retries (the payment could not be read just now).
ORIGINAL_UNREADABLE = "ORIGINAL_UNREADABLE"


def check_original_key(value: str) -> None:
    """The workflow id of a payment a refund may give money back for."""
    if not value.startswith(REFUNDABLE_PREFIXES) or value.startswith(NOT_REFUNDABLE_PREFIXES):
        raise ValueError(
            "original_key: must be the workflow id of a Request to Pay (rtp-…) or an invoice (invoice-…), "
            f"got {value!r}"
        )
    if len(value) > 240:
        raise ValueError("original_key: at most 240 characters")


class RefundRequest(_TransactionRequest):
    """Give ``amount`` ``currency`` of the payment ``original_key`` back to its payer.

    ``currency`` must be the payment's; the refunds of one payment never add up to more
    than its amount.
    """

    original_key: str

    def _rules(self, problems: Problems) -> None:
        super()._rules(problems)
        problems.run(check_original_key, self.original_key)


class RefundInput(PatternInput):
    request: RefundRequest


# -- the ledger of one payment ------------------------------------------------------------


class OriginalPayment(BaseModel):
    """What the ledger knows of the refunded payment, read once it is final."""

    workflow_id: str
    found: bool
    workflow_type: str | None = None
    status: str | None = None  # PaymentStatus value, or the workflow's execution status if it did not complete
    amount: Money | None = None
    currency: str | None = None
    reference_id: str | None = None

    @property
    def is_settled(self) -> bool:
        """Final for good: the ledger never needs to read it again."""
        return self.found and self.status in (PaymentStatus.SUCCESSFUL.value, PaymentStatus.FAILED.value)


class LedgerInput(_WorkflowInput):
    """The ledger's start (and continue-as-new) input; ``carried`` is its state after a continue-as-new."""

    original_workflow_id: str
    carried: LedgerState | None = None


class ReservationState(StrEnum):
    HELD = "HELD"  # sent or about to be sent: counts against the amount
    SETTLED = "SETTLED"  # MoMo paid it: counts for good
    RELEASED = "RELEASED"  # MoMo refused it for certain: no longer counts


class Reservation(BaseModel):
    amount: Money
    state: ReservationState = ReservationState.HELD


class ReserveRequest(BaseModel):
    """One refund's claim on the payment's amount; ``refund_key`` makes a retried claim harmless."""

    original_workflow_id: str
    refund_key: str
    amount: Money
    currency: str


class RefusalReason(StrEnum):
    ORIGINAL_NOT_FOUND = "ORIGINAL_NOT_FOUND"
    ORIGINAL_NOT_REFUNDABLE = "ORIGINAL_NOT_REFUNDABLE"
    ORIGINAL_NOT_SUCCESSFUL = "ORIGINAL_NOT_SUCCESSFUL"
    CURRENCY_MISMATCH = "CURRENCY_MISMATCH"
    EXCEEDS_REFUNDABLE = "REFUND_EXCEEDS_REFUNDABLE"
    KEY_REUSED = "REFUND_KEY_REUSED"


class ReserveVerdict(BaseModel):
    accepted: bool
    reason: RefusalReason | None = None
    message: str | None = None
    remaining: Money | None = None  # what may still be refunded, after this reservation if accepted
    original_reference_id: str | None = None  # MoMo's reference id of the payment (referenceIdToRefund)


class LedgerState(BaseModel):
    """The ``ledger`` query's answer: the payment as read, and every refund's reservation."""

    original: OriginalPayment | None = None
    reservations: dict[str, Reservation] = Field(default_factory=dict)

    def counted(self) -> Decimal:
        """What counts against the payment: held and settled reservations."""
        return sum(
            (r.amount for r in self.reservations.values() if r.state is not ReservationState.RELEASED), Decimal(0)
        )

    def refunded(self) -> Decimal:
        return sum((r.amount for r in self.reservations.values() if r.state is ReservationState.SETTLED), Decimal(0))


LedgerInput.model_rebuild()
