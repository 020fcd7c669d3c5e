"""``python -m starter subscription create|list|show|pause|resume|cancel|trigger``.

Errors go through starter/exits.py like every other command: a missing
subscription exits 4, a refused request 2 (before anything is created).
"""

from __future__ import annotations

import argparse
import re
from typing import Any

from starter import subscriptions
from starter.exits import EXIT_NOT_FOUND, EXIT_OK, CliError
from starter.facade import Momoflow, StartError

_EVERY = re.compile(r"^(\d+)([smhd])$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def every_seconds(text: str) -> int:
    match = _EVERY.match(text.strip())
    if not match:
        raise StartError(f"every: {text!r} is not a duration such as 30s, 15m, 12h or 30d")
    return int(match.group(1)) * _UNITS[match.group(2)]


def register(sub: Any, party_args: Any, parser_class: Any) -> None:
    """Add the ``subscription`` command to the CLI's subcommands."""
    actions = sub.add_parser(
        "subscription", help="recurring debits on a pre-approval: create, list, show, pause, resume, cancel"
    ).add_subparsers(dest="action", required=True, parser_class=parser_class)
    create = actions.add_parser("create", help="debit a payer every period under an APPROVED pre-approval")
    create.add_argument(
        "--id", required=True, dest="subscription_id", help="your subscription id (at most 40 characters)"
    )
    party_args(create, "payer", "who pays")
    mandate = create.add_mutually_exclusive_group(required=True)
    mandate.add_argument("--pre-approval-id", help="MoMo's pre-approval id")
    mandate.add_argument("--pre-approval-key", help="the key the PreApproval workflow was started with")
    create.add_argument("--amount", required=True)
    create.add_argument("--currency", default="EUR")
    cadence = create.add_mutually_exclusive_group(required=True)
    cadence.add_argument("--every", help="a period such as 30s, 12h or 30d")
    cadence.add_argument("--monthly-day", type=int, help="monthly on this day (1 to 28), at --at UTC")
    create.add_argument("--at", default="00:00", help="HH:MM UTC for --monthly-day")
    create.add_argument("--end", default=None, help="no debit after this ISO time")
    create.add_argument("--count", type=int, default=None, help="at most this many debits")
    create.add_argument("--message", default="", help="message to the payer on each debit")
    create.add_argument("--retry-after", default="1d", help="retry a failed debit once after this long (default 1d)")
    actions.add_parser("list", help="every subscription's id")
    for name, text in (("show", "timetable, state and recent debits"), ("cancel", "delete the schedule: no more debits"),
                       ("trigger", "run the current period now (never debits a period twice)")):  # fmt: skip
        actions.add_parser(name, help=text).add_argument("subscription_id")
    for name, text in (("pause", "stop debiting until resumed"), ("resume", "debit again from the next period")):
        parser = actions.add_parser(name, help=text)
        parser.add_argument("subscription_id")
        parser.add_argument("--note", default="by operator", help="why, shown with the schedule")


def request_of(args: argparse.Namespace, party: dict[str, str]) -> dict[str, Any]:
    if args.every:
        cadence: dict[str, Any] = {"every_s": every_seconds(args.every)}
    else:
        hour, _, minute = args.at.partition(":")
        if not (hour.isdigit() and minute.isdigit()):
            raise StartError(f"at: {args.at!r} is not HH:MM")
        cadence = {"day_of_month": args.monthly_day, "hour": int(hour), "minute": int(minute)}
    request: dict[str, Any] = {
        "subscription_id": args.subscription_id,
        "payer": party,
        "amount": args.amount,
        "currency": args.currency,
        "payer_message": args.message,
        "cadence": cadence,
        "retry_after_s": every_seconds(args.retry_after),
        "end_at": args.end,
        "count": args.count,
    }
    if args.pre_approval_id:
        request["pre_approval_id"] = args.pre_approval_id
    return request


async def run(momoflow: Momoflow, args: argparse.Namespace, party: dict[str, str] | None, out: Any) -> int:
    client, action = momoflow.client, args.action
    try:
        if action == "create":
            assert party is not None
            view = await momoflow.subscribe(request_of(args, party), pre_approval_key=args.pre_approval_key)
            out.line(
                f"Subscription {view.subscription_id}: schedule {view.schedule_id}, next debit {view.next_runs[:1]}"
            )
            out.result(view.as_dict())
        elif action == "list":
            out.result(await subscriptions.list_ids(client))
        elif action == "show":
            view = await momoflow.subscription(args.subscription_id)
            periods = await subscriptions.debits(client, args.subscription_id, limit=20)
            out.result(
                {**view.as_dict(), "periods": [p.model_dump(mode="json", exclude={"last_state"}) for p in periods]}
            )
        elif action == "pause":
            await subscriptions.pause(client, args.subscription_id, args.note)
            out.line(f"Paused {args.subscription_id}.")
        elif action == "resume":
            await subscriptions.resume(client, args.subscription_id, args.note)
            out.line(f"Resumed {args.subscription_id}.")
        elif action == "cancel":
            await subscriptions.cancel(client, args.subscription_id)
            out.line(f"Cancelled {args.subscription_id}: no further debits.")
        elif action == "trigger":
            await subscriptions.trigger(client, args.subscription_id)
            out.line(f"Triggered {args.subscription_id}: the current period is collected once.")
    except Exception as exc:
        if subscriptions.is_not_found(exc):
            raise CliError(
                "not_found",
                f"no subscription {getattr(args, 'subscription_id', '')!r}; see: python -m starter subscription list",
                EXIT_NOT_FOUND,
            ) from None
        raise
    return EXIT_OK
