"""`-o` for every command: which printer, and how it prints a whole object or a List."""
from __future__ import annotations

from pathlib import Path
from typing import Any, TextIO

from kubectl.errors import CLIError
from kubectl.printers.custom_columns import CustomColumnsPrinter, parse_file, parse_spec
from kubectl.printers.jsonpath import JSONPath, JSONPathError
from kubectl.printers.serialize import to_json, to_yaml
from kubectl.printers.tabwriter import TabWriter

ALLOWED = ("custom-columns,custom-columns-file,go-template,go-template-file,json,jsonpath,"
           "jsonpath-as-json,jsonpath-file,name,template,templatefile,wide,yaml")


def name_of(obj: dict[str, Any], kind_group: str | None = None) -> str:
    """`deployment.apps/web`, as `-o name` prints it."""
    if kind_group is None:
        group = (obj.get("apiVersion") or "").rpartition("/")[0]
        kind = (obj.get("kind") or "").lower()
        kind_group = f"{kind}.{group}" if group else kind
    return f"{kind_group}/{(obj.get('metadata') or {}).get('name', '')}"


class GenericPrinter:
    """yaml, json, name, jsonpath, custom-columns: printers that work on objects."""

    def __init__(self, fmt: str, arg: str, no_headers: bool = False,
                 show_managed_fields: bool = False):
        self.fmt = fmt
        self.arg = arg
        self.count = 0
        self.show_managed_fields = show_managed_fields
        self.columns: CustomColumnsPrinter | None = None
        self.jsonpath: JSONPath | None = None
        if fmt in ("jsonpath", "jsonpath-as-json", "jsonpath-file"):
            text = Path(arg).read_text() if fmt == "jsonpath-file" else arg
            try:
                self.jsonpath = JSONPath(text)
            except JSONPathError as e:
                raise CLIError(f"error: error parsing jsonpath {text}, {e}") from e
        elif fmt == "custom-columns":
            self.columns = CustomColumnsPrinter(parse_spec(arg), no_headers)
        elif fmt == "custom-columns-file":
            self.columns = CustomColumnsPrinter(parse_file(Path(arg).read_text()), no_headers)

    def print_obj(self, obj: dict[str, Any], out: TextIO, typed: bool = False) -> None:
        """`typed`: an object kubectl holds as a Go struct, whose JSON keeps field order."""
        if self.fmt in ("yaml", "json") and not self.show_managed_fields:
            obj = strip_managed_fields(obj)
        if self.fmt == "yaml":
            if self.count:
                out.write("---\n")
            out.write(to_yaml(obj))
        elif self.fmt == "json":
            out.write(to_json(obj, sort_keys=not typed) + "\n")
        elif self.fmt == "name":
            items = obj.get("items") if obj.get("kind") == "List" else None
            for item in items if items is not None else [obj]:
                out.write(name_of(item) + "\n")
        elif self.jsonpath is not None:
            self._print_jsonpath(obj, out)
        elif self.columns is not None:
            w = TabWriter(out)
            self.columns.print_obj(obj, w)
            w.flush()
        self.count += 1
        out.flush()

    def _print_jsonpath(self, obj: dict[str, Any], out: TextIO) -> None:
        assert self.jsonpath is not None
        try:
            if self.fmt == "jsonpath-as-json":
                values = [v for g in self.jsonpath.find(obj) for v in g]
                out.write(to_json(values) + "\n")
            else:
                out.write(self.jsonpath.render(obj))
        except JSONPathError as e:
            raise CLIError(f'error: error executing jsonpath "{self.jsonpath.template}": '
                           f"Error executing template: {e}. Printing more information for "
                           "debugging the template:\n\ttemplate was:\n\t\t"
                           f"{self.jsonpath.template}\n") from e


def strip_managed_fields(obj: dict[str, Any]) -> dict[str, Any]:
    if obj.get("kind") == "List" or ("items" in obj and isinstance(obj.get("items"), list)):
        return {**obj, "items": [strip_managed_fields(i) for i in obj["items"]]}
    meta = obj.get("metadata")
    if isinstance(meta, dict) and "managedFields" in meta:
        meta = {k: v for k, v in meta.items() if k != "managedFields"}
        return {**obj, "metadata": meta}
    return obj


def split_format(output: str | None) -> tuple[str, str]:
    """`jsonpath={.a}` -> ("jsonpath", "{.a}"); `wide` -> ("wide", "")."""
    if not output:
        return "", ""
    fmt, _, arg = output.partition("=")
    known = set(ALLOWED.split(","))
    if fmt not in known:
        raise CLIError(f'error: unable to match a printer suitable for the output format '
                       f'"{output}", allowed formats are: {ALLOWED}')
    if fmt in ("go-template", "go-template-file", "template", "templatefile"):
        raise CLIError(f"error: the {fmt} output format is not supported by tkctl")
    if fmt in ("jsonpath", "custom-columns", "jsonpath-as-json", "jsonpath-file",
               "custom-columns-file") and not arg:
        if fmt == "custom-columns":
            raise CLIError("error: custom-columns format specified but no custom columns given")
        raise CLIError(f"error: {fmt} template format specified but no template given")
    return fmt, arg
