"""Finding the operation a GET or DELETE names, as its owner sees it.

Another API user's operation, or one of another kind, is indistinguishable
from a missing one (404), so ids leak nothing across partners.
"""

from __future__ import annotations

from starlette.requests import Request

from sandbox.api.error_bodies import bad_request, not_found, rate_limited
from sandbox.api.input_checks import is_uuid4
from sandbox.guard import admit_product_call
from sandbox.instance import SandboxState
from sandbox.products import Product
from sandbox.world.operations import Operation
from sandbox.world.store import IssuedToken


def path_reference_id(request: Request, name: str = "reference_id") -> str:
    reference_id: str = request.path_params[name]
    if not is_uuid4(reference_id):
        raise bad_request("The reference id in the path must be a UUID version 4.")
    return reference_id


def owned_operation(
    state: SandboxState, token: IssuedToken, reference_id: str, kinds: tuple[type[Operation], ...]
) -> Operation:
    state.settle()
    operation = state.store.operation(reference_id)
    if operation is None or not isinstance(operation, kinds) or not operation.owned_by(token.api_user_id):
        raise not_found()
    return operation


async def status_lookup(
    request: Request, product: Product, state: SandboxState, kinds: tuple[type[Operation], ...]
) -> Operation:
    """Everything a status GET does before rendering: checks, rate limit, lookup, count."""
    token = await admit_product_call(request, product, state)
    if state.status_limiter is not None and not state.status_limiter.allow(token.api_user_id.lower()):
        state.stats.status_rate_limited += 1
        raise rate_limited()
    reference_id = path_reference_id(request)
    operation = owned_operation(state, token, reference_id, kinds)
    state.stats.status_gets[reference_id.lower()] += 1
    return operation
