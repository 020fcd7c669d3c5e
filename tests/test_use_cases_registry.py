"""Every use case in the registry is complete: workflow, activities, schema, CLI, facade, tests, history.

A record added to ``momoflow/use_cases.py`` without its parts fails here, naming
what is missing, instead of failing later on a worker or in a client.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr
from temporalio import activity

from momo.tokens import TokenCache
from momoflow import contract, contract_docs, use_cases
from momoflow.models import PaymentState, Product
from momoflow.settings import CallbackSettings, MomoSettings
from momoflow.use_cases import USE_CASES, Kind, UseCase
from momoflow.wiring import build_activities, worker_activities
from starter.cli import build_parser
from starter.facade import Momoflow
from starter.listing import USE_CASES as LIST_FILTERS
from tests.workflows.cases import INPUTS
from workflows.registry import DEFINED, INTERNAL, WORKFLOW_CLASSES, WORKFLOWS

HISTORIES = Path(__file__).parent / "replay" / "histories"
ALL_PRODUCTS = MomoSettings(
    collection_subscription_key=SecretStr("sub"),
    collection_api_user="user",
    collection_api_key=SecretStr("key"),
    disbursement_subscription_key=SecretStr("sub"),
    disbursement_api_user="user",
    disbursement_api_key=SecretStr("key"),
    remittance_subscription_key=SecretStr("sub"),
    remittance_api_user="user",
    remittance_api_key=SecretStr("key"),
)


def _names(functions: list) -> set[str]:
    return {activity._Definition.must_from_callable(f).name for f in functions}


def _registered_activities() -> dict[Product, tuple[set[str], set[str]]]:
    """Per product, the activity names the worker registers on its main and status queues."""
    groups = build_activities(httpx.AsyncClient(), ALL_PRODUCTS, CallbackSettings(), TokenCache())
    return {group.product: (_names(group.main), _names(group.status)) for group in groups}


def _recorded_workflow_types() -> set[str]:
    """Workflow types of the current (not legacy) committed histories."""
    return {
        json.loads(path.read_text())["events"][0]["workflowExecutionStartedEventAttributes"]["workflowType"]["name"]
        for path in HISTORIES.glob("*.json")
        if not path.stem.startswith("legacy-")
    }


def _cli_usage(command: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args([*command, "--help"])
    usage = capsys.readouterr().out
    return usage if exited.value.code == 0 else ""


def gaps(use_case: UseCase, capsys: pytest.CaptureFixture[str]) -> list[str]:
    """What the use case lacks, one phrase per missing part."""
    missing = []
    workflow = WORKFLOW_CLASSES.get(use_case.name)
    if workflow is None or workflow not in WORKFLOWS:
        missing.append(f"a @workflow.defn(name={use_case.workflow_type!r}) class in workflows/")
    elif workflow.__temporal_workflow_definition.name != use_case.workflow_type:  # type: ignore[attr-defined]
        missing.append(f"a workflow registered as {use_case.workflow_type!r}")
    registered = _registered_activities()
    for product, names in use_case.activities.items():
        main, status = registered[product]
        for name in names:
            queue = status if name in use_cases.STATUS_ACTIVITIES else main
            if name not in queue:
                missing.append(f"activity {name!r} registered for {product.value}")
    served_by_worker = _names(worker_activities(None, "q"))
    for name in use_case.worker_activities:
        if name not in served_by_worker:
            missing.append(f"activity {name!r} registered on the worker")
    if use_case.steps is not None:
        steps = {use_case.steps.submit, use_case.steps.get_status, use_case.steps.await_final}
        if not steps <= set(use_case.activities.get(use_case.product, ())):  # type: ignore[arg-type]
            missing.append("its steps among its activities")
    schemas = contract_docs.DOCS / "schemas"
    for part in ("input", "result"):
        if not (schemas / f"{use_case.workflow_type}.{part}.json").is_file():
            missing.append(f"docs/schemas/{use_case.workflow_type}.{part}.json (make contract)")
    if f"### {use_case.workflow_type}\n" not in (contract_docs.DOCS / "contract.md").read_text():
        missing.append("a section in docs/contract.md (make contract)")
    if f"python -m starter {' '.join(use_case.cli_command)}" not in _cli_usage(use_case.cli_command, capsys):
        missing.append(f"the CLI command {' '.join(use_case.cli_command)!r}")
    if not callable(getattr(Momoflow, use_case.facade_method, None)):
        missing.append(f"the facade method Momoflow.{use_case.facade_method}")
    section = (
        (contract_docs.DOCS / "contract.md")
        .read_text()
        .partition(f"### {use_case.workflow_type}\n")[2]
        .partition("###")[0]
    )
    for message in use_case.messages:
        if f"- {message.kind} `{message.name}`" not in section:
            missing.append(f"its {message.kind.lower()} {message.name!r} in docs/contract.md (make contract)")
    if use_case.workflow_type not in _recorded_workflow_types():
        missing.append("a replay history (python -m tests.replay.record)")
    if use_case.is_payment:
        if use_case.name not in INPUTS:
            missing.append("an input in tests/workflows/cases.py")
        if LIST_FILTERS.get(use_case.list_filter) != use_case.workflow_type:
            missing.append(f"the list filter --use-case {use_case.list_filter}")
        if use_case.steps is None or use_case.product is None or use_case.request_model is None:
            missing.append("steps, product and request model (a payment has all three)")
        if use_case.result_model is not PaymentState:
            missing.append("PaymentState as result")
    return missing


@pytest.mark.parametrize("use_case", USE_CASES, ids=lambda u: u.name)
def test_every_use_case_has_all_its_parts(use_case: UseCase, capsys: pytest.CaptureFixture[str]) -> None:
    assert gaps(use_case, capsys) == []


def test_a_use_case_without_its_parts_is_reported(capsys: pytest.CaptureFixture[str]) -> None:
    """The check is real: a record with nothing behind it is missing every part."""
    bare = UseCase(
        name="direct_debit",
        kind=Kind.PAYMENT,
        workflow_type="DirectDebit",
        id_prefix="debit",
        input_model=use_cases.REQUEST_TO_PAY.input_model,
        result_model=PaymentState,
        activities={Product.COLLECTION: ("collection.submit_direct_debit",)},
        cli_command=("direct-debit",),
        facade_method="direct_debit",
        product=Product.COLLECTION,
        steps=contract.REQUEST_TO_PAY,
        request_model=use_cases.REQUEST_TO_PAY.request_model,
    )
    found = " | ".join(gaps(bare, capsys))
    for part in (
        "@workflow.defn(name='DirectDebit') class",
        "'collection.submit_direct_debit' registered",
        "its steps",
        "DirectDebit.input.json",
        "DirectDebit.result.json",
        "docs/contract.md",
        "CLI command",
        "Momoflow.direct_debit",
        "replay history",
        "tests/workflows/cases.py",
        "--use-case direct-debit",
    ):
        assert part in found


def test_every_workflow_in_the_package_is_a_use_case() -> None:
    assert set(DEFINED) - set(INTERNAL) == {use_case.workflow_type for use_case in USE_CASES}


def test_names_are_unique_and_spelled_one_way() -> None:
    for attribute in ("name", "workflow_type", "id_prefix", "cli_command", "facade_method"):
        values = [getattr(use_case, attribute) for use_case in USE_CASES]
        assert len(values) == len(set(values)), attribute
    for use_case in USE_CASES:
        assert re.fullmatch(r"[a-z]+(_[a-z]+)*", use_case.name), use_case.name
        assert all(re.fullmatch(r"[a-z]+(-[a-z]+)*", word) for word in use_case.cli_command), use_case.cli_command
        assert re.fullmatch(r"[a-z_]+", use_case.operation), use_case.operation


def test_wire_names_keep_their_historical_spelling() -> None:
    """Running payments and other clients depend on these; a rename here breaks them."""
    pre = use_cases.PRE_APPROVAL
    assert (pre.workflow_type, pre.id_prefix, pre.steps.submit if pre.steps else None) == (
        "PreApproval",
        "preapproval",
        "collection.submit_preapproval",
    )
    assert use_cases.CANCEL_INVOICE.operation == "invoice_cancellation"
    assert use_cases.LIST_PRE_APPROVALS.activities[Product.COLLECTION] == ("collection.list_preapprovals",)
