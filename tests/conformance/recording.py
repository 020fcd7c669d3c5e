"""Capture every HTTP exchange between the momo client and the sandbox, and check it against a spec."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict


@dataclass
class Exchange:
    request: httpx.Request
    response: httpx.Response


class RecordingTransport(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self._inner = inner
        self.exchanges: list[Exchange] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        body = await response.aread()
        recorded = httpx.Response(response.status_code, headers=response.headers, content=body, request=request)
        self.exchanges.append(Exchange(request, recorded))
        return httpx.Response(response.status_code, headers=response.headers, content=body, request=request)


class SpecRequest:
    """An httpx request seen through openapi-core's request protocol."""

    def __init__(self, request: httpx.Request, host_url: str) -> None:
        self._request = request
        self.host_url = host_url
        self.path = request.url.path
        self.full_url_pattern = f"{host_url}{request.url.path}"
        self.method = request.method.lower()
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(list(request.url.params.multi_items())),
            header=Headers(list(request.headers.items())),
            cookie=ImmutableMultiDict(),
        )
        self.content_type = request.headers.get("content-type", "application/json").lower()
        self.body = request.content or None


class SpecResponse:
    def __init__(self, response: httpx.Response) -> None:
        self.status_code = response.status_code
        self.headers = Headers(list(response.headers.items()))
        self.content_type = response.headers.get("content-type", "application/json").split(";")[0].lower()
        self.data = response.content or None


def problems(spec: dict[str, Any], exchange: Exchange, host_url: str) -> list[str]:
    """Request and response errors of one exchange against the spec; empty when it conforms."""
    api = OpenAPI.from_dict(spec)
    request = SpecRequest(exchange.request, host_url)
    found = [f"request: {error}" for error in api.iter_request_errors(request)]
    found += [f"response: {error}" for error in api.iter_response_errors(request, SpecResponse(exchange.response))]
    return found
