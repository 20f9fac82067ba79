"""/openapi/v2: a Swagger 2.0 document without definitions, in JSON or gnostic's protobuf.

kubectl reads v2 (and only as protobuf) in one place: the client-side validation of a
`kind: List`, which is what `kubectl get a b -o yaml` writes. A 404 there makes kubectl refuse
the whole file; a document that has no schema for a kind makes it skip its own check, and the
server validates each item (fieldValidation=Strict) as it does for any manifest. Everything
else kubectl needs (explain, apply's merge keys, validation of single objects) comes from v3.
"""
from __future__ import annotations

from typing import Any

from apiserver.protobuf.wire import length_delimited

PROTOBUF = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"
TITLE = "Kubernetes"


def wants_protobuf(accept: str | None) -> bool:
    return "protobuf" in (accept or "")


def document_json(version: str) -> dict[str, Any]:
    return {"swagger": "2.0", "info": {"title": TITLE, "version": version}, "paths": {}}


def document_protobuf(version: str) -> bytes:
    """gnostic's openapi_v2.Document: swagger (1), info (2: title 1, version 2), paths (8)."""
    info = length_delimited(1, TITLE.encode()) + length_delimited(2, version.encode())
    return length_delimited(1, b"2.0") + length_delimited(2, info) + length_delimited(8, b"")
