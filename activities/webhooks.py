"""The worker's side of webhooks: queue an event for delivery, and POST it, signed.

``webhooks.enqueue`` runs when an operation reaches a final status (or UNKNOWN):
it signals-with-start the operation's ``WebhookDelivery`` workflow with the event,
the endpoints and the retry plan configured on this worker. ``webhooks.deliver``
is one POST to one endpoint; Temporal retries it with exponential backoff until a
2xx, so a dead worker or receiver only delays an event, never loses it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import httpx
from temporalio import activity
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError

from momoflow import contract
from momoflow.contract import WebhookAnnouncement, WebhookDispatch, WebhookPost, WebhookRetry
from momoflow.logging import get_logger
from momoflow.settings import WebhookSettings
from momoflow.webhook_signing import EVENT_ID_HEADER, EVENT_TYPE_HEADER, SIGNATURE_HEADER, sign

ENDPOINT_GONE = "WEBHOOK_ENDPOINT_GONE"
REJECTED = "WEBHOOK_REJECTED"
UNREACHABLE = "WEBHOOK_UNREACHABLE"
NOT_CONFIGURED = "WEBHOOK_NOT_CONFIGURED"

log = get_logger("webhooks")


def _where(url: str) -> str:
    """An endpoint as logs show it: scheme, host and port, never a path or query that may hold a token."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"


def body_of(post: WebhookPost) -> bytes:
    """The exact bytes POSTed and signed."""
    return post.event.model_dump_json().encode()


def webhook_activities(settings: WebhookSettings, http: httpx.AsyncClient) -> list[Callable[..., Any]]:
    """``webhooks.enqueue`` and ``webhooks.deliver`` with this worker's configuration."""
    settings.check()
    retry = WebhookRetry(
        initial_interval_s=settings.retry_initial_s,
        max_interval_s=settings.retry_max_interval_s,
        give_up_after_s=settings.give_up_after_s,
        timeout_s=settings.timeout_s,
    )

    @activity.defn(name=contract.WEBHOOK_ENQUEUE)
    async def enqueue(announcement: WebhookAnnouncement) -> bool:
        """Queue the event on its operation's delivery workflow; False when no endpoint is configured."""
        event = announcement.event
        if not settings.enabled:
            log.info("webhooks not configured; event not sent", event_id=event.id, event_type=event.type)
            return False
        dispatch = WebhookDispatch(event=event, endpoints=settings.endpoint_list, retry=retry)
        await activity.client().start_workflow(
            contract.WorkflowType.WEBHOOK_DELIVERY,
            id=contract.webhook_delivery_id(event.workflow_id),
            task_queue=activity.info().task_queue,
            start_signal=contract.WEBHOOK_EVENT_SIGNAL,
            start_signal_args=[dispatch],
            id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
        )
        log.info("webhook event queued", event_id=event.id, event_type=event.type, workflow_id=event.workflow_id)
        return True

    @activity.defn(name=contract.WEBHOOK_DELIVER)
    async def deliver(post: WebhookPost) -> int:
        """One signed POST; the HTTP status on 2xx. 410 Gone stops retrying this endpoint."""
        secrets = settings.signing_secrets()
        if not secrets:
            # A retry on this worker cannot find a secret: fail now instead of for three days.
            raise ApplicationError(
                "WEBHOOK_SECRETS: no signing secret configured on this worker", type=NOT_CONFIGURED, non_retryable=True
            )
        body = body_of(post)
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(body, secrets),
            EVENT_ID_HEADER: post.event.id,
            EVENT_TYPE_HEADER: post.event.type,
            "Momoflow-Delivery-Attempt": str(activity.info().attempt),
        }
        where = _where(post.endpoint)
        fields = {"event_id": post.event.id, "endpoint": where, "attempt": activity.info().attempt}
        try:
            response = await http.post(post.endpoint, content=body, headers=headers, timeout=post.timeout_s)
        except httpx.HTTPError as exc:
            log.warning("webhook endpoint unreachable", error=type(exc).__name__, **fields)
            raise ApplicationError(f"endpoint {where}: {type(exc).__name__}", type=UNREACHABLE) from None
        if 200 <= response.status_code < 300:
            log.info("webhook delivered", http_status=response.status_code, **fields)
            return response.status_code
        if response.status_code == 410:
            log.warning("webhook endpoint gone (410); not retried", **fields)
            raise ApplicationError(f"endpoint {where}: HTTP 410 Gone", type=ENDPOINT_GONE, non_retryable=True)
        log.warning("webhook refused", http_status=response.status_code, **fields)
        raise ApplicationError(f"endpoint {where}: HTTP {response.status_code}", type=REJECTED)

    return [enqueue, deliver]
