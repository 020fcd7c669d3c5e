"""Balances (and the ledger behind them) and account-holder checks, on both products."""

from __future__ import annotations

import time

import pytest

INVALID_CURRENCY = {"message": "Currency not supported.", "code": "INVALID_CURRENCY"}
NOT_FOUND = {"code": "RESOURCE_NOT_FOUND", "message": "Requested resource was not found."}
PARTY_CODES = {
    "5cecb5a7-8bd0-4f49-87b1-8eb9ecc7b7bc": "NotFound",
    "b0040b3c-b426-4a90-af6e-673e65861cd7": "NotActive",
    "4d5f500f-c385-4901-9be5-25b6d36ad220": "NotAllowed",
    "d2265f9b-0c22-496d-908f-79a65ad66266": "NotAllowedTargetEnvironment",
    "8f548a78-ceb8-4d12-a243-5640b91e91a4": "InternalProcessingError",
    "585c07a4-2c80-42f7-9e73-e586b36dee68": "ServiceUnavailable",
}
# Outcome → (HTTP status, body) of GET .../active.
ANSWERS = {
    "NotFound": (404, NOT_FOUND),
    "NotActive": (200, {"result": False}),
    "NotAllowed": (500, {"code": "NOT_ALLOWED", "message": "The partner is not allowed to perform this operation."}),
    "NotAllowedTargetEnvironment": (
        500,
        {"code": "NOT_ALLOWED_TARGET_ENVIRONMENT", "message": "Access to target environment is forbidden."},
    ),
    "InternalProcessingError": (
        500,
        {"code": "INTERNAL_PROCESSING_ERROR", "message": "An internal error occurred while processing."},
    ),
    "ServiceUnavailable": (503, {"code": "SERVICE_UNAVAILABLE", "message": "Service unavailable."}),
}
TEST_HOLDERS = [
    *[("msisdn", f"4673312345{i}", outcome) for i, outcome in enumerate(ANSWERS)],
    *[("email", f"{outcome.lower()}@email.com", outcome) for outcome in ANSWERS],
    *[("party_code", code, outcome) for code, outcome in PARTY_CODES.items()],
]


async def _get(sim, token, product, path):
    return await sim.http.get(f"/{product}/v1_0{path}", headers=sim.product_headers(token, product))


# --------------------------------------------------------------------------- balance


@pytest.mark.parametrize("product,opening", [("collection", "0"), ("disbursement", "1000000")])
async def test_opening_balances(sim, product, opening):
    token = await sim.token(await sim.provision(product))
    for path in ("/account/balance", "/account/balance/EUR"):
        response = await _get(sim, token, product, path)
        assert (response.status_code, response.json()) == (200, {"availableBalance": opening, "currency": "EUR"})


@pytest.mark.parametrize("product", ["collection", "disbursement"])
async def test_balance_in_another_currency_is_500(sim, product):
    token = await sim.token(await sim.provision(product))
    response = await _get(sim, token, product, "/account/balance/UGX")
    assert (response.status_code, response.json()) == (500, INVALID_CURRENCY)
    assert list(response.json()) == ["message", "code"]


async def test_opening_balances_are_settings(make_sim):
    sim = make_sim(collection_opening_balance="12.50", disbursement_opening_balance="0")
    assert await sim.balance(await sim.login()) == "12.5"
    assert await sim.balance(await sim.login_disbursement(), "disbursement") == "0"


async def test_successful_requests_to_pay_credit_the_collection_account(make_sim):
    sim = make_sim(manual_clock=True, approval_delay_s=1.0)
    token = await sim.login()
    await sim.request_to_pay(token, sim.rtp_body(amount="42.10"))
    await sim.request_to_pay(token, sim.rtp_body(amount="0.90"))
    await sim.request_to_pay(token, sim.rtp_body("46733123451", amount="1000"))  # rejected: no money
    await sim.request_to_pay(token, sim.rtp_body("46733123453", amount="1000"))  # never final
    assert await sim.balance(token) == "0"
    sim.clock.advance(1.0)
    assert await sim.balance(token) == "43"


async def test_each_api_user_has_its_own_accounts(sim):
    first = await sim.login()
    second = await sim.login()
    reference_id, _ = await sim.request_to_pay(first, sim.rtp_body(amount="10"))
    await sim.wait_for_status(first, reference_id, "SUCCESSFUL")
    assert (await sim.balance(first), await sim.balance(second)) == ("10", "0")


async def test_stats_show_every_users_balances(make_sim):
    sim = make_sim(manual_clock=True, approval_delay_s=1.0)
    collector = await sim.provision("collection")
    payer_out = await sim.provision("disbursement")
    await sim.request_to_pay(await sim.token(collector), sim.rtp_body(amount="7.5"))
    await sim.create("transfer", await sim.token(payer_out), sim.transfer_body(amount="2.5"))
    sim.clock.advance(1.0)
    balances = (await sim.stats())["balances"]  # settles first: no GET was needed
    assert balances == {
        collector.user_id: {"collection": "7.5", "disbursement": "1000000", "remittance": "1000000"},
        payer_out.user_id: {"collection": "0", "disbursement": "999997.5", "remittance": "1000000"},
    }


# --------------------------------------------------------------------------- account holders


@pytest.mark.parametrize("product", ["collection", "disbursement", "remittance"])
@pytest.mark.parametrize(
    "id_type,holder",
    [
        ("msisdn", "46733123499"),
        ("MSISDN", "256772123456"),
        ("email", "a.b@example.com"),
        ("party_code", "0f3c2b1a-1111-4222-8333-444455556666"),
    ],
)
async def test_ordinary_holders_are_active(sim, product, id_type, holder):
    token = await sim.token(await sim.provision(product))
    response = await _get(sim, token, product, f"/accountholder/{id_type}/{holder}/active")
    assert (response.status_code, response.json()) == (200, {"result": True})


@pytest.mark.parametrize("id_type,holder,outcome", TEST_HOLDERS, ids=[f"{t}-{o}" for t, _, o in TEST_HOLDERS])
async def test_holder_test_values(sim, id_type, holder, outcome):
    token = await sim.login()
    response = await _get(sim, token, "collection", f"/accountholder/{id_type}/{holder}/active")
    assert (response.status_code, response.json()) == ANSWERS[outcome]


async def test_email_test_values_ignore_case(sim):
    token = await sim.login_disbursement()
    response = await _get(sim, token, "disbursement", "/accountholder/email/NotActive@Email.com/active")
    assert response.json() == {"result": False}


@pytest.mark.parametrize(
    "path",
    [
        "/accountholder/phone/46733123499/active",
        "/accountholder/msisdn/+46733123499/active",
        "/accountholder/email/nobody/active",
        "/accountholder/party_code/not-a-uuid/active",
    ],
)
async def test_bad_holder_type_or_id_is_400(sim, path):
    token = await sim.login()
    response = await _get(sim, token, "collection", path)
    assert (response.status_code, response.json()["code"]) == (400, "BAD_REQUEST")


@pytest.mark.parametrize("product", ["collection", "disbursement"])
async def test_basic_user_info(sim, product):
    token = await sim.token(await sim.provision(product))
    before = int(time.time())
    for holder in ("46733123499", "46733123451"):  # an inactive holder still has a name
        response = await _get(sim, token, product, f"/accountholder/msisdn/{holder}/basicuserinfo")
        assert response.status_code == 200
        body = response.json()
        updated_at = body.pop("updated_at")
        assert body == {
            "sub": "0",
            "name": "Sand Box",
            "given_name": "Sand",
            "family_name": "Box",
            "birthdate": "1976-08-13",
            "locale": "sv_SE",
            "gender": "MALE",
        }
        assert isinstance(updated_at, int) and before - 5 <= updated_at <= time.time() + 5


@pytest.mark.parametrize("holder,outcome", [(f"4673312345{i}", o) for i, o in enumerate(ANSWERS) if o != "NotActive"])
async def test_basic_user_info_errors_follow_the_active_mapping(sim, holder, outcome):
    token = await sim.login()
    response = await _get(sim, token, "collection", f"/accountholder/msisdn/{holder}/basicuserinfo")
    assert (response.status_code, response.json()) == ANSWERS[outcome]


async def test_basic_user_info_is_by_msisdn_only(sim):
    token = await sim.login()
    response = await _get(sim, token, "collection", "/accountholder/email/a@example.com/basicuserinfo")
    assert response.status_code == 400


async def test_holder_checks_need_the_products_own_token(sim):
    token = await sim.login()
    response = await _get(sim, token, "disbursement", "/accountholder/msisdn/46733123499/active")
    assert response.status_code == 401
