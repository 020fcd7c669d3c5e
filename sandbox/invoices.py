"""Collection invoices (v2): create, read, cancel.

``GET /v2_0/invoice/{id}`` answers for invoices and for cancellations alike,
because a cancellation is its own operation, created by the DELETE under a
new X-Reference-Id and tracked by that id.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.api.admission import (
    accepted,
    admit_creation,
    begin_creation,
    callback_target,
    read_body,
    refuse_reused_reference,
)
from sandbox.api.input_checks import require_sandbox_currency
from sandbox.bodies import parse_invoice, parse_invoice_cancellation
from sandbox.instance import sandbox_state
from sandbox.lookup import owned_operation, path_reference_id, status_lookup
from sandbox.world.invoice import start_cancellation, start_invoice
from sandbox.world.operations import Invoice, InvoiceCancellation


async def create_invoice(request: Request) -> Response:
    state = sandbox_state(request)
    token, reference_id, body = await begin_creation(request, "collection", state, parse_invoice)
    require_sandbox_currency(body.currency)
    user, callback_url = callback_target(request, state, token)
    start_invoice(state.lifecycle, reference_id, user.user_id, body, callback_url)
    return accepted(state, reference_id)


async def get_invoice(request: Request) -> Response:
    state = sandbox_state(request)
    operation = await status_lookup(request, "collection", state, (Invoice, InvoiceCancellation))
    return JSONResponse(state.lifecycle.renderer.body(operation, state.clock()))


async def cancel_invoice(request: Request) -> Response:
    """400 (headers, path, body) → 409 (reused X-Reference-Id) → 404 (invoice) → 500 (callback host) → 202."""
    state = sandbox_state(request)
    token, cancel_reference_id = await admit_creation(request, "collection", state)
    invoice_reference_id = path_reference_id(request)
    external_id = await read_body(request, parse_invoice_cancellation)
    refuse_reused_reference(state, cancel_reference_id)
    invoice = owned_operation(state, token, invoice_reference_id, (Invoice,))
    assert isinstance(invoice, Invoice)
    user, callback_url = callback_target(request, state, token)
    start_cancellation(state.lifecycle, cancel_reference_id, user.user_id, invoice, external_id, callback_url)
    return accepted(state, cancel_reference_id)


routes = [
    Route("/collection/v2_0/invoice", create_invoice, methods=["POST"]),
    Route("/collection/v2_0/invoice/{reference_id}", get_invoice, methods=["GET"]),
    Route("/collection/v2_0/invoice/{reference_id}", cancel_invoice, methods=["DELETE"]),
]
