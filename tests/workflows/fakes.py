"""Activities mocked by name, scripted per test."""

from __future__ import annotations

from dataclasses import dataclass, field

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.errors import still_pending
from momoflow.models import ProviderStatus, StatusCheck, SubmitRequestToPay
from workflows.request_to_pay import AWAIT_FINAL, GET_STATUS, SUBMIT


@dataclass
class FakeCollection:
    """A scripted MoMo: ``statuses`` are returned by successive status calls (the last one repeats)."""

    statuses: list[ProviderStatus] = field(default_factory=lambda: [ProviderStatus(status="PENDING")])
    submit_error: ApplicationError | None = None
    # Fail this many submit attempts retryably before the POST goes through.
    submit_transient_failures: int = 0
    # After a lost response, MoMo already has the payment: the retry answers 409.
    submit_conflict_after_failure: bool = True
    submitted_refs: list[str] = field(default_factory=list)
    created: list[bool] = field(default_factory=list)
    get_calls: int = 0
    poll_calls: int = 0

    def _next(self) -> ProviderStatus:
        index = min(self.get_calls + self.poll_calls - 1, len(self.statuses) - 1)
        return self.statuses[index]

    def activities(self) -> list[object]:
        @activity.defn(name=SUBMIT)
        async def submit(submit: SubmitRequestToPay) -> bool:
            self.submitted_refs.append(submit.reference_id)
            if self.submit_error is not None:
                raise self.submit_error
            if len(self.submitted_refs) <= self.submit_transient_failures:
                raise ApplicationError("HTTP 503 SERVICE_UNAVAILABLE", type="SERVICE_UNAVAILABLE")
            created = not (self.submit_transient_failures and self.submit_conflict_after_failure)
            self.created.append(created)
            return created

        @activity.defn(name=GET_STATUS)
        async def get_status(check: StatusCheck) -> ProviderStatus:
            self.get_calls += 1
            return self._next()

        @activity.defn(name=AWAIT_FINAL)
        async def await_final(check: StatusCheck) -> ProviderStatus:
            self.poll_calls += 1
            answer = self._next()
            if not answer.is_final:
                raise still_pending(answer.status)
            return answer

        return [submit, get_status, await_final]
