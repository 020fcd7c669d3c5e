"""The metrics listener, the ASGI request metrics and the Temporal runtime's exporter."""

from __future__ import annotations

import re
import socket
import time
from pathlib import Path

import httpx
import pytest
from prometheus_client import REGISTRY
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from devstack.processes import free_port
from momoflow.metrics import names
from momoflow.metrics.http import HttpMetrics
from momoflow.metrics.server import MetricsSettings, serve
from momoflow.metrics.temporal import runtime

RULES = Path(__file__).resolve().parents[2] / "deploy/prometheus/alerts.yml"


def test_metrics_are_off_unless_a_port_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("METRICS_PORT", "")
    monkeypatch.setenv("METRICS_TEMPORAL_PORT", "")
    settings = MetricsSettings()
    assert (settings.port, settings.temporal_port) == (None, None)
    assert serve(settings) is None
    assert runtime(settings) is None


def test_the_listener_serves_the_registry_at_its_path_only() -> None:
    server = serve(MetricsSettings(port=free_port(), path="/prom"))
    assert server is not None
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        page = httpx.get(f"{base}/prom")
        assert page.status_code == 200
        assert "momoflow_momo_requests_total" in page.text or "# HELP momoflow_momo_requests" in page.text
        assert httpx.get(f"{base}/metrics").status_code == 404
    finally:
        server.shutdown()
        server.server_close()


def test_a_taken_port_is_a_clear_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(SystemExit, match=f"METRICS_PORT={port}"):
            serve(MetricsSettings(port=port))


def test_a_path_must_start_with_a_slash() -> None:
    with pytest.raises(ValueError, match="METRICS_PATH"):
        MetricsSettings(path="metrics")


async def test_http_metrics_label_the_handler_never_the_path() -> None:
    async def show(_request: object) -> PlainTextResponse:
        return PlainTextResponse("ok")

    app = HttpMetrics(Starlette(routes=[Route("/items/{item_id}", show)]), "unit")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        await client.get("/items/46733123450")
        await client.get("/nowhere")
        await client.request("BREW", "/items/1")
    value = REGISTRY.get_sample_value
    assert (
        value(
            "momoflow_http_requests_total", {"server": "unit", "handler": "show", "method": "GET", "status_code": "200"}
        )
        == 1
    )
    assert (
        value(
            "momoflow_http_requests_total",
            {"server": "unit", "handler": "unmatched", "method": "GET", "status_code": "404"},
        )
        == 1
    )
    assert (
        value(
            "momoflow_http_requests_total",
            {"server": "unit", "handler": "show", "method": "other", "status_code": "405"},
        )
        == 1
    )


def test_the_runtime_exports_the_workflow_names_as_the_rules_use_them() -> None:
    port = free_port()
    sdk = runtime(MetricsSettings(temporal_port=port))
    assert sdk is not None
    meter = sdk.metric_meter
    for metric in names.SDK:  # recorded as workflows/observability.py records them
        labels = {label: "x" for label in metric.labels}
        if metric.kind == "counter":
            meter.create_counter(metric.name, metric.help).add(1, labels)
        elif metric.kind == "histogram":
            meter.create_histogram_float(metric.name, metric.help, "s").record(5400.0, labels)
    deadline = time.monotonic() + 10
    while True:
        try:
            text = httpx.get(f"http://127.0.0.1:{port}/metrics").text
        except httpx.HTTPError:
            text = ""
        if all(metric.exported in text for metric in names.SDK) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    exported = set(re.findall(r"^# TYPE (\S+) ", text, flags=re.M))
    assert {metric.exported for metric in names.SDK} <= exported
    assert "_total_total" not in text
    # Buckets from seconds to days, not the exporter's default that ends at 10 s.
    for metric in (names.OPERATION_DURATION, names.UNKNOWN_DURATION):
        assert f"{metric.name}_bucket{{" in text
        assert re.search(rf'{metric.name}_bucket{{[^}}]*le="3600"}} 0', text)
        assert re.search(rf'{metric.name}_bucket{{[^}}]*le="7200"}} 1', text)
        assert re.search(rf'{metric.name}_bucket{{[^}}]*le="604800"}} 1', text)
    # Every name the alert rules use is spelled as exported.
    rules = RULES.read_text()
    for metric in (
        names.OPERATIONS_BECAME_UNKNOWN,
        names.RESOLUTION_DISCREPANCIES,
        names.OPERATIONS_UNKNOWN_OLDEST,
        names.SUBSCRIPTION_PERIODS_FINISHED,
        names.WEBHOOK_EVENTS_DROPPED,
    ):
        assert metric.exported in rules
