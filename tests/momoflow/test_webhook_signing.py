"""Webhook signatures: what the worker signs, a receiver verifies, and what it refuses."""

from __future__ import annotations

import json

import pytest

from momoflow.settings import WebhookConfigError, WebhookSettings
from momoflow.webhook_signing import WebhookVerificationError, parse_secrets, sign
from starter import verify_webhook

OLD = b"old-secret-0123456789abcdef"
NEW = b"new-secret-0123456789abcdef"
NOW = 1_800_000_000
BODY = json.dumps({"id": "evt_1", "type": "payment.succeeded", "data": {"amount": "500.00"}}).encode()


def _headers(body: bytes = BODY, secrets: list[bytes] = [OLD], t: int = NOW) -> dict[str, str]:  # noqa: B006
    return {"momoflow-signature": sign(body, secrets, t), "Momoflow-Event-Id": "evt_1"}


def test_a_genuine_webhook_verifies_and_gives_its_event_id() -> None:
    assert verify_webhook(_headers(), BODY, [OLD.decode()], now=NOW + 10) == "evt_1"
    # The header format: t=<unix>,v1=<hex sha256>
    t, v1 = _headers()["momoflow-signature"].split(",")
    assert t == f"t={NOW}" and v1.startswith("v1=") and len(v1) == 3 + 64


def test_a_tampered_body_is_refused() -> None:
    tampered = BODY.replace(b"500.00", b"900.00")
    with pytest.raises(WebhookVerificationError) as err:
        verify_webhook(_headers(), tampered, OLD, now=NOW)
    assert err.value.reason == "bad_signature"


def test_a_wrong_secret_is_refused() -> None:
    with pytest.raises(WebhookVerificationError, match="no signature matches") as err:
        verify_webhook(_headers(), BODY, [b"someone-elses-secret-0123"], now=NOW)
    assert err.value.reason == "bad_signature"


@pytest.mark.parametrize("offset", [301, -301, 86_400])
def test_a_stale_or_future_timestamp_is_refused(offset: int) -> None:
    with pytest.raises(WebhookVerificationError) as err:
        verify_webhook(_headers(), BODY, OLD, now=NOW + offset)
    assert err.value.reason == "stale_timestamp"
    assert verify_webhook(_headers(), BODY, OLD, now=NOW + offset, tolerance_s=abs(offset) + 1) == "evt_1"


def test_a_missing_or_malformed_header_is_refused() -> None:
    with pytest.raises(WebhookVerificationError) as err:
        verify_webhook({"Momoflow-Event-Id": "evt_1"}, BODY, OLD, now=NOW)
    assert err.value.reason == "missing_header"
    for header in ("v1=abc", f"t={NOW}", "t=yesterday,v1=abc", "garbage"):
        with pytest.raises(WebhookVerificationError) as err:
            verify_webhook({"Momoflow-Signature": header}, BODY, OLD, now=NOW)
        assert err.value.reason == "malformed_header", header


def test_an_event_id_header_that_differs_from_the_signed_body_is_refused() -> None:
    headers = {**_headers(), "Momoflow-Event-Id": "evt_other"}
    with pytest.raises(WebhookVerificationError) as err:
        verify_webhook(headers, BODY, OLD, now=NOW)
    assert err.value.reason == "bad_signature"


def test_during_rotation_both_secrets_sign_and_either_receiver_accepts() -> None:
    headers = _headers(secrets=[OLD, NEW])
    assert headers["momoflow-signature"].count("v1=") == 2
    assert verify_webhook(headers, BODY, [OLD], now=NOW) == "evt_1"  # receiver not switched yet
    assert verify_webhook(headers, BODY, [NEW], now=NOW) == "evt_1"  # receiver switched
    # After the old secret is removed from the worker, a receiver holding only the old one refuses.
    with pytest.raises(WebhookVerificationError):
        verify_webhook(_headers(secrets=[NEW]), BODY, [OLD], now=NOW)


def test_secrets_and_endpoints_are_checked_in_one_line() -> None:
    assert parse_secrets("k1:0123456789abcdef, k2:fedcba9876543210") == [
        ("k1", b"0123456789abcdef"),
        ("k2", b"fedcba9876543210"),
    ]
    with pytest.raises(ValueError, match="at least 16 characters"):
        parse_secrets("k1:short")
    with pytest.raises(ValueError, match="must use https"):
        WebhookSettings(endpoints="http://merchant.example/hooks", secrets="k1:0123456789abcdef")
    assert WebhookSettings(endpoints="http://127.0.0.1:9/hooks", secrets="k1:0123456789abcdef").enabled
    assert not WebhookSettings().enabled


def test_the_worker_refuses_endpoints_without_a_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBHOOK_ENDPOINTS", "https://merchant.example/hooks")
    monkeypatch.delenv("WEBHOOK_SECRETS", raising=False)
    with pytest.raises(WebhookConfigError, match="WEBHOOK_SECRETS"):
        WebhookSettings.load()
    monkeypatch.setenv("WEBHOOK_ENDPOINTS", "ftp://merchant.example/hooks")
    with pytest.raises(WebhookConfigError, match="WEBHOOK_ENDPOINTS"):
        WebhookSettings.load()
