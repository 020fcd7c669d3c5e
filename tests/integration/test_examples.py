"""The client examples against the real stack: momoflow's workflows are a contract any Temporal client can use.

The TypeScript example uses the published Temporal TypeScript client and its own
implementation of the payload codec; the Python one uses only ``temporalio`` and
``cryptography``. Both start payments by workflow type name with plain JSON and
must see them reach their final state, with exactly one POST at MoMo per payment.
"""

from __future__ import annotations

import ast
import asyncio
import base64
import fcntl
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from temporalio.api.common.v1 import Payload

from devstack import Stack
from momoflow.codec import EncryptionCodec, new_key_spec

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="module")]

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TS_DIR = EXAMPLES / "typescript"
PY_EXAMPLE = EXAMPLES / "python_plain_client.py"
STAMP = TS_DIR / "node_modules" / ".installed-lock-sha256"
RUN_TIMEOUT_S = 120
# How long the examples wait for the bad request to fail before calling it "not refused".
REFUSAL_WAIT_S = "5"


def _built_typescript_example() -> Path:
    """Install the pinned packages once (kept in the git-ignored node_modules) and compile."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("node and npm are needed for the TypeScript example and are not installed")
    lock = hashlib.sha256((TS_DIR / "package-lock.json").read_bytes()).hexdigest()
    # One build at a time: test processes running side by side (pytest -n) share node_modules and dist.
    build_lock = (
        Path(tempfile.gettempdir()) / f"momoflow-ts-build-{hashlib.sha256(bytes(TS_DIR)).hexdigest()[:12]}.lock"
    )
    with build_lock.open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        if not STAMP.exists() or STAMP.read_text() != lock:
            subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund"], cwd=TS_DIR, check=True, timeout=300, capture_output=True
            )
            STAMP.write_text(lock)
        tsc = TS_DIR / "node_modules" / "typescript" / "bin" / "tsc"
        subprocess.run([node, str(tsc), "-p", "."], cwd=TS_DIR, check=True, timeout=120, capture_output=True)
    return TS_DIR / "dist"


@pytest.fixture(scope="module")
def ts_dist() -> Path:
    return _built_typescript_example()


async def _run(argv: list[str], env: dict[str, str], cwd: Path) -> dict[str, Any]:
    """Run an example with ``--json``; return its summary (the last line), with output on failure."""
    process = await asyncio.create_subprocess_exec(
        *argv, "--json", cwd=cwd, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    try:
        out, _ = await asyncio.wait_for(process.communicate(), RUN_TIMEOUT_S)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise AssertionError(f"{argv[-1]} did not finish within {RUN_TIMEOUT_S}s") from None
    text = out.decode(errors="replace")
    lines = text.strip().splitlines()
    assert process.returncode in (0, 1) and lines and lines[-1].startswith("{"), f"exit {process.returncode}:\n{text}"
    summary: dict[str, Any] = json.loads(lines[-1])
    summary["output"] = text
    return summary


def _example_env(stack: Stack) -> dict[str, str]:
    return {**stack.client_env(), "REFUSAL_WAIT_S": REFUSAL_WAIT_S}


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def ts_run(stack: Stack, ts_dist: Path) -> dict[str, Any]:
    before = await stack.sandbox_stats()
    summary = await _run(["node", str(ts_dist / "main.js")], _example_env(stack), TS_DIR)
    summary["stats_before"], summary["stats_after"] = before, await stack.sandbox_stats()
    return summary


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def py_run(stack: Stack) -> dict[str, Any]:
    before = await stack.sandbox_stats()
    summary = await _run([sys.executable, str(PY_EXAMPLE)], _example_env(stack), EXAMPLES)
    summary["stats_before"], summary["stats_after"] = before, await stack.sandbox_stats()
    return summary


def _assert_paid_once(summary: dict[str, Any]) -> None:
    """Both payments SUCCESSFUL, one accepted POST each and no other POST (the bad request sends none)."""
    rtp, transfer = summary["request_to_pay"], summary["transfer"]
    assert rtp["workflow_id"].startswith("rtp-") and transfer["workflow_id"].startswith("transfer-")
    assert (rtp["status"], transfer["status"]) == ("SUCCESSFUL", "SUCCESSFUL"), summary["output"]
    assert rtp["financial_transaction_id"] and transfer["financial_transaction_id"]
    before, after = summary["stats_before"], summary["stats_after"]
    new_posts = {ref: n - before["posts_accepted"].get(ref, 0) for ref, n in after["posts_accepted"].items()}
    new_posts = {ref: n for ref, n in new_posts.items() if n}
    assert new_posts == {rtp["reference_id"].lower(): 1, transfer["reference_id"].lower(): 1}
    assert after["posts_rejected_duplicate"] == before["posts_rejected_duplicate"]


async def _assert_repeat_attaches(stack: Stack, argv: list[str], cwd: Path, first: dict[str, Any]) -> None:
    """The same keys again: the starts attach to the finished payments (REJECT_DUPLICATE) and nothing is sent."""
    run = first["request_to_pay"]["workflow_id"].rsplit("-", 1)[-1]
    before = await stack.sandbox_stats()
    again = await _run(argv, {**_example_env(stack), "RUN_ID": run}, cwd)
    for operation in ("request_to_pay", "transfer"):
        assert again[operation] == first[operation], again["output"]
    assert "already finished earlier" in again["output"]
    after = await stack.sandbox_stats()
    assert (after["posts_accepted"], after["posts_rejected_duplicate"]) == (
        before["posts_accepted"],
        before["posts_rejected_duplicate"],
    )


def _assert_refused(summary: dict[str, Any]) -> None:
    refused = summary["refused"]
    assert refused["workflow_id"].startswith("rtp-")
    assert refused["refused"], f"{refused['message']}\n{summary['output']}"
    assert refused["non_retryable"] is True
    assert refused["type"] == "INVALID_REQUEST"
    assert "amount" in refused["message"]


# -- TypeScript --------------------------------------------------------------------------------


async def test_typescript_codec_reads_and_writes_momoflow_payloads(ts_dist: Path) -> None:
    """Each side decrypts what the other encrypted, with a rotated key list (first encrypts, all decrypt)."""
    spec = f"{new_key_spec('k2')},{new_key_spec('k1')}"
    codec = EncryptionCodec.from_spec(spec)
    original = Payload(metadata={"encoding": b"json/plain"}, data=b'{"amount":"42.10"}')
    [from_python] = await codec.encode([original])
    script = """
const { EncryptionCodec } = require('./dist/codec.js');
const { temporal } = require('@temporalio/proto');
const P = temporal.api.common.v1.Payload;
(async () => {
  const codec = EncryptionCodec.fromSpec(process.argv[1]);
  const [plain] = await codec.decode([P.decode(Buffer.from(process.argv[2], 'base64'))]);
  const [sealed] = await codec.encode([plain]);
  console.log(JSON.stringify({ plain: Buffer.from(P.encode(plain).finish()).toString('base64'),
                               sealed: Buffer.from(P.encode(sealed).finish()).toString('base64') }));
})();
"""
    out = subprocess.run(
        ["node", "-e", script, spec, base64.b64encode(from_python.SerializeToString()).decode()],
        cwd=TS_DIR, check=True, capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    answer = json.loads(out.stdout)
    assert Payload.FromString(base64.b64decode(answer["plain"])) == original
    from_node = Payload.FromString(base64.b64decode(answer["sealed"]))
    assert dict(from_node.metadata) == {"encoding": b"binary/encrypted", "encryption-key-id": b"k2"}
    assert await codec.decode([from_node]) == [original]


async def test_typescript_client_pays_once_per_payment(ts_run: dict[str, Any]) -> None:
    _assert_paid_once(ts_run)


async def test_typescript_client_repeating_a_key_attaches_to_the_first_payment(
    stack: Stack, ts_dist: Path, ts_run: dict[str, Any]
) -> None:
    await _assert_repeat_attaches(stack, ["node", str(ts_dist / "main.js")], TS_DIR, ts_run)


async def test_typescript_client_sees_a_bad_request_refused(ts_run: dict[str, Any]) -> None:
    _assert_refused(ts_run)


# -- Python, temporalio only -------------------------------------------------------------------


async def test_python_example_imports_only_the_temporal_sdk() -> None:
    tree = ast.parse(PY_EXAMPLE.read_text())
    roots = {
        alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
    }
    roots |= {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    assert roots - set(sys.stdlib_module_names) == {"temporalio", "cryptography"}


async def test_python_plain_client_pays_once_per_payment(py_run: dict[str, Any]) -> None:
    _assert_paid_once(py_run)


async def test_python_plain_client_repeating_a_key_attaches_to_the_first_payment(
    stack: Stack, py_run: dict[str, Any]
) -> None:
    await _assert_repeat_attaches(stack, [sys.executable, str(PY_EXAMPLE)], EXAMPLES, py_run)


async def test_python_plain_client_sees_a_bad_request_refused(py_run: dict[str, Any]) -> None:
    _assert_refused(py_run)
