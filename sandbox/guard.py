"""What happens to every product call before its handler runs.

Order, outermost first, as on MTN's side: the API gateway checks the
subscription key; then injected faults (slowness, errors) strike, standing in
for an unreliable platform; then the bearer token and the target environment
are checked. Token, provisioning and ``/sandbox/*`` calls never pass here, so
they are never faulted.
"""

from __future__ import annotations

import asyncio

from starlette.requests import Request

from sandbox.api.error_bodies import injected_error
from sandbox.api.gateway import require_bearer, require_product_key, require_target_environment
from sandbox.instance import SandboxState
from sandbox.products import Product
from sandbox.world.store import IssuedToken


async def admit_product_call(request: Request, product: Product, state: SandboxState) -> IssuedToken:
    """Run the checks and faults in order; returns the caller's token or raises ApiError."""
    require_product_key(request, product, state.settings.subscription_keys())
    delay_s = state.faults.api_delay_s()
    if delay_s > 0:
        await asyncio.sleep(delay_s)
    status = state.faults.api_error_status()
    if status is not None:
        raise injected_error(status)
    token = require_bearer(request, product, state.store, state.clock())
    require_target_environment(request)
    return token
