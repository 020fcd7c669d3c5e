"""HTTP calls to the MoMo Open API.

:class:`MomoHttp` owns the plumbing every product shares: headers, bearer
tokens, the one-time retry after a refused token, and turning every failure
into a :mod:`momo.errors` exception. Product clients add the endpoints.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar
from urllib.parse import quote

import httpx
from opentelemetry import trace
from pydantic import BaseModel, TypeAdapter

from momo import metrics
from momo.errors import (
    MomoAuthError,
    MomoError,
    MomoProtocolError,
    MomoTransientError,
    error_from_response,
)
from momo.models import (
    AccessToken,
    Balance,
    BasicUserInfo,
    BooleanResult,
    CreateInvoice,
    DeliveryNotification,
    InvoiceResult,
    PreApproval,
    PreApprovalDetails,
    PreApprovalResult,
    Refund,
    RefundResult,
    RequestToPay,
    RequestToPayResult,
    Transfer,
    TransferResult,
)
from momo.tokens import TokenCache

USER_AGENT = "momoflow/0.1"
# The refund endpoints MTN publishes; they differ only in the callback's method (v1 POST, v2 PUT).
REFUND_VERSIONS = ("v1", "v2")
WithdrawVersion = Literal["v1_0", "v2_0"]
WITHDRAW_VERSIONS: tuple[WithdrawVersion, ...] = ("v1_0", "v2_0")
_LIST_OF_PREAPPROVALS = TypeAdapter(list[PreApprovalDetails])
# Resolves to the process's tracer provider when one is installed (momoflow.tracing); a no-op until then.
_TRACER = trace.get_tracer("momo.client")


@dataclass(frozen=True)
class MomoCredentials:
    """One product's API user, API key and subscription key."""

    product: str
    subscription_key: str = field(repr=False)
    api_user: str
    api_key: str = field(repr=False)

    @property
    def cache_key(self) -> str:
        return f"{self.product}:{self.api_user}"

    def basic_auth(self) -> str:
        raw = f"{self.api_user}:{self.api_key}".encode()
        return "Basic " + base64.b64encode(raw).decode()


class MomoHttp:
    """Shared request path for one product and one credential.

    Error messages name the operation (``validate_account_holder_status``), never the
    URL: a path can hold a phone number, and failure messages leave the process
    unencrypted (Temporal history, payment states, webhooks).
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        base_url: str,
        credentials: MomoCredentials,
        *,
        target_environment: str = "sandbox",
        tokens: TokenCache | None = None,
        total_timeout_s: float | None = None,
    ) -> None:
        self._http = http
        self._base_url = base_url.rstrip("/")
        self.credentials = credentials
        self._target = target_environment
        self.tokens = tokens or TokenCache()
        # httpx's timeout applies per phase and per HTTP request, and one call can make four
        # (token, send, and after a refused token both again): this bounds the whole call.
        self.total_timeout_s = total_timeout_s if total_timeout_s is not None else _longest_phase(http.timeout)

    @property
    def product(self) -> str:
        return self.credentials.product

    def _url(self, path: str) -> str:
        return f"{self._base_url}/{self.product}{path}"

    async def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        path = url.removeprefix(self._url(""))  # for the metrics' and the span's operation name only
        # One client span per HTTP call. Its attributes are bounded names and codes only: never the
        # URL (ids, phone numbers), a header (tokens, keys) or an error message (it names the URL).
        operation = metrics.operation_of(method, path)
        with _TRACER.start_as_current_span(
            f"MoMo {operation}",
            kind=trace.SpanKind.CLIENT,
            attributes={"http.request.method": method, "momo.operation": operation, "momo.product": self.product},
            record_exception=False,
            set_status_on_exception=False,
        ) as span:
            response = await self._send_measured(method, url, path, operation, span, **kwargs)
            span.set_attribute("http.response.status_code", response.status_code)
            if response.status_code >= 400:
                span.set_status(trace.StatusCode.ERROR)
                span.set_attribute("error.type", str(response.status_code))
            return response

    async def _send_measured(
        self, method: str, url: str, path: str, operation: str, span: trace.Span, **kwargs: Any
    ) -> httpx.Response:
        started = time.perf_counter()
        try:
            response = await self._http.request(method, url, **kwargs)
        except (httpx.TimeoutException, asyncio.CancelledError) as exc:
            # Cancelled: the whole call ran out of time (or the activity was cancelled) mid-request.
            metrics.observe_call(self.product, method, path, "timeout", time.perf_counter() - started)
            _failed(span, "timeout")
            if isinstance(exc, asyncio.CancelledError):
                raise
            raise MomoTransientError(f"{operation} timed out", code="TIMEOUT") from exc
        except httpx.TransportError as exc:
            metrics.observe_call(self.product, method, path, "network_error", time.perf_counter() - started)
            _failed(span, "network_error")
            raise MomoTransientError(f"{operation} failed: {type(exc).__name__}", code="NETWORK_ERROR") from exc
        metrics.observe_call(self.product, method, path, str(response.status_code), time.perf_counter() - started)
        retry_after = response.headers.get("Retry-After")
        if retry_after is not None and (response.status_code == 429 or response.status_code >= 500):
            with contextlib.suppress(ValueError):
                metrics.observe_retry_after(
                    self.product, method, path, response.status_code, max(0.0, float(retry_after))
                )
        return response

    async def _fetch_token(self) -> AccessToken:
        response = await self._send(
            "POST",
            self._url("/token/"),
            headers={
                "Authorization": self.credentials.basic_auth(),
                "Ocp-Apim-Subscription-Key": self.credentials.subscription_key,
                "X-Target-Environment": self._target,
                "User-Agent": USER_AGENT,
            },
        )
        if response.status_code != 200:
            raise error_from_response(response)
        try:
            return AccessToken.model_validate_json(response.content)
        except ValueError as exc:
            raise MomoProtocolError("token response is not a token", status_code=200) from exc

    async def access_token(self) -> str:
        return await self.tokens.get(self.credentials.cache_key, self._fetch_token)

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        headers: dict[str, str] | None = None,
        private: Sequence[str] = (),
    ) -> httpx.Response:
        """Send an authenticated product call; return the 2xx response or raise.

        The call, token included, ends within ``total_timeout_s`` or raises a retryable
        ``TIMEOUT``. ``private`` are the path's party ids: MoMo's error text loses them.
        """
        deadline = asyncio.timeout(self.total_timeout_s)
        try:
            async with deadline:
                return await self._request(method, path, json=json, headers=headers)
        except TimeoutError as exc:
            if not deadline.expired():
                raise
            operation = metrics.operation_of(method, path)
            raise MomoTransientError(
                f"{operation} did not finish within {self.total_timeout_s:g} s", code="TIMEOUT"
            ) from exc
        except MomoError as error:
            _redact(error, private)
            raise

    async def _request(self, method: str, path: str, *, json: Any, headers: dict[str, str] | None) -> httpx.Response:
        for attempt in (1, 2):
            token = await self.access_token()
            all_headers = {
                "Authorization": f"Bearer {token}",
                "Ocp-Apim-Subscription-Key": self.credentials.subscription_key,
                "X-Target-Environment": self._target,
                "User-Agent": USER_AGENT,
                **(headers or {}),
            }
            response = await self._send(method, self._url(path), json=json, headers=all_headers)
            if response.is_success:
                return response
            error = error_from_response(response)
            # An expired or revoked bearer token: renew once. A bad subscription key also
            # answers 401, so a second refusal is reported as it is.
            if isinstance(error, MomoAuthError) and response.status_code == 401 and attempt == 1:
                self.tokens.invalidate(self.credentials.cache_key, token)
                metrics.observe_token_refused(self.product)
                continue
            raise error
        raise AssertionError("unreachable")

    async def _create(
        self,
        method: str,
        path: str,
        reference_id: str,
        body: dict[str, Any],
        callback_url: str | None,
    ) -> None:
        """An asynchronous creation: 202 and an empty body, or an exception (409 included)."""
        headers = {"X-Reference-Id": reference_id}
        if callback_url:
            headers["X-Callback-Url"] = callback_url
        response = await self.request(method, path, json=body, headers=headers)
        if response.status_code not in (200, 201, 202):
            raise MomoProtocolError(
                f"expected 202 Accepted, got {response.status_code}", status_code=response.status_code
            )

    # -- endpoints every product offers ------------------------------------------------------

    async def get_balance(self, currency: str | None = None) -> Balance:
        path = "/v1_0/account/balance" + (f"/{currency}" if currency else "")
        return _parse(Balance, await self.request("GET", path))

    async def is_account_holder_active(self, id_type: str, account_holder_id: str) -> bool:
        """``id_type`` is msisdn, email or party_code. Raises MomoNotFoundError for an unknown holder."""
        path = f"/v1_0/accountholder/{id_type.lower()}/{quote(account_holder_id, safe='@')}/active"
        return bool(_parse(BooleanResult, await self.request("GET", path, private=[account_holder_id])).result)

    async def get_basic_user_info(self, msisdn: str) -> BasicUserInfo:
        path = f"/v1_0/accountholder/msisdn/{quote(msisdn, safe='')}/basicuserinfo"
        return _parse(BasicUserInfo, await self.request("GET", path, private=[msisdn]))


class CollectionClient(MomoHttp):
    """Collection product: request money, pre-approvals and invoices."""

    def __init__(self, http: httpx.AsyncClient, base_url: str, credentials: MomoCredentials, **kwargs: Any) -> None:
        if credentials.product != "collection":
            raise ValueError(f"credentials.product must be 'collection', got {credentials.product!r}")
        super().__init__(http, base_url, credentials, **kwargs)

    async def request_to_pay(self, reference_id: str, body: RequestToPay, callback_url: str | None = None) -> None:
        """POST a request to pay. Raises :class:`~momo.errors.MomoConflictError` if the id was used."""
        await self._create("POST", "/v1_0/requesttopay", reference_id, body.to_wire(), callback_url)

    async def get_request_to_pay(self, reference_id: str) -> RequestToPayResult:
        return _parse(RequestToPayResult, await self.request("GET", f"/v1_0/requesttopay/{reference_id}"))

    async def request_to_withdraw(
        self,
        reference_id: str,
        body: RequestToPay,
        callback_url: str | None = None,
        *,
        version: WithdrawVersion = "v1_0",
    ) -> None:
        """POST a request to withdraw (cash-out), RequestToPay-shaped. v1 and v2 differ only in
        how MoMo calls back: POST for v1, PUT for v2. The status is read under v1 either way."""
        if version not in WITHDRAW_VERSIONS:
            raise ValueError(f"version must be one of {', '.join(WITHDRAW_VERSIONS)}, got {version!r}")
        await self._create("POST", f"/{version}/requesttowithdraw", reference_id, body.to_wire(), callback_url)

    async def get_request_to_withdraw(self, reference_id: str) -> RequestToPayResult:
        return _parse(RequestToPayResult, await self.request("GET", f"/v1_0/requesttowithdraw/{reference_id}"))

    async def notify_delivery(self, reference_id: str, message: str, language: str | None = None) -> None:
        """POST a delivery notification for a completed request to pay (200, or an exception).

        MTN requires the note in the ``notificationMessage`` header (so it must be plain
        text an HTTP header can carry) and its SDKs send it in the body too; ``Language``
        picks the notification template. 409 (not completed) arrives as MomoConflictError,
        410 (expired) as MomoBusinessError with status 410, 429 as MomoTransientError.
        """
        headers = {"notificationMessage": message}
        if language:
            headers["Language"] = language
        await self.request(
            "POST",
            f"/v1_0/requesttopay/{reference_id}/deliverynotification",
            json=DeliveryNotification(notification_message=message).to_wire(),
            headers=headers,
        )

    async def create_preapproval(self, reference_id: str, body: PreApproval, callback_url: str | None = None) -> None:
        await self._create("POST", "/v2_0/preapproval", reference_id, body.to_wire(), callback_url)

    async def get_preapproval(self, reference_id: str) -> PreApprovalResult:
        return _parse(PreApprovalResult, await self.request("GET", f"/v2_0/preapproval/{reference_id}"))

    async def list_preapprovals(self, id_type: str, account_holder_id: str) -> list[PreApprovalDetails]:
        path = f"/v1_0/preapprovals/{id_type.lower()}/{quote(account_holder_id, safe='@')}"
        response = await self.request("GET", path, private=[account_holder_id])
        try:
            return _LIST_OF_PREAPPROVALS.validate_json(response.content or b"[]")
        except ValueError as exc:
            raise MomoProtocolError("unreadable pre-approval list", status_code=response.status_code) from exc

    async def cancel_preapproval(self, preapproval_id: str) -> None:
        await self.request("DELETE", f"/v1_0/preapproval/{preapproval_id}")

    async def create_invoice(self, reference_id: str, body: CreateInvoice, callback_url: str | None = None) -> None:
        await self._create("POST", "/v2_0/invoice", reference_id, body.to_wire(), callback_url)

    async def get_invoice(self, reference_id: str) -> InvoiceResult:
        """An invoice's status, or an invoice cancellation's (by the cancellation's reference id)."""
        return _parse(InvoiceResult, await self.request("GET", f"/v2_0/invoice/{reference_id}"))

    async def cancel_invoice(
        self, invoice_reference_id: str, cancel_reference_id: str, external_id: str, callback_url: str | None = None
    ) -> None:
        """DELETE an invoice; the cancellation is its own operation with its own reference id."""
        await self._create(
            "DELETE",
            f"/v2_0/invoice/{invoice_reference_id}",
            cancel_reference_id,
            {"externalId": external_id},
            callback_url,
        )


class DisbursementClient(MomoHttp):
    """Disbursement product: pay money out to a customer."""

    def __init__(self, http: httpx.AsyncClient, base_url: str, credentials: MomoCredentials, **kwargs: Any) -> None:
        if credentials.product != "disbursement":
            raise ValueError(f"credentials.product must be 'disbursement', got {credentials.product!r}")
        super().__init__(http, base_url, credentials, **kwargs)

    async def transfer(self, reference_id: str, body: Transfer, callback_url: str | None = None) -> None:
        await self._create("POST", "/v1_0/transfer", reference_id, body.to_wire(), callback_url)

    async def get_transfer(self, reference_id: str) -> TransferResult:
        return _parse(TransferResult, await self.request("GET", f"/v1_0/transfer/{reference_id}"))

    async def deposit(
        self, reference_id: str, body: Transfer, callback_url: str | None = None, version: int = 1
    ) -> None:
        """Deposit into the payee's wallet: ``/v1_0/deposit`` calls back with POST, ``/v2_0/deposit`` with PUT."""
        if version not in (1, 2):
            raise ValueError(f"version: a deposit is v1 or v2, got {version!r}")
        await self._create("POST", f"/v{version}_0/deposit", reference_id, body.to_wire(), callback_url)

    async def get_deposit(self, reference_id: str) -> TransferResult:
        """A deposit of either version; MTN's sandbox leaves ``financialTransactionId`` out."""
        return _parse(TransferResult, await self.request("GET", f"/v1_0/deposit/{reference_id}"))

    async def refund(
        self, reference_id: str, body: Refund, callback_url: str | None = None, *, version: str = "v2"
    ) -> None:
        """POST a refund: ``v2`` (callback by PUT) or ``v1`` (callback by POST); the body is the same."""
        if version not in REFUND_VERSIONS:
            raise ValueError(f"version: must be one of {', '.join(REFUND_VERSIONS)}, got {version!r}")
        await self._create("POST", f"/{version}_0/refund", reference_id, body.to_wire(), callback_url)

    async def get_refund(self, reference_id: str) -> RefundResult:
        """A refund's status; MTN has only the v1 status path, for refunds made through either version."""
        return _parse(RefundResult, await self.request("GET", f"/v1_0/refund/{reference_id}"))


class RemittanceClient(MomoHttp):
    """Remittance product: international transfers into a customer's wallet, on its own credentials."""

    def __init__(self, http: httpx.AsyncClient, base_url: str, credentials: MomoCredentials, **kwargs: Any) -> None:
        if credentials.product != "remittance":
            raise ValueError(f"credentials.product must be 'remittance', got {credentials.product!r}")
        super().__init__(http, base_url, credentials, **kwargs)

    async def transfer(self, reference_id: str, body: Transfer, callback_url: str | None = None) -> None:
        await self._create("POST", "/v1_0/transfer", reference_id, body.to_wire(), callback_url)

    async def get_transfer(self, reference_id: str) -> TransferResult:
        return _parse(TransferResult, await self.request("GET", f"/v1_0/transfer/{reference_id}"))


def _longest_phase(timeout: httpx.Timeout) -> float | None:
    """The HTTP client's longest per-phase timeout; None when it has none."""
    phases = [t for t in (timeout.connect, timeout.read, timeout.write, timeout.pool) if t is not None]
    return max(phases) if phases else None


def _redact(error: MomoError, private: Sequence[str]) -> None:
    """Take party ids (as sent and as URL-encoded) out of an error's text, which MoMo or a proxy may echo."""
    message = error.message
    for value in private:
        for form in {value, quote(value, safe=""), quote(value, safe="@")}:
            if form:
                message = message.replace(form, "<party>")
    error.message = message
    error.args = (message,)


def _failed(span: trace.Span, outcome: str) -> None:
    span.set_status(trace.StatusCode.ERROR)
    span.set_attribute("error.type", outcome)


_Model = TypeVar("_Model", bound=BaseModel)


def _parse(model: type[_Model], response: httpx.Response) -> _Model:
    try:
        return model.model_validate_json(response.content)
    except ValueError as exc:
        raise MomoProtocolError(
            f"unreadable {model.__name__} in HTTP {response.status_code} response", status_code=response.status_code
        ) from exc


__all__ = ["CollectionClient", "DisbursementClient", "MomoCredentials", "MomoError", "MomoHttp", "RemittanceClient"]
