"""Token endpoint and the bearer/subscription/target-environment checks on product calls."""

from __future__ import annotations

import asyncio
import base64
import json

import pytest

BAD_SUBSCRIPTION = {
    "statusCode": 401,
    "message": "Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription.",
}
BAD_TOKEN = {"statusCode": 401, "message": "Access denied due to invalid or expired access token."}
FORBIDDEN_ENV = {"code": "NOT_ALLOWED_TARGET_ENVIRONMENT", "message": "Access to target environment is forbidden."}


def _jwt_payload(token: str) -> dict[str, str]:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


async def test_token_success_shape_and_count(sim):
    credentials = await sim.provision()
    response = await sim.request_token(credentials)
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "access_token"
    assert body["expires_in"] == 3600
    assert body["access_token"].count(".") == 2
    assert _jwt_payload(body["access_token"])["clientId"] == credentials.user_id
    assert (await sim.stats())["tokens_issued"] == {"collection": 1, "disbursement": 0, "remittance": 0}


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"json": {}}, {"json": {"grant_type": "client_credentials"}}],
    ids=["no-body", "empty-object", "grant-type"],
)
async def test_token_accepts_the_bodies_clients_send(sim, kwargs):
    credentials = await sim.provision()
    response = await sim.request_token(credentials, **kwargs)
    assert response.status_code == 200


async def test_path_without_trailing_slash_also_works(sim):
    credentials = await sim.provision()
    response = await sim.http.post(
        "/collection/token",
        headers={"Authorization": credentials.basic(), "Ocp-Apim-Subscription-Key": sim.key("collection")},
    )
    assert response.status_code == 200


async def test_wrong_key_unknown_user_or_garbage_is_500_login_failed(sim):
    credentials = await sim.provision()
    attempts = [
        {"Authorization": sim.Credentials(credentials.user_id, "0" * 32, "collection").basic()},
        {"Authorization": sim.Credentials("3f1c6a0e-0000-4000-8000-000000000000", credentials.api_key, "c").basic()},
        {"Authorization": "Basic !!!not-base64"},
        {"Authorization": f"Bearer {credentials.api_key}"},
        {},
    ]
    for headers in attempts:
        response = await sim.http.post(
            "/collection/token/", headers={**headers, "Ocp-Apim-Subscription-Key": sim.key("collection")}
        )
        assert response.status_code == 500
        assert response.json() == {"error": "login_failed"}
        assert response.headers["cache-control"] == "no-store"
    assert (await sim.stats())["tokens_issued"]["collection"] == 0


async def test_bad_subscription_key_on_token_is_401(sim):
    credentials = await sim.provision()
    for key in (None, "wrong", sim.key("disbursement")):
        headers = {"Authorization": credentials.basic()}
        if key is not None:
            headers["Ocp-Apim-Subscription-Key"] = key
        response = await sim.http.post("/collection/token/", headers=headers)
        assert (response.status_code, response.json()) == (401, BAD_SUBSCRIPTION)


async def test_subscription_key_may_come_as_query_parameter(sim):
    credentials = await sim.provision()
    response = await sim.http.post(
        "/collection/token/",
        params={"subscription-key": sim.key("collection")},
        headers={"Authorization": credentials.basic()},
    )
    assert response.status_code == 200


async def test_user_is_bound_to_the_product_that_created_it(sim):
    collection_user = await sim.provision("collection")
    response = await sim.request_token(collection_user, product="disbursement")
    assert (response.status_code, response.json()) == (500, FORBIDDEN_ENV)

    disbursement_user = await sim.provision("disbursement")
    assert (await sim.request_token(disbursement_user)).status_code == 200
    assert (await sim.request_token(disbursement_user, product="collection")).status_code == 500
    assert (await sim.stats())["tokens_issued"] == {"collection": 0, "disbursement": 1, "remittance": 0}


async def test_product_calls_need_a_bearer_issued_here_for_this_product(sim):
    collection_token = await sim.login()
    disbursement_token = await sim.token(await sim.provision("disbursement"))
    for bearer in ("Bearer not-a-token", f"Bearer {disbursement_token}", collection_token, ""):
        headers = sim.product_headers(collection_token)
        headers["Authorization"] = bearer
        _, response = await sim.request_to_pay(collection_token, headers=headers)
        assert (response.status_code, response.json()) == (401, BAD_TOKEN), bearer


async def test_expired_token_is_refused(make_sim):
    sim = make_sim(manual_clock=True, token_ttl_s=60)
    token = await sim.login()
    sim.clock.advance(59.9)
    _, fresh = await sim.request_to_pay(token)
    assert fresh.status_code == 202
    sim.clock.advance(0.1)
    _, stale = await sim.request_to_pay(token)
    assert (stale.status_code, stale.json()) == (401, BAD_TOKEN)


async def test_product_calls_check_the_subscription_key_first(sim):
    token = await sim.login()
    for key in ("wrong", sim.key("disbursement")):
        _, response = await sim.request_to_pay(token, headers={"Ocp-Apim-Subscription-Key": key})
        assert (response.status_code, response.json()) == (401, BAD_SUBSCRIPTION)


async def test_target_environment_must_be_sandbox(sim):
    token = await sim.login()
    for value in ("mtnuganda", ""):
        _, response = await sim.request_to_pay(token, headers={"X-Target-Environment": value})
        assert (response.status_code, response.json()) == (500, FORBIDDEN_ENV)
    headers = sim.product_headers(token)
    del headers["X-Target-Environment"]
    missing = await sim.http.get(f"/collection/v1_0/requesttopay/{'0' * 8}-0000-4000-8000-{'0' * 12}", headers=headers)
    assert (missing.status_code, missing.json()) == (500, FORBIDDEN_ENV)


async def test_tokens_are_distinct(sim):
    credentials = await sim.provision()
    tokens = await asyncio.gather(*(sim.token(credentials) for _ in range(5)))
    assert len(set(tokens)) == 5
