"""The sandbox served by a real uvicorn (lifespan on), as ``python -m sandbox`` runs it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from sandbox.app import create_app

REPO_ROOT = Path(__file__).resolve().parents[2]


async def test_full_flow_over_http_with_lifespan(callback_receiver, live_server, settings_for):
    settings = settings_for()
    app = create_app(settings)
    running = live_server(app)
    try:
        async with httpx.AsyncClient(base_url=running.base_url) as http:
            assert (await http.get("/sandbox/health")).json() == {"status": "ok"}
            key = {"Ocp-Apim-Subscription-Key": settings.collection_subscription_key.get_secret_value()}
            user = "b5e5b2a4-55c8-4c8b-9f0e-0a3d8d1f6a11"
            await http.post(
                "/v1_0/apiuser", headers={**key, "X-Reference-Id": user}, json={"providerCallbackHost": "127.0.0.1"}
            )
            api_key = (await http.post(f"/v1_0/apiuser/{user}/apikey", headers=key)).json()["apiKey"]
            token = (await http.post("/collection/token/", headers=key, auth=(user, api_key))).json()["access_token"]
            url = callback_receiver.fresh_url()
            reference = "2f0c7a52-8d3e-4b8a-a1c4-6f5b9e0d7c21"
            created = await http.post(
                "/collection/v1_0/requesttopay",
                headers={
                    **key,
                    "Authorization": f"Bearer {token}",
                    "X-Target-Environment": "sandbox",
                    "X-Reference-Id": reference,
                    "X-Callback-Url": url,
                },
                json={"amount": "5", "currency": "EUR", "payer": {"partyIdType": "MSISDN", "partyId": "46733123499"}},
            )
            assert created.status_code == 202
            [callback] = await callback_receiver.wait_for(url)
            assert callback.json()["status"] == "SUCCESSFUL"
    finally:
        running.stop()
    assert not running.thread.is_alive()
    assert app.state.sandbox.notifier.pending == 0


def test_python_dash_m_sandbox_serves():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "SANDBOX_APPROVAL_DELAY_S": "0", "PYTHONPATH": str(REPO_ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "--host", "127.0.0.1", "--port", str(port)],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/sandbox/health", timeout=0.5)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.05)
        assert response.json() == {"status": "ok"}
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=10)
    lines = [line for line in stderr.decode().splitlines() if line.startswith("{")]
    assert any('"service": "sandbox"' in line for line in lines), stderr.decode()
