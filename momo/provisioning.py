"""Sandbox provisioning: create an API user and key, as an integrator does once.

Only MTN's sandbox offers these endpoints; production credentials come from
the partner portal.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import httpx

from momo.client import USER_AGENT
from momo.errors import MomoTransientError, error_from_response
from momo.models import ApiKey, ApiUser


@dataclass(frozen=True)
class ProvisionedUser:
    api_user: str
    api_key: str


class SandboxProvisioning:
    def __init__(self, http: httpx.AsyncClient, base_url: str, subscription_key: str) -> None:
        self._http = http
        self._base_url = base_url.rstrip("/")
        self._key = subscription_key

    def _headers(self) -> dict[str, str]:
        return {"Ocp-Apim-Subscription-Key": self._key, "User-Agent": USER_AGENT}

    async def _post(self, operation: str, path: str, **kwargs: object) -> httpx.Response:
        try:
            response = await self._http.post(f"{self._base_url}{path}", **kwargs)  # type: ignore[arg-type]
        except httpx.TransportError as exc:
            # The operation, not the path: error texts never carry ids from a URL.
            raise MomoTransientError(f"{operation} failed: {type(exc).__name__}", code="NETWORK_ERROR") from exc
        if not response.is_success:
            raise error_from_response(response)
        return response

    async def create_api_user(self, provider_callback_host: str, reference_id: str | None = None) -> str:
        user_id = reference_id or str(uuid.uuid4())
        await self._post(
            "create_api_user",
            "/v1_0/apiuser",
            json={"providerCallbackHost": provider_callback_host},
            headers={**self._headers(), "X-Reference-Id": user_id},
        )
        return user_id

    async def create_api_key(self, api_user: str) -> str:
        response = await self._post("create_api_key", f"/v1_0/apiuser/{api_user}/apikey", headers=self._headers())
        return ApiKey.model_validate_json(response.content).api_key

    async def get_api_user(self, api_user: str) -> ApiUser:
        response = await self._http.get(f"{self._base_url}/v1_0/apiuser/{api_user}", headers=self._headers())
        if not response.is_success:
            raise error_from_response(response)
        return ApiUser.model_validate_json(response.content)

    async def provision(self, provider_callback_host: str) -> ProvisionedUser:
        user = await self.create_api_user(provider_callback_host)
        return ProvisionedUser(api_user=user, api_key=await self.create_api_key(user))
