"""``python -m starter webhooks list [--failed]`` and ``webhooks resend <event id>``.

Listing reads Temporal visibility over the ``WebhookDelivery`` workflows (their
``MomoWebhookState`` and ``MomoWebhookEventIds``), so it needs no worker. Resending
finds the delivery that carries the event, takes the event as it was sent (same id,
so a receiver that already has it ignores it) and queues it again on that
operation's delivery workflow, which a worker then delivers.
"""

from __future__ import annotations

import argparse
import re
from typing import Any

from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.common import WorkflowIDReusePolicy

from momoflow import contract
from momoflow import search_attributes as sa
from momoflow.contract import WebhookDeliveries
from starter.exits import EXIT_OK, CliError, NotAllowed

_EVENT_ID = re.compile(r"^evt_[0-9a-f]{32}$")


def add_parser(sub: Any) -> None:
    """Register ``webhooks list`` and ``webhooks resend`` on the CLI's subcommands."""
    hooks = sub.add_parser("webhooks", help="webhook deliveries: list, resend")
    actions = hooks.add_subparsers(dest="action", required=True, parser_class=type(hooks))
    listed = actions.add_parser("list", help="deliveries, newest first (MomoWebhookState)")
    listed.add_argument(
        "--failed", action="store_true", help="only deliveries an endpoint gave up on (or answered 410)"
    )
    listed.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")
    resend = actions.add_parser("resend", help="deliver an event again, with the same event id")
    resend.add_argument("event_id", help="evt_... as in the Momoflow-Event-Id header")


def query(failed: bool) -> str:
    text = f'WorkflowType = "{contract.WorkflowType.WEBHOOK_DELIVERY}"'
    return text + f' AND {sa.WEBHOOK_STATE.name} = "FAILED"' if failed else text


async def list_deliveries(client: Client, failed: bool, limit: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    async for execution in client.list_workflows(query(failed), limit=limit):
        attributes = execution.typed_search_attributes
        rows.append(
            {
                "workflow_id": execution.id,
                "operation": execution.id.removeprefix(f"{contract.IdPrefix.WEBHOOK_DELIVERY}-"),
                "state": attributes.get(sa.WEBHOOK_STATE),
                "event_ids": list(attributes.get(sa.WEBHOOK_EVENT_IDS) or []),
                "started": execution.start_time.isoformat() if execution.start_time else None,
            }
        )
    return rows


def print_rows(rows: list[dict[str, Any]]) -> None:
    if not rows:
        print("no webhook deliveries")
    for row in rows:
        print(f"{row['state'] or '?':<10} {row['operation']:<50} {' '.join(row['event_ids'])}")


async def resend(client: Client, event_id: str) -> dict[str, Any]:
    if not _EVENT_ID.match(event_id):
        raise CliError("bad_input", f"event_id: {event_id!r} is not an event id (evt_ and 32 hex digits)", 2)
    found = [e async for e in client.list_workflows(f'{sa.WEBHOOK_EVENT_IDS.name} = "{event_id}"', limit=1)]
    if not found:
        raise CliError(
            "not_found", f"no webhook delivery carries event {event_id}; see: python -m starter webhooks list", 4
        )
    handle = client.get_workflow_handle(found[0].id, run_id=found[0].run_id, result_type=WebhookDeliveries)
    description = await handle.describe()
    if description.status is WorkflowExecutionStatus.RUNNING:
        deliveries = await handle.query(contract.WEBHOOK_DELIVERIES_QUERY, result_type=WebhookDeliveries)
    elif description.status is WorkflowExecutionStatus.COMPLETED:
        deliveries = await handle.result()
    else:
        raise NotAllowed(f"the delivery {found[0].id} ended {description.status.name if description.status else '?'}")
    dispatch = next((d for d in deliveries.dispatches if d.event.id == event_id), None)
    if dispatch is None:
        raise CliError("not_found", f"delivery {found[0].id} does not hold event {event_id}", 4)
    again = dispatch.model_copy(update={"resend": True})
    await client.start_workflow(
        contract.WorkflowType.WEBHOOK_DELIVERY,
        id=found[0].id,
        task_queue=found[0].task_queue,
        start_signal=contract.WEBHOOK_EVENT_SIGNAL,
        start_signal_args=[again],
        id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
    )
    return {"event_id": event_id, "workflow_id": found[0].id, "endpoints": again.endpoints}


async def run(client: Client, args: argparse.Namespace, out: Any) -> int:
    if args.action == "list":
        if args.limit < 1:
            raise CliError("bad_input", "limit: at least 1", 2)
        rows = await list_deliveries(client, args.failed, args.limit)
        if out.json:
            out.result(rows)
        else:
            print_rows(rows)
        return EXIT_OK
    result = await resend(client, args.event_id)
    out.line(f"Queued {args.event_id} again on {result['workflow_id']}; receivers see the same event id.")
    out.result(result)
    return EXIT_OK
