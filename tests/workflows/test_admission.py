"""A workflow judges its input once, at the start: bad input fails it at once, the worker decides timing.

Inputs are plain dicts started by workflow type name, as a client in any
language would send them, not the Python models.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

import pytest
from pydantic import ValidationError
from temporalio.api.common.v1 import Payload
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowFailureError, WorkflowHandle
from temporalio.common import RawValue
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from momoflow import use_cases
from momoflow.contract import PROVIDER_CALLBACK_SIGNAL, RELEASE_SIGNAL, ProviderStatus, WorkflowType
from momoflow.converter import DATA_CONVERTER
from momoflow.models import PaymentState, PaymentStatus
from momoflow.operations import RequestToPayInput, is_workflow_input
from momoflow.settings import PaymentDefaults
from momoflow.validation import MISSING_INPUT, InvalidRequest
from tests.workflows.fakes import FakeOperation, workers
from workflows.account_holder import ValidateAccountHolderWorkflow
from workflows.refund_ledger import RefundLedgerWorkflow
from workflows.registry import WORKFLOW_CLASSES
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


# Every workflow a client may start, by the type name it uses.
PUBLIC_WORKFLOWS = sorted((use_case.workflow_type, WORKFLOW_CLASSES[use_case.name]) for use_case in use_cases.USE_CASES)


def test_every_use_case_input_refuses_what_does_not_decode() -> None:
    # A model that is not a workflow input would let bad bytes fail the task for ever instead.
    assert [u.name for u in use_cases.USE_CASES if not is_workflow_input(u.input_model)] == []
    assert len(PUBLIC_WORKFLOWS) == len(use_cases.USE_CASES) == 16


@pytest.mark.parametrize(("workflow_type", "workflow_class"), PUBLIC_WORKFLOWS, ids=[t for t, _ in PUBLIC_WORKFLOWS])
async def test_a_start_without_input_fails_the_workflow_at_once(
    time_env: WorkflowEnvironment, task_queue: str, workflow_type: str, workflow_class: type
) -> None:
    fake = FakeOperation()
    async with workers(time_env, task_queue, [workflow_class], fake.activities()):
        handle = await time_env.client.start_workflow(workflow_type, id=f"admit-{uuid.uuid4()}", task_queue=task_queue)
        error = await _refusal(handle)
    assert error.type == "INVALID_REQUEST" and error.non_retryable
    assert error.message == "input: missing: start the workflow with one argument, its input as a JSON object"
    assert fake.submitted == []


async def test_a_null_input_is_refused_like_a_missing_one(
    time_env: WorkflowEnvironment, task_queue: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="temporalio.workflow")
    async with workers(time_env, task_queue, [RequestToPayWorkflow], FakeOperation().activities()):
        error = await _refusal(await _start(time_env, task_queue, None))
    assert error.details[0] == [{"field": "input", "rule": MISSING_INPUT.rule}]
    # The operator's line, as for an input refused at admission.
    refused = [r for r in caplog.records if r.getMessage().startswith("input refused")]
    assert [getattr(r, "problems", None) for r in refused] == [["input"]]


@pytest.mark.parametrize(
    ("encoding", "data", "message"),
    [
        (b"json/plain", b"{not json", "input: Invalid JSON"),
        (b"json/plain", b"", "input: Invalid JSON"),
        (b"json/plain", b"\xff\xfe", "input: Invalid JSON"),
        (b"json/plain", b"[]", "input: Input should be a valid dictionary"),
        # The Go SDK's default for a []byte argument: it decodes to bytes whatever the hint.
        (
            b"binary/plain",
            b'{"request": {}}',
            "input: send the workflow's input as a JSON object, encoding json/plain, got bytes",
        ),
        (
            b"text/csv",
            b"a,b",
            "input: send the workflow's input as a JSON object, encoding json/plain; 'Unknown payload encoding text/csv'",
        ),
    ],
    ids=["broken", "empty", "not-utf8", "a-list", "binary-plain", "unknown-encoding"],
)
async def test_input_that_is_not_a_json_object_fails_the_workflow_at_once(
    time_env: WorkflowEnvironment, task_queue: str, encoding: bytes, data: bytes, message: str
) -> None:
    fake = FakeOperation()
    raw = RawValue(Payload(metadata={"encoding": encoding}, data=data))
    async with workers(time_env, task_queue, [RequestToPayWorkflow], fake.activities()):
        error = await _refusal(await _start(time_env, task_queue, raw))
    assert error.type == "INVALID_REQUEST"
    assert error.message.startswith(message)
    assert fake.submitted == []


@pytest.mark.filterwarnings("ignore::temporalio.workflow.UnfinishedSignalHandlersWarning")
@pytest.mark.parametrize(
    ("workflow_type", "workflow_class", "signal", "argument"),
    [
        (
            WorkflowType.REQUEST_TO_PAY,
            RequestToPayWorkflow,
            PROVIDER_CALLBACK_SIGNAL,
            {"reference_id": str(uuid.uuid4()), "status": "SUCCESSFUL"},
        ),
        (WorkflowType.REFUND_LEDGER, RefundLedgerWorkflow, RELEASE_SIGNAL, "refund-1"),
    ],
    ids=["request-to-pay-callback", "refund-ledger-release"],
)
async def test_a_signal_with_a_start_without_input_does_not_keep_the_workflow_running(
    time_env: WorkflowEnvironment,
    task_queue: str,
    workflow_type: str,
    workflow_class: type,
    signal: str,
    argument: Any,
) -> None:
    # Signal-with-start: the signal is handled in the run's first task, before run() begins,
    # so the refusal must come from __init__, before any handler touches the run's state.
    fake = FakeOperation()
    async with workers(time_env, task_queue, [workflow_class], fake.activities()):
        handle = await time_env.client.start_workflow(
            workflow_type,
            id=f"admit-{uuid.uuid4()}",
            task_queue=task_queue,
            start_signal=signal,
            start_signal_args=[argument],
        )
        error = await _refusal(handle)
    assert error.type == "INVALID_REQUEST"
    assert error.details[0] == [{"field": "input", "rule": MISSING_INPUT.rule}]
    assert fake.submitted == []


async def test_other_payloads_that_do_not_decode_still_fail_the_task_not_the_workflow() -> None:
    # A result or signal MoMo's side never shapes: a decoding bug there must be retried after a
    # fix, not end a payment. Only a workflow's input is refused.
    payload = Payload(metadata={"encoding": b"json/plain"}, data=b"{not json")
    with pytest.raises(ValidationError):
        DATA_CONVERTER.payload_converter.from_payloads([payload], [PaymentState])
    with pytest.raises(InvalidRequest):
        DATA_CONVERTER.payload_converter.from_payloads([payload], [RequestToPayInput | None])  # type: ignore[list-item]
