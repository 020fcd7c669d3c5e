"""What the Web UI shows: a summary line, live business details, payments told apart from lookups."""

from __future__ import annotations

import uuid
from decimal import Decimal

from temporalio import activity
from temporalio.testing import WorkflowEnvironment

from momoflow import contract
from momoflow import search_attributes as sa
from momoflow.contract import AccountBalance, BalanceCheck, ProviderStatus
from momoflow.operations import BalanceQuery
from momoflow.settings import TemporalSettings
from starter.facade import Momoflow
from tests.workflows.cases import TIMING, rtp_input
from tests.workflows.fakes import FakeOperation, workers
from workflows.balance import GetBalanceWorkflow
from workflows.request_to_pay import RequestToPayWorkflow

PAYER_NUMBER = "46733123454"


async def _details(handle) -> str:  # type: ignore[no-untyped-def]
    metadata = await handle.query("__temporal_workflow_metadata")
    return metadata.current_details


async def test_a_payment_shows_its_summary_and_where_it_stands(time_env: WorkflowEnvironment, task_queue: str) -> None:
    fake = FakeOperation(statuses=[ProviderStatus(status="PENDING")])
    async with workers(time_env, task_queue, [RequestToPayWorkflow], fake.activities()):
        handle = await time_env.client.start_workflow(
            RequestToPayWorkflow.run, rtp_input(TIMING), id=f"rtp-{uuid.uuid4()}", task_queue=task_queue
        )
        await time_env.sleep(TIMING.deadline_s + 30)
        unknown = await _details(handle)
        fake.statuses.append(ProviderStatus(status="SUCCESSFUL", financial_transaction_id="FT-555"))
        await handle.result()
        done = await _details(handle)
        kind = (await handle.describe()).typed_search_attributes.get(sa.KIND)

    assert unknown.startswith("Request to Pay · 500 EUR · external id ORDER-1")
    assert "**UNKNOWN**" in unknown
    assert "**SUCCESSFUL** · MoMo transaction FT-555" in done
    assert PAYER_NUMBER not in unknown + done
    assert kind == "payment"


async def test_a_lookup_is_marked_as_such(time_env: WorkflowEnvironment, task_queue: str) -> None:
    @activity.defn(name=contract.balance("collection"))
    async def get_balance(check: BalanceCheck) -> AccountBalance:
        return AccountBalance(available_balance=Decimal("10"), currency="EUR")

    async with workers(time_env, task_queue, [GetBalanceWorkflow], [get_balance]):
        handle = await time_env.client.start_workflow(
            GetBalanceWorkflow.run,
            BalanceQuery(product="collection"),
            id=f"balance-{uuid.uuid4()}",
            task_queue=task_queue,
        )
        await handle.result()
        details = await _details(handle)  # answered by a worker
    assert (await handle.describe()).typed_search_attributes.get(sa.KIND) == "lookup"
    assert details == "Get Balance"


async def test_the_facade_gives_each_start_a_summary_without_phone_number(
    time_env: WorkflowEnvironment, task_queue: str
) -> None:
    momoflow = Momoflow(time_env.client, TemporalSettings(task_queue=task_queue))
    request = {"amount": "500", "currency": "EUR", "payer": {"party_id_type": "MSISDN", "party_id": PAYER_NUMBER},
               "external_id": "ORDER-9"}  # fmt: skip
    payment = await momoflow.request_to_pay(request)  # no worker needed to start
    summary = await (await time_env.client.get_workflow_handle(payment.workflow_id).describe()).static_summary()
    assert summary == "Request to Pay · 500 EUR · external id ORDER-9"
