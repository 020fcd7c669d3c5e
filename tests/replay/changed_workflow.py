"""A deliberately incompatible RequestToPay, to prove the replay check can fail."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from momoflow.operations import RequestToPayInput


@workflow.defn(name="RequestToPay")
class ChangedRequestToPay:
    @workflow.run
    async def run(self, inp: RequestToPayInput) -> None:
        await workflow.execute_activity("collection.something_else", inp, start_to_close_timeout=timedelta(seconds=5))
