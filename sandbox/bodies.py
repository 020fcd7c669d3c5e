"""The request bodies of each creation call, checked field by field.

Everything here answers 400 naming the field; currency is left for the
caller to check after the duplicate test, because MTN answers a wrong
currency with 500 INVALID_CURRENCY, not 400.
"""

from __future__ import annotations

from typing import Any, Final

from sandbox.api.error_bodies import bad_request
from sandbox.api.input_checks import (
    check_note,
    optional_string,
    parse_amount,
    parse_json_object,
    parse_party,
    required_string,
)
from sandbox.world.operations import InvoiceInput, PreApprovalInput, TransactionInput

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
