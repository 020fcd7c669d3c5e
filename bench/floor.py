"""The floor: the baseline's Temporal shape with MoMo's real round trips in it, and nothing else.

Any integration of MoMo on Temporal pays for these, however it is written: an
authenticated POST to MoMo with a callback URL, MoMo's callback through the
gateway as a signal, and an authenticated GET to confirm. The floor workflow
has the baseline's shape (activity, signal-bounded wait, activity on the status
queue) and calls momoflow's own MoMo activities, so the simulated MoMo and the
gateway do exactly the work they do for a full-path payment. What it leaves
out is what momoflow adds on top: the admission, the search attributes, the
patch marker, the payment pattern's bookkeeping, logs and metrics in the
workflow, and the facade's checks. Full path against floor is momoflow's own
cost; floor against baseline is the cost of talking to MoMo at all.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel
from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from momoflow.contract import (
        PROVIDER_CALLBACK_SIGNAL,
        REQUEST_TO_PAY,
        ProviderStatus,
        StatusCheck,
        SubmitRequestToPay,
    )
    from momoflow.models import ProviderCallback
    from momoflow.operations import RequestToPayRequest

WORKFLOW_NAME = "BenchFloor"
ONE_CALL = timedelta(seconds=30)


class FloorInput(BaseModel):
    request: RequestToPayRequest
    status_task_queue: str
    signal_timeout_s: float = 300.0


class FloorResult(BaseModel):
    """What the benchmark checks the floor against: the same MoMo work as a full-path payment."""

    reference_id: str
    status: str
    callbacks: int


@workflow.defn(name=WORKFLOW_NAME)
class FloorWorkflow:
    def __init__(self) -> None:
        self._callbacks = 0

    @workflow.signal(name=PROVIDER_CALLBACK_SIGNAL)
    def callback(self, _callback: ProviderCallback) -> None:
        self._callbacks += 1

    @workflow.run
    async def run(self, inp: FloorInput) -> FloorResult:
        reference_id = str(workflow.uuid4())
        await workflow.execute_activity(
            REQUEST_TO_PAY.submit,
            SubmitRequestToPay(reference_id=reference_id, request=inp.request),
            result_type=bool,
            start_to_close_timeout=ONE_CALL,
        )
        await workflow.wait_condition(lambda: self._callbacks > 0, timeout=timedelta(seconds=inp.signal_timeout_s))
        status: ProviderStatus = await workflow.execute_activity(
            REQUEST_TO_PAY.get_status,
            StatusCheck(reference_id=reference_id),
            result_type=ProviderStatus,
            start_to_close_timeout=ONE_CALL,
            task_queue=inp.status_task_queue,
        )
        return FloorResult(reference_id=reference_id, status=status.status, callbacks=self._callbacks)
