"""Arbitrary input never crashes the facade's validation or makes the gateway answer 5xx."""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import quote

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callbacks.app import create_app
from callbacks.signaller import Delivery
from momoflow.callback_tokens import CallbackSigner
from momoflow.models import ProviderCallback
from momoflow.operations import (
    CancelInvoiceRequest,
    InvoiceRequest,
    PreApprovalRequest,
    RequestToPayRequest,
    TransferRequest,
)
from starter.facade import StartError, parse

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=300),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=20), children, max_size=4),
    max_leaves=12,
)
FIELDS = [
    "amount", "currency", "payer", "payee", "intended_payer", "external_id", "payer_message", "payee_note",
    "description", "validity_s", "invoice_reference_id", "check_payee", "check_balance",
]  # fmt: skip
party_like = st.fixed_dictionaries(
    {"party_id_type": st.sampled_from(["MSISDN", "EMAIL", "PARTY_CODE", "x"]), "party_id": st.text(max_size=40)}
)
requests = st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=10), json_values | party_like, max_size=10)
MODELS = st.sampled_from(
    [RequestToPayRequest, TransferRequest, PreApprovalRequest, InvoiceRequest, CancelInvoiceRequest]
)


@settings(max_examples=400, deadline=None)
@given(model=MODELS, data=requests)
def test_facade_validation_only_ever_refuses_with_a_named_field(model: Any, data: dict[str, Any]) -> None:
    try:
        parsed = parse(model, data)
    except StartError as exc:
        message = str(exc)
        assert message and ":" in message  # "field: rule"
        return
    # Whatever got through is a well-formed request.
    json.loads(parsed.model_dump_json())


SIGNER = CallbackSigner.from_spec("k1:fuzzing-secret-0123456789")


class Sink:
    async def deliver(self, workflow_id: str, callback: ProviderCallback) -> Delivery:
        return Delivery.SIGNALLED


APP = create_app(SIGNER, Sink(), max_body_bytes=2048)
VALID = SIGNER.token("rtp-ORDER-1", "0b8a6c2e-2b8f-4f0c-9d8f-2a4b6c8d0e1f")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"]),
    token=st.one_of(st.just(VALID), st.text(max_size=200), st.just(VALID[:-1] + "A")),
    body=st.one_of(st.binary(max_size=4096), json_values.map(lambda v: json.dumps(v).encode())),
    content_type=st.sampled_from(["application/json", "text/plain", "", "application/json; charset=utf-8"]),
)
def test_gateway_never_answers_5xx(method: str, token: str, body: bytes, content_type: str) -> None:
    async def call() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=APP), base_url="http://gw") as client:
            headers = {"content-type": content_type} if content_type else {}
            return await client.request(method, f"/callbacks/{quote(token, safe='')}", content=body, headers=headers)

    response = asyncio.run(call())
    assert response.status_code < 500, (response.status_code, response.text)
