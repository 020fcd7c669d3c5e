"""POST/GET requesttopay: acceptance, idempotency and every synchronous refusal."""

from __future__ import annotations

import json
import uuid

import pytest

NOT_FOUND = {"code": "RESOURCE_NOT_FOUND", "message": "Requested resource was not found."}
DUPLICATE = {"code": "RESOURCE_ALREADY_EXIST", "message": "Duplicated reference id. Creation of resource failed."}


async def test_accepted_with_202_and_an_empty_body(sim):
    token = await sim.login()
    reference_id, response = await sim.request_to_pay(token)
    assert response.status_code == 202
    assert response.content == b""
    assert response.headers["content-length"] == "0"
    assert (await sim.stats())["posts_accepted"] == {reference_id: 1}


async def test_reused_reference_id_is_409_even_with_another_body(sim):
    token = await sim.login()
    reference_id, first = await sim.request_to_pay(token)
    _, again = await sim.request_to_pay(token, sim.rtp_body(amount="5"), reference_id=reference_id)
    assert first.status_code == 202
    assert (again.status_code, again.json()) == (409, DUPLICATE)
    stats = await sim.stats()
    assert stats["posts_accepted"] == {reference_id: 1}
    assert stats["posts_rejected_duplicate"] == {reference_id: 1}
    body = (await sim.status(token, reference_id)).json()
    assert body["amount"] == "100"  # the first request stands


async def test_status_echoes_the_request_with_a_normalised_amount(make_sim):
    sim = make_sim(manual_clock=True)
    token = await sim.login()
    body = sim.rtp_body(amount="12.50", externalId="ext-7", payerMessage="Hi", payeeNote="Note")
    reference_id, _ = await sim.request_to_pay(token, body)
    status = (await sim.status(token, reference_id)).json()
    assert status == {
        "externalId": "ext-7",
        "amount": "12.5",
        "currency": "EUR",
        "payer": {"partyIdType": "MSISDN", "partyId": sim.ORDINARY_PAYER},
        "payerMessage": "Hi",
        "payeeNote": "Note",
        "status": "PENDING",
    }


async def test_optional_fields_may_be_left_out(sim):
    token = await sim.login()
    body = {"amount": "1", "currency": "EUR", "payer": {"partyIdType": "MSISDN", "partyId": "46733123499"}}
    reference_id, response = await sim.request_to_pay(token, body)
    assert response.status_code == 202
    status = (await sim.status(token, reference_id)).json()
    assert set(status) == {"amount", "currency", "payer", "status"}


# Fixed values: a UUID1 and a braced UUID4 (test ids must be the same in every test process).
@pytest.mark.parametrize(
    "reference_id",
    ["", "1234", "b3fffd98-eccb-11f1-877a-02fc00000001", "{7781ffd4-c283-4f76-b825-8280af3158cc}"],
)
async def test_reference_id_must_be_uuid4(sim, reference_id):
    token = await sim.login()
    headers = sim.product_headers(token, **{"X-Reference-Id": reference_id})
    response = await sim.http.post("/collection/v1_0/requesttopay", json=sim.rtp_body(), headers=headers)
    assert response.status_code == 400
    assert response.json()["code"] == "BAD_REQUEST"
    assert "X-Reference-Id" in response.json()["message"]


async def test_missing_reference_id_is_400(sim):
    token = await sim.login()
    response = await sim.http.post(
        "/collection/v1_0/requesttopay", json=sim.rtp_body(), headers=sim.product_headers(token)
    )
    assert response.status_code == 400


BAD_BODIES = {
    "amount-missing": ({"amount": None}, "amount"),
    "amount-text": ({"amount": "ten"}, "amount"),
    "amount-zero": ({"amount": "0"}, "amount"),
    "amount-negative": ({"amount": "-5"}, "amount"),
    "amount-nan": ({"amount": "NaN"}, "amount"),
    "amount-bool": ({"amount": True}, "amount"),
    "currency-missing": ({"currency": None}, "currency"),
    "payer-missing": ({"payer": None}, "payer"),
    "payer-type": ({"payer": {"partyIdType": "PHONE", "partyId": "46733123499"}}, "partyIdType"),
    "payer-msisdn": ({"payer": {"partyIdType": "MSISDN", "partyId": "+46 733"}}, "partyId"),
    "payer-email": ({"payer": {"partyIdType": "EMAIL", "partyId": "nobody"}}, "partyId"),
    "payer-code": ({"payer": {"partyIdType": "PARTY_CODE", "partyId": "abc"}}, "partyId"),
    "external-id-type": ({"externalId": 12}, "externalId"),
    "message-too-long": ({"payerMessage": "x" * 161}, "payerMessage"),
    "note-too-long": ({"payeeNote": "y" * 161}, "payeeNote"),
    "message-apostrophe": ({"payerMessage": "Bob's shop"}, "payerMessage"),
    "note-ampersand": ({"payeeNote": "fish & chips"}, "payeeNote"),
    "message-markup": ({"payerMessage": "<b>hi</b>"}, "payerMessage"),
}


@pytest.mark.parametrize("change,field", BAD_BODIES.values(), ids=BAD_BODIES.keys())
async def test_invalid_body_is_400_naming_the_field(sim, change, field):
    token = await sim.login()
    body = {k: v for k, v in {**sim.rtp_body(), **change}.items() if v is not None}
    reference_id, response = await sim.request_to_pay(token, body)
    assert response.status_code == 400
    assert response.json()["code"] == "BAD_REQUEST"
    assert field in response.json()["message"]
    assert (await sim.status(token, reference_id)).status_code == 404  # nothing was created


async def test_160_characters_are_still_fine(sim):
    token = await sim.login()
    _, response = await sim.request_to_pay(token, sim.rtp_body(payerMessage="m" * 160, payeeNote="n" * 160))
    assert response.status_code == 202


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b""], ids=["malformed", "array", "empty"])
async def test_body_must_be_a_json_object(sim, raw):
    token = await sim.login()
    headers = sim.product_headers(token, **{"X-Reference-Id": str(uuid.uuid4()), "Content-Type": "application/json"})
    response = await sim.http.post("/collection/v1_0/requesttopay", content=raw, headers=headers)
    assert response.status_code == 400


async def test_amount_as_json_number_is_accepted_exactly(sim):
    token = await sim.login()
    headers = sim.product_headers(token, **{"X-Reference-Id": str(uuid.uuid4()), "Content-Type": "application/json"})
    raw = json.dumps(sim.rtp_body()).replace('"100"', "0.10").encode()
    response = await sim.http.post("/collection/v1_0/requesttopay", content=raw, headers=headers)
    assert response.status_code == 202
    status = (await sim.status(token, headers["X-Reference-Id"])).json()
    assert status["amount"] == "0.1"


async def test_other_currency_is_500_invalid_currency(sim):
    token = await sim.login()
    reference_id, response = await sim.request_to_pay(token, sim.rtp_body(currency="UGX"))
    assert response.status_code == 500
    assert response.json() == {"message": "Currency not supported.", "code": "INVALID_CURRENCY"}
    assert list(response.json()) == ["message", "code"]  # measured key order
    assert (await sim.status(token, reference_id)).status_code == 404


@pytest.mark.parametrize(
    "provider_host,callback_url",
    [
        ("127.0.0.1", "http://127.0.0.1:9999/cb"),
        ("Webhook.Example.com", "https://webhook.example.COM/momo?sig=1"),
        ("https://webhook.example.com:8443/base", "http://webhook.example.com/other"),
        ("webhook.example.com:8091", "https://webhook.example.com/cb"),
    ],
)
async def test_callback_host_matches_ignoring_case_scheme_and_port(sim, provider_host, callback_url):
    token = await sim.login(callback_host=provider_host)
    _, response = await sim.request_to_pay(token, callback_url=callback_url)
    assert response.status_code == 202


@pytest.mark.parametrize(
    "callback_url", ["http://evil.example.com/cb", "http://127.0.0.2/cb", "127.0.0.1/cb", "not a url"]
)
async def test_callback_host_mismatch_is_500(sim, callback_url):
    token = await sim.login(callback_host="127.0.0.1")
    reference_id, response = await sim.request_to_pay(token, callback_url=callback_url)
    assert response.status_code == 500
    assert response.json() == {
        "code": "INVALID_CALLBACK_URL_HOST",
        "message": "Callback URL does not match the configured value.",
    }
    assert (await sim.stats())["posts_accepted"] == {}


async def test_unknown_reference_is_404(sim):
    token = await sim.login()
    response = await sim.status(token, str(uuid.uuid4()))
    assert (response.status_code, response.json()) == (404, NOT_FOUND)


async def test_malformed_reference_in_path_is_400(sim):
    token = await sim.login()
    assert (await sim.status(token, "12345")).status_code == 400


async def test_another_api_users_payment_is_404(sim):
    owner = await sim.login()
    stranger = await sim.login()
    reference_id, _ = await sim.request_to_pay(owner)
    assert (await sim.status(owner, reference_id)).status_code == 200
    response = await sim.status(stranger, reference_id)
    assert (response.status_code, response.json()) == (404, NOT_FOUND)


async def test_reference_ids_are_case_insensitive(sim):
    token = await sim.login()
    reference_id, _ = await sim.request_to_pay(token)
    assert (await sim.status(token, reference_id.upper())).status_code == 200
    _, again = await sim.request_to_pay(token, reference_id=reference_id.upper())
    assert again.status_code == 409


async def test_unknown_paths_get_the_gateway_404(sim):
    response = await sim.http.get("/collection/v1_0/nothing-here")
    assert (response.status_code, response.json()) == (404, {"statusCode": 404, "message": "Resource not found"})
