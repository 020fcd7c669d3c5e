"""The operator's CLI as a process against the real stack: one-line errors, exit codes, list, --json, Ctrl-C."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from devstack import Stack, StackConfig
from devstack.processes import free_port
from momoflow.models import PaymentStatus
from tests.integration.conftest import FAST_SANDBOX, TIMING

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="module")]

NEVER_ANSWERS = "46733123453"
REJECTS = "46733123451"


def _rtp(payer: str, external_id: str) -> dict[str, Any]:
    return {
        "amount": "500",
        "currency": "EUR",
        "payer": {"party_id_type": "MSISDN", "party_id": payer},
        "external_id": external_id,
    }


async def cli(
    stack: Stack, *args: str, env: dict[str, str] | None = None, timeout: float = 90
) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "starter", *args]
    environment = {
        **stack.client_env(),
        "PAYMENT_CALLBACK_TIMEOUT_S": "15",
        "PAYMENT_POLL_INTERVAL_S": "1",
        **(env or {}),
    }
    return await asyncio.to_thread(
        subprocess.run, argv, env=environment, capture_output=True, text=True, timeout=timeout
    )


def one_line_error(done: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in done.stderr + done.stdout
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


async def _until(payment: Any, status: PaymentStatus) -> None:
    for _ in range(200):
        if (await payment.status()).status is status:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"never {status}")


async def test_no_temporal_at_the_address_is_one_line_and_exit_5(stack: Stack) -> None:
    nobody = f"127.0.0.1:{free_port()}"
    done = await cli(stack, "status", "rtp-X", env={"TEMPORAL_ADDRESS": nobody})
    line = one_line_error(done)
    assert done.returncode == 5
    assert f"cannot connect to Temporal at {nobody}" in line and "is Temporal running?" in line

    as_json = await cli(stack, "list", "--json", env={"TEMPORAL_ADDRESS": nobody})
    assert as_json.returncode == 5 and as_json.stdout == ""
    assert json.loads(as_json.stderr)["error"]["kind"] == "unreachable"


async def test_unknown_workflow_id_is_exit_4(stack: Stack) -> None:
    for command in (["status", "rtp-NO-SUCH"], ["resolve", "rtp-NO-SUCH", "--status", "FAILED", "--operator", "a", "--reason", "b"],
                    ["invoice", "cancel", "--workflow-id", "invoice-NO-SUCH"]):  # fmt: skip
        done = await cli(stack, *command)
        assert done.returncode == 4, done.stderr
        assert "no workflow with id 'rtp-NO-SUCH'" in one_line_error(done) or "invoice-NO-SUCH" in done.stderr


async def test_bad_input_is_exit_2_and_starts_nothing(stack: Stack) -> None:
    external_id = f"BAD-{uuid.uuid4().hex[:8]}"
    done = await cli(stack, "request-to-pay", "--amount", "500", "--currency", "EUR", "--payer", REJECTS,
                     "--external-id", external_id, "--key", "not a key")  # fmt: skip
    assert done.returncode == 2
    assert "key:" in one_line_error(done)
    listed = await cli(stack, "list", "--external-id", external_id, "--json")
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout) == []


async def test_status_exit_code_follows_the_payment(stack: Stack) -> None:
    momoflow = stack.momoflow()
    failed = await momoflow.request_to_pay(_rtp(REJECTS, f"ST-{uuid.uuid4().hex[:8]}"), timing=TIMING)
    await failed.result()
    done = await cli(stack, "status", failed.workflow_id)
    assert done.returncode == 1, done.stderr
    assert json.loads(done.stdout)["status"] == "FAILED"

    ok = await momoflow.request_to_pay(_rtp("46733999999", f"ST-{uuid.uuid4().hex[:8]}"), timing=TIMING)
    await ok.result()
    assert (await cli(stack, "status", ok.workflow_id)).returncode == 0

    timing = TIMING.model_copy(update={"callback_timeout_s": 1, "deadline_s": 2})
    unknown = await momoflow.request_to_pay(_rtp(NEVER_ANSWERS, f"ST-{uuid.uuid4().hex[:8]}"), timing=timing)
    await _until(unknown, PaymentStatus.UNKNOWN)
    done = await cli(stack, "status", unknown.workflow_id, "--json")
    assert done.returncode == 3
    assert json.loads(done.stdout)["status"] == "UNKNOWN"

    # Resolving succeeds with exit 0 whichever status the operator chose; a second time is not allowed.
    resolve = [
        "resolve",
        unknown.workflow_id,
        "--status",
        "FAILED",
        "--operator",
        "alice",
        "--reason",
        "checked with MTN",
    ]
    done = await cli(stack, *resolve)
    assert done.returncode == 0, done.stderr
    again = await cli(stack, *resolve)
    assert again.returncode == 6
    assert "already FAILED" in one_line_error(again)


async def test_resolving_a_pending_payment_is_not_allowed(stack: Stack) -> None:
    pending = await stack.momoflow().request_to_pay(_rtp(NEVER_ANSWERS, f"RP-{uuid.uuid4().hex[:8]}"), timing=TIMING)
    await _until(pending, PaymentStatus.PENDING)
    done = await cli(
        stack, "resolve", pending.workflow_id, "--status", "SUCCESSFUL", "--operator", "a", "--reason", "b"
    )
    assert done.returncode == 6
    assert "only an UNKNOWN payment can be resolved" in one_line_error(done)


async def test_cancelling_a_paid_invoice_is_not_allowed(stack: Stack) -> None:
    request = {
        "amount": "10", "currency": "EUR", "intended_payer": {"party_id_type": "MSISDN", "party_id": "46733999998"},
        "payee": {"party_id_type": "MSISDN", "party_id": "46733000001"}, "external_id": f"INV-{uuid.uuid4().hex[:8]}",
        "validity_s": 3600,
    }  # fmt: skip
    invoice = await stack.momoflow().create_invoice(request, timing=TIMING)
    assert (await invoice.result()).status is PaymentStatus.SUCCESSFUL
    done = await cli(stack, "invoice", "cancel", "--workflow-id", invoice.workflow_id)
    assert done.returncode == 6
    assert "already SUCCESSFUL" in one_line_error(done)


async def test_list_filters_and_json(stack: Stack) -> None:
    external_id = f"LIST-{uuid.uuid4().hex[:8]}"
    done = await cli(stack, "request-to-pay", "--amount", "500", "--currency", "EUR", "--payer", REJECTS,
                     "--external-id", external_id, "--json")  # fmt: skip
    assert done.returncode == 1
    final = json.loads(done.stdout)  # the whole stdout is one JSON document
    assert final["status"] == "FAILED" and final["workflow_id"] == f"rtp-{external_id}"

    rows: list[dict[str, Any]] = []
    for _ in range(50):  # visibility is eventually consistent
        listed = await cli(
            stack, "list", "--external-id", external_id, "--status", "FAILED", "--since", "10m", "--json"
        )
        assert listed.returncode == 0, listed.stderr
        rows = json.loads(listed.stdout)
        if rows:
            break
        await asyncio.sleep(0.2)
    assert [(r["workflow_id"], r["use_case"], r["status"]) for r in rows] == [
        (f"rtp-{external_id}", "request-to-pay", "FAILED")
    ]
    other_case = await cli(stack, "list", "--external-id", external_id, "--use-case", "transfer", "--json")
    assert json.loads(other_case.stdout) == []
    other_status = await cli(stack, "list", "--external-id", external_id, "--status", "SUCCESSFUL", "--json")
    assert json.loads(other_status.stdout) == []
    human = await cli(stack, "list", "--external-id", external_id)
    assert f"rtp-{external_id}" in human.stdout and "request-to-pay" in human.stdout


async def test_no_wait_is_exit_3_with_the_workflow_id(stack: Stack) -> None:
    external_id = f"NW-{uuid.uuid4().hex[:8]}"
    done = await cli(stack, "request-to-pay", "--amount", "5", "--currency", "EUR", "--payer", NEVER_ANSWERS,
                     "--external-id", external_id, "--no-wait", "--json")  # fmt: skip
    assert done.returncode == 3
    assert json.loads(done.stdout)["workflow_id"] == f"rtp-{external_id}"


async def test_ctrl_c_while_following_says_the_payment_goes_on(stack: Stack) -> None:
    external_id = f"INT-{uuid.uuid4().hex[:8]}"
    argv = [sys.executable, "-m", "starter", "request-to-pay", "--amount", "5", "--currency", "EUR",
            "--payer", NEVER_ANSWERS, "--external-id", external_id]  # fmt: skip
    process = subprocess.Popen(argv, env=stack.client_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 60
        seen = ""
        while "PENDING" not in seen and time.monotonic() < deadline:
            seen += await asyncio.to_thread(process.stdout.readline)
        assert "PENDING" in seen
        os.kill(process.pid, signal.SIGINT)
        out, err = await asyncio.to_thread(process.communicate, timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, err
    assert "Traceback" not in err
    workflow_id = f"rtp-{external_id}"
    assert f"python -m starter status {workflow_id}" in err and "goes on" in err
    state = await stack.momoflow().handle(workflow_id).status()
    assert state.status is PaymentStatus.PENDING  # the payment itself was not touched


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def short_deadline_stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    """A worker whose payments go UNKNOWN within seconds (the CLI leaves timing to the worker)."""
    worker_env = {"PAYMENT_CALLBACK_TIMEOUT_S": "1", "PAYMENT_POLL_INTERVAL_S": "1", "PAYMENT_DEADLINE_S": "3"}
    config = StackConfig.ephemeral(
        Path(tmp_path_factory.mktemp("stack")), sandbox_env=FAST_SANDBOX, worker_env=worker_env
    )
    running = await Stack(config).start()
    try:
        yield running
    finally:
        running.stop()


async def test_following_stops_at_unknown_with_exit_3(short_deadline_stack: Stack) -> None:
    """Reconciliation may take days: the CLI says so and stops instead of following it."""
    external_id = f"UNK-{uuid.uuid4().hex[:8]}"
    started = time.monotonic()
    done = await cli(short_deadline_stack, "request-to-pay", "--amount", "5", "--currency", "EUR", "--payer", NEVER_ANSWERS,
                     "--external-id", external_id, timeout=60)  # fmt: skip
    took = time.monotonic() - started
    assert done.returncode == 3, done.stderr
    assert "UNKNOWN" in done.stdout and "momoflow keeps checking MoMo" in done.stdout
    assert f"python -m starter status rtp-{external_id}" in done.stdout
    assert took < 30, took  # the deadline is 3 s; without stopping, the CLI follows the reconciliation

    as_json = await cli(short_deadline_stack, "status", f"rtp-{external_id}", "--json")
    assert as_json.returncode == 3 and json.loads(as_json.stdout)["status"] == "UNKNOWN"
