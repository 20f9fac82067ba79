"""Request bodies in, responses out: JSON, YAML and protobuf bodies; JSON and Table answers.

Every body is decoded here into a plain dict, with a 400 for anything malformed, so the handlers
never see bytes.
"""
from __future__ import annotations

import json
from typing import Any

import yaml
from starlette.responses import Response

from machinery.api.errors import BadRequest, UnsupportedMediaType

PROTOBUF = "application/vnd.kubernetes.protobuf"
JSON = "application/json"


def media_type(content_type: str | None) -> str:
    return (content_type or JSON).split(";", 1)[0].strip().lower()


def decode_body(body: bytes, content_type: str | None, *, allow_yaml: bool = True) -> Any:
    mt = media_type(content_type)
    if mt == PROTOBUF:
        from apiserver.protobuf import decode_body as decode_protobuf
        return decode_protobuf(body)
    if not body:
        raise BadRequest("the body of the request was empty")
    if mt in (JSON, "application/json-patch+json", "application/merge-patch+json",
              "application/strategic-merge-patch+json", "*/*", ""):
        return _json(body)
    if mt in ("application/yaml", "application/apply-patch+yaml", "text/yaml") and allow_yaml:
        return _yaml(body)
    raise UnsupportedMediaType(f'the body of the request was in an unknown format - accepted '
                               f'media types include: {JSON}, application/yaml, {PROTOBUF}')


def _json(body: bytes) -> Any:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as e:
        raise BadRequest(f"the request body is not valid UTF-8: {e}") from None
    try:
        return json.loads(text)
    except RecursionError:
        raise BadRequest("the request body is nested too deeply") from None
    except ValueError as e:
        raise BadRequest(f"error decoding the request body as JSON: {e}") from None


def _yaml(body: bytes) -> Any:
    try:
        return yaml.safe_load(body.decode("utf-8"))
    except RecursionError:
        raise BadRequest("the request body is nested too deeply") from None
    except (UnicodeDecodeError, yaml.YAMLError) as e:
        raise BadRequest(f"error decoding the request body as YAML: {e}") from None


def wants_table(accept: str | None) -> bool:
    """kubectl's human output asks for `application/json;as=Table;v=v1;g=meta.k8s.io`."""
    if not accept:
        return False
    for part in accept.split(","):
        params = dict(p.strip().split("=", 1) for p in part.split(";")[1:] if "=" in p)
        if params.get("as") == "Table" and params.get("g") == "meta.k8s.io":
            return True
    return False


def dumps(obj: Any) -> bytes:
    try:
        return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()
    except UnicodeEncodeError:      # lone surrogates (from bad input echoed in a message)
        return json.dumps(obj, separators=(",", ":"), ensure_ascii=True).encode()


def json_response(obj: Any, status: int = 200, headers: dict[str, str] | None = None,
                  content_type: str = JSON) -> Response:
    return Response(dumps(obj), status_code=status, media_type=content_type, headers=headers)
