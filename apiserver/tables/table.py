"""Building `meta.k8s.io/v1` Table responses from stored objects.

A row holds the printer's cells plus the object itself in the shape the client asked for with
`includeObject`: `Metadata` (the default; a PartialObjectMetadata, which kubectl needs for
`-A`'s NAMESPACE column and for `--show-labels`), `Object` (what `--sort-by` sorts on) or `None`.
"""
from __future__ import annotations

import copy
import logging
from datetime import datetime
from typing import Any

from apiserver.tables.columns import Printer
from apiserver.tables.fields import mapping, text
from apiserver.tables.registry import printer_for
from machinery.api.resources import ResourceInfo

log = logging.getLogger(__name__)

TABLE_API_VERSION = "meta.k8s.io/v1"
INCLUDE_OBJECT = ("None", "Metadata", "Object")


def column_definitions(info: ResourceInfo) -> list[dict]:
    return [column.to_wire() for column in printer_for(info).columns]


def _cells(printer: Printer, info: ResourceInfo, obj: dict, now: datetime) -> list:
    try:
        return printer.cells(obj, now)
    except Exception as exc:  # a printer bug must not fail a `kubectl get` of every object
        log.warning("table row failed", extra={"component": "apiserver", "kind": info.kind,
                                               "object": text(obj, "metadata", "name"),
                                               "error": repr(exc)})
        return [text(obj, "metadata", "name") if column.format == "name" else "<unknown>"
                for column in printer.columns]


def _row_object(info: ResourceInfo, obj: dict, include_object: str) -> dict | None:
    if include_object == "None":
        return None
    if include_object == "Object":
        full = copy.deepcopy(obj) if isinstance(obj, dict) else {}
        full["apiVersion"], full["kind"] = info.api_version, info.kind
        return full
    return {"kind": "PartialObjectMetadata", "apiVersion": TABLE_API_VERSION,
            "metadata": copy.deepcopy(mapping(obj, "metadata"))}


def row_for(info: ResourceInfo, obj: dict, now: datetime,
            include_object: str = "Metadata") -> dict:
    """One TableRow: `{"cells": [...], "object": {...}}` (plus `conditions` for finished pods)."""
    printer = printer_for(info)
    source = obj if isinstance(obj, dict) else {}
    row: dict[str, Any] = {"cells": _cells(printer, info, source, now)}
    if printer.conditions is not None:
        conditions = printer.conditions(source)
        if conditions:
            row["conditions"] = conditions
    included = _row_object(info, source, include_object)
    if included is not None:
        row["object"] = included
    return row


def build_table(info: ResourceInfo, objs: list[dict], now: datetime,
                include_object: str = "Metadata", resource_version: str = "",
                continue_token: str = "", with_columns: bool = True) -> dict:
    """A whole Table: one row per object, in the order given."""
    metadata: dict[str, str] = {}
    if resource_version:
        metadata["resourceVersion"] = resource_version
    if continue_token:
        metadata["continue"] = continue_token
    return {
        "kind": "Table",
        "apiVersion": TABLE_API_VERSION,
        "metadata": metadata,
        "columnDefinitions": column_definitions(info) if with_columns else [],
        "rows": [row_for(info, obj, now, include_object) for obj in objs],
    }
