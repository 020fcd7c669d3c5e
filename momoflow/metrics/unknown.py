"""Gauges of operations UNKNOWN right now and how long the oldest has been, from Temporal visibility.

Counters of operations becoming and leaving UNKNOWN cannot tell an age, and a
sum of them drifts. So the worker asks visibility every
``METRICS_UNKNOWN_SCAN_INTERVAL_S`` (60 s) for running workflows with
``MomoStatus="UNKNOWN"``, reads ``MomoUnknownSince`` (set in the same upsert as
the status; runs that became UNKNOWN before it existed fall back to their start
time, which overstates the age by at most their deadline) and sets:

- ``momoflow_operations_unknown{use_case}``: how many;
- ``momoflow_operations_unknown_oldest_seconds{use_case}``: the oldest's age (0 when none);
- ``momoflow_unknown_scan_last_success_timestamp_seconds``: when the last scan succeeded.

Every worker replica scans and exports the same values: rules take ``max()``
across instances, so one replica or ten give the same alert. A failed scan
leaves the last values and the timestamp unchanged (a rule watches the timestamp).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from prometheus_client import Gauge
from temporalio.client import Client, WorkflowExecution

from momoflow import search_attributes as sa
from momoflow.logging import get_logger
from momoflow.metrics import names
from momoflow.models import PaymentStatus
from momoflow.use_cases import BY_WORKFLOW_TYPE, PAYMENTS

QUERY = f'ExecutionStatus="Running" AND {sa.STATUS.name}="{PaymentStatus.UNKNOWN.value}"'


def _gauge(metric: names.Metric) -> Gauge:
    assert metric.kind == "gauge" and metric.source == "registry", metric.name
    return Gauge(metric.name, metric.help, list(metric.labels))


COUNT = _gauge(names.OPERATIONS_UNKNOWN)
OLDEST = _gauge(names.OPERATIONS_UNKNOWN_OLDEST)
SCANNED = _gauge(names.UNKNOWN_SCAN_SUCCESS)


@dataclass
class Unknown:
    count: int = 0
    oldest_s: float = 0.0


def summarize(executions: Iterable[WorkflowExecution], now: datetime) -> dict[str, Unknown]:
    """Count and oldest age per use case; every payment use case appears, with zeros when none."""
    found = {use_case.name: Unknown() for use_case in PAYMENTS}
    for execution in executions:
        known = BY_WORKFLOW_TYPE.get(execution.workflow_type)
        name = known.name if known is not None else execution.workflow_type
        since = execution.typed_search_attributes.get(sa.UNKNOWN_SINCE) or execution.start_time
        entry = found.setdefault(name, Unknown())
        entry.count += 1
        entry.oldest_s = max(entry.oldest_s, (now - since).total_seconds())
    return found


async def scan(client: Client) -> dict[str, Unknown]:
    """One visibility listing (a page per thousand UNKNOWN operations); sets the gauges."""
    executions = [execution async for execution in client.list_workflows(QUERY)]
    found = summarize(executions, datetime.now(UTC))
    for name, unknown in found.items():
        COUNT.labels(name).set(unknown.count)
        OLDEST.labels(name).set(unknown.oldest_s)
    SCANNED.set(time.time())
    return found


async def keep_scanning(client: Client, interval_s: float) -> None:
    """Scan until cancelled; a failure is logged and the next scan tries again."""
    log = get_logger("metrics")
    while True:
        try:
            await scan(client)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("counting UNKNOWN operations failed", error=type(exc).__name__, detail=str(exc)[:200])
        await asyncio.sleep(interval_s)
