"""Input validation: every rule names the field and the problem; decoding checks types only."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from momo.models import RequestToPayResult
from momoflow.operations import RequestToPayInput, RequestToPayRequest
from momoflow.validation import InvalidRequest, decoding_problems, describe


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
        ({"amount": "abc"}, "amount: Input should be a valid decimal"),
        ({"amount": 1.5}, "amount: give a decimal string"),
        ({"amount": "NaN"}, "amount: Input should be a finite number"),
        ({"currency": "eur"}, "currency: 'eur' is not an ISO 4217 currency code"),
        ({"currency": "ABC"}, "currency: 'ABC' is not an ISO 4217 currency code"),
        ({"payer": {"party_id_type": "MSISDN", "party_id": "+46733123454"}}, "party_id: an MSISDN must be"),
        ({"payer": {"party_id_type": "EMAIL", "party_id": "not-an-email"}}, "party_id: not a valid email"),
        ({"payer": {"party_id_type": "PHONE", "party_id": "1"}}, "party_id_type"),
        ({"external_id": ""}, "external_id: 1 to 64"),
        ({"external_id": "order 1"}, "external_id: 1 to 64"),
        ({"external_id": "ORDER-46733123454"}, "external_id: must not contain the payer's phone number"),
        ({"payer_message": "Tom's shop"}, 'payer_message: contains characters MoMo rejects: "\'"'),
        ({"payee_note": "x" * 161}, "payee_note: at most 160 characters, got 161"),
    ],
)
def test_bad_input_names_field_and_rule(overrides: dict[str, object], message: str) -> None:
    try:
        request = RequestToPayRequest.model_validate(_request(**overrides))
    except ValidationError as exc:  # a type rule
        problems = describe(decoding_problems(exc))
    else:  # a business rule
        problems = describe(request.check())
    assert message in problems


def test_decoding_leaves_business_rules_to_check() -> None:
    # Business rules are not validators: a payment recorded under an older, looser rule still decodes.
    request = RequestToPayRequest.model_validate(_request(amount="-5", payer_message="x" * 500))
    assert [str(problem) for problem in request.check()] == [
        "amount: must be greater than zero",
        "payer_message: at most 160 characters, got 500",
    ]


def test_a_workflow_input_that_does_not_decode_is_an_invalid_request() -> None:
    with pytest.raises(InvalidRequest) as info:
        RequestToPayInput.model_validate(
            {"request": _request(amount=1.5, payer=None), "timing": {"deadline_s": "soon"}}
        )
    error = info.value
    assert error.type == "INVALID_REQUEST" and error.non_retryable
    assert {item["field"] for item in error.details[0]} == {"request.amount", "request.payer", "timing.deadline_s"}


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
