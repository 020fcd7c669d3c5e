"""A real stack per test module: dev server, sandbox, gateway and worker as processes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from devstack import Stack, StackConfig
from momoflow.models import PaymentTiming

# Fast customers, so the suite stays short; the pattern is the same as with MTN.
FAST_SANDBOX = {"SANDBOX_APPROVAL_DELAY_S": "0.5", "SANDBOX_DELAYED_APPROVAL_S": "2"}
TIMING = PaymentTiming(callback_timeout_s=15, poll_interval_s=1, deadline_s=60)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    config = StackConfig.ephemeral(Path(tmp_path_factory.mktemp("stack")), sandbox_env=FAST_SANDBOX)
    running = await Stack(config).start()
    try:
        yield running
    finally:
        running.stop()
