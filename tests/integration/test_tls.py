"""A payment through a TLS terminator that requires a client certificate, as on a secured cluster.

nginx sits in front of the dev server with a private CA and ``ssl_verify_client on``;
the worker, the gateway and the starter reach Temporal only through it, configured
with Temporal's standard variables (TEMPORAL_ADDRESS, TEMPORAL_TLS_*, TEMPORAL_API_KEY).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest

from devstack import Stack, StackConfig
from momoflow.models import PaymentStatus
from momoflow.settings import CodecSettings, TemporalSettings
from momoflow.temporal import TemporalConnectError, connect
from tests.integration.conftest import FAST_SANDBOX
from tests.integration.tls_proxy import Certificates, TlsProxy, find_nginx

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="module")]

NGINX = find_nginx()
if NGINX is None:
    pytest.skip(
        "nginx is not installed: `make test` installs it with apt-get when run as root (make system-packages)"
        " (or install the Debian package nginx yourself)",
        allow_module_level=True,
    )
API_KEY = "test-api-key-" + uuid.uuid4().hex


class Secured:
    def __init__(self, stack: Stack, mtls: TlsProxy, keyed: TlsProxy) -> None:
        self.stack, self.mtls, self.keyed = stack, mtls, keyed


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def secured(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Secured]:
    assert NGINX is not None
    folder = Path(tmp_path_factory.mktemp("tls"))
    certs = Certificates.create(folder / "certs")
    config = StackConfig.ephemeral(folder / "stack", sandbox_env=FAST_SANDBOX)
    mtls = TlsProxy(NGINX, folder / "nginx-mtls", certs, config.temporal_address).start()
    keyed = TlsProxy(NGINX, folder / "nginx-key", certs, config.temporal_address, api_key=API_KEY).start()
    stack = Stack(config)
    try:
        await mtls.wait_ready()
        await keyed.wait_ready()
        # Every process that connects (this one, the worker, the gateway, the CLI) goes through nginx.
        config.temporal_client_env = mtls.client_env()
        await stack.start()
        yield Secured(stack, mtls, keyed)
    finally:
        stack.stop()
        mtls.stop()
        keyed.stop()


def _codec(stack: Stack) -> CodecSettings:
    return CodecSettings(keys=stack.codec_keys, keys_file="")


async def test_a_payment_runs_end_to_end_through_mtls(secured: Secured) -> None:
    stack = secured.stack
    assert stack.worker_env()["TEMPORAL_ADDRESS"] == secured.mtls.address != stack.config.temporal_address
    env = {**stack.client_env(), "PAYMENT_CALLBACK_TIMEOUT_S": "15", "PAYMENT_POLL_INTERVAL_S": "1"}
    assert env["TEMPORAL_TLS_CLIENT_CERT_PATH"] and env["TEMPORAL_ADDRESS"] == secured.mtls.address
    external_id = f"TLS-{uuid.uuid4().hex[:8]}"
    argv = [sys.executable, "-m", "starter", "request-to-pay", "--amount", "500", "--currency", "EUR",
            "--payer", "46733123454", "--external-id", external_id]  # fmt: skip
    done = await asyncio.to_thread(subprocess.run, argv, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    final = json.loads(done.stdout[done.stdout.index("{") :])
    assert final["status"] == "SUCCESSFUL"
    # This process's own client (through nginx too) reads the same payment back.
    state = await stack.momoflow().handle(f"rtp-{external_id}").result()
    assert state.status is PaymentStatus.SUCCESSFUL


async def test_a_client_without_the_certificate_is_refused_with_a_clear_message(secured: Secured) -> None:
    proxy = secured.mtls
    with pytest.raises(TemporalConnectError) as caught:
        await connect(TemporalSettings(), _codec(secured.stack), environ=proxy.client_env(client_certificate=False))
    assert str(caught.value) == (
        f"cannot connect to Temporal at {proxy.address} (namespace default, TLS without a client certificate):"
        " the server requires a client certificate (mTLS): set TEMPORAL_TLS_CLIENT_CERT_PATH and"
        " TEMPORAL_TLS_CLIENT_KEY_PATH (or the profile's tls.client_cert/client_key)"
    )
    # nginx answers a plaintext client either with an HTTP/2 error or by hanging up; both name TLS.
    with pytest.raises(
        TemporalConnectError,
        match="at .* plain gRPC, no TLS\\): the server (expects TLS|closed the connection; if it expects TLS): "
        "set TEMPORAL_TLS=true",
    ):
        await connect(TemporalSettings(), _codec(secured.stack), environ={"TEMPORAL_ADDRESS": proxy.address})


async def test_the_cli_without_the_certificate_prints_one_line(secured: Secured) -> None:
    env = {**secured.stack.client_env(), **secured.mtls.client_env(client_certificate=False)}
    del env["TEMPORAL_TLS_CLIENT_CERT_PATH"], env["TEMPORAL_TLS_CLIENT_KEY_PATH"]
    argv = [sys.executable, "-m", "starter", "status", "rtp-anything"]
    done = await asyncio.to_thread(subprocess.run, argv, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 5  # cannot reach or use Temporal
    [line] = done.stderr.strip().splitlines()
    assert line.startswith(f"error: cannot connect to Temporal at {secured.mtls.address}")
    assert "set TEMPORAL_TLS_CLIENT_CERT_PATH" in line


async def test_an_api_key_is_sent_and_checked(secured: Secured) -> None:
    proxy, codec = secured.keyed, _codec(secured.stack)
    client = await connect(TemporalSettings(), codec, environ=proxy.client_env())
    # A real call, past nginx's key check: the server answers with the namespace it was asked about.
    described = await client.workflow_service.describe_namespace(DescribeNamespaceRequest(namespace=client.namespace))
    assert described.namespace_info.name == client.namespace
    without = {k: v for k, v in proxy.client_env().items() if k != "TEMPORAL_API_KEY"}
    with pytest.raises(TemporalConnectError, match="the server requires an API key: set TEMPORAL_API_KEY$"):
        await connect(TemporalSettings(), codec, environ=without)
    with pytest.raises(TemporalConnectError, match="the server refused the API key in TEMPORAL_API_KEY$"):
        await connect(TemporalSettings(), codec, environ={**without, "TEMPORAL_API_KEY": "wrong"})
