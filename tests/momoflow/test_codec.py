from __future__ import annotations

import base64
import json

import httpx
import pytest
from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import pydantic_data_converter

from momoflow.codec import ENCODING, CodecKeyError, EncryptionCodec, new_key_spec, parse_keys, with_codec
from momoflow.codec_server import create_app
from momoflow.models import Party

OLD, NEW = new_key_spec("old"), new_key_spec("new")


def _plain(text: str) -> Payload:
    return Payload(metadata={"encoding": b"json/plain"}, data=text.encode())


async def test_round_trip_hides_the_content() -> None:
    codec = EncryptionCodec.from_spec(OLD)
    [sealed] = await codec.encode([_plain('{"payer":"46733123454"}')])
    assert sealed.metadata["encoding"] == ENCODING
    assert sealed.metadata["encryption-key-id"] == b"old"
    assert b"46733123454" not in sealed.SerializeToString()
    [opened] = await codec.decode([sealed])
    assert opened == _plain('{"payer":"46733123454"}')


async def test_same_plaintext_encrypts_differently() -> None:
    codec = EncryptionCodec.from_spec(OLD)
    a, b = await codec.encode([_plain("x"), _plain("x")])
    assert a.data != b.data


async def test_rotation_new_key_encrypts_old_key_still_decrypts() -> None:
    [before] = await EncryptionCodec.from_spec(OLD).encode([_plain("before")])
    rotated = EncryptionCodec.from_spec(f"{NEW},{OLD}")
    [after] = await rotated.encode([_plain("after")])
    assert after.metadata["encryption-key-id"] == b"new"
    assert [p.data for p in await rotated.decode([before, after])] == [b"before", b"after"]
    with pytest.raises(CodecKeyError, match="'old', which is not in CODEC_KEYS"):
        await EncryptionCodec.from_spec(NEW).decode([before])


async def test_tampering_is_detected() -> None:
    codec = EncryptionCodec.from_spec(OLD)
    [sealed] = await codec.encode([_plain("amount 500")])
    sealed.data = sealed.data[:-1] + bytes([sealed.data[-1] ^ 1])
    with pytest.raises(CodecKeyError, match="failed authentication"):
        await codec.decode([sealed])


async def test_unencrypted_payloads_pass_through() -> None:
    assert await EncryptionCodec.from_spec(OLD).decode([_plain("legacy")]) == [_plain("legacy")]


@pytest.mark.parametrize("spec", ["", "k1", "k-1:AAAA", "k1:not base64!", f"k1:{base64.b64encode(b'short').decode()}"])
def test_bad_key_configuration_is_explained(spec: str) -> None:
    with pytest.raises(ValueError, match="CODEC_KEYS"):
        parse_keys(spec)


async def test_converter_encrypts_models_end_to_end() -> None:
    converter = with_codec(pydantic_data_converter, OLD)
    [payload] = await converter.encode([Party(party_id="46733123454")])
    assert b"46733123454" not in payload.SerializeToString()
    [party] = await converter.decode([payload], [Party])
    assert party.party_id == "46733123454"
    assert with_codec(pydantic_data_converter, "") is pydantic_data_converter


def _wire(payload: Payload) -> dict[str, object]:
    return {
        "metadata": {k: base64.b64encode(v).decode() for k, v in payload.metadata.items()},
        "data": base64.b64encode(payload.data).decode(),
    }


async def test_codec_server_decodes_for_the_web_ui() -> None:
    codec = EncryptionCodec.from_spec(OLD)
    [sealed] = await codec.encode([_plain("hello")])
    app = create_app(codec, ["http://127.0.0.1:8233"], token="s3cret-token")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://codec") as client:
        body = json.dumps({"payloads": [_wire(sealed)]})
        refused = await client.post("/decode", content=body)
        assert refused.status_code == 401
        response = await client.post(
            "/decode",
            content=body,
            headers={
                "Authorization": "Bearer s3cret-token",
                "Origin": "http://127.0.0.1:8233",
                "X-Namespace": "default",
            },
        )
        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == "http://127.0.0.1:8233"
        [decoded] = response.json()["payloads"]
        assert base64.b64decode(decoded["data"]) == b"hello"

        preflight = await client.options("/decode", headers={"Origin": "http://127.0.0.1:8233"})
        assert preflight.status_code == 204 and "x-namespace" in preflight.headers["access-control-allow-headers"]
        stranger = await client.options("/decode", headers={"Origin": "http://evil.example"})
        assert "access-control-allow-origin" not in stranger.headers
        garbage = await client.post("/decode", content=b"{", headers={"Authorization": "Bearer s3cret-token"})
        assert garbage.status_code == 400
