"""``python -m starter list``: find payments through Temporal visibility.

Filters become a visibility query over the workflow type and the search
attributes the workflows keep current (see :mod:`momoflow.search_attributes`),
so listing needs neither a worker nor the payload keys.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from temporalio.client import Client, WorkflowExecution

from momoflow import search_attributes as sa
from momoflow import use_cases
from momoflow.models import PaymentStatus

# ``--use-case`` value (the use case's name in kebab-case) → workflow type, for every payment.
USE_CASES: dict[str, str] = {use_case.list_filter: use_case.workflow_type for use_case in use_cases.PAYMENTS}
STATUSES = [s.value for s in PaymentStatus]
_DURATION = re.compile(r"^(\d+)([smhdw])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_VALUE = re.compile(r"^[A-Za-z0-9._:@-]{1,200}$")


def parse_since(value: str, now: datetime | None = None) -> datetime:
    """``30m``, ``2h``, ``7d`` (ago) or an ISO date/time (UTC when no zone is given)."""
    now = now or datetime.now(UTC)
    text = value.strip()
    match = _DURATION.match(text)
    if match:
        return now - timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"since: {value!r} is neither a duration (30m, 2h, 7d) nor an ISO date (2025-01-31)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _quoted(field: str, value: str) -> str:
    if not _VALUE.match(value):
        raise ValueError(f"{field}: 1 to 200 letters, digits, '.', '_', ':', '@' or '-'")
    return f'"{value}"'


def build_query(
    use_case: str | None = None,
    status: str | None = None,
    since: datetime | None = None,
    external_id: str | None = None,
    reference_id: str | None = None,
) -> str:
    """The visibility query; every value is checked, so nothing can be injected into it."""
    if use_case:
        types = [USE_CASES[use_case]]
    else:
        types = list(USE_CASES.values())
    parts = ["WorkflowType IN (" + ", ".join(f"'{t}'" for t in types) + ")"]
    if status:
        if status not in STATUSES:
            raise ValueError(f"status: one of {', '.join(STATUSES)}")
        parts.append(f'{sa.STATUS.name} = "{status}"')
    if since:
        parts.append(f'StartTime >= "{since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}"')
    if external_id:
        parts.append(f"{sa.EXTERNAL_ID.name} = {_quoted('external_id', external_id)}")
    if reference_id:
        parts.append(f"{sa.REFERENCE_ID.name} = {_quoted('reference_id', reference_id)}")
    # No ORDER BY: the dev server's SQL visibility refuses it; rows are sorted here.
    return " AND ".join(parts)


def row(execution: WorkflowExecution) -> dict[str, Any]:
    """One payment as ``list`` shows it; the status is momoflow's, the run state Temporal's."""
    attributes = execution.typed_search_attributes
    use_case = next(
        (name for name, type_ in USE_CASES.items() if type_ == execution.workflow_type), execution.workflow_type
    )
    return {
        "workflow_id": execution.id,
        "use_case": use_case,
        "status": attributes.get(sa.STATUS),
        "external_id": attributes.get(sa.EXTERNAL_ID),
        "reference_id": attributes.get(sa.REFERENCE_ID),
        "started_at": execution.start_time.isoformat() if execution.start_time else None,
        "closed_at": execution.close_time.isoformat() if execution.close_time else None,
        "run_state": execution.status.name if execution.status else None,
    }


async def list_payments(client: Client, query: str, limit: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    async for execution in client.list_workflows(query, limit=limit):
        rows.append(row(execution))
    return sorted(rows, key=lambda r: r["started_at"] or "", reverse=True)


def print_rows(rows: list[dict[str, Any]]) -> None:
    if not rows:
        print("No payments match.")
        return
    headers = ("workflow id", "use case", "status", "external id", "started")
    table = [
        (r["workflow_id"], r["use_case"], r["status"] or "-", r["external_id"] or "-", (r["started_at"] or "")[:19])
        for r in rows
    ]
    widths = [max(len(str(line[i])) for line in [headers, *table]) for i in range(len(headers))]
    for line in [headers, tuple("-" * w for w in widths), *table]:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip())
