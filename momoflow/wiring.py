"""Builds the worker's MoMo clients and activities from settings."""

from __future__ import annotations

import httpx

from activities.collection import CollectionActivities
from momo.client import CollectionClient, MomoCredentials
from momo.tokens import TokenCache
from momoflow.callback_tokens import CallbackSigner
from momoflow.settings import CallbackSettings, MomoSettings


def collection_credentials(settings: MomoSettings) -> MomoCredentials:
    missing = [
        name
        for name, value in (
            ("MOMO_COLLECTION_SUBSCRIPTION_KEY", settings.collection_subscription_key.get_secret_value()),
            ("MOMO_COLLECTION_API_USER", settings.collection_api_user),
            ("MOMO_COLLECTION_API_KEY", settings.collection_api_key.get_secret_value()),
        )
        if not value
    ]
    if missing:
        raise SystemExit(f"missing configuration: {', '.join(missing)} (see .env.example)")
    return MomoCredentials(
        product="collection",
        subscription_key=settings.collection_subscription_key.get_secret_value(),
        api_user=settings.collection_api_user,
        api_key=settings.collection_api_key.get_secret_value(),
    )


def build_collection_activities(
    http: httpx.AsyncClient, momo: MomoSettings, callbacks: CallbackSettings, tokens: TokenCache
) -> CollectionActivities:
    client = CollectionClient(
        http,
        momo.base_url,
        collection_credentials(momo),
        target_environment=momo.target_environment,
        tokens=tokens,
    )
    signer = CallbackSigner.from_spec(callbacks.secrets.get_secret_value())
    return CollectionActivities(client, signer, callbacks.public_url)
