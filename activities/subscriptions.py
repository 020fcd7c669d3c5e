"""Subscription activities: they talk to Temporal, not to MoMo.

A period's Request to Pay is started here with the facade's id policies
(``USE_EXISTING`` while it runs, ``REJECT_DUPLICATE`` once it ended), so any
number of runs for one period make one Request to Pay, and one POST to MoMo.
Its outcome is read back by polling: the activity's retry policy is the schedule.
"""

from __future__ import annotations

from typing import Any

from temporalio import activity
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from activities.errors import still_pending
from momoflow import contract
from momoflow.contract import IdPrefix, WorkflowType
from momoflow.logging import get_logger
from momoflow.models import PaymentState
from momoflow.subscription import DebitStart, StopSubscription

log = get_logger("activities")
# The memo the facade compares to tell a retried start from a reused key.
FINGERPRINT_MEMO = "request_fingerprint"


def schedule_id(subscription_id: str) -> str:
    return f"{IdPrefix.SUBSCRIPTION}-{subscription_id}"


class SubscriptionActivities:
    """Bound to the worker's Temporal client and the task queue payments run on."""

    def __init__(self, client: Client, task_queue: str) -> None:
        self._client = client
        self._task_queue = task_queue

    @activity.defn(name=contract.SUBSCRIPTION_START_DEBIT)
    async def start_debit(self, start: DebitStart) -> bool:
        """True if this call started the Request to Pay, False if it already existed."""
        try:
            await self._client.start_workflow(
                WorkflowType.REQUEST_TO_PAY,
                start.input,
                id=start.workflow_id,
                task_queue=self._task_queue,
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                memo={FINGERPRINT_MEMO: start.fingerprint},
            )
        except WorkflowAlreadyStartedError:
            log.info("debit already made", workflow_id=start.workflow_id)
            return False
        log.info("debit started or attached", workflow_id=start.workflow_id)
        return True

    @activity.defn(name=contract.SUBSCRIPTION_AWAIT_DEBIT)
    async def await_debit(self, workflow_id: str) -> PaymentState:
        """The Request to Pay's final state; retryably 'still pending' while it runs."""
        handle: WorkflowHandle[Any, PaymentState] = self._client.get_workflow_handle(
            workflow_id, result_type=PaymentState
        )
        description = await handle.describe()
        status = description.status
        if status is WorkflowExecutionStatus.RUNNING:
            raise still_pending("running")
        if status is WorkflowExecutionStatus.COMPLETED:
            return await handle.result()
        name = status.name if status else "UNKNOWN"
        raise ApplicationError(
            f"the Request to Pay {workflow_id} ended {name}", type=f"DEBIT_{name}", non_retryable=True
        )

    @activity.defn(name=contract.SUBSCRIPTION_STOP)
    async def stop(self, stop: StopSubscription) -> bool:
        """Pause the schedule with the reason as its note; False if there is no such schedule."""
        handle = self._client.get_schedule_handle(schedule_id(stop.subscription_id))
        try:
            await handle.pause(note=stop.note)
        except RPCError as exc:
            if exc.status is RPCStatusCode.NOT_FOUND:
                return False
            raise
        log.info("subscription stopped", subscription_id=stop.subscription_id)
        return True

    def all(self) -> list[Any]:
        return [self.start_debit, self.await_debit, self.stop]
