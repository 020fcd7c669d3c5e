"""The published contract (docs/contract.md, docs/schemas) is what the code says."""

from __future__ import annotations

import json

from momoflow import contract_docs
from momoflow.use_cases import USE_CASES


def test_committed_contract_matches_the_code() -> None:
    stale = contract_docs.stale()
    assert not stale, f"regenerate with `make contract`: {[str(path.name) for path in stale]}"


def test_every_workflow_type_has_its_section_and_schemas() -> None:
    page = (contract_docs.DOCS / "contract.md").read_text()
    for workflow_type in (use_case.workflow_type for use_case in USE_CASES):
        assert f"### {workflow_type}\n" in page
        schema = json.loads((contract_docs.DOCS / "schemas" / f"{workflow_type}.input.json").read_text())
        assert schema["type"] == "object"


def test_a_changed_model_makes_the_check_fail(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The check is real: a schema that differs from the committed one is reported."""
    original = contract_docs.schemas

    def changed() -> dict[str, str]:
        files = original()
        files["RequestToPay.input.json"] = files["RequestToPay.input.json"].replace('"amount"', '"amount_eur"')
        return files

    monkeypatch.setattr(contract_docs, "schemas", changed)
    assert [path.name for path in contract_docs.stale()] == ["RequestToPay.input.json"]
