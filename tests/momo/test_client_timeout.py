"""One client call, token included, ends within its total bound, however slow each request is."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from pydantic import ValidationError

from momo.client import CollectionClient, MomoCredentials
from momo.errors import MomoTransientError
from momoflow.settings import MomoSettings

CREDS = MomoCredentials(product="collection", subscription_key="sub", api_user="user", api_key="key")
REF = "0b8a6c2e-2b8f-4f0c-9d8f-2a4b6c8d0e1f"


def _transport(token_delay_s: float, call_delay_s: float, refuse_first_token: bool = False) -> httpx.MockTransport:
    tokens = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal tokens
        if request.url.path.endswith("/token/"):
            await asyncio.sleep(token_delay_s)
            tokens += 1
            return httpx.Response(
                200, json={"access_token": f"tok{tokens}", "token_type": "access_token", "expires_in": 3600}
            )
        await asyncio.sleep(call_delay_s)
        if refuse_first_token and request.headers["authorization"] == "Bearer tok1":
            return httpx.Response(401, json={"statusCode": 401, "message": "expired token"})
        return httpx.Response(200, json={"amount": "1", "currency": "EUR", "status": "PENDING"})

    return httpx.MockTransport(handler)


async def _timed_failure(client: CollectionClient) -> tuple[MomoTransientError, float]:
    started = time.monotonic()
    with pytest.raises(MomoTransientError) as info:
        await client.get_request_to_pay(REF)
    return info.value, time.monotonic() - started


async def test_slow_token_endpoint_times_out_within_the_bound() -> None:
    client = CollectionClient(
        httpx.AsyncClient(transport=_transport(5.0, 0.0)), "http://momo.test", CREDS, total_timeout_s=0.3
    )
    error, elapsed = await _timed_failure(client)
    assert error.code == "TIMEOUT" and error.retryable
    assert "get_request_to_pay_status" in error.message and "0.3 s" in error.message
    assert elapsed < 1.0


async def test_four_requests_each_quick_still_share_one_bound() -> None:
    # token, GET (401), token, GET: 0.2 s each, 0.8 s in all, over a 0.5 s bound.
    transport = _transport(0.2, 0.2, refuse_first_token=True)
    client = CollectionClient(httpx.AsyncClient(transport=transport), "http://momo.test", CREDS, total_timeout_s=0.5)
    error, elapsed = await _timed_failure(client)
    assert error.code == "TIMEOUT"
    assert elapsed < 0.75


async def test_the_bound_defaults_to_the_http_clients_timeout() -> None:
    http = httpx.AsyncClient(transport=_transport(5.0, 0.0), timeout=0.3)
    client = CollectionClient(http, "http://momo.test", CREDS)
    error, elapsed = await _timed_failure(client)
    assert error.code == "TIMEOUT" and elapsed < 1.0


async def test_a_call_within_the_bound_succeeds() -> None:
    client = CollectionClient(
        httpx.AsyncClient(transport=_transport(0.05, 0.05)), "http://momo.test", CREDS, total_timeout_s=1.0
    )
    assert (await client.get_request_to_pay(REF)).status.value == "PENDING"


def test_http_timeout_leaves_room_in_the_30_s_attempt() -> None:
    assert MomoSettings(http_timeout_s=20).http_timeout_s == 20
    with pytest.raises(ValidationError, match="http_timeout_s"):
        MomoSettings(http_timeout_s=30)
    assert MomoSettings().http_timeout_s <= 20
