"""Phone numbers and secrets stay out of Temporal's history and out of every log line."""

from __future__ import annotations

import uuid

import pytest
from temporalio.client import Client

from devstack import Stack
from momoflow.codec import ENCODING
from momoflow.models import PaymentStatus
from tests.integration.conftest import TIMING

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="module")]

PAYER = "46733123451"


async def _pay(stack: Stack) -> str:
    payment = await stack.momoflow().request_to_pay(
        {"amount": "77", "currency": "EUR", "payer": {"party_id_type": "MSISDN", "party_id": PAYER},
         "external_id": f"PRIV-{uuid.uuid4().hex[:8]}", "payer_message": "Private"},
        timing=TIMING,
    )  # fmt: skip
    assert (await payment.result()).status is PaymentStatus.FAILED
    return payment.workflow_id


async def test_history_payloads_are_encrypted(stack: Stack) -> None:
    workflow_id = await _pay(stack)
    outsider = await Client.connect(stack.config.temporal_address)  # no key
    history = await outsider.get_workflow_handle(workflow_id).fetch_history()
    started = history.events[0].workflow_execution_started_event_attributes
    [payload] = started.input.payloads
    assert payload.metadata["encoding"] == ENCODING
    raw = history.to_json()
    assert PAYER not in raw
    assert "Private" not in raw  # the payer message is inside the ciphertext too
    # The keyed client reads it all back.
    state = await stack.momoflow().handle(workflow_id).result()
    assert state.reason == "APPROVAL_REJECTED"


async def test_no_secret_or_phone_number_in_any_log(stack: Stack) -> None:
    await _pay(stack)
    assert stack.credentials is not None and stack.disbursement_credentials is not None
    assert set(stack.product_credentials) == {"collection", "disbursement", "remittance"}
    secrets = {
        **{
            f"{product} API key": user.api_key for product, user in stack.product_credentials.items()
        },  # all three products
        **{f"{product} subscription key": key for product, key in stack.subscription_keys().items()},
        "callback secret": stack.config.callback_secrets.partition(":")[2],
        "codec key": stack.codec_keys.partition(":")[2],
        "payer number": PAYER,
        "a bearer token": "Bearer ",
        "basic credentials": "Basic ",
    }
    logs = {path.name: path.read_text(errors="replace") for path in (stack.config.data_dir / "logs").glob("*.log")}
    assert {"worker-1.log", "callbacks.log", "sandbox.log"} <= set(logs)
    leaks = [f"{what} in {name}" for name, text in logs.items() for what, secret in secrets.items() if secret in text]
    assert not leaks, leaks
    assert "*******3451" in logs["worker-1.log"] or "*******3451" in logs["sandbox.log"]  # masked, not absent
