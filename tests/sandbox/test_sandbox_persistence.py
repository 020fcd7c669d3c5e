"""With SANDBOX_STATE_FILE the sandbox process keeps users, tokens, operations and balances across a restart."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from devstack.processes import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
KEYS = {"collection": "persist-collection-key", "disbursement": "persist-disbursement-key"}
NEVER_ANSWERS = "46733123453"
ORDINARY = "46733123499"


@contextmanager
def sandbox(port: int, state_file: Path | None, approval_delay_s: float = 0.2) -> Iterator[httpx.Client]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SANDBOX_")},
        "PYTHONPATH": str(REPO_ROOT),
        "SANDBOX_APPROVAL_DELAY_S": str(approval_delay_s),
        "SANDBOX_COLLECTION_SUBSCRIPTION_KEY": KEYS["collection"],
        "SANDBOX_DISBURSEMENT_SUBSCRIPTION_KEY": KEYS["disbursement"],
        "SANDBOX_STATE_SAVE_INTERVAL_S": "60",  # only the save at shutdown counts here
        **({"SANDBOX_STATE_FILE": str(state_file)} if state_file else {}),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "--host", "127.0.0.1", "--port", str(port)],
        cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                httpx.get(f"{base}/sandbox/health", timeout=0.5)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and process.poll() is None, "sandbox did not start"
                time.sleep(0.05)
        with httpx.Client(base_url=base, timeout=5) as http:
            yield http
    finally:
        process.send_signal(signal.SIGTERM)  # as devstack stops it
        process.wait(timeout=15)


def _provision(http: httpx.Client, product: str) -> tuple[str, str]:
    key = {"Ocp-Apim-Subscription-Key": KEYS[product]}
    user = str(uuid.uuid4())
    http.post("/v1_0/apiuser", headers={**key, "X-Reference-Id": user}, json={"providerCallbackHost": "127.0.0.1"})
    api_key = http.post(f"/v1_0/apiuser/{user}/apikey", headers=key).json()["apiKey"]
    token = http.post(f"/{product}/token/", headers=key, auth=(user, api_key)).json()["access_token"]
    return user, token


def _headers(product: str, token: str, reference: str | None = None) -> dict[str, str]:
    headers = {
        "Ocp-Apim-Subscription-Key": KEYS[product],
        "Authorization": f"Bearer {token}",
        "X-Target-Environment": "sandbox",
    }
    return {**headers, "X-Reference-Id": reference} if reference else headers


def _status(http: httpx.Client, path: str, product: str, token: str) -> dict[str, object]:
    response = http.get(path, headers=_headers(product, token))
    assert response.status_code == 200, response.text
    return dict(response.json())


def _wait_final(http: httpx.Client, path: str, product: str, token: str) -> dict[str, object]:
    for _ in range(200):
        body = _status(http, path, product, token)
        if body["status"] in ("SUCCESSFUL", "FAILED"):
            return body
        time.sleep(0.05)
    raise AssertionError(f"{path} never final")


def test_state_survives_a_restart(tmp_path: Path) -> None:
    state_file = tmp_path / "sandbox-state.json"
    port = free_port()
    paid, pending, sent = (str(uuid.uuid4()) for _ in range(3))
    payer = {"partyIdType": "MSISDN", "partyId": ORDINARY}
    with sandbox(port, state_file) as http:
        collector, token = _provision(http, "collection")
        payer_, disb_token = _provision(http, "disbursement")
        rtp = {"amount": "120", "currency": "EUR", "payer": payer, "externalId": "O-1"}
        assert (
            http.post(
                "/collection/v1_0/requesttopay", headers=_headers("collection", token, paid), json=rtp
            ).status_code
            == 202
        )
        never = {**rtp, "payer": {"partyIdType": "MSISDN", "partyId": NEVER_ANSWERS}}
        assert (
            http.post(
                "/collection/v1_0/requesttopay", headers=_headers("collection", token, pending), json=never
            ).status_code
            == 202
        )
        transfer = {"amount": "300", "currency": "EUR", "payee": payer, "externalId": "T-1"}
        assert (
            http.post(
                "/disbursement/v1_0/transfer", headers=_headers("disbursement", disb_token, sent), json=transfer
            ).status_code
            == 202
        )
        first = _wait_final(http, f"/collection/v1_0/requesttopay/{paid}", "collection", token)
        _wait_final(http, f"/disbursement/v1_0/transfer/{sent}", "disbursement", disb_token)
        balances = (
            _status(http, "/collection/v1_0/account/balance", "collection", token),
            _status(http, "/disbursement/v1_0/account/balance", "disbursement", disb_token),
        )
    assert json.loads(state_file.read_text())["operations"]

    with sandbox(port, state_file) as http:
        # The token issued before the restart still works, and every resource is known with its status.
        again = _status(http, f"/collection/v1_0/requesttopay/{paid}", "collection", token)
        assert again == first
        assert _status(http, f"/collection/v1_0/requesttopay/{pending}", "collection", token)["status"] == "PENDING"
        assert (
            _status(http, f"/disbursement/v1_0/transfer/{sent}", "disbursement", disb_token)["status"] == "SUCCESSFUL"
        )
        assert (
            _status(http, "/collection/v1_0/account/balance", "collection", token),
            _status(http, "/disbursement/v1_0/account/balance", "disbursement", disb_token),
        ) == balances
        assert balances[0]["availableBalance"] == "120"
        # A reference id used before the restart is still taken.
        reused = http.post("/collection/v1_0/requesttopay", headers=_headers("collection", token, paid), json=rtp)
        assert reused.status_code == 409


def test_a_payment_pending_at_shutdown_concludes_after_the_restart(tmp_path: Path) -> None:
    state_file = tmp_path / "sandbox-state.json"
    port = free_port()
    reference = str(uuid.uuid4())
    rtp = {
        "amount": "40",
        "currency": "EUR",
        "payer": {"partyIdType": "MSISDN", "partyId": ORDINARY},
        "externalId": "O-2",
    }
    with sandbox(port, state_file, approval_delay_s=1.5) as http:
        _, token = _provision(http, "collection")
        assert (
            http.post(
                "/collection/v1_0/requesttopay", headers=_headers("collection", token, reference), json=rtp
            ).status_code
            == 202
        )
    with sandbox(port, state_file, approval_delay_s=1.5) as http:
        # Its approval was planned again from its creation time, so it still concludes, and credits the account.
        assert (
            _wait_final(http, f"/collection/v1_0/requesttopay/{reference}", "collection", token)["status"]
            == "SUCCESSFUL"
        )
        assert _status(http, "/collection/v1_0/account/balance", "collection", token)["availableBalance"] == "40"


def test_without_a_state_file_nothing_is_kept(tmp_path: Path) -> None:
    port = free_port()
    with sandbox(port, None) as http:
        _, token = _provision(http, "collection")
    with sandbox(port, None) as http:
        response = http.get("/collection/v1_0/account/balance", headers=_headers("collection", token))
        assert response.status_code == 401
    assert list(tmp_path.iterdir()) == []
