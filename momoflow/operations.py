"""Each use case's request (what a merchant asks for) and workflow input.

Two layers, on purpose. The models themselves only enforce types (what
decoding a payload needs); a workflow input that cannot be decoded raises
:class:`~momoflow.validation.InvalidRequest`, which fails the workflow at once.
The business rules are each request's ``check()``: the single definition of
"good input", run by the facade and the CLI before anything is started and
judged once at a workflow's start by the worker (``momoflow.admit``).
"""

from __future__ import annotations

import hashlib
import types
import typing
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema

from momo.models import PartyIdType
from momoflow.models import Money, Party, PaymentTiming, Product, TimingOverrides
from momoflow.validation import (
    DAY_S,
    TIMING_BOUNDS,
    InvalidRequest,
    Problem,
    Problems,
    check_currency,
    check_external_id,
    check_text,
    check_uuid,
    decoding_problems,
    parse_amount,
)


class _WorkflowInput(BaseModel):
    """A model that is a workflow's input: a payload that does not decode raises ``InvalidRequest``.

    ``InvalidRequest`` is an ``ApplicationError``; raised while the worker decodes
    the start arguments, it fails the workflow (non-retryable, type
    ``INVALID_REQUEST``) instead of failing the workflow task on every retry.
    """

    @model_validator(mode="wrap")
    @classmethod
    def _decode(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        try:
            return handler(data)
        except ValidationError as exc:
            raise InvalidRequest(decoding_problems(exc)) from None


def workflow_input_model(type_hint: Any) -> type[BaseModel] | None:
    """The input model when ``type_hint`` is a workflow's input, ``X`` or ``X | None`` (a workflow's ``inp``)."""
    if isinstance(type_hint, type):
        hints: tuple[Any, ...] = (type_hint,)
    elif typing.get_origin(type_hint) in (typing.Union, types.UnionType):
        hints = typing.get_args(type_hint)
    else:
        return None  # list[X], dict[...]: not a workflow's input
    for hint in hints:
        if isinstance(hint, type) and issubclass(hint, _WorkflowInput):
            return hint
    return None


def is_workflow_input(type_hint: Any) -> bool:
    """Whether ``type_hint`` is a workflow's input model, or one or None (a workflow's ``inp``)."""
    return workflow_input_model(type_hint) is not None


class _Request(BaseModel):
    model_config = ConfigDict(frozen=True)

    def fingerprint(self) -> str:
        """A digest of the request, to tell a retried start from a reused key.

        Parties are left out: a hash of a phone number is easy to reverse, and the
        digest is stored where operators can read it.
        """
        canonical = self.model_dump_json(exclude=_PARTY_FIELDS)
        return hashlib.sha256(f"{type(self).__name__}:{canonical}".encode()).hexdigest()[:32]

    def check(self) -> list[Problem]:
        """Every business rule this request breaks; empty when it may be started."""
        problems = Problems()
        self._rules(problems)
        return problems.found

    def _rules(self, problems: Problems) -> None:
        """Subclasses add their rules (each ``super()._rules`` first)."""


_PARTY_FIELDS = {"payer", "payee", "intended_payer", "party"}


def _no_number_in(external_id: str, party: Party, role: str) -> None:
    if party.party_id_type is PartyIdType.MSISDN and party.party_id in external_id:
        raise ValueError(f"external_id: must not contain the {role}'s phone number (it is visible in search)")


def _party(problems: Problems, field: str, party: Party) -> None:
    problems.extend(party.check(), prefix=field)


class _MoneyRequest(_Request):
    amount: Money
    currency: str
    external_id: str

    @field_validator("amount", mode="before")
    @classmethod
    def _no_float(cls, value: Any) -> Any:
        # A type rule: a float has already lost its exact value. Send a decimal string.
        if isinstance(value, (bool, float)):
            raise ValueError("give a decimal string such as '12.50', not a float")
        return value

    def _rules(self, problems: Problems) -> None:
        problems.run(parse_amount, self.amount)
        problems.run(check_currency, self.currency)
        problems.run(check_external_id, self.external_id)


class _TransactionRequest(_MoneyRequest):
    """Money moving with a message for the payer and a note for the payee."""

    payer_message: str = ""
    payee_note: str = ""

    def _rules(self, problems: Problems) -> None:
        super()._rules(problems)
        problems.run(check_text, "payer_message", self.payer_message)
        problems.run(check_text, "payee_note", self.payee_note)


class RequestToPayRequest(_TransactionRequest):
    """Collect ``amount`` ``currency`` from ``payer``, who approves on their phone."""

    payer: Party

    def _rules(self, problems: Problems) -> None:
        super()._rules(problems)
        _party(problems, "payer", self.payer)
        problems.run(_no_number_in, self.external_id, self.payer, "payer")


class RequestToWithdrawRequest(RequestToPayRequest):
    """Cash ``amount`` ``currency`` out of ``payer``'s wallet, once the payer authorises it.

    MoMo takes a request-to-pay body; the rules are the same.
    """


class TransferRequest(_TransactionRequest):
    """Pay ``amount`` ``currency`` out to ``payee``, optionally after checking payee and balance."""

    payee: Party
    # Pre-checks run before any money moves; a failed check ends the transfer FAILED.
    check_payee: bool = False
    check_balance: bool = False

    def _rules(self, problems: Problems) -> None:
        super()._rules(problems)
        _party(problems, "payee", self.payee)
        problems.run(_no_number_in, self.external_id, self.payee, "payee")


PRE_APPROVAL_MAX_VALIDITY_S = 10 * 365 * 24 * 3600
INVOICE_MAX_VALIDITY_S = 365 * 24 * 3600


def _check_validity(value: int, maximum: int) -> None:
    if not 0 < value <= maximum:
        raise ValueError(f"validity_s: must be between 1 and {maximum} seconds, got {value}")


class PreApprovalRequest(_Request):
    """Ask ``payer`` to allow future debits without approving each one."""

    payer: Party
    currency: str
    payer_message: str = ""
    validity_s: int

    def _rules(self, problems: Problems) -> None:
        _party(problems, "payer", self.payer)
        problems.run(check_currency, self.currency)
        problems.run(check_text, "payer_message", self.payer_message)
        problems.run(_check_validity, self.validity_s, PRE_APPROVAL_MAX_VALIDITY_S)


class InvoiceRequest(_MoneyRequest):
    """An invoice ``intended_payer`` can pay through any channel until it expires."""

    intended_payer: Party
    payee: Party
    validity_s: int
    description: str = ""

    def _rules(self, problems: Problems) -> None:
        super()._rules(problems)
        _party(problems, "intended_payer", self.intended_payer)
        _party(problems, "payee", self.payee)
        problems.run(_check_validity, self.validity_s, INVOICE_MAX_VALIDITY_S)
        problems.run(check_text, "description", self.description)
        problems.run(_no_number_in, self.external_id, self.intended_payer, "intended payer")


class CancelInvoiceRequest(_Request):
    """Cancel an invoice known only by its MoMo reference id (e.g. created by another system)."""

    invoice_reference_id: str
    external_id: str

    @field_validator("invoice_reference_id")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.lower()  # MoMo's reference ids are lower-case UUIDs

    def _rules(self, problems: Problems) -> None:
        problems.run(check_uuid, self.invoice_reference_id, "invoice_reference_id")
        problems.run(check_external_id, self.external_id)


# -- synchronous lookups: the request is the workflow input ----------------------------------


class AccountHolderQuery(_WorkflowInput, _Request):
    product: Product = Product.COLLECTION
    party: Party
    basic_info: bool = False

    def _rules(self, problems: Problems) -> None:
        _party(problems, "party", self.party)


class BalanceQuery(_WorkflowInput, _Request):
    product: Product = Product.COLLECTION
    currency: str | None = None

    def _rules(self, problems: Problems) -> None:
        if self.currency is not None:
            problems.run(check_currency, self.currency)


class PreApprovalListQuery(_WorkflowInput, _Request):
    party: Party

    def _rules(self, problems: Problems) -> None:
        _party(problems, "party", self.party)


class CancelPreApprovalRequest(_WorkflowInput, _Request):
    pre_approval_id: str

    @field_validator("pre_approval_id")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.lower()

    def _rules(self, problems: Problems) -> None:
        problems.run(check_uuid, self.pre_approval_id, "pre_approval_id")


NOTIFICATION_MAX = 160
# A workflow id holds the payment's own id and the note key: keep both readable and bounded.
NOTE_KEY_MAX = 64


def check_notification_message(message: str) -> None:
    """MoMo takes the note in an HTTP header: plain printable ASCII, at most 160 characters."""
    if not message.strip():
        raise ValueError("message: must not be empty")
    if len(message) > NOTIFICATION_MAX:
        raise ValueError(f"message: at most {NOTIFICATION_MAX} characters, got {len(message)}")
    not_ascii = sorted({ch for ch in message if not " " <= ch <= "~"})
    if not_ascii:
        shown = ", ".join(repr(ch) for ch in not_ascii)
        raise ValueError(f"message: MoMo takes it in an HTTP header, so only printable ASCII; found {shown}")
    check_text("message", message)


def _check_language(language: str) -> None:
    if not (2 <= len(language) <= 3 and language.isascii() and language.isalpha()):
        raise ValueError(f"language: an ISO 639-1 or 639-3 code such as 'en', got {language!r}")


def _check_payment_workflow_id(workflow_id: str, prefix: str) -> None:
    if not workflow_id.startswith(f"{prefix}-") or len(workflow_id) <= len(prefix) + 1:
        raise ValueError(
            f"payment_workflow_id: only a Request to Pay takes a delivery notification; "
            f"its workflow id starts with '{prefix}-', got {workflow_id!r}"
        )


def check_note_key(note_key: str) -> None:
    if not note_key or len(note_key) > NOTE_KEY_MAX:
        raise ValueError(f"note_key: 1 to {NOTE_KEY_MAX} characters, got {len(note_key)}")
    if not all(ch.isascii() and (ch.isalnum() or ch in "-_.:") for ch in note_key):
        raise ValueError("note_key: only letters, digits and - _ . : are allowed")


class DeliveryNotificationInput(_WorkflowInput, _Request):
    """Send the payer of a SUCCESSFUL Request to Pay a note (a receipt number, say).

    The payment is named by its workflow id (``rtp-<key>``); the workflow reads its
    final state itself, so no caller can notify about a payment that did not succeed.
    """

    payment_workflow_id: str
    message: str
    language: str | None = None

    def _rules(self, problems: Problems) -> None:
        problems.run(_check_payment_workflow_id, self.payment_workflow_id, "rtp")
        problems.run(check_notification_message, self.message)
        if self.language is not None:
            problems.run(_check_language, self.language)


# -- workflow inputs of asynchronous operations: a request plus timing overrides -------------


class PatternInput(_WorkflowInput):
    # What the caller asks of the timing; the worker decides the rest (``effective_timing``).
    timing: TimingOverrides = TimingOverrides()
    # Ignored: the worker derives the status-check queue (``contract.status_task_queue``). Kept
    # only so that inputs of payments started before that still decode and replay.
    status_task_queue: SkipJsonSchema[str | None] = Field(default=None, exclude=True)

    @field_validator("timing", mode="before")
    @classmethod
    def _timing(cls, value: Any) -> Any:
        # Python callers may pass a PaymentTiming: the fields they set are their overrides.
        return TimingOverrides.of(value) if isinstance(value, PaymentTiming) else value

    def check(self) -> list[Problem]:
        problems = Problems()
        problems.extend(self.request.check(), prefix="request")  # type: ignore[attr-defined]
        problems.extend(self.timing.check(self._max_deadline_s()), prefix="timing")
        return problems.found

    def _max_deadline_s(self) -> float:
        return TIMING_BOUNDS["deadline_s"][1]

    def default_timing(self, callback_timeout_s: float, poll_interval_s: float, deadline_s: float) -> PaymentTiming:
        """The worker's defaults for this operation, before the caller's overrides."""
        return PaymentTiming(
            callback_timeout_s=callback_timeout_s, poll_interval_s=poll_interval_s, deadline_s=deadline_s
        )

    def effective_timing(self, callback_timeout_s: float, poll_interval_s: float, deadline_s: float) -> PaymentTiming:
        return self.timing.over(self.default_timing(callback_timeout_s, poll_interval_s, deadline_s))


class RequestToPayInput(PatternInput):
    request: RequestToPayRequest


class RequestToWithdrawInput(PatternInput):
    request: RequestToWithdrawRequest


class TransferInput(PatternInput):
    request: TransferRequest


class PreApprovalInput(PatternInput):
    request: PreApprovalRequest


class InvoiceInput(PatternInput):
    request: InvoiceRequest

    def _max_deadline_s(self) -> float:
        return self.request.validity_s + DAY_S

    def default_timing(self, callback_timeout_s: float, poll_interval_s: float, deadline_s: float) -> PaymentTiming:
        """An invoice can be paid at any time until it expires, and its callback can be lost.

        A callback still triggers a check at once. Without one, the first check comes
        ``poll_interval_s`` after creation (many invoices are paid within seconds), then each
        gap is 1.5 times the last, up to one minute: a lost callback is noticed within a minute,
        and an open invoice costs one status check a minute, so 480 invoices open at once stay
        under a credential's 8 checks a second. The deadline leaves ten minutes past expiry.
        """
        return PaymentTiming(
            callback_timeout_s=60.0,
            poll_interval_s=poll_interval_s,
            deadline_s=self.request.validity_s + 600,
        )


class CancelInvoiceInput(PatternInput):
    request: CancelInvoiceRequest
