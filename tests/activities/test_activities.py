"""Activities over a scripted MoMo: every answer lands on the right side of retryable / final."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from decimal import Decimal

import httpx
import pytest
from temporalio.exceptions import ApplicationError, ApplicationErrorCategory
from temporalio.testing import ActivityEnvironment

from activities import operations
from activities.accounts import account_activities
from activities.collection import CollectionActivities
from momo.client import CollectionClient, MomoCredentials
from momoflow.callback_tokens import CallbackSigner
from momoflow.contract import ONE_CALL_S, SUBMIT_ATTEMPT_LIMIT_S, AccountHolderCheck, StatusCheck, SubmitRequestToPay
from momoflow.operations import RequestToPayRequest
from workflows.payment_pattern import ONE_CALL, QUIET_PERIOD

REF = "0b8a6c2e-2b8f-4f0c-9d8f-2a4b6c8d0e1f"
SIGNER = CallbackSigner.from_spec("k1:activity-test-secret-0123")
REQUEST = RequestToPayRequest(
    amount=Decimal("5"), currency="EUR", payer={"party_id_type": "MSISDN", "party_id": "46733123454"}, external_id="O-1"
)


def _client(status: int, body: object = None, headers: dict[str, str] | None = None) -> CollectionClient:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token/"):
            return httpx.Response(200, json={"access_token": "t", "token_type": "access_token", "expires_in": 3600})
        return httpx.Response(status, json=body, headers=headers or {})

    creds = MomoCredentials("collection", "sub", "user", "key")
    return CollectionClient(httpx.AsyncClient(transport=httpx.MockTransport(handler)), "http://momo.test", creds)


def _activities(client: CollectionClient) -> CollectionActivities:
    return CollectionActivities(client, SIGNER, "http://gw.test")


async def _submit(client: CollectionClient) -> bool:
    return await ActivityEnvironment().run(
        _activities(client).submit_request_to_pay, SubmitRequestToPay(reference_id=REF, request=REQUEST)
    )


async def test_409_means_already_accepted() -> None:
    assert (
        await _submit(_client(409, {"code": "RESOURCE_ALREADY_EXIST", "message": "Duplicated reference id."})) is False
    )
    assert await _submit(_client(202)) is True


@pytest.mark.parametrize(
    ("status", "body", "headers", "retryable", "code", "delay"),
    [
        (400, {"code": "BAD_REQUEST", "message": "bad"}, None, False, "BAD_REQUEST", None),
        (500, {"code": "PAYER_NOT_FOUND", "message": "Payer does not exist"}, None, False, "PAYER_NOT_FOUND", None),
        (500, {"error": "login_failed"}, None, False, "login_failed", None),
        (503, None, None, True, "HTTP_503", None),
        (429, {"statusCode": 429, "message": "Rate limit is exceeded."}, {"Retry-After": "7"}, True, "RATE_LIMITED", 7),
    ],
)
async def test_submit_errors_are_classified(
    status: int, body: object, headers: dict | None, retryable: bool, code: str, delay: int | None
) -> None:
    with pytest.raises(ApplicationError) as info:
        await _submit(_client(status, body, headers))
    error = info.value
    assert error.non_retryable is (not retryable)
    assert error.type == code
    assert error.next_retry_delay == (timedelta(seconds=delay) if delay else None)


async def test_callback_url_is_signed_for_this_workflow_and_reference() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path.endswith("/token/"):
            return httpx.Response(200, json={"access_token": "t", "expires_in": 3600})
        return httpx.Response(202)

    client = CollectionClient(
        httpx.AsyncClient(transport=httpx.MockTransport(handler)),
        "http://momo.test",
        MomoCredentials("collection", "s", "u", "k"),
    )
    env = ActivityEnvironment()
    await env.run(_activities(client).submit_request_to_pay, SubmitRequestToPay(reference_id=REF, request=REQUEST))
    url = seen[-1].headers["x-callback-url"]
    assert url.startswith("http://gw.test/callbacks/")
    target = SIGNER.verify(url.rsplit("/", 1)[1])
    assert (target.workflow_id, target.reference_id) == (env.info.workflow_id, REF)


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (200, {"status": "PENDING", "amount": "5", "currency": "EUR"}),
        (200, {"status": "CREATED"}),
        (404, {"code": "RESOURCE_NOT_FOUND", "message": "Requested resource was not found."}),
        (500, {"code": "NOT_ALLOWED", "message": "no"}),  # even a refusal cannot stop the checks
    ],
)
async def test_await_final_keeps_polling_until_final(status: int, body: object) -> None:
    with pytest.raises(ApplicationError) as info:
        await ActivityEnvironment().run(
            _activities(_client(status, body)).await_final_request_to_pay, StatusCheck(reference_id=REF)
        )
    assert not info.value.non_retryable


async def test_still_pending_is_benign() -> None:
    with pytest.raises(ApplicationError) as info:
        await ActivityEnvironment().run(
            _activities(_client(200, {"status": "PENDING"})).await_final_request_to_pay, StatusCheck(reference_id=REF)
        )
    assert info.value.category is ApplicationErrorCategory.BENIGN


async def test_final_status_is_reported_without_personal_data() -> None:
    body = {
        "status": "FAILED",
        "reason": "APPROVAL_REJECTED",
        "payer": {"partyIdType": "MSISDN", "partyId": "46733123451"},
    }
    answer = await ActivityEnvironment().run(
        _activities(_client(200, body)).await_final_request_to_pay, StatusCheck(reference_id=REF)
    )
    assert (answer.status, answer.reason) == ("FAILED", "APPROVAL_REJECTED")
    assert "46733123451" not in answer.model_dump_json()


async def test_unknown_account_holder_is_not_found_not_an_error() -> None:
    check = account_activities(_client(404, {"code": "RESOURCE_NOT_FOUND", "message": "x"}))[1]
    holder = await ActivityEnvironment().run(
        check, AccountHolderCheck(party={"party_id_type": "MSISDN", "party_id": "46733123450"})
    )
    assert (holder.found, holder.active) == (False, False)


async def test_a_submit_that_outlasts_its_bound_is_cut_off(monkeypatch: pytest.MonkeyPatch) -> None:
    # MoMo never answers the POST. The server does not tell the worker that the activity timed out
    # (a submit does not heartbeat), so the attempt must end by itself, before its start-to-close.
    assert SUBMIT_ATTEMPT_LIMIT_S < ONE_CALL_S == ONE_CALL.total_seconds() < QUIET_PERIOD.total_seconds()
    monkeypatch.setattr(operations, "SUBMIT_ATTEMPT_LIMIT_S", 0.2)  # the bound, shortened for the test

    async def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token/"):
            return httpx.Response(200, json={"access_token": "t", "token_type": "access_token", "expires_in": 3600})
        await asyncio.sleep(30)
        return httpx.Response(202)

    creds = MomoCredentials("collection", "sub", "user", "key")
    client = CollectionClient(httpx.AsyncClient(transport=httpx.MockTransport(handler)), "http://momo.test", creds)
    started = time.monotonic()
    with pytest.raises(ApplicationError) as raised:
        await ActivityEnvironment().run(
            _activities(client).submit_request_to_pay, SubmitRequestToPay(reference_id=REF, request=REQUEST)
        )
    assert time.monotonic() - started < 2
    assert raised.value.type == operations.SUBMIT_CUT_OFF and not raised.value.non_retryable  # outcome unknown: resent
