"""A small synchronous REST client for the CLI, on the kubeconfig's credentials.

A command-line tool makes a handful of requests and exits, so a blocking httpx client keeps the
commands plain functions. Every non-2xx answer is raised as the typed ApiError its Status names
(the same errors the components' async ApiClient raises).
"""
from __future__ import annotations

import json
import uuid
from typing import Any, Iterator

import httpx

from machinery.api.errors import ApiError
from machinery.client import ClientConfig

TABLE_ACCEPT = ("application/json;as=Table;v=v1;g=meta.k8s.io,"
                "application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json")
DISCOVERY_ACCEPT = ("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
                    "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,"
                    "application/json")
PATCH_TYPES = {
    "merge": "application/merge-patch+json",
    "strategic": "application/strategic-merge-patch+json",
    "json": "application/json-patch+json",
    "apply": "application/apply-patch+yaml",
}
USER_AGENT = "tkctl/v1.32.0 (linux/amd64) tinykube"


def error_from_response(response: httpx.Response) -> ApiError:
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and body.get("kind") == "Status":
        return ApiError.from_status(body, response.status_code)
    text = response.text.strip() or response.reason_phrase
    return ApiError.from_status({"message": text, "code": response.status_code,
                                 "reason": _reason_for(response.status_code)},
                                response.status_code)


def _reason_for(code: int) -> str:
    return {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound",
            405: "MethodNotAllowed", 409: "Conflict", 415: "UnsupportedMediaType",
            422: "Invalid", 429: "TooManyRequests", 500: "InternalError",
            503: "ServiceUnavailable"}.get(code, "Unknown")


class RestClient:
    def __init__(self, config: ClientConfig, command: str = "", timeout_s: float | None = None):
        self.config = config
        headers = {"User-Agent": USER_AGENT, "Kubectl-Command": f"kubectl {command}".strip(),
                   "Kubectl-Session": str(uuid.uuid4())}
        # clientcmd's rule: credentials only travel over TLS
        token = config.bearer_token()
        if token and config.server.startswith("https://"):
            headers["Authorization"] = f"Bearer {token}"
        self.headers = headers
        self.timeout_s = timeout_s
        self._http = httpx.Client(base_url=config.server, headers=headers,
                                  verify=config.ssl_context() or True,
                                  timeout=httpx.Timeout(timeout_s or 30.0))

    def close(self) -> None:
        self._http.close()

    def request(self, method: str, path: str, *, params: dict[str, Any] | None = None,
                body: Any = None, content_type: str = "application/json",
                accept: str = "application/json", raw: bool = False) -> Any:
        """One request; the decoded JSON answer (or text when `raw`). Raises ApiError."""
        content = None
        headers = {"Accept": accept}
        if body is not None:
            content = body if isinstance(body, (str, bytes)) else json.dumps(body)
            headers["Content-Type"] = content_type
        response = self._http.request(method, path, params=_clean(params), content=content,
                                      headers=headers)
        if response.is_error:
            raise error_from_response(response)
        if raw:
            return response.text
        if not response.content:
            return {}
        try:
            return response.json()
        except ValueError:
            return response.text

    def get(self, path: str, **kw: Any) -> Any:
        return self.request("GET", path, **kw)

    def stream_lines(self, path: str, params: dict[str, Any] | None = None,
                     accept: str = "application/json") -> Iterator[str]:
        """A chunked response line by line (watch streams, followed logs)."""
        timeout = httpx.Timeout(30.0, read=None)
        with self._http.stream("GET", path, params=_clean(params), headers={"Accept": accept},
                               timeout=timeout) as response:
            if response.is_error:
                response.read()
                raise error_from_response(response)
            yield from response.iter_lines()

    def stream_bytes(self, path: str, params: dict[str, Any] | None = None) -> Iterator[bytes]:
        timeout = httpx.Timeout(30.0, read=None)
        with self._http.stream("GET", path, params=_clean(params),
                               headers={"Accept": "application/json, */*"},
                               timeout=timeout) as response:
            if response.is_error:
                response.read()
                raise error_from_response(response)
            yield from response.iter_bytes()

    def watch(self, path: str, params: dict[str, Any] | None = None,
              accept: str = "application/json") -> Iterator[dict[str, Any]]:
        """Watch events as dicts ({type, object}); ends when the server closes the stream."""
        for line in self.stream_lines(path, {**(params or {}), "watch": "true"}, accept):
            if line.strip():
                yield json.loads(line)


def _clean(params: dict[str, Any] | None) -> dict[str, Any]:
    return {k: v for k, v in (params or {}).items() if v is not None and v != ""}
