"""Builds the worker's MoMo clients and activities from settings.

Each product needs its own credentials. A product without credentials still
gets its activity names registered, answering with a non-retryable
``NOT_CONFIGURED`` error, so an operation on it fails at once with a clear
reason instead of waiting for a worker that will never come.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.accounts import account_activities
from activities.collection import CollectionActivities
from activities.delivery_notification import DeliveryNotificationActivities, PaymentOutcomeActivities
from activities.disbursement import DisbursementActivities
from activities.payouts import DepositActivities, RemittanceActivities
from activities.refunds import LedgerActivities, RefundActivities
from activities.subscriptions import SubscriptionActivities
from activities.withdrawals import WithdrawActivities
from momo.client import CollectionClient, DisbursementClient, MomoCredentials, RemittanceClient
from momo.tokens import TokenCache
from momoflow import use_cases
from momoflow.callback_tokens import CallbackSigner
from momoflow.models import Product
from momoflow.settings import CallbackSettings, MomoSettings

# Per product: every activity name a use case schedules (status checks go to the status queue).
PRODUCT_ACTIVITIES: dict[Product, list[str]] = use_cases.product_activities()


def credentials(settings: MomoSettings, product: Product) -> MomoCredentials | None:
    """The product's credentials, None if none are set; half a set is a configuration error."""
    prefix = product.value
    values = {
        f"MOMO_{prefix.upper()}_SUBSCRIPTION_KEY": getattr(settings, f"{prefix}_subscription_key").get_secret_value(),
        f"MOMO_{prefix.upper()}_API_USER": getattr(settings, f"{prefix}_api_user"),
        f"MOMO_{prefix.upper()}_API_KEY": getattr(settings, f"{prefix}_api_key").get_secret_value(),
    }
    missing = [name for name, value in values.items() if not value]
    if len(missing) == len(values):
        return None
    if missing:
        raise SystemExit(f"missing configuration: {', '.join(missing)} (see .env.example)")
    subscription_key, api_user, api_key = values.values()
    return MomoCredentials(product=prefix, subscription_key=subscription_key, api_user=api_user, api_key=api_key)


def _not_configured(product: Product, name: str) -> Callable[..., Any]:
    @activity.defn(name=name)
    async def refuse(*_args: Any) -> None:
        raise ApplicationError(
            f"no MoMo {product.value} credentials are configured (MOMO_{product.value.upper()}_*)",
            type="NOT_CONFIGURED",
            non_retryable=True,
        )

    return refuse


@dataclass
class ProductActivities:
    """The activities of one product, split by the task queue they run on."""

    product: Product
    configured: bool
    main: list[Callable[..., Any]] = field(default_factory=list)
    status: list[Callable[..., Any]] = field(default_factory=list)


def build_activities(
    http: httpx.AsyncClient, momo: MomoSettings, callbacks: CallbackSettings, tokens: TokenCache
) -> list[ProductActivities]:
    signer = CallbackSigner.from_spec(callbacks.secrets.get_secret_value())
    built: list[ProductActivities] = []
    for product in Product:
        creds = credentials(momo, product)
        group = ProductActivities(product=product, configured=creds is not None)
        if creds is None:
            for name in PRODUCT_ACTIVITIES[product]:
                queue = group.status if name in use_cases.STATUS_ACTIVITIES else group.main
                queue.append(_not_configured(product, name))
        else:
            options: dict[str, Any] = {"target_environment": momo.target_environment, "tokens": tokens}
            if product is Product.COLLECTION:
                client: Any = CollectionClient(http, momo.base_url, creds, **options)
                operations: list[Any] = [
                    CollectionActivities(client, signer, callbacks.public_url),
                    WithdrawActivities(client, signer, callbacks.public_url),
                    DeliveryNotificationActivities(client),
                ]
            elif product is Product.DISBURSEMENT:
                client = DisbursementClient(http, momo.base_url, creds, **options)
                operations = [
                    DisbursementActivities(client, signer, callbacks.public_url),
                    DepositActivities(client, signer, callbacks.public_url),
                    RefundActivities(client, signer, callbacks.public_url, momo.refund_api_version),
                ]
            else:
                client = RemittanceClient(http, momo.base_url, creds, **options)
                operations = [RemittanceActivities(client, signer, callbacks.public_url)]
            for activities in operations:
                group.main += activities.main()
                group.status += activities.status()
            group.main += account_activities(client)
        built.append(group)
    if not any(group.configured for group in built):
        raise SystemExit(
            "no MoMo credentials configured: set MOMO_COLLECTION_*, MOMO_DISBURSEMENT_* and/or MOMO_REMITTANCE_*"
            " (see .env.example)"
        )
    return built


def worker_activities(client: Any, task_queue: str) -> list[Any]:
    """Activities the worker serves on its own Temporal client, on no MoMo product's credentials.

    ``UseCase.worker_activities`` names them (subscriptions start and follow debits; refunds
    claim on a payment's ledger, which reads the payment; a delivery notification reads the
    payment's outcome).
    """
    return [
        *SubscriptionActivities(client, task_queue).all(),
        *LedgerActivities(client, task_queue).all(),
        *PaymentOutcomeActivities(client).all(),
    ]
