"""Settings from SANDBOX_* variables, preset users and the command line."""

from __future__ import annotations

import os

import pytest
from pydantic import ValidationError

from sandbox.__main__ import parse_args
from sandbox.settings import SandboxSettings, parse_preset_api_users


def test_defaults(monkeypatch):
    for name in list(os.environ):
        if name.startswith("SANDBOX_"):
            monkeypatch.delenv(name)
    settings = SandboxSettings()
    assert (settings.host, settings.port) == ("127.0.0.1", 8090)
    assert (settings.approval_delay_s, settings.delayed_approval_s, settings.token_ttl_s) == (2.0, 5.0, 3600)
    assert settings.subscription_keys() == {
        "collection": "sandbox-collection-key",
        "disbursement": "sandbox-disbursement-key",
        "remittance": "sandbox-remittance-key",
    }
    assert settings.callbacks_enabled is True
    assert settings.reason_format == "string"
    assert settings.status_rate_limit_per_s is None
    assert settings.preset_users() == []
    assert settings.fault_settings().api_error_rate == 0.0


def test_environment_variables(monkeypatch):
    monkeypatch.setenv("SANDBOX_PORT", "9100")
    monkeypatch.setenv("SANDBOX_APPROVAL_DELAY_S", "0")
    monkeypatch.setenv("SANDBOX_REASON_FORMAT", "object")
    monkeypatch.setenv("SANDBOX_STATUS_RATE_LIMIT_PER_S", "10")
    monkeypatch.setenv("SANDBOX_CALLBACKS_ENABLED", "false")
    monkeypatch.setenv("SANDBOX_COLLECTION_SUBSCRIPTION_KEY", "k1")
    monkeypatch.setenv("SANDBOX_FAULTS", '{"lost_response_rate": 0.2}')
    settings = SandboxSettings()
    assert settings.port == 9100
    assert settings.approval_delay_s == 0
    assert settings.reason_format == "object"
    assert settings.status_rate_limit_per_s == 10
    assert settings.callbacks_enabled is False
    assert settings.subscription_keys()["collection"] == "k1"
    assert settings.fault_settings().lost_response_rate == 0.2
    assert "k1" not in repr(settings)  # keys are secrets


def test_blank_rate_limit_means_unlimited(monkeypatch):
    monkeypatch.setenv("SANDBOX_STATUS_RATE_LIMIT_PER_S", "")
    assert SandboxSettings().status_rate_limit_per_s is None


@pytest.mark.parametrize(
    "values",
    [
        {"reason_format": "xml"},
        {"approval_delay_s": -1},
        {"status_rate_limit_per_s": 0},
        {"faults": '{"api_error_rate": 2}'},
        {"faults": '{"unknown": 1}'},
        {"faults": "not json"},
        {"preset_api_users": "only-two:parts"},
        {"preset_api_users": "id:key:host:widget"},
    ],
)
def test_invalid_settings_fail_at_start(values):
    with pytest.raises(ValidationError):
        SandboxSettings(**values)


def test_preset_users_allow_colons_in_the_callback_host():
    [first, second] = parse_preset_api_users(
        "u1:key1:http://gateway:8091:collection, u2:key2:callbacks.example.com:disbursement,"
    )
    assert (first.user_id, first.api_key, first.provider_callback_host, first.product) == (
        "u1",
        "key1",
        "http://gateway:8091",
        "collection",
    )
    assert (second.provider_callback_host, second.product) == ("callbacks.example.com", "disbursement")
    assert "key1" not in repr(first)


def test_command_line_overrides_host_and_port():
    defaults = SandboxSettings(host="127.0.0.1", port=8090)
    plain = parse_args([], defaults)
    assert (plain.host, plain.port) == ("127.0.0.1", 8090)
    args = parse_args(["--host", "0.0.0.0", "--port", "9000"], defaults)
    assert (args.host, args.port) == ("0.0.0.0", 9000)


def test_new_settings_defaults_and_environment(monkeypatch):
    for name in list(os.environ):
        if name.startswith("SANDBOX_"):
            monkeypatch.delenv(name)
    defaults = SandboxSettings()
    assert defaults.auto_decide is True
    assert (defaults.approval_timeout_s, defaults.cancel_delay_s) == (300.0, 0.5)
    assert (str(defaults.collection_opening_balance), str(defaults.disbursement_opening_balance)) == ("0", "1000000")

    monkeypatch.setenv("SANDBOX_AUTO_DECIDE", "false")
    monkeypatch.setenv("SANDBOX_APPROVAL_TIMEOUT_S", "2.5")
    monkeypatch.setenv("SANDBOX_CANCEL_DELAY_S", "0")
    monkeypatch.setenv("SANDBOX_COLLECTION_OPENING_BALANCE", "10.25")
    monkeypatch.setenv("SANDBOX_DISBURSEMENT_OPENING_BALANCE", "500")
    configured = SandboxSettings()
    assert configured.auto_decide is False
    assert (configured.approval_timeout_s, configured.cancel_delay_s) == (2.5, 0)
    assert str(configured.collection_opening_balance) == "10.25"
    assert str(configured.disbursement_opening_balance) == "500"


@pytest.mark.parametrize(
    "values",
    [
        {"approval_timeout_s": 0},
        {"cancel_delay_s": -1},
        {"collection_opening_balance": "-1"},
        {"disbursement_opening_balance": "lots"},
        {"disbursement_opening_balance": "NaN"},
    ],
)
def test_invalid_new_settings_fail_at_start(values):
    with pytest.raises(ValidationError):
        SandboxSettings(**values)
