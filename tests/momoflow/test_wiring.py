"""The worker's wiring: each product with its own credentials, or a clear refusal without them."""

from __future__ import annotations

import httpx
import pytest
from pydantic import SecretStr
from temporalio import activity
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from momo.tokens import TokenCache
from momoflow import contract, use_cases
from momoflow.contract import StatusCheck
from momoflow.models import Product
from momoflow.settings import CallbackSettings, MomoSettings
from momoflow.wiring import PRODUCT_ACTIVITIES, build_activities

COLLECTION_ONLY = MomoSettings(
    collection_subscription_key=SecretStr("sub"), collection_api_user="user", collection_api_key=SecretStr("key")
)


def _names(functions: list) -> set[str]:
    return {activity._Definition.must_from_callable(f).name for f in functions}


async def test_unconfigured_product_refuses_at_once() -> None:
    groups = build_activities(httpx.AsyncClient(), COLLECTION_ONLY, CallbackSettings(), TokenCache())
    by_product = {group.product: group for group in groups}
    assert by_product[Product.COLLECTION].configured and not by_product[Product.DISBURSEMENT].configured

    disbursement = by_product[Product.DISBURSEMENT]
    assert _names(disbursement.main) | _names(disbursement.status) == set(PRODUCT_ACTIVITIES[Product.DISBURSEMENT])
    assert _names(disbursement.status) == {
        contract.TRANSFER.get_status,
        contract.TRANSFER.await_final,
        contract.DEPOSIT.get_status,
        contract.DEPOSIT.await_final,
        contract.REFUND.get_status,
        contract.REFUND.await_final,
    }
    [poll] = [
        f
        for f in disbursement.status
        if activity._Definition.must_from_callable(f).name == contract.TRANSFER.await_final
    ]
    with pytest.raises(ApplicationError) as info:
        await ActivityEnvironment().run(poll, StatusCheck(reference_id="r"))
    assert info.value.type == "NOT_CONFIGURED" and info.value.non_retryable
    assert "MOMO_DISBURSEMENT_" in info.value.message


def test_every_collection_activity_is_registered_once() -> None:
    groups = build_activities(httpx.AsyncClient(), COLLECTION_ONLY, CallbackSettings(), TokenCache())
    collection = next(group for group in groups if group.product is Product.COLLECTION)
    registered = [activity._Definition.must_from_callable(f).name for f in collection.main + collection.status]
    assert sorted(registered) == sorted(PRODUCT_ACTIVITIES[Product.COLLECTION])
    assert set(_names(collection.status)) <= use_cases.STATUS_ACTIVITIES


REMITTANCE_ONLY = MomoSettings(
    remittance_subscription_key=SecretStr("sub"), remittance_api_user="user", remittance_api_key=SecretStr("key")
)


def test_remittance_runs_on_its_own_credentials_with_its_status_checks_apart() -> None:
    groups = build_activities(httpx.AsyncClient(), REMITTANCE_ONLY, CallbackSettings(), TokenCache())
    by_product = {group.product: group for group in groups}
    remittance = by_product[Product.REMITTANCE]
    assert remittance.configured and not by_product[Product.DISBURSEMENT].configured
    registered = [activity._Definition.must_from_callable(f).name for f in remittance.main + remittance.status]
    assert sorted(registered) == sorted(PRODUCT_ACTIVITIES[Product.REMITTANCE])
    assert _names(remittance.status) == {
        contract.REMITTANCE_TRANSFER.get_status,
        contract.REMITTANCE_TRANSFER.await_final,
    }
    assert contract.status_task_queue("momoflow", Product.REMITTANCE.value) == "momoflow-status-remittance"


async def test_unconfigured_remittance_names_its_variables() -> None:
    groups = build_activities(httpx.AsyncClient(), COLLECTION_ONLY, CallbackSettings(), TokenCache())
    remittance = next(group for group in groups if group.product is Product.REMITTANCE)
    [submit] = remittance.main[:1]
    with pytest.raises(ApplicationError) as info:
        await ActivityEnvironment().run(submit, None)
    assert info.value.type == "NOT_CONFIGURED" and "MOMO_REMITTANCE_" in info.value.message


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (MomoSettings(), "no MoMo credentials configured"),
        (MomoSettings(collection_api_user="user"), "MOMO_COLLECTION_SUBSCRIPTION_KEY, MOMO_COLLECTION_API_KEY"),
    ],
)
def test_missing_credentials_stop_the_worker_with_their_names(settings: MomoSettings, message: str) -> None:
    with pytest.raises(SystemExit, match=message):
        build_activities(httpx.AsyncClient(), settings, CallbackSettings(), TokenCache())
