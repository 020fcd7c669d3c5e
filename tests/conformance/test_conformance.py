"""The client's requests and the sandbox's responses, checked against MTN's own OpenAPI exports.

A scripted tour drives the real momo client against the sandbox (in-process)
through every endpoint momoflow uses, recording each exchange. Every request
must match the corrected export (the client speaks MTN's API) and every
response must too (the sandbox answers as MTN documents).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from decimal import Decimal

import httpx
import pytest
import pytest_asyncio

from momo.client import CollectionClient, DisbursementClient, MomoCredentials, RemittanceClient
from momo.errors import MomoBusinessError, MomoConflictError, MomoNotFoundError, MomoTransientError
from momo.models import CreateInvoice, Party, PartyIdType, PreApproval, Refund, RequestToPay, Transfer
from momo.provisioning import SandboxProvisioning
from sandbox import SandboxSettings, create_app
from tests.conformance.corrections import CORRECTIONS, corrected, load
from tests.conformance.recording import Exchange, RecordingTransport, problems

HOST = "http://sandbox.test"
NOTE_WINDOW_S = 0.3
KEYS = {
    "collection": "conformance-collection-key",
    "disbursement": "conformance-disbursement-key",
    "remittance": "conformance-remittance-key",
}


def _spec_for(exchange: Exchange) -> tuple[str, str]:
    path = exchange.request.url.path
    for product in ("collection", "disbursement", "remittance"):
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
        remittance_subscription_key=KEYS["remittance"],
        delivery_notification_window_s=NOTE_WINDOW_S,
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

        # Withdrawals under both versions (one status endpoint), and notes on a paid request to pay.
        withdrawal, withdrawal_v2 = str(uuid.uuid4()), str(uuid.uuid4())
        await collection.request_to_withdraw(withdrawal, body, "http://callbacks.test/callbacks/w")
        await collection.request_to_withdraw(withdrawal_v2, body, "http://callbacks.test/callbacks/w", version="v2_0")
        with pytest.raises(MomoConflictError):
            await collection.request_to_withdraw(withdrawal, body, version="v2_0")
        await collection.get_request_to_withdraw(withdrawal_v2)
        with pytest.raises(MomoNotFoundError):
            await collection.get_request_to_withdraw(ref)
        paid = str(uuid.uuid4())
        await collection.request_to_pay(
            paid, body.model_copy(update={"payer": Party(party_id_type=PartyIdType.MSISDN, party_id="46733000004")})
        )
        await collection.notify_delivery(paid, "Receipt 7 for order 1", "en")
        with pytest.raises(MomoTransientError):  # 429: a second note too soon after the first
            await collection.notify_delivery(paid, "Receipt 7 again")
        with pytest.raises(MomoConflictError):  # 409: the request to pay did not succeed
            await collection.notify_delivery(ref, "Receipt")
        with pytest.raises(MomoNotFoundError):
            await collection.notify_delivery(str(uuid.uuid4()), "Receipt")
        await asyncio.sleep(NOTE_WINDOW_S)
        with pytest.raises(MomoBusinessError) as gone:  # 410: the window for notes has passed
            await collection.notify_delivery(paid, "Receipt")
        assert gone.value.status_code == 410

        payer = Party(party_id_type=PartyIdType.MSISDN, party_id="46733000004")
        approval = str(uuid.uuid4())
        await collection.create_preapproval(
            approval, PreApproval(payer=payer, payer_currency="EUR", payer_message="Plan", validity_time=600)
        )
        await collection.get_preapproval(approval)
        await collection.list_preapprovals("msisdn", "46733000004")
        await collection.cancel_preapproval(approval)

        invoice = str(uuid.uuid4())
        await collection.create_invoice(
            invoice,
            CreateInvoice(
                external_id="INV-1",
                amount=Decimal("30"),
                currency="EUR",
                validity_duration="600",
                intended_payer=Party(party_id_type=PartyIdType.MSISDN, party_id="46733123453"),
                payee=Party(party_id_type=PartyIdType.MSISDN, party_id="46733000001"),
                description="Order",
            ),
        )
        await collection.get_invoice(invoice)
        cancellation = str(uuid.uuid4())
        await collection.cancel_invoice(invoice, cancellation, "INV-1")
        await collection.get_invoice(cancellation)

        await collection.get_balance()
        await collection.get_balance("EUR")
        await collection.is_account_holder_active("msisdn", "46733000004")
        await collection.get_basic_user_info("46733000004")

        disbursement_user = await SandboxProvisioning(http, HOST, KEYS["disbursement"]).provision("callbacks.test")
        disbursement = DisbursementClient(
            http,
            HOST,
            MomoCredentials(
                "disbursement", KEYS["disbursement"], disbursement_user.api_user, disbursement_user.api_key
            ),
        )
        transfer = str(uuid.uuid4())
        await disbursement.transfer(
            transfer,
            Transfer(amount=Decimal("5"), currency="EUR", external_id="PAY-1", payee=payer, payer_message="Refund"),
            "http://callbacks.test/callbacks/y",
        )
        await disbursement.get_transfer(transfer)
        refund_body = Refund(
            amount=Decimal("2.50"),
            currency="EUR",
            external_id="REFUND-1",
            payer_message="Refund",
            payee_note="Sorry",
            reference_id_to_refund=ref,
        )
        for version in ("v1", "v2"):
            refund = str(uuid.uuid4())
            await disbursement.refund(refund, refund_body, "http://callbacks.test/callbacks/z", version=version)
            await disbursement.get_refund(refund)
        with pytest.raises(MomoConflictError):
            await disbursement.refund(refund, refund_body, version="v2")
        with pytest.raises(MomoNotFoundError):
            await disbursement.get_refund(str(uuid.uuid4()))
        await disbursement.get_balance()
        await disbursement.is_account_holder_active("email", "someone@example.com")

        for version in (1, 2):
            deposit = str(uuid.uuid4())
            await disbursement.deposit(
                deposit,
                Transfer(amount=Decimal("7"), currency="EUR", external_id="DEP-1", payee=payer, payee_note="Top-up"),
                "http://callbacks.test/callbacks/d",
                version=version,
            )
            await disbursement.get_deposit(deposit)
        with pytest.raises(MomoNotFoundError):
            await disbursement.get_deposit(transfer)  # a transfer is not a deposit

        remittance_user = await SandboxProvisioning(http, HOST, KEYS["remittance"]).provision("callbacks.test")
        remittance = RemittanceClient(
            http,
            HOST,
            MomoCredentials("remittance", KEYS["remittance"], remittance_user.api_user, remittance_user.api_key),
        )
        sent = str(uuid.uuid4())
        body = Transfer(amount=Decimal("9"), currency="EUR", external_id="REM-1", payee=payer, payer_message="Family")
        await remittance.transfer(sent, body, "http://callbacks.test/callbacks/r")
        with pytest.raises(MomoConflictError):
            await remittance.transfer(sent, body)
        await remittance.get_transfer(sent)
        with pytest.raises(MomoNotFoundError):
            await remittance.get_transfer(str(uuid.uuid4()))
        await remittance.get_balance()
        await remittance.get_balance("EUR")
        await remittance.is_account_holder_active("msisdn", "46733000004")
        await remittance.get_basic_user_info("46733000004")
    await app.state.sandbox.aclose()
    yield recorder.exchanges


async def test_every_exchange_matches_mtns_documents(tour: list[Exchange]) -> None:
    failures = []
    for exchange in tour:
        name, server = _spec_for(exchange)
        found = problems(corrected(name, server), exchange, HOST)
        if found:
            failures.append(
                f"{exchange.request.method} {exchange.request.url.path} -> {exchange.response.status_code}: {found}"
            )
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
        ("POST", "/collection/v1_0/requesttowithdraw", 202),
        ("POST", "/collection/v2_0/requesttowithdraw", 202),
        ("POST", "/collection/v2_0/requesttowithdraw", 409),
        ("GET", "/collection/v1_0/requesttowithdraw/{id}", 200),
        ("GET", "/collection/v1_0/requesttowithdraw/{id}", 404),
        ("POST", "/collection/v1_0/requesttopay/{id}/deliverynotification", 200),
        ("POST", "/collection/v1_0/requesttopay/{id}/deliverynotification", 404),
        ("POST", "/collection/v1_0/requesttopay/{id}/deliverynotification", 409),
        ("POST", "/collection/v1_0/requesttopay/{id}/deliverynotification", 410),
        ("POST", "/collection/v1_0/requesttopay/{id}/deliverynotification", 429),
        ("POST", "/collection/v2_0/preapproval", 202),
        ("GET", "/collection/v2_0/preapproval/{id}", 200),
        ("GET", "/collection/v1_0/preapprovals/msisdn/46733000004", 200),
        ("DELETE", "/collection/v1_0/preapproval/{id}", 200),
        ("POST", "/collection/v2_0/invoice", 202),
        ("GET", "/collection/v2_0/invoice/{id}", 200),
        ("DELETE", "/collection/v2_0/invoice/{id}", 202),
        ("GET", "/collection/v1_0/account/balance", 200),
        ("GET", "/collection/v1_0/account/balance/EUR", 200),
        ("GET", "/collection/v1_0/accountholder/msisdn/46733000004/active", 200),
        ("GET", "/collection/v1_0/accountholder/msisdn/46733000004/basicuserinfo", 200),
        ("POST", "/disbursement/token/", 200),
        ("POST", "/disbursement/v1_0/transfer", 202),
        ("GET", "/disbursement/v1_0/transfer/{id}", 200),
        ("POST", "/disbursement/v1_0/refund", 202),
        ("POST", "/disbursement/v2_0/refund", 202),
        ("POST", "/disbursement/v2_0/refund", 409),
        ("GET", "/disbursement/v1_0/refund/{id}", 200),
        ("GET", "/disbursement/v1_0/refund/{id}", 404),
        ("GET", "/disbursement/v1_0/account/balance", 200),
        ("GET", "/disbursement/v1_0/accountholder/email/someone@example.com/active", 200),
        ("POST", "/disbursement/v1_0/deposit", 202),
        ("POST", "/disbursement/v2_0/deposit", 202),
        ("GET", "/disbursement/v1_0/deposit/{id}", 200),
        ("GET", "/disbursement/v1_0/deposit/{id}", 404),
        ("POST", "/remittance/token/", 200),
        ("POST", "/remittance/v1_0/transfer", 202),
        ("POST", "/remittance/v1_0/transfer", 409),
        ("GET", "/remittance/v1_0/transfer/{id}", 200),
        ("GET", "/remittance/v1_0/transfer/{id}", 404),
        ("GET", "/remittance/v1_0/account/balance", 200),
        ("GET", "/remittance/v1_0/account/balance/EUR", 200),
        ("GET", "/remittance/v1_0/accountholder/msisdn/46733000004/active", 200),
        ("GET", "/remittance/v1_0/accountholder/msisdn/46733000004/basicuserinfo", 200),
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
    for name in ("collection", "disbursement", "remittance", "sandbox-provisioning"):
        spec = load(name)
        before = copy.deepcopy(spec)
        correction(spec)
        changed |= spec != before
    assert changed, f"{correction.__name__} changes no export"
