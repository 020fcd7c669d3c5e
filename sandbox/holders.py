"""Account-holder test values: who is unknown, inactive, or makes the check itself fail.

MTN's testing page lists one value per outcome for each id type (MSISDN,
e-mail, party code). Everybody else is an active account holder, which is
what the live sandbox answers for arbitrary numbers.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final


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
