"""MTN's sandbox test values: the outcome each test number produces, and account-holder checks.

The payer's (for transfers, the payee's) MSISDN picks a scenario (MTN
"testing" page). For request-to-pay 46733123450-452 MTN documents and
integrators measured the outcome; elsewhere MTN only gives a scenario name,
so this module's reading of those names (an asynchronous FAILED with the
matching reason code) is the simulator's interpretation.

A timeline is fixed when the payment is created, and the status is computed
from the clock whenever someone asks, so outcomes arrive on time whether or
not any background task or ASGI lifespan is running.

Account-holder checks have their own test values: MTN's testing page lists one
value per outcome for each id type (MSISDN, e-mail, party code); everybody else
is an active account holder, as the live sandbox answers for arbitrary numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final, Literal

from sandbox.world.operations import OperationStatus


@dataclass(frozen=True)
class Scenario:
    """How a payer behaves.

    ``outcome`` None means the payer never decides. ``wait`` picks which
    configured delay applies; ``starts_created`` reproduces the undocumented
    CREATED status the "Delayed" number shows before PENDING.
    """

    name: str
    outcome: Literal[OperationStatus.SUCCESSFUL, OperationStatus.FAILED] | None
    reason: str | None = None
    wait: Literal["approval", "delayed"] = "approval"
    starts_created: bool = False


def _failing(name: str, reason: str) -> Scenario:
    return Scenario(name, OperationStatus.FAILED, reason)


SUCCESS: Final = Scenario("Success", OperationStatus.SUCCESSFUL)

REQUEST_TO_PAY_TEST_NUMBERS: Final[dict[str, Scenario]] = {
    "46733123450": _failing("Failed", "INTERNAL_PROCESSING_ERROR"),
    "46733123451": _failing("Rejected", "APPROVAL_REJECTED"),
    "46733123452": _failing("Expired", "EXPIRED"),
    "46733123453": Scenario("Ongoing", None),
    "46733123454": Scenario("Delayed", OperationStatus.SUCCESSFUL, wait="delayed", starts_created=True),
    "46733123455": _failing("NotFound", "PAYER_NOT_FOUND"),
    "46733123456": _failing("PayeeNotAllowedToReceive", "PAYEE_NOT_ALLOWED_TO_RECEIVE"),
    "46733123457": _failing("NotAllowed", "NOT_ALLOWED"),
    "46733123458": _failing("NotAllowedTargetEnvironment", "NOT_ALLOWED_TARGET_ENVIRONMENT"),
    "46733123459": _failing("InvalidCallbackUrlHost", "INVALID_CALLBACK_URL_HOST"),
    "46733123460": _failing("InvalidCurrency", "INVALID_CURRENCY"),
    "46733123461": _failing("InternalProcessingError", "INTERNAL_PROCESSING_ERROR"),
    "46733123462": _failing("ServiceUnavailable", "SERVICE_UNAVAILABLE"),
    "46733123463": _failing("CouldNotPerformTransaction", "COULD_NOT_PERFORM_TRANSACTION"),
}


def _scenario_in(table: dict[str, Scenario], party_id_type: str, party_id: str) -> Scenario:
    """Test numbers apply to MSISDN parties only; every other party succeeds."""
    if party_id_type.upper() != "MSISDN":
        return SUCCESS
    return table.get(party_id, SUCCESS)


def request_to_pay_scenario(party_id_type: str, party_id: str) -> Scenario:
    return _scenario_in(REQUEST_TO_PAY_TEST_NUMBERS, party_id_type, party_id)


# Transfers key on the payee, with MTN's mapping shifted from 455 on. A transfer
# that succeeds still needs the disbursement account to cover it (see sandbox.world.payouts).
TRANSFER_TEST_NUMBERS: Final[dict[str, Scenario]] = {
    "46733123450": _failing("Failed", "INTERNAL_PROCESSING_ERROR"),
    "46733123451": _failing("Rejected", "APPROVAL_REJECTED"),
    "46733123452": _failing("Expired", "EXPIRED"),
    "46733123453": Scenario("Ongoing", None),
    "46733123454": Scenario("Delayed", OperationStatus.SUCCESSFUL, wait="delayed", starts_created=True),
    "46733123455": _failing("NotEnoughFunds", "NOT_ENOUGH_FUNDS"),
    "46733123456": _failing("PayerLimitReached", "PAYER_LIMIT_REACHED"),
    "46733123457": _failing("NotFound", "PAYEE_NOT_FOUND"),
    "46733123458": _failing("NotAllowed", "NOT_ALLOWED"),
    "46733123459": _failing("NotAllowedTargetEnvironment", "NOT_ALLOWED_TARGET_ENVIRONMENT"),
    "46733123460": _failing("InvalidCallbackUrlHost", "INVALID_CALLBACK_URL_HOST"),
    "46733123461": _failing("InvalidCurrency", "INVALID_CURRENCY"),
    "46733123462": _failing("InternalProcessingError", "INTERNAL_PROCESSING_ERROR"),
    "46733123463": _failing("ServiceUnavailable", "SERVICE_UNAVAILABLE"),
}


def transfer_scenario(party_id_type: str, party_id: str) -> Scenario:
    return _scenario_in(TRANSFER_TEST_NUMBERS, party_id_type, party_id)


# Deposits key on the payee with request-to-pay's 450-463 mapping (MTN's testing page); the
# "NotFound" number is the payee here. A deposit that succeeds still needs the disbursement
# account to cover it (see sandbox.world.payouts).
DEPOSIT_TEST_NUMBERS: Final[dict[str, Scenario]] = {
    **REQUEST_TO_PAY_TEST_NUMBERS,
    "46733123455": _failing("NotFound", "PAYEE_NOT_FOUND"),
}


def deposit_scenario(party_id_type: str, party_id: str) -> Scenario:
    return _scenario_in(DEPOSIT_TEST_NUMBERS, party_id_type, party_id)


# Pre-approvals have no CREATED phase: their result schema only knows PENDING, SUCCESSFUL, FAILED.
PRE_APPROVAL_TEST_NUMBERS: Final[dict[str, Scenario]] = {
    "46733123450": _failing("Failed", "INTERNAL_PROCESSING_ERROR"),
    "46733123451": _failing("Rejected", "APPROVAL_REJECTED"),
    "46733123452": _failing("Expired", "EXPIRED"),
    "46733123453": Scenario("Ongoing", None),
    "46733123454": Scenario("Delayed", OperationStatus.SUCCESSFUL, wait="delayed"),
    "46733123455": _failing("NotFound", "PAYER_NOT_FOUND"),
    "46733123456": _failing("NotAllowed", "NOT_ALLOWED"),
    "46733123457": _failing("NotAllowedTargetEnvironment", "NOT_ALLOWED_TARGET_ENVIRONMENT"),
    "46733123458": _failing("InvalidCallbackUrlHost", "INVALID_CALLBACK_URL_HOST"),
    "46733123459": _failing("InvalidCurrency", "INVALID_CURRENCY"),
    "46733123460": _failing("InternalProcessingError", "INTERNAL_PROCESSING_ERROR"),
    "46733123461": _failing("ServiceUnavailable", "SERVICE_UNAVAILABLE"),
}

# "GetApprovedNoneExisting": listing this payer's pre-approvals always gives [].
NO_PRE_APPROVALS_LISTED: Final = "46733123469"


def pre_approval_scenario(party_id_type: str, party_id: str) -> Scenario:
    return _scenario_in(PRE_APPROVAL_TEST_NUMBERS, party_id_type, party_id)


# Intended payers who never pay an invoice by themselves (it stays open until expiry or cancellation).
INVOICE_NON_PAYERS: Final = frozenset({"46733123451", "46733123453"})


def invoice_payer_pays(party_id_type: str, party_id: str) -> bool:
    return party_id_type.upper() != "MSISDN" or party_id not in INVOICE_NON_PAYERS


# Refunds key on ``referenceIdToRefund``: MTN's testing page gives "1"…"13" a scenario each.
REFUND_TEST_VALUES: Final[dict[str, Scenario]] = {
    "1": _failing("NotFound", "RESOURCE_NOT_FOUND"),
    "2": _failing("Failed", "INTERNAL_PROCESSING_ERROR"),
    "3": _failing("Rejected", "APPROVAL_REJECTED"),
    "4": _failing("Expired", "EXPIRED"),
    "5": Scenario("Ongoing", None),
    "6": Scenario("Delayed", OperationStatus.SUCCESSFUL, wait="delayed", starts_created=True),
    "7": _failing("NotAllowed", "NOT_ALLOWED"),
    "8": _failing("NotAllowedTargetEnvironment", "NOT_ALLOWED_TARGET_ENVIRONMENT"),
    "9": _failing("InvalidCallbackUrlHost", "INVALID_CALLBACK_URL_HOST"),
    "10": _failing("InvalidCurrency", "INVALID_CURRENCY"),
    "11": _failing("InternalProcessingError", "INTERNAL_PROCESSING_ERROR"),
    "12": _failing("ServiceUnavailable", "SERVICE_UNAVAILABLE"),
    "13": _failing("CouldNotPerformTransaction", "COULD_NOT_PERFORM_TRANSACTION"),
}


def refund_scenario(reference_id_to_refund: str) -> Scenario:
    """A test value's scenario; any other refund succeeds unless the refunded payment forbids it."""
    return REFUND_TEST_VALUES.get(reference_id_to_refund, SUCCESS)


@dataclass(frozen=True)
class Timeline:
    """When a payment changes status, as instants on the sandbox's monotonic clock."""

    pending_from: float  # CREATED before this instant, PENDING from it
    final_at: float | None  # None: never final
    final_status: OperationStatus | None
    reason: str | None

    @classmethod
    def plan(
        cls, scenario: Scenario, created_at: float, approval_delay_s: float, delayed_approval_s: float
    ) -> Timeline:
        delay = delayed_approval_s if scenario.wait == "delayed" else approval_delay_s
        # The "Delayed" payer shows CREATED for the first half of its wait, then PENDING.
        pending_from = created_at + delay / 2 if scenario.starts_created else created_at
        final_at = None if scenario.outcome is None else created_at + delay
        return cls(pending_from, final_at, scenario.outcome, scenario.reason)

    def is_final_at(self, now: float) -> bool:
        return self.final_at is not None and now >= self.final_at

    def status_at(self, now: float) -> tuple[OperationStatus, str | None]:
        """The status and failure reason (None unless FAILED) at ``now``."""
        if self.is_final_at(now):
            assert self.final_status is not None
            return self.final_status, self.reason
        if now < self.pending_from:
            return OperationStatus.CREATED, None
        return OperationStatus.PENDING, None


class HolderOutcome(StrEnum):
    ACTIVE = "Active"
    NOT_FOUND = "NotFound"
    NOT_ACTIVE = "NotActive"
    NOT_ALLOWED = "NotAllowed"
    NOT_ALLOWED_TARGET_ENVIRONMENT = "NotAllowedTargetEnvironment"
    INTERNAL_PROCESSING_ERROR = "InternalProcessingError"
    SERVICE_UNAVAILABLE = "ServiceUnavailable"


# The HTTP status and platform code a failing check answers with.
HOLDER_ERRORS: Final[dict[HolderOutcome, tuple[int, str]]] = {
    HolderOutcome.NOT_FOUND: (404, "RESOURCE_NOT_FOUND"),
    HolderOutcome.NOT_ALLOWED: (500, "NOT_ALLOWED"),
    HolderOutcome.NOT_ALLOWED_TARGET_ENVIRONMENT: (500, "NOT_ALLOWED_TARGET_ENVIRONMENT"),
    HolderOutcome.INTERNAL_PROCESSING_ERROR: (500, "INTERNAL_PROCESSING_ERROR"),
    HolderOutcome.SERVICE_UNAVAILABLE: (503, "SERVICE_UNAVAILABLE"),
}

_ORDER: Final = (
    HolderOutcome.NOT_FOUND,
    HolderOutcome.NOT_ACTIVE,
    HolderOutcome.NOT_ALLOWED,
    HolderOutcome.NOT_ALLOWED_TARGET_ENVIRONMENT,
    HolderOutcome.INTERNAL_PROCESSING_ERROR,
    HolderOutcome.SERVICE_UNAVAILABLE,
)

TEST_HOLDERS: Final[dict[str, dict[str, HolderOutcome]]] = {
    "msisdn": {f"4673312345{i}": outcome for i, outcome in enumerate(_ORDER)},
    "email": {f"{outcome.value.lower()}@email.com": outcome for outcome in _ORDER},
    "party_code": dict(
        zip(
            (
                "5cecb5a7-8bd0-4f49-87b1-8eb9ecc7b7bc",
                "b0040b3c-b426-4a90-af6e-673e65861cd7",
                "4d5f500f-c385-4901-9be5-25b6d36ad220",
                "d2265f9b-0c22-496d-908f-79a65ad66266",
                "8f548a78-ceb8-4d12-a243-5640b91e91a4",
                "585c07a4-2c80-42f7-9e73-e586b36dee68",
            ),
            _ORDER,
            strict=True,
        )
    ),
}


def holder_outcome(id_type: str, holder_id: str) -> HolderOutcome:
    """``id_type`` is the lower-case path segment (msisdn, email, party_code)."""
    key = holder_id if id_type == "msisdn" else holder_id.lower()
    return TEST_HOLDERS.get(id_type, {}).get(key, HolderOutcome.ACTIVE)
