"""`kubectl explain TYPE[.field.path] [--recursive]`, from the server's OpenAPI v3 schemas,
in kubectl's plaintext layout (descriptions wrapped at 80 columns)."""
from __future__ import annotations

import argparse
import textwrap
from typing import Any

from kubectl.cli import Invocation, add_bool
from kubectl.errors import CLIError
from kubectl.openapi import OpenAPI, resolve_ref


def configure(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("words", nargs="*")
    add_bool(parser, "--recursive")
    parser.add_argument("--api-version", default=None)
    parser.add_argument("-o", "--output", default="plaintext")


def run(inv: Invocation, args: argparse.Namespace) -> int:
    if len(args.words) != 1:
        raise CLIError("error: You must specify the type of resource to explain. Use \"kubectl "
                       "api-resources\" for a complete list of supported resources.\n")
    resource, *path = args.words[0].split(".")
    mapping = inv.discovery.find(resource)
    if mapping is None:
        raise CLIError(f'the server doesn\'t have a resource type "{resource}"')
    group, version = mapping.group, mapping.version
    if args.api_version:
        group, _, version = args.api_version.rpartition("/")
    found = OpenAPI(inv.client).kind_schema(group, version, mapping.kind)
    if found is None:
        raise CLIError(f"error: couldn't find resource for \"{mapping.api_version}, "
                       f"Kind={mapping.kind}\"")
    doc, schema = found
    inv.out.write(render(doc, schema, group, version, mapping.kind, path, args.recursive))
    return 0


def type_name(doc: dict[str, Any], schema: dict[str, Any]) -> str:
    """`<string>`, `<[]Container>`, `<map[string]string>`, `<ObjectMeta>`: a reference to a
    primitive type (Quantity, IntOrString) shows the primitive, as kubectl's template does."""
    resolved = resolve_ref(doc, schema)
    kind = resolved.get("type")
    if kind == "array":
        return "[]" + type_name(doc, resolved.get("items") or {})
    if kind == "object" and isinstance(resolved.get("additionalProperties"), dict) and \
            not resolved.get("properties"):
        return "map[string]" + type_name(doc, resolved["additionalProperties"])
    if kind in ("string", "integer", "boolean", "number"):
        return kind
    return _ref_name(schema) or "Object"


def _ref_name(schema: dict[str, Any]) -> str | None:
    ref = schema.get("$ref")
    if ref is None and len(schema.get("allOf") or []) == 1:
        ref = schema["allOf"][0].get("$ref")
    return ref.rsplit("/", 1)[-1].rsplit(".", 1)[-1] if ref else None


def _wrap(text: str, indent: int) -> str:
    out = []
    for paragraph in text.split("\n"):
        lines = textwrap.wrap(paragraph, width=80 - indent, break_long_words=False,
                              break_on_hyphens=False) or [""]
        out.extend(" " * indent + line for line in lines)
    return "\n".join(out) + "\n"


def _element(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """Arrays and maps explain their element type's fields."""
    resolved = resolve_ref(doc, schema)
    if resolved.get("type") == "array":
        return _element(doc, resolved.get("items") or {})
    if resolved.get("type") == "object" and isinstance(resolved.get("additionalProperties"), dict) \
            and not resolved.get("properties"):
        return _element(doc, resolved["additionalProperties"])
    return resolved


def render(doc: dict[str, Any], schema: dict[str, Any], group: str, version: str, kind: str,
           path: list[str], recursive: bool) -> str:
    out = f"GROUP:      {group}\n" if group else ""
    out += f"KIND:       {kind}\nVERSION:    {version}\n\n"
    current, descriptions = resolve_ref(doc, schema), []
    header = out
    field_schema = None
    for name in path:
        props = _element(doc, current).get("properties") or {}
        if name not in props:
            raise CLIError(f'error: field "{name}" does not exist', prefix_output=header)
        field_schema = props[name]
        current = resolve_ref(doc, field_schema)
    if field_schema is not None:
        out += f"FIELD: {path[-1]} <{type_name(doc, field_schema)}>\n\n\n"
        descriptions = [d for d in (field_schema.get("description"),
                                    _element(doc, field_schema).get("description")
                                    if _ref_name(field_schema) or
                                    (field_schema.get("items") or {}) else None) if d]
        if len(descriptions) == 2 and descriptions[0] == descriptions[1]:
            descriptions = descriptions[:1]
    else:
        descriptions = [current.get("description") or ""]
    out += "DESCRIPTION:\n"
    for d in descriptions:
        out += _wrap(d, 4)
    out += "    \n"
    element = _element(doc, current)
    props = element.get("properties") or {}
    if props:
        out += "FIELDS:\n"
        out += _fields(doc, element, 1, recursive, set())
    return out + "\n"


def _fields(doc: dict[str, Any], schema: dict[str, Any], level: int, recursive: bool,
            seen: set[str]) -> str:
    out = ""
    required = set(schema.get("required") or [])
    for name in sorted(schema.get("properties") or {}):
        prop = schema["properties"][name]
        marker = " -required-" if name in required else ""
        out += f"{'  ' * level}{name}\t<{type_name(doc, prop)}>{marker}\n"
        if recursive:
            ref = _ref_name(prop) or _ref_name(prop.get("items") or {}) or ""
            if ref and ref not in seen:
                child = _element(doc, prop)
                out += _fields(doc, child, level + 1, True, seen | {ref})
            continue
        description = prop.get("description") or _element(doc, prop).get("description") or ""
        out += _wrap(description, 2 * level + 2) + "\n"
    return out
