"""What a product call goes through before its handler does its own work.

Every product call: the API gateway checks the subscription key; then
injected faults (slowness, errors) strike, standing in for an unreliable
platform; then the bearer token and the target environment are checked.
Token, provisioning and ``/sandbox/*`` calls never pass here, so they are
never faulted.

Creations (every POST, and the invoice DELETE) then follow MTN's order,
which clients can observe: X-Reference-Id (400) → body (400) → reused id
(409) → currency (500) → callback host (500) → 202. Handlers call these
steps in that order, adding their own checks where they belong.

Status GETs (and the other reads by id) find the operation as its owner
sees it: another API user's operation, or one of another kind, is
indistinguishable from a missing one (404), so ids leak nothing across
partners.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

from starlette.requests import Request
from starlette.responses import Response

from momoflow.logging import get_logger
from sandbox.api.error_bodies import already_exists, bad_request, injected_error, not_found, rate_limited
from sandbox.api.gateway import require_bearer, require_product_key, require_target_environment
from sandbox.api.input_checks import is_uuid4, require_matching_callback_host, require_reference_id
from sandbox.instance import SandboxState
from sandbox.settings import Product
from sandbox.world.operations import Operation, RequestToWithdraw
from sandbox.world.store import ApiUser, IssuedToken

T = TypeVar("T")

log = get_logger("sandbox.creation")


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


async def admit_creation(request: Request, product: Product, state: SandboxState) -> tuple[IssuedToken, str]:
    """Gateway checks, faults and credentials, then the X-Reference-Id header."""
    token = await admit_product_call(request, product, state)
    return token, require_reference_id(request.headers.get("X-Reference-Id"))


async def read_body(request: Request, parse: Callable[[bytes], T]) -> T:
    return parse(await request.body())


def refuse_reused_reference(state: SandboxState, reference_id: str) -> None:
    """409 if any operation, of any kind or API user, already has this id."""
    state.settle()
    if state.store.has_operation(reference_id):
        state.stats.posts_rejected_duplicate[reference_id.lower()] += 1
        log.info("reference_id_reused", reference_id=reference_id)
        raise already_exists()


def callback_target(request: Request, state: SandboxState, token: IssuedToken) -> tuple[ApiUser, str | None]:
    """The calling API user and its X-Callback-Url, which must point at the user's callback host."""
    user = state.store.api_user(token.api_user_id)
    assert user is not None  # tokens are only issued to existing users, and users are never deleted
    callback_url = (request.headers.get("X-Callback-Url") or "").strip() or None
    if callback_url is not None:
        require_matching_callback_host(callback_url, user.provider_callback_host)
    return user, callback_url


async def begin_creation(
    request: Request, product: Product, state: SandboxState, parse: Callable[[bytes], T]
) -> tuple[IssuedToken, str, T]:
    """The common prefix up to and including the 409 check."""
    token, reference_id = await admit_creation(request, product, state)
    body = await read_body(request, parse)
    refuse_reused_reference(state, reference_id)
    return token, reference_id, body


def accepted(state: SandboxState, reference_id: str) -> Response:
    """Count the creation and answer 202, unless a fault "loses" the answer.

    Anything already due (a zero delay, a pre-approved debit) is settled first,
    so the next read sees it. A lost answer does not undo the operation: a
    retry with the same id gets 409, as with MTN.
    """
    state.settle()
    state.stats.posts_accepted[reference_id.lower()] += 1
    if state.faults.lose_response():
        log.info("response_lost_on_purpose", reference_id=reference_id)
        raise injected_error(503)
    return Response(status_code=202)


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
    # A withdrawal lives as a request-to-pay subclass, yet is its own resource: found only as itself.
    if isinstance(operation, RequestToWithdraw) and not any(issubclass(kind, RequestToWithdraw) for kind in kinds):
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
