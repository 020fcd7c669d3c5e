"""Record histories with webhooks on (``python -m tests.replay.record_webhooks``).

A Request to Pay admitted by a worker that sends webhooks (the ``webhook-events``
patch and the ``webhooks.enqueue`` activity), and the ``WebhookDelivery`` workflow
that delivered its event after two refused attempts; both on the time-skipping
server with MoMo and the receiver scripted.
"""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from pathlib import Path

from temporalio.client import WorkflowExecutionStatus
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from devstack.stack import find_binary
from momoflow import contract
from momoflow.contract import ProviderStatus
from tests.conftest import register_search_attributes
from tests.workflows.fakes import FakeOperation
from tests.workflows.webhook_support import ScriptedReceiver, webhook_workers
from workflows.request_to_pay import RequestToPayWorkflow

HISTORIES = Path(__file__).parent / "histories"
INPUT = {
    "request": {
        "amount": "250.50",
        "currency": "EUR",
        "payer": {"party_id_type": "MSISDN", "party_id": "46733999999"},
        "external_id": "REPLAY-webhooks",
    },
    "timing": {"callback_timeout_s": 10, "poll_interval_s": 1, "deadline_s": 60},
}


async def record(out_dir: Path = HISTORIES) -> list[Path]:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=find_binary("temporal-test-server"), data_converter=pydantic_data_converter
    )
    try:
        await register_search_attributes(env.client)
        queue = f"record-{uuid.uuid4()}"
        fake = FakeOperation(
            statuses=[
                ProviderStatus(status="PENDING"),
                ProviderStatus(status="SUCCESSFUL", financial_transaction_id="1"),
            ]
        )
        async with webhook_workers(env, queue, [RequestToPayWorkflow], fake.activities(), ScriptedReceiver(failures=2)):
            payment = await env.client.start_workflow("RequestToPay", INPUT, id="rtp-REPLAY-webhooks", task_queue=queue)
            await payment.result()
            delivery = env.client.get_workflow_handle(contract.webhook_delivery_id(payment.id))
            while True:
                try:
                    if (await delivery.describe()).status is WorkflowExecutionStatus.COMPLETED:
                        break
                except Exception:
                    pass
                await env.sleep(5)
            paths = [out_dir / "request_to_pay-webhooks-successful.json", out_dir / "webhook-delivery-retried.json"]
            for path, handle in zip(paths, (payment, delivery), strict=True):
                path.write_text((await handle.fetch_history()).to_json())
        return paths
    finally:
        await env.shutdown()


def main() -> None:
    print(f"recorded {asyncio.run(record())}")
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
