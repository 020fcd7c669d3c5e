"""The MoMo client's Prometheus metrics: every call counted by operation and answer, nothing private in labels."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import httpx
import pytest
from prometheus_client import REGISTRY

from momo import metrics
from momo.client import CollectionClient, DisbursementClient, MomoCredentials
from momo.errors import MomoAuthError, MomoTransientError
from momo.models import Party, PartyIdType, RequestToPay

COLLECTION = MomoCredentials(product="collection", subscription_key="sub", api_user="user-c", api_key="key")
REF = "0b8a6c2e-2b8f-4f0c-9d8f-2a4b6c8d0e1f"
BODY = RequestToPay(
    amount=Decimal("5"),
    currency="EUR",
    external_id="ORDER-7",
    payer=Party(party_id_type=PartyIdType.MSISDN, party_id="46733123450"),
)
TOKEN = {"access_token": "tok", "token_type": "access_token", "expires_in": 3600}


def _sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def _client(answer: Callable[[httpx.Request], httpx.Response]) -> CollectionClient:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token/"):
            return httpx.Response(200, json=TOKEN)
        return answer(request)

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return CollectionClient(http, "http://momo.test", COLLECTION)


@pytest.mark.parametrize(
    ("method", "path", "operation"),
    [
        ("POST", "/token/", "create_access_token"),
        ("POST", "/v1_0/requesttopay", "request_to_pay"),
        ("GET", f"/v1_0/requesttopay/{REF}", "get_request_to_pay_status"),
        ("GET", "/v1_0/accountholder/msisdn/46733123450/active", "validate_account_holder_status"),
        ("GET", "/v1_0/accountholder/msisdn/46733123450/basicuserinfo", "get_basic_user_info"),
        ("GET", "/v1_0/account/balance/EUR", "get_account_balance"),
        ("DELETE", f"/v2_0/invoice/{REF}", "cancel_invoice"),
        ("GET", f"/v1_0/transfer/{REF}", "get_transfer_status"),
        ("GET", "/v1_0/something/46733123450", "other"),
        ("PATCH", "/v1_0/requesttopay", "other"),
    ],
)
def test_operation_names_never_carry_ids(method: str, path: str, operation: str) -> None:
    assert metrics.operation_of(method, path) == operation


async def test_a_call_is_counted_with_its_status_code_and_latency() -> None:
    labels = {"product": "collection", "operation": "request_to_pay"}
    before = _sample("momoflow_momo_requests_total", **labels, status_code="202")
    observed = _sample("momoflow_momo_request_duration_seconds_count", **labels)
    minted = _sample("momoflow_momo_token_renewals_total", product="collection", outcome="success")
    await _client(lambda _r: httpx.Response(202)).request_to_pay(REF, BODY)
    assert _sample("momoflow_momo_requests_total", **labels, status_code="202") == before + 1
    assert _sample("momoflow_momo_request_duration_seconds_count", **labels) == observed + 1
    assert _sample("momoflow_momo_token_renewals_total", product="collection", outcome="success") == minted + 1


async def test_429_counts_and_records_the_retry_after_wait() -> None:
    labels = {"product": "collection", "operation": "get_request_to_pay_status"}
    before = _sample("momoflow_momo_requests_total", **labels, status_code="429")
    waits = _sample("momoflow_momo_retry_after_seconds_sum", **labels, status_code="429")
    client = _client(lambda _r: httpx.Response(429, headers={"Retry-After": "7"}, json={"message": "slow down"}))
    with pytest.raises(MomoTransientError):
        await client.get_request_to_pay(REF)
    assert _sample("momoflow_momo_requests_total", **labels, status_code="429") == before + 1
    assert _sample("momoflow_momo_retry_after_seconds_sum", **labels, status_code="429") == waits + 7


async def test_a_timeout_is_counted_as_such() -> None:
    def hang(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    labels = {"product": "collection", "operation": "get_request_to_pay_status", "status_code": "timeout"}
    before = _sample("momoflow_momo_requests_total", **labels)
    with pytest.raises(MomoTransientError):
        await _client(hang).get_request_to_pay(REF)
    assert _sample("momoflow_momo_requests_total", **labels) == before + 1


async def test_token_failures_and_refusals_are_counted() -> None:
    creds = MomoCredentials(product="disbursement", subscription_key="s", api_user="user-d", api_key="k")
    refused_tokens = {"tok"}

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token/"):
            if request.headers.get("authorization", "").startswith("Basic") and "fail" in refused_tokens:
                return httpx.Response(401, json={"error": "login_failed"})
            return httpx.Response(200, json=TOKEN)
        if request.headers["authorization"] == "Bearer tok" and "tok" in refused_tokens:
            refused_tokens.discard("tok")
            return httpx.Response(401, json={"statusCode": 401, "message": "expired"})
        return httpx.Response(200, json={"availableBalance": "10", "currency": "EUR"})

    client = DisbursementClient(httpx.AsyncClient(transport=httpx.MockTransport(handler)), "http://momo.test", creds)
    refused = _sample("momoflow_momo_tokens_refused_total", product="disbursement")
    await client.get_balance()  # the first token is refused once, the second works
    assert _sample("momoflow_momo_tokens_refused_total", product="disbursement") == refused + 1

    failed = _sample("momoflow_momo_token_renewals_total", product="disbursement", outcome="failure")
    refused_tokens.add("fail")
    client.tokens.invalidate(creds.cache_key, "tok")
    with pytest.raises(MomoAuthError):
        await client.get_balance()
    assert _sample("momoflow_momo_token_renewals_total", product="disbursement", outcome="failure") == failed + 1


def test_failures_exist_at_zero_before_the_first_one() -> None:
    for product in ("collection", "disbursement"):
        assert REGISTRY.get_sample_value("momoflow_momo_tokens_refused_total", {"product": product}) is not None
