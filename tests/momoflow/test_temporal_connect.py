"""momoflow.temporal: Temporal's standard client configuration, clear refusals, and no plain text by accident."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import Client
from temporalio.service import TLSConfig

from devstack.processes import free_port
from momoflow.codec import EncryptionCodec, new_key_spec
from momoflow.settings import CodecSettings, TemporalSettings
from momoflow.temporal import (
    ENVCONFIG_VARIABLES,
    TemporalConfigError,
    TemporalConnectError,
    TemporalSetupError,
    connect,
    explain,
    plan,
)

ROOT = Path(__file__).resolve().parents[2]
KEY = new_key_spec("t1")
KEYED = CodecSettings(keys=KEY, keys_file="")
PLAINTEXT = CodecSettings(keys="", keys_file="", allow_plaintext=True)


def test_nothing_set_means_the_local_dev_server_in_plain_grpc() -> None:
    target = plan(TemporalSettings(), KEYED, environ={})
    assert (target.address, target.namespace, target.tls, target.api_key) == ("127.0.0.1:7233", "default", False, None)


def test_empty_variables_count_as_unset() -> None:
    # .env files copied from .env.example carry every variable, most of them empty.
    env = {name: "" for name in ENVCONFIG_VARIABLES}
    target = plan(TemporalSettings(), KEYED, environ=env)
    assert (target.address, target.tls, target.api_key) == ("127.0.0.1:7233", False, None)


async def test_api_key_and_tls_files_from_the_environment_reach_client_connect(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "ca.pem").write_bytes(b"CA PEM")
    (tmp_path / "client.pem").write_bytes(b"CLIENT PEM")
    (tmp_path / "client.key").write_bytes(b"KEY PEM")
    calls: list[tuple[str, dict[str, Any]]] = []

    async def fake_connect(target_host: str, **kwargs: Any) -> str:
        calls.append((target_host, kwargs))
        return "client"

    monkeypatch.setattr(Client, "connect", fake_connect)
    env = {
        "TEMPORAL_ADDRESS": "acme.a1b2c.tmprl.cloud:7233",
        "TEMPORAL_NAMESPACE": "acme.a1b2c",
        "TEMPORAL_API_KEY": "the-api-key",
        "TEMPORAL_TLS_SERVER_CA_CERT_PATH": str(tmp_path / "ca.pem"),
        "TEMPORAL_TLS_CLIENT_CERT_PATH": str(tmp_path / "client.pem"),
        "TEMPORAL_TLS_CLIENT_KEY_PATH": str(tmp_path / "client.key"),
        "TEMPORAL_TLS_SERVER_NAME": "frontend.internal",
        "TEMPORAL_GRPC_META_X_TENANT": "momoflow",
    }
    assert await connect(TemporalSettings(), KEYED, environ=env) == "client"
    [(address, kwargs)] = calls
    assert address == "acme.a1b2c.tmprl.cloud:7233"
    assert kwargs["namespace"] == "acme.a1b2c"
    assert kwargs["api_key"] == "the-api-key"
    assert kwargs["tls"] == TLSConfig(
        server_root_ca_cert=b"CA PEM",
        client_cert=b"CLIENT PEM",
        client_private_key=b"KEY PEM",
        domain="frontend.internal",
    )
    assert kwargs["rpc_metadata"] == {"x-tenant": "momoflow"}
    assert isinstance(kwargs["data_converter"].payload_codec, EncryptionCodec)


def test_an_api_key_alone_turns_tls_on() -> None:
    target = plan(TemporalSettings(), KEYED, environ={"TEMPORAL_API_KEY": "k"})
    assert target.tls is True and target.api_key == "k"


def test_a_profile_file_is_read_and_variables_override_it(tmp_path: Path) -> None:
    config = tmp_path / "temporal.toml"
    config.write_text(
        '[profile.default]\naddress = "default.example:7233"\n\n'
        '[profile.cloud]\naddress = "cloud.example:7233"\nnamespace = "payments"\napi_key = "from-file"\n'
    )
    env = {"TEMPORAL_CONFIG_FILE": str(config)}
    assert plan(TemporalSettings(), KEYED, environ=env).address == "default.example:7233"
    cloud = plan(TemporalSettings(), KEYED, environ={**env, "TEMPORAL_PROFILE": "cloud"})
    assert (cloud.address, cloud.namespace, cloud.api_key, cloud.tls) == (
        "cloud.example:7233",
        "payments",
        "from-file",
        True,
    )
    overridden = plan(
        TemporalSettings(), KEYED, environ={**env, "TEMPORAL_PROFILE": "cloud", "TEMPORAL_NAMESPACE": "ops"}
    )
    assert overridden.namespace == "ops"


def test_explicit_settings_win_over_the_configuration() -> None:
    target = plan(
        TemporalSettings(address="10.0.0.1:7233", namespace="tests"), KEYED, environ={"TEMPORAL_ADDRESS": "x:1"}
    )
    assert (target.address, target.namespace) == ("10.0.0.1:7233", "tests")


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"TEMPORAL_CONFIG_FILE": "/no/such/temporal.toml"}, "TEMPORAL_CONFIG_FILE: no file at /no/such/temporal.toml"),
        ({"TEMPORAL_PROFILE": "nope"}, "Profile 'nope' not found"),
        ({"TEMPORAL_TLS_CLIENT_CERT_PATH": "/no/such/client.pem"}, "cannot read /no/such/client.pem"),
    ],
)
def test_unusable_configuration_is_refused_before_connecting(env: dict[str, str], expected: str) -> None:
    with pytest.raises(TemporalConfigError, match=re.escape(expected)):
        plan(TemporalSettings(), KEYED, environ=env)


async def test_an_unreachable_address_is_one_clear_line() -> None:
    port = free_port()
    with pytest.raises(TemporalConnectError) as caught:
        await connect(TemporalSettings(), KEYED, environ={"TEMPORAL_ADDRESS": f"127.0.0.1:{port}"})
    message = str(caught.value)
    assert message == (
        f"cannot connect to Temporal at 127.0.0.1:{port} (namespace default, plain gRPC, no TLS):"
        " nothing answers there; is Temporal running? Set TEMPORAL_ADDRESS to its host:port"
    )
    assert isinstance(caught.value, RuntimeError)  # devstack retries RuntimeErrors while the server starts


# The SDK's own messages (temporalio 1.35) for each refusal, as seen through an nginx TLS terminator.
_SDK = {
    "plain to tls": "Failed client connect: `get_system_info` call error after connection: Status { code: Internal, "
    'message: "h2 protocol error: http2 error", source: Some(tonic::transport::Error(Transport, '
    'hyper::Error(Http2, Error { kind: GoAway(b"", FRAME_SIZE_ERROR, Library) }))) }',
    "no client cert": "Failed client connect: `get_system_info` call error after connection: Status { code: Internal, "
    'message: "protocol error: received message with invalid compression flag: 60 (valid flags are 0 and 1) while '
    'receiving response with status: 400 Bad Request", metadata: MetadataMap { headers: {"server": "nginx"} } }',
    "no api key": "Failed client connect: `get_system_info` call error after connection: Status { code: Internal, "
    'message: "protocol error: received message with invalid compression flag: 60 (valid flags are 0 and 1) while '
    'receiving response with status: 401 Unauthorized" }',
    "plain to tls, hung up": "Failed client connect: `get_system_info` call error after connection: Status { code: "
    'Cancelled, message: "operation was canceled", source: Some(tonic::transport::Error(Transport, '
    'hyper::Error(Canceled, "connection closed"))) }',
    "unknown ca": "Failed client connect: Server connection error: tonic::transport::Error(Transport, "
    "ConnectError(Custom { kind: InvalidData, error: InvalidCertificate(UnknownIssuer) }))",
    "tls to plain": "Failed client connect: Server connection error: tonic::transport::Error(Transport, "
    "ConnectError(Custom { kind: InvalidData, error: InvalidMessage(InvalidContentType) }))",
}


@pytest.mark.parametrize(
    ("case", "environ", "expected"),
    [
        ("plain to tls", {}, "the server expects TLS: set TEMPORAL_TLS=true"),
        ("plain to tls, hung up", {}, "the server closed the connection; if it expects TLS: set TEMPORAL_TLS=true"),
        (
            "no client cert",
            {"TEMPORAL_TLS": "true"},
            "requires a client certificate (mTLS): set TEMPORAL_TLS_CLIENT_CERT_PATH",
        ),
        ("no api key", {"TEMPORAL_TLS": "true"}, "the server requires an API key: set TEMPORAL_API_KEY"),
        ("no api key", {"TEMPORAL_API_KEY": "wrong"}, "the server refused the API key in TEMPORAL_API_KEY"),
        ("unknown ca", {"TEMPORAL_TLS": "true"}, "not trusted: set TEMPORAL_TLS_SERVER_CA_CERT_PATH"),
        ("tls to plain", {"TEMPORAL_TLS": "true"}, "the server does not speak TLS"),
    ],
)
def test_refusals_say_what_was_refused_and_what_to_set(case: str, environ: dict[str, str], expected: str) -> None:
    message = explain(plan(TemporalSettings(), KEYED, environ=environ), _SDK[case])
    assert message.startswith("cannot connect to Temporal at 127.0.0.1:7233 (namespace default, ")
    assert expected in message
    assert "\n" not in message and "compression flag" not in message


# -- no plain text by accident ---------------------------------------------------------------


async def test_without_a_codec_key_connect_refuses_before_touching_the_network(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def must_not_connect(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("connected without a codec key")

    monkeypatch.setattr(Client, "connect", must_not_connect)
    missing = tmp_path / "keys" / "codec-keys"
    with pytest.raises(TemporalConfigError) as caught:
        await connect(TemporalSettings(), CodecSettings(keys="", keys_file=str(missing)), environ={})
    message = str(caught.value)
    assert f"CODEC_KEYS is empty and there is no key file at {missing} (CODEC_KEYS_FILE)" in message
    assert "Set CODEC_KEYS" in message and "CODEC_ALLOW_PLAINTEXT=true" in message


def test_plain_text_only_when_chosen() -> None:
    assert plan(TemporalSettings(), PLAINTEXT, environ={}).codec_keys == ""
    with pytest.raises(TemporalConfigError, match="CODEC_KEYS_FILE is empty"):
        plan(TemporalSettings(), CodecSettings(keys="", keys_file=""), environ={})
    # A key wins over the plain-text choice.
    assert plan(TemporalSettings(), CodecSettings(keys=KEY, allow_plaintext=True), environ={}).codec_keys == KEY


def test_an_empty_key_file_is_no_key(tmp_path: Path) -> None:
    (tmp_path / "codec-keys").write_text("\n")
    with pytest.raises(TemporalConfigError, match="key file .*codec-keys \\(CODEC_KEYS_FILE\\) is empty"):
        plan(TemporalSettings(), CodecSettings(keys="", keys_file=str(tmp_path / "codec-keys")), environ={})


def test_a_relative_key_file_is_taken_from_the_project_folder_not_the_current_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert CodecSettings(keys="", keys_file="data/codec-keys").key_file_path() == ROOT / "data" / "codec-keys"
    assert CodecSettings(keys="", keys_file="").key_file_path() is None


# -- each process refuses to start without a key ------------------------------------------------


def _env_without_keys(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CODEC_", "TEMPORAL_", "MOMO_", "CALLBACK_"))}
    # Nothing listens there: without the check the process would fail (or wait) on the connection instead.
    env["TEMPORAL_ADDRESS"] = f"127.0.0.1:{free_port()}"
    env["CODEC_KEYS_FILE"] = str(tmp_path / "absent" / "codec-keys")
    env["TEMPORAL_CONFIG_FILE"] = str(tmp_path / "temporal.toml")
    (tmp_path / "temporal.toml").write_text("")
    return env


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["-m", "starter", "status", "rtp-anything"], id="starter"),
        pytest.param(["-m", "worker"], id="worker"),
        pytest.param(["-m", "callbacks", "--port", "0"], id="gateway"),
    ],
)
def test_each_process_refuses_to_start_without_a_codec_key(tmp_path: Path, argv: list[str]) -> None:
    # Run from another folder, as `python -m starter` from a service's own directory would be.
    result = subprocess.run(
        [sys.executable, *argv],
        cwd=tmp_path,
        env=_env_without_keys(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr  # a line to act on, not a stack
    assert f"no key file at {tmp_path / 'absent' / 'codec-keys'} (CODEC_KEYS_FILE)" in result.stderr
    assert "CODEC_ALLOW_PLAINTEXT=true" in result.stderr


def test_the_starter_says_it_in_one_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "starter", "status", "rtp-anything"],
        cwd=tmp_path, env=_env_without_keys(tmp_path), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: no payload encryption key: CODEC_KEYS is empty")


def test_the_starter_names_an_unreachable_server(tmp_path: Path) -> None:
    env = {**_env_without_keys(tmp_path), "CODEC_KEYS": KEY}
    result = subprocess.run(
        [sys.executable, "-m", "starter", "status", "rtp-anything"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 5  # the CLI's "cannot reach Temporal"
    assert result.stderr.strip() == (
        f"error: cannot connect to Temporal at {env['TEMPORAL_ADDRESS']} (namespace default, plain gRPC, no TLS):"
        " nothing answers there; is Temporal running? Set TEMPORAL_ADDRESS to its host:port"
    )


def test_every_setup_error_is_one_type_for_callers() -> None:
    assert issubclass(TemporalConfigError, TemporalSetupError) and issubclass(TemporalConnectError, TemporalSetupError)
