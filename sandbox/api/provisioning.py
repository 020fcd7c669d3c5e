"""Sandbox provisioning: create an API user, give it a key, read it back.

Only MTN's sandbox has these root-level endpoints. They need a subscription
key but no Basic or Bearer credential, and the user is bound to the product
whose key created it.
"""

from __future__ import annotations

import secrets

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from momoflow.logging import get_logger
from sandbox.api.error_bodies import already_exists, bad_request, not_found
from sandbox.api.gateway import product_of_key
from sandbox.api.input_checks import is_uuid4, parse_json_object, require_reference_id
from sandbox.instance import SandboxState, sandbox_state
from sandbox.settings import TARGET_ENVIRONMENT
from sandbox.world.store import AlreadyExistsError, ApiUser

log = get_logger("sandbox.provisioning")


def _existing_user(state: SandboxState, user_id: str) -> ApiUser:
    user = state.store.api_user(user_id)
    if user is not None:
        return user
    if not is_uuid4(user_id):
        raise bad_request("The API user id in the path must be a UUID version 4.")
    raise not_found()


async def create_api_user(request: Request) -> Response:
    state = sandbox_state(request)
    product = product_of_key(request, state.settings.subscription_keys())
    user_id = require_reference_id(request.headers.get("X-Reference-Id"))
    body = parse_json_object(await request.body())
    host = body.get("providerCallbackHost")
    if not isinstance(host, str) or not host.strip():
        raise bad_request("Field providerCallbackHost is required and must be a string.")
    try:
        state.store.add_api_user(ApiUser(user_id, host.strip(), product))
    except AlreadyExistsError:
        raise already_exists() from None
    log.info("api_user_created", api_user_id=user_id, product=product)
    return Response(status_code=201)


async def create_api_key(request: Request) -> Response:
    state = sandbox_state(request)
    product_of_key(request, state.settings.subscription_keys())
    user = _existing_user(state, request.path_params["user_id"])
    user.api_key = secrets.token_hex(16)
    log.info("api_key_created", api_user_id=user.user_id)
    return JSONResponse({"apiKey": user.api_key}, status_code=201)


async def get_api_user(request: Request) -> Response:
    state = sandbox_state(request)
    product_of_key(request, state.settings.subscription_keys())
    user = _existing_user(state, request.path_params["user_id"])
    return JSONResponse({"providerCallbackHost": user.provider_callback_host, "targetEnvironment": TARGET_ENVIRONMENT})


routes = [
    Route("/v1_0/apiuser", create_api_user, methods=["POST"]),
    Route("/v1_0/apiuser/{user_id}/apikey", create_api_key, methods=["POST"]),
    Route("/v1_0/apiuser/{user_id}", get_api_user, methods=["GET"]),
]
