"""Traces: one tree from the starter to each MoMo call, and from a callback to the workflow's signal.

The tree is read from OpenTelemetry's in-memory exporter. The tracer provider is
process-wide (OpenTelemetry allows one per process), so it is installed once and
records only while a test asks for ``spans``. Behaviour with tracing off or
exporting over OTLP is checked in fresh interpreters, where nothing is installed yet.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.admission import admission_activity
from activities.collection import CollectionActivities
from callbacks.app import create_app
from callbacks.signaller import TemporalSignaller
from momo.client import CollectionClient, MomoCredentials
from momo.errors import MomoTransientError
from momoflow import contract, tracing
from momoflow.callback_tokens import CallbackSigner
from momoflow.contract import PROVIDER_CALLBACK_SIGNAL, status_task_queue
from momoflow.models import PaymentStatus, PaymentTiming
from momoflow.settings import CodecSettings, PaymentDefaults, TemporalSettings
from momoflow.temporal import connect
from starter.facade import Momoflow
from workflows.request_to_pay import RequestToPayWorkflow

ROOT = Path(__file__).resolve().parents[2]
PHONE = "46733123454"
SUBSCRIPTION_KEY = "sub-key-secret"
BEARER = "bearer-token-secret"
SIGNER = CallbackSigner.from_spec("k1:tracing-test-secret-0123")
REQUEST = {
    "amount": "500",
    "currency": "EUR",
    "payer": {"party_id_type": "MSISDN", "party_id": PHONE},
    "external_id": "ORDER-7",
}


class _Recorder(SimpleSpanProcessor):
    """Exports only while a test records, so other tests in this process leave nothing behind."""

    recording = False

    def on_end(self, span: ReadableSpan) -> None:
        if self.recording:
            super().on_end(span)


_EXPORTER = InMemorySpanExporter()
_RECORDER = _Recorder(_EXPORTER)


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    if not tracing.enabled():
        provider = TracerProvider()
        provider.add_span_processor(_RECORDER)
        trace.set_tracer_provider(provider)
    assert _RECORDER in trace.get_tracer_provider()._active_span_processor._span_processors  # type: ignore[attr-defined]
    _EXPORTER.clear()
    _RECORDER.recording = True
    try:
        yield _EXPORTER
    finally:
        _RECORDER.recording = False
        _EXPORTER.clear()


# -- a scripted MoMo -------------------------------------------------------------------------


class FakeMomo:
    """Token, request to pay and its status; the status turns SUCCESSFUL once ``paid`` is set."""

    def __init__(self) -> None:
        self.callback_urls: list[str] = []
        self.paid = asyncio.Event()

    def handler(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/token/"):
            return httpx.Response(200, json={"access_token": BEARER, "token_type": "access_token", "expires_in": 3600})
        if request.method == "POST" and path.endswith("/requesttopay"):
            self.callback_urls.append(request.headers.get("X-Callback-Url", ""))
            return httpx.Response(202)
        if request.method == "GET" and "/requesttopay/" in path:
            reference_id = path.rsplit("/", 1)[-1]
            status = "SUCCESSFUL" if self.paid.is_set() else "PENDING"
            return httpx.Response(
                200,
                json={
                    "amount": "500",
                    "currency": "EUR",
                    "externalId": "ORDER-7",
                    "payer": {"partyIdType": "MSISDN", "partyId": PHONE},
                    "status": status,
                    "financialTransactionId": "4711" if status == "SUCCESSFUL" else None,
                    "referenceId": reference_id,
                },
            )
        if request.method == "GET" and path.endswith("/basicuserinfo"):
            return httpx.Response(200, json={"given_name": "Ann", "family_name": "Lee"})
        return httpx.Response(500, json={"code": "INTERNAL_PROCESSING_ERROR", "message": "unscripted"})

    def client(self) -> CollectionClient:
        http = httpx.AsyncClient(transport=httpx.MockTransport(self.handler))
        return CollectionClient(
            http, "http://momo.test", MomoCredentials("collection", SUBSCRIPTION_KEY, "user", "key")
        )


def _by_name(finished: tuple[ReadableSpan, ...], name: str) -> list[ReadableSpan]:
    return [span for span in finished if span.name == name]


def _one(finished: tuple[ReadableSpan, ...], name: str) -> ReadableSpan:
    found = _by_name(finished, name)
    assert len(found) == 1, f"{name}: {len(found)} spans among {sorted({span.name for span in finished})}"
    return found[0]


def _ancestors(span: ReadableSpan, finished: tuple[ReadableSpan, ...]) -> list[int]:
    by_id = {item.context.span_id: item for item in finished}
    chain: list[int] = []
    parent = span.parent
    while parent is not None:
        chain.append(parent.span_id)
        above = by_id.get(parent.span_id)
        parent = above.parent if above is not None else None
    return chain


def _assert_nothing_private(finished: tuple[ReadableSpan, ...]) -> None:
    for span in finished:
        text = span.name + json.dumps({key: str(value) for key, value in (span.attributes or {}).items()})
        for secret in (PHONE, SUBSCRIPTION_KEY, BEARER, "http://", "/callbacks/"):
            assert secret not in text, f"span {span.name} carries {secret!r}: {text}"


# -- the MoMo client ---------------------------------------------------------------------------


async def test_each_momo_request_is_a_child_span_with_method_operation_and_status(
    spans: InMemorySpanExporter,
) -> None:
    momo = FakeMomo()
    client = momo.client()
    tracer = trace.get_tracer("test")
    with tracer.start_as_current_span("activity") as parent:
        await client.get_request_to_pay("0b8a6c2e-2b8f-4f0c-9d8f-2a4b6c8d0e1f")
        await client.get_basic_user_info(PHONE)
    finished = spans.get_finished_spans()
    http_spans = [span for span in finished if span.name.startswith("MoMo ")]
    assert [span.name for span in http_spans] == [
        "MoMo create_access_token",
        "MoMo get_request_to_pay_status",
        "MoMo get_basic_user_info",
    ]
    for span in http_spans:
        assert span.parent is not None and span.parent.span_id == parent.get_span_context().span_id
        assert span.kind is trace.SpanKind.CLIENT
        assert span.attributes["http.response.status_code"] == 200
        assert span.attributes["momo.product"] == "collection"
    assert dict(http_spans[1].attributes or {}) == {
        "http.request.method": "GET",
        "momo.operation": "get_request_to_pay_status",
        "momo.product": "collection",
        "http.response.status_code": 200,
    }
    _assert_nothing_private(finished)


async def test_failed_momo_requests_mark_their_span_as_an_error(spans: InMemorySpanExporter) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token/"):
            return httpx.Response(200, json={"access_token": BEARER, "expires_in": 3600})
        if "/transfer/" in request.url.path:
            raise httpx.ConnectTimeout("slow", request=request)
        return httpx.Response(500, json={"code": "INTERNAL_PROCESSING_ERROR", "message": "down"})

    client = CollectionClient(
        httpx.AsyncClient(transport=httpx.MockTransport(handler)),
        "http://momo.test",
        MomoCredentials("collection", SUBSCRIPTION_KEY, "user", "key"),
    )
    with pytest.raises(MomoTransientError):  # a 500 is worth retrying
        await client.get_balance()
    with pytest.raises(MomoTransientError, match="timed out"):
        await client._send("GET", "http://momo.test/collection/v1_0/transfer/x")
    failed = [span for span in spans.get_finished_spans() if span.status.status_code is trace.StatusCode.ERROR]
    assert [(span.name, span.attributes.get("error.type")) for span in failed] == [
        ("MoMo get_account_balance", "500"),
        ("MoMo get_transfer_status", "timeout"),
    ]
    assert all(not span.events for span in failed)  # no exception event: its message names the URL
    _assert_nothing_private(spans.get_finished_spans())


# -- across processes, through Temporal ----------------------------------------------------------


@pytest.fixture
async def traced_client(time_env: WorkflowEnvironment, spans: InMemorySpanExporter) -> AsyncIterator[Client]:
    interceptors = tracing.interceptors()
    assert interceptors, "tracing is on in this test, so clients get the tracing interceptor"
    yield Client(**{**time_env.client.config(), "interceptors": interceptors})


async def _worker_stack(client: Client, queue: str, momo: FakeMomo) -> Any:
    activities = CollectionActivities(momo.client(), SIGNER, "http://gw.test")
    main = Worker(
        client,
        task_queue=queue,
        workflows=[RequestToPayWorkflow],
        activities=[admission_activity(PaymentDefaults()), *activities.main()],
    )
    status = Worker(client, task_queue=status_task_queue(queue, "collection"), activities=activities.status())
    return main, status


async def test_a_payment_is_one_trace_from_the_start_to_each_momo_request(
    traced_client: Client, task_queue: str, spans: InMemorySpanExporter
) -> None:
    momo = FakeMomo()
    momo.paid.set()
    main, status = await _worker_stack(traced_client, task_queue, momo)
    async with main, status:
        momoflow = Momoflow(traced_client, TemporalSettings(task_queue=task_queue))
        payment = await momoflow.request_to_pay(
            REQUEST, timing=PaymentTiming(callback_timeout_s=1, poll_interval_s=1, deadline_s=60)
        )
        assert (await payment.result()).status is PaymentStatus.SUCCESSFUL
    finished = spans.get_finished_spans()
    by_id = {span.context.span_id: span for span in finished}

    # Temporal's TracingInterceptor: the workflow's own spans (its run, each activity it schedules)
    # are children of the start span and carry the run's id; each activity run is a child of its
    # scheduling span, and each MoMo request a child of the activity run.
    start = _one(finished, "StartWorkflow:RequestToPay")
    assert start.parent is None and start.kind is trace.SpanKind.CLIENT
    run = _one(finished, "RunWorkflow:RequestToPay")
    run_id = run.attributes["temporalRunID"]
    assert run.parent is not None and run.parent.span_id == start.context.span_id
    scheduled = [span for span in finished if span.name.startswith("StartActivity:")]
    assert [span.name for span in scheduled] == [
        "StartActivity:momoflow.admit",
        f"StartActivity:{contract.REQUEST_TO_PAY.submit}",
        f"StartActivity:{contract.REQUEST_TO_PAY.await_final}",
    ]
    for span in scheduled:
        assert span.parent is not None and span.parent.span_id == start.context.span_id, span.name
        assert span.attributes["temporalRunID"] == run_id
        (ran,) = [item for item in finished if item.parent and item.parent.span_id == span.context.span_id]
        assert ran.name == span.name.replace("StartActivity:", "RunActivity:")
        assert ran.attributes["temporalRunID"] == run_id
    http_spans = [span for span in finished if span.name.startswith("MoMo ")]
    assert [(span.name, by_id[span.parent.span_id].name) for span in http_spans if span.parent] == [
        ("MoMo create_access_token", f"RunActivity:{contract.REQUEST_TO_PAY.submit}"),
        ("MoMo request_to_pay", f"RunActivity:{contract.REQUEST_TO_PAY.submit}"),
        ("MoMo get_request_to_pay_status", f"RunActivity:{contract.REQUEST_TO_PAY.await_final}"),
    ]
    assert {span.context.trace_id for span in finished} == {start.context.trace_id}
    _assert_nothing_private(finished)


async def test_a_callback_signal_is_linked_from_the_gateway_to_the_workflow(
    time_env: WorkflowEnvironment,
    traced_client: Client,
    task_queue: str,
    spans: InMemorySpanExporter,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    momo = FakeMomo()
    main, status = await _worker_stack(traced_client, task_queue, momo)
    # The gateway connects by itself, as `python -m callbacks` does: its interceptors come from momoflow.tracing.
    monkeypatch.setenv("CODEC_KEYS", "")
    monkeypatch.setenv("CODEC_KEYS_FILE", "")
    monkeypatch.setenv("CODEC_ALLOW_PLAINTEXT", "true")
    address = time_env.client.service_client.config.target_host
    gateway = create_app(
        SIGNER, TemporalSignaller(TemporalSettings(address=address, namespace=time_env.client.namespace))
    )
    async with main, status:
        momoflow = Momoflow(traced_client, TemporalSettings(task_queue=task_queue))
        payment = await momoflow.request_to_pay(
            REQUEST, timing=PaymentTiming(callback_timeout_s=600, poll_interval_s=60, deadline_s=3600)
        )
        for _ in range(200):
            if momo.callback_urls:
                break
            await asyncio.sleep(0.05)
        momo.paid.set()
        path = httpx.URL(momo.callback_urls[0]).path
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=gateway), base_url="http://gw.test") as http:
            answer = await http.put(path, json={"status": "SUCCESSFUL"})
        assert answer.status_code == 200, answer.text
        assert (await payment.result()).status is PaymentStatus.SUCCESSFUL
    finished = spans.get_finished_spans()

    callback = _one(finished, "callback")
    assert callback.attributes["momoflow.callback.outcome"] == "signalled"
    assert callback.attributes["http.response.status_code"] == 200
    signal = _one(finished, f"SignalWorkflow:{PROVIDER_CALLBACK_SIGNAL}")
    assert signal.parent is not None and signal.parent.span_id == callback.context.span_id
    handled = _one(finished, f"HandleSignal:{PROVIDER_CALLBACK_SIGNAL}")
    assert [link.context.span_id for link in handled.links] == [signal.context.span_id]
    run = _one(finished, "RunWorkflow:RequestToPay")
    assert handled.context.trace_id == run.context.trace_id != callback.context.trace_id
    _assert_nothing_private(finished)


async def test_connect_passes_the_interceptors_to_the_client(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    async def fake_connect(address: str, **kwargs: Any) -> str:
        seen.update(kwargs)
        return "client"

    monkeypatch.setattr(Client, "connect", fake_connect)
    marker = object()
    codec = CodecSettings(keys="", keys_file="", allow_plaintext=True)
    await connect(TemporalSettings(address="127.0.0.1:1"), codec, environ={}, interceptors=[marker])  # type: ignore[list-item]
    assert seen["interceptors"] == [marker]


# -- configuration, in fresh interpreters -------------------------------------------------------


def _python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {key: value for key, value in os.environ.items() if not key.startswith("OTEL_")}
    return subprocess.run(
        [sys.executable, "-c", code], env={**clean, **env}, cwd=ROOT, capture_output=True, text=True, timeout=60
    )


_OFF = """
import asyncio, sys
import httpx
from opentelemetry import trace
import worker, callbacks.__main__, starter.facade
from momoflow import tracing
from momo.client import CollectionClient, MomoCredentials

assert tracing.configure("worker") is None
assert not tracing.enabled() and tracing.interceptors() == []
seen = []
def handler(request):
    seen.append(trace.get_current_span().is_recording())
    return httpx.Response(200, json={"access_token": "t", "expires_in": 3600, "availableBalance": "1", "currency": "EUR"})
client = CollectionClient(httpx.AsyncClient(transport=httpx.MockTransport(handler)), "http://m", MomoCredentials("collection", "s", "u", "k"))
asyncio.run(client.get_balance())
assert seen == [False, False], seen
loaded = sorted(name for name in sys.modules if name.startswith(("opentelemetry.sdk", "opentelemetry.exporter")))
assert not loaded, loaded
print("off")
"""


@pytest.mark.parametrize(
    "env",
    [
        {},
        {"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9"},
        {"OTEL_SDK_DISABLED": "true", "OTEL_TRACES_EXPORTER": "otlp"},
    ],
)
def test_tracing_is_off_by_default_and_loads_no_sdk_or_exporter(env: dict[str, str]) -> None:
    result = _python(_OFF, **env)
    assert result.returncode == 0 and result.stdout.strip() == "off", result.stderr[-2000:]


class _Collector(BaseHTTPRequestHandler):
    received: list[tuple[str, bytes]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        _Collector.received.append((self.path, body))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.end_headers()

    def log_message(self, *_args: Any) -> None:
        pass


_ON = """
import asyncio
import httpx
from momoflow import tracing
from momo.client import CollectionClient, MomoCredentials

assert tracing.configure("worker") is not None
assert len(tracing.interceptors()) == 1
def handler(request):
    return httpx.Response(200, json={"access_token": "t", "expires_in": 3600, "availableBalance": "1", "currency": "EUR"})
client = CollectionClient(httpx.AsyncClient(transport=httpx.MockTransport(handler)), "http://m", MomoCredentials("collection", "s", "u", "k"))
asyncio.run(client.get_balance())
tracing.shutdown()
"""


def test_spans_go_to_the_otlp_endpoint_under_the_service_name() -> None:
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

    server = HTTPServer(("127.0.0.1", 0), _Collector)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Collector.received.clear()
    try:
        result = _python(_ON, OTEL_EXPORTER_OTLP_ENDPOINT=f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
    assert result.returncode == 0, result.stderr[-2000:]
    assert [path for path, _ in _Collector.received] == ["/v1/traces"]
    request = ExportTraceServiceRequest.FromString(_Collector.received[0][1])
    (resource,) = request.resource_spans
    service = {attr.key: attr.value.string_value for attr in resource.resource.attributes}["service.name"]
    assert service == "momoflow-worker"
    names = [span.name for scope in resource.scope_spans for span in scope.spans]
    assert names == ["MoMo create_access_token", "MoMo get_account_balance"]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"OTEL_TRACES_EXPORTER": "jaeger"}, "OTEL_TRACES_EXPORTER: 'jaeger' is not one of otlp, console, none"),
        (
            {"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"},
            "OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' is not supported; momoflow exports http/protobuf",
        ),
    ],
)
def test_unusable_settings_name_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(tracing.TracingConfigError) as info:
        tracing.exporter_name(env)
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("env", "name"),
    [
        ({}, "none"),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, "otlp"),
        ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/v1/traces"}, "otlp"),
        ({"OTEL_TRACES_EXPORTER": "console"}, "console"),
        ({"OTEL_TRACES_EXPORTER": "otlp"}, "otlp"),
    ],
)
def test_exporter_follows_the_otel_variables(env: dict[str, str], name: str) -> None:
    assert tracing.exporter_name(env) == name
