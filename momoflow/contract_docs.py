"""Generate the published contract (``docs/contract.md``, ``docs/schemas/*.json``) from the use-case registry.

One section and two schemas per :data:`momoflow.use_cases.USE_CASES` entry, with the
wire names of :mod:`momoflow.contract`.

``python -m momoflow.contract_docs`` (``make contract``) rewrites them;
``--check`` exits 1 if the committed files differ from what the code says.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel, TypeAdapter

from activities.errors import STILL_PENDING
from momo.errors import BUSINESS_CODES
from momoflow import codec, contract
from momoflow import search_attributes as sa
from momoflow.models import PaymentState, ProviderCallback, Resolution
from momoflow.use_cases import USE_CASES, Message, UseCase
from momoflow.validation import INVALID_REQUEST, MISSING_INPUT, TIMING_BOUNDS
from workflows import webhook_events
from workflows.payment_pattern import NOT_SUBMITTED

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"

_PAYLOADS: dict[str, Any] = {
    "ProviderCallback": ProviderCallback,
    "Resolution": Resolution,
    "PaymentState": PaymentState,
    "WebhookEvent": contract.WebhookEvent,
    "WebhookDispatch": contract.WebhookDispatch,
}
_PRECHECKS = [
    "PRECHECK_PAYEE_NOT_FOUND",
    "PRECHECK_PAYEE_NOT_ACTIVE",
    "PRECHECK_INSUFFICIENT_BALANCE",
    "PRECHECK_<code>",
]


def _schema(kind: Any) -> str:
    return json.dumps(TypeAdapter(kind).json_schema(mode="validation"), indent=2, sort_keys=True) + "\n"


def schemas() -> dict[str, str]:
    """File name under ``docs/schemas`` → JSON Schema text."""
    files = {}
    for use_case in USE_CASES:
        files[f"{use_case.workflow_type}.input.json"] = _schema(use_case.input_model)
        files[f"{use_case.workflow_type}.result.json"] = _schema(use_case.result_model)
    for name, model in _PAYLOADS.items():
        files[f"{name}.json"] = _schema(model)
    for use_case in USE_CASES:
        for message in use_case.messages:
            for model in (message.argument, message.returns):
                if isinstance(model, type) and issubclass(model, BaseModel):
                    files[f"{model.__name__}.json"] = _schema(model)
    return files


def _payload(kind: Any) -> str:
    if isinstance(kind, type) and issubclass(kind, BaseModel):
        return f"[`{kind.__name__}`](schemas/{kind.__name__}.json)"
    return f"`{getattr(kind, '__name__', kind)}`"


def _message_line(message: Message) -> str:
    argument = f" ({_payload(message.argument)})" if message.argument is not None else ""
    returns = f" → {_payload(message.returns)}" if message.returns is not None else ""
    return f"- {message.kind} `{message.name}`{argument}{returns}: {message.meaning}"


def _workflow_section(use_case: UseCase) -> str:
    workflow_type = use_case.workflow_type
    asynchronous = use_case.is_payment
    key = use_case.id_key
    lines = [
        f"### {workflow_type}",
        "",
        f"- Workflow type: `{workflow_type}`",
        f"- Workflow id: `{use_case.id_prefix}-<key>`, where `<key>` is {key}.",
        f"- Input (one argument): [`schemas/{workflow_type}.input.json`](schemas/{workflow_type}.input.json)",
        f"- Result: [`schemas/{workflow_type}.result.json`](schemas/{workflow_type}.result.json)",
    ]
    if asynchronous:
        lines += [
            f"- Signal `{contract.PROVIDER_CALLBACK_SIGNAL}` ([`ProviderCallback`](schemas/ProviderCallback.json)):"
            " sent by the callback gateway; only triggers a status GET.",
            f"- Query `{contract.STATUS_QUERY}` → [`PaymentState`](schemas/PaymentState.json): the live state.",
            f"- Update `{contract.RESOLVE_UPDATE}` ([`Resolution`](schemas/Resolution.json)) → `PaymentState`:"
            " an operator settles an `UNKNOWN` operation and gets the resolved state at once. The workflow"
            " stays open and keeps checking MoMo on the reconciliation schedule: `resolution_check` (`CHECKING`,"
            " then `CONFIRMED`, `CONTRADICTED` or `NO_ANSWER`) and `discrepancy` (MoMo's differing answer) are"
            " filled in later, in the `status` query and the result; `status` stays the operator's decision."
            " Refused when the operation is not `UNKNOWN`, was already resolved, or its reconciliation has"
            " ended (it then stays `UNKNOWN`).",
        ]
        if contract.CANCEL_UPDATE in use_case.updates:
            lines.append(
                f"- Update `{contract.CANCEL_UPDATE}` (no argument) → `PaymentState` once the cancellation is final"
                " (`details.cancellation_status`, `details.cancellation_reason`; the invoice ends `FAILED`"
                " `TRANSACTION_CANCELED` when it worked). Accepted while the invoice is `PENDING` or `UNKNOWN`."
                " An invoice has one cancellation: send the update with the same update id every time (the"
                f" facade uses `{contract.CANCEL_UPDATE}-<workflow id>`) so Temporal attaches a repeat to the first;"
                " a repeat with another id sends nothing to MoMo, it waits for the first cancellation and returns"
                " it, also after the invoice ended because of it. Once the workflow has closed, read the"
                " cancellation from its result (`details.cancellation_reference_id` is set when there was one)."
            )
    lines += [_message_line(message) for message in use_case.messages]
    lines.append("")
    return "\n".join(lines)


def markdown() -> str:
    bounds = "\n".join(f"| `{field}` | {low:g} | {high:g} |" for field, (low, high) in TIMING_BOUNDS.items())
    workflows = "\n".join(_workflow_section(use_case) for use_case in USE_CASES)
    attributes = "\n".join(f"- `{key.name}` ({sa.type_name(key)})" for key in sa.ALL)
    business = ", ".join(f"`{code}`" for code in sorted(BUSINESS_CODES))
    prechecks = ", ".join(f"`{code}`" for code in _PRECHECKS)
    return f"""<!-- Generated by `make contract` (python -m momoflow.contract_docs) from momoflow/use_cases.py and momoflow/contract.py; do not edit. -->
# momoflow's workflow contract

Any Temporal client, in any language, can start and follow momoflow's workflows
with what this page and the JSON Schemas in [`schemas/`](schemas/) say.

## Conventions

- **Namespace and task queue**: start every workflow on the worker's task queue
  (`TEMPORAL_TASK_QUEUE`, `momoflow` by default). Status checks run on queues the
  worker derives from it (`<task queue>-status-<product>`); callers never name them.
- **Payloads**: JSON (`json/plain`), one argument per workflow. Amounts are decimal
  strings (`"12.50"`), never JSON numbers. Unknown fields are ignored.
- **Idempotency**: for payments, derive the workflow id from your business key and start
  with id conflict policy *use existing* and id reuse policy *reject duplicate*: a repeated
  start attaches to the first operation instead of paying twice.
- **Admission**: the worker judges the input once, at the start (local activity
  `{contract.ADMIT}`, recorded in history). A refused input fails the workflow at once
  with `{INVALID_REQUEST}` (below); nothing is sent to MoMo.
- **Timing**: asynchronous operations take an optional `timing` object. Every field is
  optional; what you leave out the worker decides from its own settings
  (`PAYMENT_CALLBACK_TIMEOUT_S`, `PAYMENT_POLL_INTERVAL_S`, `PAYMENT_DEADLINE_S`; an invoice
  waits according to its validity). Values outside these bounds refuse the start:

| field | min (s) | max (s) |
|---|---|---|
{bounds}

  An invoice's `deadline_s` may reach its `validity_s` plus one day, and
  `reconcile_max_interval_s` must not be shorter than `reconcile_initial_interval_s`.
- **Product**: fixed by the workflow type (payments) or the `product` field (lookups).

## Workflows

{workflows}
## Webhooks

When the worker has `WEBHOOK_ENDPOINTS`, every final status of an asynchronous operation
(and `UNKNOWN` at the deadline, and an operator's resolution) becomes an event
([`WebhookEvent`](schemas/WebhookEvent.json)) POSTed to each endpoint as the JSON body, with
`Momoflow-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` (one `v1` per
configured secret), `Momoflow-Event-Id` and `Momoflow-Event-Type`. Types:

- `{webhook_events.SUCCEEDED}`: the operation ended `SUCCESSFUL`;
- `{webhook_events.FAILED}`: the operation ended `FAILED` (`reason` as under Payment outcomes);
- `{webhook_events.UNKNOWN}`: the deadline passed without MoMo's final answer; reconciliation goes on,
  and a later `{webhook_events.SUCCEEDED}` or `{webhook_events.FAILED}` follows when MoMo answers;
- `{webhook_events.RESOLVED}`: an operator resolved an `UNKNOWN` operation (the status is the operator's).

Receivers deduplicate on `Momoflow-Event-Id` (the same for every delivery of one event).

- Workflow type `{contract.WorkflowType.WEBHOOK_DELIVERY}`, id `{contract.IdPrefix.WEBHOOK_DELIVERY}-<the operation's workflow id>`,
  started by the worker (activity `{contract.WEBHOOK_ENQUEUE}`) with signal-with-start of
  `{contract.WEBHOOK_EVENT_SIGNAL}` ([`WebhookDispatch`](schemas/WebhookDispatch.json)); it POSTs
  through activity `{contract.WEBHOOK_DELIVER}`, one event after the other.
- Query `{contract.WEBHOOK_DELIVERIES_QUERY}` (also its result): the events and, per endpoint,
  `DELIVERED`, `GONE` (HTTP 410) or `FAILED` (gave up).

## Search attributes

Set by the asynchronous workflows (register them on your namespace); never a phone number:

{attributes}

## Failures a caller can see

**Workflow failures** (the workflow ends FAILED with an `ApplicationError`; its `type` is below):

- `{INVALID_REQUEST}` (every workflow, non-retryable): the input does not decode (wrong
  type, missing field) or breaks a business rule. The message lists `field: rule` pairs,
  separated by `; `; `details[0]` is a list of `{{"field", "rule"}}` objects, with dotted
  field paths such as `request.amount` or `timing.poll_interval_s`. A start with no argument
  (or `null`) reports the field `input`:
  "{MISSING_INPUT.rule}", also when a signal came with the start (signal-with-start), which
  is then dropped. A payload labelled `json/plain` that is not JSON ("Invalid JSON: …"), a JSON
  value that is not an object, and a payload in another encoding (`binary/plain`, the Go SDK's
  default for `[]byte`) report `input` too. Start with two arguments or more and the workflow
  task fails and is retried instead (Temporal's Python SDK then gives the workflow no types to
  decode with); the alert `MomoflowWorkflowTasksFailing` pages.
- Synchronous lookups (`ValidateAccountHolder`, `GetBalance`, `ListPreApprovals`,
  `CancelPreApproval`) fail with MoMo's code as the type (e.g. {business}, `RESOURCE_NOT_FOUND`,
  `BAD_REQUEST`), `NOT_CONFIGURED` when the worker has no credentials for the product, and
  `UNAVAILABLE` when MoMo could not be reached within two minutes.
- `DeliveryNotification` (non-retryable): `PAYMENT_NOT_FOUND` (no such workflow),
  `NOT_A_REQUEST_TO_PAY`, `PAYMENT_NOT_SUCCESSFUL` (the message names the payment's state),
  MoMo's `NOT_COMPLETED` (HTTP 409), `NOTIFICATION_EXPIRED` (HTTP 410), `RESOURCE_NOT_FOUND`,
  `BAD_REQUEST`, and as the lookups `NOT_CONFIGURED` / `UNAVAILABLE` (429 and 5xx are retried first).

**Payment outcomes** (asynchronous operations complete normally with a `PaymentState`):
`status` is `SUCCESSFUL`, `FAILED` or `UNKNOWN` (MoMo never gave a final answer by the
deadline; reconciliation goes on and an operator may `resolve` it). A `FAILED` state's
`reason` is MoMo's code (e.g. `PAYER_NOT_FOUND`, `NOT_ALLOWED`, `APPROVAL_REJECTED`, `EXPIRED`,
`TRANSACTION_CANCELED`, or any of the codes above), a transfer pre-check's ({prechecks}),
`RESOLVED_BY_OPERATOR`, `{NOT_SUBMITTED}`, or `UNSPECIFIED`. `{STILL_PENDING}` is internal (the poll
schedule) and never reaches a caller.

`{NOT_SUBMITTED}`: MoMo never accepted the request. Every submission failed or went unanswered
until the deadline (the operation never became `PENDING`), and after a quiet period longer than
any call may last (so no submission can still be on its way) MoMo answered 404 for the reference
id, at the deadline or later during reconciliation. The reference id is never sent again, so
nothing can be charged under it; start a new operation (a new key) to try again.

## Encrypted payloads

When the worker is configured with `CODEC_KEYS`, every payload (inputs, results, signals,
queries, updates, activity payloads) is encrypted by a payload codec; a client must apply
the same codec. Per payload:

1. Serialize the plain `Payload` protobuf (`temporal.api.common.v1.Payload`, with its
   metadata such as `encoding: json/plain`) to bytes.
2. Pick the active key: `CODEC_KEYS` is `kid:base64key[,kid:base64key...]`; the first entry
   encrypts, every entry decrypts. A key id is letters and digits; a key is 32 bytes
   (standard base64), i.e. AES-256.
3. Encrypt with **AES-256-GCM**: a random {codec._NONCE}-byte nonce, associated data = the key id
   as UTF-8 bytes, 16-byte tag appended to the ciphertext (as most AES-GCM libraries do).
4. The encrypted payload's `data` is `nonce ‖ ciphertext ‖ tag`; its metadata is
   `encoding` = `{codec.ENCODING.decode()}` and `{codec.KEY_ID}` = the key id (both UTF-8 bytes).

To decode: payloads whose `encoding` is not `{codec.ENCODING.decode()}` pass unchanged
(written before encryption was enabled); otherwise look up the key by
`{codec.KEY_ID}`, split the first {codec._NONCE} bytes off as nonce, decrypt and authenticate with the
key id as associated data, and parse the result as a `Payload` protobuf. An unknown key id
or a failed tag is an error, never a silent pass-through.
"""


def render() -> dict[Path, str]:
    files = {DOCS / "contract.md": markdown()}
    files.update({DOCS / "schemas" / name: text for name, text in schemas().items()})
    return files


def stale() -> list[Path]:
    """Files that differ from what the code generates (or are missing, or no longer generated)."""
    files = render()
    committed = set((DOCS / "schemas").glob("*.json"))
    differing = [path for path, text in files.items() if not path.is_file() or path.read_text() != text]
    return differing + sorted(committed - set(files))


def main(argv: list[str]) -> int:
    if "--check" in argv:
        paths = stale()
        for path in paths:
            print(f"out of date: {path.relative_to(ROOT)} (run `make contract`)")
        return 1 if paths else 0
    (DOCS / "schemas").mkdir(parents=True, exist_ok=True)
    for old in set((DOCS / "schemas").glob("*.json")) - set(render()):
        old.unlink()
    for path, text in render().items():
        path.write_text(text)
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
