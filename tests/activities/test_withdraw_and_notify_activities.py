"""The withdraw and delivery-notification activities against the sandbox: MTN's answers land
on the right side of retryable / final, with the codes the workflows name."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import httpx
import pytest
import pytest_asyncio
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.delivery_notification import DeliveryNotificationActivities
from activities.withdrawals import WithdrawActivities
from momo.client import CollectionClient, MomoCredentials
from momo.models import Party, PartyIdType, RequestToPay
from momo.provisioning import SandboxProvisioning
from momoflow.callback_tokens import CallbackSigner
from momoflow.contract import DeliveryNote, StatusCheck, SubmitRequestToWithdraw
from momoflow.operations import RequestToWithdrawRequest
from sandbox import SandboxSettings, create_app

HOST = "http://sandbox.test"
KEY = "activities-collection-key"
SIGNER = CallbackSigner.from_spec("k1:activity-test-secret-0123")


class ManualClock:
    """The sandbox's clock, moved by hand so expiry windows pass without waiting."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class World:
    client: CollectionClient
    clock: ManualClock
    requests: list[httpx.Request]


@pytest_asyncio.fixture
async def world() -> AsyncIterator[World]:
    clock = ManualClock()
    settings = SandboxSettings(
        approval_delay_s=1,
        callbacks_enabled=False,
        collection_subscription_key=KEY,
        delivery_notification_window_s=600,
        delivery_notification_interval_s=5,
    )
    app = create_app(settings, clock=clock)
    seen: list[httpx.Request] = []

    async def record(request: httpx.Request) -> None:
        seen.append(request)

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), event_hooks={"request": [record]}) as http:
        user = await SandboxProvisioning(http, HOST, KEY).provision(provider_callback_host="gw.test")
        yield World(
            CollectionClient(http, HOST, MomoCredentials("collection", KEY, user.api_user, user.api_key)), clock, seen
        )
    await app.state.sandbox.aclose()


async def _paid(world: World, msisdn: str = "46733000004") -> str:
    reference_id = str(uuid.uuid4())
    body = RequestToPay(
        amount=Decimal("3"),
        currency="EUR",
        external_id="O-1",
        payer=Party(party_id_type=PartyIdType.MSISDN, party_id=msisdn),
    )
    await world.client.request_to_pay(reference_id, body)
    world.clock.advance(2)
    return reference_id


async def _note(world: World, reference_id: str, message: str = "Receipt 9") -> bool:
    activities = DeliveryNotificationActivities(world.client)
    return await ActivityEnvironment().run(
        activities.notify_delivery, DeliveryNote(reference_id=reference_id, message=message, language="en")
    )


async def _refusal(world: World, reference_id: str) -> ApplicationError:
    with pytest.raises(ApplicationError) as info:
        await _note(world, reference_id)
    return info.value


async def test_a_note_on_a_paid_request_is_accepted_with_header_and_body(world: World) -> None:
    reference_id = await _paid(world)
    assert await _note(world, reference_id) is True
    [sent] = [r for r in world.requests if r.url.path.endswith("/deliverynotification")]
    assert (sent.headers["notificationMessage"], sent.headers["Language"]) == ("Receipt 9", "en")
    assert sent.content == b'{"notificationMessage":"Receipt 9"}'


async def test_409_not_completed_and_410_expired_are_final(world: World) -> None:
    failed = await _paid(world, "46733123451")
    not_completed = await _refusal(world, failed)
    assert (not_completed.type, not_completed.non_retryable) == ("NOT_COMPLETED", True)
    assert "not successfully completed" in not_completed.message
    paid = await _paid(world)
    world.clock.advance(600)
    expired = await _refusal(world, paid)
    assert (expired.type, expired.non_retryable) == ("NOTIFICATION_EXPIRED", True)
    assert "expired" in expired.message


async def test_429_is_retried_after_momos_delay_and_404_is_final(world: World) -> None:
    paid = await _paid(world)
    await _note(world, paid)
    too_soon = await _refusal(world, paid)
    assert too_soon.non_retryable is False and too_soon.next_retry_delay == timedelta(seconds=5)
    unknown = await _refusal(world, str(uuid.uuid4()))
    assert (unknown.type, unknown.non_retryable) == ("RESOURCE_NOT_FOUND", True)


async def test_withdraw_submits_under_v1_and_reads_its_status(world: World) -> None:
    activities = WithdrawActivities(world.client, SIGNER, "http://gw.test")
    env = ActivityEnvironment()
    reference_id = str(uuid.uuid4())
    request = RequestToWithdrawRequest(
        amount=Decimal("7"),
        currency="EUR",
        payer={"party_id_type": "MSISDN", "party_id": "46733123451"},
        external_id="W-1",
    )
    submit = SubmitRequestToWithdraw(reference_id=reference_id, request=request)
    assert await env.run(activities.submit_request_to_withdraw, submit) is True
    assert await env.run(activities.submit_request_to_withdraw, submit) is False  # 409: already accepted
    posts = [r for r in world.requests if r.method == "POST" and r.url.path.endswith("/requesttowithdraw")]
    assert {r.url.path for r in posts} == {"/collection/v1_0/requesttowithdraw"}
    assert posts[0].headers["X-Callback-Url"].startswith("http://gw.test/")
    assert (
        await env.run(activities.get_request_to_withdraw_status, StatusCheck(reference_id=reference_id))
    ).status == "PENDING"
    world.clock.advance(2)
    final = await env.run(activities.await_final_request_to_withdraw, StatusCheck(reference_id=reference_id))
    assert (final.status, final.reason) == ("FAILED", "APPROVAL_REJECTED")
