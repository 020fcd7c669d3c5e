"""Start and follow momoflow payments with nothing but the Temporal SDK.

A Request to Pay and a Transfer are started by workflow type name with plain
JSON (dicts), under momoflow's workflow ids and id policies, and followed to
their final state; then a bad request (a negative amount) shows how the worker
refuses input. Payload encryption is written here from momoflow's documented
format (AES-256-GCM with key ids), so no momoflow module is imported: this is
what any team's service can do.

Settings, named as momoflow's processes name them: Temporal's standard client
configuration (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY,
TEMPORAL_TLS*, TEMPORAL_PROFILE, ...), TEMPORAL_TASK_QUEUE, and CODEC_KEYS (or
CODEC_KEYS_FILE; without a key the example refuses to run unless
CODEC_ALLOW_PLAINTEXT=true). RUN_ID (random by default) is part of every key, so
running again with the same RUN_ID attaches to the first payments. ``--json``
prints a one-line summary at the end.

Needs only ``temporalio`` and ``cryptography``::

    python examples/python_plain_client.py
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import os
import secrets
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.client import Client, WorkflowFailureError, WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.converter import DataConverter, PayloadCodec
from temporalio.envconfig import ClientConfig
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError

FINAL = {"SUCCESSFUL", "FAILED"}
STATUS_QUERY = "status"

# -- the payload codec, from the format momoflow documents --------------------------------------

ENCODING = b"binary/encrypted"
KEY_ID = "encryption-key-id"
NONCE_BYTES = 12


def parse_keys(spec: str) -> list[tuple[str, bytes]]:
    """``kid:base64key,kid:base64key``: the first encrypts, all decrypt; keys are 32 bytes."""
    keys = []
    for item in (part.strip() for part in spec.split(",")):
        if not item:
            continue
        kid, sep, encoded = item.partition(":")
        if not sep or not kid.isalnum():
            raise ValueError("CODEC_KEYS: each entry must be 'key-id:base64-key'")
        try:
            key = base64.b64decode(encoded, validate=True)
        except binascii.Error:
            raise ValueError(f"CODEC_KEYS: key {kid!r} is not valid base64") from None
        if len(key) != 32:
            raise ValueError(f"CODEC_KEYS: key {kid!r} must be 32 bytes")
        keys.append((kid, key))
    if not keys:
        raise ValueError("CODEC_KEYS: no key")
    return keys


class Aes256GcmCodec(PayloadCodec):
    """data = 12-byte nonce || AES-256-GCM(serialized Payload, associated data = key id) || 16-byte tag."""

    def __init__(self, keys: list[tuple[str, bytes]]) -> None:
        self._kid = keys[0][0]
        self._ciphers = {kid: AESGCM(key) for kid, key in keys}

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        out = []
        for payload in payloads:
            nonce = os.urandom(NONCE_BYTES)
            sealed = self._ciphers[self._kid].encrypt(nonce, payload.SerializeToString(), self._kid.encode())
            out.append(Payload(metadata={"encoding": ENCODING, KEY_ID: self._kid.encode()}, data=nonce + sealed))
        return out

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        out = []
        for payload in payloads:
            if payload.metadata.get("encoding") != ENCODING:
                out.append(payload)
                continue
            kid = payload.metadata.get(KEY_ID, b"").decode()
            cipher = self._ciphers.get(kid)
            if cipher is None:
                raise ValueError(f"payload encrypted with key {kid!r}, which is not in CODEC_KEYS")
            try:
                plain = cipher.decrypt(payload.data[:NONCE_BYTES], payload.data[NONCE_BYTES:], kid.encode())
            except InvalidTag:
                raise ValueError(f"payload encrypted with key {kid!r} failed authentication") from None
            out.append(Payload.FromString(plain))
        return out


def codec_spec() -> str:
    """The keys from CODEC_KEYS or CODEC_KEYS_FILE; none only when plain text was chosen."""
    spec = os.environ.get("CODEC_KEYS", "").strip()
    keys_file = os.environ.get("CODEC_KEYS_FILE", "")
    if not spec and keys_file:
        spec = Path(keys_file).read_text().strip()
    if not spec and os.environ.get("CODEC_ALLOW_PLAINTEXT", "").lower() not in ("1", "true", "yes"):
        raise SystemExit("no payload key: set CODEC_KEYS (or CODEC_KEYS_FILE), or CODEC_ALLOW_PLAINTEXT=true")
    return spec


# -- starting and following ---------------------------------------------------------------------


def log(workflow_id: str, message: str) -> None:
    print(f"[{workflow_id}] {message}", flush=True)


def customer() -> dict[str, str]:
    """A sandbox customer: the 256 country code and eight random digits."""
    return {"party_id_type": "MSISDN", "party_id": f"2567{secrets.randbelow(90_000_000) + 10_000_000}"}


def masked(party: dict[str, str]) -> str:
    number = party["party_id"]
    return f"{number[:4]}****{number[-2:]}"


async def start(
    client: Client, task_queue: str, workflow_type: str, workflow_id: str, inp: dict[str, Any]
) -> WorkflowHandle[Any, Any]:
    """A repeated start attaches to the running operation; a finished one is never started again."""
    try:
        handle = await client.start_workflow(
            workflow_type,
            inp,
            id=workflow_id,
            task_queue=task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        )
    except WorkflowAlreadyStartedError:
        log(workflow_id, "already finished earlier; reading its outcome")
        return client.get_workflow_handle(workflow_id)
    log(workflow_id, f"started {workflow_type}")
    return handle


async def follow(handle: WorkflowHandle[Any, Any]) -> dict[str, Any]:
    """Print each status the ``status`` query reports until the workflow returns its final state."""
    result = asyncio.ensure_future(handle.result())
    last = None
    while not result.done():
        try:
            state = await handle.query(STATUS_QUERY)
            if state["status"] != last:
                last = state["status"]
                log(handle.id, f"status {last}")
        except Exception:  # the first workflow task may not have run yet
            pass
        await asyncio.wait([result], timeout=0.5)
    return dict(result.result())


async def payment(
    client: Client, task_queue: str, workflow_type: str, workflow_id: str, inp: dict[str, Any]
) -> dict[str, Any]:
    state = await follow(await start(client, task_queue, workflow_type, workflow_id, inp))
    extra = f", reason {state['reason']}" if state.get("reason") else ""
    log(
        workflow_id,
        f"final {state['status']} ({state['currency']} {state['amount']}, reference id {state['reference_id']}{extra})",
    )
    return {
        "workflow_id": workflow_id,
        "status": state["status"],
        "reason": state.get("reason"),
        "reference_id": state["reference_id"],
        "financial_transaction_id": state.get("financial_transaction_id"),
    }


async def refusal(
    client: Client, task_queue: str, workflow_type: str, workflow_id: str, inp: dict[str, Any], wait_s: float
) -> dict[str, Any]:
    """Start a request the worker must refuse (nothing is checked here) and report how it ends."""
    handle = await start(client, task_queue, workflow_type, workflow_id, inp)
    refused: dict[str, Any] = {"workflow_id": workflow_id, "refused": False, "type": None, "non_retryable": None}
    try:
        state = await asyncio.wait_for(handle.result(), wait_s)
    except WorkflowFailureError as err:
        cause = err.cause
        if isinstance(cause, ApplicationError):  # the refusal: an application error naming the field
            refused.update(refused=True, type=cause.type, message=cause.message, non_retryable=cause.non_retryable)
            log(workflow_id, f"refused: {cause.type}: {cause.message}")
        else:
            refused["message"] = f"not refused: the workflow ended with {type(cause).__name__}: {cause or err}"
            log(workflow_id, refused["message"])
        return refused
    except TimeoutError:
        refused["message"] = f"not refused within {wait_s:g}s: the workflow is still running"
        log(workflow_id, f"{refused['message']}; terminating it")
        await handle.terminate(reason="example: bad request was not refused")
        return refused
    refused["message"] = f"not refused: the workflow completed with status {state['status']}"
    log(workflow_id, refused["message"])
    return refused


async def main() -> int:
    # Address, namespace, TLS and API key from Temporal's standard client configuration.
    connect_config = dict(ClientConfig.load_client_connect_config())
    address = connect_config.pop("target_host", None) or "127.0.0.1:7233"
    namespace = connect_config.pop("namespace", None) or "default"
    task_queue = os.environ.get("TEMPORAL_TASK_QUEUE") or "momoflow"
    spec = codec_spec()
    keys = parse_keys(spec) if spec else []
    converter = DataConverter(payload_codec=Aes256GcmCodec(keys)) if keys else DataConverter()
    client = await Client.connect(address, namespace=namespace, data_converter=converter, **connect_config)
    encryption = f"payloads encrypted with key {keys[0][0]}" if keys else "payloads in plain text"
    print(f"connected to {address}, namespace {namespace}, task queue {task_queue}, {encryption}", flush=True)

    # Part of every key; run again with the same RUN_ID and the starts attach to the first payments.
    run = os.environ.get("RUN_ID") or secrets.token_hex(4)
    payer, order = customer(), f"ORD-py-{run}"
    print(f"request to pay EUR 42.10 from {masked(payer)}, order {order}", flush=True)
    rtp = await payment(client, task_queue, "RequestToPay", f"rtp-{order}", {
        "request": {"amount": "42.10", "currency": "EUR", "payer": payer, "external_id": order,
                    "payer_message": f"Order {order}", "payee_note": "Thank you"},
    })  # fmt: skip

    payee, payout = customer(), f"PAY-py-{run}"
    print(f"transfer EUR 12.50 to {masked(payee)}, payout {payout}", flush=True)
    transfer = await payment(client, task_queue, "Transfer", f"transfer-{payout}", {
        "request": {"amount": "12.50", "currency": "EUR", "payee": payee, "external_id": payout,
                    "payer_message": "Refund", "payee_note": f"Refund {payout}"},
    })  # fmt: skip

    bad = f"ORD-py-{run}-bad"
    print(f"request to pay EUR -5.00 (a bad request), order {bad}", flush=True)
    refused = await refusal(client, task_queue, "RequestToPay", f"rtp-{bad}", {
        "request": {"amount": "-5.00", "currency": "EUR", "payer": customer(), "external_id": bad},
    }, wait_s=float(os.environ.get("REFUSAL_WAIT_S") or 20))  # fmt: skip

    if "--json" in sys.argv[1:]:
        print(json.dumps({"request_to_pay": rtp, "transfer": transfer, "refused": refused}), flush=True)
    return 0 if rtp["status"] in FINAL and transfer["status"] in FINAL and refused["refused"] else 1


if __name__ == "__main__":
    code = asyncio.run(main())
    # The Temporal SDK's native runtime can crash while the interpreter shuts down (SIGABRT,
    # "PyGILState_Release"); leave without that shutdown once everything is flushed.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
