"""Subscriptions for backend services: a Temporal Schedule of Request to Pay debits on a pre-approval.

The server owns the timetable (the Web UI shows it under Schedules). Each
scheduled time starts one ``SubscriptionDebit`` workflow, which collects that
period once (see workflows/subscription_debit.py). Catch-up policy: periods
missed while the server or the workers were down are collected if they fall
within ``catchup_periods`` periods (3 by default) of the present; older ones
are skipped. Overlap policy ALLOW_ALL: a period waiting for its retry never
holds up the next one, and two runs for one period share one Request to Pay.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleCalendarSpec,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleRange,
    ScheduleSpec,
    ScheduleState,
)
from temporalio.service import RPCError, RPCStatusCode

from activities.subscriptions import schedule_id
from momoflow.contract import IdPrefix, WorkflowType
from momoflow.models import TimingOverrides
from momoflow.subscription import SubscriptionPeriod, SubscriptionRequest

FINGERPRINT_MEMO = "request_fingerprint"
STOPPED_PREFIX = "stopped:"


@dataclass
class SubscriptionView:
    """What the server knows of a subscription: its timetable, state and recent debits."""

    subscription_id: str
    schedule_id: str
    state: str  # ACTIVE, PAUSED (by an operator), STOPPED (by momoflow, see note), ENDED (no more actions)
    note: str
    next_runs: list[datetime] = field(default_factory=list)
    recent_runs: list[dict[str, Any]] = field(default_factory=list)
    remaining_debits: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "subscription_id": self.subscription_id,
            "schedule_id": self.schedule_id,
            "state": self.state,
            "note": self.note,
            "next_runs": [t.isoformat() for t in self.next_runs],
            "recent_runs": self.recent_runs,
            "remaining_debits": self.remaining_debits,
        }


def build_schedule(request: SubscriptionRequest, task_queue: str, timing: TimingOverrides | None = None) -> Schedule:
    cadence = request.cadence
    if cadence.every_s is not None:
        spec = ScheduleSpec(
            intervals=[
                ScheduleIntervalSpec(
                    every=timedelta(seconds=cadence.every_s), offset=timedelta(seconds=cadence.offset_s)
                )
            ]
        )
    else:
        assert cadence.day_of_month is not None
        spec = ScheduleSpec(
            calendars=[
                ScheduleCalendarSpec(
                    second=[ScheduleRange(0)],
                    minute=[ScheduleRange(cadence.minute)],
                    hour=[ScheduleRange(cadence.hour)],
                    day_of_month=[ScheduleRange(cadence.day_of_month)],
                )
            ]
        )
    spec.start_at, spec.end_at, spec.time_zone_name = request.start_at, request.end_at, "UTC"
    return Schedule(
        action=ScheduleActionStartWorkflow(
            WorkflowType.SUBSCRIPTION_DEBIT,
            request.debit_input(timing),
            id=f"{IdPrefix.SUBSCRIPTION_DEBIT}-{request.subscription_id}",
            task_queue=task_queue,
        ),
        spec=spec,
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.ALLOW_ALL, catchup_window=request.catchup_window),
        state=ScheduleState(
            note="created",
            limited_actions=request.count is not None,
            remaining_actions=request.count or 0,
        ),
    )


async def create(client: Client, request: SubscriptionRequest, task_queue: str, timing: TimingOverrides | None) -> bool:
    """Create the schedule; False if this subscription exists already with the same details.

    Raises ``ValueError`` when the id belongs to a subscription with other details.
    """
    fingerprint = request.fingerprint()
    try:
        await client.create_schedule(
            schedule_id(request.subscription_id),
            build_schedule(request, task_queue, timing),
            memo={FINGERPRINT_MEMO: fingerprint},
        )
        return True
    except ScheduleAlreadyRunningError:
        pass
    description = await client.get_schedule_handle(schedule_id(request.subscription_id)).describe()
    if (await description.memo()).get(FINGERPRINT_MEMO) not in (None, fingerprint):
        raise ValueError(
            f"subscription_id: {request.subscription_id!r} already belongs to a subscription with different details"
        )
    return False


async def show(client: Client, subscription_id: str) -> SubscriptionView:
    """Raises ``RPCError`` NOT_FOUND when there is no such subscription."""
    description = await client.get_schedule_handle(schedule_id(subscription_id)).describe()
    schedule, info = description.schedule, description.info
    note = schedule.state.note or ""
    if schedule.state.paused:
        state = "STOPPED" if note.startswith(STOPPED_PREFIX) else "PAUSED"
    elif schedule.state.limited_actions and schedule.state.remaining_actions == 0 or not info.next_action_times:
        state = "ENDED"
    else:
        state = "ACTIVE"
    recent = [
        {
            "scheduled_at": action.scheduled_at.isoformat(),
            "started_at": action.started_at.isoformat(),
            "workflow_id": getattr(action.action, "workflow_id", None),
        }
        for action in info.recent_actions
    ]
    return SubscriptionView(
        subscription_id=subscription_id,
        schedule_id=schedule_id(subscription_id),
        state=state,
        note=note,
        next_runs=list(info.next_action_times),
        recent_runs=recent,
        remaining_debits=schedule.state.remaining_actions if schedule.state.limited_actions else None,
    )


async def list_ids(client: Client) -> list[str]:
    prefix = f"{IdPrefix.SUBSCRIPTION}-"
    found = []
    async for entry in await client.list_schedules():
        if entry.id.startswith(prefix):
            found.append(entry.id.removeprefix(prefix))
    return sorted(found)


async def pause(client: Client, subscription_id: str, note: str) -> None:
    await client.get_schedule_handle(schedule_id(subscription_id)).pause(note=f"paused: {note}")


async def resume(client: Client, subscription_id: str, note: str) -> None:
    await client.get_schedule_handle(schedule_id(subscription_id)).unpause(note=f"resumed: {note}")


async def cancel(client: Client, subscription_id: str) -> None:
    """Delete the schedule: no further period starts; a debit already running finishes."""
    await client.get_schedule_handle(schedule_id(subscription_id)).delete()


async def trigger(client: Client, subscription_id: str) -> None:
    """Run the current period now; if it was collected already, nothing more is debited."""
    await client.get_schedule_handle(schedule_id(subscription_id)).trigger()


async def debits(client: Client, subscription_id: str, limit: int = 50) -> list[SubscriptionPeriod]:
    """The finished periods, newest first (read from the server; no worker needed)."""
    query = f'WorkflowType = "{WorkflowType.SUBSCRIPTION_DEBIT}" AND WorkflowId STARTS_WITH "{IdPrefix.SUBSCRIPTION_DEBIT}-{subscription_id}-"'
    periods: list[SubscriptionPeriod] = []
    async for execution in client.list_workflows(query, limit=limit):
        if execution.status is not None and execution.status.name == "COMPLETED":
            handle = client.get_workflow_handle(execution.id, run_id=execution.run_id, result_type=SubscriptionPeriod)
            periods.append(await handle.result())
    return periods


def is_not_found(exc: BaseException) -> bool:
    return isinstance(exc, RPCError) and exc.status is RPCStatusCode.NOT_FOUND
