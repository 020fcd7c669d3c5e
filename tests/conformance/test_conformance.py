"""The client's requests and the sandbox's responses, checked against MTN's own OpenAPI exports.

A scripted tour drives the real momo client against the sandbox (in-process)
through every endpoint momoflow uses, recording each exchange. Every request
must match the corrected export (the client speaks MTN's API) and every
response must too (the sandbox answers as MTN documents).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from decimal import Decimal

import httpx
import pytest
import pytest_asyncio

from momo.client import CollectionClient, MomoCredentials
from momo.errors import MomoConflictError, MomoNotFoundError
from momo.models import Party, PartyIdType, RequestToPay
from momo.provisioning import SandboxProvisioning
from sandbox import SandboxSettings, create_app
from tests.conformance.corrections import CORRECTIONS, corrected, load
from tests.conformance.recording import Exchange, RecordingTransport, problems

HOST = "http://sandbox.test"
KEYS = {"collection": "conformance-collection-key", "disbursement": "conformance-disbursement-key"}


def _spec_for(exchange: Exchange) -> tuple[str, str]:
    path = exchange.request.url.path
    for product in ("collection", "disbursement"):
        if path.startswith(f"/{product}/"):
            return product, f"{HOST}/{product}"
    return "sandbox-provisioning", HOST


@pytest_asyncio.fixture
async def tour() -> AsyncIterator[list[Exchange]]:
    settings = SandboxSettings(
        approval_delay_s=0,
        delayed_approval_s=0,
        callbacks_enabled=False,
        collection_subscription_key=KEYS["collection"],
        disbursement_subscription_key=KEYS["disbursement"],
    )
    app = create_app(settings)
    recorder = RecordingTransport(httpx.ASGITransport(app=app))
    async with httpx.AsyncClient(transport=recorder) as http:
        provisioning = SandboxProvisioning(http, HOST, KEYS["collection"])
        user = await provisioning.provision(provider_callback_host="callbacks.test")
        await provisioning.get_api_user(user.api_user)
        creds = MomoCredentials("collection", KEYS["collection"], user.api_user, user.api_key)
        collection = CollectionClient(http, HOST, creds)

        ref = str(uuid.uuid4())
        body = RequestToPay(
            amount=Decimal("12.50"),
            currency="EUR",
            external_id="ORDER-1",
            payer=Party(party_id_type=PartyIdType.MSISDN, party_id="46733123451"),
            payer_message="Order 1",
            payee_note="Thanks",
        )
        await collection.request_to_pay(ref, body, "http://callbacks.test/callbacks/x")
        with pytest.raises(MomoConflictError):
            await collection.request_to_pay(ref, body)
        await collection.get_request_to_pay(ref)
        with pytest.raises(MomoNotFoundError):
            await collection.get_request_to_pay(str(uuid.uuid4()))
    await app.state.sandbox.aclose()
    yield recorder.exchanges


async def test_every_exchange_matches_mtns_documents(tour: list[Exchange]) -> None:
    failures = []
    for exchange in tour:
        name, server = _spec_for(exchange)
        found = problems(corrected(name, server), exchange, HOST)
        if found:
            failures.append(f"{exchange.request.method} {exchange.request.url.path} -> {exchange.response.status_code}: {found}")
    assert not failures, "\n".join(failures)


async def test_tour_covers_every_endpoint_momoflow_uses(tour: list[Exchange]) -> None:
    seen = {(e.request.method, _template(e.request.url.path), e.response.status_code) for e in tour}
    expected = {
        ("POST", "/v1_0/apiuser", 201),
        ("POST", "/v1_0/apiuser/{id}/apikey", 201),
        ("GET", "/v1_0/apiuser/{id}", 200),
        ("POST", "/collection/token/", 200),
        ("POST", "/collection/v1_0/requesttopay", 202),
        ("POST", "/collection/v1_0/requesttopay", 409),
        ("GET", "/collection/v1_0/requesttopay/{id}", 200),
        ("GET", "/collection/v1_0/requesttopay/{id}", 404),
    }
    assert expected <= seen, sorted(expected - seen)


def _template(path: str) -> str:
    parts = []
    for part in path.split("/"):
        try:
            uuid.UUID(part)
            parts.append("{id}")
        except ValueError:
            parts.append(part)
    return "/".join(parts)


def test_the_exports_are_kept_unmodified() -> None:
    import hashlib

    from tests.conformance.corrections import SPECS

    sources = (SPECS / "SOURCES.md").read_text()
    for path in sorted(SPECS.glob("*.json")):
        assert hashlib.sha256(path.read_bytes()).hexdigest() in sources, path.name


@pytest.mark.parametrize("correction", CORRECTIONS, ids=lambda c: c.__name__)
def test_each_correction_changes_something(correction) -> None:  # type: ignore[no-untyped-def]
    # A correction that no longer applies to any export is dead weight: remove it or fix it.
    import copy

    changed = False
    for name in ("collection", "disbursement", "sandbox-provisioning"):
        spec = load(name)
        before = copy.deepcopy(spec)
        correction(spec)
        changed |= spec != before
    assert changed, f"{correction.__name__} changes no export"
