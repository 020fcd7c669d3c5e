"""One way to connect to Temporal, so every process uses the same data converter."""

from __future__ import annotations

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from momoflow.codec import with_codec
from momoflow.settings import CodecSettings, TemporalSettings


async def connect(settings: TemporalSettings | None = None, codec: CodecSettings | None = None) -> Client:
    """A client with the pydantic converter, encrypting payloads when ``CODEC_KEYS`` is set."""
    settings = settings or TemporalSettings()
    codec = codec or CodecSettings()
    return await Client.connect(
        settings.address,
        namespace=settings.namespace,
        data_converter=with_codec(pydantic_data_converter, codec.key_spec()),
    )
