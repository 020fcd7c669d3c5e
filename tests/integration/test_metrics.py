"""A real Prometheus scrapes a real stack through one payment, and evaluates the shipped alert rules.

(promtool's checks and the rules' unit tests are in tests/test_alert_rules.py.)

Prometheus and promtool come from Debian's ``prometheus`` package (``make test``
installs it when apt-get runs as root). The test runs the ``prometheus`` binary
as its own child process, with a config and data folder in a temp folder and a
free port, and never touches a system service.
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
import yaml
from prometheus_client.parser import text_string_to_metric_families

from devstack import Stack, StackConfig
from devstack.processes import free_port
from momoflow.metrics import names
from momoflow.models import PaymentState, PaymentStatus
from tests.integration.conftest import FAST_SANDBOX, TIMING
from tests.prometheus_tools import ROOT, prometheus_tools

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="module")]

RULES = ROOT / "deploy/prometheus/alerts.yml"
DASHBOARD = ROOT / "deploy/grafana/dashboards/momoflow.json"
PAYER = "46733999999"  # an ordinary payer: approves, MoMo calls back
SILENT_PAYER = "46733123453"  # never answers: the payment goes UNKNOWN at its deadline
# Names that appear only once something happened (UNKNOWN, a resolution, a retry wait, a
# subscription period, a dropped webhook event, a failed workflow task).
ONLY_ON_EVENTS = {"momoflow_momo_retry_after_seconds", "temporal_workflow_task_execution_failed_total"} | {
    metric.exported
    for metric in (
        names.OPERATIONS_LEFT_UNKNOWN,
        names.UNKNOWN_DURATION,
        names.RESOLUTION_CHECKS,
        names.RESOLUTION_DISCREPANCIES,
        names.SUBSCRIPTION_PERIODS_FINISHED,
        names.WEBHOOK_EVENTS_DROPPED,
    )
}


# -- a stack, a Prometheus scraping it, one payment -------------------------------------------


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def metered_stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    # A Web UI port makes devstack start the codec server too, so all four kinds of process are scraped.
    config = StackConfig.ephemeral(
        Path(tmp_path_factory.mktemp("stack")),
        sandbox_env=FAST_SANDBOX,
        ui_port=free_port(),
        worker_env={"METRICS_UNKNOWN_SCAN_INTERVAL_S": "1"},  # the UNKNOWN gauges, every second
    )
    running = await Stack(config).start()
    try:
        yield running
    finally:
        running.stop()


def _job(target: str) -> str:
    """Jobs named as in deploy/prometheus/prometheus.yml (worker-1-temporal → momoflow-worker-temporal)."""
    return "momoflow-" + re.sub(r"-\d+", "", target)


@pytest.fixture(scope="module")
def prometheus(metered_stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    binary, _ = prometheus_tools()
    folder = tmp_path_factory.mktemp("prometheus")
    jobs: dict[str, list[str]] = {}
    for target, url in metered_stack.metrics_urls.items():
        jobs.setdefault(_job(target), []).append(url.removeprefix("http://").removesuffix("/metrics"))
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(RULES)],
        "scrape_configs": [
            {"job_name": job, "static_configs": [{"targets": targets}]} for job, targets in sorted(jobs.items())
        ],
    }
    (folder / "prometheus.yml").write_text(json.dumps(config))  # JSON is YAML
    port = free_port()
    log = open(folder / "prometheus.log", "wb")
    process = subprocess.Popen(
        [
            binary,
            f"--config.file={folder / 'prometheus.yml'}",
            f"--storage.tsdb.path={folder / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--web.console.templates=",
            "--web.console.libraries=",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, (folder / "prometheus.log").read_text()
            try:
                if httpx.get(f"{url}/-/ready", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "Prometheus not ready:\n" + (folder / "prometheus.log").read_text()
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def payment(metered_stack: Stack, prometheus: str) -> PaymentState:
    handle = await metered_stack.momoflow().request_to_pay(
        {
            "amount": "500",
            "currency": "EUR",
            "payer": {"party_id_type": "MSISDN", "party_id": PAYER},
            "external_id": f"METRICS-{uuid.uuid4().hex[:8]}",
            "payer_message": "Order",
            "payee_note": "Thanks",
        },
        timing=TIMING,
    )
    state = await handle.result()
    assert state.status is PaymentStatus.SUCCESSFUL
    return state


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def unknown_payment(metered_stack: Stack, prometheus: str) -> PaymentState:
    """A payment MoMo never answers, UNKNOWN after a 2-second deadline (reconciliation goes on)."""
    handle = await metered_stack.momoflow().request_to_pay(
        {
            "amount": "500",
            "currency": "EUR",
            "payer": {"party_id_type": "MSISDN", "party_id": SILENT_PAYER},
            "external_id": f"METRICS-UNKNOWN-{uuid.uuid4().hex[:8]}",
            "payer_message": "Order",
            "payee_note": "Thanks",
        },
        timing=TIMING.model_copy(
            update={"deadline_s": 2, "callback_timeout_s": 1, "reconcile_initial_interval_s": 600}
        ),
    )
    deadline = time.monotonic() + 30
    while (state := await handle.status()).status is not PaymentStatus.UNKNOWN:
        assert time.monotonic() < deadline, f"still {state.status} after 30 s"
        await asyncio.sleep(0.5)
    return state


async def _query(http: httpx.AsyncClient, prometheus: str, expr: str) -> list[dict[str, Any]]:
    response = await http.get(f"{prometheus}/api/v1/query", params={"query": expr})
    body = response.json()
    assert body["status"] == "success", f"{expr}: {body}"
    return list(body["data"]["result"])


async def _value_when(http: httpx.AsyncClient, prometheus: str, expr: str, timeout: float = 20) -> float:
    """The query's single value once Prometheus has scraped it (a scrape every second)."""
    deadline = time.monotonic() + timeout
    while True:
        result = await _query(http, prometheus, expr)
        if result:
            return float(result[0]["value"][1])
        assert time.monotonic() < deadline, f"no data for {expr}"
        await asyncio.sleep(0.5)


async def test_prometheus_sees_the_payment(metered_stack: Stack, prometheus: str, payment: PaymentState) -> None:
    q = metered_stack.config.task_queue
    expectations = {
        # One POST accepted, at least one status GET answered, a token minted.
        'sum(momoflow_momo_requests_total{product="collection",operation="request_to_pay",status_code="202"})': 1,
        'sum(momoflow_momo_requests_total{operation="get_request_to_pay_status",status_code="200"})': 1,
        'sum(momoflow_momo_request_duration_seconds_count{operation="request_to_pay"})': 1,
        'sum(momoflow_momo_token_renewals_total{product="collection",outcome="success"})': 1,
        # MoMo's callback reached the gateway and became a signal.
        'sum(momoflow_callbacks_total{outcome="signalled"})': 1,
        'sum(momoflow_http_requests_total{server="callbacks",handler="receive",status_code="200"})': 1,
        'sum(momoflow_http_requests_total{server="sandbox"})': 3,
        # The Temporal SDK's own metrics, from the worker's runtime exporter.
        f'sum(temporal_num_pollers{{poller_type="workflow_task",task_queue="{q}"}})': 1,
        f'sum(temporal_workflow_completed_total{{task_queue="{q}"}})': 1,
        f'sum(temporal_activity_execution_latency_count{{task_queue="{q}"}})': 1,
    }
    async with httpx.AsyncClient(timeout=10) as http:
        for expr, at_least in expectations.items():
            deadline = time.monotonic() + 20
            while (value := await _value_when(http, prometheus, expr)) < at_least:
                assert time.monotonic() < deadline, f"{expr} = {value}, expected at least {at_least}"
                await asyncio.sleep(0.5)
        # The refusal the test makes is counted by outcome and nothing else moves.
        before = await _value_when(http, prometheus, 'sum(momoflow_callbacks_total{outcome="bad_token"})')
        forged = await http.put(
            f"{metered_stack.config.gateway_url}/callbacks/v1.k.forged", json={"status": "SUCCESSFUL"}
        )
        assert forged.status_code == 404
        deadline = time.monotonic() + 20
        while await _value_when(http, prometheus, 'sum(momoflow_callbacks_total{outcome="bad_token"})') < before + 1:
            assert time.monotonic() < deadline, "the forged callback was not counted"
            await asyncio.sleep(0.5)
        # Every process is scraped.
        up = {r["metric"]["job"]: r["value"][1] for r in await _query(http, prometheus, "up")}
        assert up == {
            job: "1"
            for job in (
                "momoflow-worker", "momoflow-worker-temporal", "momoflow-callbacks", "momoflow-sandbox", "momoflow-codec"
            )
        }  # fmt: skip


async def test_shipped_rules_evaluate_and_stay_quiet(
    metered_stack: Stack, prometheus: str, payment: PaymentState
) -> None:
    async with httpx.AsyncClient(timeout=10) as http:
        await asyncio.sleep(2)  # a few evaluations after the payment
        groups = (await http.get(f"{prometheus}/api/v1/rules")).json()["data"]["groups"]
        rules = [rule for group in groups for rule in group["rules"]]
        assert len(rules) >= 10
        broken = {rule["name"]: rule.get("lastError") for rule in rules if rule["health"] != "ok"}
        assert not broken, broken
        alerts = (await http.get(f"{prometheus}/api/v1/alerts")).json()["data"]["alerts"]
        # A healthy stack: workers poll, MoMo answers, nobody probes (one forged callback is not a burst).
        assert [a["labels"]["alertname"] for a in alerts] == [], _failed_activations(metered_stack)


async def test_prometheus_sees_an_unknown_payment_and_its_age(
    metered_stack: Stack, prometheus: str, payment: PaymentState, unknown_payment: PaymentState
) -> None:
    became_unknown = unknown_payment.history[-1].at
    async with httpx.AsyncClient(timeout=10) as http:
        unknown = 'max by (use_case) (momoflow_operations_unknown{use_case="request_to_pay"})'
        deadline = time.monotonic() + 30
        while await _value_when(http, prometheus, unknown) < 1:
            assert time.monotonic() < deadline, "the UNKNOWN payment was never counted"
            await asyncio.sleep(0.5)
        assert await _value_when(http, prometheus, unknown) == 1  # the successful payment is not
        # No other payment use case has one; each is exported at zero.
        assert await _value_when(http, prometheus, 'max(momoflow_operations_unknown{use_case="transfer"})') == 0
        # Its age counts from MomoUnknownSince, not from its start: it grows, and stays
        # below the time since it became UNKNOWN as Prometheus last saw it.
        oldest = 'max by (use_case) (momoflow_operations_unknown_oldest_seconds{use_case="request_to_pay"})'
        first = await _value_when(http, prometheus, oldest)
        await asyncio.sleep(3)
        later = await _value_when(http, prometheus, oldest)
        assert 0 < first < later <= (datetime.now(UTC) - became_unknown).total_seconds() + 1
        assert later < (datetime.now(UTC) - unknown_payment.history[0].at).total_seconds() - 1
        # The counter of payments becoming UNKNOWN, exported under the name the rules use.
        became = 'sum(momoflow_operations_became_unknown_total{use_case="request_to_pay"})'
        assert await _value_when(http, prometheus, became) == 1
        assert (
            await _value_when(http, prometheus, "time() - max(momoflow_unknown_scan_last_success_timestamp_seconds)")
            < 10
        )
    # The page's expression, at a threshold this payment has passed (the shipped one is an hour).
    async with httpx.AsyncClient(timeout=10) as http:
        rule = _rule_expr("MomoflowPaymentUnknownTooLong").replace("> 3600", "> 1")
        [series] = await _query(http, prometheus, rule)
        assert series["metric"] == {"use_case": "request_to_pay"}
        # And the shipped warning about payments becoming UNKNOWN fires, for this use case only.
        deadline = time.monotonic() + 20
        while True:
            alerts = (await http.get(f"{prometheus}/api/v1/alerts")).json()["data"]["alerts"]
            firing = {(a["labels"]["alertname"], a["labels"].get("use_case")) for a in alerts}
            if ("MomoflowPaymentsBecomingUnknown", "request_to_pay") in firing:
                break
            assert time.monotonic() < deadline, f"not firing: {firing}"
            await asyncio.sleep(0.5)
        # Not the hour-long page, and nothing else.
        assert {name for name, _ in firing} == {"MomoflowPaymentsBecomingUnknown"}, _failed_activations(metered_stack)


def _failed_activations(stack: Stack) -> str:
    """The worker's "Failed activation" lines: what an unexpected workflow-task alert is about."""
    lines = [
        line[:2000]
        for log in sorted((stack.config.data_dir / "logs").glob("worker-*.log"))
        for line in log.read_text(errors="replace").splitlines()
        if "Failed activation" in line
    ]
    return "failed workflow tasks in the worker's log:\n" + ("\n".join(lines) or "none")


def _rule_expr(alert: str) -> str:
    groups = yaml.safe_load(RULES.read_text())["groups"]
    [expr] = [rule["expr"] for group in groups for rule in group["rules"] if rule.get("alert") == alert]
    return str(expr)


def _metric_names(text: str) -> set[str]:
    return set(re.findall(r"\b((?:momoflow|temporal)_[a-z_]+)\b", text))


def _base(name: str) -> str:
    return re.sub(r"_(bucket|count|sum)$", "", name)


async def test_every_name_in_rules_and_dashboard_is_exported(
    metered_stack: Stack, prometheus: str, payment: PaymentState, unknown_payment: PaymentState
) -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    exprs = [t["expr"] for panel in dashboard["panels"] for t in panel.get("targets", [])]
    used = _metric_names(RULES.read_text()) | _metric_names("\n".join(exprs))
    async with httpx.AsyncClient(timeout=10) as http:
        for expr in exprs:  # each panel's query is valid PromQL
            await _query(http, prometheus, expr)
        exported = set((await http.get(f"{prometheus}/api/v1/label/__name__/values")).json()["data"])
    missing = {name for name in used if name not in exported and _base(name) not in ONLY_ON_EVENTS}
    assert not missing, f"rules or dashboard use names nothing exports: {sorted(missing)}"


async def test_no_private_value_in_any_label(metered_stack: Stack, payment: PaymentState) -> None:
    assert metered_stack.credentials is not None and payment.external_id
    private = {  # the workflow id is the external id with a prefix
        "payer number": PAYER,
        "external id": payment.external_id,
        "reference id": payment.reference_id,
        "API user": metered_stack.credentials.api_user,
    }
    labels: set[str] = set()
    async with httpx.AsyncClient(timeout=10) as http:
        for url in metered_stack.metrics_urls.values():
            text = (await http.get(url)).text
            for family in text_string_to_metric_families(text):
                for sample in family.samples:
                    labels.update(sample.labels.values())
    assert len(labels) > 20  # the scrape saw real series
    leaks = [f"{what} in label {value!r}" for value in labels for what, secret in private.items() if secret in value]
    assert not leaks, leaks


async def test_workflow_tasks_that_keep_failing_page(metered_stack: Stack, prometheus: str) -> None:
    # Two arguments where RequestToPay takes one: the worker cannot even build the workflow, so its
    # first task fails and is retried (an input it can decode but refuses would fail the workflow).
    request = {"amount": "5", "currency": "EUR", "payer": {"party_id_type": "MSISDN", "party_id": PAYER}}
    handle = await metered_stack.client.start_workflow(
        "RequestToPay",
        args=[{"request": request}, {"request": request}],
        id=f"metrics-stuck-{uuid.uuid4().hex[:8]}",
        task_queue=metered_stack.config.task_queue,
    )
    try:
        expr = _rule_expr("MomoflowWorkflowTasksFailing")
        started = time.monotonic()
        async with httpx.AsyncClient(timeout=10) as http:
            # The first failure alone is not enough (a task that then succeeds pages nobody);
            # the server retries every 15 s or so at first, so two more failures take about 30 s.
            while not (found := await _query(http, prometheus, expr)):
                assert time.monotonic() - started < 90, f"no data for {expr}\n{_failed_activations(metered_stack)}"
                await asyncio.sleep(0.5)
        assert time.monotonic() - started > 10
        assert [series["metric"] for series in found] == [
            {"workflow_type": "RequestToPay", "failure_reason": "WorkflowError"}
        ]
    finally:
        await handle.terminate("test over")
