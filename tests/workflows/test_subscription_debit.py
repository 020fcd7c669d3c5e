"""One subscription period on the time-skipping server, over many periods.

The test server has no Schedules, so the per-period workflow is started the way
the schedule starts it, with the scheduled time in its input; the schedule
itself is tested against the real dev server (tests/integration).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from temporalio import activity
from temporalio.client import WorkflowExecutionStatus, WorkflowHistory
from temporalio.runtime import MetricBuffer, Runtime, TelemetryConfig
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from activities.errors import still_pending
from activities.subscriptions import SubscriptionActivities
from momoflow import contract
from momoflow.contract import PreApprovalEntry, PreApprovalListing, ProviderStatus, StatusCheck, SubmitRequestToPay
from momoflow.converter import DATA_CONVERTER
from momoflow.metrics import names
from momoflow.models import Party, PaymentState, PaymentStatus, Resolution, TimingOverrides
from momoflow.subscription import Cadence, StopSubscription, SubscriptionDebitInput, SubscriptionPeriod
from tests.workflows.cases import TIMING
from tests.workflows.fakes import workers
from tests.workflows.metering import Metrics, metered_env
from workflows.request_to_pay import RequestToPayWorkflow
from workflows.subscription_debit import SubscriptionDebitWorkflow

MANDATE = "6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b"
DAY = timedelta(days=1)
START = datetime(2030, 1, 1, tzinfo=UTC)
PERIODS = names.SUBSCRIPTION_PERIODS_FINISHED.name
HISTORIES = Path(__file__).parent.parent / "replay" / "histories"


def _periods(metrics: Metrics) -> list[tuple[object, object, float]]:
    """Each count of a finished period: (outcome, reason, increment), sorted; always from SubscriptionDebit."""
    counted = metrics.of(PERIODS)
    assert {attrs["workflow_type"] for _, attrs in counted} <= {contract.WorkflowType.SUBSCRIPTION_DEBIT}
    return sorted((attrs["outcome"], attrs["reason"], value) for value, attrs in counted)


@pytest_asyncio.fixture
async def metered() -> AsyncIterator[tuple[WorkflowEnvironment, Metrics]]:
    async with metered_env() as pair:
        yield pair


@dataclass
class FakeMomo:
    """MoMo for Request to Pay and the mandate list; ``outcome`` decides each POST by its external id."""

    mandate_status: str = "APPROVED"
    outcome: Callable[[str, int], str] = lambda external_id, nth: "SUCCESSFUL"
    posts: list[SubmitRequestToPay] = field(default_factory=list)
    status_by_ref: dict[str, ProviderStatus] = field(default_factory=dict)
    stops: list[StopSubscription] = field(default_factory=list)
    submit_times: list[datetime] = field(default_factory=list)

    def activities(self) -> list[Any]:
        @activity.defn(name=contract.REQUEST_TO_PAY.submit)
        async def submit(submit: SubmitRequestToPay) -> bool:
            if submit.reference_id in self.status_by_ref:
                return False  # MoMo's 409: the first attempt was accepted
            self.posts.append(submit)
            self.submit_times.append(activity.info().current_attempt_scheduled_time)
            nth = sum(1 for post in self.posts if post.request.external_id == submit.request.external_id)
            status = self.outcome(submit.request.external_id, nth)
            if status == "PENDING":  # MoMo never gives a final status
                self.status_by_ref[submit.reference_id] = ProviderStatus(status="PENDING")
                return True
            reason = None if status == "SUCCESSFUL" else status
            self.status_by_ref[submit.reference_id] = ProviderStatus(
                status="SUCCESSFUL" if reason is None else "FAILED", reason=reason,
                financial_transaction_id=f"ftx-{len(self.posts)}" if reason is None else None,
            )  # fmt: skip
            return True

        @activity.defn(name=contract.REQUEST_TO_PAY.get_status)
        async def get_status(check: StatusCheck) -> ProviderStatus:
            return self.status_by_ref.get(check.reference_id, ProviderStatus(status="NOT_FOUND"))

        @activity.defn(name=contract.REQUEST_TO_PAY.await_final)
        async def await_final(check: StatusCheck) -> ProviderStatus:
            answer = self.status_by_ref.get(check.reference_id)
            if answer is None or not answer.is_final:
                raise still_pending("not yet visible" if answer is None else answer.status)
            return answer

        @activity.defn(name=contract.LIST_PRE_APPROVALS)
        async def list_preapprovals(listing: PreApprovalListing) -> list[PreApprovalEntry]:
            return [PreApprovalEntry(pre_approval_id=MANDATE, status=self.mandate_status, currency="EUR")]

        @activity.defn(name=contract.SUBSCRIPTION_STOP)
        async def stop(stop: StopSubscription) -> bool:
            self.stops.append(stop)
            return True

        return [submit, get_status, await_final, list_preapprovals, stop]

    @property
    def external_ids(self) -> list[str]:
        return [post.request.external_id for post in self.posts]


def debit_input(subscription_id: str, at: datetime, **changes: Any) -> SubscriptionDebitInput:
    return SubscriptionDebitInput(
        subscription_id=subscription_id,
        payer=Party(party_id="46733123999"),
        pre_approval_id=MANDATE,
        amount=Decimal("9.99"),
        currency="EUR",
        cadence=Cadence(every_s=int(DAY.total_seconds())),
        retry_after_s=DAY.total_seconds(),
        **{"scheduled_at": at, "timing": TimingOverrides.of(TIMING), **changes},
    )


class Runner:
    def __init__(self, env: WorkflowEnvironment, queue: str, momo: FakeMomo) -> None:
        self.env, self.queue, self.momo = env, queue, momo
        self.subscription_id = f"s{uuid.uuid4().hex[:8]}"

    def workers(self) -> Any:
        real = SubscriptionActivities(self.env.client, self.queue)
        return workers(
            self.env,
            self.queue,
            [SubscriptionDebitWorkflow, RequestToPayWorkflow],
            [real.start_debit, real.await_debit, *self.momo.activities()],
        )

    async def start(self, at: datetime, **changes: Any) -> Any:
        # The schedule appends the scheduled time to its action's workflow id; so do we.
        return await self.env.client.start_workflow(
            SubscriptionDebitWorkflow.run,
            debit_input(self.subscription_id, at, **changes),
            id=f"subscription-debit-{self.subscription_id}-{at.isoformat()}-{uuid.uuid4().hex[:4]}",
            task_queue=self.queue,
            result_type=SubscriptionPeriod,
        )

    async def run(self, at: datetime, **changes: Any) -> SubscriptionPeriod:
        return await (await self.start(at, **changes)).result()


async def test_each_period_has_its_own_key_and_one_debit(time_env: WorkflowEnvironment, task_queue: str) -> None:
    momo = FakeMomo()
    runner = Runner(time_env, task_queue, momo)
    async with runner.workers():
        # Six periods; a run may start a little after its period's boundary.
        results = [await runner.run(START + n * DAY + timedelta(seconds=n * 7)) for n in range(6)]
    assert [r.status for r in results] == ["SUCCESSFUL"] * 6
    assert [r.period_start for r in results] == [START + n * DAY for n in range(6)]
    debits = [r.debits[0] for r in results]
    assert len(set(debits)) == 6
    assert debits[1] == f"rtp-sub-{runner.subscription_id}-20300102T000000Z"
    assert len(momo.posts) == 6 and len(set(momo.external_ids)) == 6
    assert len({post.reference_id for post in momo.posts}) == 6
    assert all(r.financial_transaction_id for r in results)


async def test_a_period_run_twice_is_one_debit(time_env: WorkflowEnvironment, task_queue: str) -> None:
    momo = FakeMomo()
    runner = Runner(time_env, task_queue, momo)
    async with runner.workers():
        # The schedule fired twice, then a manual trigger later in the same period.
        twice = [await runner.run(START), await runner.run(START + timedelta(seconds=1))]
        trigger = await runner.run(START + timedelta(hours=13))
    assert {r.status for r in (*twice, trigger)} == {"SUCCESSFUL"}
    assert {r.debits[0] for r in (*twice, trigger)} == {twice[0].debits[0]}
    assert len(momo.posts) == 1
    assert {r.financial_transaction_id for r in (*twice, trigger)} == {"ftx-1"}


async def test_catch_up_after_an_outage_does_not_debit_twice(time_env: WorkflowEnvironment, task_queue: str) -> None:
    momo = FakeMomo()
    runner = Runner(time_env, task_queue, momo)
    async with runner.workers():
        for n in range(3):
            await runner.run(START + n * DAY)
        # After an outage the schedule catches up on periods 2 to 6, two of them done already. (One
        # after the other: the test server mishandles runs attaching to one running workflow at
        # once; the real dev server's test triggers that case.)
        catch_up = [await runner.run(START + n * DAY) for n in range(1, 6)]
    assert {r.status for r in catch_up} == {"SUCCESSFUL"}
    assert len(momo.posts) == 6
    assert sorted(momo.external_ids) == sorted(set(momo.external_ids))


async def test_a_cancelled_mandate_stops_the_subscription_with_its_reason(
    time_env: WorkflowEnvironment, task_queue: str
) -> None:
    momo = FakeMomo()
    runner = Runner(time_env, task_queue, momo)
    async with runner.workers():
        first = await runner.run(START)
        momo.mandate_status = "CANCELLED"
        second = await runner.run(START + DAY)
    assert first.status == "SUCCESSFUL"
    assert second.status == "STOPPED" and second.debits == []
    assert second.reason == f"stopped: pre-approval {MANDATE} is CANCELLED"
    assert [(stop.subscription_id, stop.note) for stop in momo.stops] == [(runner.subscription_id, second.reason)]
    assert len(momo.posts) == 1


async def test_a_failed_debit_is_retried_a_day_later_and_the_next_period_goes_on(
    time_env: WorkflowEnvironment, task_queue: str
) -> None:
    # Period 1 fails twice; period 2 succeeds at once; period 3 fails once, then succeeds on its retry.
    plan = {"20300101": ["NOT_ENOUGH_FUNDS", "NOT_ENOUGH_FUNDS"], "20300103": ["INTERNAL_PROCESSING_ERROR"]}

    def outcome(external_id: str, nth: int) -> str:
        script = next((s for day, s in plan.items() if f"-{day}T" in external_id), [])
        return script[nth - 1] if nth <= len(script) else "SUCCESSFUL"

    momo = FakeMomo(outcome=outcome)
    runner = Runner(time_env, task_queue, momo)
    async with runner.workers():
        first = await runner.start(START)
        second = await runner.run(START + DAY)
        # Period 2 is done while period 1 still waits for its retry.
        assert second.status == "SUCCESSFUL" and len(second.debits) == 1
        assert (await first.describe()).status is WorkflowExecutionStatus.RUNNING
        failed = await first.result()
        third = await runner.run(START + 2 * DAY)
    assert failed.status == "FAILED" and failed.reason == "NOT_ENOUGH_FUNDS"
    key = f"rtp-sub-{runner.subscription_id}-20300101T000000Z"
    assert failed.debits == [key, f"{key}-retry1"]
    assert third.status == "SUCCESSFUL" and len(third.debits) == 2
    first_posts = [
        t for t, post in zip(momo.submit_times, momo.posts, strict=True) if "-20300101T" in post.request.external_id
    ]
    assert len(first_posts) == 2 and first_posts[1] - first_posts[0] >= DAY
    assert len(momo.posts) == 5  # 2 + 1 + 2: one POST per attempt, never more


async def test_a_debit_that_never_settles_is_not_debited_again(time_env: WorkflowEnvironment, task_queue: str) -> None:
    # MoMo never answers: the Request to Pay ends UNKNOWN after its reconciliation. It may yet be
    # paid, so the period ends UNKNOWN and no second debit is sent.
    momo = FakeMomo(outcome=lambda external_id, nth: "PENDING")
    runner = Runner(time_env, task_queue, momo)
    async with runner.workers():
        period = await runner.run(START)
    assert period.status == "UNKNOWN" and len(period.debits) == 1
    assert period.last_state is not None and period.last_state.status is PaymentStatus.UNKNOWN
    assert len(momo.posts) == 1


async def test_a_debit_still_reconciling_after_eight_days_is_waited_for(
    time_env: WorkflowEnvironment, task_queue: str
) -> None:
    # The Request to Pay reconciles for 10 days (up to 30 are allowed): the period waits for it
    # rather than calling it FAILED after 8 days and debiting again.
    timing = TIMING.model_copy(
        update={"reconcile_max_interval_s": DAY.total_seconds(), "reconcile_max_age_s": 10 * DAY.total_seconds()}
    )
    momo = FakeMomo(outcome=lambda external_id, nth: "PENDING")
    runner = Runner(time_env, task_queue, momo)
    async with runner.workers():
        period = await runner.run(START, timing=TimingOverrides.of(timing))
    assert period.status == "UNKNOWN" and len(momo.posts) == 1
    assert period.last_state is not None and period.last_state.reference_id  # the debit's own state, not a made-up one


@pytest.mark.parametrize("momo_later", [None, "SUCCESSFUL"])
async def test_a_debit_an_operator_failed_is_not_debited_again(
    metered: tuple[WorkflowEnvironment, Metrics], task_queue: str, momo_later: str | None
) -> None:
    # An operator resolves the UNKNOWN debit as FAILED, and MoMo never confirms it (or contradicts
    # it: the customer approved after all). The period needs review and no second debit is sent.
    time_env, metrics = metered
    momo = FakeMomo(outcome=lambda external_id, nth: "PENDING")
    runner = Runner(time_env, task_queue, momo)
    async with runner.workers():
        handle = await runner.start(START)
        debit = time_env.client.get_workflow_handle(f"rtp-sub-{runner.subscription_id}-20300101T000000Z")
        while True:
            try:
                state = await debit.query("status", result_type=PaymentState)
                if state.status is PaymentStatus.UNKNOWN:
                    break
            except Exception:  # not started yet
                pass
            await time_env.sleep(30)
        resolution = Resolution(status=PaymentStatus.FAILED, operator="alice", reason="support: never debited")
        resolved = await debit.execute_update(RequestToPayWorkflow.resolve, resolution)
        if momo_later is not None:
            momo.status_by_ref[resolved.reference_id] = ProviderStatus(
                status=momo_later, financial_transaction_id="ftx-late"
            )
        period = await handle.result()
    assert period.status == "NEEDS_REVIEW" and len(period.debits) == 1
    assert period.last_state is not None
    assert (period.last_state.discrepancy is not None) == (momo_later is not None)
    assert len(momo.posts) == 1
    # Counted for the alert that calls a person, with why as a code.
    why = "RESOLUTION_UNCONFIRMED" if momo_later is None else "DISCREPANCY"
    assert _periods(metrics) == [("NEEDS_REVIEW", why, 1)]


async def test_each_period_is_counted_once_by_outcome_and_reason_code(
    metered: tuple[WorkflowEnvironment, Metrics], task_queue: str
) -> None:
    # Day 1 is paid; day 2 fails twice; MoMo never answers day 3's debit; then the mandate is cancelled.
    plan = {"20300102": ["NOT_ENOUGH_FUNDS", "NOT_ENOUGH_FUNDS"], "20300103": ["PENDING"]}

    def outcome(external_id: str, nth: int) -> str:
        script = next((s for day, s in plan.items() if f"-{day}T" in external_id), [])
        return script[nth - 1] if nth <= len(script) else "SUCCESSFUL"

    env, metrics = metered
    momo = FakeMomo(outcome=outcome)
    runner = Runner(env, task_queue, momo)
    async with runner.workers():
        results = [await runner.run(START + n * DAY) for n in range(3)]
        await runner.run(START)  # the paid period run again (a double fire): a run of its own, counted too
        momo.mandate_status = "CANCELLED"
        results.append(await runner.run(START + 3 * DAY))
    assert [r.status for r in results] == ["SUCCESSFUL", "FAILED", "UNKNOWN", "STOPPED"]
    assert _periods(metrics) == [
        ("FAILED", "NOT_ENOUGH_FUNDS", 1),
        ("STOPPED", "MANDATE_NOT_APPROVED", 1),
        ("SUCCESSFUL", "none", 1),
        ("SUCCESSFUL", "none", 1),
        ("UNKNOWN", "NO_FINAL_ANSWER", 1),
    ]
    # The stop note names the mandate; labels never carry it, the subscription or the payer.
    values = " ".join(str(v) for _, attrs in metrics.of(PERIODS) for v in attrs.values())
    assert MANDATE not in values and runner.subscription_id not in values and "46733123999" not in values


async def test_replaying_a_period_counts_nothing() -> None:
    buffer = MetricBuffer(10_000)
    runtime = Runtime(telemetry=TelemetryConfig(metrics=buffer))
    replayer = Replayer(workflows=[SubscriptionDebitWorkflow], data_converter=DATA_CONVERTER, runtime=runtime)
    paths = sorted(HISTORIES.glob("*subscription-debit.json"))
    assert paths
    for path in paths:
        await replayer.replay_workflow(WorkflowHistory.from_json(path.stem, path.read_text()))
    assert not [u for u in buffer.retrieve_updates() if u.metric.name == PERIODS]


async def test_a_run_outside_a_schedule_needs_its_time(time_env: WorkflowEnvironment, task_queue: str) -> None:
    momo = FakeMomo()
    runner = Runner(time_env, task_queue, momo)
    async with runner.workers():
        handle = await runner.start(START, scheduled_at=None)
        try:
            await handle.result()
        except Exception as exc:
            assert "scheduled_at" in str(exc.__cause__ or exc)
        else:
            raise AssertionError("a debit without a scheduled time must fail")
    assert momo.posts == []


def test_monthly_periods_round_down_to_the_day() -> None:
    cadence = Cadence(day_of_month=5, hour=6)
    assert cadence.period_start(datetime(2030, 3, 5, 6, 0, tzinfo=UTC)) == datetime(2030, 3, 5, 6, tzinfo=UTC)
    assert cadence.period_start(datetime(2030, 3, 20, tzinfo=UTC)) == datetime(2030, 3, 5, 6, tzinfo=UTC)
    assert cadence.period_start(datetime(2030, 1, 4, tzinfo=UTC)) == datetime(2029, 12, 5, 6, tzinfo=UTC)
    every = Cadence(every_s=10, offset_s=3)
    assert every.period_start(datetime(2030, 1, 1, 0, 0, 2, tzinfo=UTC)) == datetime(
        2029, 12, 31, 23, 59, 53, tzinfo=UTC
    )
