"""A workflow judges its input once, at the start: bad input fails it at once, the worker decides timing.

Inputs are plain dicts started by workflow type name, as a client in any
language would send them, not the Python models.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowFailureError, WorkflowHandle
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from momoflow.contract import ProviderStatus, WorkflowType
from momoflow.models import PaymentState, PaymentStatus
from momoflow.settings import PaymentDefaults
from tests.workflows.fakes import FakeOperation, workers
from workflows.account_holder import ValidateAccountHolderWorkflow
from workflows.request_to_pay import RequestToPayWorkflow

REQUEST = {
    "amount": "500",
    "currency": "EUR",
    "payer": {"party_id_type": "MSISDN", "party_id": "46733123454"},
    "external_id": "ORDER-1",
}


async def _start(
    env: WorkflowEnvironment, queue: str, inp: Any, workflow_type: str = WorkflowType.REQUEST_TO_PAY
) -> WorkflowHandle:
    return await env.client.start_workflow(workflow_type, inp, id=f"admit-{uuid.uuid4()}", task_queue=queue)


async def _refusal(handle: WorkflowHandle) -> ApplicationError:
    with pytest.raises(WorkflowFailureError) as info:
        await asyncio.wait_for(handle.result(), timeout=20)  # before: the task failed and retried for ever
    cause = info.value.cause
    assert isinstance(cause, ApplicationError)
    events = [event.event_type async for event in handle.fetch_history_events()]
    assert EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED not in events  # failed at once, not retried
    assert EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED not in events  # nothing asked of MoMo
    return cause


@pytest.mark.parametrize(
    ("request_overrides", "field", "rule"),
    [
        ({"amount": "-5"}, "request.amount", "must be greater than zero"),  # a business rule
        ({"payer_message": "x" * 161}, "request.payer_message", "at most 160 characters"),
        ({"payer": None}, "request.payer", "Input should be a valid dictionary"),  # a type: does not decode
        ({"amount": 12.5}, "request.amount", "give a decimal string"),
    ],
)
async def test_bad_input_fails_the_workflow_at_once_naming_the_field(
    time_env: WorkflowEnvironment, task_queue: str, request_overrides: dict, field: str, rule: str
) -> None:
    fake = FakeOperation()
    async with workers(time_env, task_queue, [RequestToPayWorkflow], fake.activities()):
        handle = await _start(time_env, task_queue, {"request": {**REQUEST, **request_overrides}})
        error = await _refusal(handle)
    assert error.type == "INVALID_REQUEST" and error.non_retryable
    assert f"{field}: {rule}" in error.message
    assert fake.submitted == []


async def test_missing_payer_fails_the_workflow_at_once(time_env: WorkflowEnvironment, task_queue: str) -> None:
    fake = FakeOperation()
    request = {key: value for key, value in REQUEST.items() if key != "payer"}
    async with workers(time_env, task_queue, [RequestToPayWorkflow], fake.activities()):
        error = await _refusal(await _start(time_env, task_queue, {"request": request}))
    assert error.type == "INVALID_REQUEST"
    assert "request.payer: Field required" in error.message
    assert error.details[0] == [{"field": "request.payer", "rule": "Field required"}]
    assert fake.submitted == []


async def test_out_of_bounds_timing_is_refused_naming_the_field(time_env: WorkflowEnvironment, task_queue: str) -> None:
    fake = FakeOperation()
    async with workers(time_env, task_queue, [RequestToPayWorkflow], fake.activities()):
        handle = await _start(
            time_env, task_queue, {"request": REQUEST, "timing": {"poll_interval_s": 0.01, "deadline_s": 9e9}}
        )
        error = await _refusal(handle)
    assert "timing.poll_interval_s: must be between 1 and 3600 seconds, got 0.01" in error.message
    assert "timing.deadline_s: must be between 1 and 86400 seconds" in error.message
    assert fake.submitted == []


async def test_lookups_refuse_bad_input_too(time_env: WorkflowEnvironment, task_queue: str) -> None:
    async with workers(time_env, task_queue, [ValidateAccountHolderWorkflow], FakeOperation().activities()):
        handle = await _start(
            time_env,
            task_queue,
            {"party": {"party_id_type": "MSISDN", "party_id": "+1"}},
            WorkflowType.VALIDATE_ACCOUNT_HOLDER,
        )
        error = await _refusal(handle)
    assert "party.party_id: an MSISDN must be 8 to 15 digits" in error.message


async def test_omitted_timing_is_the_workers_and_given_timing_is_the_callers(
    time_env: WorkflowEnvironment, task_queue: str
) -> None:
    """The worker's settings decide what the caller leaves out (recorded at the start)."""
    fake = FakeOperation(statuses=[ProviderStatus(status="PENDING")])
    defaults = PaymentDefaults(callback_timeout_s=30, poll_interval_s=10, deadline_s=120)
    async with workers(time_env, task_queue, [RequestToPayWorkflow], fake.activities(), defaults=defaults):
        own = await _start(time_env, task_queue, {"request": REQUEST})
        asked = await _start(
            time_env, task_queue, {"request": {**REQUEST, "external_id": "ORDER-2"}, "timing": {"deadline_s": 600}}
        )
        for handle, deadline_s in ((own, 120), (asked, 600)):
            await time_env.sleep(deadline_s + 60)
            state = await handle.query(RequestToPayWorkflow.status, result_type=PaymentState)
            assert state.status is PaymentStatus.UNKNOWN
            started, unknown = state.history[0].at, state.history[-1].at
            assert state.history[-1].source == "deadline"
            assert abs((unknown - started).total_seconds() - deadline_s) < 15, (handle.id, unknown - started)


async def test_the_workers_environment_rules_apply_to_any_client(
    time_env: WorkflowEnvironment, task_queue: str
) -> None:
    """A worker on MoMo's sandbox refuses other currencies than EUR, whatever the caller checked."""
    fake = FakeOperation()
    async with workers(time_env, task_queue, [RequestToPayWorkflow], fake.activities()):
        error = await _refusal(await _start(time_env, task_queue, {"request": {**REQUEST, "currency": "UGX"}}))
    assert error.type == "INVALID_REQUEST"
    assert "request.currency: the MoMo sandbox accepts only EUR, got UGX" in error.message
    assert fake.submitted == []
