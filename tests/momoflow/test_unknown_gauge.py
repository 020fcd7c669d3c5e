"""The UNKNOWN gauges' arithmetic: count and oldest age per use case from a visibility listing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from temporalio.common import SearchAttributePair, TypedSearchAttributes

from momoflow import search_attributes as sa
from momoflow.metrics.unknown import summarize
from momoflow.use_cases import PAYMENTS

NOW = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)


class _Listed:
    """What a visibility listing carries that the summary reads."""

    def __init__(self, workflow_type: str, started: datetime, unknown_since: datetime | None) -> None:
        self.workflow_type = workflow_type
        self.start_time = started
        pairs: list[Any] = [SearchAttributePair(sa.UNKNOWN_SINCE, unknown_since)] if unknown_since else []
        self.typed_search_attributes = TypedSearchAttributes(pairs)


def test_age_is_from_unknown_since_and_start_time_only_for_older_runs() -> None:
    listed = [
        _Listed("RequestToPay", NOW - timedelta(hours=5), NOW - timedelta(minutes=30)),
        _Listed("RequestToPay", NOW - timedelta(hours=1), NOW - timedelta(minutes=50)),
        _Listed("Transfer", NOW - timedelta(hours=2), None),  # became UNKNOWN before the attribute existed
    ]
    found = summarize(listed, NOW)  # type: ignore[arg-type]
    assert (found["request_to_pay"].count, found["request_to_pay"].oldest_s) == (2, 3000)
    assert (found["transfer"].count, found["transfer"].oldest_s) == (1, 7200)
    # Every payment use case is exported, at zero when none is UNKNOWN, so rules see 0, not nothing.
    assert {use_case.name for use_case in PAYMENTS} <= set(found)
    assert (found["invoice"].count, found["invoice"].oldest_s) == (0, 0)
