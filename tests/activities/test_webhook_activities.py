"""The webhook activities refuse a configuration they cannot honour, for good."""

from __future__ import annotations

import httpx
import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.webhooks import NOT_CONFIGURED, webhook_activities
from momoflow.contract import WebhookEvent, WebhookPost
from momoflow.settings import WebhookSettings


async def test_deliver_without_a_secret_is_not_retried() -> None:
    # A worker without webhooks configured picks up a delivery queued by one that has them.
    async with httpx.AsyncClient() as http:
        _, deliver = webhook_activities(WebhookSettings(endpoints="", secrets=""), http)
        post = WebhookPost.model_construct(
            event=WebhookEvent.model_construct(id="evt-1", type="payment.successful"),
            endpoint="http://127.0.0.1:9/hooks",
            timeout_s=1.0,
        )
        with pytest.raises(ApplicationError) as info:
            await ActivityEnvironment().run(deliver, post)
    assert info.value.type == NOT_CONFIGURED
    assert info.value.non_retryable
    assert "WEBHOOK_SECRETS" in info.value.message


def test_endpoints_without_a_secret_are_refused_at_start() -> None:
    with pytest.raises(ValueError, match="WEBHOOK_SECRETS"):
        webhook_activities(WebhookSettings(endpoints="https://merchant.test/hooks", secrets=""), httpx.AsyncClient())
