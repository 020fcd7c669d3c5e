"""Provisioning: /v1_0/apiuser, /apikey and the API user read-back."""

from __future__ import annotations

import re
import uuid

NOT_FOUND = {"code": "RESOURCE_NOT_FOUND", "message": "Requested resource was not found."}
BAD_KEY = {
    "statusCode": 401,
    "message": "Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription.",
}


async def test_round_trip_creates_user_key_and_reads_it_back(sim):
    user_id = str(uuid.uuid4())
    headers = {"Ocp-Apim-Subscription-Key": sim.key("collection")}
    created = await sim.http.post(
        "/v1_0/apiuser",
        headers={**headers, "X-Reference-Id": user_id},
        json={"providerCallbackHost": "webhook.example.com"},
    )
    assert created.status_code == 201
    assert created.content == b""

    keyed = await sim.http.post(f"/v1_0/apiuser/{user_id}/apikey", headers=headers)
    assert keyed.status_code == 201
    assert re.fullmatch(r"[0-9a-f]{32}", keyed.json()["apiKey"])

    read = await sim.http.get(f"/v1_0/apiuser/{user_id}", headers=headers)
    assert read.status_code == 200
    assert read.json() == {"providerCallbackHost": "webhook.example.com", "targetEnvironment": "sandbox"}


async def test_each_apikey_call_issues_a_new_key_and_only_the_latest_works(sim):
    credentials = await sim.provision()
    second = await sim.http.post(
        f"/v1_0/apiuser/{credentials.user_id}/apikey", headers={"Ocp-Apim-Subscription-Key": sim.key("collection")}
    )
    new_key = second.json()["apiKey"]
    assert new_key != credentials.api_key

    old = await sim.request_token(credentials)
    assert old.status_code == 500 and old.json() == {"error": "login_failed"}
    fresh = await sim.request_token(sim.Credentials(credentials.user_id, new_key, "collection"))
    assert fresh.status_code == 200


async def test_reused_reference_id_is_409(sim):
    user_id = str(uuid.uuid4())
    headers = {"Ocp-Apim-Subscription-Key": sim.key("collection"), "X-Reference-Id": user_id}
    first = await sim.http.post("/v1_0/apiuser", headers=headers, json={"providerCallbackHost": "a.example"})
    again = await sim.http.post("/v1_0/apiuser", headers=headers, json={"providerCallbackHost": "a.example"})
    assert first.status_code == 201
    assert again.status_code == 409
    assert again.json() == {
        "code": "RESOURCE_ALREADY_EXIST",
        "message": "Duplicated reference id. Creation of resource failed.",
    }


async def test_reference_id_must_be_uuid4(sim):
    key = {"Ocp-Apim-Subscription-Key": sim.key("collection")}
    body = {"providerCallbackHost": "a.example"}
    for bad in ("not-a-uuid", str(uuid.uuid1())):
        response = await sim.http.post("/v1_0/apiuser", headers={**key, "X-Reference-Id": bad}, json=body)
        assert response.status_code == 400, bad
        assert "X-Reference-Id" in response.json()["message"]
    missing = await sim.http.post("/v1_0/apiuser", headers=key, json=body)
    assert missing.status_code == 400


async def test_provider_callback_host_is_required(sim):
    headers = {"Ocp-Apim-Subscription-Key": sim.key("collection"), "X-Reference-Id": str(uuid.uuid4())}
    for body in ({}, {"providerCallbackHost": ""}, {"providerCallbackHost": 42}):
        response = await sim.http.post("/v1_0/apiuser", headers=headers, json=body)
        assert response.status_code == 400
        assert "providerCallbackHost" in response.json()["message"]
    no_body = await sim.http.post("/v1_0/apiuser", headers=headers)
    assert no_body.status_code == 400


async def test_unknown_user_is_404_for_apikey_and_read(sim):
    unknown = str(uuid.uuid4())
    key = {"Ocp-Apim-Subscription-Key": sim.key("collection")}
    apikey = await sim.http.post(f"/v1_0/apiuser/{unknown}/apikey", headers=key)
    read = await sim.http.get(f"/v1_0/apiuser/{unknown}", headers=key)
    assert (apikey.status_code, apikey.json()) == (404, NOT_FOUND)
    assert (read.status_code, read.json()) == (404, NOT_FOUND)


async def test_provisioning_needs_a_valid_subscription_key(sim):
    headers = {"X-Reference-Id": str(uuid.uuid4())}
    missing = await sim.http.post("/v1_0/apiuser", headers=headers, json={"providerCallbackHost": "a.example"})
    wrong = await sim.http.post(
        "/v1_0/apiuser",
        headers={**headers, "Ocp-Apim-Subscription-Key": "nope"},
        json={"providerCallbackHost": "a.example"},
    )
    assert (missing.status_code, missing.json()) == (401, BAD_KEY)
    assert (wrong.status_code, wrong.json()) == (401, BAD_KEY)


async def test_disbursement_key_provisions_too(sim):
    credentials = await sim.provision("disbursement")
    response = await sim.request_token(credentials)
    assert response.status_code == 200


async def test_preset_users_exist_from_start(make_sim):
    user_id = str(uuid.uuid4())
    sim = make_sim(preset_api_users=f"{user_id}:presetkey:http://127.0.0.1:8091:collection")
    read = await sim.http.get(f"/v1_0/apiuser/{user_id}", headers={"Ocp-Apim-Subscription-Key": sim.key("collection")})
    assert read.json()["providerCallbackHost"] == "http://127.0.0.1:8091"
    token = await sim.request_token(sim.Credentials(user_id, "presetkey", "collection"))
    assert token.status_code == 200
