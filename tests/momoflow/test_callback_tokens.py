from __future__ import annotations

import pytest

from momoflow.callback_tokens import CallbackSigner, InvalidCallbackToken, parse_secrets

OLD = "k1:first-secret-0123456789"
NEW = "k2:second-secret-0123456789"


def test_round_trip_binds_workflow_and_reference() -> None:
    signer = CallbackSigner.from_spec(OLD)
    token = signer.token("rtp-ORDER-1", "ref-1")
    target = signer.verify(token)
    assert (target.workflow_id, target.reference_id) == ("rtp-ORDER-1", "ref-1")


def test_token_cannot_be_moved_to_another_payment() -> None:
    signer = CallbackSigner.from_spec(OLD)
    version, kid, wf, _ref, mac = signer.token("rtp-ORDER-1", "ref-1").split(".")
    with pytest.raises(InvalidCallbackToken):
        signer.verify(".".join((version, kid, wf, "ref-2", mac)))
    other_wf = signer.token("rtp-ORDER-2", "ref-1").split(".")[2]
    with pytest.raises(InvalidCallbackToken):
        signer.verify(".".join((version, kid, other_wf, "ref-1", mac)))


@pytest.mark.parametrize("token", ["", "v1", "v1.k1.!!.r.m", "v2.k1.cnRw.r.m", "v1.nokey.cnRw.r.m", "a.b.c.d.e.f"])
def test_garbage_is_refused(token: str) -> None:
    with pytest.raises(InvalidCallbackToken):
        CallbackSigner.from_spec(OLD).verify(token)


def test_rotation_keeps_old_urls_valid_and_signs_with_the_new_key() -> None:
    before = CallbackSigner.from_spec(OLD).token("wf", "ref")
    rotated = CallbackSigner.from_spec(f"{NEW},{OLD}")
    assert rotated.verify(before).workflow_id == "wf"
    assert rotated.token("wf", "ref").split(".")[1] == "k2"
    retired = CallbackSigner.from_spec(NEW)
    with pytest.raises(InvalidCallbackToken):
        retired.verify(before)


@pytest.mark.parametrize("spec", ["", "nosecret", "k1:short", "k-1:long-enough-secret-123"])
def test_bad_secret_configuration_is_explained(spec: str) -> None:
    with pytest.raises(ValueError, match="CALLBACK_SECRETS"):
        parse_secrets(spec)
