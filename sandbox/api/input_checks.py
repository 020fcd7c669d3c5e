"""Reading what a client sent: headers, fields and the body of each creation call.

Each check raises :class:`sandbox.api.error_bodies.ApiError` with a message
naming the offending header or field, so a client developer sees at once what
to fix. Most problems are 400s; currency and callback host are 500s, and the
body parsers leave currency for the caller to check after the duplicate test,
because MTN answers a wrong currency with 500 INVALID_CURRENCY, not 400.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any, Final
from urllib.parse import urlsplit

from sandbox.api.error_bodies import bad_request, platform_error
from sandbox.world.operations import InvoiceInput, Party, PreApprovalInput, RefundInput, TransactionInput

_UUID4: Final = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", re.IGNORECASE)
_ANY_UUID: Final = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)
_MSISDN: Final = re.compile(r"^\d{5,15}$")
_EMAIL: Final = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_NOTE_LENGTH: Final = 160
# MTN rejects apostrophes and ampersands in notes; angle brackets are refused as markup.
FORBIDDEN_NOTE_CHARACTERS: Final = "'&<>"
PARTY_ID_TYPES: Final = frozenset({"MSISDN", "EMAIL", "PARTY_CODE"})
SANDBOX_CURRENCY: Final = "EUR"


def is_uuid4(value: str | None) -> bool:
    return value is not None and _UUID4.match(value.strip()) is not None


def require_reference_id(value: str | None, header: str = "X-Reference-Id") -> str:
    """The client's resource id: present and a canonical UUID version 4."""
    if value is None or not value.strip():
        raise bad_request(f"Header {header} is missing.")
    if not is_uuid4(value):
        raise bad_request(f"Header {header} must be a UUID version 4.")
    return value.strip()


def parse_json_object(raw: bytes) -> dict[str, Any]:
    """Decode a JSON object body, keeping numbers exact (Decimal, never float)."""
    if not raw.strip():
        raise bad_request("Request body is missing.")
    try:
        data = json.loads(raw, parse_float=Decimal)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise bad_request("Request body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise bad_request("Request body must be a JSON object.")
    return data


def optional_string(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise bad_request(f"Field {name} must be a string.")
    return value


def required_string(body: dict[str, Any], name: str) -> str:
    value = optional_string(body, name)
    if value is None or not value.strip():
        raise bad_request(f"Field {name} is required.")
    return value


def parse_amount(value: Any) -> Decimal:
    """A positive, finite decimal given as a string (MTN's type) or a JSON number."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise bad_request("Field amount is required.")
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        raise bad_request("Field amount must be a decimal number in a string.")
    try:
        amount = Decimal(value.strip()) if isinstance(value, str) else Decimal(value)
    except InvalidOperation:
        raise bad_request("Field amount must be a decimal number.") from None
    if not amount.is_finite() or amount <= 0:
        raise bad_request("Field amount must be a positive decimal number.")
    return amount


def check_note(body: dict[str, Any], name: str) -> str | None:
    """payerMessage / payeeNote: optional, at most 160 characters, no ``' & < >``."""
    value = optional_string(body, name)
    if value is None:
        return None
    if len(value) > MAX_NOTE_LENGTH:
        raise bad_request(f"Field {name} must be at most {MAX_NOTE_LENGTH} characters.")
    bad = sorted({ch for ch in value if ch in FORBIDDEN_NOTE_CHARACTERS})
    if bad:
        raise bad_request(f"Field {name} contains unsupported characters: {' '.join(bad)}")
    return value


def check_party_id(kind: str, party_id: str, name: str) -> None:
    """An id that matches its (upper-case) type: digits for MSISDN, an address for EMAIL, a UUID for PARTY_CODE."""
    if kind == "MSISDN" and not _MSISDN.match(party_id):
        raise bad_request(f"{name} is not a valid MSISDN (digits only, international format).")
    if kind == "EMAIL" and not _EMAIL.match(party_id):
        raise bad_request(f"{name} is not a valid e-mail address.")
    if kind == "PARTY_CODE" and not _ANY_UUID.match(party_id):
        raise bad_request(f"{name} is not a valid party code (UUID).")


def parse_party(value: Any, name: str) -> Party:
    """A ``{partyIdType, partyId}`` object whose id matches its type."""
    if not isinstance(value, dict):
        raise bad_request(f"Field {name} is required and must be an object.")
    id_type = required_string(value, "partyIdType")
    party_id = required_string(value, "partyId")
    kind = id_type.upper()
    if kind not in PARTY_ID_TYPES:
        raise bad_request(f"Field {name}.partyIdType must be one of MSISDN, EMAIL, PARTY_CODE.")
    check_party_id(kind, party_id, f"Field {name}.partyId")
    return Party(id_type, party_id)


def require_sandbox_currency(currency: str) -> None:
    if currency != SANDBOX_CURRENCY:
        raise platform_error(500, "INVALID_CURRENCY")


def hostname_of(value: str) -> str | None:
    """The lower-cased host of a URL or of a bare ``host[:port][/path]``."""
    text = value.strip()
    if not text:
        return None
    parts = urlsplit(text if "://" in text else f"//{text}")
    try:
        host = parts.hostname
    except ValueError:
        return None
    return host.lower() if host else None


def require_matching_callback_host(callback_url: str, provider_callback_host: str) -> None:
    """X-Callback-Url must point at the API user's providerCallbackHost (scheme and port ignored)."""
    callback_host = hostname_of(callback_url) if "://" in callback_url else None
    if callback_host is None or callback_host != hostname_of(provider_callback_host):
        raise platform_error(500, "INVALID_CALLBACK_URL_HOST")


# Ten years: longer validities are surely a unit mistake, and they keep date arithmetic in range.
MAX_VALIDITY_S: Final = 10 * 365 * 24 * 3600


def _transaction(raw: bytes, party_field: str) -> TransactionInput:
    body = parse_json_object(raw)
    amount = parse_amount(body.get("amount"))
    currency = required_string(body, "currency")
    external_id = optional_string(body, "externalId")
    party = parse_party(body.get(party_field), party_field)
    payer_message = check_note(body, "payerMessage")
    payee_note = check_note(body, "payeeNote")
    return TransactionInput(amount, currency, external_id, party, payer_message, payee_note)


def parse_request_to_pay(raw: bytes) -> TransactionInput:
    return _transaction(raw, "payer")


def parse_transfer(raw: bytes) -> TransactionInput:
    return _transaction(raw, "payee")


def parse_refund(raw: bytes) -> RefundInput:
    """A refund body; ``referenceIdToRefund`` is any non-empty string (MTN's test values are "1"…"13")."""
    body = parse_json_object(raw)
    amount = parse_amount(body.get("amount"))
    currency = required_string(body, "currency")
    external_id = optional_string(body, "externalId")
    payer_message = check_note(body, "payerMessage")
    payee_note = check_note(body, "payeeNote")
    reference_id_to_refund = required_string(body, "referenceIdToRefund")
    return RefundInput(amount, currency, external_id, payer_message, payee_note, reference_id_to_refund)


def _seconds(value: Any, name: str, *, digits_allowed: bool) -> int:
    """A whole, positive number of seconds; a digit string too where MTN types it as a string."""
    if isinstance(value, str) and digits_allowed and value.strip().isdigit():
        value = int(value.strip())
    if value is None:
        raise bad_request(f"Field {name} is required.")
    if isinstance(value, bool) or not isinstance(value, int):
        kind = "a string of whole seconds" if digits_allowed else "an integer number of seconds"
        raise bad_request(f"Field {name} must be {kind}.")
    if value <= 0:
        raise bad_request(f"Field {name} must be greater than 0.")
    if value > MAX_VALIDITY_S:
        raise bad_request(f"Field {name} must be at most {MAX_VALIDITY_S} seconds.")
    return value


def parse_pre_approval(raw: bytes) -> PreApprovalInput:
    body = parse_json_object(raw)
    payer = parse_party(body.get("payer"), "payer")
    currency = required_string(body, "payerCurrency")
    payer_message = check_note(body, "payerMessage")
    validity_s = _seconds(body.get("validityTime"), "validityTime", digits_allowed=False)
    return PreApprovalInput(payer, currency, payer_message, validity_s)


def parse_invoice(raw: bytes) -> InvoiceInput:
    body = parse_json_object(raw)
    external_id = optional_string(body, "externalId")
    amount = parse_amount(body.get("amount"))
    currency = required_string(body, "currency")
    validity_s = _seconds(body.get("validityDuration"), "validityDuration", digits_allowed=True)
    intended_payer = parse_party(body.get("intendedPayer"), "intendedPayer")
    payee = parse_party(body.get("payee"), "payee")
    description = check_note(body, "description")
    return InvoiceInput(external_id, amount, currency, validity_s, intended_payer, payee, description)


def parse_invoice_cancellation(raw: bytes) -> str:
    """The DELETE body ``{"externalId": "..."}``; returns the external id."""
    return required_string(parse_json_object(raw), "externalId")


def parse_customer_payment(raw: bytes) -> str:
    """The customer side's ``{"payer": "<partyId>"}``; returns the paying customer's id."""
    return required_string(parse_json_object(raw), "payer").strip()


_LANGUAGE: Final = re.compile(r"^[A-Za-z]{2,3}$")


def parse_delivery_notification(
    message_header: str | None, language_header: str | None, raw: bytes
) -> tuple[str, str | None]:
    """The ``notificationMessage`` header (required, like MTN's spec says) and ``Language`` (ISO 639-1 or -3).

    The JSON body ``{"notificationMessage": "..."}`` that MTN's SDKs also send is
    optional; when present it must be a readable note too. The header is what is sent.
    """
    if message_header is None or not message_header.strip():
        raise bad_request("Header notificationMessage is missing.")
    _check_notification(message_header, "Header notificationMessage")
    if raw.strip():
        body = parse_json_object(raw)
        in_body = optional_string(body, "notificationMessage")
        if in_body is not None:
            _check_notification(in_body, "Field notificationMessage")
    language = (language_header or "").strip() or None
    if language is not None and not _LANGUAGE.match(language):
        raise bad_request("Header Language must be an ISO 639-1 or ISO 639-3 language code such as 'en'.")
    return message_header, language


def _check_notification(value: str, name: str) -> None:
    if len(value) > MAX_NOTE_LENGTH:
        raise bad_request(f"{name} must be at most {MAX_NOTE_LENGTH} characters.")
    bad = sorted({ch for ch in value if ch in FORBIDDEN_NOTE_CHARACTERS})
    if bad:
        raise bad_request(f"{name} contains unsupported characters: {' '.join(bad)}")
