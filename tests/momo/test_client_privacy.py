"""No MoMo error message names a party: not in the URL, not in MoMo's own text.

Error messages travel unencrypted (Temporal failure messages, PaymentState, webhook
bodies), so a phone number in a path must never reach one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from temporalio.exceptions import ApplicationError

from activities.errors import to_application_error
from momo.client import CollectionClient, DisbursementClient, MomoCredentials, MomoHttp, RemittanceClient
from momo.errors import MomoError, MomoTransientError

MSISDN = "256771234567"
EMAIL = "jane.doe@example.com"

Call = Callable[[MomoHttp], Awaitable[Any]]
# Every client method with a party in its path, with the party it sends.
PARTY_CALLS: list[tuple[str, str, str, Call]] = [
    ("collection", "active msisdn", MSISDN, lambda c: c.is_account_holder_active("msisdn", MSISDN)),
    ("collection", "active email", EMAIL, lambda c: c.is_account_holder_active("email", EMAIL)),
    ("disbursement", "active msisdn", MSISDN, lambda c: c.is_account_holder_active("MSISDN", MSISDN)),
    ("remittance", "active msisdn", MSISDN, lambda c: c.is_account_holder_active("msisdn", MSISDN)),
    ("collection", "basic user info", MSISDN, lambda c: c.get_basic_user_info(MSISDN)),
    ("disbursement", "basic user info", MSISDN, lambda c: c.get_basic_user_info(MSISDN)),
    ("collection", "pre-approvals msisdn", MSISDN, lambda c: c.list_preapprovals("msisdn", MSISDN)),
    ("collection", "pre-approvals email", EMAIL, lambda c: c.list_preapprovals("email", EMAIL)),
]
CLIENTS = {"collection": CollectionClient, "disbursement": DisbursementClient, "remittance": RemittanceClient}


def _token(request: httpx.Request) -> httpx.Response | None:
    if request.url.path.endswith("/token/"):
        return httpx.Response(200, json={"access_token": "tok", "token_type": "access_token", "expires_in": 3600})
    return None


def _timeout(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("timed out", request=request)


def _refused(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("refused", request=request)


def _echo(status: int, shape: str) -> Callable[[httpx.Request], httpx.Response]:
    """An error answer whose text repeats the requested path (and so the party), as a proxy might."""

    def answer(request: httpx.Request) -> httpx.Response:
        text = f"{request.method} {request.url} ({request.url.path}): no such holder {request.url.path.split('/')[-2]}"
        if shape == "platform":
            return httpx.Response(
                status,
                json={"code": "RESOURCE_NOT_FOUND" if status == 404 else "INTERNAL_PROCESSING_ERROR", "message": text},
            )
        if shape == "gateway":
            return httpx.Response(status, json={"statusCode": status, "message": text})
        return httpx.Response(status, text=text)

    return answer


FAILURES: dict[str, Callable[[httpx.Request], httpx.Response]] = {
    "timeout": _timeout,
    "connect error": _refused,
    "500 platform": _echo(500, "platform"),
    "500 gateway": _echo(500, "gateway"),
    "500 text": _echo(500, "text"),
    "404 platform": _echo(404, "platform"),
    "404 gateway": _echo(404, "gateway"),
}


def _client(product: str, failure: Callable[[httpx.Request], httpx.Response]) -> MomoHttp:
    def handler(request: httpx.Request) -> httpx.Response:
        return _token(request) or failure(request)

    credentials = MomoCredentials(product=product, subscription_key="sub", api_user="user", api_key="key")
    return CLIENTS[product](httpx.AsyncClient(transport=httpx.MockTransport(handler)), "http://momo.test", credentials)


def _texts(error: MomoError) -> list[str]:
    application = to_application_error(error)
    assert isinstance(application, ApplicationError)
    return [str(error), error.message, *map(str, error.args), str(application), application.message]


@pytest.mark.parametrize("failure", sorted(FAILURES))
@pytest.mark.parametrize(
    ("product", "name", "party", "call"), PARTY_CALLS, ids=[f"{p}-{n}" for p, n, _, _ in PARTY_CALLS]
)
async def test_no_error_message_names_the_party(product: str, name: str, party: str, call: Call, failure: str) -> None:
    with pytest.raises(MomoError) as info:
        await call(_client(product, FAILURES[failure]))
    for text in _texts(info.value):
        assert party not in text and party.replace("@", "%40") not in text, text
        if failure in ("timeout", "connect error"):
            assert "momo.test" not in text and "/v1_0/" not in text, text


async def test_timeout_on_an_account_holder_call_names_the_operation_only() -> None:
    with pytest.raises(MomoTransientError) as info:
        await _client("collection", _timeout).is_account_holder_active("msisdn", MSISDN)
    error = info.value
    assert error.code == "TIMEOUT"
    assert "validate_account_holder_status" in error.message
    for text in _texts(error):
        assert not any(digits in text for digits in ("256", "7712", "4567")), text
