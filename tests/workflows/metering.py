"""A time-skipping server whose runtime keeps workflow metrics in memory, for asserting them."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field

from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.runtime import BufferedMetricUpdate, MetricBuffer, MetricBufferDurationFormat, Runtime, TelemetryConfig
from temporalio.testing import WorkflowEnvironment

from devstack.stack import find_binary
from tests.conftest import register_search_attributes


@dataclass
class Metrics:
    """Every metric update the runtime buffered, drained on each read."""

    buffer: MetricBuffer
    updates: list[BufferedMetricUpdate] = field(default_factory=list)

    def drain(self) -> list[BufferedMetricUpdate]:
        self.updates += self.buffer.retrieve_updates()
        return self.updates

    def of(self, name: str) -> list[tuple[float, dict[str, object]]]:
        """(value, labels) of each update of one metric."""
        return [(u.value, dict(u.attributes)) for u in self.drain() if u.metric.name == name]

    def total(self, name: str, **labels: object) -> float:
        """Sum of a counter's increments whose labels include ``labels``."""
        return sum(value for value, attrs in self.of(name) if labels.items() <= attrs.items())


@contextlib.asynccontextmanager
async def metered_env() -> AsyncIterator[tuple[WorkflowEnvironment, Metrics]]:
    buffer = MetricBuffer(100_000, duration_format=MetricBufferDurationFormat.SECONDS)
    runtime = Runtime(telemetry=TelemetryConfig(metrics=buffer))
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=find_binary("temporal-test-server"),
        data_converter=pydantic_data_converter,
        runtime=runtime,
    )
    try:
        await register_search_attributes(env.client)
        yield env, Metrics(buffer)
    finally:
        await env.shutdown()


def labels_of(updates: Sequence[tuple[float, dict[str, object]]]) -> list[dict[str, object]]:
    return [attrs for _, attrs in updates]
