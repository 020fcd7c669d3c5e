"""The baseline: a payment's Temporal shape with nothing of momoflow in it.

Same steps as Request to Pay on the callback path: one activity on the main
task queue, a wait for a signal bounded by a timer, one activity on the status
task queue, done. The activities do nothing and the benchmark sends the signal
itself, so what is left is the cost of Temporal (server, SDK, data converter)
for that shape. Deterministic workflow code: it imports only temporalio and the
standard library.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from temporalio import activity, workflow

WORKFLOW_NAME = "BenchBaseline"
SIGNAL_NAME = "provider_callback"  # the same signal name the gateway uses
SUBMIT_ACTIVITY = "bench.noop_submit"
STATUS_ACTIVITY = "bench.noop_get_status"

ONE_CALL = timedelta(seconds=30)


@dataclass
class BaselineInput:
    key: str
    status_task_queue: str
    signal_timeout_s: float = 300.0


@workflow.defn(name=WORKFLOW_NAME)
class BaselineWorkflow:
    def __init__(self) -> None:
        self._signals = 0

    @workflow.signal(name=SIGNAL_NAME)
    def callback(self, _payload: str) -> None:
        self._signals += 1

    @workflow.run
    async def run(self, inp: BaselineInput) -> str:
        await workflow.execute_activity(SUBMIT_ACTIVITY, inp.key, result_type=bool, start_to_close_timeout=ONE_CALL)
        # The same construct as the payment's callback wait: a timer is started only if the
        # signal has not arrived yet, so both kinds adapt the same way to the signal's timing.
        await workflow.wait_condition(lambda: self._signals > 0, timeout=timedelta(seconds=inp.signal_timeout_s))
        status: str = await workflow.execute_activity(
            STATUS_ACTIVITY,
            inp.key,
            result_type=str,
            start_to_close_timeout=ONE_CALL,
            task_queue=inp.status_task_queue,
        )
        return status


@activity.defn(name=SUBMIT_ACTIVITY)
async def noop_submit(_key: str) -> bool:
    return True


@activity.defn(name=STATUS_ACTIVITY)
async def noop_get_status(_key: str) -> str:
    return "SUCCESSFUL"
