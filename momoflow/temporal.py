"""One way to connect to Temporal, so every process uses the same data converter."""

from __future__ import annotations

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from momoflow.settings import TemporalSettings


async def connect(settings: TemporalSettings | None = None) -> Client:
    settings = settings or TemporalSettings()
    return await Client.connect(
        settings.address,
        namespace=settings.namespace,
        data_converter=pydantic_data_converter,
    )
