"""The client against a scripted transport: headers, bodies, errors, token renewal."""

from __future__ import annotations

import json
from decimal import Decimal

import httpx
import pytest

from momo.client import CollectionClient, MomoCredentials
from momo.errors import MomoAuthError, MomoConflictError, MomoTransientError
from momo.models import Party, PartyIdType, RequestToPay, TransactionStatus

CREDS = MomoCredentials(product="collection", subscription_key="sub-key", api_user="user-1", api_key="secret-key")
REF = "0b8a6c2e-2b8f-4f0c-9d8f-2a4b6c8d0e1f"


class Script:
    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.tokens = 0
        self.reject_bearer: set[str] = set()
        self.rtp_status = 202

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path == "/collection/token/":
            self.tokens += 1
            return httpx.Response(
                200, json={"access_token": f"tok{self.tokens}", "token_type": "access_token", "expires_in": 3600}
            )
        if request.headers.get("authorization", "").removeprefix("Bearer ") in self.reject_bearer:
            return httpx.Response(
                401, json={"statusCode": 401, "message": "Access denied due to invalid or expired access token."}
            )
        if request.method == "POST":
            if self.rtp_status == 409:
                return httpx.Response(
                    409, json={"code": "RESOURCE_ALREADY_EXIST", "message": "Duplicated reference id."}
                )
            return httpx.Response(self.rtp_status)
        return httpx.Response(
            200,
            json={
                "amount": "500",
                "currency": "EUR",
                "externalId": "ORDER-1",
                "payer": {"partyIdType": "MSISDN", "partyId": "46733123451"},
                "status": "FAILED",
                "reason": "APPROVAL_REJECTED",
            },
        )


def _client(script: Script) -> CollectionClient:
    http = httpx.AsyncClient(transport=httpx.MockTransport(script.handler))
    return CollectionClient(http, "http://momo.test", CREDS, target_environment="sandbox")


BODY = RequestToPay(
    amount=Decimal("500.50"),
    currency="EUR",
    external_id="ORDER-1",
    payer=Party(party_id_type=PartyIdType.MSISDN, party_id="46733123450"),
    payer_message="Order 1",
)


async def test_request_to_pay_sends_mtn_headers_and_decimal_string() -> None:
    script = Script()
    await _client(script).request_to_pay(REF, BODY, "http://127.0.0.1:8091/callbacks/x")
    token_call, post = script.requests
    assert token_call.headers["authorization"] == "Basic dXNlci0xOnNlY3JldC1rZXk="
    assert token_call.headers["ocp-apim-subscription-key"] == "sub-key"
    assert post.url.path == "/collection/v1_0/requesttopay"
    assert post.headers["authorization"] == "Bearer tok1"
    assert post.headers["x-reference-id"] == REF
    assert post.headers["x-target-environment"] == "sandbox"
    assert post.headers["x-callback-url"] == "http://127.0.0.1:8091/callbacks/x"
    body = json.loads(post.content)
    assert body["amount"] == "500.50"
    assert body["payer"] == {"partyIdType": "MSISDN", "partyId": "46733123450"}
    assert body["externalId"] == "ORDER-1"


async def test_one_token_serves_many_calls() -> None:
    script = Script()
    client = _client(script)
    for _ in range(5):
        await client.get_request_to_pay(REF)
    assert script.tokens == 1


async def test_refused_bearer_is_renewed_once_and_retried() -> None:
    script = Script()
    client = _client(script)
    await client.get_request_to_pay(REF)
    script.reject_bearer.add("tok1")
    result = await client.get_request_to_pay(REF)
    assert result.status is TransactionStatus.FAILED
    assert script.tokens == 2


async def test_persistent_401_is_an_auth_error() -> None:
    script = Script()
    script.reject_bearer.update({"tok1", "tok2", "tok3"})
    with pytest.raises(MomoAuthError):
        await _client(script).get_request_to_pay(REF)
    assert script.tokens == 2


async def test_reason_as_string_is_read() -> None:
    result = await _client(Script()).get_request_to_pay(REF)
    assert result.reason_code == "APPROVAL_REJECTED"


async def test_409_raises_conflict() -> None:
    script = Script()
    script.rtp_status = 409
    with pytest.raises(MomoConflictError):
        await _client(script).request_to_pay(REF, BODY)


async def test_network_failure_is_transient() -> None:
    def boom(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    client = CollectionClient(httpx.AsyncClient(transport=httpx.MockTransport(boom)), "http://momo.test", CREDS)
    with pytest.raises(MomoTransientError) as info:
        await client.get_request_to_pay(REF)
    assert info.value.code == "NETWORK_ERROR"


def test_credentials_repr_hides_secrets() -> None:
    text = repr(CREDS)
    assert "secret-key" not in text and "sub-key" not in text
