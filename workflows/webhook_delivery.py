"""``WebhookDelivery``: deliver one operation's webhook events, in order, to every endpoint.

Its id is ``webhook-<the operation's workflow id>``; the worker signals-with-start it
with each event (``webhook_event``), so an operation's events queue in one place and
go out in the order they happened: the next event is sent only when the previous
one has been delivered to (or given up by) every endpoint. Each POST is an activity
retried with exponential backoff until a 2xx, up to ``give_up_after_s`` (three days
by default); a 410 Gone stops at once. The run ends when its queue is empty; a later
event starts a new run under the same id.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from momoflow import contract
    from momoflow import search_attributes as sa
    from momoflow.contract import DeliveryRecord, WebhookDeliveries, WebhookDispatch, WebhookPost

DELIVERING = "DELIVERING"
DELIVERED = "DELIVERED"
FAILED = "FAILED"
GONE = "GONE"
ENDPOINT_GONE = "WEBHOOK_ENDPOINT_GONE"
# The worker's own HTTP timeout ends a slow POST first; this only catches a worker that died mid-call.
_MARGIN = timedelta(seconds=5)


@workflow.defn(name=contract.WorkflowType.WEBHOOK_DELIVERY)
class WebhookDeliveryWorkflow:
    @workflow.init
    def __init__(self) -> None:
        self._queue: list[WebhookDispatch] = []
        self._seen: set[str] = set()
        self._done = WebhookDeliveries()

    @workflow.signal(name=contract.WEBHOOK_EVENT_SIGNAL)
    def add(self, dispatch: WebhookDispatch) -> None:
        """Queue an event; one this run already has is ignored unless it is a resend."""
        if dispatch.event.id in self._seen and not dispatch.resend:
            workflow.logger.info("event already queued", extra={"event_id": dispatch.event.id})
            return
        self._seen.add(dispatch.event.id)
        self._queue.append(dispatch)

    @workflow.query(name=contract.WEBHOOK_DELIVERIES_QUERY)
    def deliveries(self) -> WebhookDeliveries:
        return WebhookDeliveries(dispatches=[*self._done.dispatches, *self._queue], records=self._done.records)

    @workflow.run
    async def run(self) -> WebhookDeliveries:
        while True:
            await workflow.wait_condition(lambda: bool(self._queue))
            dispatch = self._queue[0]
            self._publish(DELIVERING)
            records = await asyncio.gather(*(self._deliver(dispatch, endpoint) for endpoint in dispatch.endpoints))
            self._queue.pop(0)
            self._done.dispatches.append(dispatch)
            self._done.records.extend(records)
            failed = any(record.state != DELIVERED for record in self._done.records)
            self._publish(FAILED if failed else DELIVERED)
            if not self._queue:
                await workflow.wait_condition(workflow.all_handlers_finished)
                if not self._queue:
                    return self._done

    def _publish(self, state: str) -> None:
        ids = [d.event.id for d in (*self._done.dispatches, *self._queue)]
        workflow.upsert_search_attributes(
            [sa.WEBHOOK_STATE.value_set(state), sa.WEBHOOK_EVENT_IDS.value_set(list(dict.fromkeys(ids)))]
        )

    async def _deliver(self, dispatch: WebhookDispatch, endpoint: str) -> DeliveryRecord:
        retry = dispatch.retry
        event = dispatch.event
        try:
            status = await workflow.execute_activity(
                contract.WEBHOOK_DELIVER,
                WebhookPost(event=event, endpoint=endpoint, timeout_s=retry.timeout_s),
                result_type=int,
                start_to_close_timeout=timedelta(seconds=retry.timeout_s) + _MARGIN,
                # Temporal schedules no attempt that would start past this timeout: one more backoff
                # interval makes the last attempt come after ``give_up_after_s``, never before.
                schedule_to_close_timeout=timedelta(
                    seconds=retry.give_up_after_s + retry.max_interval_s + retry.timeout_s
                ),
                retry_policy=RetryPolicy(
                    initial_interval=timedelta(seconds=retry.initial_interval_s),
                    backoff_coefficient=2.0,
                    maximum_interval=timedelta(seconds=retry.max_interval_s),
                    non_retryable_error_types=[ENDPOINT_GONE],
                ),
            )
        except ActivityError as exc:
            cause = exc.cause
            gone = isinstance(cause, ApplicationError) and cause.type == ENDPOINT_GONE
            message = str(cause.message if isinstance(cause, ApplicationError) else cause or exc)
            workflow.logger.warning(
                "webhook not delivered", extra={"event_id": event.id, "gone": gone, "error": message}
            )
            return DeliveryRecord(
                event_id=event.id,
                event_type=event.type,
                endpoint=endpoint,
                state=GONE if gone else FAILED,
                finished_at=workflow.now(),
                error=message,
            )
        return DeliveryRecord(
            event_id=event.id,
            event_type=event.type,
            endpoint=endpoint,
            state=DELIVERED,
            finished_at=workflow.now(),
            http_status=status,
        )
