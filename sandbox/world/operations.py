"""What the sandbox remembers about each operation a partner started.

Every operation is created under the client's X-Reference-Id and moves from
PENDING to one final status exactly once; what differs is the request it
carries and the extra facts a status body needs (payment reference, expiry…).
Records are mutable because customers and timers change them after creation;
only :mod:`sandbox.world.lifecycle` does so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import ClassVar, Final, Literal

from momoflow.masking import mask_msisdn


class OperationStatus(StrEnum):
    """The status MTN reports for an operation (not momoflow's own payment status)."""

    CREATED = "CREATED"
    PENDING = "PENDING"
    SUCCESSFUL = "SUCCESSFUL"
    FAILED = "FAILED"


FINAL_STATUSES: Final = frozenset({OperationStatus.SUCCESSFUL, OperationStatus.FAILED})


CallbackMethod = Literal["POST", "PUT"]


@dataclass(frozen=True)
class Party:
    party_id_type: str  # echoed as the client spelled it
    party_id: str

    def as_json(self) -> dict[str, str]:
        return {"partyIdType": self.party_id_type, "partyId": self.party_id}

    @property
    def kind(self) -> str:
        return self.party_id_type.upper()

    @property
    def lookup_id(self) -> str:
        """The id as the customer side and pre-approval matching compare it."""
        return party_lookup_id(self.party_id)

    def same_holder(self, other: Party) -> bool:
        return self.kind == other.kind and self.lookup_id == other.lookup_id

    def masked(self) -> str:
        """What may be logged of this party."""
        return mask_msisdn(self.party_id) if self.kind == "MSISDN" else "[masked]"


def party_lookup_id(party_id: str) -> str:
    # E-mail addresses and party codes (UUIDs) are case-insensitive; MSISDNs are digits.
    return party_id.strip().lower()


@dataclass(frozen=True)
class TransactionInput:
    """A validated request-to-pay or transfer body; ``party`` is the payer or the payee."""

    amount: Decimal
    currency: str
    external_id: str | None
    party: Party
    payer_message: str | None
    payee_note: str | None


@dataclass(frozen=True)
class PreApprovalInput:
    payer: Party
    currency: str
    payer_message: str | None
    validity_s: int


@dataclass(frozen=True)
class InvoiceInput:
    external_id: str | None
    amount: Decimal
    currency: str
    validity_s: int
    intended_payer: Party
    payee: Party
    description: str | None


@dataclass(eq=False, kw_only=True)
class Operation:
    """Common to everything created with an X-Reference-Id."""

    kind: ClassVar[str]
    callback_method: ClassVar[CallbackMethod]

    reference_id: str
    api_user_id: str
    created_at: float  # sandbox clock
    callback_url: str | None = field(default=None, repr=False)
    status: OperationStatus = OperationStatus.PENDING  # PENDING until final; CREATED is derived when rendering
    reason: str | None = None  # failure code, only when FAILED
    reason_message: str | None = None  # wording when the generic one would mislead
    finished_at: float | None = None

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES

    def owned_by(self, api_user_id: str) -> bool:
        return self.api_user_id.lower() == api_user_id.lower()

    def finish(self, status: OperationStatus, at: float, reason: str | None = None, message: str | None = None) -> None:
        if self.is_final:
            raise RuntimeError(f"{self.kind} {self.reference_id} is already {self.status}")
        self.status, self.finished_at = status, at
        if status is OperationStatus.FAILED:
            self.reason, self.reason_message = reason, message


@dataclass(eq=False, kw_only=True)
class RequestToPay(Operation):
    kind: ClassVar[str] = "requesttopay"
    callback_method: ClassVar[CallbackMethod] = "POST"

    request: TransactionInput
    pending_from: float  # CREATED before this instant (the "Delayed" test number), PENDING after
    financial_transaction_id: str  # shown only once SUCCESSFUL
    # Delivery notifications sent to the payer of a SUCCESSFUL request-to-pay, oldest first.
    notes: list[str] = field(default_factory=list)
    notified_at: float | None = None  # when the last one was accepted


@dataclass(eq=False, kw_only=True)
class RequestToWithdraw(RequestToPay):
    """A withdrawal (cash-out) from the payer: a request-to-pay in all but its endpoints.

    Status lookups compare kinds exactly, so a withdrawal is never found under
    ``/requesttopay`` nor a request-to-pay under ``/requesttowithdraw``.
    """

    kind: ClassVar[str] = "requesttowithdraw"
    callback_method: ClassVar[CallbackMethod] = "POST"


@dataclass(eq=False, kw_only=True)
class RequestToWithdrawV2(RequestToWithdraw):
    """Created through ``/v2_0/requesttowithdraw``: the same withdrawal, its callback sent with PUT."""

    kind: ClassVar[str] = "requesttowithdraw-v2"
    callback_method: ClassVar[CallbackMethod] = "PUT"


@dataclass(eq=False, kw_only=True)
class Transfer(Operation):
    kind: ClassVar[str] = "transfer"
    callback_method: ClassVar[CallbackMethod] = "POST"

    request: TransactionInput
    pending_from: float
    financial_transaction_id: str


@dataclass(eq=False, kw_only=True)
class Deposit(Operation):
    """A disbursement deposit sent to ``/v1_0/deposit``: its callback is a POST."""

    kind: ClassVar[str] = "deposit"
    callback_method: ClassVar[CallbackMethod] = "POST"

    request: TransactionInput
    pending_from: float
    financial_transaction_id: str  # kept, but never shown: deposit results omit it


@dataclass(eq=False, kw_only=True)
class DepositV2(Deposit):
    """A deposit sent to ``/v2_0/deposit``: the same, but its callback is a PUT."""

    kind: ClassVar[str] = "depositv2"
    callback_method: ClassVar[CallbackMethod] = "PUT"


@dataclass(eq=False, kw_only=True)
class RemittanceTransfer(Operation):
    """A remittance transfer: a disbursement transfer's twin, paid from the remittance account."""

    kind: ClassVar[str] = "remittancetransfer"
    callback_method: ClassVar[CallbackMethod] = "POST"

    request: TransactionInput
    pending_from: float
    financial_transaction_id: str


@dataclass(eq=False, kw_only=True)
class PreApproval(Operation):
    kind: ClassVar[str] = "preapproval"
    callback_method: ClassVar[CallbackMethod] = "PUT"

    request: PreApprovalInput
    cancelled_at: float | None = None

    @property
    def expires_at(self) -> float:
        return self.created_at + self.request.validity_s

    def is_active_at(self, now: float) -> bool:
        """Approved, not cancelled and not expired: the partner may debit without asking."""
        return self.status is OperationStatus.SUCCESSFUL and self.cancelled_at is None and now < self.expires_at


@dataclass(eq=False, kw_only=True)
class Invoice(Operation):
    kind: ClassVar[str] = "invoice"
    callback_method: ClassVar[CallbackMethod] = "PUT"

    request: InvoiceInput
    payment_reference: str  # the code the customer pays with
    invoice_id: str

    @property
    def expires_at(self) -> float:
        return self.created_at + self.request.validity_s


@dataclass(eq=False, kw_only=True)
class InvoiceCancellation(Operation):
    """A DELETE on an invoice: its own operation under its own X-Reference-Id."""

    kind: ClassVar[str] = "invoicecancellation"
    callback_method: ClassVar[CallbackMethod] = "PUT"

    invoice_reference_id: str
    external_id: str


@dataclass(frozen=True)
class RefundInput:
    """A validated refund body: the refunded payment's X-Reference-Id and the amount to give back."""

    amount: Decimal
    currency: str
    external_id: str | None
    payer_message: str | None
    payee_note: str | None
    reference_id_to_refund: str


@dataclass(eq=False, kw_only=True)
class Refund(Operation):
    """A refund through ``/v1_0/refund``: MTN calls back with POST."""

    kind: ClassVar[str] = "refund"
    callback_method: ClassVar[CallbackMethod] = "POST"

    refund: RefundInput
    # The refunded payment's payer, who receives the money (None when the payment is unknown).
    payee: Party | None
    pending_from: float
    financial_transaction_id: str


@dataclass(eq=False, kw_only=True)
class RefundV2(Refund):
    """A refund through ``/v2_0/refund``: the same operation, called back with PUT."""

    kind: ClassVar[str] = "refund_v2"
    callback_method: ClassVar[CallbackMethod] = "PUT"
