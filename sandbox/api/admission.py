"""The steps every creation call (POST, or the invoice DELETE) goes through.

MTN's order, which clients can observe, is: subscription key → injected
faults → bearer → X-Target-Environment → X-Reference-Id (400) → body (400) →
reused id (409) → currency (500) → callback host (500) → 202. Handlers call
these steps in that order, adding their own checks where they belong.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from starlette.requests import Request
from starlette.responses import Response

from momoflow.logging import get_logger
from sandbox.api.error_bodies import already_exists, injected_error
from sandbox.api.input_checks import require_matching_callback_host, require_reference_id
from sandbox.guard import admit_product_call
from sandbox.instance import SandboxState
from sandbox.products import Product
from sandbox.world.store import ApiUser, IssuedToken

T = TypeVar("T")

log = get_logger("sandbox.creation")


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
