"""OpenAPI v3 component schemas, generated from the pydantic wire models.

Pydantic writes JSON Schema for its own purposes; upstream's documents look different, and kubectl
(explain, validation) reads them the upstream way. So the generated schemas are renamed after the
Go packages (`io.k8s.api.apps.v1.Deployment`) and post-processed:
- optional fields (`anyOf: [X, null]`) become plain X, with pydantic's `default: null` dropped;
- a `$ref` beside a description becomes `allOf: [{$ref}]`, as upstream writes it;
- `int | str` becomes IntOrString and `str | int | float` becomes Quantity, upstream's named types;
- `title` keys go, and `additionalProperties: true` (from extra="allow") goes on typed objects;
- top-level kinds get `x-kubernetes-group-version-kind`.
"""
from __future__ import annotations

from functools import cache
from typing import Any

from pydantic.json_schema import CoreModeRef, DefsRef, GenerateJsonSchema, models_json_schema

from machinery.api import models
from machinery.api.base import KubeModel
from machinery.api.resources import RESOURCES

REF_PREFIX = "#/components/schemas/"
META = "io.k8s.apimachinery.pkg.apis.meta.v1"
INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity"

Schema = dict[str, Any]

# Named scalar types that the models spell as Python unions or plain strings.
WELL_KNOWN: dict[str, Schema] = {
    INT_OR_STRING: {"type": "string", "format": "int-or-string",
                    "description": "A type that holds an int32 or a string; used for ports and "
                                   "percentages such as maxSurge: 25%."},
    QUANTITY: {"type": "string",
               "description": "A fixed-point number with a suffix, e.g. 500m (CPU) or 1Gi (memory), "
                              "serialized as a string."},
    f"{META}.Time": {"type": "string", "format": "date-time",
                     "description": "An RFC 3339 timestamp with second precision."},
    f"{META}.MicroTime": {"type": "string", "format": "date-time",
                          "description": "An RFC 3339 timestamp with microsecond precision."},
    f"{META}.Patch": {"type": "object",
                      "description": "The body of a PATCH request; its shape depends on the "
                                     "Content-Type (JSON patch, merge patch, strategic merge patch "
                                     "or apply)."},
    "io.k8s.apimachinery.pkg.runtime.RawExtension": {
        "type": "object", "x-kubernetes-preserve-unknown-fields": True,
        "description": "An embedded object of any kind, kept as raw JSON."},
}


def schema_name(cls: type) -> str | None:
    """The upstream name of a model's schema, or None for a class outside the registry."""
    package = models.go_package(cls)
    return f"{package}.{cls.__name__}" if package else None


class _UpstreamNames(GenerateJsonSchema):
    """Names each model's definition after its Go package instead of the Python class."""

    def get_defs_ref(self, core_mode_ref: CoreModeRef) -> DefsRef:
        core_ref, _mode = core_mode_ref
        qualified = core_ref.rsplit(":", 1)[0]          # "machinery.api.apps_v1.Deployment"
        module, _, name = qualified.rpartition(".")
        entry = models.entry_for(module)
        if entry is None or "[" in qualified:
            return super().get_defs_ref(core_mode_ref)
        ref = DefsRef(f"{entry.go_package}.{name}")
        self._prioritized_defsref_choices[ref] = [ref]
        return ref


def _gvk_by_class() -> dict[type, list[dict[str, str]]]:
    """The kinds each model serves, from the models' GVK and the resource catalog."""
    found: dict[type, list[dict[str, str]]] = {}

    def add(cls: type | None, group: str, version: str, kind: str) -> None:
        if cls is None:
            return
        gvk = {"group": group, "kind": kind, "version": version}
        if gvk not in found.setdefault(cls, []):
            found[cls].append(gvk)

    for cls in models.all_models():
        if "GVK" in vars(cls):
            add(cls, *cls.GVK)
    for info in RESOURCES:
        add(models.model_for(info.group, info.version, info.kind), info.group, info.version, info.kind)
        add(models.model_for(info.group, info.version, info.list_kind),
            info.group, info.version, info.list_kind)
    return found


@cache
def all_schemas() -> dict[str, Schema]:
    """Every component schema, keyed by upstream name; built once per process."""
    classes = [cls for cls in models.all_models() if _has_fields_or_doc(cls)]
    _, generated = models_json_schema([(cls, "validation") for cls in classes],
                                      ref_template=REF_PREFIX + "{model}",
                                      schema_generator=_UpstreamNames)
    schemas = {name: _clean_object(s) for name, s in generated.get("$defs", {}).items()}
    for cls, gvks in _gvk_by_class().items():
        name = schema_name(cls)
        if name in schemas:
            schemas[name]["x-kubernetes-group-version-kind"] = gvks
    for name, schema in WELL_KNOWN.items():
        schemas.setdefault(name, dict(schema))
    return schemas


def _has_fields_or_doc(cls: type[KubeModel]) -> bool:
    return bool(cls.model_fields) or bool(cls.__doc__)


def _clean_object(schema: Schema) -> Schema:
    """Post-process one definition (a model) and everything inside it."""
    out = _clean(schema)
    if "description" in out:
        out["description"] = " ".join(out["description"].split())
    return out


def _clean(schema: Any) -> Any:
    if not isinstance(schema, dict):
        return schema
    schema = {k: v for k, v in schema.items() if k != "title"}
    if schema.get("default", ...) is None:
        del schema["default"]
    if "anyOf" in schema:
        schema = _flatten_union(schema)
    if "properties" in schema:
        schema["properties"] = {k: _clean_property(v) for k, v in schema["properties"].items()}
        if schema.get("additionalProperties") is True:
            del schema["additionalProperties"]
    if isinstance(schema.get("items"), dict):
        schema["items"] = _clean(schema["items"])
    if isinstance(schema.get("additionalProperties"), dict):
        schema["additionalProperties"] = _clean(schema["additionalProperties"])
    elif schema.get("additionalProperties") is True and schema.get("type") == "object":
        del schema["additionalProperties"]      # dict[str, Any]: a free-form object
    return schema


def _clean_property(schema: Schema) -> Schema:
    """A property: cleaned, and a bare `$ref` with siblings wrapped in allOf as upstream does."""
    schema = _clean(schema)
    if "$ref" in schema and len(schema) > 1:
        ref = schema.pop("$ref")
        schema = {"allOf": [{"$ref": ref}], **schema}
    return schema


def _flatten_union(schema: Schema) -> Schema:
    """`anyOf` from Optional and from the IntOrString / Quantity unions."""
    variants = [v for v in schema.pop("anyOf") if v != {"type": "null"}]
    types = {v.get("type") for v in variants}
    if len(variants) == 1:
        return {**_clean(variants[0]), **schema}
    if types == {"integer", "string"}:
        return {"$ref": REF_PREFIX + INT_OR_STRING, **schema}
    if "string" in types and "number" in types:
        return {"$ref": REF_PREFIX + QUANTITY, **schema}
    return {"anyOf": [_clean(v) for v in variants], **schema}


def referenced(roots: list[str], schemas: dict[str, Schema]) -> dict[str, Schema]:
    """The named schemas reachable from `roots`, each once, in name order."""
    seen: set[str] = set()
    stack = [r for r in roots if r in schemas]
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        stack.extend(r for r in _refs(schemas[name]) if r not in seen and r in schemas)
    return {name: schemas[name] for name in sorted(seen)}


def _refs(schema: Any) -> list[str]:
    if isinstance(schema, dict):
        found = [schema["$ref"][len(REF_PREFIX):]] if isinstance(schema.get("$ref"), str) else []
        for value in schema.values():
            found.extend(_refs(value))
        return found
    if isinstance(schema, list):
        return [r for item in schema for r in _refs(item)]
    return []
