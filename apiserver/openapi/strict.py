"""Strict field validation: the fields of a request body that its kind's schema does not know.

With `fieldValidation=Strict` the api-server rejects such a body (400, `strict decoding error:
unknown field "spec.foo"`); with `Warn` it answers with a warning header per field. The check walks
the same schemas that `/openapi/v3` serves, so what `kubectl explain` shows is what is accepted.
Maps (`additionalProperties`), free-form objects and `x-kubernetes-preserve-unknown-fields` accept
any key. Keys starting with `$` are strategic-merge-patch directives (`$patch`, `$retainKeys`,
`$setElementOrder/...`) and are skipped, though the check is meant for whole objects (a create or
update body, or the result of applying a patch).
"""
from __future__ import annotations

from typing import Any

from apiserver.openapi.documents import schema_of
from apiserver.openapi.schemas import REF_PREFIX, Schema, all_schemas
from machinery.api.resources import ResourceInfo


def unknown_fields(info: ResourceInfo, obj: dict[str, Any]) -> list[str]:
    """JSON paths (`.spec.foo`, `.spec.template.spec.containers[0].imagee`) of unknown fields."""
    return unknown_fields_of_kind(info.group, info.version, info.kind, obj)


def unknown_fields_of_kind(group: str, version: str, kind: str, obj: dict[str, Any]) -> list[str]:
    """The same, for any kind with a model (a subresource body such as policy/v1 Eviction).

    A kind without a model has no schema to check against, so nothing is reported.
    """
    name = schema_of(group, version, kind)
    if name is None:
        return []
    found: list[str] = []
    _walk(all_schemas(), {"$ref": REF_PREFIX + name}, obj, "", found)
    return found


def _resolve(schemas: dict[str, Schema], schema: Schema) -> Schema:
    """Follow `$ref` and single-element `allOf` wrappers to the schema they name."""
    for _ in range(16):                       # guards against a malformed self-reference
        if "$ref" in schema:
            schema = schemas.get(schema["$ref"][len(REF_PREFIX):], {})
        elif len(schema.get("allOf", ())) == 1 and "properties" not in schema:
            schema = schema["allOf"][0]
        else:
            break
    return schema


def _walk(schemas: dict[str, Schema], schema: Schema, value: Any, path: str,
          found: list[str]) -> None:
    schema = _resolve(schemas, schema)
    if schema.get("x-kubernetes-preserve-unknown-fields"):
        return
    if isinstance(value, dict):
        properties = schema.get("properties")
        if properties is None:
            extra = schema.get("additionalProperties")
            if isinstance(extra, dict):
                for key, item in value.items():
                    _walk(schemas, extra, item, f"{path}[{key}]", found)
            return                             # a map or a free-form object: any key is fine
        for key, item in value.items():
            if key.startswith("$"):
                continue
            if key not in properties:
                found.append(f"{path}.{key}")
            else:
                _walk(schemas, properties[key], item, f"{path}.{key}", found)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(value):
            _walk(schemas, schema["items"], item, f"{path}[{index}]", found)
