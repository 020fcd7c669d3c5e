"""Retried DELETEs that MoMo does not make idempotent: a refusal on a retry is checked against what
MoMo now holds, because the earlier attempt may have done the work before its answer was lost."""

from __future__ import annotations

import dataclasses

import httpx
import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.collection import CollectionActivities
from momo.client import CollectionClient, MomoCredentials
from momoflow.callback_tokens import CallbackSigner
from momoflow.contract import PreApprovalCancellation, SubmitInvoiceCancellation

MANDATE = "6f1c2b9e-0d4a-4c3e-8b7a-1e2d3c4b5a69"
INVOICE = "1a2b3c4d-5e6f-4a1b-8c9d-0e1f2a3b4c5d"
CANCELLATION = "9e8d7c6b-5a4f-4e3d-9c2b-1a0f9e8d7c6b"
NOT_ACTIVE = {"code": "NOT_ALLOWED", "message": "Pre-approval is not active."}
SIGNER = CallbackSigner.from_spec("k1:activity-test-secret-0123")


def _collection(routes: dict[tuple[str, str], httpx.Response]) -> tuple[CollectionActivities, list[str]]:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token/"):
            return httpx.Response(200, json={"access_token": "t", "token_type": "access_token", "expires_in": 3600})
        calls.append(f"{request.method} {request.url.path}")
        for (method, suffix), response in routes.items():
            if request.method == method and request.url.path.endswith(suffix):
                return response
        return httpx.Response(404, json={"code": "RESOURCE_NOT_FOUND", "message": "Requested resource was not found."})

    creds = MomoCredentials("collection", "sub", "user", "key")
    client = CollectionClient(httpx.AsyncClient(transport=httpx.MockTransport(handler)), "http://momo.test", creds)
    return CollectionActivities(client, SIGNER, "http://gw.test"), calls


def _env(attempt: int) -> ActivityEnvironment:
    env = ActivityEnvironment()
    env.info = dataclasses.replace(env.info, attempt=attempt)
    return env


def _mandate_routes(listed_status: str) -> dict[tuple[str, str], httpx.Response]:
    return {
        ("DELETE", f"/preapproval/{MANDATE}"): httpx.Response(400, json=NOT_ACTIVE),
        ("GET", f"/v2_0/preapproval/{MANDATE}"): httpx.Response(
            200,
            json={
                "payer": {"partyIdType": "MSISDN", "partyId": "46733123454"},
                "payerCurrency": "EUR",
                "status": "SUCCESSFUL",
            },
        ),
        ("GET", "/preapprovals/msisdn/46733123454"): httpx.Response(
            200, json=[{"preApprovalId": MANDATE, "status": listed_status, "fromCurrency": "EUR"}]
        ),
    }


async def test_retried_mandate_cancel_refused_but_cancelled_is_success() -> None:
    activities, calls = _collection(_mandate_routes("CANCELLED"))
    assert await _env(2).run(activities.cancel_preapproval, PreApprovalCancellation(pre_approval_id=MANDATE)) is True
    assert calls[-1].endswith("/preapprovals/msisdn/46733123454")  # the list decided


@pytest.mark.parametrize(("attempt", "listed"), [(1, "CANCELLED"), (2, "EXPIRED"), (2, "APPROVED")])
async def test_mandate_cancel_refusal_stands_unless_a_retry_finds_it_cancelled(attempt: int, listed: str) -> None:
    activities, _ = _collection(_mandate_routes(listed))
    with pytest.raises(ApplicationError) as raised:
        await _env(attempt).run(activities.cancel_preapproval, PreApprovalCancellation(pre_approval_id=MANDATE))
    assert raised.value.type == "NOT_ALLOWED" and raised.value.non_retryable


def _invoice_routes(cancellation_known: bool) -> dict[tuple[str, str], httpx.Response]:
    routes = {
        ("DELETE", f"/v2_0/invoice/{INVOICE}"): httpx.Response(
            400, json={"code": "NOT_ALLOWED", "message": "The invoice is not open."}
        ),
    }
    if cancellation_known:
        routes[("GET", f"/v2_0/invoice/{CANCELLATION}")] = httpx.Response(
            200, json={"referenceId": CANCELLATION, "status": "SUCCESSFUL"}
        )
    return routes


SUBMIT = SubmitInvoiceCancellation(reference_id=CANCELLATION, invoice_reference_id=INVOICE, external_id="INV-1")


@pytest.mark.parametrize("attempt", [1, 2])
async def test_resent_invoice_cancel_refused_but_known_to_momo_is_already_accepted(attempt: int) -> None:
    # A resend from the workflow (after a status check) is a new activity: attempt 1 again.
    activities, _ = _collection(_invoice_routes(cancellation_known=True))
    assert await _env(attempt).run(activities.submit_invoice_cancellation, SUBMIT) is False


@pytest.mark.parametrize("attempt", [1, 2])
async def test_invoice_cancel_refusal_stands_unless_momo_knows_our_cancellation(attempt: int) -> None:
    activities, _ = _collection(_invoice_routes(cancellation_known=False))
    with pytest.raises(ApplicationError) as raised:
        await _env(attempt).run(activities.submit_invoice_cancellation, SUBMIT)
    assert raised.value.type == "NOT_ALLOWED" and raised.value.non_retryable
