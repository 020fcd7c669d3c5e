"""Each use case's workflow class: what the worker and the replay tests register.

Kept apart from :mod:`momoflow.use_cases` so the registry of wire facts stays
importable from workflow code without importing every workflow module. The
classes are found by their workflow type among this package's modules, so a new
use case needs no line here; tests/test_use_cases_registry.py checks that every
use case has exactly one workflow and every workflow a use case.
"""

from __future__ import annotations

import importlib
import pkgutil

import workflows
from momoflow import use_cases


def _defined_workflows() -> dict[str, type]:
    """Workflow type → class, for every ``@workflow.defn`` class in the ``workflows`` package."""
    found: dict[str, type] = {}
    for module_info in pkgutil.iter_modules(workflows.__path__):
        if module_info.name == "registry":
            continue
        module = importlib.import_module(f"{workflows.__name__}.{module_info.name}")
        for value in vars(module).values():
            definition = getattr(value, "__temporal_workflow_definition", None)
            if isinstance(value, type) and definition is not None and value.__module__ == module.__name__:
                found[definition.name] = value
    return found


DEFINED: dict[str, type] = _defined_workflows()
WORKFLOW_CLASSES: dict[str, type] = {
    use_case.name: DEFINED[use_case.workflow_type]
    for use_case in use_cases.USE_CASES
    if use_case.workflow_type in DEFINED
}


def workflow_of(use_case: use_cases.UseCase) -> type:
    return WORKFLOW_CLASSES[use_case.name]


# Workflows the worker starts for itself, not use cases a caller starts.
INTERNAL: tuple[str, ...] = ("WebhookDelivery",)

# In the registry's order, then the internal ones.
WORKFLOWS: list[type] = list(WORKFLOW_CLASSES.values()) + [DEFINED[name] for name in INTERNAL]
