"""``POST /{product}/token/``: client-credentials access tokens.

Whatever body a client sends is ignored: MTN's sandbox accepts none, ``{}``
and ``{"grant_type":"client_credentials"}`` alike, and client libraries send
all three.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from momoflow.logging import get_logger
from sandbox.api.gateway import authenticate_api_user, mint_access_token, require_product_key
from sandbox.instance import sandbox_state
from sandbox.settings import PRODUCTS, Product
from sandbox.world.store import IssuedToken

log = get_logger("sandbox.token")


def token_endpoint(product: Product) -> Callable[[Request], Awaitable[Response]]:
    async def issue_token(request: Request) -> Response:
        state = sandbox_state(request)
        require_product_key(request, product, state.settings.subscription_keys())
        user = authenticate_api_user(request, product, state.store)
        ttl_s = state.settings.token_ttl_s
        now = state.clock()
        token = mint_access_token(user.user_id, ttl_s)
        state.store.add_token(token, IssuedToken(user.user_id, product, now + ttl_s), now)
        state.stats.tokens_issued[product] += 1
        log.info("token_issued", api_user_id=user.user_id, product=product, expires_in=ttl_s)
        return JSONResponse({"access_token": token, "token_type": "access_token", "expires_in": ttl_s})

    return issue_token


routes = [
    Route(path, token_endpoint(product), methods=["POST"])
    for product in PRODUCTS
    # With and without the trailing slash: MTN documents the slash, some clients drop it.
    for path in (f"/{product}/token/", f"/{product}/token")
]
