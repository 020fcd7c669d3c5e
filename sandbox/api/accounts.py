"""Endpoints every product has: account balance and account-holder checks.

The balance is the calling API user's account for the product in the path
(see :mod:`sandbox.world.ledger`). Account-holder checks answer from MTN's test
values (see :mod:`sandbox.world.test_numbers`); anybody else is an active holder named
"Sand Box", which is what the live sandbox says about arbitrary numbers.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Final

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.api.admission import admit_product_call
from sandbox.api.error_bodies import bad_request, platform_error
from sandbox.api.input_checks import SANDBOX_CURRENCY, check_party_id, require_sandbox_currency
from sandbox.instance import sandbox_state
from sandbox.settings import PRODUCTS, Product
from sandbox.world.ledger import format_balance
from sandbox.world.status_bodies import SANDBOX_FAMILY_NAME, SANDBOX_GIVEN_NAME
from sandbox.world.test_numbers import HOLDER_ERRORS, HolderOutcome, holder_outcome

Handler = Callable[[Request], Awaitable[Response]]

HOLDER_ID_TYPES: Final = ("msisdn", "email", "party_code")
BIRTHDATE: Final = "1976-08-13"


def balance_endpoint(product: Product) -> Handler:
    async def get_balance(request: Request) -> Response:
        state = sandbox_state(request)
        token = await admit_product_call(request, product, state)
        currency = request.path_params.get("currency")
        if currency is not None:
            require_sandbox_currency(currency)
        state.settle()
        available = state.ledger.balance(token.api_user_id, product)
        return JSONResponse({"availableBalance": format_balance(available), "currency": SANDBOX_CURRENCY})

    return get_balance


def _checked_holder(request: Request, allowed: tuple[str, ...]) -> HolderOutcome:
    """Validate the path's id type and id, then answer the test values' errors; returns the outcome."""
    id_type = request.path_params["id_type"].lower()
    holder_id = request.path_params["holder_id"]
    if id_type not in allowed:
        raise bad_request(f"accountHolderIdType must be one of {', '.join(allowed)}.")
    check_party_id(id_type.upper(), holder_id, "accountHolderId")
    outcome = holder_outcome(id_type, holder_id)
    if outcome in HOLDER_ERRORS:
        status_code, code = HOLDER_ERRORS[outcome]
        raise platform_error(status_code, code)
    return outcome


def active_endpoint(product: Product) -> Handler:
    async def is_active(request: Request) -> Response:
        await admit_product_call(request, product, sandbox_state(request))
        outcome = _checked_holder(request, HOLDER_ID_TYPES)
        return JSONResponse({"result": outcome is HolderOutcome.ACTIVE})

    return is_active


def basic_user_info_endpoint(product: Product) -> Handler:
    async def basic_user_info(request: Request) -> Response:
        state = sandbox_state(request)
        await admit_product_call(request, product, state)
        _checked_holder(request, ("msisdn",))
        updated_at = int(state.lifecycle.renderer.wall.at(state.clock()).timestamp())
        return JSONResponse(
            {
                "sub": "0",
                "name": f"{SANDBOX_GIVEN_NAME} {SANDBOX_FAMILY_NAME}",
                "given_name": SANDBOX_GIVEN_NAME,
                "family_name": SANDBOX_FAMILY_NAME,
                "birthdate": BIRTHDATE,
                "locale": "sv_SE",
                "gender": "MALE",
                "updated_at": updated_at,
            }
        )

    return basic_user_info


# Starlette routes without ``methods`` answer GET (and HEAD) only.
routes = [
    route
    for product in PRODUCTS
    for route in (
        Route(f"/{product}/v1_0/account/balance", balance_endpoint(product)),
        Route(f"/{product}/v1_0/account/balance/{{currency}}", balance_endpoint(product)),
        Route(f"/{product}/v1_0/accountholder/{{id_type}}/{{holder_id}}/active", active_endpoint(product)),
        Route(
            f"/{product}/v1_0/accountholder/{{id_type}}/{{holder_id}}/basicuserinfo", basic_user_info_endpoint(product)
        ),
    )
]
