"""Shared fixtures: Temporal test servers from the installed binaries, never downloaded."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from devstack.stack import find_binary
from momoflow import search_attributes
from momoflow.converter import DATA_CONVERTER


async def register_search_attributes(client: Client) -> None:
    await client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(
            namespace=client.namespace,
            search_attributes={key.name: key.indexed_value_type for key in search_attributes.ALL},
        )
    )


@pytest_asyncio.fixture
async def time_env() -> AsyncIterator[WorkflowEnvironment]:
    """A fresh time-skipping server per test (it starts in well under a second)."""
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=find_binary("temporal-test-server"),
        data_converter=DATA_CONVERTER,  # the one every momoflow process uses
    )
    try:
        await register_search_attributes(env.client)
        yield env
    finally:
        await env.shutdown()


@pytest.fixture
def task_queue() -> str:
    return f"test-{uuid.uuid4()}"


def pytest_unconfigure(config: pytest.Config) -> None:
    # The Temporal SDK's native runtime can crash at interpreter exit; leave with pytest's status.
    if os.environ.get("MOMOFLOW_HARD_EXIT", "1") == "1":
        import sys

        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(int(getattr(config, "_momoflow_exitstatus", 0)))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    session.config._momoflow_exitstatus = int(exitstatus)  # type: ignore[attr-defined]
