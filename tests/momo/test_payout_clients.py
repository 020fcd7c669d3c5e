"""Deposits and remittance transfers on the client, against a scripted transport."""

from __future__ import annotations

import json
from decimal import Decimal

import httpx
import pytest

from momo.client import DisbursementClient, MomoCredentials, RemittanceClient
from momo.models import Party, PartyIdType, TransactionStatus, Transfer

REF = "0b8a6c2e-2b8f-4f0c-9d8f-2a4b6c8d0e1f"
BODY = Transfer(
    amount=Decimal("12.50"),
    currency="EUR",
    external_id="DEP-1",
    payee=Party(party_id_type=PartyIdType.MSISDN, party_id="46733000001"),
)


def _recording(product: str, result: dict[str, object]) -> tuple[list[httpx.Request], httpx.AsyncClient]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == f"/{product}/token/":
            return httpx.Response(200, json={"access_token": f"{product}-token", "expires_in": 3600})
        return httpx.Response(202) if request.method == "POST" else httpx.Response(200, json=result)

    return seen, httpx.AsyncClient(transport=httpx.MockTransport(handler))


@pytest.mark.parametrize("version", [1, 2])
async def test_deposit_posts_a_transfer_body_to_its_version_and_reads_v1_status(version: int) -> None:
    seen, http = _recording("disbursement", {"status": "SUCCESSFUL", "amount": "12.5", "currency": "EUR"})
    client = DisbursementClient(http, "http://momo.test", MomoCredentials("disbursement", "sub", "user", "key"))
    await client.deposit(REF, BODY, "http://cb.test/x", version=version)
    result = await client.get_deposit(REF)
    post, get = seen[1], seen[2]
    assert (post.method, post.url.path) == ("POST", f"/disbursement/v{version}_0/deposit")
    assert post.headers["X-Reference-Id"] == REF and post.headers["X-Callback-Url"] == "http://cb.test/x"
    assert (
        json.loads(post.content)["amount"] == "12.50" and json.loads(post.content)["payee"]["partyId"] == "46733000001"
    )
    assert get.url.path == f"/disbursement/v1_0/deposit/{REF}"
    # MTN's sandbox omits financialTransactionId from deposit results: read as None, not an error.
    assert (result.status, result.financial_transaction_id) == (TransactionStatus.SUCCESSFUL, None)


async def test_deposit_refuses_an_unknown_version() -> None:
    _, http = _recording("disbursement", {})
    client = DisbursementClient(http, "http://momo.test", MomoCredentials("disbursement", "sub", "user", "key"))
    with pytest.raises(ValueError, match="version"):
        await client.deposit(REF, BODY, version=3)


async def test_remittance_transfer_uses_the_remittance_product_and_its_own_token() -> None:
    seen, http = _recording("remittance", {"status": "PENDING"})
    client = RemittanceClient(http, "http://momo.test", MomoCredentials("remittance", "rem-sub", "rem-user", "key"))
    await client.transfer(REF, BODY)
    await client.get_transfer(REF)
    token, post, get = seen
    assert token.url.path == "/remittance/token/"
    assert (post.url.path, get.url.path) == ("/remittance/v1_0/transfer", f"/remittance/v1_0/transfer/{REF}")
    assert {r.headers["Ocp-Apim-Subscription-Key"] for r in seen} == {"rem-sub"}
    assert post.headers["Authorization"] == "Bearer remittance-token"


def test_remittance_client_refuses_other_products_credentials() -> None:
    with pytest.raises(ValueError, match="remittance"):
        RemittanceClient(httpx.AsyncClient(), "http://momo.test", MomoCredentials("disbursement", "s", "u", "k"))
