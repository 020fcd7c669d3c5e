"""Input validation: every rule names the field and the problem."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from momo.models import RequestToPayResult
from momoflow.operations import RequestToPayRequest


def _request(**overrides: object) -> dict[str, object]:
    base: dict[str, object] = {
        "amount": "500",
        "currency": "EUR",
        "payer": {"party_id_type": "MSISDN", "party_id": "46733123454"},
        "external_id": "ORDER-1",
    }
    return {**base, **overrides}


def test_valid_request_keeps_decimal_amount() -> None:
    request = RequestToPayRequest.model_validate(_request(amount="12.50"))
    assert request.amount == Decimal("12.50")
    assert request.model_dump(mode="json")["amount"] == "12.50"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"amount": "0"}, "amount: must be greater than zero"),
        ({"amount": "-5"}, "amount: must be greater than zero"),
        ({"amount": "1.005"}, "amount: at most 2 decimal places"),
        ({"amount": "abc"}, "amount: 'abc' is not a decimal number"),
        ({"amount": 1.5}, "amount: give a decimal string"),
        ({"amount": "NaN"}, "amount: must be a finite number"),
        ({"currency": "eur"}, "currency: 'eur' is not an ISO 4217 currency code"),
        ({"currency": "ABC"}, "currency: 'ABC' is not an ISO 4217 currency code"),
        ({"payer": {"party_id_type": "MSISDN", "party_id": "+46733123454"}}, "party_id: an MSISDN must be"),
        ({"payer": {"party_id_type": "EMAIL", "party_id": "not-an-email"}}, "party_id: not a valid email"),
        ({"payer": {"party_id_type": "PHONE", "party_id": "1"}}, "party_id_type"),
        ({"external_id": ""}, "external_id: 1 to 64"),
        ({"external_id": "order 1"}, "external_id: 1 to 64"),
        ({"external_id": "ORDER-46733123454"}, "external_id: must not contain the payer's phone number"),
        ({"payer_message": "Tom's shop"}, "payer_message: contains characters MoMo rejects: \"'\""),
        ({"payee_note": "x" * 161}, "payee_note: at most 160 characters, got 161"),
    ],
)
def test_bad_input_names_field_and_rule(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError) as info:
        RequestToPayRequest.model_validate(_request(**overrides))
    assert message in str(info.value)


def test_fingerprint_ignores_payer_but_not_amount() -> None:
    a = RequestToPayRequest.model_validate(_request())
    b = RequestToPayRequest.model_validate(_request(payer={"party_id_type": "MSISDN", "party_id": "46733123450"}))
    c = RequestToPayRequest.model_validate(_request(amount="501"))
    assert a.fingerprint() == b.fingerprint() != c.fingerprint()


def test_party_repr_is_masked() -> None:
    request = RequestToPayRequest.model_validate(_request())
    assert "46733123454" not in repr(request.payer)


@pytest.mark.parametrize("reason", ["APPROVAL_REJECTED", {"code": "APPROVAL_REJECTED", "message": "Rejected"}])
def test_status_reason_in_both_forms(reason: object) -> None:
    result = RequestToPayResult.model_validate({"status": "FAILED", "reason": reason})
    assert result.reason_code == "APPROVAL_REJECTED"
