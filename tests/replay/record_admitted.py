"""Record the history of a payment admitted under today's rules (``python -m tests.replay.record_admitted``).

A Request to Pay with a 150-character payer message, run to SUCCESSFUL on the
time-skipping server with MoMo scripted: the replay tests tighten the message
limit below 150 and show the payment still replays, because the verdict of
``momoflow.admit`` is read from history, never judged again.
"""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from pathlib import Path

from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from devstack.stack import find_binary
from momoflow.contract import ProviderStatus
from tests.conftest import register_search_attributes
from tests.workflows.fakes import FakeOperation, workers
from workflows.request_to_pay import RequestToPayWorkflow

PATH = Path(__file__).parent / "histories" / "request_to_pay-admitted-long-message.json"
MESSAGE_LENGTH = 150
INPUT = {
    "request": {
        "amount": "250.50",
        "currency": "EUR",
        "payer": {"party_id_type": "MSISDN", "party_id": "46733999999"},
        "external_id": "REPLAY-admitted-long-message",
        "payer_message": "m" * MESSAGE_LENGTH,
    },
    "timing": {"callback_timeout_s": 10, "poll_interval_s": 1, "deadline_s": 60},
}


async def record(path: Path = PATH) -> Path:
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
        async with workers(env, queue, [RequestToPayWorkflow], fake.activities()):
            handle = await env.client.start_workflow(
                "RequestToPay", INPUT, id="rtp-REPLAY-admitted-long-message", task_queue=queue
            )
            await handle.result()
            history = await handle.fetch_history()
        path.write_text(history.to_json())
        return path
    finally:
        await env.shutdown()


def main() -> None:
    print(f"recorded {asyncio.run(record())}")
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
