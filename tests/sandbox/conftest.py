"""Shared fixtures for the sandbox tests.

The sandbox under test runs in-process behind ``httpx.ASGITransport`` (no
lifespan, exactly like a client test would embed it). Callbacks, however,
travel over real loopback HTTP to a small recording server run by uvicorn in
a background thread, so delivery is tested as it happens in production.
"""

from __future__ import annotations

import asyncio
import base64
import json
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.app import create_app
from sandbox.instance import SandboxState
from sandbox.settings import SandboxSettings

COLLECTION_KEY = "test-collection-key"
DISBURSEMENT_KEY = "test-disbursement-key"
REMITTANCE_KEY = "test-remittance-key"
ORDINARY_PAYER = "46733123499"  # not a test number: approves after approval_delay_s


# --------------------------------------------------------------------------- callback receiver


@dataclass(frozen=True)
class ReceivedCallback:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    received_at: float  # time.monotonic() on arrival (same clock as the test's)

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class CallbackReceiver:
    """Records every request it gets; paths under ``/fail/`` are answered 500."""

    base_url: str = ""
    _received: list[ReceivedCallback] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def fresh_url(self, prefix: str = "cb") -> str:
        """A URL no other test uses, so tests sharing the receiver do not see each other's calls."""
        return f"{self.base_url}/{prefix}/{uuid.uuid4()}"

    def record(self, callback: ReceivedCallback) -> None:
        with self._lock:
            self._received.append(callback)

    def received(self, url: str) -> list[ReceivedCallback]:
        path = url.removeprefix(self.base_url)
        with self._lock:
            return [c for c in self._received if c.path == path]

    async def wait_for(self, url: str, count: int = 1, timeout_s: float = 3.0) -> list[ReceivedCallback]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            got = self.received(url)
            if len(got) >= count:
                return got
            await asyncio.sleep(0.01)
        raise AssertionError(f"expected {count} callback(s) at {url}, got {len(self.received(url))}")


def _receiver_app(receiver: CallbackReceiver) -> Starlette:
    async def record(request: Request) -> Response:
        receiver.record(
            ReceivedCallback(
                request.method, request.url.path, dict(request.headers), await request.body(), time.monotonic()
            )
        )
        return Response(status_code=500 if request.url.path.startswith("/fail/") else 200)

    return Starlette(routes=[Route("/{path:path}", record, methods=["POST", "PUT"])])


@dataclass
class ThreadedServer:
    base_url: str
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=5)


def serve_in_thread(app: Any) -> ThreadedServer:
    """Run ``app`` with uvicorn on 127.0.0.1 and a free port, in a daemon thread."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="auto"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 5
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("test server did not start")
        time.sleep(0.005)
    return ThreadedServer(f"http://127.0.0.1:{port}", server, thread)


@pytest.fixture
def live_server() -> Iterator[Callable[[Any], ThreadedServer]]:
    """Factory: ``live_server(app)`` serves ``app`` over loopback HTTP until the test ends."""
    running: list[ThreadedServer] = []

    def start(app: Any) -> ThreadedServer:
        server = serve_in_thread(app)
        running.append(server)
        return server

    yield start
    for server in running:
        server.stop()


@pytest.fixture(scope="session")
def callback_receiver() -> Iterator[CallbackReceiver]:
    receiver = CallbackReceiver()
    running = serve_in_thread(_receiver_app(receiver))
    receiver.base_url = running.base_url
    yield receiver
    running.stop()


# --------------------------------------------------------------------------- sandbox harness


@pytest.fixture
def settings_for() -> Callable[..., SandboxSettings]:
    """Factory for fast test settings with overrides, for tests that build their own app."""
    return fast_settings


def fast_settings(**overrides: Any) -> SandboxSettings:
    """Settings with millisecond timings and known keys, independent of SANDBOX_* variables."""
    values: dict[str, Any] = {
        "approval_delay_s": 0.03,
        "delayed_approval_s": 0.16,
        "token_ttl_s": 3600,
        "collection_subscription_key": COLLECTION_KEY,
        "disbursement_subscription_key": DISBURSEMENT_KEY,
        "remittance_subscription_key": REMITTANCE_KEY,
        "callbacks_enabled": True,
        "reason_format": "string",
        "status_rate_limit_per_s": None,
        "callback_timeout_s": 2.0,
        "preset_api_users": "",
        "faults": "",
        "auto_decide": True,
        "approval_timeout_s": 300.0,
        "cancel_delay_s": 0.05,
        "collection_opening_balance": "0",
        "disbursement_opening_balance": "1000000",
        "remittance_opening_balance": "1000000",
    }
    values.update(overrides)
    return SandboxSettings(**values)


@dataclass(frozen=True)
class Credentials:
    user_id: str
    api_key: str
    product: str

    def basic(self) -> str:
        return "Basic " + base64.b64encode(f"{self.user_id}:{self.api_key}".encode()).decode()


def subscription_key(product: str) -> str:
    return {"collection": COLLECTION_KEY, "disbursement": DISBURSEMENT_KEY, "remittance": REMITTANCE_KEY}[product]


def rtp_body(msisdn: str = ORDINARY_PAYER, **overrides: Any) -> dict[str, Any]:
    """A valid request-to-pay body for payer ``msisdn``; keyword overrides replace fields."""
    body: dict[str, Any] = {
        "amount": "100",
        "currency": "EUR",
        "externalId": "order-1",
        "payer": {"partyIdType": "MSISDN", "partyId": msisdn},
        "payerMessage": "Pay for order 1",
        "payeeNote": "Order 1",
    }
    body.update(overrides)
    return body


def transfer_body(msisdn: str = ORDINARY_PAYER, **overrides: Any) -> dict[str, Any]:
    """A valid transfer body paying ``msisdn``."""
    body: dict[str, Any] = {
        "amount": "100",
        "currency": "EUR",
        "externalId": "payout-1",
        "payee": {"partyIdType": "MSISDN", "partyId": msisdn},
        "payerMessage": "Payout 1",
        "payeeNote": "Thanks",
    }
    body.update(overrides)
    return body


def pre_approval_body(msisdn: str = ORDINARY_PAYER, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "payer": {"partyIdType": "MSISDN", "partyId": msisdn},
        "payerCurrency": "EUR",
        "payerMessage": "Monthly subscription",
        "validityTime": 3600,
    }
    body.update(overrides)
    return body


def invoice_body(msisdn: str = ORDINARY_PAYER, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "externalId": "invoice-1",
        "amount": "99.90",
        "currency": "EUR",
        "validityDuration": "3600",
        "intendedPayer": {"partyIdType": "MSISDN", "partyId": msisdn},
        "payee": {"partyIdType": "MSISDN", "partyId": "46733000001"},
        "description": "Invoice for order 1",
    }
    body.update(overrides)
    return body


# Where each operation kind is created and read.
PATHS = {
    "requesttopay": ("collection", "/collection/v1_0/requesttopay"),
    "transfer": ("disbursement", "/disbursement/v1_0/transfer"),
    "deposit": ("disbursement", "/disbursement/v1_0/deposit"),
    "deposit-v2": ("disbursement", "/disbursement/v2_0/deposit"),
    "remittance-transfer": ("remittance", "/remittance/v1_0/transfer"),
    "preapproval": ("collection", "/collection/v2_0/preapproval"),
    "invoice": ("collection", "/collection/v2_0/invoice"),
    # Withdrawals are read under v1 whichever version created them.
    "requesttowithdraw": ("collection", "/collection/v1_0/requesttowithdraw"),
}


class ManualClock:
    """A monotonic clock that moves only when told, for stepping through payment states."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Harness:
    """One sandbox app plus a client that speaks to it the way an integrator does."""

    ORDINARY_PAYER = ORDINARY_PAYER
    Credentials = Credentials
    rtp_body = staticmethod(rtp_body)
    transfer_body = staticmethod(transfer_body)
    pre_approval_body = staticmethod(pre_approval_body)
    invoice_body = staticmethod(invoice_body)
    key = staticmethod(subscription_key)

    def __init__(self, settings: SandboxSettings, clock: ManualClock | None = None) -> None:
        self.settings = settings
        self.clock = clock
        self.app = create_app(settings, clock=clock) if clock is not None else create_app(settings)
        self.state: SandboxState = self.app.state.sandbox
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url="http://sandbox.test")

    async def aclose(self) -> None:
        await self.http.aclose()
        await self.state.aclose()

    async def provision(self, product: str = "collection", callback_host: str = "127.0.0.1") -> Credentials:
        user_id = str(uuid.uuid4())
        created = await self.http.post(
            "/v1_0/apiuser",
            headers={"X-Reference-Id": user_id, "Ocp-Apim-Subscription-Key": subscription_key(product)},
            json={"providerCallbackHost": callback_host},
        )
        assert created.status_code == 201, created.text
        keyed = await self.http.post(
            f"/v1_0/apiuser/{user_id}/apikey", headers={"Ocp-Apim-Subscription-Key": subscription_key(product)}
        )
        assert keyed.status_code == 201, keyed.text
        return Credentials(user_id, keyed.json()["apiKey"], product)

    async def request_token(
        self, credentials: Credentials, product: str | None = None, **kwargs: Any
    ) -> httpx.Response:
        product = product or credentials.product
        return await self.http.post(
            f"/{product}/token/",
            headers={"Authorization": credentials.basic(), "Ocp-Apim-Subscription-Key": subscription_key(product)},
            **kwargs,
        )

    async def token(self, credentials: Credentials) -> str:
        response = await self.request_token(credentials)
        assert response.status_code == 200, response.text
        token: str = response.json()["access_token"]
        return token

    async def login(self, callback_host: str = "127.0.0.1") -> str:
        """Provision a collection user and return a bearer token for it."""
        return await self.token(await self.provision("collection", callback_host))

    @staticmethod
    def product_headers(token: str, product: str = "collection", **extra: str) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {token}",
            "Ocp-Apim-Subscription-Key": subscription_key(product),
            "X-Target-Environment": "sandbox",
            **extra,
        }

    async def request_to_pay(
        self,
        token: str,
        body: dict[str, Any] | None = None,
        *,
        reference_id: str | None = None,
        callback_url: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[str, httpx.Response]:
        reference_id = reference_id or str(uuid.uuid4())
        extra = {"X-Reference-Id": reference_id}
        if callback_url is not None:
            extra["X-Callback-Url"] = callback_url
        all_headers = {**self.product_headers(token, **extra), **(headers or {})}
        response = await self.http.post("/collection/v1_0/requesttopay", json=body or rtp_body(), headers=all_headers)
        return reference_id, response

    async def status(self, token: str, reference_id: str) -> httpx.Response:
        return await self.http.get(f"/collection/v1_0/requesttopay/{reference_id}", headers=self.product_headers(token))

    async def wait_for_status(
        self, token: str, reference_id: str, status: str, timeout_s: float = 3.0
    ) -> dict[str, Any]:
        """Poll until the payment reaches ``status``; returns that body."""
        deadline = time.monotonic() + timeout_s
        seen: list[str] = []
        while time.monotonic() < deadline:
            response = await self.status(token, reference_id)
            assert response.status_code == 200, response.text
            body: dict[str, Any] = response.json()
            if body["status"] == status:
                return body
            seen.append(body["status"])
            await asyncio.sleep(0.01)
        raise AssertionError(f"{reference_id} never reached {status}; saw {sorted(set(seen))}")

    async def login_disbursement(self, callback_host: str = "127.0.0.1") -> str:
        """Provision a disbursement user and return a bearer token for it."""
        return await self.token(await self.provision("disbursement", callback_host))

    async def login_remittance(self, callback_host: str = "127.0.0.1") -> str:
        """Provision a remittance user and return a bearer token for it."""
        return await self.token(await self.provision("remittance", callback_host))

    async def create(
        self,
        kind: str,
        token: str,
        body: dict[str, Any],
        *,
        reference_id: str | None = None,
        callback_url: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[str, httpx.Response]:
        """POST a creation of ``kind`` (see PATHS); returns the reference id and the answer."""
        product, path = PATHS[kind]
        reference_id = reference_id or str(uuid.uuid4())
        extra = {"X-Reference-Id": reference_id}
        if callback_url is not None:
            extra["X-Callback-Url"] = callback_url
        all_headers = {**self.product_headers(token, product, **extra), **(headers or {})}
        return reference_id, await self.http.post(path, json=body, headers=all_headers)

    async def read(self, kind: str, token: str, reference_id: str) -> httpx.Response:
        # Both deposit versions are followed through the one v1 status path.
        product, path = PATHS["deposit" if kind == "deposit-v2" else kind]
        return await self.http.get(f"{path}/{reference_id}", headers=self.product_headers(token, product))

    async def body_of(self, kind: str, token: str, reference_id: str) -> dict[str, Any]:
        response = await self.read(kind, token, reference_id)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def wait_for(
        self, kind: str, token: str, reference_id: str, status: str, timeout_s: float = 3.0
    ) -> dict[str, Any]:
        """Poll an operation of any kind until it reaches ``status``."""
        deadline = time.monotonic() + timeout_s
        seen: list[str] = []
        while time.monotonic() < deadline:
            body = await self.body_of(kind, token, reference_id)
            if body["status"] == status:
                return body
            seen.append(body["status"])
            await asyncio.sleep(0.01)
        raise AssertionError(f"{kind} {reference_id} never reached {status}; saw {sorted(set(seen))}")

    async def cancel_invoice(
        self,
        token: str,
        invoice_reference_id: str,
        *,
        external_id: str | None = "invoice-1",
        reference_id: str | None = None,
        callback_url: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[str, httpx.Response]:
        reference_id = reference_id or str(uuid.uuid4())
        extra = {"X-Reference-Id": reference_id}
        if callback_url is not None:
            extra["X-Callback-Url"] = callback_url
        all_headers = {**self.product_headers(token, **extra), **(headers or {})}
        body = {} if external_id is None else {"externalId": external_id}
        response = await self.http.request(
            "DELETE", f"/collection/v2_0/invoice/{invoice_reference_id}", json=body, headers=all_headers
        )
        return reference_id, response

    async def balance(self, token: str, product: str = "collection") -> str:
        response = await self.http.get(f"/{product}/v1_0/account/balance", headers=self.product_headers(token, product))
        assert response.status_code == 200, response.text
        available: str = response.json()["availableBalance"]
        return available

    async def customer(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Call the customer side (``/sandbox/customer`` + ``path``)."""
        return await self.http.request(method, f"/sandbox/customer{path}", **kwargs)

    async def stats(self) -> dict[str, Any]:
        response = await self.http.get("/sandbox/stats")
        assert response.status_code == 200
        stats: dict[str, Any] = response.json()
        return stats


@pytest.fixture
async def make_sim() -> AsyncIterator[Callable[..., Harness]]:
    """Factory: ``make_sim(reason_format="object")`` builds a sandbox with those overrides.

    ``make_sim(manual_clock=True)`` gives a sandbox whose time only moves with
    ``sim.clock.advance(s)``, for tests that must see a state before it passes.
    """
    harnesses: list[Harness] = []

    def build(manual_clock: bool = False, **overrides: Any) -> Harness:
        harness = Harness(fast_settings(**overrides), ManualClock() if manual_clock else None)
        harnesses.append(harness)
        return harness

    yield build
    for harness in harnesses:
        await harness.aclose()


@pytest.fixture
def sim(make_sim: Callable[..., Harness]) -> Harness:
    """A sandbox with the fast default settings."""
    return make_sim()
