"""Business metrics from the workflows, read from the runtime's in-memory buffer."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from temporalio.client import WorkflowHistory
from temporalio.exceptions import ApplicationError
from temporalio.runtime import MetricBuffer, Runtime, TelemetryConfig
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from momoflow import search_attributes as sa
from momoflow.contract import PROVIDER_CALLBACK_SIGNAL, ProviderStatus
from momoflow.converter import DATA_CONVERTER
from momoflow.metrics import names as m
from momoflow.models import PaymentState, ProviderCallback
from tests.workflows.cases import TIMING, rtp_input
from tests.workflows.fakes import FakeOperation, workers
from tests.workflows.metering import Metrics, metered_env
from worker import WORKFLOWS
from workflows.request_to_pay import RequestToPayWorkflow

PENDING = ProviderStatus(status="PENDING")
SUCCESS = ProviderStatus(status="SUCCESSFUL", financial_transaction_id="555")
HISTORIES = Path(__file__).parent.parent / "replay" / "histories"


@pytest_asyncio.fixture
async def metered() -> AsyncIterator[tuple[WorkflowEnvironment, Metrics]]:
    async with metered_env() as pair:
        yield pair


async def _run(env: WorkflowEnvironment, queue: str, fake: FakeOperation) -> PaymentState:
    async with workers(env, queue, [RequestToPayWorkflow], fake.activities()):
        handle = await env.client.start_workflow(
            RequestToPayWorkflow.run, rtp_input(TIMING), id=f"rtp-{uuid.uuid4()}", task_queue=queue
        )
        return await handle.result()


async def test_started_finished_and_duration_by_use_case(
    metered: tuple[WorkflowEnvironment, Metrics], task_queue: str
) -> None:
    env, metrics = metered
    paid = await _run(env, task_queue, FakeOperation(statuses=[PENDING, PENDING, SUCCESS]))
    refusal = ApplicationError("HTTP 500 NOT_ALLOWED: not allowed", type="NOT_ALLOWED", non_retryable=True)
    await _run(env, task_queue, FakeOperation(submit_error=refusal))

    assert metrics.total(m.OPERATIONS_STARTED.name, use_case="request_to_pay") == 2
    assert metrics.total(m.OPERATIONS_FINISHED.name, use_case="request_to_pay", status="SUCCESSFUL", reason="none") == 1
    assert (
        metrics.total(m.OPERATIONS_FINISHED.name, use_case="request_to_pay", status="FAILED", reason="NOT_ALLOWED") == 1
    )
    durations = {attrs["status"]: value for value, attrs in metrics.of(m.OPERATION_DURATION.name)}
    # Start to final status, on the workflow's clock: several status checks apart.
    assert durations["SUCCESSFUL"] == pytest.approx((paid.history[-1].at - paid.history[0].at).total_seconds())
    assert durations["SUCCESSFUL"] > 5
    assert durations["FAILED"] < 5
    assert metrics.total(m.OPERATIONS_BECAME_UNKNOWN.name) == 0


async def test_time_spent_unknown_is_measured_when_it_ends(
    metered: tuple[WorkflowEnvironment, Metrics], task_queue: str
) -> None:
    env, metrics = metered
    fake = FakeOperation(statuses=[PENDING])
    async with workers(env, task_queue, [RequestToPayWorkflow], fake.activities()):
        handle = await env.client.start_workflow(
            RequestToPayWorkflow.run, rtp_input(TIMING), id=f"rtp-{uuid.uuid4()}", task_queue=task_queue
        )
        await env.sleep(TIMING.deadline_s + 30)
        assert metrics.total(m.OPERATIONS_BECAME_UNKNOWN.name, use_case="request_to_pay") == 1
        # The UNKNOWN gauges' source: when it became UNKNOWN, in the same upsert as the status.
        unknown: PaymentState = await handle.query(RequestToPayWorkflow.status)
        attributes = (await handle.describe()).typed_search_attributes
        assert attributes.get(sa.STATUS) == "UNKNOWN"
        assert attributes.get(sa.UNKNOWN_SINCE) == unknown.history[-1].at
        assert metrics.total(m.OPERATIONS_LEFT_UNKNOWN.name) == 0
        await env.sleep(1200)
        fake.statuses.append(SUCCESS)
        state: PaymentState = await handle.query(RequestToPayWorkflow.status)
        await handle.signal(PROVIDER_CALLBACK_SIGNAL, ProviderCallback(reference_id=state.reference_id))
        await handle.result()

    assert metrics.total(m.OPERATIONS_LEFT_UNKNOWN.name, use_case="request_to_pay", outcome="SUCCESSFUL") == 1
    [(spent, _)] = metrics.of(m.UNKNOWN_DURATION.name)
    assert 1200 <= spent <= 1300
    assert metrics.total(m.OPERATIONS_FINISHED.name, status="SUCCESSFUL") == 1


async def test_labels_carry_no_personal_or_per_payment_value(
    metered: tuple[WorkflowEnvironment, Metrics], task_queue: str
) -> None:
    env, metrics = metered
    state = await _run(env, task_queue, FakeOperation(statuses=[SUCCESS]))
    values = [
        str(v)
        for name in (m.OPERATIONS_STARTED.name, m.OPERATIONS_FINISHED.name, m.OPERATION_DURATION.name)
        for _, attrs in metrics.of(name)
        for v in attrs.values()
    ]
    assert values
    for forbidden in ("46733123454", "ORDER-1", state.reference_id):
        assert not any(forbidden in value for value in values)


async def test_replaying_a_history_records_no_metric() -> None:
    buffer = MetricBuffer(10_000)
    runtime = Runtime(telemetry=TelemetryConfig(metrics=buffer))
    replayer = Replayer(workflows=WORKFLOWS, data_converter=DATA_CONVERTER, runtime=runtime)
    path = HISTORIES / "request_to_pay-resolved-contradicted.json"
    await replayer.replay_workflow(WorkflowHistory.from_json(path.stem, path.read_text()))
    assert not [u for u in buffer.retrieve_updates() if u.metric.name.startswith("momoflow_")]
